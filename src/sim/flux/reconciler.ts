import { isMaestroError } from '../../core/errors';
import type { RepoSnapshot } from '../../core/ports';
import { readKustomization, type K8sObject } from './kustomization-files';

/**
 * A Flux-like reconciler (GitRepository + Kustomization): fetch the branch head, read the
 * Kustomization's files, apply them. On success `lastAppliedRevision` becomes
 * `<branch>@sha1:<sha>` (Flux v2 revision format) and Ready=True; on failure Ready=False with the
 * message, and lastAppliedRevision stays at the last good commit (Flux keeps the cluster at the
 * last applied revision). An unchanged head is not re-applied. The runtime calls `reconcile()` every
 * interval and on a webhook (Flux's notification-controller Receiver does the same).
 */
export interface RepoSource {
  snapshot(): Promise<RepoSnapshot>;
}

export interface ReconcilerOptions {
  readonly branch: string;
  /** folder of the root kustomization.yaml in the repo; '' = repo root */
  readonly path: string;
  /** Kustomization name and namespace (metric labels); default apps / flux-system */
  readonly name?: string;
  readonly namespace?: string;
}

export type ReconcileOutcome =
  | { readonly kind: 'applied'; readonly revision: string }
  | { readonly kind: 'unchanged'; readonly revision: string }
  | { readonly kind: 'failed'; readonly revision: string; readonly message: string };

export interface KustomizationStatus {
  readonly name: string;
  readonly namespace: string;
  ready: boolean;
  message: string;
  lastAppliedRevision: string;
  lastAttemptedRevision: string;
}

export class FluxReconciler {
  readonly status: KustomizationStatus;
  private inFlight: Promise<ReconcileOutcome> | undefined;

  constructor(
    private readonly source: RepoSource,
    private readonly options: ReconcilerOptions,
    private readonly apply: (objects: readonly K8sObject[]) => Promise<void>,
  ) {
    this.status = {
      name: options.name ?? 'apps',
      namespace: options.namespace ?? 'flux-system',
      ready: false,
      message: 'not reconciled yet',
      lastAppliedRevision: '',
      lastAttemptedRevision: '',
    };
  }

  /** One reconciliation; concurrent calls share the one in flight. */
  reconcile(): Promise<ReconcileOutcome> {
    if (!this.inFlight) {
      this.inFlight = this.run().finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async run(): Promise<ReconcileOutcome> {
    const st = this.status;
    let revision = st.lastAttemptedRevision;
    try {
      const snap = await this.source.snapshot();
      revision = `${this.options.branch}@sha1:${snap.head}`;
      if (revision === st.lastAttemptedRevision && st.ready) return { kind: 'unchanged', revision };
      st.lastAttemptedRevision = revision;
      const objects = await readKustomization(snap, this.options.path);
      await this.apply(objects);
      st.lastAppliedRevision = revision;
      st.ready = true;
      st.message = `Applied revision: ${revision}`;
      return { kind: 'applied', revision };
    } catch (e) {
      const message = isMaestroError(e) ? e.message : (e as Error).message;
      st.ready = false;
      st.message = message;
      return { kind: 'failed', revision, message };
    }
  }
}
