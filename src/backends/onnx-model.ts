// Builds the bytes of small ONNX models (a Gemm, the fused LSTM step) without any protobuf dependency: the
// ModelProto subset we need is a handful of length-delimited fields.

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

class ProtoWriter {
  private bytes: number[] = [];

  private varint(value: number): void {
    let v = value;
    while (v > 0x7f) {
      this.bytes.push((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    this.bytes.push(v);
  }

  private key(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  int(field: number, value: number): this {
    this.key(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, WIRE_FIXED32);
    const buf = new Uint8Array(4);
    new DataView(buf.buffer).setFloat32(0, value, true);
    this.bytes.push(...buf);
    return this;
  }

  string(field: number, value: string): this {
    return this.raw(field, new TextEncoder().encode(value));
  }

  message(field: number, inner: ProtoWriter): this {
    return this.raw(field, inner.finish());
  }

  private raw(field: number, data: Uint8Array): this {
    this.key(field, WIRE_LEN);
    this.varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

const ONNX_FLOAT = 1;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

/** One operator of a graph: ONNX op type, tensor names in and out, scalar attributes (ints or floats). */
export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  ints?: Record<string, number>;
  intLists?: Record<string, number[]>;
  floats?: Record<string, number>;
}

/** A float32 graph: every dimension symbolic (named), so one model serves every size. */
export interface OnnxGraph {
  name: string;
  inputs: { name: string; dims: string[] }[];
  outputs: { name: string; dims: string[] }[];
  nodes: OnnxNode[];
}

function tensorValueInfo(name: string, dims: string[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) shape.message(1, new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, ONNX_FLOAT).message(2, shape);
  const type = new ProtoWriter().message(1, tensorType);
  return new ProtoWriter().string(1, name).message(2, type);
}

function intAttribute(name: string, value: number): ProtoWriter {
  return new ProtoWriter().string(1, name).int(3, value).int(20, ATTR_INT);
}

function intListAttribute(name: string, values: number[]): ProtoWriter {
  const a = new ProtoWriter().string(1, name);
  for (const v of values) a.int(8, v);
  return a.int(20, ATTR_INTS);
}

function floatAttribute(name: string, value: number): ProtoWriter {
  return new ProtoWriter().string(1, name).float(2, value).int(20, ATTR_FLOAT);
}

/** The bytes of an opset-13 ModelProto holding `graph`. */
export function buildOnnxModel(graph: OnnxGraph): Uint8Array {
  const g = new ProtoWriter();
  graph.nodes.forEach((n, i) => {
    const node = new ProtoWriter();
    for (const input of n.inputs) node.string(1, input);
    for (const output of n.outputs) node.string(2, output);
    node.string(3, `${n.op.toLowerCase()}${i}`).string(4, n.op);
    for (const [name, value] of Object.entries(n.ints ?? {})) node.message(5, intAttribute(name, value));
    for (const [name, value] of Object.entries(n.intLists ?? {})) node.message(5, intListAttribute(name, value));
    for (const [name, value] of Object.entries(n.floats ?? {})) node.message(5, floatAttribute(name, value));
    g.message(1, node);
  });
  g.string(2, graph.name);
  for (const v of graph.inputs) g.message(11, tensorValueInfo(v.name, v.dims));
  for (const v of graph.outputs) g.message(12, tensorValueInfo(v.name, v.dims));
  const opset = new ProtoWriter().string(1, '').int(2, 13);
  return new ProtoWriter().int(1, 8).string(2, 'memsig').message(7, g).message(8, opset).finish();
}

/**
 * Y = op(A)·op(B) (+ C when withBias; C has Y's shape), all dimensions symbolic so one model serves every size.
 * With `relu`, Y = relu(that): onnxruntime's graph optimizer fuses the pair into one FusedGemm.
 */
export function buildGemmModel(transA: boolean, transB: boolean, withBias: boolean, relu = false): Uint8Array {
  const inputs = [
    { name: 'A', dims: transA ? ['K', 'M'] : ['M', 'K'] },
    { name: 'B', dims: transB ? ['N', 'K'] : ['K', 'N'] },
  ];
  if (withBias) inputs.push({ name: 'C', dims: ['M', 'N'] });
  return buildOnnxModel({
    name: 'memsig_gemm',
    inputs,
    outputs: [{ name: 'Y', dims: ['M', 'N'] }],
    nodes: [
      {
        op: 'Gemm',
        inputs: inputs.map((i) => i.name),
        outputs: [relu ? 'P' : 'Y'],
        ints: { transA: transA ? 1 : 0, transB: transB ? 1 : 0 },
        floats: { alpha: 1, beta: 1 },
      },
      ...(relu ? [{ op: 'Relu', inputs: ['P'], outputs: ['Y'] }] : []),
    ],
  });
}

/**
 * One LSTM step, gate-major (see LstmStep in core/gemm.ts): P = W·Hp + X + Bias split into the four gate blocks,
 * then i, f, o = σ, g = tanh, C = f⊙Cp + i⊙g, TC = tanh(C), Hn = o⊙TC.
 */
export function buildLstmStepModel(): Uint8Array {
  const unit = ['H', 'B'];
  return buildOnnxModel({
    name: 'memsig_lstm_step',
    inputs: [
      { name: 'W', dims: ['G', 'H'] },
      { name: 'Hp', dims: unit },
      { name: 'X', dims: ['G', 'B'] },
      { name: 'Bias', dims: ['G', 'One'] },
      { name: 'Cp', dims: unit },
    ],
    outputs: ['I', 'F', 'Gt', 'O', 'C', 'TC', 'Hn'].map((name) => ({ name, dims: unit })),
    nodes: [
      { op: 'Gemm', inputs: ['W', 'Hp', 'X'], outputs: ['P'], floats: { alpha: 1, beta: 1 } },
      { op: 'Add', inputs: ['P', 'Bias'], outputs: ['Q'] },
      { op: 'Split', inputs: ['Q'], outputs: ['Qi', 'Qf', 'Qg', 'Qo'], ints: { axis: 0 } },
      { op: 'Sigmoid', inputs: ['Qi'], outputs: ['I'] },
      { op: 'Sigmoid', inputs: ['Qf'], outputs: ['F'] },
      { op: 'Tanh', inputs: ['Qg'], outputs: ['Gt'] },
      { op: 'Sigmoid', inputs: ['Qo'], outputs: ['O'] },
      { op: 'Mul', inputs: ['F', 'Cp'], outputs: ['FC'] },
      { op: 'Mul', inputs: ['I', 'Gt'], outputs: ['IG'] },
      { op: 'Add', inputs: ['FC', 'IG'], outputs: ['C'] },
      { op: 'Tanh', inputs: ['C'], outputs: ['TC'] },
      { op: 'Mul', inputs: ['O', 'TC'], outputs: ['Hn'] },
    ],
  });
}

/**
 * One GRU step, gate-major (see GruStep in core/gemm.ts): P = W·Hk + Bh split into the r, z and n blocks (the n
 * block is HN), X + Bi likewise; r, z = σ(x-part + h-part), N = tanh(Xn + r⊙HN), Hn = N + z⊙(Hp − N).
 */
export function buildGruStepModel(): Uint8Array {
  const unit = ['H', 'B'];
  return buildOnnxModel({
    name: 'memsig_gru_step',
    inputs: [
      { name: 'W', dims: ['G', 'H'] },
      { name: 'Hk', dims: unit },
      { name: 'X', dims: ['G', 'B'] },
      { name: 'Bi', dims: ['G', 'One'] },
      { name: 'Bh', dims: ['G', 'One'] },
      { name: 'Hp', dims: unit },
    ],
    outputs: ['R', 'Z', 'N', 'HN', 'Hn'].map((name) => ({ name, dims: unit })),
    nodes: [
      { op: 'Gemm', inputs: ['W', 'Hk', 'Bh'], outputs: ['P'], floats: { alpha: 1, beta: 1 } },
      { op: 'Split', inputs: ['P'], outputs: ['Pr', 'Pz', 'HN'], ints: { axis: 0 } },
      { op: 'Add', inputs: ['X', 'Bi'], outputs: ['XB'] },
      { op: 'Split', inputs: ['XB'], outputs: ['Xr', 'Xz', 'Xn'], ints: { axis: 0 } },
      { op: 'Add', inputs: ['Xr', 'Pr'], outputs: ['Ar'] },
      { op: 'Sigmoid', inputs: ['Ar'], outputs: ['R'] },
      { op: 'Add', inputs: ['Xz', 'Pz'], outputs: ['Az'] },
      { op: 'Sigmoid', inputs: ['Az'], outputs: ['Z'] },
      { op: 'Mul', inputs: ['R', 'HN'], outputs: ['RH'] },
      { op: 'Add', inputs: ['Xn', 'RH'], outputs: ['An'] },
      { op: 'Tanh', inputs: ['An'], outputs: ['N'] },
      { op: 'Sub', inputs: ['Hp', 'N'], outputs: ['D'] },
      { op: 'Mul', inputs: ['Z', 'D'], outputs: ['ZD'] },
      { op: 'Add', inputs: ['N', 'ZD'], outputs: ['Hn'] },
    ],
  });
}
