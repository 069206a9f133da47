import { isMaestroError } from '../../core/errors';
import type {
  CanaryObservation,
  CanaryPhase,
  CanaryStepSeries,
  ServiceMetrics,
  VersionMetrics,
  VersionSteps,
} from '../../core/observation';
import type { MetricsReading, MetricsSource, TargetRef } from '../../core/ports';
import { noData, value, withStaleness, type NoDataReason, type Sample } from '../../core/sample';
import type { PromInstantResult, PromMatrixResult, PrometheusClient } from './prometheus-client';
import { renderQuery, templatesFor, varsFor, type QueryKey, type QueryTemplates } from './queries';

/**
 * MetricsSource over Prometheus. Every reading is values, never an exception: a missing series,
 * NaN, ±Inf, a sample older than the staleness limit and an unreachable Prometheus all become
 * no-data Samples (the guardrails turn them into a hold).
 *
 * Staleness: an instant query's samples carry the evaluation time, and Prometheus keeps answering
 * from the last scrape for its 5-minute lookback. So each read also asks for the newest raw scrape
 * time of the target (`timestamp()` of its spec-replicas or canary-weight series) and dates every
 * sample with it; older than `stalenessSeconds` → `stale`.
 */
export interface PrometheusMetricsSourceOptions {
  /** samples older than this are no data (s); default 120 */
  readonly stalenessSeconds?: number;
  /** rate() window; default 1m */
  readonly rateWindow?: string;
  /** per-target overrides by target name (config `targets[].queries`) */
  readonly queries?: Readonly<Record<string, Partial<Record<QueryKey, string>>>>;
  /**
   * canary targets: also fetch query_range series of the per-version metrics over this many seconds
   * (for the judge); 0 disables. Default 600.
   */
  readonly sampleWindowSeconds?: number;
  /**
   * query_range step (s) of those series, also their rate window: each point is the readings of its
   * own step, so no request is in two points. A step must span two scrapes (a rate() window holding
   * one sample has no value); when it does not, the reading doubles it, up to 4×. Default 30.
   */
  readonly sampleStepSeconds?: number;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; reason: NoDataReason; detail: string };

