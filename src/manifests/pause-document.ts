import { isMap, isScalar, parseDocument, stringify } from 'yaml';

/**
 * The agent's global pause as a file in the config repo (`git.pauseFile`, default
 * `maestro-pause.yaml`): a ConfigMap whose `data.paused` says whether every managed target holds.
 * A person pausing or resuming all targets (dashboard, API) is a commit of this file in their name,
 * so the pause survives restarts and leader changes and is reviewable in git history like every
 * other action. It is a valid Kubernetes object so that a Flux Kustomization that happens to include
 * the folder applies it harmlessly (and `kubectl get configmap maestro-pause` shows it); a
 * kustomization.yaml that does not list it keeps it out of the cluster altogether. The agent reads
 * it from git, never from the cluster.
 *
 * The agent writes the whole file (it is the agent's own file; comments added by hand are not kept).
 */
export interface GlobalPauseState {
  readonly paused: boolean;
  /** `Name <email>` of the person who last paused or resumed */
  readonly by?: string;
  /** ISO 8601 time of that change */
  readonly at?: string;
  readonly reason?: string;
  /**
   * Set when the file exists but cannot be read as a pause document: then `paused` is true. Fail
   * safe — when the agent cannot tell whether a person wants it stopped, it stops and says why.
   */
  readonly error?: string;
}

export const PAUSE_CONFIGMAP_NAME = 'maestro-pause';

/** Reads the pause file's text; undefined (no file) means not paused. */
export function readPauseDocument(file: string, text: string | undefined): GlobalPauseState {
  if (text === undefined) return { paused: false };
  const fail = (why: string): GlobalPauseState => ({
    paused: true,
    error: `${file}: ${why}; the agent holds every target until it is fixed (data.paused: "true" or "false", or delete the file)`,
  });
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) return fail(`not valid YAML (${doc.errors[0]!.message.split('\n')[0]})`);
  const root: unknown = doc.contents;
  if (!isMap(root)) return fail('not a YAML mapping');
  const data: unknown = root.get('data', true);
  if (!isMap(data)) return fail('no data mapping');
  const field = (k: string): string | undefined => {
    const v: unknown = data.get(k, true);
    return isScalar(v) && v.value !== null && v.value !== undefined ? String(v.value) : undefined;
  };
  const paused = field('paused');
  if (paused !== 'true' && paused !== 'false') {
    return fail(`data.paused is ${paused === undefined ? 'missing' : `"${paused}"`}`);
  }
  const by = field('by');
  const at = field('at');
  const reason = field('reason');
  return {
    paused: paused === 'true',
    ...(by !== undefined ? { by } : {}),
    ...(at !== undefined ? { at } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
}

/** The file's text for a pause or resume by `by` at `atMs` (ms since epoch). */
export function renderPauseDocument(p: {
  readonly paused: boolean;
  readonly by: string;
  readonly atMs: number;
  readonly reason?: string;
}): string {
  const body = stringify(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: PAUSE_CONFIGMAP_NAME },
      data: {
        paused: String(p.paused),
        by: p.by,
        at: new Date(p.atMs).toISOString(),
        ...(p.reason !== undefined ? { reason: p.reason } : {}),
      },
    },
    { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' },
  );
  return (
    '# MAESTRO global pause, committed by the agent for the person named below.\n' +
    '# data.paused "true": every managed target holds. Pause and resume through the dashboard or\n' +
    '# POST /api/override; a hand edit of data.paused (or deleting this file) works too.\n' +
    body
  );
}
