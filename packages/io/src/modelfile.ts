// Whole-model save and load: the architecture (layers, loss, accuracy) as JSON, the parameters as safetensors.
// The JSON may come from anywhere, so reading it treats it as hostile: the text is size- and depth-checked before
// JSON.parse, every field is checked (type, range, unknown keys) before any layer is built, and layer sizes are
// capped so a file cannot make us allocate without bound.
import { type DType, type Generator, Generator as Rng, ValueError } from '@tensorgrad/core';
import {
  Module, StateDictError, Dense, Dropout, Sequential, ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, Linear, Step, Model, type AccuracyKind,
  type Loss, type Reduction, CategoricalCrossentropy, SoftmaxCrossEntropy, BinaryCrossentropy, MeanSquaredError, MeanAbsoluteError,
} from '@tensorgrad/nn';
import { decodeSafetensors } from './safetensors.js';
import { parametersToBytes } from './params.js';

/** A model JSON that cannot be read (or a model that cannot be written as one). The message names the field path and value. */
export class ModelFormatError extends ValueError {}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export const MODEL_FORMAT = 'tensorgrad.model';
export const MODEL_FORMAT_VERSION = 1;

/** What a model JSON may hold. Parameters counts the built-in layers' (Dense) weights and biases; 2^26 float32 is 256 MB. */
export const MODEL_LIMITS = { jsonChars: 10_000_000, depth: 64, layers: 10_000, parameters: 2 ** 26 } as const;

/** How a custom layer class is written to and rebuilt from JSON (its parameters travel in the safetensors file). */
export interface LayerSerializer<M extends Module = Module> {
  cls: abstract new (...args: never[]) => M;
  /** The constructor arguments as JSON (finite numbers, strings, booleans, null, arrays, plain objects). */
  toConfig(layer: M): JsonObject;
  /** A new layer from a config toConfig wrote. Its parameters are then overwritten by the saved ones. It may throw. */
  fromConfig(config: JsonObject): M;
}

const registry = new Map<string, LayerSerializer>();

/**
 * Lets models holding instances of `cls` (exactly that class, not subclasses) be saved and loaded; the JSON names it
 * `type`. Registering a type again replaces it. Built-in layer names are refused.
 */
export function registerLayer<M extends Module>(type: string, serializer: LayerSerializer<M>): void {
  if (typeof type !== 'string' || type.length === 0) throw new ModelFormatError(`registerLayer: type must be a non-empty string, got ${show(type)}`);
  if (READERS.has(type)) throw new ModelFormatError(`registerLayer: '${type}' is a built-in layer type; choose another name`);
  const { cls, toConfig, fromConfig } = serializer ?? {};
  if (typeof cls !== 'function' || typeof toConfig !== 'function' || typeof fromConfig !== 'function') {
    throw new ModelFormatError(`registerLayer('${type}'): needs { cls, toConfig, fromConfig }`);
  }
  for (const [t, s] of registry) if (s.cls === cls && t !== type) registry.delete(t);
  registry.set(type, serializer as unknown as LayerSerializer);
}

// ---- writing ----

const SIMPLE: [string, new () => Module][] = [['ReLU', ReLU], ['Sigmoid', Sigmoid], ['Tanh', Tanh], ['Linear', Linear], ['Step', Step]];
const LOSSES: [string, new (options: { reduction?: Reduction; clip?: number }) => Loss][] = [
  ['CategoricalCrossentropy', CategoricalCrossentropy], ['SoftmaxCrossEntropy', SoftmaxCrossEntropy],
  ['BinaryCrossentropy', BinaryCrossentropy], ['MeanSquaredError', MeanSquaredError], ['MeanAbsoluteError', MeanAbsoluteError],
];

