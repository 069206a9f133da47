import { z } from 'zod';
import { parseCron } from '../core/guardrails/cron-schedule';

/**
 * The agent's configuration file (YAML or JSON). Validated at the edge with zod; everything inside
 * the agent works with the parsed `MaestroConfig`. Every default is stated here, with its unit.
 */

const personSchema = z.strictObject({
  name: z.string().min(1),
  email: z
    .string()
    .min(3)
    .regex(/^[^\s<>]+@[^\s<>]+$/, 'must be an email address like maestro@example.com'),
});

/** An environment variable name, e.g. MAESTRO_GIT_TOKEN. Secrets are never written in the file. */
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name like MAESTRO_GIT_TOKEN');

/**
 * Why a freeze window's cron expression is unusable, or undefined when it is fine. The guardrails'
 * own reader decides (src/core/guardrails/cron-schedule.ts), so validation and evaluation agree.
 */
function cronProblem(expr: string): string | undefined {
  const r = parseCron(expr);
  return r.ok ? undefined : `${r.error}; e.g. "0 22 * * 5" is Fridays 22:00 UTC`;
}

const freezeWindowSchema = z.strictObject({
  /** 5-field cron (minute hour day-of-month month day-of-week), evaluated in UTC */
  cron: z.string().superRefine((s, ctx) => {
    const problem = cronProblem(s);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  }),
  durationMinutes: z.number().int().positive(),
  reason: z.string().optional(),
});

const guardrailsSchema = z
  .strictObject({
    /** pods per decision; default 4 */
    maxStepUp: z.number().int().positive().default(4),
    /** pods per decision; default 2 */
    maxStepDown: z.number().int().positive().default(2),
    /** seconds; default 60 */
    scaleUpCooldownSeconds: z.number().nonnegative().default(60),
    /** seconds; default 300 (the HPA's scale-down stabilisation window) */
    scaleDownCooldownSeconds: z.number().nonnegative().default(300),
    /** commits per target per rolling hour; default 30 */
    maxCommitsPerHour: z.number().int().positive().default(30),
    /** ms; p95 above it forces a scale-up; default = slo.p95Ms * 1.5 */
    hardP95Ms: z.number().positive().optional(),
    /** fraction; no scale-down while p95 >= slo.p95Ms * (1 - margin); default 0.1 */
    scaleDownSloMargin: z.number().min(0).max(1).default(0.1),
    /** pods added at least by a forced scale-up; default 2 */
    forcedScaleUpStep: z.number().int().positive().default(2),
    /** fraction 0..1; canary error rate above it forces a rollback; default 0.05 */
    canaryErrorRateHardLimit: z.number().min(0).max(1).default(0.05),
    /** percent; the largest canary step the agent may take; default 25, never 100 */
    canaryMaxStepWeight: z.number().int().min(1).max(99).default(25),
    freezeWindows: z.array(freezeWindowSchema).default([]),
  })
  .prefault({});

const querySchema = z
  .strictObject({
    cpu: z.string(),
    memory: z.string(),
    readyReplicas: z.string(),
    specReplicas: z.string(),
    rps: z.string(),
    p95: z.string(),
    p99: z.string(),
    errorRate: z.string(),
    canaryWeight: z.string(),
    canaryStatus: z.string(),
    appliedRevision: z.string(),
  })
  .partial();

export const POLICY_REF = /^(hpa(:\d{1,3})?|flagger|judge|onnx:.+|oracle)$/;
const policyRef = z
  .string()
  .regex(POLICY_REF, 'must be one of hpa, hpa:<target %>, flagger, judge, onnx:<path to .onnx>');

const targetSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label: lower-case letters, digits and -'),
    kind: z.enum(['deployment-replicas', 'hpa-bounds', 'flagger-canary']),
    /** YAML file in the config repo, relative to git.pathPrefix */
    file: z
      .string()
      .min(1)
      .refine(
        (p) => !p.startsWith('/') && !p.split('/').includes('..'),
        'must be a relative path inside the repo',
      ),
    namespace: z.string().min(1).default('default'),
    /** metadata.name of the object in the file; defaults to the target name */
    resource: z.string().min(1).optional(),
    minReplicas: z.number().int().min(0),
    maxReplicas: z.number().int().positive(),
    slo: z.strictObject({
      /** ms */
      p95Ms: z.number().positive(),
      /** fraction 0..1 */
      errorRate: z.number().min(0).max(1).default(0.01),
    }),
    /** the policy deciding for this target; default hpa (autoscaling) or flagger (canaries) */
    policy: policyRef.optional(),
    /** the rule baseline used when the policy is missing, failing, slow or unsure */
    fallback: policyRef.optional(),
    /** onnx policies: below this max action probability the fallback decides; default 0.5 */
    minConfidence: z.number().min(0).max(1).default(0.5),
    /** onnx policies: inference budget in ms; default 50 */
    latencyBudgetMs: z.number().positive().default(50),
    queries: querySchema.default({}),
    guardrails: guardrailsSchema,
  })
  .superRefine((t, ctx) => {
    if (t.maxReplicas < t.minReplicas) {
      ctx.addIssue({ code: 'custom', path: ['maxReplicas'], message: 'must be >= minReplicas' });
    }
    const hardP95Ms = t.guardrails.hardP95Ms;
    if (hardP95Ms !== undefined && hardP95Ms < t.slo.p95Ms) {
      ctx.addIssue({
        code: 'custom',
        path: ['guardrails', 'hardP95Ms'],
        message: `must be >= slo.p95Ms (${t.slo.p95Ms}): above it the agent is forced to scale up`,
      });
    }
    if (t.kind === 'flagger-canary' && t.policy && /^(hpa|oracle)/.test(t.policy)) {
      ctx.addIssue({
        code: 'custom',
        path: ['policy'],
        message: 'a flagger-canary target needs a canary policy: flagger, judge or onnx:<path>',
      });
    }
    if (t.kind !== 'flagger-canary' && t.policy && /^(flagger|judge)$/.test(t.policy)) {
      ctx.addIssue({
        code: 'custom',
        path: ['policy'],
        message: `a ${t.kind} target needs an autoscaling policy: hpa, hpa:<target %> or onnx:<path>`,
      });
    }
  });

const tokenSchema = z
  .strictObject({
    role: z.enum(['viewer', 'operator']),
    /** environment variable holding the token */
    env: envName.optional(),
    /** file holding the token (e.g. a mounted Secret) */
    file: z.string().optional(),
    /** the person the token belongs to, recorded on overrides */
    user: z.string().min(1).default('operator'),
  })
  .refine((t) => (t.env === undefined) !== (t.file === undefined), 'set exactly one of env or file');

