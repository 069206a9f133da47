import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MaestroError } from '../../core/errors';
import { runSimulation, type SimReport } from '../../sim/run-simulation';
import { getScenario, SCENARIOS, scenarioNames, type Scenario } from '../../sim/scenarios';
import { parseDurationSeconds, parseStages, patternDuration } from '../../sim/traffic/patterns';
import { parseTraceCsv, traceToPattern } from '../../sim/traffic/trace-csv';
import { generateTrace, TRACE_SHAPES } from '../../sim/traffic/synthetic-trace';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitRepoSession } from '../../adapters/git/repo-session';
import { createRng } from '../../sim/rng';
import { defaultObjects } from '../../sim/runtime/default-objects';
import { SimRuntime } from '../../sim/runtime/sim-runtime';
import type { CommandIo, ExitCodeHolder } from '../command-context';
import { EXIT_INVALID, EXIT_OK } from '../exit-codes';

interface RunOpts {
  scenario?: string;
  trace?: string;
  stages?: string;
  peakRps?: string;
  step?: string;
  duration?: string;
  seed: string;
  policy: string;
  minReplicas: string;
  maxReplicas: string;
  replicas?: string;
  sloP95Ms: string;
  sloErrorRate: string;
  json?: boolean;
}

function numberOpt(v: string | undefined, field: string, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) {
    throw new MaestroError('INPUT_INVALID', `--${field} must be a number >= ${min} (got "${v}")`, {
      data: { field },
    });
  }
  return n;
}

