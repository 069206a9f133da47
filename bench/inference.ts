/**
 * Decision cost of the ONNX policy (onnxruntime-node, one intra-op thread, as the agent loads it)
 * against the JS `hpa` rule baseline: µs per decision.
 *
 * Rows:
 * - ONNX session only (LoadedModel.run: tensor in, softmax out), batch 1 and batch = targets (100,
 *   1000) — the per-decision share of one batched call;
 * - the whole ONNX policy decision (src/core/policies/onnx-fallback.ts through
 *   src/adapters/onnx/onnx-policy.ts: feature encoding, the baseline it is checked against, the
 *   session call, confidence and bounds checks);
 * - the same decision with the model's answer computed beforehand (everything but onnxruntime);
 * - feature encoding alone, and the JS hpa baseline decision.
 *
 * The 1-minute load average before and after is recorded: the machine is shared, and load inflates
 * every wall time here.
 *
 * The model is policies/autoscale.onnx when it exists (the shipped, trained policy), else one
 * trained here for a few PPO updates with `trainPolicy` (same architecture, same export, same card;
 * inference time does not depend on how well the weights are trained). The table says which.
 * Target: p50 < 20 µs per decision at batch 1.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { cardPathFor } from '../src/adapters/onnx/model-card';
import { loadOnnxModel, type LoadedModel } from '../src/adapters/onnx/onnx-model';
import { onnxPolicyFromModel } from '../src/adapters/onnx/onnx-policy';
import { findPackageRoot } from '../src/cli/wiring/template-files';
import { encodeFeatures } from '../src/core/features';
import type { Observation } from '../src/core/observation';
import { createHpaPolicy } from '../src/core/policies/hpa/hpa-policy';
import type { Policy, PolicyContext } from '../src/core/policy';
import { value } from '../src/core/sample';
import { trainPolicy } from '../src/train/train-policy';
import { distribution, isQuick, printTable, writeResults, type Distribution } from './lib/report';

interface Row {
  readonly name: string;
  readonly batch: number;
  /** µs per decision: per call / batch */
  readonly usPerDecision: Distribution;
  /**
   * CPU µs per decision (user + system, all threads, process.cpuUsage) over the same rounds: what
   * the work itself costs, without the time the process waited for a core on a loaded machine
   */
  readonly cpuUsPerDecision: Distribution;
  readonly calls: number;
}

const NOW = Date.UTC(2026, 10, 23, 12);

function observation(i: number): Observation {
  const cpu = 0.4 + ((i * 37) % 60) / 100;
  const replicas = 2 + (i % 10);
  return {
    target: `svc-${i}`,
    kind: 'deployment-replicas',
    at: NOW,
    service: {
      cpuUtilization: value(cpu, NOW),
      memoryBytes: value(64 * 2 ** 20, NOW),
      readyReplicas: value(replicas, NOW),
      specReplicas: value(replicas, NOW),
      rps: value(20 * replicas * cpu, NOW),
      p95LatencyMs: value(80 + 200 * cpu, NOW),
      p99LatencyMs: value(120 + 300 * cpu, NOW),
      errorRate: value(0.001, NOW),
    },
    declared: { replicas, revision: 'a'.repeat(40) },
  };
}

const CONTEXT: PolicyContext = {
  nowMs: NOW,
  minReplicas: 1,
  maxReplicas: 50,
  sloP95Ms: 250,
  sloErrorRate: 0.01,
};

interface Timing {
  /** wall µs per call, one value per round */
  readonly wall: number[];
  /** CPU µs per call, one value per round */
  readonly cpu: number[];
}

/** Times `f` in rounds of `inner` calls (so the timer's own cost is amortised): µs per call. */
async function timeIt(f: () => unknown, inner: number, seconds: number): Promise<Timing> {
  const wall: number[] = [];
  const cpu: number[] = [];
  const end = performance.now() + seconds * 1000;
  // warm-up: JIT and onnxruntime's first runs
  for (let i = 0; i < 200; i++) await f();
  while (performance.now() < end) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let k = 0; k < inner; k++) await f();
    wall.push(((performance.now() - t0) * 1000) / inner);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / inner);
  }
  return { wall, cpu };
}

