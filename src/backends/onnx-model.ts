// Builds the bytes of a one-node ONNX model (a Gemm) without any protobuf dependency:
// the ModelProto subset we need is a handful of length-delimited fields.

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

function floatAttribute(name: string, value: number): ProtoWriter {
  return new ProtoWriter().string(1, name).float(2, value).int(20, ATTR_FLOAT);
}

/**
 * Y = op(A)·op(B) (+ C when withBias; C has Y's shape), all dimensions symbolic so one model serves every size.
 */
export function buildGemmModel(transA: boolean, transB: boolean, withBias: boolean): Uint8Array {
  const aDims = transA ? ['K', 'M'] : ['M', 'K'];
  const bDims = transB ? ['N', 'K'] : ['K', 'N'];
  const node = new ProtoWriter().string(1, 'A').string(1, 'B');
  if (withBias) node.string(1, 'C');
  node
    .string(2, 'Y')
    .string(3, 'gemm')
    .string(4, 'Gemm')
    .message(5, intAttribute('transA', transA ? 1 : 0))
    .message(5, intAttribute('transB', transB ? 1 : 0))
    .message(5, floatAttribute('alpha', 1))
    .message(5, floatAttribute('beta', 1));
  const graph = new ProtoWriter().message(1, node).string(2, 'memsig_gemm');
  graph.message(11, tensorValueInfo('A', aDims)).message(11, tensorValueInfo('B', bDims));
  if (withBias) graph.message(11, tensorValueInfo('C', ['M', 'N']));
  graph.message(12, tensorValueInfo('Y', ['M', 'N']));
  const opset = new ProtoWriter().string(1, '').int(2, 13);
  return new ProtoWriter().int(1, 8).string(2, 'memsig').message(7, graph).message(8, opset).finish();
}
