// Module: the base of layers and models. Parameters, buffers and submodules are found from its fields.
import { Tensor, ShapeError, DTypeError, ValueError, type DType, type TypedArray } from '@tensorgrad/core';
import { fmt, isFloat, sameShape } from '@tensorgrad/core/util';
import type { ConfigWriter, JsonObject, OnnxGraphBuilder, TorchParameter } from './registry.js';

/** A mismatch between a state dict and a module: names, shapes or dtypes. */
export class StateDictError extends ValueError {}

/** A module built so that its parts cannot be found (modules in a Map, a plain object or a Set), or a bad name. */
export class ModuleError extends ValueError {}

export type StateDict = Record<string, Tensor>;

export interface BufferOptions {
  /** Part of stateDict() (saved and loaded) when true (the default); a non-persistent buffer is only moved by to(). */
  persistent?: boolean;
}

/** Names for an error message: the first `few`, then how many more (a hostile file may hold millions). */
export function nameList(names: readonly string[], few = 5): string {
  const shown = names.slice(0, few).join(', ');
  return names.length > few ? `${shown} and ${names.length - few} more` : shown;
}

/** What one module holds directly, each list in PyTorch's order. */
interface Own {
  params: [string, Tensor][];
  buffers: [string, Tensor, boolean][];
  modules: [string, Module][];
}

const join = (prefix: string, name: string) => (prefix === '' ? name : `${prefix}.${name}`);

/** The kind of container a field holds whose modules/parameters the walk would not see, or null. */
function hiddenContainer(v: unknown): { kind: string; entries: Iterable<[unknown, unknown]> } | null {
  if (v instanceof Map) return { kind: 'a Map', entries: v.entries() };
  if (v instanceof Set) return { kind: 'a Set', entries: [...v].map((x, i) => [i, x] as [unknown, unknown]) };
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) return { kind: 'a plain object', entries: Object.entries(v) };
  }
  return null;
}

/**
 * Fields holding a Module (or an array of them) are submodules. A field holding a leaf Tensor that requires
 * grad when the module is first walked is a parameter, and stays one when frozen later (`requiresGrad_(false)`):
 * it is saved, loaded and moved, but `parameters()` lists only those that train. `registerParameter`,
 * `registerModule` and `registerBuffer` add what fields cannot express (ES private `#fields` are invisible).
 */
export abstract class Module {
  /** True in training mode (Dropout drops), false in eval mode. */
  training = true;
  // ES private fields: the field walk (Object.entries) does not see them
  readonly #params = new Map<string, Tensor>();
  readonly #modules = new Map<string, Module>();
  /** Buffer names (the values live in the fields of these names) and whether each is persistent. */
  readonly #buffers = new Map<string, boolean>();
  /** Fields that held a parameter when walked: they stay parameters when their tensor stops requiring grad. */
  readonly #fieldParams = new Set<string>();

  /**
   * The computation, giving one tensor. Layers take one tensor; a module may take several inputs
   * (MultiheadAttention takes query, key, value and options). Sequential passes one tensor from layer to layer.
   */
  abstract forward(...inputs: unknown[]): Tensor;

  /**
   * The constructor options as JSON, for model files (a registered layer's static fromConfig reads them back;
   * see registry.ts). Layers without options keep this empty one; containers write children through `writer`.
   */
  config(_writer: ConfigWriter): JsonObject {
    return {};
  }

  /** This layer as ONNX nodes reading `input`; returns the output's name. Layers without it cannot be exported. */
  toOnnx?(graph: OnnxGraphBuilder, input: string): string;

  /** This layer's parameters as PyTorch names them (e.g. Dense as nn.Linear's weight and bias). */
  torchParameters?(): TorchParameter[];

  /** A container's children with PyTorch's name for each (torch.nn.Sequential numbers them). */
  torchChildren?(): [string, Module][];

  /** Adds a parameter under `name` (a frozen one, requiresGrad false, is still saved and loaded). Returns it. */
  registerParameter(name: string, t: Tensor): Tensor {
    this.#checkName('registerParameter', name);
    if (!(t instanceof Tensor) || !t.isLeaf || !isFloat(t.dtype)) {
      throw new ValueError(`registerParameter '${name}': a parameter must be a float32 or float64 leaf tensor`);
    }
    this.#params.set(name, t);
    return t;
  }

