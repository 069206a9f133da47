import axios, { type AxiosInstance, isAxiosError } from 'axios';
import { MaestroError } from '../../core/errors';

/**
 * A thin typed client for Prometheus' HTTP API (`/api/v1/query`, `/api/v1/query_range`,
 * https://prometheus.io/docs/prometheus/latest/querying/api/).
 *
 * Errors are classified where they are made: network failures, timeouts, 5xx and 429 are
 * retried with exponential backoff and end as retryable PROMETHEUS_UNAVAILABLE; a rejected query
 * (400 bad_data, 422 execution) is a terminal PROMETHEUS_QUERY error — retrying cannot fix it.
 */

export type PromLabels = Readonly<Record<string, string>>;
/** [unix seconds, value as Prometheus prints it: "1.5", "NaN", "+Inf"] */
export type PromPoint = readonly [number, string];

export type PromInstantResult =
  | {
      readonly resultType: 'vector';
      readonly result: ReadonlyArray<{ readonly metric: PromLabels; readonly value: PromPoint }>;
    }
  | { readonly resultType: 'scalar'; readonly result: PromPoint }
  | { readonly resultType: 'string'; readonly result: PromPoint };

export interface PromMatrixResult {
  readonly resultType: 'matrix';
  readonly result: ReadonlyArray<{ readonly metric: PromLabels; readonly values: readonly PromPoint[] }>;
}

export interface PrometheusClientOptions {
  /** e.g. http://prometheus.monitoring:9090 */
  readonly url: string;
  /** per request, ms; default 5000 */
  readonly timeoutMs?: number;
  /** attempts for retryable failures, including the first; default 3 */
  readonly attempts?: number;
  /** first backoff, ms, doubled per retry; default 200 */
  readonly backoffMs?: number;
  /** injected for tests; default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

interface ApiEnvelope<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
  warnings?: string[];
}

export class PrometheusClient {
  private readonly http: AxiosInstance;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(readonly options: PrometheusClientOptions) {
    this.http = axios.create({
      baseURL: options.url.replace(/\/+$/, ''),
      timeout: options.timeoutMs ?? 5000,
      // we classify statuses ourselves
      validateStatus: () => true,
      headers: { Accept: 'application/json' },
    });
    this.attempts = Math.max(1, options.attempts ?? 3);
    this.backoffMs = options.backoffMs ?? 200;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Instant query evaluated at `timeMs` (ms since epoch; default: Prometheus' now). */
  async queryInstant(query: string, timeMs?: number): Promise<PromInstantResult> {
    const params: Record<string, string> = { query };
    if (timeMs !== undefined) params.time = (timeMs / 1000).toFixed(3);
    const data = await this.get<PromInstantResult | PromMatrixResult>('/api/v1/query', params, query);
    if (data.resultType === 'matrix') {
      throw new MaestroError('PROMETHEUS_QUERY', `instant query returned a range vector: ${query}`, {
        data: { query },
        retryable: false,
      });
    }
    return data;
  }

  /** Range query over [startMs, endMs] with `stepSeconds` resolution. */
  async queryRange(
    query: string,
    startMs: number,
    endMs: number,
    stepSeconds: number,
  ): Promise<PromMatrixResult> {
    const data = await this.get<PromMatrixResult>(
      '/api/v1/query_range',
      {
        query,
        start: (startMs / 1000).toFixed(3),
        end: (endMs / 1000).toFixed(3),
        step: String(stepSeconds),
      },
      query,
    );
    if (data.resultType !== 'matrix') {
      throw new MaestroError(
        'PROMETHEUS_QUERY',
        `range query returned ${data.resultType as string}: ${query}`,
        {
          data: { query },
          retryable: false,
        },
      );
    }
    return data;
  }

  private async get<T>(path: string, params: Record<string, string>, query: string): Promise<T> {
    let last: MaestroError | undefined;
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      if (attempt > 1) await this.sleep(this.backoffMs * 2 ** (attempt - 2));
      try {
        const res = await this.http.get<ApiEnvelope<T>>(path, { params });
        const body = res.data;
        if (
          res.status >= 200 &&
          res.status < 300 &&
          body &&
          body.status === 'success' &&
          body.data !== undefined
        ) {
          return body.data;
        }
        const detail =
          body && typeof body === 'object' && body.error
            ? `${body.errorType ?? 'error'}: ${body.error}`
            : `HTTP ${res.status}`;
        if (res.status === 429 || res.status >= 500) {
          last = new MaestroError('PROMETHEUS_UNAVAILABLE', `Prometheus ${path} failed (${detail})`, {
            data: { status: res.status, query, attempt },
          });
          continue;
        }
        throw new MaestroError('PROMETHEUS_QUERY', `Prometheus rejected the query (${detail}): ${query}`, {
          data: { status: res.status, query },
          retryable: false,
        });
      } catch (e) {
        if (e instanceof MaestroError) throw e;
        const message = isAxiosError(e) ? (e.code ? `${e.code} ${e.message}` : e.message) : String(e);
        last = new MaestroError(
          'PROMETHEUS_UNAVAILABLE',
          `Prometheus at ${this.options.url} is unreachable: ${message}`,
          {
            data: { query, attempt },
            cause: e,
          },
        );
      }
    }
    throw last ?? new MaestroError('INTERNAL', 'no attempt was made');
  }
}
