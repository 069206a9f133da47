/**
 * Cases ported from kubernetes/kubernetes pkg/controller/podautoscaler/replica_calculator_test.go
 * (v1.33+), with their real numbers. The Kubernetes harness builds pods with two containers, each
 * requesting `requests[i]` and using `levels[i]`; a pod's request/usage is therefore 2x the
 * per-container value, which is what `podsFromK8sCase` builds. Not-ready pods and "hot CPU" pods
 * (start time inside the CPU initialisation period, no fresh metric window) are both unready for
 * CPU in Kubernetes' groupPods; they are `ready: false` here.
 */
import { calculateReplicas, type HpaPod, type HpaPodPhase } from '../../../../../src/core/policies/hpa';

const CONTAINERS = 2;

interface K8sCase {
  currentReplicas: number;
  /** per-container milli request of each pod */
  requests?: number[];
  /** per-container milli usage of each pod that has a metric */
  levels: number[];
  podReadiness?: boolean[];
  hotCpu?: boolean[];
  podPhase?: HpaPodPhase[];
  podDeletion?: boolean[];
}

function podsFromK8sCase(c: K8sCase): HpaPod[] {
  const n = Math.max(c.currentReplicas, c.podPhase?.length ?? 0);
  return Array.from({ length: n }, (_, i) => ({
    name: `test-pod-${i}`,
    phase: c.podPhase?.[i] ?? 'Running',
    ready: (c.podReadiness?.[i] ?? true) && !(c.hotCpu?.[i] ?? false),
    deleting: c.podDeletion?.[i] ?? false,
    hasMetric: i < c.levels.length,
    usage: CONTAINERS * (c.levels[i] ?? 0),
    request: CONTAINERS * (c.requests?.[i] ?? 1000),
  }));
}

function resourceCase(c: K8sCase, targetUtilization: number) {
  return calculateReplicas({
    currentReplicas: c.currentReplicas,
    target: { type: 'Utilization', averageUtilization: targetUtilization },
    pods: podsFromK8sCase(c),
  });
}

