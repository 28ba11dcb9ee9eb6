// The layer registry: every layer class that model files, ONNX export, PyTorch naming and the CLI know is here,
// registered by its type name, built-ins through the same registerLayer users call (as TensorFlow.js registers
// classes that carry their own config). A layer describes itself: `config()` writes its constructor options,
// the static `fromConfig(reader)` builds one from them, and optionally `toOnnx(graph, input)` lowers it to ONNX
// and `torchParameters()` names its parameters as PyTorch does. The formats themselves live in @tensorgrad/io,
// which implements the small interfaces declared here (ConfigReader's checks are here: they are the layers').
import { type DType, type Generator, type Tensor, ValueError } from '@tensorgrad/core';
import { inRange, isObject, show } from '@tensorgrad/core/util';
import { Module } from './module.js';
import type { Loss } from './losses.js';

/** A model file (or a layer config) that cannot be read, or a model that cannot be written as one. The message names the field path and value. */
export class ModelFormatError extends ValueError {}

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Limits on what a model file may hold. Parameters counts the layers' weights; 2^26 float32 is 256 MB. */
export const MODEL_LIMITS = { jsonChars: 10_000_000, depth: 64, layers: 10_000, parameters: 2 ** 26 } as const;

/** Writes child layers inside a container's config (Sequential's `layers`). */
export interface ConfigWriter {
  layer(child: Module, path: string): JsonObject;
}

/** What io's ONNX writer offers a layer's lowering: values are named by strings, as in an ONNX graph. */
export interface OnnxGraphBuilder {
  /** The graph's element type ('float32' or 'float64'): the sample input's dtype. */
  readonly dtype: DType;
  /**
   * Adds a node `op` reading `inputs`; returns the name of its output. Attribute numbers are ints unless listed in
   * `floats`; an array is a list of ints (Transpose's perm).
   */
  node(op: string, inputs: readonly string[], attributes?: Record<string, number | readonly number[]>, floats?: readonly string[]): string;
  /** The parameter `t` as an initializer under its state-dict name (stored once however often it is used); returns that name. */
  parameter(t: Tensor): string;
  /** The operator set the graph is written for (13 to 21): a lowering may depend on it (ReduceMean takes axes as an input from 18). */
  readonly opset: number;
  /** The graph's element type as ONNX numbers it (TensorProto.DataType), e.g. for Cast. */
  readonly elemType: number;
  /** A scalar constant of the graph's type as an initializer; returns its name. */
  scalar(name: string, value: number): string;
  /** A 1-D int64 constant as an initializer (shapes, axes, indices: Reshape's and Slice's inputs); returns its name. */
  int64s(name: string, values: readonly number[]): string;
  /** Lowers a child layer (a container's), named `path` below this one; returns its output. */
  layer(child: Module, path: string, input: string): string;
}

/** One parameter in PyTorch's state-dict layout: its name there, its shape there, and how to copy either way. */
export interface TorchParameter {
  name: string;
  shape: readonly number[];
  /** 'int32' for a counter (BatchNorm's num_batches_tracked, int64 in PyTorch); absent for float values. */
  dtype?: 'int32';
  /** The value in PyTorch's layout (a copy). */
  get(): Tensor;
  /** Writes a value given in PyTorch's layout (already checked to have `shape`) into the parameter, converting its dtype. */
  set(value: Tensor): void;
}

/** The static side of a registered layer class. */
export interface LayerClass<M extends Module = Module> {
  /** The name model files store in "type". */
  readonly typeName: string;
  /** A layer built from a config its config() wrote, read (and checked) through the reader. */
  fromConfig(reader: ConfigReader): M;
  /** For an elementwise activation: the name the CLI offers it under (`--activation leaky-relu`), built from an empty config. */
  readonly activation?: string;
  readonly prototype: M;
}

/** One registered type: the class its instances have exactly, and how to write and read one. */
interface Entry {
  type: string;
  cls: abstract new (...args: never[]) => Module;
  write(layer: Module, writer: ConfigWriter, path: string): JsonObject;
  read(reader: ConfigReader): Module;
  /** The class itself, when it describes itself (not the older { cls, toConfig, fromConfig } form). */
  layerClass?: LayerClass;
}

