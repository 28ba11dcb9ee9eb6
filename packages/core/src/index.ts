// @tensorgrad/core: tensors that record the ops that made them, and reverse-mode autodiff over that record.
export { Tensor, type NestedArray, type GradHook, type TensorMethods } from './tensor.js';
export { type DType, type TypedArray, getDefaultDtype, setDefaultDtype } from './dtype.js';
export { TensorgradError, ShapeError, DTypeError, GraphError, IndexError, ValueError } from './errors.js';
export { type Shape, MAX_SIZE } from './shape.js';
export { noGrad, enableGrad, isGradEnabled, type BackwardOptions, type BackwardContext, type BackwardFn, type Node } from './autograd.js';
export * from './ops/index.js';
export { Generator, type GeneratorState, defaultGenerator, manualSeed, RandomArgumentError, RandomStateError } from './random.js';
export { formatArray } from './format.js';
export { gradients, grad, valueAndGrad, vjp, hvp, type GradientsOptions } from './functional.js';
export { customOp, type CustomOpSpec, type OpContext } from './customop.js';
export { gradcheck, gradgradcheck, GradcheckError, type GradcheckOptions, type GradcheckReport } from './gradcheck.js';
export {
  BackendError, DEFAULT_MIN_FLOPS, backend, setBackend, getBackend, setNumThreads, getNumThreads, setMatmulPrecision, getMatmulPrecision,
  backendInfo, type Backend, type BackendName, type MatmulPrecision, type BackendInfo, type NativeStatus,
} from './backend.js';
export { jsBackend } from './kernels/js.js';
// Our own exp, log, sin, ... (the kernels' scalar functions): the same bits on every JavaScript engine
export * as libm from './kernels/libm.js';
export { AnomalyError, detectAnomaly, setDetectAnomaly, isAnomalyEnabled } from './anomaly.js';
export { graphNodes, formatGraph, type GraphNode } from './graph.js';
