// Gradients as values: torch.autograd.grad-style `gradients`, and JAX-style transforms over functions.
import { GraphError, ShapeError, ValueError } from './errors.js';
import { enableGrad, isGradEnabled, runBackward, unrecordedError } from './autograd.js';
import { fmt, sameShape } from './shape.js';
import { Tensor } from './tensor.js';
import { clone, onesLike, zerosLike, mul, sum, add } from './ops/index.js';

export interface GradientsOptions {
  /** The vector of the vector-Jacobian product; needed when output is not a scalar. */
  gradOutput?: Tensor;
  retainGraph?: boolean;
  /** Record the backward so the returned gradients are differentiable. */
  createGraph?: boolean;
}

/**
 * d(output)/d(input) for each input, returned rather than accumulated into .grad (like torch.autograd.grad).
 * An input that output does not depend on gets zeros.
 */
export function gradients(output: Tensor, inputs: readonly Tensor[], options: GradientsOptions = {}): Tensor[] {
  for (const [i, x] of inputs.entries()) {
    if (!x.requiresGrad) throw new GraphError(`gradients: input ${i} (shape ${fmt(x.shape)}) does not require grad`);
  }
  let g = options.gradOutput;
  if (g === undefined) {
    if (output.size !== 1) throw new GraphError(`gradients: a gradOutput is needed for a non-scalar output (shape ${fmt(output.shape)})`);
    g = onesLike(output);
  } else if (!sameShape(g.shape, output.shape)) {
    throw new ShapeError(`gradients: gradOutput has shape ${fmt(g.shape)} but the output has shape ${fmt(output.shape)}`);
  }
  if (!output.requiresGrad) {
    if (output._unrecorded) throw unrecordedError('gradients', output);
    return inputs.map((x) => zerosLike(x));
  }
  const grads = runBackward(output, g, { retainGraph: options.retainGraph, createGraph: options.createGraph }, inputs)!;
  return grads.map((gx, i) => gx ?? zerosLike(inputs[i]));
}

type Fn = (...args: Tensor[]) => Tensor;

/** The argument as a tensor that is tracked here, and still connected to an outer transform's graph. */
function track(x: Tensor, i: number): Tensor {
  if (!(x instanceof Tensor)) throw new ValueError(`argument ${i} must be a Tensor`);
  return x.requiresGrad ? clone(x) : x.detach().requiresGrad_(true);
}

function argList(argnums: number | readonly number[], count: number): number[] {
  const list = typeof argnums === 'number' ? [argnums] : [...argnums];
  for (const n of list) {
    if (!Number.isInteger(n) || n < 0 || n >= count) throw new ValueError(`argnums: ${n} is not the index of one of the ${count} arguments`);
  }
  return list;
}

/** Runs f on tracked copies of the chosen arguments; `nested` is true inside another transform. */
function traced(f: Fn, args: readonly Tensor[], nums: readonly number[]) {
  const nested = isGradEnabled() && nums.some((n) => args[n].requiresGrad);
  const xs = args.slice();
  for (const n of nums) xs[n] = track(args[n], n);
  const out = enableGrad(() => f(...xs));
  if (!(out instanceof Tensor)) throw new ValueError('the function must return a Tensor');
  return { out, xs: nums.map((n) => xs[n]), nested };
}

/**
 * valueAndGrad(f, argnums)(...args) returns [f(...args), gradient(s)] for a scalar-valued f: one tensor for a
 * number argnums, an array for an array. Composable: grad(grad(f)) gives second derivatives.
 */
export function valueAndGrad(f: Fn, argnums: number | readonly number[] = 0): (...args: Tensor[]) => [Tensor, Tensor | Tensor[]] {
  return (...args) => {
    const nums = argList(argnums, args.length);
    const { out, xs, nested } = traced(f, args, nums);
    if (out.size !== 1) throw new ShapeError(`grad: the function must return a scalar, got shape ${fmt(out.shape)} (use vjp)`);
    const gs = gradients(out, xs, { createGraph: nested });
    return [nested ? out : out.detach(), typeof argnums === 'number' ? gs[0] : gs];
  };
}

/** grad(f, argnums)(...args): the gradient of scalar f with respect to the chosen arguments (see valueAndGrad). */
export function grad(f: Fn, argnums: number | readonly number[] = 0): (...args: Tensor[]) => Tensor | Tensor[] {
  const vg = valueAndGrad(f, argnums);
  return (...args) => vg(...args)[1];
}

/** Vector-Jacobian product: [f(...inputs), v^T J for each input]. */
export function vjp(f: Fn, inputs: readonly Tensor[], v: Tensor): [Tensor, Tensor[]] {
  const nums = inputs.map((_, i) => i);
  const { out, xs, nested } = traced(f, inputs, nums);
  const gs = gradients(out, xs, { gradOutput: v, createGraph: nested });
  return [nested ? out : out.detach(), gs];
}

/** Hessian-vector product of scalar f: [f(...inputs), H v], with v one tensor per input. */
export function hvp(f: Fn, inputs: readonly Tensor[], v: readonly Tensor[]): [Tensor, Tensor[]] {
  if (v.length !== inputs.length) throw new ValueError(`hvp: needs one vector per input: ${inputs.length} inputs, ${v.length} vectors`);
  const nums = inputs.map((_, i) => i);
  const { out, xs, nested } = traced(f, inputs, nums);
  if (out.size !== 1) throw new ShapeError(`hvp: the function must return a scalar, got shape ${fmt(out.shape)}`);
  const gs = gradients(out, xs, { createGraph: true });
  // the sum over inputs of g . v, whose gradient is H v
  const dot = gs
    .map((g, i) => {
      if (!sameShape(v[i].shape, g.shape)) throw new ShapeError(`hvp: vector ${i} has shape ${fmt(v[i].shape)}, input ${i} has ${fmt(g.shape)}`);
      return sum(mul(g, v[i]));
    })
    .reduce((a, b) => add(a, b));
  const hv = gradients(dot, xs, { createGraph: nested });
  return [nested ? out : out.detach(), hv];
}