const layers = new Map<string, Entry>();
let builtins: Set<string> | null = null;

type Fields = Record<string, unknown>;

/** How a user's layer class was registered before layers described themselves (still accepted). */
export interface LayerSerializer<M extends Module = Module> {
  cls: abstract new (...args: never[]) => M;
  /** The constructor arguments as JSON (finite numbers, strings, booleans, null, arrays, plain objects). */
  toConfig(layer: M): JsonObject;
  /** A new layer from a config toConfig wrote. Its parameters are then overwritten by the saved ones. It may throw. */
  fromConfig(config: JsonObject): M;
}

/**
 * Registers a layer class for model files, ONNX export, PyTorch naming and the CLI: `registerLayer(MyLayer)` where
 * MyLayer has a static `typeName` and `fromConfig(reader)` and an instance `config()` (see Dense). The older form
 * `registerLayer('Scale', { cls, toConfig, fromConfig })` still works: its options are stored under "config".
 * Only instances of exactly that class (not subclasses) match. Registering a type again replaces it; the built-in
 * names are refused.
 */
export function registerLayer<M extends Module>(cls: LayerClass<M>): void;
export function registerLayer<M extends Module>(type: string, serializer: LayerSerializer<M>): void;
export function registerLayer<M extends Module>(a: LayerClass<M> | string, serializer?: LayerSerializer<M>): void {
  const entry = typeof a === 'string' ? legacyEntry(a, serializer) : classEntry(a);
  if (builtins?.has(entry.type)) throw new ModelFormatError(`registerLayer: '${entry.type}' is a built-in layer type; choose another name`);
  for (const [t, e] of layers) if (e.cls === entry.cls && t !== entry.type) layers.delete(t);
  layers.set(entry.type, entry);
}

function checkType(type: unknown): string {
  if (typeof type !== 'string' || type.length === 0) throw new ModelFormatError(`registerLayer: type must be a non-empty string, got ${show(type)}`);
  return type;
}

function classEntry(cls: LayerClass): Entry {
  const type = checkType(cls?.typeName);
  if (typeof cls.fromConfig !== 'function') throw new ModelFormatError(`registerLayer(${type}): the class needs a static fromConfig(reader)`);
  const ctor = (cls.prototype as object).constructor as Entry['cls'];
  return { type, cls: ctor, write: (layer, writer) => layer.config(writer), read: (reader) => cls.fromConfig(reader), layerClass: cls };
}

function legacyEntry<M extends Module>(type: string, s: LayerSerializer<M> | undefined): Entry {
  checkType(type);
  const { cls, toConfig, fromConfig } = s ?? ({} as Partial<LayerSerializer<M>>);
  if (typeof cls !== 'function' || typeof toConfig !== 'function' || typeof fromConfig !== 'function') {
    throw new ModelFormatError(`registerLayer('${type}'): needs { cls, toConfig, fromConfig }`);
  }
  return {
    type, cls,
    write(layer, _writer, path) {
      const config = toConfig(layer as M);
      if (!isObject(config)) throw new ModelFormatError(`modelToJson: ${path}.config (from toConfig) must be a plain object, got ${show(config)}`);
      return { config };
    },
    read: (reader) => fromConfig(reader.object('config')),
  };
}

function entryOf(layer: Module): Entry | undefined {
  for (const e of layers.values()) if (layer.constructor === e.cls) return e;
  return undefined;
}

/** The registered class of exactly this layer's class (undefined for an unregistered one or the older form). */
export function registeredLayer(layer: Module): LayerClass | undefined {
  return entryOf(layer)?.layerClass;
}

/** Every layer class registered by itself (not the older form), built-ins first, in registration order. */
export function registeredLayers(): LayerClass[] {
  return [...layers.values()].flatMap((e) => (e.layerClass ? [e.layerClass] : []));
}

/** Called once nn's built-in layers are registered: their names cannot be taken over. */
export function sealBuiltinLayers(): void {
  builtins ??= new Set(layers.keys());
}

const at = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

// ---- writing ----

