import { Tensor, ShapeError, DTypeError, ValueError, zerosLike, backend, type TypedArray } from '@tensorgrad/core';
import { checkRange, fmt, inRange, isObject, sameShape } from '@tensorgrad/core/util';
import { NonFiniteGradientError, OptimizerStateError } from './errors.js';

/** Hyperparameters every optimizer has. */
export interface BaseOptions {
  /** Base learning rate. */
  lr: number;
  /** Inverse-time decay, as the notebook: the rate of step t (from 0) is lr / (1 + decay * t). */
  decay: number;
}

/** Options of the optimizer as a whole (not per group, not saved in the state dict). */
export interface CommonOptions {
  /** Skip the NaN/Infinity check of the gradients (default false). */
  allowNonFinite?: boolean;
}

export type OptionValue = number | boolean;

/** A group of parameters with its own options, which override the optimizer's. */
export type ParamGroupSpec<O> = { params: Iterable<Tensor> } & Partial<O>;

/** What optimizers take: tensors (an array or any iterable, e.g. `model.parameters()`) or param groups. */
export type Params<O> = Iterable<Tensor> | Iterable<ParamGroupSpec<O>>;

export interface ParamGroup<O> {
  readonly params: readonly Tensor[];
  /** The optimizer's options overridden by the group's own. May be changed between steps. */
  readonly options: O;
  /** Multiplier of `options.lr` that a scheduler sets (1 without one). */
  lrScale: number;
  /** The rate the last step used: lr * lrScale / (1 + decay * t) for that step's t; before any step, lr * lrScale. */
  currentLr: number;
}

/** What lrScale and currentLr may be: finite and not negative (what a scheduler sets, and rates it gives). */
export function isRate(x: unknown): x is number {
  return inRange(x, 0);
}

/**
 * A buffer value: a number, or one of the strings 'NaN', 'Infinity', '-Infinity' for the values JSON cannot
 * hold (JSON.stringify writes them as null). A float32 cache overflows to Infinity for gradients above ~1e19.
 */
export type StateValue = number | 'NaN' | 'Infinity' | '-Infinity';

/** One parameter's state: its shape and its buffers by name (plain JSON values, so it survives JSON). */
export interface ParamStateDict {
  shape: number[];
  buffers: Record<string, StateValue[]>;
}

/** A plain JSON-serializable snapshot of an optimizer: enough to resume training bit-exactly. */
export interface OptimizerStateDict {
  /** Which optimizer made it, e.g. 'Adam'. */
  optimizer: string;
  /** Steps taken. */
  iterations: number;
  groups: { options: Record<string, OptionValue>; params: number; lrScale: number; currentLr: number }[];
  /** One entry per parameter over all groups in order; null for a parameter never updated (or one without state). */
  state: (ParamStateDict | null)[];
}

interface ParamState {
  names: readonly string[];
  buffers: Tensor[];
}

const NO_BUFFERS: Tensor[] = [];

/** The rate a group's step number t uses: lr * lrScale / (1 + decay * t), the notebook's decay over a scheduler's scale. */
function rateAt<O extends BaseOptions>(group: ParamGroup<O>, t: number): number {
  const o = group.options;
  return (o.lr * group.lrScale) * (1 / (1 + o.decay * t));
}

/** A number as a JSON-safe state value: non-finite ones as strings (Number() turns them back). */
export function encodeValue(v: number): StateValue {
  return Number.isFinite(v) ? v : (String(v) as StateValue);
}

export function isStateValue(v: unknown): v is StateValue {
  return typeof v === 'number' || v === 'NaN' || v === 'Infinity' || v === '-Infinity';
}

/** Whether x is a param group { params, ...options } (its contents are checked when the group is made). */
function isGroupSpec(x: unknown): x is { params: Iterable<Tensor> } {
  return isObject(x) && !(x instanceof Tensor) && 'params' in x;
}

/** Whether x can be iterated (an array, a Set, a generator, `model.parameters()`...). */
export function isIterable(x: unknown): x is Iterable<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function';
}

/**
 * The base of every optimizer: parameter groups, step() with checks that run before anything changes,
 * zeroGrad(), the notebook's learning-rate decay, and state dicts. A subclass names its per-parameter
 * buffers and writes the update of one parameter in place.
 */
