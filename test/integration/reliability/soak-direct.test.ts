import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SoakReport } from '../../../src/cli/soak/run-soak';
import { runMaestro } from '../../support/run-maestro';

/**
 * `maestro soak --no-prometheus`: the source used where no Prometheus is installed. The agent process
 * reads the simulator through the soak (over its IPC channel) and the metrics faults are applied at
 * that source; with this seed the leader is SIGKILLed at its metrics read (the `observe` point, a read
 * in flight over IPC) and restarted, then Prometheus is "down" and the series NaN. Five virtual
 * minutes, one replica.
 */
const REPO = join(__dirname, '..', '..', '..');
const AGENT_ENTRY = join(REPO, 'dist', 'src', 'cli', 'soak', 'agent-process.js');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maestro-soak-direct-test-'));
  // `npm test` builds first (pretest); build here only when run on its own without a dist/
  if (!existsSync(AGENT_ENTRY)) {
    spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: REPO, stdio: 'ignore' });
  }
}, 300_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

test('direct source: an agent killed at its metrics read restarts; every count 0; the report says so', async () => {
  const {
    code,
    stdout: out,
    stderr: err,
  } = await runMaestro(
    [
      'soak',
      '--duration',
      '5m',
      '--speed',
      '1000',
      '--seed',
      '6',
      '--faults',
      'agent-crash,prometheus-down,prometheus-nan',
      '--no-prometheus',
      '--json',
      's.json',
    ],
    { cwd: dir },
  );
  const report = JSON.parse(await readFile(join(dir, 's.json'), 'utf8')) as SoakReport;
  expect({ code, counts: report.counts, crashes: report.withFaults.details.crashes }).toEqual({
    code: 0,
    counts: {
      crashes: 0,
      lostHumanCommits: 0,
      forcePushes: 0,
      actionsOnStaleOrMissingData: 0,
      duplicateActions: 0,
      staleDeltas: 0,
      decisionsOnUnparseableFile: 0,
      guardrailViolations: 0,
    },
    crashes: [],
  });
  expect(report.metricsSource).toBe('direct');
  expect(err).toContain('metrics from simulator read directly (Prometheus turned off)');
  expect(out).toContain('metrics: simulator read directly');
  const w = report.withFaults;
  expect(w.killsByPoint).toEqual({ observe: 1 });
  expect(w.restarts).toBe(1);
  expect(w.faultEvents).toEqual({ 'agent-crash': 1, 'prometheus-nan': 1, 'prometheus-down': 1 });
  expect(w.agentCommits).toBeGreaterThan(0);
}, 120_000);
