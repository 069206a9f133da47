import { configSchema } from '../../src/config/schema';

/** The smallest valid config input: one deployment-replicas target, everything else defaulted. */
export const ONE_TARGET_CONFIG = Object.freeze({
  git: { url: 'https://git.example.com/config.git' },
  prometheus: { url: 'http://prometheus:9090' },
  targets: [
    {
      name: 'web',
      kind: 'deployment-replicas',
      file: 'a.yaml',
      minReplicas: 1,
      maxReplicas: 4,
      slo: { p95Ms: 200 },
    },
  ],
});

/** The schema's complaints about ONE_TARGET_CONFIG with `extra` merged in, as `path: message`. */
export function configIssues(extra: Record<string, unknown>): string[] {
  const r = configSchema.safeParse({ ...ONE_TARGET_CONFIG, ...extra });
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}