  registerModule<M extends Module>(name: string, m: M): M {
    this.#checkName('registerModule', name);
    if (!(m instanceof Module)) throw new ModuleError(`registerModule '${name}': expected a Module`);
    this.#modules.set(name, m);
    return m;
  }

  /**
   * Adds a buffer: state that is not trained (BatchNorm's running statistics). It lives in the field `name`
   * (declare it, e.g. `declare runningMean: Tensor`), which may be reassigned later; null leaves it out of the state.
   * A persistent buffer (the default) is in stateDict(), saved and loaded; every buffer is moved by to(). Returns it.
   */
  registerBuffer<T extends Tensor | null>(name: string, t: T, options: BufferOptions = {}): T {
    this.#checkName('registerBuffer', name);
    const own = Object.getOwnPropertyDescriptor(this, name);
    // a declared class field is an own property holding undefined until set: that is where the buffer goes
    if (!this.#buffers.has(name) && name in this && !(own !== undefined && own.value === undefined && 'value' in own)) {
      throw new ModuleError(`registerBuffer '${name}': ${this.constructor.name} already has a member of that name`);
    }
    if (t !== null && !(t instanceof Tensor)) throw new ValueError(`registerBuffer '${name}': expected a Tensor or null`);
    this.#buffers.set(name, options.persistent ?? true);
    (this as unknown as Record<string, unknown>)[name] = t;
    return t;
  }

