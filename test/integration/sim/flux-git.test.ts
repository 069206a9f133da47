import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { GitRepoSession } from '../../../src/adapters/git/repo-session';
import { SimRuntime } from '../../../src/sim/runtime/sim-runtime';
import { createRng } from '../../../src/sim/rng';
import { getScenario } from '../../../src/sim/scenarios';
import { runGit, startGitServer, type TestGitServer } from '../../support/git-server';

/** The Flux-like reconciler reading a real git smart-HTTP server through the git adapter. */
function fixtureFiles(): Record<string, string> {
  const root = join(__dirname, '../../fixtures/sim/repo');
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(root, p)] = readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
}

describe('Flux-like reconciler over git HTTP', () => {
  let git: TestGitServer;
  let work: string;
  beforeAll(async () => {
    git = await startGitServer({ files: fixtureFiles() });
    work = mkdtempSync(join(tmpdir(), 'sim-flux-git-'));
  });
  afterAll(async () => {
    await git?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('applies each pushed commit and reports lastAppliedRevision = main@sha1:<head>', async () => {
    const rng = createRng(1);
    const session = new GitRepoSession({
      url: git.url,
      branch: 'main',
      dir: join(work, 'sim.git'),
      author: { name: 'sim', email: 'sim@localhost' },
      random: () => rng.next(),
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    });
    const runtime = new SimRuntime({
      scenario: getScenario('steady'),
      seed: 3,
      source: session,
      branch: 'main',
      fluxIntervalSeconds: 10,
      callWebhook: async () => ({ status: 200 }),
    });
    await runtime.advance(5);
    const head1 = (await git.gitCli('rev-parse', 'main')).trim();
    expect(runtime.reconciler!.status.lastAppliedRevision).toBe(`main@sha1:${head1}`);
    expect(runtime.cluster.services.get('api')!.specReplicas).toBe(4);

    // a person pushes a replicas change with the real git CLI
    const clone = join(work, 'clone');
    await runGit(['clone', '-q', git.url, clone]);
    const file = join(clone, 'apps/api.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('replicas: 4', 'replicas: 6'));
    await runGit(['-C', clone, 'commit', '-qam', 'api: 6 replicas']);
    await runGit(['-C', clone, 'push', '-q', 'origin', 'HEAD:main']);
    const head2 = (await git.gitCli('rev-parse', 'main')).trim();

    await runtime.advance(10);
    expect(runtime.reconciler!.status.lastAppliedRevision).toBe(`main@sha1:${head2}`);
    expect(runtime.cluster.services.get('api')!.specReplicas).toBe(6);
    expect(runtime.cluster.metrics!.render()).toContain(`revision="main@sha1:${head2}"`);
  });
});
