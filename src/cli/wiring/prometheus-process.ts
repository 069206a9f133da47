import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { MaestroError } from '../../core/errors';

/**
 * A real Prometheus for the demo: started from the `prometheus` binary with a temporary config that
 * scrapes the simulator, its TSDB in a temp folder, bound to 127.0.0.1 on a free port. The scrape
 * interval follows the simulator's speed (15 s of simulated time per scrape, at least 1 s of wall
 * time), so accelerated runs still get enough points per rate window.
 */
export interface PrometheusProcess {
  readonly url: string;
  /** the port of `url`: a restart on the same data dir and port keeps clients' URL valid */
  readonly port: number;
  readonly scrapeIntervalSeconds: number;
  stop(): Promise<void>;
  /** SIGKILL, no shutdown (a crash: the next start replays the WAL in the same data dir) */
  kill(): Promise<void>;
}

/** The `prometheus` binary on PATH (or the Debian path), if any. */
export function findPrometheus(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const d of [...dirs, '/usr/bin', '/usr/local/bin']) {
    const p = join(d, 'prometheus');
    if (existsSync(p)) return p;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startPrometheus(options: {
  readonly binary: string;
  /** host:port of the simulator's /metrics */
  readonly target: string;
  readonly dir: string;
  readonly speed: number;
  /** ms to wait for /-/ready; default 30000 */
  readonly readyTimeoutMs?: number;
  /** listen on this port (a restart after a kill); default a free one */
  readonly port?: number;
  /**
   * scrape interval in wall ms, replacing the speed rule (the soak scrapes every 50 ms and stamps
   * samples with virtual time itself; Prometheus accepts sub-second intervals)
   */
  readonly scrapeIntervalMs?: number;
  /**
   * accept samples this much older than the newest (TSDB `out_of_order_time_window`, e.g. `1d`);
   * default none. The soak stamps its samples in the past: Prometheus refuses samples more than 10
   * minutes ahead of its wall clock, and in-order ones more than an hour behind its own `up` series.
   */
  readonly outOfOrderTimeWindow?: string;
  /** `--query.lookback-delta` (e.g. `10s`); default Prometheus' 5m */
  readonly lookbackDelta?: string;
}): Promise<PrometheusProcess> {
  const scrape =
    options.scrapeIntervalMs !== undefined
      ? options.scrapeIntervalMs / 1000
      : Math.max(1, Math.round(15 / options.speed));
  const interval = options.scrapeIntervalMs !== undefined ? `${options.scrapeIntervalMs}ms` : `${scrape}s`;
  await mkdir(join(options.dir, 'data'), { recursive: true });
  const configFile = join(options.dir, 'prometheus.yml');
  await writeFile(
    configFile,
    [
      'global:',
      `  scrape_interval: ${interval}`,
      // the default 10 s timeout must not exceed a short interval
      ...(options.scrapeIntervalMs !== undefined ? [`  scrape_timeout: ${interval}`] : []),
      `  evaluation_interval: ${interval}`,
      ...(options.outOfOrderTimeWindow
        ? ['storage:', '  tsdb:', `    out_of_order_time_window: ${options.outOfOrderTimeWindow}`]
        : []),
      'scrape_configs:',
      '  - job_name: maestro-sim',
      '    honor_labels: true',
      '    static_configs:',
      `      - targets: ['${options.target}']`,
      '',
    ].join('\n'),
  );
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(
    options.binary,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(options.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=1d',
      '--log.level=warn',
      ...(options.lookbackDelta ? [`--query.lookback-delta=${options.lookbackDelta}`] : []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  };
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) {
      throw new MaestroError(
        'PROMETHEUS_UNAVAILABLE',
        `prometheus exited with code ${child.exitCode}: ${stderr.trim()}`,
        {
          data: { binary: options.binary },
          retryable: false,
        },
      );
    }
    try {
      const r = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new MaestroError(
        'PROMETHEUS_UNAVAILABLE',
        `prometheus did not become ready at ${url}: ${stderr.trim()}`,
        {
          data: { binary: options.binary },
        },
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, port, scrapeIntervalSeconds: scrape, stop, kill };
}
