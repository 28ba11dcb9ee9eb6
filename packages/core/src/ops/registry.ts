// The list of every op, kept apart so that op modules can register at load time whatever order they load in.

export interface OpInfo {
  readonly name: string;
  /** Whether gradients flow through it (false: comparisons, argmax, sign, step, ...). */
  readonly differentiable: boolean;
  /** Defined by a user with customOp rather than built in. */
  readonly custom: boolean;
}

const registry = new Map<string, OpInfo>();

/** Adds an op to the registry that lists every op (the tests check each differentiable one has a gradient property). */
export function registerOp(name: string, differentiable: boolean, custom = false): void {
  registry.set(name, { name, differentiable, custom });
}

/** Every registered op, built-in and custom. */
export function listOps(): OpInfo[] {
  return [...registry.values()];
}
