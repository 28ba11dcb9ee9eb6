// The graph that made a tensor, as a list (t.graphNodes()) and as text (t.graph()).
import type { DType } from './dtype.js';
import type { Shape } from './shape.js';
import { topologicalOrder } from './autograd.js';
import type { Tensor } from './tensor.js';

/** One tensor of a graph listing; `inputs` are ids of earlier entries. */
export interface GraphNode {
  id: number;
  /** The op that made the tensor, or 'leaf'. */
  op: string;
  shape: Shape;
  dtype: DType;
  inputs: number[];
  requiresGrad: boolean;
}

/**
 * The tensors that made root, inputs before the tensors made from them (root last), each listed once however
 * often it is used. Iterative, so graphs of any depth work.
 */
export function graphNodes(root: Tensor): GraphNode[] {
  const ids = new Map<Tensor, number>();
  return topologicalOrder(root, true).map((t, id) => {
    ids.set(t, id); // every input comes earlier in the order, so it already has its id
    return {
      id,
      op: t.node ? t.node.op : 'leaf',
      shape: t.shape,
      dtype: t.dtype,
      inputs: t.node ? t.node.inputs.map((x) => ids.get(x)!) : [],
      requiresGrad: t.requiresGrad,
    };
  });
}

/** graphNodes as text, one `%id = op(%inputs) dtype[shape]` line per tensor. */
export function formatGraph(root: Tensor): string {
  return graphNodes(root)
    .map((n) => {
      const type = `${n.dtype}[${n.shape.join(',')}]`;
      return n.op === 'leaf' && n.inputs.length === 0
        ? `%${n.id} = leaf ${type}${n.requiresGrad ? ' (requires grad)' : ''}`
        : `%${n.id} = ${n.op}(${n.inputs.map((i) => `%${i}`).join(', ')}) ${type}`;
    })
    .join('\n');
}
