/**
 * `npm run bench [-- --quick] [-- --only sim,loop]`: runs every benchmark script in bench/ (compiled
 * to dist/bench/) one after another in its own process, so one benchmark's heap and JIT state do
 * not colour the next. Each script prints its table and writes JSON to bench/results/<name>.json.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';

function main(argv: string[]): number {
  const quick = argv.includes('--quick');
  const onlyIdx = argv.indexOf('--only');
  const only = onlyIdx >= 0 ? new Set((argv[onlyIdx + 1] ?? '').split(',').filter(Boolean)) : undefined;
  const scripts = readdirSync(__dirname)
    .filter((f) => f.endsWith('.js') && f !== 'run.js')
    .map((f) => basename(f, '.js'))
    .filter((name) => !only || only.has(name))
    .sort();
  if (scripts.length === 0) {
    process.stderr.write('bench: no benchmark scripts found (did `npm run build` run?)\n');
    return 2;
  }
  let failed = 0;
  for (const name of scripts) {
    process.stdout.write(`\n== bench/${name}${quick ? ' (quick)' : ''} ==\n`);
    const started = Date.now();
    const r = spawnSync(process.execPath, [join(__dirname, `${name}.js`), ...(quick ? ['--quick'] : [])], {
      stdio: 'inherit',
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (r.status !== 0) {
      failed++;
      process.stderr.write(`bench/${name} failed (exit ${r.status ?? r.signal}) after ${seconds}s\n`);
    } else process.stdout.write(`bench/${name} done in ${seconds}s\n`);
  }
  return failed === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
