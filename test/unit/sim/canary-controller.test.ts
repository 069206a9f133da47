import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CanaryController,
  type CanaryTarget,
  type WebhookCaller,
  type WebhookPayload,
} from '../../../src/sim/flagger/canary-controller';
import { parseCanary, type CanarySpec } from '../../../src/sim/flagger/canary-spec';
import { httpWebhookCaller } from '../../../src/sim/flagger/http-webhook';

/** An in-memory canary target whose metric values the test sets. */
class FakeTarget implements CanaryTarget {
  hash = 'h0';
  weight = 0;
  canaryUp = false;
  promoted: string[] = [];
  successRate: number | undefined = 100;
  p99Ms: number | undefined = 100;
  templateHash = () => this.hash;
  startCanary = (h: string) => {
    this.canaryUp = true;
    this.started.push(h);
  };
  started: string[] = [];
  setWeight = (w: number) => {
    this.weight = w;
  };
  promote = () => {
    this.promoted.push(this.hash);
  };
  primaryReady = () => true;
  canaryReady = () => this.canaryUp;
  scaleCanaryToZero = () => {
    this.canaryUp = false;
  };
  metric = (name: string) => (name === 'request-success-rate' ? this.successRate : this.p99Ms);
}

function canary(analysis: Record<string, unknown>, extra: Record<string, unknown> = {}): CanarySpec {
  return parseCanary(
    {
      apiVersion: 'flagger.app/v1beta1',
      kind: 'Canary',
      metadata: { name: 'web', namespace: 'prod' },
      spec: {
        targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        ...extra,
        analysis: {
          interval: '1m',
          threshold: 3,
          metrics: [
            { name: 'request-success-rate', thresholdRange: { min: 99 }, interval: '1m' },
            { name: 'request-duration', thresholdRange: { max: 500 }, interval: '1m' },
          ],
          ...analysis,
        },
      },
    },
    'canary.yaml',
  );
}

const open: WebhookCaller = async () => ({ status: 200 });

/** Initialises the canary and starts a run with a new template; returns the tick clock. */
async function startRun(c: CanaryController, t: FakeTarget): Promise<number> {
  await c.tick(0);
  expect(c.status.phase).toBe('Initialized');
  t.hash = 'h1';
  await c.tick(60);
  expect(c.status.phase).toBe('Progressing');
  return 60;
}

