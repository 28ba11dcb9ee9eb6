// Grad mode, the graph nodes that ops record, and the reverse walk over them.
import { GraphError, ShapeError } from './errors.js';
import { anomalyEnabled, checkBackward, checkForward, inBackwardWalk, rememberSite } from './anomaly.js';
import { fmt, sameShape } from './shape.js';
import { backend } from './backend.js';
import type { Tensor } from './tensor.js';

/**
 * What the backward walk tells a backward function about the call under way. One object per walk and kind of
 * call: read it during the call, do not keep it.
 */
export interface BackwardContext {
  /**
   * The walk is recorded (backward({ createGraph: true })): gradients must come from recorded ops so that they
   * can be differentiated again. When false nothing is recorded, and a backward may compute with raw kernels.
   */
  readonly createGraph: boolean;
  /**
   * The walk hands `grad` over: nothing else holds it or its values, so the function may write into it and
   * return it as its own result. Never true under createGraph.
   */
  readonly owned: boolean;
  /**
   * Marks t, a gradient the function has just allocated and keeps nothing of (nor of its values), as the walk's
   * own: the walk may then sum another gradient into it, hand it on as owned, and make it a leaf's .grad without
   * a copy. Returns t. Does nothing under createGraph.
   */
  fresh(t: Tensor): Tensor;
}

/** Gradients of an op's inputs, given the gradient of its output; null where an input gets none. */
export type BackwardFn = (grad: Tensor, ctx: BackwardContext) => readonly (Tensor | null | undefined)[];

/** What an op leaves on the tensor it made: its name, its inputs and how to send a gradient back to them. */
export interface Node {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Set to null once the graph is freed by a backward without retainGraph. */
  backward: BackwardFn | null;
}

/**
 * The name of a registered op: only registerOp (ops/registry.ts) makes one, so record() cannot be given a name
 * that was never registered, and each op's name is written once, where it is registered.
 */
export type OpName = string & { readonly __registeredOp: unique symbol };

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = enabled;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Runs fn without recording any op: results do not require grad. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs fn with recording on, also inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

/**
 * Called by every differentiable op after it computed `out`: links out to its inputs when grad mode is on
 * and some input requires grad. Returns out. In anomaly mode it also checks the output for new NaN/Infinity
 * (grad mode or not) and remembers where the node was made.
 */
export function record(op: OpName, out: Tensor, inputs: readonly Tensor[], backward: BackwardFn): Tensor {
  if (anomalyEnabled) checkForward(op, out, inputs);
  if (!gradEnabled) return markUnrecorded(out, inputs);
  for (let i = 0; i < inputs.length; i++) {
    if (inputs[i].requiresGrad) {
      const node: Node = { op, inputs, backward };
      if (anomalyEnabled) rememberSite(node);
      out._setNode(node);
      return out;
    }
  }
  return out;
}

/** Under noGrad: out would have required grad, so backward or gradients() on it is a mistake to report (GraphError). */
function markUnrecorded(out: Tensor, inputs: readonly Tensor[]): Tensor {
  for (let i = 0; i < inputs.length; i++) {
    if (inputs[i].requiresGrad || inputs[i]._unrecorded) {
      out._unrecorded = true;
      break;
    }
  }
  return out;
}

/** The GraphError for backward or gradients() from a tensor that noGrad kept out of the graph. */
export function unrecordedError(what: string, t: Tensor): GraphError {
  return new GraphError(
    `${what}: this tensor (shape ${fmt(t.shape)}) was computed under noGrad from tensors that require grad, so no graph was ` +
      'recorded and there is nothing to differentiate; compute it outside noGrad (or inside enableGrad)',
  );
}

export interface BackwardOptions {
  /** Keep the graph so that backward can run through it again. */
  retainGraph?: boolean;
  /** Record the backward pass itself, so gradients can be differentiated again (implies retainGraph). */
  createGraph?: boolean;
}

/**
 * Tensors reachable from root through nodes, inputs before the tensors made from them, each once. Iterative:
 * graphs may be very deep. By default only inputs that require grad are followed (what backward needs);
 * `everyInput` follows all of them (graphNodes lists the whole graph).
 */
export function topologicalOrder(root: Tensor, everyInput = false): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>([root]);
  const stack: Tensor[] = [root];
  const next: number[] = [0];
  while (stack.length > 0) {
    const top = stack.length - 1;
    const t = stack[top];
    const inputs = t.node ? t.node.inputs : [];
    const i = next[top];
    if (i < inputs.length) {
      next[top] = i + 1;
      const x = inputs[i];
      if ((everyInput || x.requiresGrad) && !visited.has(x)) {
        visited.add(x);
        stack.push(x);
        next.push(0);
      }
    } else {
      stack.pop();
      next.pop();
      order.push(t);
    }
  }
  return order;
}

