import { MaestroError } from '../../core/errors';
import { createRng } from '../../sim/rng';

/**
 * The soak's faults and their seeded schedule (`maestro soak --faults`). Same seed, same schedule.
 * What each fault does is in README "Reliability" and in `FAULT_HELP`.
 */
export const FAULTS = [
  'git-down',
  'slow-git',
  'prometheus-down',
  'prometheus-nan',
  'human-commits',
  'bad-yaml',
  'agent-crash',
  'replica-race',
] as const;
export type Fault = (typeof FAULTS)[number];

export const FAULT_HELP: Readonly<Record<Fault, string>> = {
  'git-down': 'the embedded git server drops every connection for a while (a crashed server)',
  'slow-git': 'every git request waits 20–150 ms before it is served',
  'prometheus-down': 'every metrics read fails as an unreachable Prometheus does',
  'prometheus-nan': 'metrics come back as NaN, or as a series whose last sample is 10 minutes old',
  'human-commits': 'a person pushes commits (notes in a non-managed file) at random times',
  'bad-yaml': "a person pushes a commit that breaks a managed file's YAML, and fixes it 2–5 minutes later",
  'agent-crash':
    'the leading agent process is SIGKILLed at a seeded point of its cycle (idle, observe, decide, commit, between commit and push, during push, after push) and restarted on the same disk',
  'replica-race': 'two agent replicas run at once (git lease leader election decides who acts)',
};

/** `all` or a comma list → the faults; an unknown name is INPUT_INVALID listing the supported ones. */
export function parseFaults(text: string): Fault[] {
  const names = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length === 1 && names[0] === 'all') return [...FAULTS];
  const unknown = names.filter((n) => !(FAULTS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    throw new MaestroError(
      'INPUT_INVALID',
      `--faults: unknown fault ${unknown.map((u) => JSON.stringify(u)).join(', ')}; supported: all, ${FAULTS.join(', ')}`,
      { data: { field: 'faults', unknown } },
    );
  }
  return [...new Set(names)] as Fault[];
}

/**
 * Where in its cycle an agent process is SIGKILLed (`agent-crash`). `idle`: between two cycles;
 * `observe`: at its first metrics read; `decide`: just after a policy answered; `commit`: while a
 * commit is planned (fetched, not yet written); `between-commit-and-push`: the commit is written to
 * the local copy, not pushed; `during-push`: the push is under way (the kill races it: it may or may
 * not reach the server); `after-push`: the push was accepted, the process has not yet gone on.
 */
export const KILL_POINTS = [
  'idle',
  'observe',
  'decide',
  'commit',
  'between-commit-and-push',
  'during-push',
  'after-push',
] as const;
export type KillPoint = (typeof KILL_POINTS)[number];
/** the commit-related points fire at the next decision commit, or at the next commit of any kind (a lease renewal) */
export type KillScope = 'decision' | 'any';
export const COMMIT_KILL_POINTS: ReadonlySet<KillPoint> = new Set([
  'commit',
  'between-commit-and-push',
  'during-push',
  'after-push',
]);

/** `agent-crash` detail → kill point and scope (`between-commit-and-push/decision`). */
export function parseKillDetail(detail: string | undefined): { point: KillPoint; scope: KillScope } {
  const [point, scope] = (detail ?? 'idle').split('/');
  return {
    point: (KILL_POINTS as readonly string[]).includes(point ?? '') ? (point as KillPoint) : 'idle',
    scope: scope === 'any' ? 'any' : 'decision',
  };
}

/** A fault window or instant in virtual seconds since the start of the run. */
export interface FaultEvent {
  readonly fault: Fault;
  readonly at: number;
  /** seconds the fault lasts (0 for instant ones: a human commit, a kill) */
  readonly durationS: number;
  /** fault detail: latency ms for slow-git; `nan` | `stale` for prometheus-nan; `<kill point>[/<scope>]` for agent-crash */
  readonly detail?: string;
}

/** Mean virtual seconds between two occurrences of each fault. */
const MEAN_GAP_S: Readonly<Record<Exclude<Fault, 'replica-race'>, number>> = {
  'git-down': 900,
  'slow-git': 600,
  'prometheus-down': 900,
  'prometheus-nan': 600,
  'human-commits': 300,
  'bad-yaml': 1200,
  'agent-crash': 300,
};

/**
 * Poisson arrivals per fault (exponential gaps, means in MEAN_GAP_S), each with a seeded duration;
 * every requested fault occurs at least once. The first `warmupS` seconds are fault-free.
 */
export function faultSchedule(
  faults: readonly Fault[],
  durationS: number,
  seed: number | string,
  warmupS = 120,
): FaultEvent[] {
  const rng = createRng(`faults:${seed}`);
  const out: FaultEvent[] = [];
  for (const fault of faults) {
    if (fault === 'replica-race') continue;
    const gap = MEAN_GAP_S[fault];
    let t = warmupS + -Math.log(1 - rng.next()) * gap;
    let fired = 0;
    while (t < durationS) {
      out.push(eventFor(fault, Math.round(t), () => rng.next()));
      fired++;
      t += -Math.log(1 - rng.next()) * gap;
    }
    if (fired === 0 && durationS > warmupS) {
      // a short run still sees every fault it asked for: once, somewhere in the first 3/4 after warm-up
      const at = warmupS + rng.next() * 0.75 * (durationS - warmupS);
      out.push(eventFor(fault, Math.round(at), () => rng.next()));
    }
  }
  return out.sort((a, b) => a.at - b.at || a.fault.localeCompare(b.fault));
}

function eventFor(fault: Fault, at: number, r: () => number): FaultEvent {
  const between = (lo: number, hi: number) => Math.round(lo + (hi - lo) * r());
  switch (fault) {
    case 'git-down':
      return { fault, at, durationS: between(30, 180) };
    case 'slow-git':
      return { fault, at, durationS: between(60, 300), detail: String(between(20, 150)) };
    case 'prometheus-down':
      return { fault, at, durationS: between(30, 180) };
    case 'prometheus-nan': {
      // a stuck exporter or scrape stays stuck for minutes, longer than the 120 s staleness limit
      const stale = r() < 0.5;
      return stale
        ? { fault, at, durationS: between(180, 360), detail: 'stale' }
        : { fault, at, durationS: between(30, 120), detail: 'nan' };
    }
    case 'bad-yaml':
      return { fault, at, durationS: between(120, 300) };
    case 'agent-crash': {
      const point = KILL_POINTS[Math.min(KILL_POINTS.length - 1, Math.floor(r() * KILL_POINTS.length))]!;
      // two in three commit-point kills wait for a decision commit, the rest take the next commit
      const scope = r() < 2 / 3 ? 'decision' : 'any';
      return { fault, at, durationS: 0, detail: COMMIT_KILL_POINTS.has(point) ? `${point}/${scope}` : point };
    }
    default:
      return { fault, at, durationS: 0 };
  }
}

/** Is a windowed fault of this kind active at virtual second `t`? */
export function activeAt(events: readonly FaultEvent[], fault: Fault, t: number): FaultEvent | undefined {
  return events.find((e) => e.fault === fault && t >= e.at && t < e.at + e.durationS);
}
