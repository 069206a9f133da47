import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, get, readObjects } from './deploy-fixtures';

/**
 * No Docker daemon runs here, so the image itself is built by CI/release; these checks catch the
 * mistakes that would break that build or the image: a COPY of a path the context excludes or the
 * repo lacks, dev dependencies in the runtime, root at run time, a command the Deployment disagrees with.
 */
const dockerfile = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8');
const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

/** Logical lines (continuations joined), comments dropped. */
const lines = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));

interface Stage {
  name: string;
  lines: string[];
}
const stages: Stage[] = [];
for (const l of lines) {
  const from = /^FROM\s+\S+(?:\s+AS\s+(\S+))?/i.exec(l);
  if (from) stages.push({ name: from[1] ?? String(stages.length), lines: [] });
  else stages.at(-1)?.lines.push(l);
}
const stage = (name: string): Stage => {
  const s = stages.find((x) => x.name === name);
  if (!s) throw new Error(`Dockerfile has no stage ${name}`);
  return s;
};

/** .dockerignore entries here are plain top-level names or globs like *.log. */
function excluded(path: string): boolean {
  return ignored.some((p) => {
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`);
    return re.test(path);
  });
}

describe('Dockerfile', () => {
  it('has a build, a production-dependencies and a runtime stage', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'prod-deps', 'runtime']);
    expect(stage('prod-deps').lines.some((l) => /npm ci .*--omit=dev/.test(l))).toBe(true);
    expect(stage('runtime').lines.some((l) => /npm (ci|install)/.test(l))).toBe(false);
  });

  it('sends the build everything it copies from the context', () => {
    const fromContext = stages
      .flatMap((s) => s.lines)
      .filter((l) => /^COPY\s/.test(l) && !/--from=/.test(l))
      .flatMap((l) => l.split(/\s+/).slice(1, -1));
    expect(fromContext).toContain('.');
    const needed = [
      'package.json',
      'package-lock.json',
      '.npmrc',
      'tsconfig.json',
      'tsconfig.build.json',
      'src',
    ];
    for (const p of [...needed, ...fromContext.filter((p) => p !== '.')]) {
      expect(existsSync(join(REPO_ROOT, p))).toBe(true);
      expect(excluded(p)).toBe(false);
    }
  });

  it('copies into the runtime only what the build stage has', () => {
    const made = new Set(['dist/src', 'policies', 'traces']); // tsc output and the mkdir -p in the build stage
    const copies = stage('runtime').lines.filter((l) => /^COPY\s+--from=build\s/.test(l));
    expect(copies.length).toBeGreaterThan(5);
    for (const l of copies) {
      const src = (l.split(/\s+/)[2] as string).replace(/^\/src\//, '');
      if (made.has(src)) continue;
      expect([src, existsSync(join(REPO_ROOT, src)), excluded(src)]).toEqual([src, true, false]);
    }
    expect(stage('build').lines.some((l) => /tsc -p tsconfig\.build\.json/.test(l))).toBe(true);
    // the CLI, the dashboard, the template the demo seeds from and the example config all ship
    for (const p of ['bin', 'dashboard', 'gitops-repo-template', 'examples']) {
      expect(copies.some((l) => l.includes(`/src/${p} `))).toBe(true);
    }
  });

  it('runs as the unprivileged node user with the command the Deployment uses', () => {
    const runtime = stage('runtime').lines;
    expect(runtime.filter((l) => /^USER\s/.test(l))).toEqual(['USER node']);
    expect(runtime).toContain('ENTRYPOINT ["node", "bin/maestro.js"]');
    const cmd = JSON.parse(runtime.find((l) => l.startsWith('CMD '))?.slice(4) ?? '[]') as string[];
    const deployment = readObjects(join(REPO_ROOT, 'flux', 'agent', 'deployment.yaml'))[0];
    expect(cmd).toEqual(get(deployment, 'spec.template.spec.containers.0.args'));
    expect(get(deployment, 'spec.template.spec.securityContext.runAsUser')).toBe(1000); // node's uid
  });
});
