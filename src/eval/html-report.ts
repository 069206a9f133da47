import type { SuiteRun } from './autoscale-suite';

/**
 * A self-contained HTML report: uPlot (the charting library, inlined from node_modules so the file
 * opens offline) draws demand, replicas per policy and p95 latency per policy; the summary table
 * sits above. `uplotJs`/`uplotCss` are the contents of uPlot.iife.min.js and uPlot.min.css.
 */
export interface HtmlAssets {
  readonly uplotJs: string;
  readonly uplotCss: string;
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe inside <script>: no `</script>` or `<!--` can close the element early. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

export function renderHtmlReport(title: string, run: SuiteRun, assets: HtmlAssets): string {
  const t = run.results[0]?.t ?? [];
  const data = {
    t,
    demand: run.results[0]?.demandRps ?? [],
    policies: run.results.map((r) => ({
      name: r.summary.policy,
      replicas: r.series.replicas,
      p95: r.series.p95Ms.map((x) => (Number.isFinite(x) ? x : null)),
    })),
  };
  const rows = run.results
    .map(
      (r) =>
        `<tr><td>${esc(r.summary.policy)}</td><td>${r.summary.podMinutes.toFixed(1)}</td><td>${r.summary.sloViolationMinutes.toFixed(2)}</td><td>${r.summary.p95Ms.toFixed(0)}</td><td>${r.summary.p99Ms.toFixed(0)}</td><td>${r.summary.scaleActions}</td><td>${r.summary.commits}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>${assets.uplotCss}</style>
<style>body{font-family:system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:right}td:first-child,th:first-child{text-align:left}</style>
</head><body>
<h1>${esc(title)}</h1>
<table><thead><tr><th>policy</th><th>pod-minutes</th><th>SLO-violation minutes</th><th>p95 ms</th><th>p99 ms</th><th>scale actions</th><th>commits</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<h2>Demand (rps)</h2><div id="demand"></div>
<h2>Replicas (spec) per policy</h2><div id="replicas"></div>
<h2>p95 latency (ms) per policy</h2><div id="latency"></div>
<script>${assets.uplotJs}</script>
<script id="maestro-eval-data" type="application/json">${scriptJson(data)}</script>
<script>
(function () {
  var d = JSON.parse(document.getElementById('maestro-eval-data').textContent);
  var colours = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2'];
  var minutes = d.t.map(function (s) { return s / 60; });
  var axes = [{ label: 'minutes' }, {}];
  var w = Math.min(1100, window.innerWidth - 40);
  function chart(el, label, series) {
    new uPlot({ width: w, height: 260, scales: { x: { time: false } }, axes: axes,
      series: [{ label: 'min' }].concat(series.map(function (s, i) {
        return { label: s.label, stroke: colours[i % colours.length], width: 1.5 };
      })) }, [minutes].concat(series.map(function (s) { return s.data; })), document.getElementById(el));
  }
  chart('demand', 'rps', [{ label: 'demand rps', data: d.demand }]);
  chart('replicas', 'pods', d.policies.map(function (p) { return { label: p.name, data: p.replicas }; }));
  chart('latency', 'ms', d.policies.map(function (p) { return { label: p.name, data: p.p95 }; }));
})();
</script>
</body></html>
`;
}
