import type { K8sObject } from '../flux/kustomization-files';

/**
 * The objects a runtime without a config repo starts with: one Deployment `web` (image
 * ghcr.io/maestro-demo/web:1.0.0, 500m CPU request) with `replicas` pods.
 */
export function defaultObjects(replicas: number, name = 'web', namespace = 'default'): K8sObject[] {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace },
      spec: {
        replicas,
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [
              { name, image: `ghcr.io/maestro-demo/${name}:1.0.0`, resources: { requests: { cpu: '500m' } } },
            ],
          },
        },
      },
      __file: '(built-in)',
    },
  ];
}
