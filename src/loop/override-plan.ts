import type { Action } from '../core/action';
import { formatPerson } from '../core/commit-message';
import { MaestroError } from '../core/errors';
import type { CommitPlanner, Person } from '../core/ports';
import type { CommitMessages, LoopTarget, ManifestEdit, PauseDocument, TargetManifests } from './ports';

/**
 * A person's override as a commit — the one definition shared by the dashboard/REST override (the
 * running agent) and `maestro override` (the CLI): the same edit, message and author either way.
 * Pure planning; the caller hands the planner to `ConfigRepo.commit`.
 */
export type CommittedOverride = 'pause' | 'resume' | 'replicas' | 'promote';

export interface OverrideEditPlan {
  readonly edit: ManifestEdit;
  /** goes into the commit subject, e.g. `set replicas to 7` */
  readonly description: string;
  readonly action?: Action;
}

/**
 * The edit an override means for a target. Bad requests (replicas outside the target's bounds,
 * promote on a non-canary, replicas on a canary) are INPUT_INVALID naming the field.
 * @param declaredMaxReplicas the HPA's current maxReplicas (hpa-bounds), kept unless below the new floor
 */
export function overrideEdit(
  target: LoopTarget,
  request: { readonly action: CommittedOverride; readonly replicas?: number },
  by: string,
  declaredMaxReplicas?: number,
): OverrideEditPlan {
  const ref = target.ref;
  switch (request.action) {
    case 'pause':
    case 'resume':
      return {
        edit: { kind: 'paused', paused: request.action === 'pause', by },
        description: request.action,
      };
    case 'replicas': {
      const n = request.replicas;
      if (n === undefined || !Number.isInteger(n) || n < target.minReplicas || n > target.maxReplicas) {
        throw new MaestroError(
          'INPUT_INVALID',
          `replicas must be an integer within ${target.minReplicas}..${target.maxReplicas} for ${ref.name}`,
          { data: { field: 'replicas', replicas: n } },
        );
      }
      if (ref.kind === 'deployment-replicas') {
        return { edit: { kind: 'replicas', replicas: n }, description: `set replicas to ${n}` };
      }
      if (ref.kind === 'hpa-bounds') {
        const maxReplicas = Math.min(
          target.maxReplicas,
          Math.max(n, declaredMaxReplicas ?? target.maxReplicas),
        );
        return {
          edit: { kind: 'hpa-bounds', minReplicas: n, maxReplicas },
          description: `set min replicas to ${n}`,
        };
      }
      throw new MaestroError('INPUT_INVALID', `${ref.name} is a canary: scale it through its HPA target`, {
        data: { field: 'action', target: ref.name },
      });
    }
    case 'promote':
      if (ref.kind !== 'flagger-canary') {
        throw new MaestroError('INPUT_INVALID', `${ref.name} is not a canary target`, {
          data: { field: 'action', target: ref.name },
        });
      }
      return {
        edit: { kind: 'canary-skip-analysis', skipAnalysis: true },
        description: 'force promote (skipAnalysis: true)',
        action: { type: 'canary', verb: 'promote', forced: true },
      };
  }
}

/** The commit of an override (or of the agent's own housekeeping when `by` is the agent). */
export function overridePlanner(input: {
  readonly target: LoopTarget;
  /** default: the target's file */
  readonly file?: string;
  readonly plan: OverrideEditPlan;
  /** the person; the commit's author. Undefined: the agent's own commit (no author override). */
  readonly by?: Person;
  readonly agent: Person;
  readonly reason?: string;
  readonly manifests: TargetManifests;
  readonly messages: CommitMessages;
}): CommitPlanner {
  const file = input.file ?? input.target.ref.file;
  return async (snapshot) => {
    const text = await snapshot.readFile(file);
    if (text === undefined) {
      throw new MaestroError(
        'MANIFEST_TARGET_NOT_FOUND',
        `${file} does not exist at ${snapshot.head.slice(0, 7)}`,
        {
          data: { file },
        },
      );
    }
    const content = input.manifests.apply(input.target.ref, text, input.plan.edit);
    if (content === text) return null;
    const message = input.messages.forOverride({
      target: input.target.ref.name,
      description: input.plan.description,
      by: input.by ?? input.agent,
      ...(input.reason !== undefined ? { reason: input.reason } : {}),
      ...(input.plan.action !== undefined
        ? { action: input.plan.action }
        : { verb: verbOf(input.plan.edit) }),
    });
    return { files: [{ path: file, content }], message, ...(input.by ? { author: input.by } : {}) };
  };
}

/**
 * A person's pause or resume of all targets: the pause file (src/manifests/pause-document.ts) in
 * their name, target `*`. Null (no commit) when git already says so.
 */
export function globalPausePlanner(input: {
  readonly doc: PauseDocument;
  readonly paused: boolean;
  readonly by: Person;
  /** ms since epoch, written into the file */
  readonly atMs: number;
  readonly reason?: string;
  readonly messages: CommitMessages;
}): CommitPlanner {
  const { doc, paused, by, reason } = input;
  return async (snapshot) => {
    const current = doc.read(await snapshot.readFile(doc.path));
    if (!current.error && current.paused === paused) return null;
    return {
      files: [
        {
          path: doc.path,
          content: doc.render({
            paused,
            by: formatPerson(by),
            atMs: input.atMs,
            ...(reason !== undefined ? { reason } : {}),
          }),
        },
      ],
      message: input.messages.forOverride({
        target: '*',
        description: `${paused ? 'pause' : 'resume'} all targets`,
        by,
        verb: paused ? 'pause' : 'resume',
        ...(reason !== undefined ? { reason } : {}),
      }),
      author: by,
    };
  };
}

/** The `Maestro-Action` value of an edit that is not an Action. */
export function verbOf(edit: ManifestEdit): string {
  switch (edit.kind) {
    case 'paused':
      return edit.paused ? 'pause' : 'resume';
    case 'canary-skip-analysis':
      return `skipAnalysis=${edit.skipAnalysis}`;
    case 'canary-step-weight':
      return `stepWeight=${edit.stepWeight}`;
    case 'replicas':
      return `replicas=${edit.replicas}`;
    case 'hpa-bounds':
      return `minReplicas=${edit.minReplicas} maxReplicas=${edit.maxReplicas}`;
    case 'pod-template':
      return 'revert pod template';
  }
}
