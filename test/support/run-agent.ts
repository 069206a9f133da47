import { join } from 'node:path';
import { GitRepoSession } from '../../src/adapters/git/repo-session';
import { PrometheusMetricsSource } from '../../src/adapters/prometheus/metrics-source';
import { PrometheusClient } from '../../src/adapters/prometheus/prometheus-client';
import { gitHistorySource } from '../../src/cli/wiring/history-source';
import { startAgent, type RunningAgent } from '../../src/cli/wiring/start-agent';
import { yamlTargetManifests } from '../../src/cli/wiring/target-manifests';
import { configSchema } from '../../src/config/schema';
import { createRedactor } from '../../src/core/redact';
import type { LeadershipView } from '../../src/server/app';
import { createLogger } from '../../src/server/logger';
import type { TestGitServer } from './git-server';

/**
 * One agent wired as `maestro run` wires it (src/cli/commands/run.ts): a real git session on the
 * test git server, the history reader, Prometheus (unreachable on purpose: every reading is no
 * data, so the loop holds and commits nothing of its own) and the HTTP server on port 0.
 */
export const RUN_OPERATOR_TOKEN = 'run-agent-operator-token-0123456789';
export const RUN_VIEWER_TOKEN = 'run-agent-viewer-token-0123456789';

export function runConfig(git: TestGitServer, extra: Record<string, unknown> = {}) {
  return configSchema.parse({
    git: { url: git.url, branch: git.branch },
    prometheus: { url: 'http://127.0.0.1:1', timeoutMs: 200 },
    cycleIntervalSeconds: 0.5,
    server: { port: 0 },
    targets: [
      {
        name: 'web',
        kind: 'deployment-replicas',
        file: 'apps/web/deployment.yaml',
        namespace: 'shop',
        minReplicas: 2,
        maxReplicas: 20,
        slo: { p95Ms: 250 },
      },
    ],
    ...extra,
  });
}

export async function startRunAgent(
  git: TestGitServer,
  name: string,
  extra: Record<string, unknown> = {},
): Promise<RunningAgent> {
  const config = runConfig(git, {
    ...extra,
    git: { url: git.url, author: { name, email: `${name}@localhost` } },
  });
  const redactor = createRedactor([RUN_OPERATOR_TOKEN, RUN_VIEWER_TOKEN]);
  const session = new GitRepoSession({
    url: config.git.url,
    branch: config.git.branch,
    dir: join(git.tmp, `${name}-${Math.random().toString(36).slice(2)}`),
    author: config.git.author,
    random: Math.random,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    redactor,
  });
  return startAgent({
    config,
    repo: session,
    history: gitHistorySource(session),
    metrics: new PrometheusMetricsSource(
      new PrometheusClient({ url: config.prometheus.url, timeoutMs: config.prometheus.timeoutMs }),
      {
        stalenessSeconds: config.prometheus.stalenessSeconds,
        queries: Object.fromEntries(config.targets.map((t) => [t.name, t.queries])),
      },
    ),
    metricsDescription: 'Prometheus (unreachable)',
    manifests: yamlTargetManifests(),
    clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    tokens: [
      { token: RUN_OPERATOR_TOKEN, user: 'ada', email: 'ada@example.com', role: 'operator' },
      { token: RUN_VIEWER_TOKEN, user: 'vic', email: 'vic@example.com', role: 'viewer' },
    ],
    redactor,
    logger: createLogger(redactor, { level: 'silent' }),
  });
}

export const bearer = (token: string) => ({
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
});

/** Polls `check` every 100 ms until it returns a value other than undefined, or fails after `ms`. */
export async function eventually<T>(
  what: string,
  ms: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The agent's leadership as `/api/status` reports it (viewer token). */
export async function leadership(agent: RunningAgent): Promise<LeadershipView> {
  const r = await fetch(`${agent.server.url}/api/status`, { headers: bearer(RUN_VIEWER_TOKEN) });
  expect(r.status).toBe(200);
  return ((await r.json()) as { ha: LeadershipView }).ha;
}

/** Flagger's confirm-promotion gate call for the template's `checkout` canary. */
export const gateCall = (agent: RunningAgent) =>
  fetch(`${agent.server.url}/gate/confirm-promotion`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'checkout', namespace: 'shop', checksum: 'abc123', phase: 'Progressing' }),
  });

/** A person's replicas override of the template's `web` target (operator token). */
export const overrideReplicas = (agent: RunningAgent, replicas: number, reason: string) =>
  fetch(`${agent.server.url}/api/targets/web/override`, {
    method: 'POST',
    headers: bearer(RUN_OPERATOR_TOKEN),
    body: JSON.stringify({ action: 'replicas', replicas, reason }),
  });

/**
 * The follower of an HA pair once the leader is ready: itself ready (so its Service keeps it), but
 * every Flagger gate it answers holds and every override is refused with FORBIDDEN naming the leader.
 */
export async function expectFollowerHolds(
  leader: RunningAgent,
  follower: RunningAgent,
  leaderId: string,
  reason: string,
): Promise<void> {
  await eventually('the leader to be ready', 20_000, async () =>
    (await fetch(`${leader.server.url}/readyz`)).status === 200 ? true : undefined,
  );
  const ready = await fetch(`${follower.server.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual(expect.objectContaining({ ready: true, leader: false }));
  const gate = await gateCall(follower);
  expect(gate.status).toBe(403);
  expect(((await gate.json()) as { reason: string }).reason).toMatch(
    new RegExp(`not the leader \\(${leaderId} is\\): hold`),
  );
  const refused = await overrideReplicas(follower, 7, reason);
  expect(refused.status).toBe(403);
  const refusal = (await refused.json()) as { error: { code: string; message: string } };
  expect(refusal.error.code).toBe('FORBIDDEN');
  expect(refusal.error.message).toContain(`send overrides to ${leaderId}`);
}
