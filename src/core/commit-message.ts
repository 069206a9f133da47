import { describeAction, type Action, type CanaryVerb } from './action';
import { formatTrailers, parseTrailers, singleLine, type Trailer } from './commit-trailers';
import type { DecisionRecord, PolicyRef } from './decision';
import type { Intervention } from './guardrail-types';
import type { Observation, VersionMetrics } from './observation';
import type { Person } from './ports';
import type { Sample } from './sample';

/**
 * The commit messages MAESTRO writes, and the parser that reads them back after a restart.
 *
 * One target:
 *
 *     maestro: web replicas 4→6 (scale-up)
 *
 *     <reasons, one `- ` line each>
 *
 *     Guardrails:
 *     - step-limit clamped scale-up +3 → scale-up +2: <reason>
 *
 *     Maestro-Target: web
 *     Maestro-Action: replicas +2
 *     Maestro-Policy: onnx:policies/autoscale.onnx sha256:…
 *     Maestro-Observation: cpu=0.82 rps=120 p95=310ms p99=420ms err=0.002 ready=4 spec=4
 *     Maestro-Guardrails: step-limit=clamped
 *     Maestro-Decision-Id: d-…
 *
 * Several targets in one commit (one cycle, batched): the subject is
 * `maestro: 2 targets (web 4→6, api min 2→4)`, the body has one paragraph per target, and the
 * trailer block repeats the group above once per target, in the same order; each group starts
 * with `Maestro-Target`. `git interpret-trailers --parse` lists them in order; `parseMaestroCommit`
 * splits them into groups at each `Maestro-Target`.
 *
 * Human overrides add `Maestro-Override: Name <email>` to the target's group (the person is also
 * the commit's author; the agent stays the committer).
 *
 * Every trailer value is single-line; the whole message goes through `redact` when one is given,
 * so no token can reach git history.
 */
export const TRAILER = {
  target: 'Maestro-Target',
  action: 'Maestro-Action',
  policy: 'Maestro-Policy',
  observation: 'Maestro-Observation',
  guardrails: 'Maestro-Guardrails',
  decisionId: 'Maestro-Decision-Id',
  override: 'Maestro-Override',
} as const;

export const SUBJECT_PREFIX = 'maestro: ';

/** `Maestro-Policy` of a human override that no policy decided */
export const OVERRIDE_POLICY = 'human-override';

export interface MessageOptions {
  /** applied to the finished message (src/core/redact.ts `Redactor.redact`) */
  readonly redact?: (text: string) => string;
}

/** The commit message for the decisions of one cycle (one commit, one or more targets). */
export function formatDecisionCommit(
  decisions: readonly DecisionRecord[],
  options: MessageOptions = {},
): string {
  if (decisions.length === 0) throw new RangeError('formatDecisionCommit needs at least one decision');
  const subject =
    decisions.length === 1
      ? `${SUBJECT_PREFIX}${decisions[0]!.target} ${changeSummary(decisions[0]!)}`
      : `${SUBJECT_PREFIX}${decisions.length} targets (${decisions.map((d) => `${d.target} ${changeSummary(d, true)}`).join(', ')})`;
  const paragraphs = decisions.map((d) => decisionBody(d, decisions.length > 1));
  const trailers = decisions.flatMap(decisionTrailers);
  return finish(
    [singleLine(subject), ...paragraphs.filter((p) => p !== ''), formatTrailers(trailers)],
    options,
  );
}

/** What a person asked for, for overrides that are not a policy decision (pause, resume, …). */
export interface OverrideCommitInput {
  readonly target: string;
  /** what changes, e.g. `paused`, `replicas 4→5`; goes into the subject */
  readonly description: string;
  readonly by: Person;
  /** why, in the person's words */
  readonly reason?: string;
  /** the action, when the override is one (`Maestro-Action` is `formatAction(action)`) */
  readonly action?: Action;
  /** the `Maestro-Action` value when there is no action: `pause`, `resume` */
  readonly verb?: string;
  readonly decisionId?: string;
}

