import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../../src/cli/main';
import { runMaestro } from '../../support/run-maestro';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runMaestro(args);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

describe('maestro sim run', () => {
  it('same seed twice gives byte-identical JSON; another seed differs', async () => {
    const args = [
      'sim',
      'run',
      '--scenario',
      'spike',
      '--duration',
      '40m',
      '--seed',
      '7',
      '--policy',
      'hpa',
      '--json',
    ];
    const a = await run(args);
    const b = await run(args);
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    const c = await run([...args.slice(0, 6), '8', '--policy', 'hpa', '--json']);
    expect(c.out).not.toBe(a.out);
    const report = JSON.parse(a.out);
    expect(report.minutes).toHaveLength(40);
    expect(report.totals.podMinutes).toBeGreaterThan(0);
    // the spike (1200 rps from minute 20) makes the HPA scale up
    expect(report.minutes[35].specReplicas).toBeGreaterThan(report.minutes[10].specReplicas);
  });

  it('prints a human table by default', async () => {
    const r = await run(['sim', 'run', '--scenario', 'steady', '--duration', '5m', '--seed', '1']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/p95ms/);
    expect(r.out).toMatch(/total: \d+ requests/);
  });

  it('replays a trace rescaled with --peak-rps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    const file = join(dir, 't.csv');
    writeFileSync(file, 'time,requests\n0,600\n60,1200\n120,2400\n180,1200\n');
    const r = await run([
      'sim',
      'run',
      '--trace',
      file,
      '--peak-rps',
      '200',
      '--seed',
      '3',
      '--policy',
      'static',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out);
    expect(rep.durationSeconds).toBe(240);
    // minute 3 is the peak row: 200 rps after rescaling (Poisson noise only)
    expect(Math.abs(rep.minutes[2].rps - 200) / 200).toBeLessThan(0.03);
    expect(Math.abs(rep.minutes[0].rps - 50) / 50).toBeLessThan(0.06);
  });

  it('runs k6-style --stages', async () => {
    const r = await run(['sim', 'run', '--stages', '2m:400,2m:400', '--seed', '2', '--json']);
    expect(r.code).toBe(0);
    const rep = JSON.parse(r.out);
    expect(rep.minutes).toHaveLength(4);
    expect(Math.abs(rep.minutes[3].rps - 400) / 400).toBeLessThan(0.03);
  });

  it('a bad trace fails with exit 2 naming the file and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
    const file = join(dir, 'bad.csv');
    writeFileSync(file, 'time,requests\n0,10\n60,ten\n');
    const r = await run(['sim', 'run', '--trace', file]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('bad.csv:3:');
    expect(r.out).toBe('');
  });

  it('an unknown scenario or policy is bad input', async () => {
    expect((await run(['sim', 'run', '--scenario', 'nope'])).code).toBe(2);
    expect((await run(['sim', 'run', '--scenario', 'steady', '--policy', 'magic'])).code).toBe(2);
    expect((await run(['sim', 'run'])).code).toBe(2);
  });
});

describe('maestro sim serve', () => {
  it('serves /metrics in real time and stops after --exit-after', async () => {
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    const done = main(['node', 'maestro', 'sim', 'serve', '--scenario', 'steady', '--exit-after', '3s'], {
      stdout,
      stderr: new PassThrough(),
      stdin: new PassThrough(),
      env: {},
      cwd: process.cwd(),
    });
    for (let i = 0; i < 50 && !out.includes('simulator on'); i++) await new Promise((r) => setTimeout(r, 50));
    const url = /simulator on (http:\/\/\S+)/.exec(out)?.[1];
    expect(url).toBeDefined();
    await new Promise((r) => setTimeout(r, 1500));
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(
      /http_requests_total\{namespace="default",app="web",deployment="web",version="primary",code="200"\} [1-9]/,
    );
    expect(await done).toBe(0);
  });
});
