import type { DType } from './dtype.js';
import type { Shape } from './shape.js';

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

/**
 * Anomaly mode (detectAnomaly) saw an op produce NaN or Infinity: in its forward output (where its inputs had
 * none) or in a gradient its backward returned. `createdAt` is where, in the caller's code, the op was run.
 */
export class AnomalyError extends GraphError {
  readonly op: string;
  readonly phase: 'forward' | 'backward';
  readonly inputShapes: readonly Shape[];
  readonly inputDtypes: readonly DType[];
  readonly createdAt: string;
  constructor(
    message: string,
    info: { op: string; phase: 'forward' | 'backward'; inputShapes: readonly Shape[]; inputDtypes: readonly DType[]; createdAt: string },
  ) {
    super(message);
    this.op = info.op;
    this.phase = info.phase;
    this.inputShapes = info.inputShapes;
    this.inputDtypes = info.inputDtypes;
    this.createdAt = info.createdAt;
  }
}

/** An index or label out of range, or an axis that the tensor does not have. */
export class IndexError extends TensorgradError {}

/** An argument of the wrong kind or value that is not a shape, dtype or index problem. */
export class ValueError extends TensorgradError {}

/** A backend or backend setting that cannot be honoured (unknown name, wasm where the engine lacks SIMD, a bad TENSORGRAD_* variable). */
export class BackendError extends TensorgradError {}