/** The commit message for a human override that is not carried by a DecisionRecord. */
export function formatOverrideCommit(input: OverrideCommitInput, options: MessageOptions = {}): string {
  const who = formatPerson(input.by);
  const subject = `${SUBJECT_PREFIX}${input.target} ${input.description} (override by ${input.by.name})`;
  const body = [
    `Human override by ${who}.`,
    ...(input.reason ? [`Reason: ${singleLine(input.reason)}`] : []),
  ].join('\n');
  const trailers: Trailer[] = [
    { key: TRAILER.target, value: input.target },
    {
      key: TRAILER.action,
      value: input.action ? formatAction(input.action) : (input.verb ?? input.description),
    },
    // a person decided: no policy, nothing observed, no guardrail intervened (bounds were checked)
    { key: TRAILER.policy, value: OVERRIDE_POLICY },
    { key: TRAILER.observation, value: 'none' },
    { key: TRAILER.guardrails, value: 'none' },
    { key: TRAILER.override, value: who },
    ...(input.decisionId ? [{ key: TRAILER.decisionId, value: input.decisionId }] : []),
  ];
  return finish([singleLine(subject), body, formatTrailers(trailers)], options);
}

/**
 * The person's reason of an override commit: the body's `Reason: …` line that
 * `formatOverrideCommit` writes (single line), or undefined when the override gave none.
 */
export function overrideReasonOf(message: string): string | undefined {
  const m = /^Reason: (.+)$/m.exec(message.replace(/\r\n/g, '\n'));
  return m ? m[1]!.trim() : undefined;
}

/** `Name <email>` */
export function formatPerson(p: Person): string {
  return `${singleLine(p.name)} <${singleLine(p.email)}>`;
}

/** Parses `Name <email>`; undefined when the text is not of that form. */
export function parsePerson(text: string): Person | undefined {
  const m = /^\s*([^<>]*?)\s*<([^\s<>@]+@[^\s<>]+)>\s*$/.exec(text);
  if (!m || m[1] === '') return undefined;
  return { name: m[1]!, email: m[2]! };
}

function finish(paragraphs: readonly string[], options: MessageOptions): string {
  const text = `${paragraphs.join('\n\n')}\n`;
  return options.redact ? options.redact(text) : text;
}

/** `replicas 4→6 (scale-up)`, `min replicas 2→4 (scale-up)`, `canary promote (forced)`; short form for batched subjects. */
export function changeSummary(d: DecisionRecord, short = false): string {
  const a = d.final;
  const declared = d.observation.declared;
  const tags: string[] = [];
  let text: string;
  switch (a.type) {
    case 'hold':
      text = 'hold';
      break;
    case 'replicas': {
      const direction = a.delta > 0 ? 'scale-up' : a.delta < 0 ? 'scale-down' : 'hold';
      const hpa = d.observation.kind === 'hpa-bounds';
      const from = hpa ? declared.minReplicas : declared.replicas;
      const field = hpa ? 'min replicas' : 'replicas';
      const fromTo = from === undefined ? signed(a.delta) : `${from}→${from + a.delta}`;
      text = short ? `${hpa ? 'min ' : ''}${fromTo}` : `${field} ${fromTo}`;
      tags.push(direction);
      break;
    }
    case 'canary': {
      if (a.verb === 'advance' && a.stepWeight !== undefined) {
        const from = declared.stepWeight;
        text = `canary step ${from === undefined ? '' : `${from}→`}${a.stepWeight}%`;
        tags.push('advance');
      } else text = `canary ${a.verb}`;
      if (a.forced) tags.push('forced');
      break;
    }
  }
  if (d.override) tags.push('override');
  if (short) return a.type === 'canary' ? text.replace(/^canary /, '') : text;
  return tags.length > 0 ? `${text} (${tags.join(', ')})` : text;
}