function layerToJson(layer: Module, path: string): JsonObject {
  const cls = layer.constructor;
  for (const [type, s] of registry) {
    if (s.cls === cls) return { type, config: checkConfig(s.toConfig(layer), `${path}.config`) };
  }
  if (cls === Dense) {
    const d = layer as Dense;
    return {
      type: 'Dense', nIn: d.nIn, nOut: d.nOut, dtype: d.weights.dtype,
      weightRegularizerL1: d.weightRegularizerL1, weightRegularizerL2: d.weightRegularizerL2,
      biasRegularizerL1: d.biasRegularizerL1, biasRegularizerL2: d.biasRegularizerL2,
    };
  }
  if (cls === Dropout) return { type: 'Dropout', rate: (layer as Dropout).rate };
  if (cls === Sequential) return { type: 'Sequential', layers: (layer as Sequential).layers.map((l, i) => layerToJson(l, `${path}.layers[${i}]`)) };
  if (cls === LeakyReLU) return { type: 'LeakyReLU', slope: (layer as LeakyReLU).slope };
  if (cls === Softmax) return { type: 'Softmax', axis: (layer as Softmax).axis };
  const simple = SIMPLE.find(([, c]) => c === cls);
  if (simple) return { type: simple[0] };
  const name = cls.name || 'MyLayer';
  throw new ModelFormatError(
    `modelToJson: ${path} is a ${name}, which is not a built-in layer; to save it, register it first: ` +
      `registerLayer('${name}', { cls: ${name}, toConfig: (layer) => ({ ...its constructor arguments }), fromConfig: (config) => new ${name}(...) })`,
  );
}

/** Plain JSON only: no NaN, undefined, functions, class instances or cycles (JSON.stringify would drop or mangle them). */
function checkJson(v: unknown, path: string, depth = 0): void {
  if (depth > MODEL_LIMITS.depth) throw new ModelFormatError(`modelToJson: ${path} is nested more than ${MODEL_LIMITS.depth} levels deep (a cycle?)`);
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ModelFormatError(`modelToJson: ${path} is ${v}, which JSON cannot hold`);
    return;
  }
  if (Array.isArray(v)) return v.forEach((item, i) => checkJson(item, `${path}[${i}]`, depth + 1));
  if (isObject(v) && Object.getPrototypeOf(v) === Object.prototype) {
    for (const [k, item] of Object.entries(v)) checkJson(item, at(path, k), depth + 1);
    return;
  }
  const what = typeof v === 'object' ? `a ${(v as object).constructor?.name ?? 'object'}` : typeof v;
  throw new ModelFormatError(`modelToJson: ${path} is ${what}, which is not JSON`);
}

function checkConfig(v: unknown, path: string): JsonObject {
  if (!isObject(v)) throw new ModelFormatError(`modelToJson: ${path} (from toConfig) must be a plain object, got ${show(v)}`);
  return v as JsonObject;
}

function lossToJson(loss: Loss | null): JsonObject | null {
  if (loss === null) return null;
  const entry = LOSSES.find(([, c]) => c === loss.constructor);
  if (!entry) {
    throw new ModelFormatError(`modelToJson: the loss is a ${loss.constructor.name}, which cannot be saved (built-in losses: ${LOSSES.map(([t]) => t).join(', ')})`);
  }
  const out: JsonObject = { type: entry[0], reduction: loss.reduction };
  if (loss instanceof SoftmaxCrossEntropy) out.clip = loss.clip;
  return out;
}

/**
 * The model's architecture as JSON: `{ format, version, layers, loss, accuracy }`, every layer with its constructor
 * options (Dense: nIn, nOut, dtype, regularizers). Not saved: parameters (see modelToArtifacts), the optimizer, Dense's
 * initializer and Dropout's generator (loading uses the defaults), and a custom accuracy function (written as null;
 * the loaded model uses 'categorical' until you set yours again). Throws ModelFormatError for a layer or loss it
 * cannot write, and for a model over MODEL_LIMITS: it never writes a file it could not read back.
 */
