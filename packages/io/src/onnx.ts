// ONNX export: a Model, a Sequential or a single layer as an ONNX graph that onnxruntime (or any ONNX
// runtime) can run. Inference only: Dropout is left out, as in eval mode.
import { Tensor, type DType, ValueError, TensorgradError, noGrad } from '@tensorgrad/core';
import { Module, registeredLayers, type OnnxGraphBuilder } from '@tensorgrad/nn';
import { ProtoWriter } from './protobuf.js';

/** A model, layer, option or sample input that cannot be exported to ONNX. */
export class OnnxExportError extends ValueError {}

export interface OnnxExportOptions {
  /** ONNX operator set, 13 to 21 (default 17). */
  opset?: number;
  /** Name of the graph's input (default 'input'). */
  inputName?: string;
  /** Name of the graph's output (default 'output'). */
  outputName?: string;
  /** Make the first (batch) dimension symbolic, 'batch', so any number of rows can be fed (default true). */
  dynamicBatch?: boolean;
  /** Written as the model's producer_name (default 'tensorgrad'). */
  producerName?: string;
}

// Field numbers from onnx.proto.
const MODEL = { irVersion: 1, producerName: 2, graph: 7, opsetImport: 8 };
const OPSET_ID = { domain: 1, version: 2 };
const GRAPH = { node: 1, name: 2, initializer: 5, input: 11, output: 12 };
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 };
const ATTRIBUTE = { name: 1, f: 2, i: 3, ints: 8, type: 20 };
const ATTRIBUTE_TYPE = { float: 1, int: 2, ints: 7 };
const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9 };
const VALUE_INFO = { name: 1, type: 2 };
const TYPE = { tensorType: 1 };
const TYPE_TENSOR = { elemType: 1, shape: 2 };
const SHAPE = { dim: 1 };
const DIMENSION = { value: 1, param: 2 };

/** TensorProto.DataType of the float dtypes. */
const ELEM_TYPE: Partial<Record<DType, number>> = { float32: 1, float64: 11 };
/** TensorProto.DataType INT64: shapes, axes and indices (Reshape, Slice, Gather's inputs). */
const INT64 = 7;

