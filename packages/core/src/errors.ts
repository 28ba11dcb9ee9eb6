/** Base class of every error tensorgrad throws on purpose. */
export class TensorgradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit an op: broadcasting, matmul, reshape, concat, ... */
export class ShapeError extends TensorgradError {}

/** A dtype an op cannot take (int tensors asked to require grad, float labels, ...). */
export class DTypeError extends TensorgradError {}

/** Misuse of the autograd graph: backward twice through a freed graph, backward of a non-scalar without a gradient. */
export class GraphError extends TensorgradError {}

/** An index or label out of range, or an axis that the tensor does not have. */
export class IndexError extends TensorgradError {}

/** An argument of the wrong kind or value that is not a shape, dtype or index problem. */
export class ValueError extends TensorgradError {}
