/**
 * The simulator's public API (what src/train, src/eval, the demo and the soak use). See the
 * README section "The simulator".
 */
export { AUTOSCALE_ACTIONS, AutoscaleEnv, autoscaleObsToCore } from './env/autoscale-env';
export type { AutoscaleEnvOptions, AutoscaleInfo, AutoscaleObs, StepResult } from './env/autoscale-env';
export { CANARY_ACTIONS, CanaryEnv, drawRelease } from './env/canary-env';
export type { CanaryEnvOptions, CanaryInfo, CanaryObs, VersionObs } from './env/canary-env';
export * from './reward';
export { createRng, seedToInt } from './rng';
export type { Rng } from './rng';
export { runSimulation, controllerForPolicy, DEFAULT_SIM_CANARY } from './run-simulation';
export type { MinuteRow, SimReport, SimRunOptions } from './run-simulation';
export { SCENARIOS, RELEASE_PROFILES, getScenario, scenarioNames, imageTag } from './scenarios';
export type { Scenario } from './scenarios';
export { SimRuntime, parseFaultRequest } from './runtime/sim-runtime';
export type { SimRuntimeOptions } from './runtime/sim-runtime';
export { defaultObjects } from './runtime/default-objects';
export { SimCluster } from './cluster';
export { FluxReconciler } from './flux/reconciler';
export type { RepoSource, ReconcileOutcome, KustomizationStatus } from './flux/reconciler';
export { CanaryController, statusMetricValue } from './flagger/canary-controller';
export type {
  CanaryTarget,
  WebhookCaller,
  WebhookPayload,
  CanaryStatus,
  CanaryEvent,
} from './flagger/canary-controller';
export { parseCanary, maxWeightOf } from './flagger/canary-spec';
export { httpWebhookCaller } from './flagger/http-webhook';
export { faultSchedule, NO_FAULTS } from './faults';
export type { FaultEvent, FaultRates } from './faults';
export { DEFAULT_SERVICE, GOOD_RELEASE, serviceParams, podCapacityRps, isBadRelease } from './service-params';
export type { ReleaseProfile, ServiceParams } from './service-params';
export { rateAt, parseStages, parseDurationSeconds, patternDuration } from './traffic/patterns';
export type { TrafficPattern } from './traffic/patterns';
export { parseTraceCsv, traceToPattern } from './traffic/trace-csv';
export type { Trace } from './traffic/trace-csv';
export { generateTrace, TRACE_SHAPES } from './traffic/synthetic-trace';
export { templateHash } from './template-hash';
export { LATENCY_BUCKETS } from './metrics/sim-metrics';