export function modelToJson(model: Model): string {
  if (!(model instanceof Model)) throw new ModelFormatError(`modelToJson: expects a Model, got ${show(model)}`);
  const { loss, accuracy } = model.settings();
  const doc = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    layers: model.layers.map((l, i) => layerToJson(l, `layers[${i}]`)),
    loss: lossToJson(loss),
    accuracy: typeof accuracy === 'function' ? null : accuracy,
  };
  checkJson(doc, '');
  const text = JSON.stringify(doc, null, 2);
  readModelJson(text); // what we write must read back (e.g. a NaN regularizer or a Dense over the limits would not)
  return text;
}

/** The architecture JSON and the parameters as safetensors bytes: the two files of save(), usable in a browser. */
export function modelToArtifacts(model: Model): { json: string; weights: Uint8Array } {
  return { json: modelToJson(model), weights: parametersToBytes(model) };
}

// ---- reading ----

interface Budget {
  layers: number;
  parameters: number;
}
/** Builds one checked layer; Dense takes the generator (undefined: the default one). */
type Build = (generator: Generator | undefined) => Module;
type Fields = Record<string, unknown>;
interface LayerReader {
  keys: readonly string[];
  read(o: Fields, path: string, budget: Budget): Build;
}

function isObject(v: unknown): v is Fields {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A value for an error message, cut short. */
function show(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}

const at = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

function fail(path: string, msg: string): never {
  throw new ModelFormatError(`model JSON: ${path} ${msg}`);
}

function get(o: Fields, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

function readInt(o: Fields, key: string, path: string, min: number, max: number): number {
  const v = get(o, key);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(at(path, key), `must be an integer in [${min}, ${max}], got ${show(v)}`);
  return v;
}

/** A finite number in [min, max] (or [min, max) when maxOpen); `dflt` when the field is missing. */
function readNum(o: Fields, key: string, path: string, range: { min?: number; max?: number; maxOpen?: boolean; dflt?: number }): number {
  const v = get(o, key);
  if (v === undefined && range.dflt !== undefined) return range.dflt;
  const { min = -Infinity, max = Infinity, maxOpen = false } = range;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (maxOpen && v === max)) {
    fail(at(path, key), `must be a finite number in [${min}, ${max}${maxOpen ? ')' : ']'}, got ${show(v)}`);
  }
  return v;
}

function readEnum<T extends string>(o: Fields, key: string, path: string, values: readonly T[], dflt?: T): T {
  const v = get(o, key);
  if (v === undefined && dflt !== undefined) return dflt;
  if (!values.includes(v as T)) fail(at(path, key), `must be one of ${values.map((x) => `'${x}'`).join(', ')}, got ${show(v)}`);
  return v as T;
}

function checkKeys(o: Fields, path: string, allowed: readonly string[]): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length > 0) {
    fail(path || 'the top level', `has unknown key${extra.length > 1 ? 's' : ''} ${extra.slice(0, 5).map((k) => show(k)).join(', ')} (allowed: ${allowed.join(', ')})`);
  }
}

const REGULARIZERS = ['weightRegularizerL1', 'weightRegularizerL2', 'biasRegularizerL1', 'biasRegularizerL2'] as const;

function readDense(o: Fields, path: string, budget: Budget): Build {
  const max = MODEL_LIMITS.parameters;
  const nIn = readInt(o, 'nIn', path, 1, max);
  const nOut = readInt(o, 'nOut', path, 1, max);
  const dtype: DType = readEnum(o, 'dtype', path, ['float32', 'float64'] as const, 'float32');
  const regs: Record<string, number> = {};
  for (const key of REGULARIZERS) regs[key] = readNum(o, key, path, { min: 0, dflt: 0 });
  const count = nIn * nOut + nOut;
  budget.parameters += count;
  if (budget.parameters > max) {
    fail(path, `(Dense ${nIn} x ${nOut}, ${count} parameters) brings the model to ${budget.parameters} parameters, over the limit of ${max}`);
  }
  return (generator) => new Dense(nIn, nOut, { dtype, generator, ...regs });
}

