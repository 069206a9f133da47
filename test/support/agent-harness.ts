import { createRedactor } from '../../src/core/redact';
import { ControlLoop } from '../../src/loop/control-loop';
import type { LoopTarget } from '../../src/loop/ports';
import { AgentMetrics } from '../../src/server/agent-metrics';
import { startAgentServer, type AgentServer } from '../../src/server/agent-server';
import { TokenBook } from '../../src/server/auth';
import { createLogger } from '../../src/server/logger';
import type { RateLimit } from '../../src/server/rate-limit';
import {
  FakeMetrics,
  ManualClock,
  MemoryRepo,
  fixedPolicy,
  jsonManifests,
  passGuard,
  plainMessages,
  target,
} from './loop-doubles';
import type { Action } from '../../src/core/action';

export const OPERATOR_TOKEN = 'operator-token-0123456789abcdef';
export const VIEWER_TOKEN = 'viewer-token-0123456789abcdef';
export const GATE_SECRET = 'gate-secret-0123456789';

export interface Harness {
  readonly server: AgentServer;
  readonly loop: ControlLoop;
  readonly repo: MemoryRepo;
  readonly metrics: FakeMetrics;
  readonly clock: ManualClock;
  close(): Promise<void>;
}

/** The real server (port 0) over a real ControlLoop whose ports are in-memory doubles. */
export async function startHarness(
  options: {
    rateLimit?: RateLimit;
    overrideRateLimit?: RateLimit;
    wsClientRate?: RateLimit;
    actions?: Record<string, () => Action>;
  } = {},
): Promise<Harness> {
  const clock = new ManualClock(Date.now());
  const targets: LoopTarget[] = [target('web'), target('checkout', 'flagger-canary')];
  const repo = new MemoryRepo({
    'apps/web.json': '{"replicas":3}',
    'apps/checkout.json': '{"stepWeight":10,"skipAnalysis":false}',
  });
  const metrics = new FakeMetrics();
  metrics.readings.set('web', { specReplicas: 3, rps: 120, p95: 180 });
  metrics.readings.set('checkout', { canary: { weight: 20, phase: 'Progressing', checksum: 'sum-1' } });
  const actions = options.actions ?? {};
  const loop = new ControlLoop(
    targets,
    {
      clock,
      repo,
      metrics,
      policies: (t) => ({
        primary: fixedPolicy('hpa', actions[t.ref.name] ?? (() => ({ type: 'hold' }))),
        fallback: fixedPolicy('hpa', () => ({ type: 'hold' })),
      }),
      guard: passGuard,
      manifests: jsonManifests,
      messages: plainMessages,
    },
    {
      cycleIntervalSeconds: 15,
      applyTimeoutSeconds: 300,
      shadow: false,
      metricsSource: 'test doubles',
      agent: { name: 'maestro', email: 'maestro@localhost' },
    },
  );
  await loop.restore();
  const redactor = createRedactor([OPERATOR_TOKEN, VIEWER_TOKEN, GATE_SECRET]);
  const server = await startAgentServer(
    {
      state: loop.state,
      control: loop,
      tokens: new TokenBook([
        { token: OPERATOR_TOKEN, user: 'Ada', email: 'ada@example.com', role: 'operator' },
        { token: VIEWER_TOKEN, user: 'Vic', email: 'vic@example.com', role: 'viewer' },
      ]),
      metrics: new AgentMetrics(),
      logger: createLogger(redactor, { level: 'silent' }),
      redactor,
      now: () => Date.now(),
      gateSecret: GATE_SECRET,
      ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
      ...(options.overrideRateLimit ? { overrideRateLimit: options.overrideRateLimit } : {}),
      ...(options.wsClientRate ? { wsClientRate: options.wsClientRate } : {}),
    },
    '127.0.0.1',
    0,
  );
  return { server, loop, repo, metrics, clock, close: () => server.close() };
}
