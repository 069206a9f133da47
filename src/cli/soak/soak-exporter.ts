import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The scrape target a real Prometheus reads during the soak: the simulator's exposition
 * (src/sim/metrics), republished by the soak once per virtual step with every sample stamped with
 * its virtual time (the text format's optional timestamp, ms). Prometheus ingests the stamps as
 * given (`honor_timestamps`, its default), so its TSDB, rate() windows, lookback and the adapter's
 * staleness check all run in virtual time however fast the soak goes; a scrape of an unchanged
 * snapshot repeats the same samples, which Prometheus ignores.
 *
 * Faults of the target itself: `unreachable` (`prometheus-nan/stale`) answers 503, so Prometheus
 * keeps its last samples, which age until the adapter calls them stale (samples with explicit
 * timestamps get no staleness markers); `nan` (`prometheus-nan/nan`) serves the application's own
 * series — request counters, latency histograms, container CPU — as NaN, as a broken
 * instrumentation library would, while kube-state-metrics and Flux series stay real.
 */
export type ExporterMode = 'up' | 'unreachable' | 'nan';

/** the application-side series that `nan` mode breaks (metric name prefixes) */
const NAN_SERIES = [
  'http_requests_total',
  'http_request_duration_seconds',
  'container_cpu_usage_seconds_total',
];

/** Replaces the value of every sample of the application's series with NaN. */
export function nanExposition(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (line === '' || line.startsWith('#') || !NAN_SERIES.some((n) => line.startsWith(n))) return line;
      const end = line.lastIndexOf(' ');
      return end < 0 ? line : `${line.slice(0, end)} NaN`;
    })
    .join('\n');
}

export interface SoakExporter {
  /** host:port for Prometheus' static_configs */
  readonly target: string;
  mode: ExporterMode;
  /** the exposition text of the simulator now, and the time to stamp it with (ms) */
  publish(text: string, atMs: number): void;
  close(): Promise<void>;
}

/** Appends ` <atMs>` to every sample line. */
export function stampExposition(text: string, atMs: number): string {
  return text
    .split('\n')
    .map((line) => (line === '' || line.startsWith('#') ? line : `${line} ${Math.round(atMs)}`))
    .join('\n');
}

export async function startSoakExporter(): Promise<SoakExporter> {
  let text = '';
  let at = 0;
  let server: Server | undefined = createServer((req, res) => {
    if (exporter.mode === 'unreachable') {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('exporter unavailable (soak fault)\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(stampExposition(exporter.mode === 'nan' ? nanExposition(text) : text, at));
  });
  await new Promise<void>((resolve, reject) => {
    server!.once('error', reject);
    server!.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const exporter: SoakExporter = {
    target: `127.0.0.1:${addr.port}`,
    mode: 'up',
    publish(t, atMs) {
      text = t;
      at = atMs;
    },
    async close() {
      const s = server;
      server = undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  return exporter;
}