/** Prometheus prints values as Go does: "+Inf", "-Inf", "NaN" (JS Number() reads "+Inf" as NaN). */
export function parsePromValue(raw: string): number {
  if (raw === '+Inf' || raw === 'Inf') return Number.POSITIVE_INFINITY;
  if (raw === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(raw);
}

/** One series → Sample; several → no data with a hint (the template must aggregate). */
export function sampleFromInstant(
  r: PromInstantResult,
  freshnessMs: number | undefined,
  nowMs: number,
  stalenessMs: number,
): Sample {
  let raw: string;
  let at: number;
  if (r.resultType === 'scalar') {
    [at, raw] = [r.result[0] * 1000, r.result[1]];
  } else if (r.resultType === 'vector') {
    if (r.result.length === 0) return noData('missing', 'no series');
    if (r.result.length > 1)
      return noData('missing', `${r.result.length} series; the query must aggregate to one`);
    const point = r.result[0]!.value;
    [at, raw] = [point[0] * 1000, point[1]];
  } else {
    return noData('missing', 'string result');
  }
  const s = value(parsePromValue(raw), freshnessMs === undefined ? at : Math.min(at, freshnessMs));
  return withStaleness(s, nowMs, stalenessMs);
}

/** The values of a one-series range result, NaN/Inf removed (the judge's input). */
export function valuesFromMatrix(r: PromMatrixResult): number[] {
  if (r.result.length !== 1) return [];
  return r.result[0]!.values.map((p) => parsePromValue(p[1])).filter((v) => Number.isFinite(v));
}

/**
 * When the canary's current run began, from a query_range of its weight: the time (s) of the last
 * point before the current stretch of positive weight (weight 0 or no reading), or undefined when the
 * whole range is one run or the shape is not one series. The `version="canary"` series outlive a
 * release: Flagger scales the canary Deployment to zero between runs and reuses it for the next
 * release, so a range reaching back past the current run also holds the previous release's canary
 * (e.g. the bad release rolled back five minutes before a fix). Only points after this time are the
 * release under analysis.
 */
export function currentRunStartSeconds(weight: PromMatrixResult): number | undefined {
  if (weight.result.length !== 1) return undefined;
  const points = weight.result[0]!.values;
  for (let i = points.length - 1; i >= 0; i--) {
    const [t, raw] = points[i]!;
    const w = parsePromValue(raw);
    if (!(Number.isFinite(w) && w > 0)) return i === points.length - 1 ? undefined : t;
  }
  return undefined;
}

/** The query_range step (s) of a canary reading's series and where its current run starts (s). */
interface SampleRange {
  readonly step: number;
  readonly since: number | undefined;
  /** the primary's rps series at `step`, already read to choose the step */
  readonly primaryRps: PromMatrixResult;
}

type RangeKey = 'rps' | 'errorRate' | 'p95' | 'p99';
/** One version's range series, each undefined when its query failed. */
type VersionSeries = Partial<Record<RangeKey, PromMatrixResult>>;

/** The points of a range result after `sinceSeconds` (all of them without it). */
export function matrixSince(r: PromMatrixResult, sinceSeconds: number | undefined): PromMatrixResult {
  if (sinceSeconds === undefined) return r;
  return {
    ...r,
    result: r.result.map((x) => ({ ...x, values: x.values.filter(([t]) => t > sinceSeconds) })),
  };
}

/** A one-series range result as timestamp (s) → value; empty for any other shape. */
function pointsByTime(r: PromMatrixResult): Map<number, number> {
  const out = new Map<number, number>();
  if (r.result.length !== 1) return out;
  for (const [t, v] of r.result[0]!.values) out.set(t, parsePromValue(v));
  return out;
}

/** rps, errorRate and p95 range results of one version, each over windows of one step. */
export interface VersionRanges {
  readonly rps: PromMatrixResult;
  readonly errorRate: PromMatrixResult;
  readonly p95: PromMatrixResult;
}

/**
 * CanaryObservation.steps from range queries whose rate window equals the step (so steps do not
 * overlap and no request counts twice): requests = rps × step, errors = errorRate × requests, aligned
 * on the timestamps where the canary served requests and the primary has a reading. A step whose
 * canary error rate is NaN although it served is dropped (no reading is never 0 %).
 */
export function stepsFromRanges(
  canary: VersionRanges,
  primary: VersionRanges,
  stepSeconds: number,
): CanaryStepSeries {
  const c = {
    rps: pointsByTime(canary.rps),
    err: pointsByTime(canary.errorRate),
    p95: pointsByTime(canary.p95),
  };
  const p = {
    rps: pointsByTime(primary.rps),
    err: pointsByTime(primary.errorRate),
    p95: pointsByTime(primary.p95),
  };
  const side = (): { requests: number[]; errors: number[]; p95LatencyMs: number[] } => ({
    requests: [],
    errors: [],
    p95LatencyMs: [],
  });
  const out = { canary: side(), primary: side() };
  for (const t of [...c.rps.keys()].sort((a, b) => a - b)) {
    const cRps = c.rps.get(t)!;
    const pRps = p.rps.get(t);
    const cErr = c.err.get(t);
    if (!(Number.isFinite(cRps) && cRps > 0) || pRps === undefined || !Number.isFinite(pRps)) continue;
    if (cErr === undefined || !Number.isFinite(cErr)) continue;
    const pErr = p.err.get(t);
    const cReq = cRps * stepSeconds;
    const pReq = pRps * stepSeconds;
    out.canary.requests.push(cReq);
    out.canary.errors.push(cErr * cReq);
    out.canary.p95LatencyMs.push(c.p95.get(t) ?? NaN);
    out.primary.requests.push(pReq);
    out.primary.errors.push(pErr !== undefined && Number.isFinite(pErr) ? pErr * pReq : NaN);
    out.primary.p95LatencyMs.push(p.p95.get(t) ?? NaN);
  }
  const v = (x: ReturnType<typeof side>): VersionSteps => x;
  return { stepSeconds, canary: v(out.canary), primary: v(out.primary) };
}

/** flagger_canary_status + weight → phase. Flagger's gauge only says 0 Progressing / 1 other / 2 Failed. */
export function phaseFromStatus(status: Sample, weight: Sample): CanaryPhase {
  if (!status.ok) return 'Unknown';
  if (status.value === 0) return 'Progressing';
  if (status.value === 2) return 'Failed';
  // 1: Initialized/Waiting/WaitingPromotion/Promoting/Finalising/Succeeded; with traffic on the
  // canary it is waiting for (or doing) promotion, without it the last run is over
  return weight.ok && weight.value > 0 ? 'WaitingPromotion' : 'Succeeded';
}

const errorSample = (detail: string): Sample => noData('error', detail);

/**
 * A latency quantile is trusted only when the request rate of the same window is a number. When a
 * service's counters turn NaN, Prometheus' histogram_quantile does not answer NaN: bucketQuantile
 * (promql/quantile.go) compares the rank (NaN) with every bucket, matches none and returns the
 * highest finite bucket bound (10 s for the default buckets) — a fake saturation that the SLO
 * guardrail would answer with a forced scale-up (seen in the soak with a real Prometheus 2.42).
 * The request counter and the latency histogram come from the same handler, so an rps that is
 * NaN/±Inf marks the quantile as no data too. A missing rps series (e.g. a custom query that
 * matches nothing) leaves the quantile alone.
 */
export function quantileBackedByRate(quantile: Sample, rps: Sample): Sample {
  if (!quantile.ok || rps.ok || (rps.reason !== 'nan' && rps.reason !== 'inf')) return quantile;
  return noData(
    rps.reason,
    `the request rate of the same window is ${rps.reason}, so the histogram is not trusted`,
  );
}

export class PrometheusMetricsSource implements MetricsSource {
  private readonly stalenessMs: number;
  private readonly window: string;

  constructor(
    private readonly client: PrometheusClient,
    private readonly options: PrometheusMetricsSourceOptions = {},
  ) {
    this.stalenessMs = (options.stalenessSeconds ?? 120) * 1000;
    this.window = options.rateWindow ?? '1m';
  }

  async read(target: TargetRef, nowMs: number): Promise<MetricsReading> {
    const templates = templatesFor(this.options.queries?.[target.name]);
    const vars = varsFor(target, this.window);
    const freshness = await this.freshness(target, vars, nowMs);
    if (!freshness.ok && freshness.reason === 'error') {
      // Prometheus is unreachable: every sample says so, nothing is guessed
      return this.allError(target, freshness.detail);
    }
    const freshMs = freshness.ok ? freshness.value : undefined;
    const q = (key: QueryKey, v = vars) => this.instant(renderQuery(templates[key], v), freshMs, nowMs);
    const [cpu, memoryBytes, readyReplicas, specReplicas, rps, p95, p99, errorRate] = await Promise.all([
      q('cpu'),
      q('memory'),
      q('readyReplicas'),
      q('specReplicas'),
      q('rps'),
      q('p95'),
      q('p99'),
      q('errorRate'),
    ]);
    const service: ServiceMetrics = {
      cpuUtilization: cpu,
      memoryBytes,
      readyReplicas,
      specReplicas,
      rps,
      p95LatencyMs: quantileBackedByRate(p95, rps),
      p99LatencyMs: quantileBackedByRate(p99, rps),
      errorRate,
    };
    const appliedRevision = await this.appliedRevision(templates, vars, nowMs);
    const reading: { service: ServiceMetrics; canary?: CanaryObservation; appliedRevision?: string } = {
      service,
    };
    if (appliedRevision !== undefined) reading.appliedRevision = appliedRevision;
    if (target.kind === 'flagger-canary')
      reading.canary = await this.canary(target, templates, freshMs, nowMs);
    return reading;
  }

  private async canary(
    target: TargetRef,
    t: QueryTemplates,
    freshMs: number | undefined,
    nowMs: number,
  ): Promise<CanaryObservation> {
    const vars = varsFor(target, this.window);
    const [weight, status] = await Promise.all([
      this.instant(renderQuery(t.canaryWeight, vars), freshMs, nowMs),
      this.instant(renderQuery(t.canaryStatus, vars), freshMs, nowMs),
    ]);
    const version = async (v: 'canary' | 'primary'): Promise<VersionMetrics> => {
      const vv = varsFor(target, this.window, v);
      const [rps, p95, p99, errorRate] = await Promise.all(
        (['rps', 'p95', 'p99', 'errorRate'] as const).map((k) =>
          this.instant(renderQuery(t[k], vv), freshMs, nowMs),
        ),
      );
      return {
        rps: rps!,
        p95LatencyMs: quantileBackedByRate(p95!, rps!),
        p99LatencyMs: quantileBackedByRate(p99!, rps!),
        errorRate: errorRate!,
      };
    };
    const [canary, primary] = await Promise.all([version('canary'), version('primary')]);
    const obs: { -readonly [K in keyof CanaryObservation]: CanaryObservation[K] } = {
      weight,
      phase: phaseFromStatus(status, weight),
      canary,
      primary,
    };
    const range = await this.sampleRange(target, t, nowMs);
    if (range) {
      const series = {
        canary: await this.versionSeries(target, t, nowMs, range, 'canary'),
        primary: await this.versionSeries(target, t, nowMs, range, 'primary'),
      };
      const samples = samplesFrom(series);
      if (samples) obs.samples = samples;
      const steps = stepsFrom(series, range.step);
      if (steps) obs.steps = steps;
    }
    return obs;
  }

  /**
   * The step of the query_range series and where the canary's current run starts in them; undefined
   * when disabled or Prometheus cannot answer.
   *
   * Step: `sampleStepSeconds`, doubled (up to 4×) while a rate() over one step finds no point of the
   * primary's request rate — a window holding a single scrape has no rate (e.g. 30 s steps over 30 s
   * scrapes), and a judge without samples would count failed checks against every release. Start:
   * currentRunStartSeconds of the canary weight at that step.
   */
  private async sampleRange(
    target: TargetRef,
    t: QueryTemplates,
    nowMs: number,
  ): Promise<SampleRange | undefined> {
    const windowS = this.options.sampleWindowSeconds ?? 600;
    if (windowS <= 0) return undefined;
    const base = this.options.sampleStepSeconds ?? 30;
    const range = (query: string, step: number) =>
      this.client.queryRange(query, nowMs - windowS * 1000, nowMs, step);
    try {
      let chosen: { step: number; primaryRps: PromMatrixResult } | undefined;
      for (const s of [base, 2 * base, 4 * base]) {
        const rps = await range(renderQuery(t.rps, varsFor(target, `${s}s`, 'primary')), s);
        chosen ??= { step: s, primaryRps: rps };
        if (valuesFromMatrix(rps).length > 0) {
          chosen = { step: s, primaryRps: rps };
          break;
        }
      }
      const { step, primaryRps } = chosen!;
      const weight = await range(renderQuery(t.canaryWeight, varsFor(target, `${step}s`)), step);
      return { step, since: currentRunStartSeconds(weight), primaryRps };
    } catch (e) {
      if (isMaestroError(e)) return undefined;
      throw e;
    }
  }

  /**
   * One version's query_range series for the judge's samples and the evidence's per-step counts:
   * the rps, errorRate, p95 and p99 templates over the sample window, the step as their rate window
   * (each point is the readings of its own step, so no request counts twice), each query once. The
   * canary's keep only its current run's points (currentRunStartSeconds); the primary's are the
   * whole window, the baseline the rank test needs points of. A query Prometheus cannot answer
   * leaves its series undefined.
   *
   * Why the step is the rate window, for the judge too: the rank test takes its points as
   * independent readings, as the simulator's CanaryEnv builds them. With the instant reads' window
   * (6 steps in the demo, 2 with the defaults) consecutive points share most of their requests, so
   * one stretch of canary traffic counts several times: in a demo run one 5xx among the canary's
   * first few hundred requests at 10 % weight read as 0.00236, 0.00156, 0.00157 — three points of
   * nearly the same requests above 8 primary points (~0.001), p = 0.019 at 98 % — and the judge
   * rolled the good release back.
   */
  private async versionSeries(
    target: TargetRef,
    t: QueryTemplates,
    nowMs: number,
    { step, since, primaryRps }: SampleRange,
    v: 'canary' | 'primary',
  ): Promise<VersionSeries> {
    const windowS = this.options.sampleWindowSeconds ?? 600;
    const vv = varsFor(target, `${step}s`, v);
    const out: VersionSeries = {};
    for (const key of ['rps', 'errorRate', 'p95', 'p99'] as const) {
      if (v === 'primary' && key === 'rps') {
        out.rps = primaryRps;
        continue;
      }
      try {
        const r = await this.client.queryRange(renderQuery(t[key], vv), nowMs - windowS * 1000, nowMs, step);
        out[key] = v === 'canary' ? matrixSince(r, since) : r;
      } catch (e) {
        if (!isMaestroError(e)) throw e;
      }
    }
    return out;
  }

  private async instant(query: string, freshMs: number | undefined, nowMs: number): Promise<Sample> {
    try {
      const r = await this.client.queryInstant(query, nowMs);
      return sampleFromInstant(r, freshMs, nowMs, this.stalenessMs);
    } catch (e) {
      if (isMaestroError(e)) {
        return e.code === 'PROMETHEUS_QUERY' ? noData('missing', e.message) : errorSample(e.message);
      }
      throw e;
    }
  }

  /** Newest raw scrape time of the target's anchor series (ms), or why there is none. */
  private async freshness(
    target: TargetRef,
    vars: ReturnType<typeof varsFor>,
    nowMs: number,
  ): Promise<Outcome<number>> {
    const anchor =
      target.kind === 'flagger-canary'
        ? `max(timestamp(flagger_canary_weight{namespace="${vars.namespace}",name="${vars.name}"}))`
        : `max(timestamp(kube_deployment_spec_replicas{namespace="${vars.namespace}",deployment="${vars.deployment}"}))`;
    try {
      const r = await this.client.queryInstant(anchor, nowMs);
      const s = sampleFromInstant(r, undefined, nowMs, Number.POSITIVE_INFINITY);
      return s.ok
        ? { ok: true, value: s.value * 1000 }
        : { ok: false, reason: s.reason, detail: s.detail ?? s.reason };
    } catch (e) {
      if (isMaestroError(e)) {
        return { ok: false, reason: e.code === 'PROMETHEUS_QUERY' ? 'missing' : 'error', detail: e.message };
      }
      throw e;
    }
  }

  private async appliedRevision(
    t: QueryTemplates,
    vars: ReturnType<typeof varsFor>,
    nowMs: number,
  ): Promise<string | undefined> {
    try {
      const r = await this.client.queryInstant(renderQuery(t.appliedRevision, vars), nowMs);
      if (r.resultType !== 'vector') return undefined;
      const revisions = [
        ...new Set(r.result.map((s) => s.metric.revision).filter((x): x is string => !!x)),
      ].sort();
      return revisions[0];
    } catch (e) {
      if (isMaestroError(e)) return undefined;
      throw e;
    }
  }

  private allError(target: TargetRef, detail: string): MetricsReading {
    const e = errorSample(detail);
    const service: ServiceMetrics = {
      cpuUtilization: e,
      memoryBytes: e,
      readyReplicas: e,
      specReplicas: e,
      rps: e,
      p95LatencyMs: e,
      p99LatencyMs: e,
      errorRate: e,
    };
    if (target.kind !== 'flagger-canary') return { service };
    const v: VersionMetrics = { rps: e, p95LatencyMs: e, p99LatencyMs: e, errorRate: e };
    return { service, canary: { weight: e, phase: 'Unknown', canary: v, primary: v } };
  }
}

/** The judge's samples from both versions' series; undefined when a series it needs is missing. */
function samplesFrom(series: {
  readonly canary: VersionSeries;
  readonly primary: VersionSeries;
}): CanaryObservation['samples'] {
  const side = (x: VersionSeries) =>
    x.errorRate && x.p95 && x.p99
      ? {
          errorRate: valuesFromMatrix(x.errorRate),
          p95LatencyMs: valuesFromMatrix(x.p95),
          p99LatencyMs: valuesFromMatrix(x.p99),
        }
      : undefined;
  const canary = side(series.canary);
  const primary = side(series.primary);
  return canary && primary ? { canary, primary } : undefined;
}

/** CanaryObservation.steps from both versions' series; undefined when a series it needs is missing. */
function stepsFrom(
  series: { readonly canary: VersionSeries; readonly primary: VersionSeries },
  step: number,
): CanaryStepSeries | undefined {
  const ranges = (x: VersionSeries): VersionRanges | undefined =>
    x.rps && x.errorRate && x.p95 ? { rps: x.rps, errorRate: x.errorRate, p95: x.p95 } : undefined;
  const canary = ranges(series.canary);
  const primary = ranges(series.primary);
  return canary && primary ? stepsFromRanges(canary, primary, step) : undefined;
}
