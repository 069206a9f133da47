// Live charts for one target, drawn with uPlot (served by the agent from node_modules/uplot).
// Each chart keeps the same time axis (seconds since epoch, as uPlot expects); `null` is a gap
// ("no data"), never drawn as zero.

/** @typedef {import('../src/server/protocol').ObservationPoint} ObservationPoint */
/** @typedef {import('../src/server/protocol').TargetView} TargetView */

/** @type {any} */
const uPlot = /** @type {any} */ (globalThis).uPlot;

const COLORS = ['#2563eb', '#16a34a', '#9333ea', '#dc2626', '#ea580c'];

/**
 * @param {TargetView} target
 * @returns {Array<{ title: string, series: Array<{ label: string, value: (p: ObservationPoint, t: TargetView) => number | null, dash?: number[] }> }>}
 */
function chartSpecs(target) {
  const specs = [
    {
      title: 'replicas',
      series: [
        { label: 'ready', value: (p) => p.readyReplicas },
        { label: 'spec', value: (p) => p.specReplicas },
        { label: 'declared (git)', value: (p) => p.declaredReplicas, dash: [6, 4] },
      ],
    },
    { title: 'requests / s', series: [{ label: 'rps', value: (p) => p.rps }] },
    {
      title: 'p95 latency (ms) vs SLO',
      series: [
        { label: 'p95', value: (p) => p.p95LatencyMs },
        { label: 'SLO', value: (_p, t) => t.slo.p95Ms, dash: [4, 4] },
      ],
    },
    {
      title: 'error rate (%)',
      series: [
        { label: 'errors', value: (p) => (p.errorRate === null ? null : p.errorRate * 100) },
        { label: 'SLO', value: (_p, t) => t.slo.errorRate * 100, dash: [4, 4] },
      ],
    },
  ];
  if (target.kind === 'flagger-canary') {
    specs.push({
      title: 'canary weight (%) and canary error rate (%)',
      series: [
        { label: 'weight', value: (p) => p.canaryWeight },
        {
          label: 'canary errors',
          value: (p) => (p.canaryErrorRate === null ? null : p.canaryErrorRate * 100),
        },
      ],
    });
  }
  return specs;
}

export class TargetCharts {
  /**
   * @param {HTMLElement} root
   * @param {TargetView} target
   * @param {ObservationPoint[]} points
   */
  constructor(root, target, points) {
    this.root = root;
    this.target = target;
    this.specs = chartSpecs(target);
    /** @type {ObservationPoint[]} */
    this.points = [...points];
    root.replaceChildren();
    const width = Math.max(320, Math.floor((root.clientWidth || 900) / 2) - 24);
    /** @type {any[]} */
    this.plots = this.specs.map((spec, i) => {
      const box = document.createElement('div');
      box.className = 'chart';
      box.dataset.chart = spec.title;
      root.appendChild(box);
      if (!uPlot) {
        box.textContent = `${spec.title}: chart library not loaded`;
        return null;
      }
      return new uPlot(
        {
          title: spec.title,
          width,
          height: 180,
          scales: { x: { time: true } },
          series: [
            {},
            ...spec.series.map((s, j) => ({
              label: s.label,
              stroke: COLORS[(i + j) % COLORS.length],
              width: 2,
              spanGaps: false,
              ...(s.dash ? { dash: s.dash } : {}),
            })),
          ],
        },
        this.data(spec),
        box,
      );
    });
  }

  /** @param {{ series: Array<{ value: (p: ObservationPoint, t: TargetView) => number | null }> }} spec */
  data(spec) {
    const xs = this.points.map((p) => p.at / 1000);
    return [xs, ...spec.series.map((s) => this.points.map((p) => s.value(p, this.target)))];
  }

  /** @param {ObservationPoint} point */
  push(point) {
    this.points.push(point);
    if (this.points.length > 720) this.points.shift();
    this.specs.forEach((spec, i) => this.plots[i]?.setData(this.data(spec)));
  }

  destroy() {
    for (const p of this.plots) p?.destroy();
    this.root.replaceChildren();
  }
}