describe('replica calculator: Resource Utilization (GetResourceReplicas)', () => {
  const cases: Array<[string, K8sCase, number, number, number, number]> = [
    // name, case, targetUtilization, expectedReplicas, expectedUtilization, expectedValue (per pod)
    ['TestReplicaCalcScaleUp', { currentReplicas: 3, levels: [300, 500, 700] }, 30, 5, 50, 2 * 500],
    [
      'TestReplicaCalcScaleUpUnreadyLessScale',
      { currentReplicas: 3, levels: [300, 500, 700], podReadiness: [false, true, true] },
      30,
      4,
      60,
      2 * 600,
    ],
    [
      'TestReplicaCalcScaleUpHotCpuLessScale',
      { currentReplicas: 3, levels: [300, 500, 700], hotCpu: [true, false, false] },
      30,
      4,
      60,
      2 * 600,
    ],
    [
      'TestReplicaCalcScaleUpUnreadyNoScale',
      { currentReplicas: 3, levels: [400, 500, 700], podReadiness: [true, false, false] },
      30,
      3,
      40,
      2 * 400,
    ],
    [
      'TestReplicaCalcScaleHotCpuNoScale',
      {
        currentReplicas: 3,
        levels: [400, 500, 700],
        podReadiness: [true, false, false],
        hotCpu: [false, true, true],
      },
      30,
      3,
      40,
      2 * 400,
    ],
    [
      'TestReplicaCalcScaleUpIgnoresFailedPods',
      {
        currentReplicas: 2,
        levels: [500, 700],
        podReadiness: [true, true, false, false],
        podPhase: ['Running', 'Running', 'Failed', 'Failed'],
      },
      30,
      4,
      60,
      2 * 600,
    ],
    [
      'TestReplicaCalcScaleUpIgnoresDeletionPods',
      {
        currentReplicas: 2,
        levels: [500, 700],
        podReadiness: [true, true, false, false],
        podPhase: ['Running', 'Running', 'Running', 'Running'],
        podDeletion: [false, false, true, true],
      },
      30,
      4,
      60,
      2 * 600,
    ],
    [
      'TestReplicaCalcScaleDown',
      { currentReplicas: 5, levels: [100, 300, 500, 250, 250] },
      50,
      3,
      28,
      2 * 280,
    ],
    [
      'TestReplicaCalcScaleDownExcludeUnreadyPods',
      {
        currentReplicas: 5,
        levels: [100, 300, 500, 250, 250],
        podReadiness: [true, true, true, false, false],
      },
      50,
      2,
      30,
      2 * 300,
    ],
    [
      'TestReplicaCalcScaleDownExcludeUnscheduledPods',
      {
        currentReplicas: 5,
        levels: [100],
        podReadiness: [true, false, false, false, false],
        podPhase: ['Running', 'Pending', 'Pending', 'Pending', 'Pending'],
      },
      50,
      1,
      10,
      2 * 100,
    ],
    [
      'TestReplicaCalcScaleDownIgnoreHotCpuPods',
      { currentReplicas: 5, levels: [100, 300, 500, 250, 250], hotCpu: [false, false, false, true, true] },
      50,
      2,
      30,
      2 * 300,
    ],
    [
      'TestReplicaCalcScaleDownIgnoresFailedPods',
      {
        currentReplicas: 5,
        levels: [100, 300, 500, 250, 250],
        podReadiness: [true, true, true, true, true, false, false],
        podPhase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Failed', 'Failed'],
      },
      50,
      3,
      28,
      2 * 280,
    ],
    [
      'TestReplicaCalcScaleDownIgnoresDeletionPods',
      {
        currentReplicas: 5,
        levels: [100, 300, 500, 250, 250],
        podReadiness: [true, true, true, true, true, false, false],
        podPhase: ['Running', 'Running', 'Running', 'Running', 'Running', 'Running', 'Running'],
        podDeletion: [false, false, false, false, false, true, true],
      },
      50,
      3,
      28,
      2 * 280,
    ],
    [
      'TestReplicaCalcTolerance',
      { currentReplicas: 3, requests: [900, 1000, 1100], levels: [1010, 1030, 1020] },
      100,
      3,
      102,
      2 * 1020,
    ],
    // expectedValue 495: "numContainersPerPod * 247, for sufficiently large values of 247"
    ['TestReplicaCalcMissingMetrics', { currentReplicas: 4, levels: [400, 95] }, 100, 3, 24, 495],
    [
      'TestReplicaCalcMissingMetricsNoChangeEq',
      { currentReplicas: 2, levels: [1000] },
      100,
      2,
      100,
      2 * 1000,
    ],
    [
      'TestReplicaCalcMissingMetricsNoChangeGt',
      { currentReplicas: 2, levels: [1900] },
      100,
      2,
      190,
      2 * 1900,
    ],
    ['TestReplicaCalcMissingMetricsNoChangeLt', { currentReplicas: 2, levels: [600] }, 100, 2, 60, 2 * 600],
    [
      'TestReplicaCalcMissingMetricsUnreadyChange',
      { currentReplicas: 3, levels: [100, 450], podReadiness: [false, true, true] },
      50,
      3,
      45,
      2 * 450,
    ],
    [
      'TestReplicaCalcMissingMetricsHotCpuNoChange',
      { currentReplicas: 3, levels: [100, 450], hotCpu: [true, false, false] },
      50,
      3,
      45,
      2 * 450,
    ],
    [
      'TestReplicaCalcMissingMetricsUnreadyScaleUp',
      { currentReplicas: 3, levels: [100, 2000], podReadiness: [false, true, true] },
      50,
      4,
      200,
      2 * 2000,
    ],
    [
      'TestReplicaCalcMissingMetricsHotCpuScaleUp',
      {
        currentReplicas: 3,
        levels: [100, 2000],
        podReadiness: [false, true, true],
        hotCpu: [true, false, false],
      },
      50,
      4,
      200,
      2 * 2000,
    ],
    [
      'TestReplicaCalcMissingMetricsUnreadyScaleDown',
      { currentReplicas: 4, levels: [100, 100, 100], podReadiness: [false, true, true, true] },
      50,
      3,
      10,
      2 * 100,
    ],
    [
      'TestReplicaCalcMissingMetricsScaleDownTargetOver100',
      {
        currentReplicas: 4,
        requests: [1000, 1000, 2000, 2000],
        levels: [200, 100, 100],
        podReadiness: [false, true, true, true],
      },
      300,
      2,
      6,
      2 * 100,
    ],
    [
      'TestReplicaCalcDuringRollingUpdateWithMaxSurge',
      { currentReplicas: 2, levels: [100, 100], podPhase: ['Running', 'Running', 'Running'] },
      50,
      2,
      10,
      2 * 100,
    ],
  ];

  it.each(cases)('%s', (_name, c, target, replicas, utilization, value) => {
    const r = resourceCase(c, target);
    expect(r.error).toBeUndefined();
    expect(r.replicas).toBe(replicas);
    expect(r.utilization).toBe(utilization);
    expect(r.value).toBe(value);
  });

  it('TestReplicaCalcComputedToleranceAlgImplementation', () => {
    // 10 pods using 150m each, requesting ~300m each (jittered), target just past the tolerance
    const startPods = 10;
    const totalUsed = startPods * 150;
    const totalRequested = 2 * totalUsed;
    const requestedToUsed = Math.trunc(totalRequested / totalUsed);
    const perPod = totalRequested / startPods;
    const jitter = [100, -100, 10, -10, 2, -2, 1, -1, 0, 0];
    const requests = jitter.map((j) => perPod + j);
    const levels = Array.from({ length: 10 }, () => totalUsed / 10);
    let target = Math.abs(1 / (requestedToUsed * (1 - 0.1))) + 0.01;
    const resourcesUsedRatio = totalUsed / (totalRequested * target);
    const finalPods = Math.ceil(resourcesUsedRatio * startPods);
    const r1 = resourceCase({ currentReplicas: startPods, requests, levels }, Math.trunc(target * 100));
    expect(r1.replicas).toBe(finalPods);
    expect(r1.utilization).toBe(Math.trunc((totalUsed * 100) / totalRequested));
    expect(r1.value).toBe((2 * totalUsed) / 10);
    // within a very close margin of the tolerance: no scaling
    target = Math.abs(1 / (requestedToUsed * (1 - 0.1))) + 0.004;
    const r2 = resourceCase({ currentReplicas: startPods, requests, levels }, Math.trunc(target * 100));
    expect(r2.replicas).toBe(startPods);
  });

  it('TestReplicaCalcEmptyMetrics: no metrics is an error and keeps the current scale', () => {
    const r = resourceCase({ currentReplicas: 4, levels: [] }, 100);
    expect(r.error).toMatch(/did not receive metrics/);
    expect(r.replicas).toBe(4);
  });

  it('per-direction tolerances (Tolerances.isWithin, v1.33)', () => {
    const pods = podsFromK8sCase({ currentReplicas: 4, levels: [560, 560, 560, 560] });
    const target = { type: 'Utilization' as const, averageUtilization: 50 };
    // ratio 1.12: outside the default 10 % but inside a 20 % scale-up tolerance
    expect(calculateReplicas({ currentReplicas: 4, target, pods }).replicas).toBe(5);
    expect(
      calculateReplicas({ currentReplicas: 4, target, pods, tolerance: { scaleUp: 0.2, scaleDown: 0.1 } })
        .replicas,
    ).toBe(4);
  });
});