/** The lowest IR version each opset needs (onnx's release table). From 13: Softmax acts on one axis, as ours. */
const IR_VERSION: Record<number, number> = { 13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

/** The registered layers that lower themselves to ONNX, for error messages. */
function supported(): string {
  return registeredLayers().filter((cls) => typeof cls.prototype.toOnnx === 'function').map((cls) => cls.typeName).join(', ');
}

interface Attribute {
  name: string;
  kind: 'float' | 'int' | 'ints';
  value: number | readonly number[];
}

interface OnnxNode {
  op: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Attribute[];
}

interface Initializer {
  name: string;
  dtype: DType | 'int64';
  shape: readonly number[];
  data: ArrayLike<number>;
}

/**
 * The model as an ONNX ModelProto. `model` is a `Model` or `Sequential` (nested ones too) of the supported layers,
 * or one such layer. It is run once on `sampleInput` (in eval mode, without recording) to check that the input
 * fits and to learn the output's shape; the sample's shape and dtype (float32 or float64, matching the model's
 * parameters) become the graph input's, its first dimension symbolic ('batch') unless `dynamicBatch` is false.
 * Dense becomes MatMul + Add with the parameters as initializers named as `stateDict()` names them.
 * The model's parameters and its training/eval mode are left as they were. (exportOnnx, in files.node.ts, also
 * writes the bytes to a file.)
 */
export function onnxToBytes(model: Module, sampleInput: Tensor, options: OnnxExportOptions = {}, where = 'onnxToBytes'): Uint8Array {
  if (!(model instanceof Module)) throw new OnnxExportError(`${where}: model must be a Module (a Model, a Sequential or a layer)`);
  const opset = options.opset ?? 17;
  // hasOwn: an opset such as 'constructor' must not find Object.prototype's members
  const irVersion = Number.isInteger(opset) && Object.hasOwn(IR_VERSION, opset) ? IR_VERSION[opset] : undefined;
  if (irVersion === undefined) throw new OnnxExportError(`${where}: opset must be an integer from 13 to 21, got ${String(opset)}`);
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  if (inputName === '' || outputName === '' || inputName === outputName) {
    throw new OnnxExportError(`${where}: inputName and outputName must be different non-empty names, got '${inputName}' and '${outputName}'`);
  }
  if (!(sampleInput instanceof Tensor)) throw new OnnxExportError(`${where}: sampleInput must be a Tensor`);
  const dtype = sampleInput.dtype;
  const elemType = ELEM_TYPE[dtype];
  if (elemType === undefined) throw new OnnxExportError(`${where}: the sample input is ${dtype}; it must be float32 or float64`);
  if (sampleInput.ndim === 0) throw new OnnxExportError(`${where}: the sample input must have at least one dimension, got a scalar`);

  // Lower every layer before running anything, so an unsupported one (or one of another dtype) is reported as such.
  const graph = new GraphBuilder(dtype, elemType, opset, new Map(Object.entries(model.stateDict({ keepVars: true })).map(([name, p]) => [p, name])), where);
  const result = graph.lower(model, '', inputName);
  const output = runInEvalMode(model, graph.paths, sampleInput, where);
  const { nodes, initializers } = graph;
  const internal = new Set([...initializers.keys(), ...nodes.map((n) => n.outputs[0])]);
  for (const name of [inputName, outputName]) {
    if (internal.has(name)) throw new OnnxExportError(`${where}: '${name}' already names a value inside the graph; choose another input/output name`);
  }
  // The last node writes the graph output directly; otherwise (a graph of identities) an Identity node does.
  const last = nodes[nodes.length - 1];
  if (last !== undefined && last.outputs[0] === result) last.outputs[0] = outputName;
  else nodes.push({ op: 'Identity', name: 'Identity', inputs: [result], outputs: [outputName], attributes: [] });

  const dynamic = options.dynamicBatch ?? true;
  const proto = new ProtoWriter();
  for (const n of nodes) proto.message(GRAPH.node, encodeNode(n));
  proto.string(GRAPH.name, 'tensorgrad');
  for (const t of initializers.values()) proto.message(GRAPH.initializer, encodeTensor(t));
  proto.message(GRAPH.input, valueInfo(inputName, elemType, sampleInput.shape, dynamic));
  proto.message(GRAPH.output, valueInfo(outputName, elemType, output.shape, dynamic && sampleInput.ndim >= 2 && output.shape[0] === sampleInput.shape[0]));

  return new ProtoWriter()
    .varint(MODEL.irVersion, irVersion)
    .string(MODEL.producerName, options.producerName ?? 'tensorgrad')
    .message(MODEL.graph, proto)
    .message(MODEL.opsetImport, new ProtoWriter().string(OPSET_ID.domain, '').varint(OPSET_ID.version, opset))
    .finish()
    .slice();
}

function describe(layer: Module, path: string): string {
  const name = layer.constructor.name;
  return path === '' ? `the model itself (${name})` : `layer ${path} (${name})`;
}

/** The graph being built: each layer's toOnnx adds its nodes through this (nn's OnnxGraphBuilder). */
class GraphBuilder implements OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = [];
  /** By name: a layer used twice stores its parameters once. */
  readonly initializers = new Map<string, Initializer>();
  /** Every layer lowered, with its path (`layers.1.layers.0`, the parameter name prefixes). */
  readonly paths = new Map<Module, string>();
  private readonly names = new Set<string>();
  private path = '';
  private current: Module | null = null;

  constructor(readonly dtype: DType, readonly elemType: number, readonly opset: number, private readonly paramNames: Map<Tensor, string>, private readonly where: string) {}

  private prefix(): string {
    return this.path === '' ? 'layer' : this.path;
  }

  node(op: string, inputs: readonly string[], attributes: Record<string, number | readonly number[]> = {}, floats: readonly string[] = []): string {
    const base = `${this.prefix()}.${op}`;
    let name = base;
    for (let k = 2; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    const attrs = Object.entries(attributes).map(([n, value]): Attribute => ({
      name: n, kind: typeof value !== 'number' ? 'ints' : floats.includes(n) ? 'float' : 'int', value,
    }));
    this.nodes.push({ op, name, inputs: [...inputs], outputs: [name], attributes: attrs });
    return name;
  }

  parameter(t: Tensor): string {
    if (t.dtype !== this.dtype) {
      throw new OnnxExportError(
        `${this.where}: ${describe(this.current!, this.path)} has ${t.dtype} parameters but the sample input is ${this.dtype}; ` +
          `an ONNX graph computes in one type: pass sampleInput.astype('${t.dtype}')`,
      );
    }
    const name = this.paramNames.get(t) ?? `${this.prefix()}.parameter${this.initializers.size}`;
    this.initializers.set(name, { name, dtype: t.dtype, shape: t.shape, data: t.data });
    return name;
  }

  scalar(name: string, value: number): string {
    const full = `${this.prefix()}.${name}`;
    this.initializers.set(full, { name: full, dtype: this.dtype, shape: [], data: [value] });
    return full;
  }

  int64s(name: string, values: readonly number[]): string {
    const full = `${this.prefix()}.${name}`;
    this.initializers.set(full, { name: full, dtype: 'int64', shape: [values.length], data: values });
    return full;
  }

  layer(child: Module, path: string, input: string): string {
    return this.lower(child, this.path === '' ? path : `${this.path}.${path}`, input);
  }

  lower(layer: Module, path: string, input: string): string {
    if (typeof layer.toOnnx !== 'function') {
      throw new OnnxExportError(`${this.where}: ${describe(layer, path)} is not supported (supported: ${supported()}, and Models of them)`);
    }
    if (!this.paths.has(layer)) this.paths.set(layer, path);
    const outer = [this.path, this.current] as const;
    [this.path, this.current] = [path, layer];
    try {
      return layer.toOnnx(this, input);
    } finally {
      [this.path, this.current] = outer;
    }
  }
}

/**
 * Runs the model on the sample in eval mode without recording; an error names the innermost layer it came from
 * (each layer's forward is wrapped for the run). Puts every module's training flag back.
 */
function runInEvalMode(model: Module, paths: Map<Module, string>, sample: Tensor, where: string): Tensor {
  const modes = model.modules().map((m) => [m, m.training] as const);
  const named = new WeakSet<object>();
  model.eval();
  const own = [...paths.keys()].map((layer) => [layer, Object.getOwnPropertyDescriptor(layer, 'forward')] as const);
  for (const [layer, path] of paths) {
    const forward = layer.forward;
    layer.forward = (x: Tensor) => {
      try {
        return forward.call(layer, x);
      } catch (err) {
        if (err instanceof TensorgradError && !named.has(err)) {
          err.message = `${where}: running ${describe(layer, path)} on the sample input: ${err.message}`;
          named.add(err);
        }
        throw err;
      }
    };
  }
  try {
    return noGrad(() => model.forward(sample));
  } finally {
    for (const [layer, d] of own) {
      if (d === undefined) delete (layer as Partial<Module>).forward; // back to the class's own
      else Object.defineProperty(layer, 'forward', d);
    }
    for (const [m, training] of modes) m.training = training;
  }
}

function encodeNode(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(NODE.input, i);
  for (const o of n.outputs) w.string(NODE.output, o);
  w.string(NODE.name, n.name).string(NODE.opType, n.op);
  for (const a of n.attributes) {
    const attr = new ProtoWriter().string(ATTRIBUTE.name, a.name).varint(ATTRIBUTE.type, ATTRIBUTE_TYPE[a.kind]);
    if (typeof a.value !== 'number') for (const v of a.value) attr.varint(ATTRIBUTE.ints, v);
    else if (a.kind === 'float') attr.float(ATTRIBUTE.f, a.value);
    else attr.varint(ATTRIBUTE.i, a.value);
    w.message(NODE.attribute, attr);
  }
  return w;
}

/** A TensorProto with its values as little-endian raw_data. */
function encodeTensor(t: Initializer): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.shape) w.varint(TENSOR.dims, d);
  w.varint(TENSOR.dataType, t.dtype === 'int64' ? INT64 : ELEM_TYPE[t.dtype]!).string(TENSOR.name, t.name);
  const size = t.dtype === 'float64' || t.dtype === 'int64' ? 8 : 4;
  const raw = new Uint8Array(t.data.length * size);
  const view = new DataView(raw.buffer);
  if (t.dtype === 'int64') for (let i = 0; i < t.data.length; i++) view.setBigInt64(8 * i, BigInt(t.data[i]), true);
  else if (size === 8) for (let i = 0; i < t.data.length; i++) view.setFloat64(8 * i, t.data[i], true);
  else for (let i = 0; i < t.data.length; i++) view.setFloat32(4 * i, t.data[i], true);
  return w.bytes(TENSOR.rawData, raw);
}

function valueInfo(name: string, elemType: number, shape: readonly number[], dynamicBatch: boolean): ProtoWriter {
  const dims = new ProtoWriter();
  shape.forEach((d, i) => {
    const dim = new ProtoWriter();
    if (i === 0 && dynamicBatch && shape.length >= 2) dim.string(DIMENSION.param, 'batch');
    else dim.varint(DIMENSION.value, d);
    dims.message(SHAPE.dim, dim);
  });
  const tensorType = new ProtoWriter().varint(TYPE_TENSOR.elemType, elemType).message(TYPE_TENSOR.shape, dims);
  return new ProtoWriter().string(VALUE_INFO.name, name).message(VALUE_INFO.type, new ProtoWriter().message(TYPE.tensorType, tensorType));
}
