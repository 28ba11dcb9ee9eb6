// The list of every op, kept apart so that op modules can register at load time whatever order they load in.
import type { OpName } from '../autograd.js';
import { ValueError } from '../errors.js';

export interface OpInfo {
  readonly name: string;
  /** Whether gradients flow through it (false: comparisons, argmax, sign, step, ...). */
  readonly differentiable: boolean;
  /** Defined by a user with customOp rather than built in. */
  readonly custom: boolean;
}

const registry = new Map<string, OpInfo>();

/**
 * Adds an op to the registry that lists every op (the tests check each differentiable one has a gradient
 * property) and returns the name record() takes. A built-in name can be registered once only; a custom op may
 * be defined again under its name (the later definition replaces the earlier one in the list).
 */
export function registerOp(name: string, differentiable: boolean, custom = false): OpName {
  const known = registry.get(name);
  if (known !== undefined && !(custom && known.custom)) {
    throw new ValueError(`registerOp: an op named '${name}' is already registered${known.custom ? ' (by customOp)' : ' (built in)'}; choose another name`);
  }
  registry.set(name, { name, differentiable, custom });
  return name as OpName;
}

/** Every registered op, built-in and custom. */
export function listOps(): OpInfo[] {
  return [...registry.values()];
}