describe('Flagger-like canary controller, one tick per call', () => {
  it('promotes a healthy release after interval × maxWeight/stepWeight', async () => {
    const t = new FakeTarget();
    const spec = canary({ stepWeight: 10, maxWeight: 50 });
    const c = new CanaryController(spec, t, open);
    let now = await startRun(c, t);
    let firstWeightAt: number | undefined;
    let promotingAt: number | undefined;
    for (let i = 0; i < 20 && c.status.phase !== 'Succeeded'; i++) {
      now += spec.analysis.intervalSeconds;
      await c.tick(now);
      if (firstWeightAt === undefined && c.status.canaryWeight > 0) firstWeightAt = now;
      if (promotingAt === undefined && c.status.phase === 'Promoting') promotingAt = now;
    }
    expect(c.status.phase).toBe('Succeeded');
    expect(promotingAt! - firstWeightAt!).toBe(60 * (50 / 10));
    expect(t.promoted).toEqual(['h1']);
    expect(c.status.lastPromotedSpec).toBe('h1');
    expect(t.weight).toBe(0);
    expect(t.canaryUp).toBe(false);
  });

  it('rolls back after `threshold` failed checks (cumulative, not consecutive)', async () => {
    const t = new FakeTarget();
    const c = new CanaryController(canary({ stepWeight: 10, maxWeight: 50, threshold: 3 }), t, open);
    let now = await startRun(c, t);
    await c.tick((now += 60)); // pre-rollout, weight 10
    expect(c.status.canaryWeight).toBe(10);
    t.successRate = 95;
    await c.tick((now += 60));
    t.successRate = 100;
    await c.tick((now += 60)); // passes: 20
    t.successRate = undefined; // no data is a failed check
    await c.tick((now += 60));
    t.p99Ms = 900;
    await c.tick((now += 60));
    expect(c.status.failedChecks).toBe(3);
    expect(c.status.phase).toBe('Progressing');
    await c.tick((now += 60));
    expect(c.status.phase).toBe('Failed');
    expect(t.weight).toBe(0);
    expect(t.canaryUp).toBe(false);
    expect(t.promoted).toEqual([]);
  });

  it('hazard: lowering maxWeight to the current weight promotes on the next passing tick', async () => {
    const t = new FakeTarget();
    const c = new CanaryController(canary({ stepWeight: 10, maxWeight: 50 }), t, open);
    let now = await startRun(c, t);
    for (let i = 0; i < 3; i++) await c.tick((now += 60));
    expect(c.status.canaryWeight).toBe(30);
    c.spec = canary({ stepWeight: 10, maxWeight: 30 });
    await c.tick((now += 60));
    expect(c.status.phase).toBe('Promoting');
    expect(t.promoted).toEqual(['h1']);
  });

  it('hazard: a stepWeights list lacking the current weight jumps to 100 %', async () => {
    const t = new FakeTarget();
    const c = new CanaryController(canary({ stepWeights: [10, 20, 40, 60] }), t, open);
    let now = await startRun(c, t);
    await c.tick((now += 60));
    await c.tick((now += 60));
    expect(c.status.canaryWeight).toBe(20);
    c.spec = canary({ stepWeights: [5, 15, 30, 60] });
    await c.tick((now += 60));
    expect(c.status.canaryWeight).toBe(100);
    expect(t.weight).toBe(100);
  });

  it('follows stepWeights when the current weight is in the list', async () => {
    const t = new FakeTarget();
    const c = new CanaryController(canary({ stepWeights: [5, 10, 25, 50] }), t, open);
    let now = await startRun(c, t);
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      await c.tick((now += 60));
      seen.push(c.status.canaryWeight);
    }
    expect(seen).toEqual([5, 10, 25, 50]);
    await c.tick((now += 60));
    expect(c.status.phase).toBe('Promoting');
  });

  it('confirm-traffic-increase closed holds the weight without a failed check', async () => {
    const t = new FakeTarget();
    let allow = true;
    const caller: WebhookCaller = async (url) => ({ status: url.endsWith('/traffic') && !allow ? 403 : 200 });
    const c = new CanaryController(
      canary({
        stepWeight: 20,
        maxWeight: 40,
        webhooks: [{ name: 'gate', type: 'confirm-traffic-increase', url: 'http://gate/traffic' }],
      }),
      t,
      caller,
    );
    let now = await startRun(c, t);
    await c.tick((now += 60));
    expect(c.status.canaryWeight).toBe(20);
    allow = false;
    await c.tick((now += 60));
    await c.tick((now += 60));
    expect(c.status.canaryWeight).toBe(20);
    expect(c.status.failedChecks).toBe(0);
    allow = true;
    await c.tick((now += 60));
    expect(c.status.canaryWeight).toBe(40);
  });

  it('confirm-promotion closed waits in WaitingPromotion, then promotes when it opens', async () => {
    const t = new FakeTarget();
    let allow = false;
    const caller: WebhookCaller = async (url) => ({ status: url.endsWith('/promote') && !allow ? 500 : 200 });
    const c = new CanaryController(
      canary({
        stepWeight: 50,
        maxWeight: 50,
        webhooks: [{ name: 'promote', type: 'confirm-promotion', url: 'http://gate/promote' }],
      }),
      t,
      caller,
    );
    let now = await startRun(c, t);
    await c.tick((now += 60));
    await c.tick((now += 60));
    expect(c.status.phase).toBe('WaitingPromotion');
    await c.tick((now += 60));
    expect(c.status.phase).toBe('WaitingPromotion');
    allow = true;
    await c.tick((now += 60));
    expect(c.status.phase).toBe('Promoting');
  });

  it('skipAnalysis promotes on the next tick without metrics or gates', async () => {
    const t = new FakeTarget();
    t.successRate = undefined;
    const c = new CanaryController(canary({ stepWeight: 10 }, { skipAnalysis: true }), t, open);
    const now = await startRun(c, t);
    await c.tick(now + 60);
    expect(c.status.phase).toBe('Succeeded');
    expect(t.promoted).toEqual(['h1']);
  });

  it('skipAnalysis does not pass a closed confirm-rollout gate; a rollback hook while Waiting fails the run', async () => {
    const t = new FakeTarget();
    let rollback = false;
    const caller: WebhookCaller = async (url) => ({
      status: url.endsWith('/rollout') ? 403 : url.endsWith('/rollback') && rollback ? 200 : 403,
    });
    const c = new CanaryController(
      canary(
        {
          stepWeight: 10,
          webhooks: [
            { name: 'rollout', type: 'confirm-rollout', url: 'http://gate/rollout' },
            { name: 'rollback', type: 'rollback', url: 'http://gate/rollback' },
          ],
        },
        { skipAnalysis: true },
      ),
      t,
      caller,
    );
    await c.tick(0);
    t.hash = 'h1';
    await c.tick(60);
    await c.tick(120);
    expect(c.status.phase).toBe('Waiting');
    expect(t.promoted).toEqual([]);
    rollback = true;
    await c.tick(180);
    expect(c.status.phase).toBe('Failed');
    await c.tick(240);
    expect(c.status.phase).toBe('Failed');
    expect(t.started).toEqual([]);
  });

  it('a template equal to lastPromotedSpec starts no new run (the revert after a rollback)', async () => {
    const t = new FakeTarget();
    const c = new CanaryController(canary({ stepWeight: 10, threshold: 1 }), t, open);
    let now = await startRun(c, t);
    await c.tick((now += 60));
    t.successRate = 50;
    await c.tick((now += 60));
    await c.tick((now += 60));
    expect(c.status.phase).toBe('Failed');
    t.hash = 'h0'; // git revert to the promoted template
    await c.tick((now += 60));
    expect(c.status.phase).toBe('Failed');
    expect(t.started).toEqual(['h1']);
  });

  it('a new template during the run restarts the analysis', async () => {
    const t = new FakeTarget();
    const c = new CanaryController(canary({ stepWeight: 10 }), t, open);
    let now = await startRun(c, t);
    await c.tick((now += 60));
    await c.tick((now += 60));
    expect(c.status.canaryWeight).toBe(20);
    t.hash = 'h2';
    await c.tick((now += 60));
    expect(c.status.canaryWeight).toBe(0);
    expect(c.status.lastAppliedSpec).toBe('h2');
    expect(t.started).toEqual(['h1', 'h2']);
  });

  it('rejects a Canary with two of iterations/stepWeight/stepWeights (the CRD oneOf)', () => {
    expect(() => canary({ stepWeight: 10, stepWeights: [10, 20] })).toThrow(
      /only one of iterations, stepWeight, stepWeights/,
    );
  });

  describe('webhooks over real HTTP', () => {
    let server: Server;
    let base = '';
    const received: Array<{ path: string; body: WebhookPayload }> = [];
    let rollbackStatus = 403;
    beforeAll(async () => {
      server = createServer((req, res) => {
        let data = '';
        req.on('data', (c: Buffer) => (data += c.toString()));
        req.on('end', () => {
          received.push({ path: req.url ?? '', body: JSON.parse(data) as WebhookPayload });
          res.statusCode = req.url === '/rollback' ? rollbackStatus : 200;
          res.end();
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((r) => server.close(() => r()));
    });

    it('a rollback webhook answering 2xx rolls back on the next tick; payloads carry the checksum', async () => {
      const t = new FakeTarget();
      const c = new CanaryController(
        canary({
          stepWeight: 10,
          webhooks: [
            { name: 'traffic', type: 'confirm-traffic-increase', url: `${base}/traffic` },
            { name: 'rollback', type: 'rollback', url: `${base}/rollback`, metadata: { gate: 'maestro' } },
          ],
        }),
        t,
        httpWebhookCaller(2000),
      );
      let now = await startRun(c, t);
      await c.tick((now += 60));
      expect(c.status.canaryWeight).toBe(10);
      rollbackStatus = 200;
      await c.tick((now += 60));
      expect(c.status.phase).toBe('Failed');
      expect(t.weight).toBe(0);
      const rb = received.filter((r) => r.path === '/rollback');
      expect(rb.length).toBeGreaterThanOrEqual(2);
      expect(rb[0]!.body).toEqual({
        name: 'web',
        namespace: 'prod',
        phase: 'Progressing',
        checksum: 'h1',
        metadata: { gate: 'maestro' },
      });
      expect(received.find((r) => r.path === '/traffic')!.body.checksum).toBe('h1');
    });

    it('an unreachable gate counts as closed (hold), never as a rollback', async () => {
      const t = new FakeTarget();
      const c = new CanaryController(
        canary({
          stepWeight: 10,
          webhooks: [
            { name: 'traffic', type: 'confirm-traffic-increase', url: 'http://127.0.0.1:1/traffic' },
            { name: 'rollback', type: 'rollback', url: 'http://127.0.0.1:1/rollback' },
          ],
        }),
        t,
        httpWebhookCaller(2000),
      );
      let now = await startRun(c, t);
      await c.tick((now += 60));
      await c.tick((now += 60));
      expect(c.status.phase).toBe('Progressing');
      expect(c.status.canaryWeight).toBe(0);
      expect(c.status.failedChecks).toBe(0);
    });
  });
});