function decisionBody(d: DecisionRecord, labelled: boolean): string {
  const lines: string[] = [];
  if (labelled) lines.push(`${d.target}: ${changeSummary(d)}`);
  if (d.override) lines.push(`Human override by ${d.override.by}.`);
  const proposed = describeAction(d.proposed);
  const final = describeAction(d.final);
  const policy = `${d.policy.name}${d.policy.fallback ? ` (fallback from ${d.policy.fallback.from}: ${d.policy.fallback.reason})` : ''}`;
  if (!d.override) {
    lines.push(
      proposed === final
        ? `Policy ${policy} decided ${final}${d.confidence !== undefined ? ` (confidence ${fmt(d.confidence)})` : ''}.`
        : `Policy ${policy} proposed ${proposed}; guardrails made it ${final}.`,
    );
  }
  const interventionLines = new Set(d.interventions.map((i) => `${i.rule}: ${i.reason}`));
  const reasons = d.reasons.filter((r) => !interventionLines.has(r));
  for (const r of reasons) lines.push(`- ${singleLine(r)}`);
  if (d.interventions.length > 0) {
    lines.push('Guardrails:');
    for (const i of d.interventions) lines.push(`- ${interventionLine(i)}`);
  }
  return lines.join('\n');
}

function interventionLine(i: Intervention): string {
  return singleLine(`${i.rule} ${i.effect} ${describeAction(i.from)} → ${describeAction(i.to)}: ${i.reason}`);
}

function decisionTrailers(d: DecisionRecord): Trailer[] {
  return [
    { key: TRAILER.target, value: d.target },
    { key: TRAILER.action, value: formatAction(d.final) },
    { key: TRAILER.policy, value: formatPolicy(d.policy) },
    { key: TRAILER.observation, value: formatObservation(d.observation) },
    {
      key: TRAILER.guardrails,
      value:
        d.interventions.length === 0
          ? 'none'
          : d.interventions.map((i) => `${i.rule}=${i.effect}`).join(', '),
    },
    ...(d.override ? [{ key: TRAILER.override, value: d.override.by }] : []),
    { key: TRAILER.decisionId, value: d.id },
  ];
}

/** Machine-readable action: `hold`, `replicas +2`, `canary advance step=20`, `canary promote forced`. */
export function formatAction(a: Action): string {
  switch (a.type) {
    case 'hold':
      return 'hold';
    case 'replicas':
      return `replicas ${signed(a.delta)}`;
    case 'canary':
      return `canary ${a.verb}${a.stepWeight !== undefined ? ` step=${a.stepWeight}` : ''}${a.forced ? ' forced' : ''}`;
  }
}

const CANARY_VERBS: readonly CanaryVerb[] = ['advance', 'hold', 'promote', 'rollback'];

/** The inverse of `formatAction`; undefined for anything else (e.g. `pause`). */
export function parseAction(text: string): Action | undefined {
  const t = text.trim();
  if (t === 'hold') return { type: 'hold' };
  const r = /^replicas ([+-]?\d+)$/.exec(t);
  if (r) return { type: 'replicas', delta: Number(r[1]) };
  const c = /^canary (\w+)(?: step=(\d+))?( forced)?$/.exec(t);
  if (c && (CANARY_VERBS as readonly string[]).includes(c[1]!)) {
    return {
      type: 'canary',
      verb: c[1] as CanaryVerb,
      ...(c[2] !== undefined ? { stepWeight: Number(c[2]) } : {}),
      ...(c[3] ? { forced: true } : {}),
    };
  }
  return undefined;
}

/** `name`, `name sha256:<hash>`, `… fallback-from=<configured policy>` */
export function formatPolicy(p: PolicyRef): string {
  const hash = p.modelHash
    ? ` ${p.modelHash.startsWith('sha256:') ? p.modelHash : `sha256:${p.modelHash}`}`
    : '';
  return `${p.name}${hash}${p.fallback ? ` fallback-from=${p.fallback.from}` : ''}`;
}

