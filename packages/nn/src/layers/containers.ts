// ModuleList and ModuleDict: containers whose modules are registered (trained, saved, moved) but which have no
// forward of their own, as PyTorch's; a model's forward calls their modules.
import type { Tensor } from '@tensorgrad/core';
import { Module, ModuleError } from '../module.js';
import { registerLayer, type ConfigReader, type ConfigWriter, type JsonObject } from '../registry.js';

function noForward(container: string): never {
  throw new ModuleError(`${container} has no forward: call its modules from your module's forward`);
}

function checkModule(where: string, m: unknown): void {
  if (!(m instanceof Module)) throw new ModuleError(`${where}: expected a Module, got ${m === null ? 'null' : typeof m}`);
}

/** An array of modules named "0", "1", ... as torch.nn.ModuleList: push, at, length and iteration. */
export class ModuleList<M extends Module = Module> extends Module implements Iterable<M> {
  static readonly typeName = 'ModuleList';
  readonly #items: M[] = [];

  constructor(modules: Iterable<M> = []) {
    super();
    this.push(...modules);
  }

  get length(): number {
    return this.#items.length;
  }

  /** Appends modules; returns the new length. */
  push(...modules: M[]): number {
    modules.forEach((m, i) => checkModule(`ModuleList.push (item ${i})`, m));
    for (const m of modules) this.#items.push(this.registerModule(String(this.#items.length), m));
    return this.#items.length;
  }

  /** The module at index i (negative counts from the end), or undefined. */
  at(i: number): M | undefined {
    return this.#items.at(i);
  }

  [Symbol.iterator](): Iterator<M> {
    return this.#items[Symbol.iterator]();
  }

  forward(): Tensor {
    return noForward('ModuleList');
  }

  override config(w: ConfigWriter): JsonObject {
    return { modules: this.#items.map((m, i) => w.layer(m, `modules[${i}]`)) };
  }

  static fromConfig(r: ConfigReader): ModuleList {
    return new ModuleList(r.layers('modules'));
  }

  override torchChildren(): [string, Module][] {
    return this.#items.map((m, i) => [String(i), m]);
  }
}

/** Modules by name, as torch.nn.ModuleDict (insertion order; a name is a non-empty string without '.'). */
export class ModuleDict<M extends Module = Module> extends Module implements Iterable<[string, M]> {
  static readonly typeName = 'ModuleDict';
  readonly #items = new Map<string, M>();

  constructor(modules: Record<string, M> | Iterable<[string, M]> = {}) {
    super();
    const entries = Symbol.iterator in modules ? modules : Object.entries(modules);
    for (const [key, m] of entries) this.set(key, m);
  }

  get size(): number {
    return this.#items.size;
  }

  /** Adds or replaces the module under `key` (a replaced one keeps its place). */
  set(key: string, m: M): this {
    checkModule(`ModuleDict.set('${key}')`, m);
    this.#items.set(key, this.registerModule(key, m));
    return this;
  }

  get(key: string): M | undefined {
    return this.#items.get(key);
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  keys(): IterableIterator<string> {
    return this.#items.keys();
  }

  values(): IterableIterator<M> {
    return this.#items.values();
  }

  entries(): IterableIterator<[string, M]> {
    return this.#items.entries();
  }

  [Symbol.iterator](): Iterator<[string, M]> {
    return this.#items.entries();
  }

  forward(): Tensor {
    return noForward('ModuleDict');
  }

  override config(w: ConfigWriter): JsonObject {
    // fromEntries defines own keys, so even a key named '__proto__' stays a key
    return { modules: Object.fromEntries([...this.#items].map(([key, m]) => [key, w.layer(m, `modules.${key}`)])) };
  }

  static fromConfig(r: ConfigReader): ModuleDict {
    return new ModuleDict(r.namedLayers('modules'));
  }

  override torchChildren(): [string, Module][] {
    return [...this.#items];
  }
}

registerLayer(ModuleList);
registerLayer(ModuleDict);