export abstract class Optimizer<O extends BaseOptions = BaseOptions> {
  readonly paramGroups: readonly ParamGroup<O>[];
  readonly allowNonFinite: boolean;
  private readonly name: string;
  private readonly defaults: O;
  /** One entry per parameter over all groups in order; null until its first update. */
  private state: (ParamState | null)[] = [];
  private _iterations = 0;

  protected constructor(name: string, params: Params<O>, defaults: O, options: Partial<O> & CommonOptions) {
    this.name = name;
    if (options === null || typeof options !== 'object') throw new ValueError(`${name}: options must be an object`);
    const { allowNonFinite = false, ...rest } = options;
    this.allowNonFinite = allowNonFinite;
    this.defaults = this.merge(defaults, rest, name);
    this.paramGroups = this.makeGroups(params, name);
  }

  /** Names of the state buffers a parameter needs under these options (a constant array per case). */
  protected abstract bufferNames(options: O): readonly string[];
  /** Throws a ValueError for a bad option value (lr and decay are checked by the base). */
  protected abstract checkOptions(options: O, where: string): void;
  /**
   * Updates one parameter in place. `w` and `g` have the same dtype and length; `buffers` are this parameter's
   * state tensors in bufferNames order; `lr` is this step's rate; `t` the number of earlier steps.
   */
  protected abstract update(w: TypedArray, g: TypedArray, buffers: readonly Tensor[], options: O, lr: number, t: number): void;

  /** Steps taken so far. */
  get iterations(): number {
    return this._iterations;
  }

  /** The first group's rate of the last step (before any step: its initial rate), as the notebook's current_learning_rate. */
  get currentLr(): number {
    return this.paramGroups[0].currentLr;
  }

  /** The first group's rate for the next step (PyTorch's param_groups[0]['lr']): after scheduler.step(), the new rate. */
  get lr(): number {
    return rateAt(this.paramGroups[0], this._iterations);
  }

  /** Each group's rate for the next step. */
  get lrs(): number[] {
    return this.paramGroups.map((g) => rateAt(g, this._iterations));
  }

  /**
   * Adds a param group `{ params, ...options }` (options not given are the optimizer's), as PyTorch's
   * add_param_group, e.g. to train layers unfrozen later. A parameter may be in one group only.
   */
  addParamGroup(group: ParamGroupSpec<O>): void {
    const where = `${this.name}.addParamGroup`;
    if (!isGroupSpec(group)) throw new ValueError(`${where}: expected a param group { params, ...options }`);
    const made = this.makeGroup(group, where, new Set(this.paramGroups.flatMap((g) => g.params)));
    (this.paramGroups as ParamGroup<O>[]).push(made);
  }

  /**
   * Updates every parameter whose grad is not null. All gradients are checked first (shape, dtype, and
   * unless allowNonFinite, NaN/Infinity): on a bad one it throws and nothing changes, iterations included.
   */
  step(): void {
    this.checkGradients();
    const t = this._iterations;
    let k = 0;
    for (const group of this.paramGroups) {
      const o = group.options;
      // computed before the update, as the notebook's pre_update_params
      const lr = rateAt(group, t);
      group.currentLr = lr;
      const names = this.bufferNames(o);
      for (const p of group.params) {
        const g = p.grad;
        if (g !== null) {
          let buffers = NO_BUFFERS;
          if (names.length > 0) {
            let s = this.state[k];
            if (s === null || s.names !== names) {
              // lazily, once (again only if the options change which buffers are needed)
              s = { names, buffers: names.map(() => zerosLike(p)) };
              this.state[k] = s;
            }
            buffers = s.buffers;
          }
          this.update(p.data, g.data, buffers, o, lr, t);
        }
        k++;
      }
    }
    this._iterations = t + 1;
  }

  /** Sets every parameter's grad to null. */
  zeroGrad(): void {
    for (const group of this.paramGroups) for (const p of group.params) p.grad = null;
  }