/**
 * Compact metrics, `key=value` separated by spaces: cpu (fraction of requests), rps, p95/p99 (ms),
 * err (fraction), ready/spec (pods); for canaries `weight` (%) and the canary's and primary's
 * err/p95. No data is `nodata:<reason>`; `none` when nothing was observed (a human override).
 */
export function formatObservation(o: Observation): string {
  const s = o.service;
  const parts: [string, Sample, string][] = [
    ['cpu', s.cpuUtilization, ''],
    ['rps', s.rps, ''],
    ['p95', s.p95LatencyMs, 'ms'],
    ['p99', s.p99LatencyMs, 'ms'],
    ['err', s.errorRate, ''],
    ['ready', s.readyReplicas, ''],
    ['spec', s.specReplicas, ''],
  ];
  if (o.canary) {
    parts.push(['weight', o.canary.weight, '%']);
    const v = (prefix: string, m: VersionMetrics): [string, Sample, string][] => [
      [`${prefix}.err`, m.errorRate, ''],
      [`${prefix}.p95`, m.p95LatencyMs, 'ms'],
    ];
    parts.push(...v('canary', o.canary.canary), ...v('primary', o.canary.primary));
  }
  if (parts.every(([, sample]) => !sample.ok)) return 'none';
  const body = parts.map(
    ([k, sample, unit]) => `${k}=${sample.ok ? `${fmt(sample.value)}${unit}` : `nodata:${sample.reason}`}`,
  );
  if (o.canary) body.push(`phase=${o.canary.phase}`);
  return body.join(' ');
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

/** At most 4 significant digits, no trailing zeros: 0.8234 -> 0.8234, 120.456 -> 120.5 */
function fmt(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(4)));
}

/** One target's part of a MAESTRO commit, read back from its trailers. */
export interface MaestroCommitEntry {
  readonly target: string;
  /** the parsed `Maestro-Action`, when it is an Action */
  readonly action?: Action;
  /** the raw `Maestro-Action` value (`pause`, `resume`, … for non-Action overrides) */
  readonly actionText: string;
  readonly policy?: string;
  readonly decisionId?: string;
  /** `Name <email>` of the person, for human overrides */
  readonly overrideBy?: string;
}

/**
 * The `Maestro-*` trailer groups of a commit message, in order (one per target; a group starts at
 * each `Maestro-Target`). [] for commits MAESTRO did not write. Trailers before the first
 * `Maestro-Target`, and other keys, are ignored.
 */
export function parseMaestroCommit(message: string): MaestroCommitEntry[] {
  const out: MaestroCommitEntry[] = [];
  let cur: { -readonly [K in keyof MaestroCommitEntry]: MaestroCommitEntry[K] } | undefined;
  for (const t of parseTrailers(message)) {
    if (t.key === TRAILER.target) {
      if (cur) out.push(cur);
      cur = { target: t.value, actionText: '' };
      continue;
    }
    if (!cur) continue;
    switch (t.key) {
      case TRAILER.action: {
        cur.actionText = t.value;
        const a = parseAction(t.value);
        if (a) cur.action = a;
        break;
      }
      case TRAILER.policy:
        cur.policy = t.value.split(' ')[0];
        break;
      case TRAILER.decisionId:
        cur.decisionId = t.value;
        break;
      case TRAILER.override:
        cur.overrideBy = t.value;
        break;
    }
  }
  if (cur) out.push(cur);
  return out;
}

/** The PR branch for a planned MAESTRO commit: `maestro/<target>/<decision id>` (several targets: `maestro/batch/<first id>`). */
export function pullRequestBranch(message: string): string | undefined {
  const entries = parseMaestroCommit(message);
  const first = entries[0];
  if (!first) return undefined;
  const id = (first.decisionId ?? '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  if (id === '') return undefined;
  return entries.length === 1 ? `maestro/${first.target}/${id}` : `maestro/batch/${id}`;
}