function readLayers(v: unknown, path: string, budget: Budget): Build[] {
  if (!Array.isArray(v)) fail(path, `must be an array of layers, got ${show(v)}`);
  return v.map((item, i) => readLayer(item, `${path}[${i}]`, budget));
}

const simpleReader = (cls: new () => Module): LayerReader => ({ keys: [], read: () => () => new cls() });

const READERS = new Map<string, LayerReader>([
  ['Dense', { keys: ['nIn', 'nOut', 'dtype', ...REGULARIZERS], read: readDense }],
  ['Dropout', {
    keys: ['rate'],
    read(o, path) {
      const rate = readNum(o, 'rate', path, { min: 0, max: 1, maxOpen: true });
      return () => new Dropout(rate);
    },
  }],
  ['Sequential', {
    keys: ['layers'],
    read(o, path, budget) {
      const builds = readLayers(get(o, 'layers'), at(path, 'layers'), budget);
      return (generator) => new Sequential(builds.map((b) => b(generator)));
    },
  }],
  ['LeakyReLU', {
    keys: ['slope'],
    read(o, path) {
      const slope = readNum(o, 'slope', path, { dflt: 0.01 });
      return () => new LeakyReLU(slope);
    },
  }],
  ['Softmax', {
    keys: ['axis'],
    read(o, path) {
      const axis = get(o, 'axis') === undefined ? -1 : readInt(o, 'axis', path, -64, 63);
      return () => new Softmax(axis);
    },
  }],
  ...SIMPLE.map(([type, cls]) => [type, simpleReader(cls)] as [string, LayerReader]),
]);

function readLayer(raw: unknown, path: string, budget: Budget): Build {
  if (!isObject(raw)) fail(path, `must be an object with a "type", got ${show(raw)}`);
  if (++budget.layers > MODEL_LIMITS.layers) fail(path, `is past the limit of ${MODEL_LIMITS.layers} layers`);
  const type = get(raw, 'type');
  if (typeof type !== 'string') fail(at(path, 'type'), `must be a string, got ${show(type)}`);
  const custom = registry.get(type);
  if (custom) {
    checkKeys(raw, path, ['type', 'config']);
    const config = get(raw, 'config');
    if (!isObject(config)) fail(at(path, 'config'), `must be an object, got ${show(config)}`);
    return () => buildCustom(custom, type, config as JsonObject, path);
  }
  const reader = READERS.get(type);
  if (!reader) {
    const known = [...READERS.keys(), ...registry.keys()].join(', ');
    fail(at(path, 'type'), `${show(type)} is not a known layer type (known: ${known}; register custom layers with registerLayer before loading)`);
  }
  checkKeys(raw, path, ['type', ...reader.keys]);
  return reader.read(raw, path, budget);
}

function buildCustom(s: LayerSerializer, type: string, config: JsonObject, path: string): Module {
  let layer: unknown;
  try {
    layer = s.fromConfig(config);
  } catch (err) {
    fail(path, `(${type}): fromConfig threw ${err instanceof Error ? `${err.name}: ${err.message}` : show(err)}`);
  }
  if (!(layer instanceof s.cls)) fail(path, `(${type}): fromConfig returned ${show(layer)}, not a ${s.cls.name}`);
  return layer;
}

function readLoss(v: unknown): Loss | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) fail('loss', `must be an object with a "type", or null, got ${show(v)}`);
  const type = readEnum(v, 'type', 'loss', LOSSES.map(([t]) => t));
  const isSce = type === 'SoftmaxCrossEntropy';
  checkKeys(v, 'loss', isSce ? ['type', 'reduction', 'clip'] : ['type', 'reduction']);
  const reduction = readEnum(v, 'reduction', 'loss', ['mean', 'sum', 'none'] as const, 'mean');
  const options = isSce ? { reduction, clip: readNum(v, 'clip', 'loss', { min: 0, max: 0.5, maxOpen: true, dflt: 1e-7 }) } : { reduction };
  const cls = LOSSES.find(([t]) => t === type)![1];
  return new cls(options);
}

