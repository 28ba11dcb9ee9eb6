// Module: the base of layers and models. Parameters and submodules are found from its fields.
import { Tensor, ShapeError, DTypeError, ValueError } from '@tensorgrad/core';
import { fmt, sameShape } from '@tensorgrad/core/util';
import type { ConfigWriter, JsonObject, OnnxGraphBuilder, TorchParameter } from './registry.js';

/** A mismatch between a state dict and a module: names, shapes or dtypes. */
export class StateDictError extends ValueError {}

export type StateDict = Record<string, Tensor>;

/** Names for an error message: the first `few`, then how many more (a hostile file may hold millions). */
export function nameList(names: readonly string[], few = 5): string {
  const shown = names.slice(0, few).join(', ');
  return names.length > few ? `${shown} and ${names.length - few} more` : shown;
}

/**
 * Fields holding a Tensor that requires grad are parameters; fields holding a Module (or an array of them)
 * are submodules. `registerParameter` / `registerModule` add ones that fields cannot express.
 */
export abstract class Module {
  /** True in training mode (Dropout drops), false in eval mode. */
  training = true;
  private readonly registered = new Map<string, Tensor | Module>();

  abstract forward(x: Tensor): Tensor;

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

  registerParameter(name: string, t: Tensor): Tensor {
    if (!t.requiresGrad) throw new ValueError(`registerParameter '${name}': a parameter must require grad`);
    this.registered.set(name, t);
    return t;
  }

  registerModule<M extends Module>(name: string, m: M): M {
    this.registered.set(name, m);
    return m;
  }

  /** Direct children: [name, parameter or module], fields first, in declaration order. */
  private children(): [string, Tensor | Module][] {
    const out: [string, Tensor | Module][] = [];
    const visit = (name: string, v: unknown) => {
      if (v instanceof Module) out.push([name, v]);
      else if (v instanceof Tensor && v.isLeaf && v.requiresGrad) out.push([name, v]);
      else if (Array.isArray(v)) v.forEach((item, i) => visit(`${name}.${i}`, item));
    };
    for (const [k, v] of Object.entries(this)) if (k !== 'registered') visit(k, v);
    for (const [k, v] of this.registered) out.push([k, v]);
    return out;
  }

  /** Every parameter with its dotted name (`layers.0.weights`), each once. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const seen = new Set<Tensor>();
    const out: [string, Tensor][] = [];
    const walk = (m: Module, pre: string) => {
      for (const [name, v] of m.children()) {
        if (v instanceof Module) walk(v, `${pre}${name}.`);
        else if (!seen.has(v)) {
          seen.add(v);
          out.push([`${pre}${name}`, v]);
        }
      }
    };
    walk(this, prefix);
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** This module and all below it, depth first. */
  modules(): Module[] {
    const out: Module[] = [this];
    for (const [, v] of this.children()) if (v instanceof Module) out.push(...v.modules());
    return out;
  }

  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Copies of the parameters by name. */
  stateDict(): StateDict {
    const sd: StateDict = {};
    for (const [name, p] of this.namedParameters()) sd[name] = p.detach().clone();
    return sd;
  }

  /**
   * Copies values into the parameters. Names, shapes and dtypes must match exactly; on any mismatch it throws
   * and changes nothing.
   */
  loadStateDict(sd: StateDict): void {
    const params = new Map(this.namedParameters());
    const given = Object.keys(sd);
    const missing = [...params.keys()].filter((k) => !(k in sd));
    const extra = given.filter((k) => !params.has(k));
    if (missing.length > 0 || extra.length > 0) {
      throw new StateDictError(
        `loadStateDict: names differ: missing [${nameList(missing)}], unexpected [${nameList(extra)}]`,
      );
    }
    for (const [name, p] of params) {
      const t = sd[name];
      if (!(t instanceof Tensor)) throw new StateDictError(`loadStateDict: '${name}' is not a Tensor`);
      if (!sameShape(t.shape, p.shape)) {
        throw new ShapeError(`loadStateDict: '${name}' has shape ${fmt(t.shape)}, the parameter has ${fmt(p.shape)}`);
      }
      if (t.dtype !== p.dtype) throw new DTypeError(`loadStateDict: '${name}' is ${t.dtype}, the parameter is ${p.dtype}`);
    }
    for (const [name, p] of params) p.data.set(sd[name].data);
  }
}