/** Plain JSON only: no NaN, undefined, functions, class instances or cycles (JSON.stringify would drop or mangle them). */
export function checkJson(v: unknown, path: string, depth = 0): void {
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

/** `{ type, ...config() }` of a registered layer (children through the same function); `path` names it in errors. */
export function layerToJson(layer: Module, path: string): JsonObject {
  const entry = entryOf(layer);
  if (entry === undefined) {
    const name = layer.constructor.name || 'MyLayer';
    throw new ModelFormatError(
      `modelToJson: ${path} is a ${name}, which is not a built-in layer; to save it, register it first: ` +
        `registerLayer('${name}', { cls: ${name}, toConfig: (layer) => ({ ...its constructor arguments }), fromConfig: (config) => new ${name}(...) })` +
        ` (or give it a static typeName and fromConfig and a config() method: see Dense)`,
    );
  }
  const writer: ConfigWriter = { layer: (child, p) => layerToJson(child, `${path}.${p}`) };
  const config = entry.write(layer, writer, path);
  if (!isObject(config)) throw new ModelFormatError(`modelToJson: ${path} (from config()) must be a plain object, got ${show(config)}`);
  if (Object.hasOwn(config, 'type')) throw new ModelFormatError(`modelToJson: ${path}: config() must not hold a "type" key`);
  const out: JsonObject = { type: entry.type, ...config };
  checkJson(out, path);
  return out;
}

// ---- reading ----

/**
 * The running totals of one model file being read, against MODEL_LIMITS. A file is read twice: first `dry`, where
 * every field is checked and each layer stops at reserveParameters (so nothing large is allocated for a file that
 * turns out bad), then for real.
 */
export interface ReadBudget {
  layers: number;
  parameters: number;
  dry: boolean;
  /** Layers the dry read built whole (no parameters reserved below them), by their JSON object: the real read reuses them. */
  built?: Map<object, Module>;
  /** Layers the dry read left unbuilt so far. */
  unbuilt?: number;
}

/** A model file's error at `path` (e.g. `layers[2].rate`). */
function fail(path: string, msg: string): never {
  throw new ModelFormatError(`model JSON: ${path} ${msg}`);
}

/** Thrown by reserveParameters in a dry read, caught by layerFromJson: the layer's fields are all checked by then. */
const DRY = Symbol('dry read');

/** Stands in for a layer with parameters during a dry read. */
class Unbuilt extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

/**
 * A layer's JSON fields, checked as they are read: each getter throws ModelFormatError naming the field path and
 * the value. After fromConfig returns, any field it did not ask for is an error (unknown key).
 */
export class ConfigReader {
  private readonly asked = new Set<string>(['type']);

  constructor(
    private readonly fields: Fields,
    /** Where this layer sits in the file, e.g. `layers[2]`. */
    readonly path: string,
    private readonly budget: ReadBudget,
    /** The generator for new parameters (undefined: the default one), overwritten by the saved values when loading. */
    readonly generator: Generator | undefined,
  ) {}

  fail(key: string | null, msg: string): never {
    fail(key === null ? this.path : at(this.path, key), msg);
  }

  private get(key: string): unknown {
    this.asked.add(key);
    return Object.hasOwn(this.fields, key) ? this.fields[key] : undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  int(key: string, min: number, max: number, dflt?: number): number {
    const v = this.get(key);
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) this.fail(key, `must be an integer in [${min}, ${max}], got ${show(v)}`);
    return v;
  }

  /** A finite number in [min, max] (or [min, max) when maxOpen); `dflt` when the field is missing. */
  number(key: string, range: { min?: number; max?: number; maxOpen?: boolean; dflt?: number } = {}): number {
    const v = this.get(key);
    if (v === undefined && range.dflt !== undefined) return range.dflt;
    const { min = -Infinity, max = Infinity, maxOpen = false } = range;
    if (!inRange(v, min, max, maxOpen)) {
      this.fail(key, `must be a finite number in [${min}, ${max}${maxOpen ? ')' : ']'}, got ${show(v)}`);
    }
    return v;
  }

  /** An array of exactly `length` integers in [min, max] (a window's sizes), or one of the strings `words` ('same'); `dflt` when missing. */
  sizes(key: string, length: number, min: number, max: number, dflt?: number[]): number[];
  sizes<W extends string>(key: string, length: number, min: number, max: number, dflt: number[] | undefined, words: readonly W[]): number[] | W;
  sizes(key: string, length: number, min: number, max: number, dflt?: number[], words: readonly string[] = []): number[] | string {
    return this.list(key, length, min, max, dflt, words, false) as number[] | string;
  }

  /** As sizes, where an element may also be null (PyTorch's None: "keep that size"). */
  optionalInts(key: string, length: number, min: number, max: number): (number | null)[] {
    return this.list(key, length, min, max, undefined, [], true) as (number | null)[];
  }

  private list(key: string, length: number, min: number, max: number, dflt: number[] | undefined, words: readonly string[], nullable: boolean): (number | null)[] | string {
    const v = this.get(key);
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v === 'string' && words.includes(v)) return v;
    const ok = (n: unknown) => (nullable && n === null) || (typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max);
    if (!Array.isArray(v) || v.length !== length || !v.every(ok)) {
      const alternatives = words.map((w) => ` or '${w}'`).join('');
      this.fail(key, `must be an array of ${length} integers in [${min}, ${max}]${nullable ? ' (or null)' : ''}${alternatives}, got ${show(v)}`);
    }
    return v as (number | null)[];
  }

  choice<T extends string>(key: string, values: readonly T[], dflt?: T): T {
    const v = this.get(key);
    if (v === undefined && dflt !== undefined) return dflt;
    if (!values.includes(v as T)) this.fail(key, `must be one of ${values.map((x) => `'${x}'`).join(', ')}, got ${show(v)}`);
    return v as T;
  }

  /** A layer's parameter dtype, the field 'dtype': 'float32' (the default) or 'float64'. */
  dtype(): 'float32' | 'float64' {
    return this.choice('dtype', ['float32', 'float64'], 'float32');
  }

  /** Whether the field is present and null (an option whose null means something, as BatchNorm's momentum). */
  isNull(key: string): boolean {
    return this.get(key) === null;
  }

  boolean(key: string, dflt?: boolean): boolean {
    const v = this.get(key);
    if (v === undefined && dflt !== undefined) return dflt;
    if (typeof v !== 'boolean') this.fail(key, `must be true or false, got ${show(v)}`);
    return v;
  }

  /** A non-empty array of at most `maxLength` integers, each in [min, max]. */
  ints(key: string, min: number, max: number, maxLength: number): number[] {
    const v = this.get(key);
    const ok = Array.isArray(v) && v.length >= 1 && v.length <= maxLength && v.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= min && d <= max);
    if (!ok) this.fail(key, `must be an array of 1 to ${maxLength} integers in [${min}, ${max}], got ${show(v)}`);
    return v as number[];
  }

  object(key: string): JsonObject {
    const v = this.get(key);
    if (!isObject(v)) this.fail(key, `must be an object, got ${show(v)}`);
    return v as JsonObject;
  }

  /** The child layers in the array `key` (a container's), each read and built in turn. */
  layers(key: string): Module[] {
    const v = this.get(key);
    if (!Array.isArray(v)) this.fail(key, `must be an array of layers, got ${show(v)}`);
    return v.map((item, i) => layerFromJson(item, `${at(this.path, key)}[${i}]`, this.budget, this.generator));
  }

  /** The child layers in the object `key` by name (ModuleDict's), each read and built in turn. */
  namedLayers(key: string): [string, Module][] {
    const v = this.get(key);
    if (!isObject(v)) this.fail(key, `must be an object of layers by name, got ${show(v)}`);
    return Object.entries(v).map(([name, item]) => [name, layerFromJson(item, at(at(this.path, key), name), this.budget, this.generator)]);
  }

  /**
   * Call after reading every field and before allocating `count` parameters (`what` names them): past the model's
   * limits it throws instead, and in the dry read it ends fromConfig there.
   */
  reserveParameters(count: number, what: string): void {
    const b = this.budget;
    b.parameters += count;
    const max = MODEL_LIMITS.parameters;
    if (b.parameters > max) this.fail(null, `(${what}, ${count} parameters) brings the model to ${b.parameters} parameters, over the limit of ${max}`);
    if (b.dry) throw DRY;
  }

  /** Throws for any field fromConfig did not read. */
  checkUnknown(): void {
    const extra = Object.keys(this.fields).filter((k) => !this.asked.has(k));
    if (extra.length > 0) {
      this.fail(null, `has unknown key${extra.length > 1 ? 's' : ''} ${extra.slice(0, 5).map((k) => show(k)).join(', ')} (allowed: ${[...this.asked].join(', ')})`);
    }
  }
}

