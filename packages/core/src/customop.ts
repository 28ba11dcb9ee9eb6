// User-defined ops with their own forward and backward (like PyTorch's autograd.Function).
import { GraphError, ValueError } from './errors.js';
import { noGrad, record } from './autograd.js';
import { Tensor } from './tensor.js';
import { asTensor, type Operand } from './ops/op.js';
import { registerOp } from './ops/registry.js';

/** What a custom op's forward leaves for its backward. Extra fields may be set freely (ctx.slope = 0.1). */
export interface OpContext {
  /** Keeps tensors for backward (saved inputs stay differentiable for higher-order gradients). */
  save(...tensors: Tensor[]): void;
  readonly saved: readonly Tensor[];
  /** Whether each input requires grad, so backward can skip work. */
  readonly needsInputGrad: readonly boolean[];
  /**
   * During backward: whether it is being recorded (backward({ createGraph: true })), so its gradients must come
   * from tensor ops to be differentiable again; when false, backward may compute them with raw loops. False in forward.
   */
  readonly createGraph: boolean;
  [key: string]: unknown;
}

export interface CustomOpSpec {
  /** Shown in errors and graph listings. */
  name: string;
  /** Computes the output; runs with recording off, so use any tensor ops or raw typed-array loops. */
  forward(ctx: OpContext, ...inputs: Tensor[]): Tensor;
  /**
   * The gradient of each input given the output's gradient (null for none). Written with tensor ops it is
   * itself differentiable, so higher-order gradients work.
   */
  backward(ctx: OpContext, grad: Tensor): Tensor | null | readonly (Tensor | null)[];
}

/** Defines an op from a forward and a backward; the result is called like any built-in op. */
export function customOp(spec: CustomOpSpec): (...inputs: Operand[]) => Tensor {
  if (typeof spec?.forward !== 'function' || typeof spec?.backward !== 'function' || typeof spec?.name !== 'string') {
    throw new ValueError('customOp: needs { name, forward(ctx, ...inputs), backward(ctx, grad) }');
  }
  const op = registerOp(spec.name, true, true);
  return (...args) => {
    const inputs = args.map((a) => asTensor(a));
    const saved: Tensor[] = [];
    const ctx: { -readonly [K in keyof OpContext]: OpContext[K] } = {
      save: (...tensors) => void saved.push(...tensors),
      saved,
      needsInputGrad: inputs.map((t) => t.requiresGrad),
      createGraph: false,
    };
    const result = noGrad(() => spec.forward(ctx, ...inputs));
    if (!(result instanceof Tensor)) throw new ValueError(`customOp '${spec.name}': forward must return a Tensor`);
    // A new tensor over the same values, so that the graph node never lands on an input returned as is.
    const out = new Tensor(result.data, result.shape, result.dtype);
    return record(op, out, inputs, (g, walk) => {
      ctx.createGraph = walk.createGraph;
      const grads = spec.backward(ctx, g);
      const list: unknown[] = Array.isArray(grads) ? grads : [grads];
      if (list.length !== inputs.length) {
        throw new GraphError(`customOp '${spec.name}': backward returned ${list.length} gradients for ${inputs.length} inputs`);
      }
      const bad = list.findIndex((t) => t !== null && !(t instanceof Tensor));
      if (bad >= 0) {
        const got = list[bad];
        const kind = Array.isArray(got) ? 'an array' : ArrayBuffer.isView(got) ? (got as object).constructor.name : typeof got;
        throw new GraphError(`customOp '${spec.name}': backward must return a Tensor or null per input (an array of them for several inputs), got ${kind} for input ${bad}`);
      }
      return list as (Tensor | null)[];
    });
  };
}