  stateDict(): OptimizerStateDict {
    const params = this.paramGroups.flatMap((g) => g.params);
    const state = this.state.map((s, k) => s && {
      shape: params[k].shape.slice(),
      buffers: Object.fromEntries(s.names.map((n, j) => [n, Array.from(s.buffers[j].data, encodeValue)])),
    });
    return {
      optimizer: this.name,
      iterations: this._iterations,
      groups: this.paramGroups.map((g) => ({
        options: { ...(g.options as unknown as Record<string, OptionValue>) },
        params: g.params.length,
        lrScale: g.lrScale,
        currentLr: g.currentLr,
      })),
      state,
    };
  }

  /**
   * Restores a stateDict() of an optimizer of the same kind over parameters of the same count and shapes
   * (the parameters' values are not part of it). Everything is checked first: on any mismatch it throws an
   * OptimizerStateError and changes nothing.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const fail = (msg: string): never => {
      throw new OptimizerStateError(`${this.name}.loadStateDict: ${msg}; nothing was changed`);
    };
    if (!isObject(sd)) fail('the state dict must be an object');
    if (sd.optimizer !== this.name) fail(`the state dict is for '${String(sd.optimizer)}', not '${this.name}'`);
    if (!Number.isInteger(sd.iterations) || sd.iterations < 0) fail(`iterations must be a non-negative integer, got ${String(sd.iterations)}`);
    if (!Array.isArray(sd.groups) || sd.groups.length !== this.paramGroups.length) {
      fail(`it has ${Array.isArray(sd.groups) ? sd.groups.length : 'no'} param groups, this optimizer has ${this.paramGroups.length}`);
    }
    const keys = Object.keys(this.defaults).sort();
    const newOptions: O[] = [];
    sd.groups.forEach((sg, gi) => {
      const group = this.paramGroups[gi];
      if (!isObject(sg) || !isObject(sg.options)) return fail(`group ${gi} must be an object with an options object`);
      if (sg.params !== group.params.length) fail(`group ${gi} has ${String(sg.params)} parameters, this optimizer's has ${group.params.length}`);
      const given = Object.keys(sg.options).sort();
      if (given.join() !== keys.join()) fail(`group ${gi} has options [${given.join(', ')}], expected [${keys.join(', ')}]`);
      for (const key of keys) {
        const want = typeof (this.defaults as unknown as Record<string, unknown>)[key];
        if (typeof sg.options[key] !== want) fail(`group ${gi} option '${key}' must be a ${want}, got ${String(sg.options[key])}`);
      }
      const o = { ...sg.options } as unknown as O;
      try {
        this.checkAll(o, `group ${gi}`);
      } catch (e) {
        fail((e as Error).message);
      }
      for (const f of ['lrScale', 'currentLr'] as const) {
        if (!isRate(sg[f])) fail(`group ${gi} ${f} must be a finite number >= 0 (as a scheduler sets it), got ${String(sg[f])}`);
      }
      newOptions.push(o);
    });
    const total = this.paramGroups.reduce((n, g) => n + g.params.length, 0);
    if (!Array.isArray(sd.state) || sd.state.length !== total) {
      fail(`it has ${Array.isArray(sd.state) ? sd.state.length : 'no'} parameter states, this optimizer has ${total} parameters`);
    }
    // the new state, built as it is checked
    const newState: (ParamState | null)[] = [];
    this.paramGroups.forEach((group, gi) => {
      const names = this.bufferNames(newOptions[gi]);
      for (const p of group.params) {
        const k = newState.length;
        const s = sd.state[k] as unknown;
        if (s === null) {
          newState.push(null);
          continue;
        }
        if (!isObject(s) || !Array.isArray(s.shape) || !isObject(s.buffers)) fail(`state ${k} must be null or { shape, buffers }`);
        const ps = s as unknown as ParamStateDict;
        if (!sameShape(ps.shape, p.shape)) {
          fail(`state ${k} is for shape ${fmt(ps.shape)}, parameter ${k} has shape ${fmt(p.shape)}`);
        }
        const given = Object.keys(ps.buffers).sort();
        if (given.join() !== [...names].sort().join()) fail(`state ${k} has buffers [${given.join(', ')}], expected [${names.join(', ')}]`);
        const buffers = names.map((n) => {
          const b = ps.buffers[n];
          if (!Array.isArray(b) || b.length !== p.size) fail(`state ${k} buffer '${n}' must be an array of ${p.size} numbers`);
          for (const v of b) {
            if (!isStateValue(v)) fail(`state ${k} buffer '${n}' holds a non-number: ${String(v)} (non-finite values are 'NaN', 'Infinity', '-Infinity')`);
          }
          const t = zerosLike(p);
          t.data.set(b.map(Number));
          return t;
        });
        newState.push({ names, buffers });
      }
    });

    // all checked: apply
    this._iterations = sd.iterations;
    this.paramGroups.forEach((group, gi) => {
      Object.assign(group.options, newOptions[gi]);
      group.lrScale = sd.groups[gi].lrScale;
      group.currentLr = sd.groups[gi].currentLr;
    });
    this.state = newState;
  }

  // ---- construction and checks ----

  private merge(base: O, overrides: Record<string, unknown>, where: string): O {
    for (const key of Object.keys(overrides)) {
      if (!(key in base)) {
        throw new ValueError(`${where}: unknown option '${key}' (known: ${Object.keys(base).join(', ')})`);
      }
    }
    const o = { ...base };
    for (const [key, value] of Object.entries(overrides)) if (value !== undefined) (o as Record<string, unknown>)[key] = value;
    this.checkAll(o, where);
    return o;
  }

  private checkAll(o: O, where: string): void {
    checkRange(where, 'lr', o.lr, 0);
    checkRange(where, 'decay', o.decay, 0);
    this.checkOptions(o, where);
  }

  private makeGroups(params: Params<O>, where: string): ParamGroup<O>[] {
    if (!isIterable(params)) {
      throw new ValueError(`${where}: params must be an array or iterable of Tensors, or of param groups { params, ...options }`);
    }
    const items = Array.from(params as Iterable<unknown>);
    if (items.length === 0) throw new ValueError(`${where}: got an empty parameter list`);
    let specs: { params: Iterable<Tensor> }[];
    if (items.every((x) => x instanceof Tensor)) {
      specs = [{ params: items as Tensor[] }];
    } else if (items.every(isGroupSpec)) {
      specs = items;
    } else {
      throw new ValueError(`${where}: params must be all Tensors or all param groups { params, ...options }, not a mix`);
    }
    const seen = new Set<Tensor>();
    return specs.map((spec, gi) => this.makeGroup(spec, specs.length > 1 ? `${where} (param group ${gi})` : where, seen));
  }

  /** One group, checked against the parameters `seen` in other groups; its state slots are added once all is checked. */
  private makeGroup(spec: { params: Iterable<Tensor> }, gwhere: string, seen: Set<Tensor>): ParamGroup<O> {
    const { params: ps, ...overrides } = spec;
    if (!isIterable(ps)) throw new ValueError(`${gwhere}: params must be an array or iterable of Tensors`);
    const list = Array.from(ps);
    list.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new ValueError(`${gwhere}: parameter ${i} is not a Tensor`);
      if (p.dtype !== 'float32' && p.dtype !== 'float64') {
        throw new DTypeError(`${gwhere}: parameter ${i} must be float32 or float64, got ${p.dtype}`);
      }
      if (!p.isLeaf) throw new ValueError(`${gwhere}: parameter ${i} is not a leaf tensor (it was made by an op); optimize leaves only`);
      if (seen.has(p)) throw new ValueError(`${gwhere}: parameter ${i} appears more than once (a parameter may be in one param group only)`);
      seen.add(p);
    });
    const options = this.merge(this.defaults, overrides, gwhere);
    for (let i = 0; i < list.length; i++) this.state.push(null);
    return { params: list, options, lrScale: 1, currentLr: options.lr };
  }

  private checkGradients(): void {
    let k = 0;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (g !== null) {
          if (!sameShape(g.shape, p.shape)) {
            throw new ShapeError(
              `${this.name}.step: parameter ${k} has shape ${fmt(p.shape)} but its grad has shape ${fmt(g.shape)}; nothing was changed`,
            );
          }
          if (g.dtype !== p.dtype) {
            throw new DTypeError(`${this.name}.step: parameter ${k} is ${p.dtype} but its grad is ${g.dtype}; nothing was changed`);
          }
          if (!this.allowNonFinite) {
            const i = backend().firstNonFinite(g.data);
            if (i >= 0) throw new NonFiniteGradientError(k, p.shape, g.data[i], i);
          }
        }
        k++;
      }
    }
  }
}
