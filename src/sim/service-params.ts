/**
 * Parameters of one simulated service. Units are in the names; defaults below.
 *
 * Capacity model: each pod runs `workersPerPod` request workers, each serving one request at a time
 * with exponential service times of mean `serviceTimeMs`; a pod's capacity is therefore
 * workersPerPod / serviceTime requests per second (defaults: 4 / 0.05 s = 80 rps per pod).
 */
export interface ServiceParams {
  readonly name: string;
  readonly namespace: string;
  /** mean service time of one request (ms); default 50 */
  readonly serviceTimeMs: number;
  /** parallel workers per pod (M/M/c servers per pod); default 4 */
  readonly workersPerPod: number;
  /** a request waiting + served longer than this is answered 504 (s); default 10 */
  readonly timeoutSeconds: number;
  /** fraction of requests failing with 500 even on a healthy release; default 0.001 */
  readonly baseErrorRate: number;
  /** CPU request per pod (cores); default 0.5 */
  readonly cpuRequestCores: number;
  /** CPU an idle ready pod uses, as a fraction of its request; default 0.05 */
  readonly cpuIdleFraction: number;
  /** memory of an idle pod (bytes); default 200 MiB */
  readonly memoryBaseBytes: number;
  /** extra memory per request in flight (bytes); default 2 MiB */
  readonly memoryPerInflightBytes: number;
  /** time from pod creation to Ready (s); default 20 */
  readonly startupSeconds: number;
  /** uniform extra start-up time in [0, jitter] (s); default 10 */
  readonly startupJitterSeconds: number;
  /** initial spec.replicas; default 3 */
  readonly initialReplicas: number;
  /** multiplicative arrival noise per step: rate × exp(sigma·N(0,1)); default 0 (Poisson only) */
  readonly arrivalNoiseSigma: number;
}

export const DEFAULT_SERVICE: ServiceParams = Object.freeze({
  name: 'web',
  namespace: 'default',
  serviceTimeMs: 50,
  workersPerPod: 4,
  timeoutSeconds: 10,
  baseErrorRate: 0.001,
  cpuRequestCores: 0.5,
  cpuIdleFraction: 0.05,
  memoryBaseBytes: 200 * 1024 * 1024,
  memoryPerInflightBytes: 2 * 1024 * 1024,
  startupSeconds: 20,
  startupJitterSeconds: 10,
  initialReplicas: 3,
  arrivalNoiseSigma: 0,
});

export function serviceParams(overrides: Partial<ServiceParams> = {}): ServiceParams {
  return { ...DEFAULT_SERVICE, ...overrides };
}

/** Requests per second one pod can serve at 100 % busy. */
export function podCapacityRps(p: ServiceParams): number {
  return (p.workersPerPod * 1000) / p.serviceTimeMs;
}

/**
 * How a release behaves compared with a healthy one. `subtle` marks a regression small enough that
 * a threshold check can miss it (documentation for evaluation, no effect on the model).
 */
export interface ReleaseProfile {
  /** added to the 500 error fraction (0..1); 0 for a good release */
  readonly errorRateDelta: number;
  /** service time multiplier (1.3 = 30 % slower); 1 for a good release */
  readonly latencyMultiplier: number;
  readonly subtle?: boolean;
}

export const GOOD_RELEASE: ReleaseProfile = Object.freeze({ errorRateDelta: 0, latencyMultiplier: 1 });

export function isBadRelease(r: ReleaseProfile): boolean {
  return r.errorRateDelta > 0 || r.latencyMultiplier > 1;
}