  #checkName(where: string, name: string): void {
    if (typeof name !== 'string' || name === '' || name.includes('.')) {
      throw new ModuleError(`${where}: a name must be a non-empty string without '.', got '${String(name)}'`);
    }
  }

  /** What this module holds directly: fields in declaration order, then registered ones. */
  #own(): Own {
    const own: Own = { params: [], buffers: [], modules: [] };
    const visit = (name: string, v: unknown, field: string) => {
      if (v instanceof Module) own.modules.push([name, v]);
      else if (v instanceof Tensor) {
        if (!v.isLeaf) return;
        if (v.requiresGrad) this.#fieldParams.add(name);
        if (this.#fieldParams.has(name)) own.params.push([name, v]);
      } else if (Array.isArray(v)) v.forEach((item, i) => visit(`${name}.${i}`, item, field));
      else {
        const hidden = hiddenContainer(v);
        if (hidden === null) return;
        for (const [key, item] of hidden.entries) {
          const held = item instanceof Module ? 'a module' : item instanceof Tensor && item.requiresGrad ? 'a parameter' : null;
          if (held !== null) {
            throw new ModuleError(
              `${this.constructor.name}: field '${field}' is ${hidden.kind} holding ${held} (at ${String(key)}), which would never be ` +
                'trained or saved; use ModuleList or ModuleDict (or registerModule / registerParameter)',
            );
          }
        }
      }
    };
    for (const [k, v] of Object.entries(this)) if (!this.#buffers.has(k)) visit(k, v, k);
    own.params.push(...this.#params);
    own.modules.push(...this.#modules);
    for (const [name, persistent] of this.#buffers) {
      const t = (this as unknown as Record<string, unknown>)[name];
      if (t === null) continue;
      if (!(t instanceof Tensor)) throw new ModuleError(`${this.constructor.name}: buffer '${name}' holds ${String(t)}, not a Tensor or null`);
      own.buffers.push([name, t, persistent]);
    }
    return own;
  }

  /** Every module with its dotted name, this one first as '', depth first; a module held twice appears once. */
  namedModules(): [string, Module][] {
    const seen = new Set<Module>();
    const out: [string, Module][] = [];
    const walk = (m: Module, name: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [n, child] of m.#own().modules) walk(child, join(name, n));
    };
    walk(this, '');
    return out;
  }

  /** This module and all below it, depth first, each once. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** The direct submodules with their names. */
  namedChildren(): [string, Module][] {
    const seen = new Set<Module>();
    return this.#own().modules.filter(([, m]) => !seen.has(m) && seen.add(m) !== undefined);
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** Each module's own tensors, in PyTorch's order (per module: parameters, then buffers), each tensor once. */
  #namedState(pick: (own: Own) => [string, Tensor][]): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    for (const [prefix, m] of this.namedModules()) {
      for (const [name, t] of pick(m.#own())) {
        if (seen.has(t)) continue;
        seen.add(t);
        out.push([join(prefix, name), t]);
      }
    }
    return out;
  }

  /**
   * The parameters with their dotted names (`layers.0.weights`), each once. Only those that train (requiresGrad)
   * unless `includeFrozen`: a frozen parameter is still the model's (in stateDict(), saved and loaded).
   */
  namedParameters(options: { includeFrozen?: boolean } = {}): [string, Tensor][] {
    const all = options.includeFrozen ?? false;
    return this.#namedState((own) => own.params.filter(([, p]) => all || p.requiresGrad));
  }

  /** The parameters that train (requiresGrad), for an optimizer; `{ includeFrozen: true }` adds the frozen ones. */
  parameters(options: { includeFrozen?: boolean } = {}): Tensor[] {
    return this.namedParameters(options).map(([, p]) => p);
  }

  /** Every buffer (persistent or not) with its dotted name. */
  namedBuffers(): [string, Tensor][] {
    return this.#namedState((own) => own.buffers.map(([n, t]) => [n, t]));
  }

  buffers(): Tensor[] {
    return this.namedBuffers().map(([, t]) => t);
  }

  /** Sets the grad of every parameter (frozen ones too) to null. */
  zeroGrad(): void {
    for (const p of this.parameters({ includeFrozen: true })) p.grad = null;
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Freezes (false) or unfreezes (true) every parameter, as PyTorch's requires_grad_. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters({ includeFrozen: true })) p.requiresGrad = flag;
    return this;
  }

  /** Calls fn on every submodule and then on this one (children first, as PyTorch's apply), e.g. to initialise weights. */
  apply(fn: (m: Module) => void): this {
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Converts every float parameter and buffer (and their grads) to `dtype` in place, as PyTorch's module.to:
   * the tensors stay the same objects, so create the optimizer before or after. Int buffers keep their dtype.
   */
  to(dtype: DType): this {
    if (!isFloat(dtype)) throw new DTypeError(`Module.to: dtype must be float32 or float64, got ${String(dtype)}`);
    for (const [, t] of [...this.namedParameters({ includeFrozen: true }), ...this.namedBuffers()]) {
      if (!isFloat(t.dtype) || t.dtype === dtype) continue;
      // the same Tensor object with new storage: optimizers and layers keep referring to it
      const retyped = t as unknown as { data: TypedArray; dtype: DType };
      retyped.data = t.detach().astype(dtype).data;
      retyped.dtype = dtype;
      if (t.grad !== null) t.grad = t.grad.astype(dtype);
    }
    return this;
  }

  float(): this {
    return this.to('float32');
  }

  double(): this {
    return this.to('float64');
  }

  /**
   * Every parameter (frozen ones too) and persistent buffer by dotted name, in PyTorch's order. Copies, unless
   * `keepVars` (the module's own tensors, for writers that only read them).
   */
  stateDict(options: { keepVars?: boolean } = {}): StateDict {
    const sd: StateDict = {};
    const state = this.#namedState((own) => [...own.params, ...own.buffers.filter(([, , persistent]) => persistent).map(([n, t]) => [n, t] as [string, Tensor])]);
    for (const [name, t] of state) sd[name] = options.keepVars ? t : t.detach().clone();
    return sd;
  }

  /**
   * Copies values into the parameters and persistent buffers. Names, shapes and dtypes must match exactly; on any
   * mismatch it throws and changes nothing.
   */
  loadStateDict(sd: StateDict): void {
    const own = new Map(Object.entries(this.stateDict({ keepVars: true })));
    const given = Object.keys(sd);
    const missing = [...own.keys()].filter((k) => !Object.hasOwn(sd, k));
    const extra = given.filter((k) => !own.has(k));
    if (missing.length > 0 || extra.length > 0) {
      throw new StateDictError(
        `loadStateDict: names differ: missing [${nameList(missing)}], unexpected [${nameList(extra)}]`,
      );
    }
    const buffers = new Set(this.buffers());
    for (const [name, p] of own) {
      const t = sd[name];
      const what = buffers.has(p) ? 'buffer' : 'parameter';
      if (!(t instanceof Tensor)) throw new StateDictError(`loadStateDict: '${name}' is not a Tensor`);
      if (!sameShape(t.shape, p.shape)) {
        throw new ShapeError(`loadStateDict: '${name}' has shape ${fmt(t.shape)}, the ${what} has ${fmt(p.shape)}`);
      }
      if (t.dtype !== p.dtype) throw new DTypeError(`loadStateDict: '${name}' is ${t.dtype}, the ${what} is ${p.dtype}`);
    }
    for (const [name, p] of own) p.data.set(sd[name].data);
  }
}
