/**
 * A small fully connected network in plain Float64Array math: tanh hidden layers, a linear output.
 * Parameters live in one flat array (layer by layer: W row-major [out × in], then b [out]) so that
 * Adam, gradient clipping and the ONNX export walk one buffer. Loops run in a fixed order, so the
 * same parameters and inputs give bit-identical outputs (no threads, no BLAS reordering).
 *
 * Hand-written on purpose: no maintained numeric library with autograd is installed, and the
 * network is tiny (e.g. 26 → 64 → 64 → 6). Gradients are checked against finite differences in
 * test/unit/train/mlp.test.ts.
 */
export interface MlpShape {
  /** layer widths, input first, output last, e.g. [26, 64, 64, 6] */
  readonly sizes: readonly number[];
}

export interface LayerView {
  readonly inSize: number;
  readonly outSize: number;
  /** offset of W in the flat parameter array */
  readonly w: number;
  /** offset of b */
  readonly b: number;
}

export function layerViews(shape: MlpShape): LayerView[] {
  const views: LayerView[] = [];
  let off = 0;
  for (let l = 0; l + 1 < shape.sizes.length; l++) {
    const inSize = shape.sizes[l]!;
    const outSize = shape.sizes[l + 1]!;
    views.push({ inSize, outSize, w: off, b: off + inSize * outSize });
    off += inSize * outSize + outSize;
  }
  return views;
}

export function parameterCount(shape: MlpShape): number {
  const v = layerViews(shape);
  const last = v[v.length - 1]!;
  return last.b + last.outSize;
}

/**
 * Orthogonal-like initialisation is what SB3 uses; a scaled uniform (LeCun) is enough for a network
 * this small. `outScale` shrinks the last layer (SB3 uses 0.01 for the policy head so the first
 * policy is near uniform, 1 for the value head).
 */
export function initParameters(shape: MlpShape, uniform: () => number, outScale: number): Float64Array {
  const params = new Float64Array(parameterCount(shape));
  const views = layerViews(shape);
  views.forEach((v, l) => {
    const limit = Math.sqrt(3 / v.inSize) * (l === views.length - 1 ? outScale : 1);
    for (let i = 0; i < v.inSize * v.outSize; i++) params[v.w + i] = (2 * uniform() - 1) * limit;
  });
  return params;
}

/** Activations of one forward pass over a batch, kept for backward. */
export interface ForwardCache {
  readonly batch: number;
  /** acts[0] = input, acts[l] = output of layer l (tanh for hidden, linear for the last) */
  readonly acts: Float64Array[];
}

export function forward(
  shape: MlpShape,
  params: Float64Array,
  input: Float64Array,
  batch: number,
): ForwardCache {
  const views = layerViews(shape);
  const acts: Float64Array[] = [input];
  let x = input;
  for (let l = 0; l < views.length; l++) {
    const v = views[l]!;
    const inSize = v.inSize;
    const outSize = v.outSize;
    const wOff = v.w;
    const bOff = v.b;
    const y = new Float64Array(batch * outSize);
    const hidden = l < views.length - 1;
    for (let n = 0; n < batch; n++) {
      const xo = n * inSize;
      const yo = n * outSize;
      for (let o = 0; o < outSize; o++) {
        let s = params[bOff + o]!;
        const wo = wOff + o * inSize;
        for (let i = 0; i < inSize; i++) s += params[wo + i]! * x[xo + i]!;
        y[yo + o] = hidden ? Math.tanh(s) : s;
      }
    }
    acts.push(y);
    x = y;
  }
  return { batch, acts };
}

/** The network output of a forward pass (batch × last size). */
export function outputOf(cache: ForwardCache): Float64Array {
  return cache.acts[cache.acts.length - 1]!;
}

/**
 * Adds d(loss)/d(params) into `grad` given d(loss)/d(output) (batch × out). Accumulating lets the
 * caller sum several heads or minibatches.
 */
export function backward(
  shape: MlpShape,
  params: Float64Array,
  cache: ForwardCache,
  dOut: Float64Array,
  grad: Float64Array,
): void {
  const views = layerViews(shape);
  const batch = cache.batch;
  let dy = dOut;
  for (let l = views.length - 1; l >= 0; l--) {
    const v = views[l]!;
    const inSize = v.inSize;
    const outSize = v.outSize;
    const wOff = v.w;
    const bOff = v.b;
    const x = cache.acts[l]!;
    const y = cache.acts[l + 1]!;
    const hidden = l < views.length - 1;
    const dx = new Float64Array(l > 0 ? batch * inSize : 0);
    const needDx = l > 0;
    for (let n = 0; n < batch; n++) {
      const xo = n * inSize;
      const yo = n * outSize;
      for (let o = 0; o < outSize; o++) {
        const yv = y[yo + o]!;
        // tanh' = 1 − tanh²
        const dz = hidden ? dy[yo + o]! * (1 - yv * yv) : dy[yo + o]!;
        if (dz === 0) continue;
        grad[bOff + o] = grad[bOff + o]! + dz;
        const wo = wOff + o * inSize;
        for (let i = 0; i < inSize; i++) grad[wo + i] = grad[wo + i]! + dz * x[xo + i]!;
        if (needDx) for (let i = 0; i < inSize; i++) dx[xo + i] = dx[xo + i]! + dz * params[wo + i]!;
      }
    }
    dy = dx;
  }
}
