// Minimal ONNX graph builder on top of onnx-proto (protobufjs).
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto as unknown as { onnx: typeof import('onnx-proto').onnx };

export const OPSET = 17;

type AttrValue =
  number | number[] | string | { float: number } | { floats: number[] } | { tensor: Float32Array; dims: number[] };

export interface GraphIO {
  name: string;
  /** Dimensions; strings are symbolic (dynamic). */
  dims: Array<number | string>;
  elemType?: number;
}

export class GraphBuilder {
  private nodes: import('onnx-proto').onnx.INodeProto[] = [];
  private inits: import('onnx-proto').onnx.ITensorProto[] = [];
  private counter = 0;
  /** Multiply-accumulate count of the heavy ops, per image (filled by the caller). */
  macs = 0;

  constructor(public readonly name: string) {}

  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /** Add a float32 initializer; returns its name. */
  constF(name: string, data: Float32Array | number[], dims: number[]): string {
    const arr = data instanceof Float32Array ? data : Float32Array.from(data);
    const n = dims.reduce((a, b) => a * b, 1);
    if (arr.length !== n) throw new Error(`initializer ${name}: ${arr.length} values for dims [${dims}]`);
    const nm = this.fresh(name);
    this.inits.push({
      name: nm,
      dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength),
    });
    return nm;
  }

  constI64(name: string, data: number[], dims?: number[]): string {
    const nm = this.fresh(name);
    const buf = new BigInt64Array(data.map((v) => BigInt(v)));
    this.inits.push({
      name: nm,
      dims: dims ?? [data.length],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: new Uint8Array(buf.buffer),
    });
    return nm;
  }

  /** Append a node; returns its output names. */
  op(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    nOut = 1,
    domain?: string,
    name?: string,
  ): string[] {
    const outputs = Array.from({ length: nOut }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push({
      opType,
      domain: domain ?? '',
      name: this.fresh(name ?? 'n_' + opType),
      input: inputs,
      output: outputs,
      attribute: Object.entries(attrs).map(([name, v]) => attr(name, v)),
    });
    return outputs;
  }

  /** One-output node; `name` (a prefix, made unique) tags nodes that later passes look for. */
  op1(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, name?: string): string {
    return this.op(opType, inputs, attrs, 1, undefined, name)[0];
  }

  /** Rename a value by an Identity node (for graph outputs). */
  output(value: string, name: string): void {
    this.nodes.push({ opType: 'Identity', name: this.fresh('n_out'), input: [value], output: [name] });
  }

  encode(inputs: GraphIO[], outputs: GraphIO[]): Uint8Array {
    const vi = (io: GraphIO) => ({
      name: io.name,
      type: {
        tensorType: {
          elemType: io.elemType ?? onnx.TensorProto.DataType.FLOAT,
          shape: { dim: io.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
        },
      },
    });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'ssg-studio',
      producerVersion: '1',
      opsetImport: [{ domain: '', version: OPSET }],
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.inits,
        input: inputs.map(vi),
        output: outputs.map(vi),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function attr(name: string, v: AttrValue): import('onnx-proto').onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if (typeof v === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: T.FLOATS, floats: v.floats };
  const t = v.tensor;
  return {
    name,
    type: T.TENSOR,
    t: {
      dims: v.dims,
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: new Uint8Array(t.buffer, t.byteOffset, t.byteLength),
    },
  };
}
