/**
 * Simulator speed: AutoscaleEnv steps per minute on one core (virtual time, one service), and a
 * whole `sim run` (2 h at 1-second model steps). Prints a table and writes bench/results/sim.json.
 * `--quick` shortens the runs (CI smoke).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoscaleEnv } from '../src/sim/env/autoscale-env';
import { CanaryEnv } from '../src/sim/env/canary-env';
import { runSimulation } from '../src/sim/run-simulation';
import { getScenario } from '../src/sim/scenarios';

interface Row {
  readonly name: string;
  readonly iterations: number;
  readonly seconds: number;
  readonly perMinute: number;
  readonly unit: string;
}

function envSteps(scenario: string, seconds: number): Row {
  const env = new AutoscaleEnv({ scenario, maxSteps: 10_000 });
  let seed = 1;
  env.reset({ seed });
  // warm-up: let V8 optimise the step before timing it
  for (let i = 0; i < 20_000; i++) if (env.step(i % 6).truncated) env.reset({ seed: ++seed });
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  let action = 0;
  while (elapsed < limit) {
    for (let k = 0; k < 1000; k++) {
      // a simple feedback policy keeps replicas in a realistic range
      const r = env.step(action);
      action = r.obs.cpuUtilization > 0.75 ? 4 : r.obs.cpuUtilization < 0.45 ? 1 : 2;
      if (r.truncated) env.reset({ seed: ++seed });
      n++;
    }
    elapsed = process.hrtime.bigint() - start;
  }
  const secs = Number(elapsed) / 1e9;
  return {
    name: `AutoscaleEnv.step (${scenario}, 15 s steps)`,
    iterations: n,
    seconds: secs,
    perMinute: (n / secs) * 60,
    unit: 'steps/min',
  };
}

/** CanaryEnv: one step = one 60 s analysis interval (60 model steps + one controller tick). */
async function canarySteps(seconds: number): Promise<Row> {
  const env = new CanaryEnv();
  let seed = 1;
  await env.reset({ seed });
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - start < limit) {
    for (let k = 0; k < 100; k++) {
      const r = await env.step(n % 7 === 6 ? 1 : 2);
      n++;
      if (r.terminated || r.truncated) await env.reset({ seed: ++seed });
    }
  }
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  return {
    name: 'CanaryEnv.step (60 s analysis intervals)',
    iterations: n,
    seconds: secs,
    perMinute: (n / secs) * 60,
    unit: 'steps/min',
  };
}

async function simRun(durationSeconds: number): Promise<Row> {
  const start = process.hrtime.bigint();
  await runSimulation({ scenario: getScenario('spike'), durationSeconds, seed: 1, policy: 'hpa' });
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  return {
    name: `sim run spike ${durationSeconds / 3600} h (1 s steps, HPA)`,
    iterations: durationSeconds,
    seconds: secs,
    perMinute: (durationSeconds / secs) * 60,
    unit: 'model s/min',
  };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const rows: Row[] = [
    envSteps('steady', quick ? 2 : 10),
    envSteps('faults', quick ? 2 : 10),
    await canarySteps(quick ? 1 : 5),
    await simRun(quick ? 1800 : 7200),
  ];
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  process.stdout.write(
    `${'benchmark'.padEnd(46)} ${'iterations'.padStart(12)} ${'seconds'.padStart(8)} ${'rate'.padStart(14)}  unit\n`,
  );
  for (const r of rows) {
    process.stdout.write(
      `${r.name.padEnd(46)} ${fmt(r.iterations).padStart(12)} ${r.seconds.toFixed(2).padStart(8)} ${fmt(r.perMinute).padStart(14)}  ${r.unit}\n`,
    );
  }
  const target = 1_000_000;
  const envRate = rows[0]!.perMinute;
  process.stdout.write(
    `\ntarget >= ${fmt(target)} env steps/min on one core: ${envRate >= target ? 'met' : 'NOT met'} (${fmt(envRate)})\n`,
  );
  const dir = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'sim.json'),
    `${JSON.stringify({ benchmark: 'sim', quick, node: process.version, at: new Date().toISOString(), targetStepsPerMinute: target, rows }, null, 2)}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