/** One layer from its JSON, through its registered class; `path` names it in errors. */
export function layerFromJson(raw: unknown, path: string, budget: ReadBudget, generator: Generator | undefined): Module {
  if (!isObject(raw)) fail(path, `must be an object with a "type", got ${show(raw)}`);
  if (++budget.layers > MODEL_LIMITS.layers) fail(path, `is past the limit of ${MODEL_LIMITS.layers} layers`);
  const type = Object.hasOwn(raw, 'type') ? raw.type : undefined;
  if (typeof type !== 'string') fail(at(path, 'type'), `must be a string, got ${show(type)}`);
  // the book's identity activation was saved as type 'Linear' with no options before it was named Identity
  const entry = layers.get(type === 'Linear' && Object.keys(raw).length === 1 ? 'Identity' : (type as string));
  if (entry === undefined) {
    fail(at(path, 'type'), `${show(type)} is not a known layer type (known: ${[...layers.keys()].join(', ')}; register custom layers with registerLayer before loading)`);
  }
  const reused = budget.built?.get(raw);
  if (reused !== undefined) return reused;
  const reader = new ConfigReader(raw, path, budget, generator);
  const unbuiltBefore = budget.unbuilt ?? 0;
  let layer: unknown;
  try {
    layer = entry.read(reader);
  } catch (err) {
    if (err === DRY) {
      reader.checkUnknown();
      budget.unbuilt = unbuiltBefore + 1;
      return new Unbuilt();
    }
    if (err instanceof ModelFormatError) throw err;
    fail(path, `(${type}): fromConfig threw ${err instanceof Error ? `${err.name}: ${err.message}` : show(err)}`);
  }
  if (!(layer instanceof entry.cls)) fail(path, `(${type}): fromConfig returned ${show(layer)}, not a ${entry.cls.name}`);
  reader.checkUnknown();
  if (budget.dry && (budget.unbuilt ?? 0) === unbuiltBefore) (budget.built ??= new Map()).set(raw, layer as Module);
  return layer as Module;
}

