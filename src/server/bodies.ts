import { z } from 'zod';

/**
 * Request bodies and query strings, validated at the edge with zod (strict: unknown keys are
 * refused, so a typo like `replica` is a 400, not a silent no-op).
 */
const reason = z.string().max(500).optional();

export const overrideBody = z.discriminatedUnion('action', [
  z.strictObject({ action: z.enum(['pause', 'resume', 'promote', 'rollback']), reason }),
  z.strictObject({ action: z.literal('replicas'), replicas: z.number().int().min(0).max(10_000), reason }),
]);

export const globalOverrideBody = z.strictObject({ action: z.enum(['pause', 'resume']), reason });

export const targetName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);

export const decisionsQuery = z.strictObject({
  target: targetName.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** GET /api/overrides: `target` a target name or `*` (all-target pause/resume) */
export const overridesQuery = z.strictObject({
  target: z.union([targetName, z.literal('*')]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const limitQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

/**
 * Flagger's webhook payload (pkg/controller/webhook.go CanaryWebhookPayload): name, namespace,
 * phase, checksum, metadata. Extra keys are tolerated here: Flagger may add fields.
 */
export const gatePayload = z.object({
  name: z.string().min(1).max(253),
  namespace: z.string().min(1).max(253),
  phase: z.string().max(64).optional(),
  checksum: z.string().min(1).max(256),
  metadata: z.record(z.string(), z.string()).optional(),
});

export const clientMessage = z.strictObject({ type: z.literal('ping') });

export function issuesOf(e: z.ZodError): Array<{ path: string; message: string }> {
  return e.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}
