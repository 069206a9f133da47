import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { MaestroError } from '../../core/errors';
import { featureCard } from '../../core/features';
import type { ModelRunner } from '../../core/ports';
import { cardPathFor, modelCardSchema, type ModelCard } from './model-card';

/**
 * Loads an ONNX policy model with onnxruntime-node and checks it against its card and this build's
 * feature encoding before it may decide anything. Every refusal is a terminal MODEL_INVALID error
 * naming the file and what differs (expected vs actual), so the operator knows what to fix.
 */
export interface LoadedModel extends ModelRunner {
  readonly path: string;
  readonly card: ModelCard;
  close(): Promise<void>;
}

function invalid(file: string, message: string, data: Record<string, unknown> = {}): MaestroError {
  return new MaestroError('MODEL_INVALID', `${file}: ${message}`, { data: { file, ...data } });
}

/** Reads and validates the card (zod problems as `path: message`). */
export function readModelCard(cardPath: string): ModelCard {
  let text: string;
  try {
    text = readFileSync(cardPath, 'utf8');
  } catch (e) {
    throw invalid(
      cardPath,
      `cannot read the model card (${(e as Error).message}); it must sit beside the model`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalid(cardPath, `not JSON: ${(e as Error).message}`);
  }
  const r = modelCardSchema.safeParse(json);
  if (!r.success) {
    const problems = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw invalid(cardPath, `invalid model card: ${problems.join('; ')}`, { problems });
  }
  return r.data;
}

function shapeText(shape: ReadonlyArray<number | string>): string {
  return `[${shape.map((d) => (typeof d === 'string' ? d : String(d))).join(', ')}]`;
}

export async function loadOnnxModel(path: string): Promise<LoadedModel> {
  const card = readModelCard(cardPathFor(path));
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw invalid(path, `cannot read the model (${(e as Error).message})`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== card.model.sha256) {
    throw invalid(
      path,
      `sha256 ${sha256} does not match the card's ${card.model.sha256}: card and model differ`,
    );
  }
  const expected = featureCard(card.input.featureSet);
  if (card.input.featureVersion !== expected.featureVersion) {
    throw invalid(
      path,
      `model was trained on ${card.input.featureSet} feature version ${card.input.featureVersion}, this build encodes version ${expected.featureVersion}; retrain it`,
    );
  }
  const cardNames = card.input.features.map((f) => f.name).join(',');
  const ourNames = expected.features.map((f) => f.name).join(',');
  if (cardNames !== ourNames) {
    throw invalid(path, `card feature order [${cardNames}] differs from this build's [${ourNames}]`);
  }
  if (card.input.shape[1] !== expected.inputLength) {
    throw invalid(
      path,
      `card input width ${card.input.shape[1]} does not match the ${expected.inputLength} features of ${card.input.featureSet} v${expected.featureVersion}`,
      { expected: expected.inputLength, actual: card.input.shape[1] },
    );
  }
  let session: ort.InferenceSession;
  try {
    // one thread: decisions are tiny, and the agent shares its cores
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  } catch (e) {
    throw invalid(path, `onnxruntime cannot load the model: ${(e as Error).message}`);
  }
  const fail = (message: string, data: Record<string, unknown> = {}) => {
    void session.release();
    return invalid(path, message, data);
  };
  const inMeta = session.inputMetadata.find((m) => m.name === card.input.name);
  if (!inMeta) {
    throw fail(`has no input "${card.input.name}" (inputs: ${session.inputNames.join(', ')})`);
  }
  if (inMeta.isTensor) {
    const width = inMeta.shape[inMeta.shape.length - 1];
    const expectedShape = ['batch', expected.inputLength];
    if (inMeta.shape.length !== 2 || (typeof width === 'number' && width !== expected.inputLength)) {
      throw fail(
        `input "${card.input.name}" has shape ${shapeText(inMeta.shape)}, expected ${shapeText(expectedShape)} (${expected.inputLength} = 2 × ${expected.features.length} ${card.input.featureSet} features v${expected.featureVersion})`,
        { expected: expectedShape, actual: inMeta.shape },
      );
    }
  }
  if (!session.outputNames.includes(card.output.name)) {
    throw fail(`has no output "${card.output.name}" (outputs: ${session.outputNames.join(', ')})`);
  }
  const actionCount = card.actions.length;
  const outMeta = session.outputMetadata.find((m) => m.name === card.output.name);
  if (outMeta?.isTensor && card.output.kind !== 'actions') {
    const w = outMeta.shape[outMeta.shape.length - 1];
    if (typeof w === 'number' && w !== actionCount) {
      throw fail(
        `output "${card.output.name}" has shape ${shapeText(outMeta.shape)}, but the card maps ${actionCount} actions`,
        { expected: actionCount, actual: w },
      );
    }
  }
  const inputLength = expected.inputLength;
  return {
    path,
    card,
    inputLength,
    actionCount,
    modelHash: sha256,
    async run(features: Float32Array, batch: number) {
      if (features.length !== batch * inputLength) {
        throw new MaestroError(
          'MODEL_INFERENCE',
          `${path}: got ${features.length} values for ${batch} row(s) of ${inputLength}`,
        );
      }
      let out: ort.InferenceSession.OnnxValueMapType;
      try {
        out = await session.run(
          { [card.input.name]: new ort.Tensor('float32', features, [batch, inputLength]) },
          [card.output.name],
        );
      } catch (e) {
        throw new MaestroError('MODEL_INFERENCE', `${path}: inference failed: ${(e as Error).message}`, {
          cause: e,
        });
      }
      const t = out[card.output.name] as ort.Tensor;
      return { probs: toProbs(t.data as ArrayLike<number | bigint>, batch, actionCount, card.output.kind) };
    },
    async close() {
      await session.release();
    },
  };
}

/** Turns the model's output into probabilities per row (softmax for logits, one-hot for actions). */
export function toProbs(
  data: ArrayLike<number | bigint>,
  batch: number,
  actionCount: number,
  kind: ModelCard['output']['kind'],
): Float32Array {
  const probs = new Float32Array(batch * actionCount);
  for (let n = 0; n < batch; n++) {
    if (kind === 'actions') {
      const a = Number(data[n]);
      if (Number.isInteger(a) && a >= 0 && a < actionCount) probs[n * actionCount + a] = 1;
      continue;
    }
    const off = n * actionCount;
    if (kind === 'probs') {
      for (let j = 0; j < actionCount; j++) probs[off + j] = Number(data[off + j]);
      continue;
    }
    let max = -Infinity;
    for (let j = 0; j < actionCount; j++) max = Math.max(max, Number(data[off + j]));
    let sum = 0;
    for (let j = 0; j < actionCount; j++) sum += Math.exp(Number(data[off + j]) - max);
    for (let j = 0; j < actionCount; j++) probs[off + j] = Math.exp(Number(data[off + j]) - max) / sum;
  }
  return probs;
}