export function registerSim(program: Command, io: CommandIo, exit: ExitCodeHolder): void {
  const sim = program
    .command('sim')
    .description('simulator: run scenarios or traces in virtual time, list scenarios, generate traces');

  sim
    .command('run')
    .description('run a scenario or a trace in virtual time and print per-minute and total figures')
    .option('--scenario <name>', `built-in scenario: ${scenarioNames().join(', ')}`)
    .option('--trace <file>', 'replay a CSV trace (header; time (ISO-8601 or seconds), requests per row)')
    .option('--stages <list>', 'k6-style stages instead of a scenario: 5m:300,10m:900,5m:0 (duration:rps)')
    .option('--peak-rps <n>', 'rescale the trace so its peak is N requests per second')
    .option('--step <seconds>', "the trace's row spacing (default: inferred from the first two rows)")
    .option('--duration <d>', 'run length, e.g. 90m, 2h (default: the scenario or trace length)')
    .option('--seed <s>', 'random seed; same seed, same output', '1')
    .option('--policy <p>', 'autoscaling: hpa (CPU 70 %), hpa:<percent>, static', 'hpa')
    .option('--min-replicas <n>', 'HPA minReplicas', '2')
    .option('--max-replicas <n>', 'HPA maxReplicas', '30')
    .option('--replicas <n>', 'initial replicas (default: sized for the opening load at 60 % busy)')
    .option('--slo-p95-ms <ms>', 'SLO p95 latency for violation minutes', '250')
    .option('--slo-error-rate <f>', 'SLO error rate (0..1) for violation minutes', '0.01')
    .option('--json', 'print the report as JSON')
    .action(async (opts: RunOpts) => {
      const sources = [opts.scenario, opts.trace, opts.stages].filter((x) => x !== undefined).length;
      if (sources !== 1) {
        io.stderr.write(
          'maestro sim run: give exactly one of --scenario NAME, --trace FILE or --stages LIST\n',
        );
        exit.code = EXIT_INVALID;
        return;
      }
      let scenario: Scenario;
      let pattern;
      let naturalLength: number | undefined;
      if (opts.trace !== undefined) {
        const file = resolve(io.cwd, opts.trace);
        let text: string;
        try {
          text = readFileSync(file, 'utf8');
        } catch (e) {
          throw new MaestroError('TRACE_INVALID', `${opts.trace}: cannot read: ${(e as Error).message}`, {
            data: { file: opts.trace, line: 0 },
          });
        }
        const stepSeconds = numberOpt(opts.step, 'step', 0.001);
        const trace = parseTraceCsv(text, opts.trace, stepSeconds !== undefined ? { stepSeconds } : {});
        pattern = traceToPattern(trace, numberOpt(opts.peakRps, 'peak-rps', 0.001));
        naturalLength = patternDuration(pattern);
        scenario = {
          ...(SCENARIOS.steady as Scenario),
          name: `trace:${opts.trace}`,
          description: `trace ${opts.trace}`,
        };
      } else if (opts.stages !== undefined) {
        pattern = parseStages(opts.stages);
        naturalLength = patternDuration(pattern);
        scenario = {
          ...(SCENARIOS.steady as Scenario),
          name: `stages:${opts.stages}`,
          description: 'k6-style stages',
        };
      } else {
        scenario = getScenario(opts.scenario as string);
        if (opts.peakRps !== undefined || opts.step !== undefined) {
          throw new MaestroError('INPUT_INVALID', '--peak-rps and --step apply to --trace only', {
            data: { field: 'peak-rps' },
          });
        }
        naturalLength = scenario.durationSeconds;
      }
      const durationSeconds =
        opts.duration !== undefined ? parseDurationSeconds(opts.duration) : (naturalLength ?? 3600);
      const min = numberOpt(opts.minReplicas, 'min-replicas', 0) as number;
      const max = numberOpt(opts.maxReplicas, 'max-replicas', 1) as number;
      if (max < min)
        throw new MaestroError('INPUT_INVALID', '--max-replicas must be >= --min-replicas', {
          data: { field: 'max-replicas' },
        });
      const initial = numberOpt(opts.replicas, 'replicas', 0);
      const report = await runSimulation({
        scenario,
        ...(pattern ? { pattern } : {}),
        durationSeconds,
        seed: /^\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed,
        policy: opts.policy,
        minReplicas: min,
        maxReplicas: max,
        ...(initial !== undefined ? { initialReplicas: initial } : {}),
        sloP95Ms: numberOpt(opts.sloP95Ms, 'slo-p95-ms', 1) as number,
        sloErrorRate: numberOpt(opts.sloErrorRate, 'slo-error-rate', 0) as number,
      });
      io.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
      exit.code = EXIT_OK;
    });

  sim
    .command('serve')
    .description(
      'run the simulator in real time: /metrics for Prometheus, a Flux-like reconciler on the config repo, Flagger-like canaries',
    )
    .option('--scenario <name>', 'traffic and release profiles', 'demo')
    .option(
      '--repo <url>',
      'config repo (git over HTTP) the reconciler follows; without it one Deployment `web`',
    )
    .option('--branch <name>', 'branch to follow', 'main')
    .option('--path <dir>', 'folder of the root kustomization.yaml', '')
    .option('--token-env <var>', 'environment variable holding the git token')
    .option('--flux-interval <d>', 'repo poll interval (simulated time)', '10s')
    .option('--speed <x>', 'simulated seconds per wall second', '1')
    .option('--seed <s>', 'random seed', '1')
    .option('--host <host>', 'bind address', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', '0')
    .option('--exit-after <d>', 'stop after this much wall time (smoke tests)')
    .action(
      async (opts: {
        scenario: string;
        repo?: string;
        branch: string;
        path: string;
        tokenEnv?: string;
        fluxInterval: string;
        speed: string;
        seed: string;
        host: string;
        port: string;
        exitAfter?: string;
      }) => {
        const scenario = getScenario(opts.scenario);
        const speed = numberOpt(opts.speed, 'speed', 0.001) as number;
        const port = numberOpt(opts.port, 'port', 0) as number;
        const seed = /^\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed;
        const rng = createRng(`${opts.seed}/git`);
        const token = opts.tokenEnv ? io.env[opts.tokenEnv] : undefined;
        const source = opts.repo
          ? new GitRepoSession({
              url: opts.repo,
              branch: opts.branch,
              dir: join(mkdtempSync(join(tmpdir(), 'maestro-sim-')), 'repo.git'),
              ...(token ? { token } : {}),
              author: { name: 'maestro-sim', email: 'sim@localhost' },
              random: () => rng.next(),
              sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
            })
          : undefined;
        const runtime = new SimRuntime({
          scenario,
          seed,
          ...(source ? { source, branch: opts.branch, path: opts.path } : { objects: defaultObjects(3) }),
          fluxIntervalSeconds: parseDurationSeconds(opts.fluxInterval),
          speed,
          host: opts.host,
          port,
        });
        await runtime.start();
        io.stdout.write(
          `simulator on ${runtime.url} (metrics: ${runtime.url}/metrics, state: ${runtime.url}/state, Flux receiver: POST ${runtime.url}/hook)\n`,
        );
        await new Promise<void>((resolve) => {
          let timer: NodeJS.Timeout | undefined;
          const stop = () => {
            process.removeListener('SIGINT', stop);
            process.removeListener('SIGTERM', stop);
            if (timer) clearTimeout(timer);
            resolve();
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
          if (opts.exitAfter !== undefined)
            timer = setTimeout(stop, parseDurationSeconds(opts.exitAfter) * 1000);
        });
        await runtime.stop();
        exit.code = EXIT_OK;
      },
    );

  sim
    .command('scenarios')
    .description('list the built-in scenarios')
    .action(() => {
      for (const name of scenarioNames())
        io.stdout.write(`${name.padEnd(14)} ${SCENARIOS[name]?.description ?? ''}\n`);
    });

  sim
    .command('gen-trace')
    .description('write a synthetic CSV trace made with the seeded RNG (how traces/*.csv were made)')
    .requiredOption('--shape <shape>', `one of ${Object.keys(TRACE_SHAPES).join(', ')}`)
    .option('--seed <s>', 'random seed', '1')
    .action((opts: { shape: string; seed: string }) => {
      io.stdout.write(generateTrace(opts.shape, /^\d+$/.test(opts.seed) ? Number(opts.seed) : opts.seed));
    });
}

const cell = (v: number | null, digits = 0) => (v === null ? '-' : v.toFixed(digits));

/** The human table: one line per minute, then totals. */
export function formatReport(r: SimReport): string {
  const lines: string[] = [];
  lines.push(
    `scenario ${r.scenario}  policy ${r.policy}  seed ${r.seed}  duration ${r.durationSeconds}s  SLO p95<=${r.slo.p95Ms}ms err<=${r.slo.errorRate}`,
  );
  lines.push('  min      rps   p50ms   p95ms   p99ms   err%  spec ready  pod-min  cpu%  canary  slo');
  for (const m of r.minutes) {
    lines.push(
      [
        String(m.minute).padStart(5),
        cell(m.rps, 1).padStart(8),
        cell(m.p50Ms).padStart(7),
        cell(m.p95Ms).padStart(7),
        cell(m.p99Ms).padStart(7),
        (m.errorRate * 100).toFixed(2).padStart(6),
        String(m.specReplicas).padStart(5),
        String(m.readyReplicas).padStart(5),
        m.podMinutes.toFixed(1).padStart(8),
        cell(m.cpuUtilization === null ? null : m.cpuUtilization * 100).padStart(5),
        (m.canaryPhase ? `${m.canaryWeight}%` : '-').padStart(7),
        m.sloViolated ? '  VIOLATED' : '  ok',
      ].join(' '),
    );
  }
  const t = r.totals;
  lines.push('');
  lines.push(
    `total: ${t.requests} requests, ${t.errors} errors (${(t.errorRate * 100).toFixed(2)} %), p95 ${cell(t.p95Ms)} ms, p99 ${cell(t.p99Ms)} ms, ` +
      `${t.podMinutes.toFixed(1)} pod-minutes, ${t.sloViolationMinutes} SLO-violation minute(s), mean ${t.meanReplicas} replicas (max ${t.maxReplicas}), ${t.scaleChanges} scale change(s)`,
  );
  for (const e of r.canaryEvents) lines.push(`canary t=${e.atSeconds}s: ${e.message}`);
  return `${lines.join('\n')}\n`;
}