// ---- losses (a model file stores its loss the same way) ----

/** What a loss class needs to be stored in model files: its type name and fromConfig; `config()` is Loss's. */
export interface LossClass<L extends Loss = Loss> {
  readonly typeName: string;
  fromConfig(reader: ConfigReader): L;
  readonly prototype: L;
}

const losses = new Map<string, LossClass>();

/** Lets model files store losses of exactly this class (nn's built-in losses register themselves). */
export function registerLoss(cls: LossClass): void {
  const type = checkType(cls?.typeName);
  losses.set(type, cls);
}

function lossEntry(loss: Loss): LossClass | undefined {
  for (const cls of losses.values()) if (loss.constructor === (cls.prototype as object).constructor) return cls;
  return undefined;
}

export function lossToJson(loss: Loss | null): JsonObject | null {
  if (loss === null) return null;
  const cls = lossEntry(loss);
  if (cls === undefined) {
    throw new ModelFormatError(`modelToJson: the loss is a ${loss.constructor.name}, which cannot be saved (built-in losses: ${[...losses.keys()].join(', ')})`);
  }
  return { type: cls.typeName, ...loss.config() };
}

export function lossFromJson(v: unknown): Loss | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) fail('loss', `must be an object with a "type", or null, got ${show(v)}`);
  const reader = new ConfigReader(v, 'loss', { layers: 0, parameters: 0, dry: false }, undefined);
  const loss = losses.get(reader.choice('type', [...losses.keys()]))!.fromConfig(reader);
  reader.checkUnknown();
  return loss;
}
