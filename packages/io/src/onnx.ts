// ONNX export: a Model, a Sequential or a single layer as an ONNX graph that onnxruntime (or any ONNX
// runtime) can run. Inference only: Dropout is left out, as in eval mode.
import { Tensor, type DType, ValueError, TensorgradError, noGrad } from '@tensorgrad/core';
import { Module, Dense, Dropout, Sequential, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, Linear, Step, Model } from '@tensorgrad/nn';
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
const ATTRIBUTE = { name: 1, f: 2, i: 3, type: 20 };
const ATTRIBUTE_TYPE = { float: 1, int: 2 };
const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9 };
const VALUE_INFO = { name: 1, type: 2 };
const TYPE = { tensorType: 1 };
const TYPE_TENSOR = { elemType: 1, shape: 2 };
const SHAPE = { dim: 1 };
const DIMENSION = { value: 1, param: 2 };

/** TensorProto.DataType of the float dtypes. */
const ELEM_TYPE: Partial<Record<DType, number>> = { float32: 1, float64: 11 };

/** The lowest IR version each opset needs (onnx's release table). From 13: Softmax acts on one axis, as ours. */
const IR_VERSION: Record<number, number> = { 13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

const SUPPORTED = 'Dense, Dropout, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, Linear, Step, and Sequential/Model of them';

interface Attribute {
  name: string;
  kind: 'float' | 'int';
  value: number;
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
  dtype: DType;
  shape: readonly number[];
  data: ArrayLike<number>;
}

/**
 * The model as an ONNX ModelProto. `model` is a `Model` or `Sequential` (nested ones too) of the supported layers,
 * or one such layer. It is run once on `sampleInput` (in eval mode, without recording) to check that the input
 * fits and to learn the output's shape; the sample's shape and dtype (float32 or float64, matching the model's
 * parameters) become the graph input's, its first dimension symbolic ('batch') unless `dynamicBatch` is false.
 * Dense becomes MatMul + Add with the parameters as initializers named as `namedParameters()` names them.
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

  const layers = flatten(model);
  const paramNames = new Map(model.namedParameters().map(([name, p]) => [p, name]));
  // Check every layer before running anything, so an unsupported one is reported as such.
  for (const { layer, path } of layers) {
    if (!isSupported(layer)) {
      throw new OnnxExportError(`${where}: ${describe(layer, path)} is not supported (supported: ${SUPPORTED})`);
    }
    if (layer instanceof Dense && layer.weights.dtype !== dtype) {
      throw new OnnxExportError(
        `${where}: ${describe(layer, path)} has ${layer.weights.dtype} parameters but the sample input is ${dtype}; ` +
          `an ONNX graph computes in one type: pass sampleInput.astype('${layer.weights.dtype}')`,
      );
    }
  }
  const output = runInEvalMode(model, layers, sampleInput);

  const nodes: OnnxNode[] = [];
  const initializers = new Map<string, Initializer>(); // by name: a layer used twice stores its parameters once
  let current = inputName;
  for (const { layer, path } of layers) {
    const p = path === '' ? 'layer' : path;
    const node = (op: string, inputs: string[], out: string, attributes: Attribute[] = []) => {
      nodes.push({ op, name: `${p}.${op}`, inputs, outputs: [out], attributes });
      current = out;
    };
    if (layer instanceof Dense) {
      const w = paramNames.get(layer.weights) ?? `${p}.weights`;
      const b = paramNames.get(layer.biases) ?? `${p}.biases`;
      initializers.set(w, paramInitializer(w, layer.weights)).set(b, paramInitializer(b, layer.biases));
      node('MatMul', [current, w], `${p}.matmul`);
      node('Add', [current, b], `${p}.out`);
    } else if (layer instanceof ReLU) node('Relu', [current], `${p}.out`);
    else if (layer instanceof LeakyReLU) node('LeakyRelu', [current], `${p}.out`, [{ name: 'alpha', kind: 'float', value: layer.slope }]);
    else if (layer instanceof Sigmoid) node('Sigmoid', [current], `${p}.out`);
    else if (layer instanceof Tanh) node('Tanh', [current], `${p}.out`);
    else if (layer instanceof Softmax) node('Softmax', [current], `${p}.out`, [{ name: 'axis', kind: 'int', value: layer.axis }]);
    else if (layer instanceof Step) {
      // 1 where x > 0, else 0, in the input's type: Greater gives booleans, Cast turns them into 1 and 0.
      const zero = `${p}.zero`;
      initializers.set(zero, { name: zero, dtype, shape: [], data: [0] });
      node('Greater', [current, zero], `${p}.positive`);
      node('Cast', [current], `${p}.out`, [{ name: 'to', kind: 'int', value: elemType }]);
    }
    // Linear and Dropout (identity at inference) add nothing.
  }
  const internal = new Set([...initializers.keys(), ...nodes.map((n) => n.outputs[0])]);
  for (const name of [inputName, outputName]) {
    if (internal.has(name)) throw new OnnxExportError(`${where}: '${name}' already names a value inside the graph; choose another input/output name`);
  }
  // The last node writes the graph output directly; a graph of identities only needs one Identity node.
  if (current === inputName) nodes.push({ op: 'Identity', name: 'Identity', inputs: [inputName], outputs: [outputName], attributes: [] });
  else nodes[nodes.length - 1].outputs[0] = outputName;

  const dynamic = options.dynamicBatch ?? true;
  const graph = new ProtoWriter();
  for (const n of nodes) graph.message(GRAPH.node, encodeNode(n));
  graph.string(GRAPH.name, 'tensorgrad');
  for (const t of initializers.values()) graph.message(GRAPH.initializer, encodeTensor(t));
  graph.message(GRAPH.input, valueInfo(inputName, elemType, sampleInput.shape, dynamic));
  graph.message(GRAPH.output, valueInfo(outputName, elemType, output.shape, dynamic && sampleInput.ndim >= 2 && output.shape[0] === sampleInput.shape[0]));

  const proto = new ProtoWriter()
    .varint(MODEL.irVersion, irVersion)
    .string(MODEL.producerName, options.producerName ?? 'tensorgrad')
    .message(MODEL.graph, graph)
    .message(MODEL.opsetImport, new ProtoWriter().string(OPSET_ID.domain, '').varint(OPSET_ID.version, opset));
  return proto.finish().slice();
}

function isSupported(m: Module): boolean {
  return [Dense, Dropout, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, Linear, Step].some((cls) => m instanceof cls);
}

function describe(layer: Module, path: string): string {
  const name = layer.constructor.name;
  return path === '' ? `the model itself (${name})` : `layer ${path} (${name})`;
}

/** The layers in the order they run, with paths like `layers.2` or `layers.1.layers.0` (the parameter name prefixes). */
function flatten(m: Module, path = '', out: { layer: Module; path: string }[] = []): { layer: Module; path: string }[] {
  if (m instanceof Model || m instanceof Sequential) {
    m.layers.forEach((layer, i) => flatten(layer, `${path === '' ? '' : `${path}.`}layers.${i}`, out));
  } else {
    out.push({ layer: m, path });
  }
  return out;
}

/** Runs the layers on the sample in eval mode without recording; puts every module's training flag back. */
function runInEvalMode(model: Module, layers: { layer: Module; path: string }[], sample: Tensor): Tensor {
  const modes = model.modules().map((m) => [m, m.training] as const);
  model.eval();
  try {
    return noGrad(() => {
      let x = sample;
      for (const { layer, path } of layers) {
        try {
          x = layer.forward(x);
        } catch (err) {
          if (err instanceof TensorgradError) err.message = `exportOnnx: running ${describe(layer, path)} on the sample input: ${err.message}`;
          throw err;
        }
      }
      return x;
    });
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
}

function paramInitializer(name: string, t: Tensor): Initializer {
  return { name, dtype: t.dtype, shape: t.shape, data: t.data };
}

function encodeNode(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(NODE.input, i);
  for (const o of n.outputs) w.string(NODE.output, o);
  w.string(NODE.name, n.name).string(NODE.opType, n.op);
  for (const a of n.attributes) {
    const attr = new ProtoWriter().string(ATTRIBUTE.name, a.name).varint(ATTRIBUTE.type, ATTRIBUTE_TYPE[a.kind]);
    if (a.kind === 'float') attr.float(ATTRIBUTE.f, a.value);
    else attr.varint(ATTRIBUTE.i, a.value);
    w.message(NODE.attribute, attr);
  }
  return w;
}

/** A TensorProto with its values as little-endian raw_data. */
function encodeTensor(t: Initializer): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.shape) w.varint(TENSOR.dims, d);
  w.varint(TENSOR.dataType, ELEM_TYPE[t.dtype]!).string(TENSOR.name, t.name);
  const size = t.dtype === 'float64' ? 8 : 4;
  const raw = new Uint8Array(t.data.length * size);
  const view = new DataView(raw.buffer);
  if (size === 8) for (let i = 0; i < t.data.length; i++) view.setFloat64(8 * i, t.data[i], true);
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
