export { type Operand, type Axis, type Dims, sumToShape } from './op.js';
export { type OpInfo, listOps } from './registry.js';
export * from './creation.js';
export * from './arith.js';
export * from './unary.js';
export * from './reduce.js';
export * from './shape.js';
export { gather, take, pick, oneHot } from './indexing.js';
export * from './linalg.js';
export * from './nnfunc.js';
export * from './statistics.js';
export * from './activation.js';
export * from './math.js';
export * from './scan.js';
export * from './manipulation.js';
export * from './einsum.js';
export * from './attention.js';
export * from './loss.js';
import './methods.js'; // attaches the ops to Tensor as methods
