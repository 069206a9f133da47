import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DemoSummary } from '../../src/cli/wiring/demo-summary';
import { PROMETHEUS, describeWithBinary } from '../support/external-binary';
import { runMaestro } from '../support/run-maestro';

/**
 * `maestro demo --headless` end to end with a real Prometheus scraping the accelerated simulator:
 * it exits 0 and its summary shows the agent scaling through the demo's traffic spike and a canary
 * release that Flagger (the simulator) promoted through the agent's gates, the bad one rolled back,
 * with the agent's commits in the repo's history. (The acceptance run is `--duration 10m --speed 20`;
 * this one is shorter: 60 s at speed 40 reach past the bad release's rollback, ~1800 s virtual.)
 */
const { describe: d } = describeWithBinary('Prometheus', PROMETHEUS);

function maestro(...args: string[]) {
  return runMaestro(args, { env: { USER: 'tester' }, cwd: tmpdir() });
}

d('maestro demo --headless', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maestro-headless-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('scales through the spike and promotes a canary release, with commits in the repo', async () => {
    const file = join(dir, 's.json');
    const r = await maestro(
      'demo',
      '--headless',
      '--duration',
      '60s',
      '--speed',
      '40',
      '--seed',
      '3',
      '--summary',
      file,
    );
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/^Dashboard: http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]{20,}$/m);
    expect(r.stdout).toMatch(/^Metrics: Prometheus at http/m);
    const s = JSON.parse(readFileSync(file, 'utf8')) as DemoSummary;
    expect(s.virtualSeconds).toBeGreaterThan(1200); // past the spike at 12 min
    expect(s.targets.web!.peakRps).toBeGreaterThan(600);
    // scaled up for the spike (template starts web at 3 replicas)...
    expect(s.targets.web!.maxSpecReplicas).toBeGreaterThan(6);
    expect(s.decisions.byTarget.web!['hold']).toBeGreaterThan(0);
    expect(Object.keys(s.decisions.byTarget.web!).some((k) => k.startsWith('scale-up'))).toBe(true);
    // ...and the good first release was promoted through the agent's analysis (the judge), the bad
    // second one rolled back
    expect(s.canary.releases[0]).toMatchObject({ atSeconds: 180, image: expect.stringContaining(':1.1.0') });
    expect(s.canary.outcomes[0]).toMatch(/^Succeeded at \d+s$/);
    expect(s.canary.releases[1]).toMatchObject({ image: expect.stringContaining(':1.2.0') });
    expect(s.canary.outcomes[1]).toMatch(/^Failed at \d+s$/);
    expect(s.canary.phases.some((p) => p.phase === 'Progressing' && p.weight >= 10)).toBe(true);
    expect(s.decisions.byTarget.checkout!['canary advance step 10%']).toBeGreaterThan(0);
    // every agent commit is in the repo's history, with its trailers
    const agentCommits = s.commits.history.filter((c) => c.author === 'maestro');
    expect(agentCommits.length).toBe(s.commits.byAgent);
    expect(agentCommits.length).toBeGreaterThan(2);
    const body = execFileSync('git', ['-C', s.repo.path, 'show', '-s', '--format=%B', agentCommits[0]!.sha], {
      encoding: 'utf8',
    });
    expect(body).toMatch(/^Maestro-Decision-Id: /m);
  }, 120_000);

  it('refuses --headless without --duration (exit 2)', async () => {
    const r = await maestro('demo', '--headless');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--headless needs --duration/);
    const bad = await maestro('demo', '--headless', '--duration', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--duration: "soon" is not a duration/);
  });
});