/**
 * The reverse walk. With `targets`, returns the gradients of those tensors and leaves every .grad alone
 * (as torch.autograd.grad); without, accumulates into the .grad of leaves and of tensors that retainGrad().
 * Nothing changes until the whole walk has succeeded: .grad is written and the graph freed only at the end, so
 * a backward that throws (an AnomalyError, a bad custom backward) leaves every .grad and the graph as they were.
 */
export function runBackward(
  root: Tensor,
  gradient: Tensor,
  options: BackwardOptions,
  targets?: readonly Tensor[],
): (Tensor | null)[] | undefined {
  const createGraph = options.createGraph ?? false;
  const retainGraph = options.retainGraph ?? createGraph;
  const order = topologicalOrder(root);
  for (const t of order) {
    if (t.node && t.node.backward === null) {
      throw new GraphError(
        `backward: the graph through '${t.node.op}' (output shape ${fmt(t.shape)}) was already freed by an earlier backward; ` +
          'pass { retainGraph: true } to the first backward to run backward through it again',
      );
    }
  }
  const anomaly = anomalyEnabled;
  const wanted = targets ? new Map<Tensor, Tensor | null>(targets.map((t) => [t, null])) : null;
  const grads = new Map<Tensor, Tensor | undefined>([[root, gradient]]);
  // written to .grad after the walk: the tensor, its gradient, and whether that is the walk's own (owned)
  const toWrite: [Tensor, Tensor, boolean][] = [];
  // Gradients that a backward function has just allocated and holds no other reference to (nor to their
  // values): the walk hands such a gradient on as owned (relu's backward then writes into it), sums a second
  // gradient into it, and a leaf takes it as its .grad without a copy. Anything that lets other code see it (a
  // hook, retainGrad, a gradients() target) ends that. Empty under createGraph.
  const fresh = new Set<Tensor>();
  const markFresh = (t: Tensor): Tensor => {
    if (!createGraph && !t.requiresGrad) fresh.add(t);
    return t;
  };
  const handedOver: BackwardContext = { createGraph, owned: true, fresh: markFresh };
  const shared: BackwardContext = { createGraph, owned: false, fresh: markFresh };
  const ran: Node[] = [];
  const walk = () => {
    for (let k = order.length - 1; k >= 0; k--) {
      const t = order[k];
      let g = grads.get(t);
      if (g === undefined) continue;
      grads.set(t, undefined); // frees it as delete would, without rehashing a shrinking map
      let owned = fresh.delete(g);
      if (t._hasHooks) {
        owned = false;
        g = t._applyHooks(g);
      }
      if (wanted) {
        if (wanted.has(t)) {
          wanted.set(t, g);
          owned = false;
        }
      } else if (t.isLeaf || t._retainsGrad) {
        toWrite.push([t, g, owned && t.isLeaf]); // a non-leaf's backward may pass on views of g: .grad gets a copy
        owned = false;
      }
      const node = t.node;
      if (node === null || node.backward === null) continue;
      const inputGrads = node.backward(g, owned ? handedOver : shared);
      if (anomaly) checkBackward(node, inputGrads);
      ran.push(node);
      for (let i = 0; i < node.inputs.length; i++) {
        const x = node.inputs[i];
        let gx = inputGrads[i];
        if (gx === null || gx === undefined || !x.requiresGrad) continue;
        if (!sameShape(gx.shape, x.shape)) {
          throw new ShapeError(
            `backward of '${node.op}': the gradient for input ${i} has shape ${fmt(gx.shape)} but the input has shape ${fmt(x.shape)}`,
          );
        }
        if (gx.dtype !== x.dtype) gx = gx.astype(x.dtype);
        const acc = grads.get(x);
        if (acc === undefined) grads.set(x, gx);
        else if (fresh.has(acc)) accumulateInto(acc, gx); // only the walk holds acc: sum in place
        else grads.set(x, markFresh(acc.add(gx)));
      }
    }
    for (const [t, g, owned] of toWrite) t._accumulateGrad(g, createGraph, owned);
  };
  withGradMode(createGraph, anomaly ? () => inBackwardWalk(walk) : walk);
  if (!retainGraph) for (const node of ran) node.backward = null;
  return targets && wanted ? targets.map((t) => wanted.get(t) ?? null) : undefined;
}

/**
 * acc += g in place, for two gradients of one tensor (same shape and dtype): the values acc.add(g) would have.
 * The one accumulation of gradients: the walk's and Tensor._accumulateGrad's.
 */
export function accumulateInto(acc: Tensor, g: Tensor): void {
  backend().addInPlace(acc.data, g.data);
}
