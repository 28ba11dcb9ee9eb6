export { type Operand, type Axis, sumToShape } from './op.js';
export { type OpInfo, listOps } from './registry.js';
export * from './creation.js';
export * from './arith.js';
export * from './unary.js';
export * from './reduce.js';
export * from './shape.js';
export * from './indexing.js';
export * from './linalg.js';
export * from './nnfunc.js';
import './methods.js'; // attaches the ops to Tensor as methods
