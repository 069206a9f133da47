import type { TargetRef } from '../../src/core/ports';

/** The template repo's checkout canary (gitops-repo-template/apps/checkout) as a target reference. */
export const CHECKOUT_CANARY: TargetRef = Object.freeze({
  name: 'checkout',
  kind: 'flagger-canary',
  file: 'apps/checkout/canary.yaml',
  namespace: 'shop',
  resourceName: 'checkout',
});