describe('replica calculator: Pods metrics, AverageValue (GetMetricReplicas)', () => {
  const cases: Array<[string, K8sCase, number, number, number]> = [
    ['TestReplicaCalcScaleUpCM', { currentReplicas: 3, levels: [20000, 10000, 30000] }, 15000, 4, 20000],
    [
      'TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale',
      {
        currentReplicas: 3,
        levels: [50000, 10000, 30000],
        podReadiness: [true, true, false],
        hotCpu: [false, false, true],
      },
      15000,
      6,
      30000,
    ],
    [
      'TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown',
      {
        currentReplicas: 3,
        levels: [50000, 15000, 30000],
        podReadiness: [false, true, false],
        hotCpu: [true, false, true],
      },
      15000,
      7,
      31666,
    ],
    ['TestReplicaCalcScaleUpCMExternal (pod metric)', { currentReplicas: 1, levels: [8600] }, 4400, 2, 8600],
    [
      'TestReplicaCalcScaleDownCM',
      { currentReplicas: 5, levels: [12000, 12000, 12000, 12000, 12000] },
      20000,
      3,
      12000,
    ],
    ['TestReplicaCalcToleranceCM', { currentReplicas: 3, levels: [20000, 21000, 21000] }, 20000, 3, 20666],
    [
      'TestPlainMetricReplicaCalcMissingMetricsNoChangeEq',
      { currentReplicas: 5, levels: [20000, 19000, 21000] },
      20000,
      5,
      20000,
    ],
    [
      'TestReplicaCalcDuringRollingUpdateWithMaxSurgeCM',
      { currentReplicas: 2, levels: [10000, 10000], podPhase: ['Running', 'Running', 'Running'] },
      17000,
      2,
      10000,
    ],
  ];
  it.each(cases)('%s', (_name, c, targetUsage, replicas, usage) => {
    // custom metrics report one value per pod (not per container)
    const pods = podsFromK8sCase(c).map((p, i) => ({ ...p, usage: c.levels[i] ?? 0 }));
    const r = calculateReplicas({
      currentReplicas: c.currentReplicas,
      source: 'pods',
      target: { type: 'AverageValue', averageValue: targetUsage },
      pods,
    });
    expect(r.error).toBeUndefined();
    expect(r.replicas).toBe(replicas);
    expect(r.value).toBe(usage);
  });
});

