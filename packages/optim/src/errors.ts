import { ValueError } from '@tensorgrad/core';
import { fmt } from '@tensorgrad/core/util';

/** A gradient holds NaN or ±Infinity; step() threw before changing any parameter or state. */
export class NonFiniteGradientError extends ValueError {
  constructor(
    /** The parameter's position over all groups, in order. */
    readonly paramIndex: number,
    readonly shape: readonly number[],
    /** The first bad value, and its row-major index in the gradient. */
    readonly value: number,
    readonly index: number,
  ) {
    super(
      `step: the gradient of parameter ${paramIndex} (shape ${fmt(shape)}) holds ${value} at flat index ${index}; ` +
        `no parameter or state was changed (pass allowNonFinite: true to update anyway)`,
    );
  }
}

/** loadStateDict was given a state that does not fit this optimizer; nothing was changed. */
export class OptimizerStateError extends ValueError {}

/** clipGradNorm with errorIfNonfinite found a NaN or infinite total norm; no gradient was changed. */
export class NonFiniteNormError extends ValueError {}
