import type { CanaryVerb } from '../core/action';

/**
 * Answers for Flagger's webhooks, bound to the canary's checksum (shared/DESIGN-NOTES.md "Our
 * canary design"). Each cycle the loop records its verdict for the checksum under analysis; a gate
 * call answers from the latest verdict for exactly that checksum, so an answer never carries over to
 * the next release. Everything else fails closed: unknown canary, unknown checksum, a verdict older
 * than `maxAgeMs`, or the agent not running → hold (no traffic increase, no promotion, no rollback);
 * Flagger's own thresholds still protect the release.
 */
export type GateName = 'confirm-traffic-increase' | 'confirm-promotion' | 'rollback';
export const GATE_NAMES: readonly GateName[] = ['confirm-traffic-increase', 'confirm-promotion', 'rollback'];

export interface GateVerdict {
  readonly verb: CanaryVerb;
  readonly decisionId: string;
  /** ms since epoch */
  readonly at: number;
  readonly forced?: { readonly by: string };
}

export interface GateAnswer {
  /** true → HTTP 200 (Flagger proceeds / rolls back); false → HTTP 403 (Flagger holds) */
  readonly allowed: boolean;
  readonly reason: string;
  readonly decisionId?: string;
}

export interface GateCall {
  readonly name: string;
  readonly namespace: string;
  readonly checksum: string;
  readonly phase?: string;
}

const key = (namespace: string, name: string) => `${namespace}/${name}`;

export class GateBook {
  private readonly verdicts = new Map<string, Map<string, GateVerdict>>();
  private readonly seen = new Map<string, { checksum: string; phase?: string; at: number }>();

  /** @param maxAgeMs a verdict older than this no longer answers (default: 3 cycles) */
  constructor(private readonly maxAgeMs: number) {}

  /** Records the loop's verdict for one canary revision. Only the last few checksums are kept. */
  record(namespace: string, name: string, checksum: string, verdict: GateVerdict): void {
    const k = key(namespace, name);
    let m = this.verdicts.get(k);
    if (!m) this.verdicts.set(k, (m = new Map()));
    const prev = m.get(checksum);
    // a forced verdict (a person's promote/rollback) stands until the release ends
    if (prev?.forced && !verdict.forced) {
      m.set(checksum, { ...prev, at: verdict.at });
    } else m.set(checksum, verdict);
    while (m.size > 4) m.delete(m.keys().next().value as string);
  }

  /** The checksum Flagger last sent for this canary (the webhook payload is the only source). */
  lastSeen(namespace: string, name: string): { checksum: string; phase?: string; at: number } | undefined {
    return this.seen.get(key(namespace, name));
  }

  verdict(namespace: string, name: string, checksum: string): GateVerdict | undefined {
    return this.verdicts.get(key(namespace, name))?.get(checksum);
  }

  answer(gate: GateName, call: GateCall, nowMs: number, shadow: boolean): GateAnswer {
    this.seen.set(key(call.namespace, call.name), {
      checksum: call.checksum,
      ...(call.phase !== undefined ? { phase: call.phase } : {}),
      at: nowMs,
    });
    if (shadow) {
      // shadow mode acts on nothing: answer as if the webhook were absent, never ask for a rollback
      return gate === 'rollback'
        ? { allowed: false, reason: 'shadow mode: the agent never rolls back' }
        : { allowed: true, reason: 'shadow mode: Flagger decides alone' };
    }
    const v = this.verdict(call.namespace, call.name, call.checksum);
    if (!v) {
      return { allowed: false, reason: `no decision yet for checksum ${call.checksum}: hold` };
    }
    if (!v.forced && nowMs - v.at > this.maxAgeMs) {
      return {
        allowed: false,
        reason: `latest decision ${v.decisionId} is ${Math.round((nowMs - v.at) / 1000)}s old: hold`,
        decisionId: v.decisionId,
      };
    }
    const allowed =
      gate === 'rollback'
        ? v.verb === 'rollback'
        : gate === 'confirm-promotion'
          ? v.verb === 'promote' || v.verb === 'advance'
          : v.verb === 'advance' || v.verb === 'promote';
    const by = v.forced ? ` (forced by ${v.forced.by})` : '';
    return { allowed, reason: `decision ${v.decisionId}: ${v.verb}${by}`, decisionId: v.decisionId };
  }
}
