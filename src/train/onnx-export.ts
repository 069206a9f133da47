import { onnx } from 'onnx-proto';
import { layerViews, type MlpShape } from './mlp';
import type { ActorCritic } from './ppo';

/**
 * Writes the actor-critic as an ONNX model (opset 13, IR 7) with onnx-proto's protobuf classes:
 *
 *   obs [batch, F] ─Gemm─Tanh─Gemm─Tanh─Gemm→ logits [batch, A] ─Softmax→ probs [batch, A]
 *                  └(value head, same layout)──────────────→ value [batch, 1]   (optional)
 *
 * Each Gemm uses transB=1 because our weights are stored [out × in] (PyTorch's nn.Linear layout, so
 * an SB3 export has the same graph). Weights are written as float32: the exported model matches
 * the float64 forward pass to ~1e-6 (checked in test/integration/adapters/onnx).
 */
export interface OnnxExportOptions {
  readonly inputName?: string;
  readonly includeValue?: boolean;
  /** free-form key/values stored in the model's metadata_props (e.g. feature version) */
  readonly metadata?: Readonly<Record<string, string>>;
}

export const OPSET = 13;

function tensor(name: string, dims: number[], data: ArrayLike<number>): onnx.ITensorProto {
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from(data, Math.fround) };
}

function valueInfo(name: string, dims: Array<number | string>): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function mlpNodes(
  prefix: string,
  shape: MlpShape,
  params: Float64Array,
  input: string,
  output: string,
): { nodes: onnx.INodeProto[]; inits: onnx.ITensorProto[] } {
  const nodes: onnx.INodeProto[] = [];
  const inits: onnx.ITensorProto[] = [];
  const views = layerViews(shape);
  let x = input;
  views.forEach((v, l) => {
    const w = `${prefix}.${l}.weight`;
    const b = `${prefix}.${l}.bias`;
    inits.push(tensor(w, [v.outSize, v.inSize], params.subarray(v.w, v.w + v.inSize * v.outSize)));
    inits.push(tensor(b, [v.outSize], params.subarray(v.b, v.b + v.outSize)));
    const last = l === views.length - 1;
    const gemmOut = last ? output : `${prefix}.${l}.gemm`;
    nodes.push({
      opType: 'Gemm',
      name: `${prefix}_gemm_${l}`,
      input: [x, w, b],
      output: [gemmOut],
      attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
    });
    if (!last) {
      const act = `${prefix}.${l}.tanh`;
      nodes.push({ opType: 'Tanh', name: `${prefix}_tanh_${l}`, input: [gemmOut], output: [act] });
      x = act;
    }
  });
  return { nodes, inits };
}

/** The model bytes. Deterministic: the same parameters give the same bytes. */
export function exportActorCriticOnnx(model: ActorCritic, o: OnnxExportOptions = {}): Uint8Array {
  const input = o.inputName ?? 'obs';
  const F = model.policyShape.sizes[0]!;
  const A = model.policyShape.sizes[model.policyShape.sizes.length - 1]!;
  const pi = mlpNodes('pi', model.policyShape, model.policy, input, 'logits');
  const nodes = [...pi.nodes];
  const inits = [...pi.inits];
  nodes.push({
    opType: 'Softmax',
    name: 'softmax',
    input: ['logits'],
    output: ['probs'],
    attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }],
  });
  const outputs = [valueInfo('logits', ['batch', A]), valueInfo('probs', ['batch', A])];
  if (o.includeValue ?? true) {
    const vf = mlpNodes('vf', model.valueShape, model.value, input, 'value');
    nodes.push(...vf.nodes);
    inits.push(...vf.inits);
    outputs.push(valueInfo('value', ['batch', 1]));
  }
  const modelProto = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'maestro-train',
    producerVersion: '1',
    opsetImport: [{ domain: '', version: OPSET }],
    metadataProps: Object.entries(o.metadata ?? {})
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, value]) => ({ key, value })),
    graph: {
      name: 'maestro_actor_critic',
      node: nodes,
      initializer: inits,
      input: [valueInfo(input, ['batch', F])],
      output: outputs,
    },
  });
  return onnx.ModelProto.encode(modelProto).finish();
}
