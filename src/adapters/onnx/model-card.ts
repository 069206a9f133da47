import { z } from 'zod';

/**
 * The model card: a JSON file beside the model (`NAME.onnx` → `NAME.card.json`) saying what the
 * model expects and what it was trained and evaluated on. The loader refuses a model whose card
 * does not match the model file (sha256), the model's input tensor, or the feature encoding of
 * this build (src/core/features.ts, FEATURE_VERSION).
 *
 * `output.kind` covers models from other trainers: `logits` (our trainer, SB3 exported through the
 * policy's `action_net`), `probs` (a softmax already in the graph), `actions` (SB3's exported
 * `predict`: one action index per row; treated as probability 1 for that action).
 */
const featureSchema = z.object({ name: z.string(), unit: z.string(), normalisation: z.string() });

export const autoscaleActionSchema = z.object({ delta: z.number().int() });
/**
 * An autoscaling output that keeps this CPU utilisation (0.7 = 70 %): desired replicas =
 * ceil(demand / targetUtilization), demand from CPU and the request rate
 * (src/core/policies/target-utilization.ts). Cards may mix it with `{delta: 0}` (hold).
 */
export const targetUtilizationActionSchema = z.object({
  targetUtilization: z.number().gt(0).max(1),
});
export const canaryActionSchema = z.object({ verb: z.enum(['advance', 'hold', 'promote', 'rollback']) });

export const modelCardSchema = z.object({
  cardVersion: z.literal(1),
  name: z.string().min(1),
  kind: z.enum(['autoscale', 'canary']),
  model: z.object({
    file: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits'),
  }),
  input: z.object({
    name: z.string().min(1),
    /** [batch, width]; batch is a symbolic name or -1 */
    shape: z.tuple([z.union([z.string(), z.literal(-1)]), z.number().int().positive()]),
    featureVersion: z.number().int().positive(),
    featureSet: z.enum(['autoscale', 'canary']),
    features: z.array(featureSchema),
    layout: z.string(),
  }),
  output: z.object({
    name: z.string().min(1),
    kind: z.enum(['logits', 'probs', 'actions']),
    valueName: z.string().optional(),
  }),
  actions: z
    .array(z.union([autoscaleActionSchema, targetUtilizationActionSchema, canaryActionSchema]))
    .min(2),
  training: z.object({
    producer: z.string(),
    command: z.string(),
    seed: z.number().int().optional(),
    steps: z.number().int().nonnegative().optional(),
    wallSeconds: z.number().nonnegative().optional(),
    algorithm: z.string().optional(),
    hyperparameters: z.record(z.string(), z.unknown()).optional(),
    environment: z.record(z.string(), z.unknown()).optional(),
    reward: z.string().optional(),
  }),
  /**
   * Canary models: the evidence gate the model was trained inside and must run inside
   * (src/core/policies/canary-evidence-gate.ts); promote/rollback stand only with the evidence.
   */
  evidenceGate: z
    .object({
      rollbackMinLlr: z.number().positive(),
      promoteMaxLlr: z.number().max(0),
      promoteMinBalancedSteps: z.number().int().nonnegative(),
    })
    .strict()
    .optional(),
  evaluation: z.record(z.string(), z.unknown()).default({}),
});

export type ModelCard = z.infer<typeof modelCardSchema>;

/** `policies/autoscale.onnx` → `policies/autoscale.card.json` */
export function cardPathFor(modelPath: string): string {
  return modelPath.replace(/\.onnx$/i, '') + '.card.json';
}
