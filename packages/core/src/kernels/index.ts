// The kernels: the Backend interface (backend.ts) and the JS backend of plain loops (js.ts and the files it gathers).
export { type Backend, type BackendKernels, type BinaryKernel, type BinaryKernelName, type UnaryKernel, type UnaryKernelName, type AxisKernel, type MatmulPrecision } from './backend.js';
export { jsBackend } from './js.js';
