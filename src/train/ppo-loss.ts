/**
 * The PPO loss for one minibatch and its gradient with respect to the policy logits and the value
 * output (Schulman et al. 2017, eq. 7 and 9; the same terms as SB3's `PPO.train`):
 *
 *   L = −mean(min(r·A, clip(r, 1−ε, 1+ε)·A)) − c_ent · mean(H(π)) + c_vf · mean(½ (V − R)²)
 *
 * r = exp(log π(a|s) − log π_old(a|s)), A the (normalised) advantage, H the entropy of the
 * categorical policy, R the GAE return. Pure: inputs in, numbers out.
 */
export interface PpoLossInput {
  readonly batch: number;
  readonly actionCount: number;
  /** batch × actionCount */
  readonly logits: Float64Array;
  /** batch */
  readonly values: Float64Array;
  readonly actions: Int32Array;
  readonly oldLogProbs: Float64Array;
  readonly advantages: Float64Array;
  readonly returns: Float64Array;
  readonly clipRange: number;
  readonly entropyCoef: number;
  readonly valueCoef: number;
}

export interface PpoLossOutput {
  readonly loss: number;
  readonly policyLoss: number;
  readonly valueLoss: number;
  readonly entropy: number;
  /** mean of (r − 1) − log r, the low-variance KL estimate SB3 logs */
  readonly approxKl: number;
  readonly clipFraction: number;
  /** d loss / d logits, batch × actionCount */
  readonly dLogits: Float64Array;
  /** d loss / d values, batch */
  readonly dValues: Float64Array;
}

/** log-softmax of one row, written into out; returns nothing. Subtracts the max for stability. */
export function logSoftmaxRow(logits: Float64Array, offset: number, k: number, out: Float64Array): void {
  let max = -Infinity;
  for (let j = 0; j < k; j++) max = Math.max(max, logits[offset + j]!);
  let sum = 0;
  for (let j = 0; j < k; j++) sum += Math.exp(logits[offset + j]! - max);
  const lse = max + Math.log(sum);
  for (let j = 0; j < k; j++) out[j] = logits[offset + j]! - lse;
}

export function ppoLoss(i: PpoLossInput): PpoLossOutput {
  const { batch, actionCount: k } = i;
  const dLogits = new Float64Array(batch * k);
  const dValues = new Float64Array(batch);
  const logp = new Float64Array(k);
  let policyLoss = 0;
  let valueLoss = 0;
  let entropy = 0;
  let kl = 0;
  let clipped = 0;
  const inv = 1 / batch;
  for (let n = 0; n < batch; n++) {
    const off = n * k;
    logSoftmaxRow(i.logits, off, k, logp);
    const a = i.actions[n]!;
    const adv = i.advantages[n]!;
    const logRatio = logp[a]! - i.oldLogProbs[n]!;
    const r = Math.exp(logRatio);
    const lo = 1 - i.clipRange;
    const hi = 1 + i.clipRange;
    const rc = Math.min(hi, Math.max(lo, r));
    const unclippedTerm = r * adv;
    const clippedTerm = rc * adv;
    policyLoss -= Math.min(unclippedTerm, clippedTerm) * inv;
    if (r < lo || r > hi) clipped++;
    kl += (r - 1 - logRatio) * inv;
    // gradient flows through r only where the unclipped term is the minimum
    const dLogp = unclippedTerm <= clippedTerm ? -adv * r * inv : 0;
    let h = 0;
    for (let j = 0; j < k; j++) h -= Math.exp(logp[j]!) * logp[j]!;
    entropy += h * inv;
    for (let j = 0; j < k; j++) {
      const p = Math.exp(logp[j]!);
      // d logp_a / d z_j = 1[j = a] − p_j ;  d H / d z_j = −p_j (log p_j + H)
      const dPolicy = dLogp * ((j === a ? 1 : 0) - p);
      const dEntropy = -p * (logp[j]! + h);
      dLogits[off + j] = dPolicy - i.entropyCoef * dEntropy * inv;
    }
    const err = i.values[n]! - i.returns[n]!;
    valueLoss += 0.5 * err * err * inv;
    dValues[n] = i.valueCoef * err * inv;
  }
  return {
    loss: policyLoss - i.entropyCoef * entropy + i.valueCoef * valueLoss,
    policyLoss,
    valueLoss,
    entropy,
    approxKl: kl,
    clipFraction: clipped / batch,
    dLogits,
    dValues,
  };
}

/**
 * Generalised advantage estimation (Schulman et al. 2016, eq. 16). `dones[t]` = 1 when the episode
 * ended after step t (then no bootstrap across it); `lastValue` is V of the state after the last step.
 */
export function gae(
  rewards: Float64Array,
  values: Float64Array,
  dones: Uint8Array,
  lastValue: number,
  gamma: number,
  lambda: number,
): { advantages: Float64Array; returns: Float64Array } {
  const n = rewards.length;
  const advantages = new Float64Array(n);
  const returns = new Float64Array(n);
  let next = 0;
  for (let t = n - 1; t >= 0; t--) {
    const nonTerminal = dones[t] ? 0 : 1;
    const nextValue = t === n - 1 ? lastValue : values[t + 1]!;
    const delta = rewards[t]! + gamma * nextValue * nonTerminal - values[t]!;
    next = delta + gamma * lambda * nonTerminal * next;
    advantages[t] = next;
    returns[t] = next + values[t]!;
  }
  return { advantages, returns };
}