async function loadModel(dir: string): Promise<{ model: LoadedModel; source: string }> {
  const shipped = join(findPackageRoot(), 'policies', 'autoscale.onnx');
  if (existsSync(shipped) && existsSync(cardPathFor(shipped))) {
    return { model: await loadOnnxModel(shipped), source: 'policies/autoscale.onnx' };
  }
  const steps = 4096;
  const out = await trainPolicy({
    kind: 'autoscale',
    steps,
    seed: 1,
    modelFile: 'bench-autoscale.onnx',
    command: `bench/inference (trainPolicy, ${steps} steps)`,
    evalEvery: 1000,
  });
  const path = join(dir, 'bench-autoscale.onnx');
  writeFileSync(path, out.bytes);
  writeFileSync(cardPathFor(path), JSON.stringify(out.card));
  return {
    model: await loadOnnxModel(path),
    source: `trained here for ${steps} PPO steps (no policies/autoscale.onnx yet; same architecture)`,
  };
}

async function main(): Promise<void> {
  const quick = isQuick();
  const seconds = quick ? 1 : 4;
  const loadBefore = loadavg()[0]!;
  const dir = await mkdtemp(join(tmpdir(), 'maestro-bench-inference-'));
  try {
    const { model, source } = await loadModel(dir);
    const hpa = createHpaPolicy();
    const onnxPolicy: Policy = onnxPolicyFromModel(model, { fallback: hpa, now: () => performance.now() });
    const obs = observation(3);
    const features = encodeFeatures(obs, CONTEXT).input;

    const rows: Row[] = [];
    const add = (name: string, batch: number, t: Timing) =>
      rows.push({
        name,
        batch,
        calls: t.wall.length,
        usPerDecision: distribution(t.wall.map((u) => u / batch)),
        cpuUsPerDecision: distribution(t.cpu.map((u) => u / batch)),
      });

    add(
      'ONNX session run (tensor in, probs out)',
      1,
      await timeIt(() => model.run(features, 1), 50, seconds),
    );
    for (const batch of [100, 1000]) {
      const input = new Float32Array(batch * model.inputLength);
      for (let i = 0; i < batch; i++) input.set(features, i * model.inputLength);
      add('ONNX session run, batched', batch, await timeIt(() => model.run(input, batch), 5, seconds));
    }
    add(
      'ONNX policy decision (features + hpa check + run)',
      1,
      await timeIt(() => onnxPolicy.decide(obs, CONTEXT), 50, seconds),
    );
    // The same decision with the model's answer computed beforehand (no onnxruntime call per
    // decision): what the policy adds around the session — the hpa baseline it runs on every call,
    // feature encoding, the confidence and budget checks, the target-utilisation resolution and the
    // explanation. Whole decision − (session + this) is what running both in one turn costs more.
    const { probs } = await model.run(features, 1);
    const precomputed: LoadedModel = { ...model, run: () => Promise.resolve({ probs }) };
    const wrapperOnly = onnxPolicyFromModel(precomputed, {
      fallback: createHpaPolicy(),
      now: () => performance.now(),
    });
    add(
      'ONNX policy decision, answer precomputed (no onnxruntime call)',
      1,
      await timeIt(() => wrapperOnly.decide(obs, CONTEXT), 50, seconds),
    );
    add('feature encoding only', 1, await timeIt(() => encodeFeatures(obs, CONTEXT), 500, seconds));
    add('JS hpa baseline decision', 1, await timeIt(() => hpa.decide(obs, CONTEXT), 500, seconds));
    await model.close();

    process.stdout.write(`model: ${source}\n\n`);
    printTable(
      ['benchmark', 'batch', 'p50 µs/decision', 'p95', 'p99', 'CPU p50 µs', 'samples'],
      rows.map((r) => [
        r.name,
        r.batch,
        r.usPerDecision.p50,
        r.usPerDecision.p95,
        r.usPerDecision.p99,
        r.cpuUsPerDecision.p50,
        r.calls,
      ]),
    );
    const b1 = rows[0]!;
    const policy = rows.find((r) => r.name.startsWith('ONNX policy'))!;
    const wrapper = rows.find((r) => r.name.includes('precomputed'))!;
    const us = (r: Row) =>
      `${r.usPerDecision.p50.toFixed(1)} µs, CPU ${r.cpuUsPerDecision.p50.toFixed(1)} µs`;
    const met = (r: Row) => (r.usPerDecision.p50 < 20 ? 'met' : 'NOT met');
    process.stdout.write(
      `\ntarget p50 < 20 µs at batch 1: session ${met(b1)} (${us(b1)}); ` +
        `whole policy decision ${met(policy)} (${us(policy)}; without the onnxruntime call ${us(wrapper)})\n`,
    );
    const load1m = { before: loadBefore, after: loadavg()[0]! };
    process.stdout.write(`1-minute load average ${load1m.before.toFixed(1)} → ${load1m.after.toFixed(1)}\n`);
    writeResults('inference', { model: source, load1m, rows });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
