import type { Command } from 'commander';
import { z } from 'zod';
import { formatPath } from '../../config/load-config';
import { calculateReplicas, type HpaCalcInput } from '../../core/policies/hpa/replica-calculator';
import type { CommandIo, ExitCodeHolder } from '../command-context';
import { EXIT_INVALID, EXIT_OK } from '../exit-codes';

/**
 * `maestro hpa-recommend`: one HPA case as JSON on stdin → the replica count Kubernetes' replica
 * calculator (replica_calculator.go) would want, on stdout. Usage and request are in one unit
 * (milli-units reproduce Kubernetes' integer arithmetic exactly).
 */
const finite = z.number().refine((n) => Number.isFinite(n), 'must be a finite number');

const podSchema = z.strictObject({
  name: z.string().min(1),
  ready: z.boolean(),
  phase: z.enum(['Running', 'Pending', 'Failed', 'Succeeded']),
  /** the pod is terminating (deletionTimestamp set); default false */
  deleting: z.boolean().default(false),
  /** the metrics API has a sample for the pod; default true */
  hasMetric: z.boolean().default(true),
  usage: finite.refine((n) => n >= 0, 'must be >= 0').default(0),
  request: finite.refine((n) => n >= 0, 'must be >= 0').default(0),
});

const targetSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('Utilization'), averageUtilization: z.number().int().positive() }),
  z.strictObject({
    type: z.literal('AverageValue'),
    averageValue: finite.refine((n) => n > 0, 'must be > 0'),
  }),
  z.strictObject({ type: z.literal('Value'), value: finite.refine((n) => n > 0, 'must be > 0') }),
]);

export const hpaCaseSchema = z
  .strictObject({
    currentReplicas: z.number().int().min(0),
    target: targetSchema,
    pods: z.array(podSchema),
    /** total of an External/Object metric; makes the case an external metric */
    metricTotal: finite.optional(),
    /** default 0.1 */
    tolerance: finite.refine((n) => n >= 0 && n < 1, 'must be in [0, 1)').optional(),
    /** resource (default), pods (custom per-pod metric) or external */
    source: z.enum(['resource', 'pods', 'external']).optional(),
    /** cpu (default; readiness rules apply) or memory */
    resource: z.enum(['cpu', 'memory']).optional(),
  })
  .superRefine((c, ctx) => {
    const source = c.source ?? (c.metricTotal !== undefined ? 'external' : 'resource');
    if (source === 'external' && c.metricTotal === undefined) {
      ctx.addIssue({ code: 'custom', path: ['metricTotal'], message: 'is required for an external metric' });
    }
    if (source !== 'external' && c.target.type === 'Value') {
      ctx.addIssue({
        code: 'custom',
        path: ['target', 'type'],
        message: 'a Value target needs an external metric: give metricTotal',
      });
    }
    if (source === 'resource' && c.target.type === 'Utilization') {
      c.pods.forEach((p, i) => {
        if (p.request <= 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['pods', i, 'request'],
            message: 'must be > 0 for a Utilization target (Kubernetes: missing request)',
          });
        }
      });
    }
    const names = new Set<string>();
    c.pods.forEach((p, i) => {
      if (names.has(p.name))
        ctx.addIssue({ code: 'custom', path: ['pods', i, 'name'], message: 'duplicate pod name' });
      names.add(p.name);
    });
  });

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export function registerHpaRecommend(program: Command, io: CommandIo, exit: ExitCodeHolder): void {
  program
    .command('hpa-recommend')
    .description(
      'read one HPA case as JSON on stdin and print the desired replica count (Kubernetes replica calculator)',
    )
    .option('--json', 'print the whole result as JSON: replicas, utilization, value, reason')
    .addHelpText(
      'after',
      `
Input (stdin):
  {"currentReplicas": 3,
   "target": {"type": "Utilization", "averageUtilization": 70}
           | {"type": "AverageValue", "averageValue": 500} | {"type": "Value", "value": 100},
   "pods": [{"name": "web-1", "ready": true, "phase": "Running", "deleting": false,
             "hasMetric": true, "usage": 650, "request": 1000}],
   "metricTotal": 250,   (External/Object metrics: the metric's total)
   "tolerance": 0.1}
Exit codes: 0 ok, 2 invalid input (the field path is printed).`,
    )
    .action(async (opts: { json?: boolean }) => {
      const text = await readAll(io.stdin);
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch (e) {
        io.stderr.write(`stdin: invalid JSON: ${(e as Error).message}\n`);
        exit.code = EXIT_INVALID;
        return;
      }
      const parsed = hpaCaseSchema.safeParse(raw);
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const message =
            issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
          io.stderr.write(`${formatPath(issue.path)}: ${message}\n`);
        }
        io.stderr.write(`stdin: ${parsed.error.issues.length} problem(s); fix them and run again\n`);
        exit.code = EXIT_INVALID;
        return;
      }
      const c = parsed.data;
      const input: HpaCalcInput = {
        currentReplicas: c.currentReplicas,
        target: c.target,
        pods: c.pods,
        ...(c.metricTotal === undefined ? {} : { metricTotal: c.metricTotal }),
        ...(c.tolerance === undefined ? {} : { tolerance: c.tolerance }),
        ...(c.source === undefined ? {} : { source: c.source }),
        ...(c.resource === undefined ? {} : { resource: c.resource }),
      };
      const r = calculateReplicas(input);
      if (r.error !== undefined) {
        // the HPA cannot compute a proposal and keeps the current scale
        io.stderr.write(`no change: ${r.error}\n`);
      }
      io.stdout.write(opts.json ? `${JSON.stringify(r)}\n` : `${r.replicas}\n`);
      exit.code = EXIT_OK;
    });
}