describe('replica calculator: External and Object metrics', () => {
  const pods = (n: number, readiness?: boolean[]) =>
    podsFromK8sCase({ currentReplicas: n, levels: [], podReadiness: readiness });

  const valueCases: Array<[string, number, boolean[] | undefined, number, number, number]> = [
    // name, currentReplicas, readiness, total, target value, expected replicas
    ['TestReplicaCalcScaleUpCMObject', 3, undefined, 20000, 15000, 4],
    ['TestReplicaCalcScaleUpCMObjectIgnoresUnreadyPods', 3, [false, true, false], 50000, 10000, 5],
    ['TestReplicaCalcScaleUpCMExternalIgnoresUnreadyPods', 3, [false, true, false], 8600, 4400, 2],
    ['TestReplicaCalcScaleDownCMObject', 5, undefined, 12000, 20000, 3],
    ['TestReplicaCalcScaleDownCMExternal', 5, undefined, 8600, 14334, 3],
    ['TestReplicaCalcToleranceCMObject', 3, undefined, 20666, 20000, 3],
    ['TestReplicaCalcToleranceCMExternal', 3, undefined, 8600, 8888, 3],
  ];
  it.each(valueCases)('%s (Value)', (_name, current, readiness, total, target, replicas) => {
    const r = calculateReplicas({
      currentReplicas: current,
      target: { type: 'Value', value: target },
      metricTotal: total,
      pods: pods(current, readiness),
    });
    expect(r.replicas).toBe(replicas);
    expect(r.value).toBe(total);
  });

  const perPodCases: Array<[string, number, number, number, number, number]> = [
    // name, statusReplicas, total, per-pod target, expected replicas, expected per-pod usage
    ['TestReplicaCalcScaleUpCMPerPodObject', 3, 20000, 5000, 4, 6667],
    ['TestReplicaCalcScaleUpPerPodCMExternal', 3, 8600, 2150, 4, 2867],
    ['TestReplicaCalcScaleDownPerPodCMObject', 5, 6000, 2000, 3, 1200],
    ['TestReplicaCalcScaleDownPerPodCMExternal', 5, 8600, 2867, 3, 1720],
    ['TestReplicaCalcTolerancePerPodCMObject', 4, 20166, 5000, 4, 5042],
    ['TestReplicaCalcTolerancePerPodCMExternal', 3, 8600, 2900, 3, 2867],
  ];
  it.each(perPodCases)('%s (AverageValue)', (_name, current, total, target, replicas, usage) => {
    const r = calculateReplicas({
      currentReplicas: current,
      target: { type: 'AverageValue', averageValue: target },
      metricTotal: total,
      pods: pods(current),
    });
    expect(r.replicas).toBe(replicas);
    expect(r.value).toBe(usage);
  });

  it('getUsageRatioReplicaCount: from zero replicas scales to ceil(ratio), ignoring tolerance', () => {
    const r = calculateReplicas({
      currentReplicas: 0,
      target: { type: 'Value', value: 100 },
      metricTotal: 250,
      pods: [],
    });
    expect(r.replicas).toBe(3);
  });
});