interface ModelSpec {
  layers: Build[];
  loss: Loss | null;
  accuracy: AccuracyKind | null;
  /** Parameters the built-in layers will hold. */
  parameters: number;
}

/** Checks the whole text and every field; nothing is allocated for a layer until all of it is checked. */
function readModelJson(json: unknown): ModelSpec {
  if (typeof json !== 'string') throw new ModelFormatError(`model JSON: expected a string, got ${json === null ? 'null' : typeof json}`);
  const { jsonChars, depth: maxDepth } = MODEL_LIMITS;
  if (json.length > jsonChars) throw new ModelFormatError(`model JSON: the text is ${json.length} characters, over the limit of ${jsonChars}`);
  // JSON.parse recurses once per level: count the brackets (outside strings) first.
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw new ModelFormatError(`model JSON: nested more than ${maxDepth} levels deep at character ${i}`);
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new ModelFormatError(`model JSON: not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new ModelFormatError(`model JSON: must be a JSON object, got ${show(doc)}`);
  checkKeys(doc, '', ['format', 'version', 'layers', 'loss', 'accuracy']);
  const format = get(doc, 'format');
  if (format !== MODEL_FORMAT) fail('format', `must be '${MODEL_FORMAT}', got ${show(format)}`);
  const version = get(doc, 'version');
  if (version !== MODEL_FORMAT_VERSION) {
    fail('version', `${show(version)} is not a version this tensorgrad reads (it reads version ${MODEL_FORMAT_VERSION})`);
  }
  const budget: Budget = { layers: 0, parameters: 0 };
  const layers = readLayers(get(doc, 'layers'), 'layers', budget);
  const loss = readLoss(get(doc, 'loss'));
  const accuracyValue = get(doc, 'accuracy');
  const accuracy = accuracyValue === undefined || accuracyValue === null ? null : readEnum(doc, 'accuracy', '', ['categorical', 'regression'] as const);
  return { layers, loss, accuracy, parameters: budget.parameters };
}

function buildModel(spec: ModelSpec, generator: Generator | undefined): Model {
  const model = new Model();
  for (const build of spec.layers) model.add(build(generator));
  if (spec.loss !== null) model.set({ loss: spec.loss });
  if (spec.accuracy !== null) model.set({ accuracy: spec.accuracy });
  return model;
}

/** A new Model from modelToJson's text, with freshly initialised parameters (as `new Dense` initialises them). */
export function modelFromJson(json: string): Model {
  return buildModel(readModelJson(json), undefined);
}

/**
 * A new Model from the architecture JSON and the safetensors bytes of modelToArtifacts. A bad JSON throws
 * ModelFormatError; bad weights throw SafetensorsError, and weights that do not fit the layers StateDictError,
 * ShapeError or DTypeError. It never touches an existing model, and it draws nothing from the global random stream.
 */
export function modelFromArtifacts(json: string, weights: Uint8Array): Model {
  const spec = readModelJson(json);
  const { tensors } = decodeSafetensors(weights);
  // A cheap check before allocating layers, so a hostile JSON cannot make us build 2^26 parameters for a tiny file.
  // Small shortfalls are left to loadStateDict, whose messages name the missing tensors and shapes.
  let held = 0;
  for (const t of Object.values(tensors)) held += t.size;
  if (spec.parameters > held + 2 ** 20) {
    throw new StateDictError(`modelFromArtifacts: the weights hold ${held} values, but the model's layers need ${spec.parameters}`);
  }
  const model = buildModel(spec, new Rng(0)); // its initial values are overwritten just below
  model.loadStateDict(tensors);
  return model;
}
