import { GitRepoSession } from '../../src/adapters/git/repo-session';
import { loopTargets } from '../../src/cli/wiring/loop-targets';
import { policyResolver } from '../../src/cli/wiring/policy-resolver';
import { yamlTargetManifests } from '../../src/cli/wiring/target-manifests';
import { loadTemplateFiles } from '../../src/cli/wiring/template-files';
import { parseConfigText } from '../../src/config/load-config';
import type { MaestroConfig } from '../../src/config/schema';
import { guard } from '../../src/core/guardrails/guard';
import type { Clock, MetricsSource } from '../../src/core/ports';
import { coreCommitMessages } from '../../src/loop/commit-messages';
import { ControlLoop } from '../../src/loop/control-loop';

/**
 * The agent the loop and push-race benchmarks drive: a config repo of N Deployments made from the
 * template's `web` Deployment, an agent config parsed by the real config loader, and a ControlLoop
 * assembled as src/cli/wiring/start-agent.ts assembles it (loopTargets, policyResolver, guard, the
 * YAML manifests adapter, core commit messages, a GitRepoSession) without the HTTP server, so
 * runCycle() can be called and timed one tick at a time.
 */
export const wallClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

export function serviceName(i: number): string {
  return `svc-${String(i).padStart(4, '0')}`;
}

/** The template's `web` Deployment renamed: the same YAML (comments, layout) the agent edits in production. */
export function deploymentFiles(n: number): Record<string, string> {
  const web = loadTemplateFiles()['apps/web/deployment.yaml'];
  if (!web) throw new Error('gitops-repo-template/apps/web/deployment.yaml is missing');
  const files: Record<string, string> = {};
  for (let i = 1; i <= n; i++) {
    const name = serviceName(i);
    files[`apps/${name}/deployment.yaml`] = web
      .replace(/^(\s+)name: web$/m, `$1name: ${name}`)
      .replace(/app: web$/gm, `app: ${name}`);
  }
  return files;
}

/** The agent config, as YAML through the real loader: guardrails open enough to commit every cycle. */
export function configFor(url: string, n: number): MaestroConfig {
  const targets = Array.from({ length: n }, (_, k) => {
    const name = serviceName(k + 1);
    return [
      `  - name: ${name}`,
      '    kind: deployment-replicas',
      `    file: apps/${name}/deployment.yaml`,
      '    namespace: shop',
      '    minReplicas: 1',
      '    maxReplicas: 100000',
      '    slo: { p95Ms: 250, errorRate: 0.01 }',
      '    policy: hpa',
      '    guardrails: { maxStepUp: 4, scaleUpCooldownSeconds: 0, maxCommitsPerHour: 100000 }',
    ].join('\n');
  });
  const text = [
    'git:',
    `  url: ${url}`,
    '  branch: main',
    '  author: { name: maestro, email: maestro@bench.local }',
    'prometheus: { url: http://127.0.0.1:9090, stalenessSeconds: 120 }',
    'cycleIntervalSeconds: 15',
    'applyTimeoutSeconds: 600',
    'server: { host: 127.0.0.1, port: 0 }',
    'targets:',
    ...targets,
    '',
  ].join('\n');
  const r = parseConfigText(text, 'bench-config.yaml');
  if (!r.ok)
    throw new Error(`bench config invalid: ${r.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
  return r.config;
}

/**
 * Wall time spent inside the loop's ports (ms), summed since the last reset. `gitMs` includes
 * `planMs`: the loop's commit planner (re-reading the files, YAML edits, messages) runs inside
 * `ConfigRepo.commit`. Metrics reads overlap git and each other, so `metricsMs` can exceed the cycle.
 */
export class PortTimings {
  metricsMs = 0;
  gitMs = 0;
  planMs = 0;
  reset(): void {
    this.metricsMs = 0;
    this.gitMs = 0;
    this.planMs = 0;
  }
}

async function timed<T>(add: (ms: number) => void, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    add(performance.now() - t0);
  }
}

export function buildLoop(
  config: MaestroConfig,
  metrics: MetricsSource,
  metricsSource: string,
  gitDir: string,
  timings: PortTimings = new PortTimings(),
): { loop: ControlLoop; session: GitRepoSession } {
  const session = new GitRepoSession({
    url: config.git.url,
    branch: config.git.branch,
    dir: gitDir,
    author: config.git.author,
    random: Math.random,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  });
  const targets = loopTargets(config);
  const loop = new ControlLoop(
    targets,
    {
      clock: wallClock,
      // pass-through wrappers that only time the ports (the planner runs inside commit())
      repo: {
        snapshot: () =>
          timed(
            (ms) => (timings.gitMs += ms),
            () => session.snapshot(),
          ),
        commit: (planner) =>
          timed(
            (ms) => (timings.gitMs += ms),
            () =>
              session.commit((snapshot, attempt) =>
                timed(
                  (ms) => (timings.planMs += ms),
                  () => planner(snapshot, attempt),
                ),
              ),
          ),
      },
      metrics: {
        read: (target, nowMs) =>
          timed(
            (ms) => (timings.metricsMs += ms),
            () => metrics.read(target, nowMs),
          ),
      },
      policies: policyResolver(targets),
      guard,
      manifests: yamlTargetManifests(),
      messages: coreCommitMessages(),
    },
    {
      cycleIntervalSeconds: config.cycleIntervalSeconds,
      applyTimeoutSeconds: config.applyTimeoutSeconds,
      shadow: false,
      metricsSource,
      agent: config.git.author,
    },
  );
  return { loop, session };
}
