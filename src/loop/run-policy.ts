import type { PolicyOutput, PolicyRef } from '../core/decision';
import type { Observation } from '../core/observation';
import type { PolicyContext } from '../core/policy';
import type { PolicyPair } from './ports';

export interface PolicyResult {
  readonly output: PolicyOutput;
  readonly ref: PolicyRef;
}

/**
 * Runs the configured policy; when it throws, the rule baseline decides instead and the decision
 * says so (`ref.fallback`). Model policies do their own confidence/latency fallback (src/core/policies)
 * and report it in their explanation; this catches what they cannot: a crash.
 */
export async function runPolicy(
  pair: PolicyPair,
  observation: Observation,
  context: PolicyContext,
): Promise<PolicyResult> {
  try {
    const output = await pair.primary.decide(observation, context);
    return { output, ref: output.ref ?? { name: pair.primary.name } };
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    const output = await pair.fallback.decide(observation, context);
    return {
      output: {
        ...output,
        explanation: [
          `${pair.primary.name} failed (${reason}); ${pair.fallback.name} decided`,
          ...output.explanation,
        ],
      },
      ref: { name: pair.fallback.name, fallback: { from: pair.primary.name, reason } },
    };
  }
}
