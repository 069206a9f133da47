/**
 * Adam (Kingma & Ba 2015, Algorithm 1) with optional global-norm gradient clipping, as SB3's PPO
 * uses (max_grad_norm 0.5). Defaults: beta1 0.9, beta2 0.999, eps 1e-8 (PyTorch's defaults; SB3
 * passes eps 1e-5 for PPO, which we follow).
 */
export interface AdamOptions {
  readonly learningRate: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  /** clip the gradient to this global L2 norm first; undefined = no clipping */
  readonly maxGradNorm?: number;
}

export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    size: number,
    private readonly o: AdamOptions,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** Updates params in place from grad (grad is scaled in place when clipped). */
  step(params: Float64Array, grad: Float64Array, learningRate = this.o.learningRate): void {
    const b1 = this.o.beta1 ?? 0.9;
    const b2 = this.o.beta2 ?? 0.999;
    const eps = this.o.eps ?? 1e-5;
    if (this.o.maxGradNorm !== undefined) {
      let sq = 0;
      for (let i = 0; i < grad.length; i++) sq += grad[i]! * grad[i]!;
      const norm = Math.sqrt(sq);
      if (norm > this.o.maxGradNorm) {
        const s = this.o.maxGradNorm / (norm + 1e-6);
        for (let i = 0; i < grad.length; i++) grad[i]! *= s;
      }
    }
    this.t++;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (let i = 0; i < params.length; i++) {
      const g = grad[i]!;
      const m = (this.m[i] = b1 * this.m[i]! + (1 - b1) * g);
      const v = (this.v[i] = b2 * this.v[i]! + (1 - b2) * g * g);
      params[i]! -= (learningRate * (m / c1)) / (Math.sqrt(v / c2) + eps);
    }
  }
}