export const configSchema = z
  .strictObject({
    git: z.strictObject({
      url: z
        .string()
        .regex(/^(https?|file):\/\//, 'must be an http(s):// URL (isomorphic-git pushes over HTTP only)'),
      branch: z.string().min(1).default('main'),
      /** folder inside the repo the target files are relative to; default '' (repo root) */
      pathPrefix: z.string().default(''),
      /** environment variable holding the git token; omit for an unauthenticated server */
      tokenEnv: envName.optional(),
      author: personSchema.default({ name: 'maestro', email: 'maestro@localhost' }),
      pushMode: z.enum(['direct', 'pull-request']).default('direct'),
      /** shadow mode: decide and publish, never push; default false */
      shadow: z.boolean().default(false),
      /**
       * the global pause file (src/manifests/pause-document.ts), relative to the repo root (not to
       * pathPrefix: it is the agent's, not a target's); default maestro-pause.yaml
       */
      pauseFile: z
        .string()
        .min(1)
        .refine(
          (p) => !p.startsWith('/') && !p.split('/').includes('..'),
          'must be a relative path inside the repo',
        )
        .default('maestro-pause.yaml'),
      /** pull-request mode: the GitHub repository and API endpoint */
      github: z
        .strictObject({
          owner: z.string().min(1),
          repo: z.string().min(1),
          apiUrl: z.string().url().default('https://api.github.com'),
        })
        .optional(),
    }),
    prometheus: z.strictObject({
      url: z.string().url(),
      /** ms per query; default 5000 */
      timeoutMs: z.number().int().positive().default(5000),
      /** samples older than this are no data (s); default 120 */
      stalenessSeconds: z.number().positive().default(120),
    }),
    /** seconds between cycles; default 15 (the HPA's sync period) */
    cycleIntervalSeconds: z.number().positive().default(15),
    /** seconds a pushed change may stay unapplied by Flux before an event is raised; default 300 */
    applyTimeoutSeconds: z.number().positive().default(300),
    server: z
      .strictObject({
        /** address the dashboard, API and gates bind to; default 127.0.0.1 */
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        tokens: z.array(tokenSchema).default([]),
        /** Origins allowed for the dashboard's WebSocket and API; default: same origin only */
        allowedOrigins: z.array(z.string()).default([]),
        /** environment variable holding the shared secret Flagger sends to the gate endpoints */
        gateSecretEnv: envName.optional(),
      })
      .prefault({}),
    /**
     * Several replicas (README "Reliability"): when enabled, `maestro run` acts only while it holds
     * the lease — the git lease (src/loop/leader-git-lease.ts) or a Kubernetes Lease
     * (src/adapters/kubernetes/); followers keep serving the API and answer gates fail-closed.
     * Default: disabled (one replica).
     */
    ha: z
      .strictObject({
        enabled: z.boolean().default(false),
        /** lease duration (s); a crashed leader is replaced after at most this plus one cycle; default 60 */
        leaseSeconds: z.number().positive().default(60),
        /** this replica's name in the lease ([A-Za-z0-9_.@-]+); default `<hostname>-<pid>` */
        identity: z
          .string()
          .regex(/^[\w.@-]+$/, 'letters, digits, _ . @ - only (it is written into the lease file)')
          .optional(),
        /**
         * The arbiter: `git` (a lease file on the followed branch, renewed by a commit once per
         * cycle) or `kubernetes` (a coordination.k8s.io/v1 Lease, client-go leaderelection
         * semantics, renewed every `kubernetes.retryPeriodSeconds`). Default git.
         */
        elector: z.enum(['git', 'kubernetes']).default('git'),
        /** read only with `elector: kubernetes` */
        kubernetes: z
          .strictObject({
            /**
             * namespace of the Lease; default: the kubeconfig context's namespace (in a pod: the
             * pod's own, from the service account), else `default`
             */
            namespace: z
              .string()
              .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'a Kubernetes namespace name (RFC 1123 label)')
              .optional(),
            /** name of the Lease; default `maestro-leader` */
            name: z
              .string()
              .max(253)
              .regex(
                /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
                'a Kubernetes object name (RFC 1123 subdomain: lower-case letters, digits, - and .)',
              )
              .default('maestro-leader'),
            /** the leader stops acting when it could not renew for this long (s); client-go default 10 */
            renewDeadlineSeconds: z.number().positive().default(10),
            /** seconds between tries to acquire or renew; client-go default 2 */
            retryPeriodSeconds: z.number().positive().default(2),
            /**
             * kubeconfig file; default: in a pod (KUBERNETES_SERVICE_HOST set) the service account's
             * token and CA, else $KUBECONFIG or ~/.kube/config
             */
            kubeconfig: z.string().min(1).optional(),
          })
          .prefault({}),
      })
      .prefault({}),
    targets: z.array(targetSchema).min(1, 'list at least one target'),
  })
  .superRefine((c, ctx) => {
    const seen = new Map<string, number>();
    c.targets.forEach((t, i) => {
      const prev = seen.get(t.name);
      if (prev !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['targets', i, 'name'],
          message: `duplicate target name (also targets[${prev}])`,
        });
      } else seen.set(t.name, i);
    });
    // the leader renews once less than half the lease is left, and it looks once per cycle
    if (c.ha.enabled && c.ha.elector === 'git' && c.ha.leaseSeconds < 3 * c.cycleIntervalSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['ha', 'leaseSeconds'],
        message: `must be at least 3 × cycleIntervalSeconds (${3 * c.cycleIntervalSeconds}): the leader renews once per cycle`,
      });
    }
    if (c.ha.elector === 'kubernetes') haKubernetesIssues(c.ha).forEach((i) => ctx.addIssue(i));
    if (c.git.pushMode === 'pull-request' && !c.git.github) {
      ctx.addIssue({
        code: 'custom',
        path: ['git', 'github'],
        message: 'required when pushMode is pull-request',
      });
    }
  });

/**
 * The Lease's timings as client-go's NewLeaderElector checks them (k8s.io/client-go/tools/
 * leaderelection: leaseDuration > renewDeadline > retryPeriod × JitterFactor 1.2), and
 * spec.leaseDurationSeconds is an int32.
 */
function haKubernetesIssues(ha: {
  leaseSeconds: number;
  kubernetes: { renewDeadlineSeconds: number; retryPeriodSeconds: number };
}): { code: 'custom'; path: (string | number)[]; message: string }[] {
  const issues: { code: 'custom'; path: (string | number)[]; message: string }[] = [];
  const { renewDeadlineSeconds: renew, retryPeriodSeconds: retry } = ha.kubernetes;
  if (!Number.isInteger(ha.leaseSeconds)) {
    issues.push({
      code: 'custom',
      path: ['ha', 'leaseSeconds'],
      message:
        'must be a whole number of seconds with elector kubernetes (the Lease field leaseDurationSeconds is an integer)',
    });
  }
  if (ha.leaseSeconds <= renew) {
    issues.push({
      code: 'custom',
      path: ['ha', 'kubernetes', 'renewDeadlineSeconds'],
      message: `must be less than ha.leaseSeconds (${ha.leaseSeconds}): the leader must stop acting before another replica may take the Lease`,
    });
  }
  if (renew <= 1.2 * retry) {
    issues.push({
      code: 'custom',
      path: ['ha', 'kubernetes', 'retryPeriodSeconds'],
      message: `must be less than renewDeadlineSeconds / 1.2 (${+(renew / 1.2).toFixed(3)}): the leader needs more than one try per renew deadline`,
    });
  }
  return issues;
}

export type MaestroConfig = z.infer<typeof configSchema>;
export type TargetConfig = MaestroConfig['targets'][number];
export type GuardrailConfig = TargetConfig['guardrails'];
