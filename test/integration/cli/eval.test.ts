/**
 * @jest-environment ./test/integration/adapters/onnx/native-typed-arrays-environment.js
 */
/**
 * `maestro train`, `maestro eval` and `maestro eval-canary` run in-process through the real CLI,
 * with the real simulator and onnxruntime-node.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMaestro } from '../../support/run-maestro';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runMaestro(args);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

let dir: string;
let trace: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'maestro-eval-'));
  trace = join(dir, 'tiny.csv');
  // 40 one-minute rows: quiet, a burst, quiet
  const rows = Array.from({ length: 40 }, (_, i) => `${i * 60},${i >= 10 && i < 20 ? 48000 : 12000}`);
  writeFileSync(trace, ['seconds,requests', ...rows].join('\n') + '\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('maestro train', () => {
  it('writes a model and its card; the same seed reproduces the same bytes', async () => {
    const a = join(dir, 'a.onnx');
    const b = join(dir, 'b.onnx');
    const args = ['--kind', 'autoscale', '--steps', '2048', '--seed', '4', '--no-progress', '--no-card-eval'];
    const r1 = await run(['train', ...args, '--out', a]);
    expect(r1).toMatchObject({ code: 0 });
    expect((await run(['train', ...args, '--out', b])).code).toBe(0);
    const bytesA = readFileSync(a);
    expect(bytesA.equals(readFileSync(b))).toBe(true);
    const card = JSON.parse(readFileSync(join(dir, 'a.card.json'), 'utf8'));
    expect(card.model.sha256).toBe(createHash('sha256').update(bytesA).digest('hex'));
    expect(card.training).toMatchObject({
      seed: 4,
      steps: 2048,
      command: expect.stringContaining('--seed 4'),
    });
    expect(card.input.shape).toEqual(['batch', 26]);
    expect(r1.out).toContain(card.model.sha256);
  });

  it('refuses an evaluation-only trace and writes nothing', async () => {
    const out = join(dir, 'never.onnx');
    const r = await run([
      'train',
      '--kind',
      'autoscale',
      '--steps',
      '10',
      '--out',
      out,
      '--trace',
      'traces/eval-bursty-sale.csv',
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/evaluation-only traces must never be used for training/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('maestro eval', () => {
  it('compares hpa, hpa:80, a model and the oracle and writes JSON and HTML', async () => {
    // the model trained by the `maestro train` test above
    const model = join(dir, 'a.onnx');
    const json = join(dir, 'out.json');
    const html = join(dir, 'report.html');
    const r = await run([
      'eval',
      '--trace',
      trace,
      '--peak-rps',
      '800',
      '--policies',
      `hpa,hpa:80,onnx:${model},oracle`,
      '--json',
      json,
      '--html',
      html,
      '--seed',
      '2',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const data = JSON.parse(readFileSync(json, 'utf8'));
    expect(data.summaries.map((s: { policy: string }) => s.policy)).toEqual([
      'hpa',
      'hpa:80',
      `onnx:${model}`,
      'oracle',
    ]);
    const [hpa, hpa80, , oracle] = data.summaries;
    expect(hpa.podMinutes).toBeGreaterThan(0);
    expect(hpa80.podMinutes).toBeLessThan(hpa.podMinutes);
    expect(oracle.podMinutes).toBeLessThan(hpa.podMinutes);
    expect(data.series.t).toHaveLength(160);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain(
      readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8').slice(0, 200),
    );
    expect(page).toContain('new uPlot(');
    expect(page).toContain(`"replicas":[${data.series.policies[0].replicas.slice(0, 3).join(',')}`);
    expect(r.out).toMatch(/policy\s+pod-min/);
  });

  it('a model with the wrong input width is bad input: exit 2, nothing written', async () => {
    const model = join(dir, 'a.onnx');
    const card = JSON.parse(readFileSync(join(dir, 'a.card.json'), 'utf8'));
    writeFileSync(
      join(dir, 'w.card.json'),
      JSON.stringify({ ...card, input: { ...card.input, shape: ['batch', 12] } }),
    );
    writeFileSync(join(dir, 'w.onnx'), readFileSync(model));
    const json = join(dir, 'never.json');
    const r = await run([
      'eval',
      '--trace',
      trace,
      '--policies',
      `hpa,onnx:${join(dir, 'w.onnx')}`,
      '--json',
      json,
    ]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/card input width 12 does not match the 26 features/);
    expect(existsSync(json)).toBe(false);
  });

  it('an unknown policy is bad input', async () => {
    const r = await run(['eval', '--trace', trace, '--policies', 'hpa,magic']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown policy "magic"/);
  });
});

describe('maestro eval-canary', () => {
  it('reports bad promotions, false rollbacks, time-to-promote and blast radius per policy', async () => {
    const r = await run([
      'eval-canary',
      '--releases',
      '6',
      '--bad-fraction',
      '0.5',
      '--seed',
      '3',
      '--policies',
      'flagger,judge',
      '--json',
    ]);
    expect(r.code).toBe(0);
    const data = JSON.parse(r.out);
    expect(data.results).toHaveLength(2);
    for (const s of data.results) {
      expect(s).toMatchObject({
        good: 3,
        bad: 3,
        analysis: { intervalSeconds: 60, stepWeight: 10, maxWeight: 50, threshold: 5 },
      });
      expect(s.badPromotions + s.falseRollbacks + s.undecided).toBeLessThanOrEqual(6);
      expect(s.blastRadiusRequests).toBeGreaterThan(0);
    }
  });

  it('refuses an autoscale policy', async () => {
    const r = await run(['eval-canary', '--policies', 'hpa']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/hpa is not a canary policy/);
  });
});
