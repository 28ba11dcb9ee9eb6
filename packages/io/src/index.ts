// @tensorgrad/io: every file format. The bytes functions (bytes in, bytes out) work anywhere; the file functions
// are in files.node.ts (Node only) and exported here for now.
export {
  encodeSafetensors, decodeSafetensors, SafetensorsError, MAX_HEADER_BYTES, type DecodeOptions, type Safetensors,
} from './safetensors.js';
export { parametersToBytes, parametersFromBytes } from './params.js';
export * from './modelfile.js';
export { onnxToBytes, OnnxExportError, type OnnxExportOptions } from './onnx.js';
export { toTorchStateDict, fromTorchStateDict, torchSafetensorsToBytes, torchSafetensorsFromBytes, TorchStateDictError } from './torch.js';
export {
  writeFileAtomic, saveParameters, loadParameters, saveTorchSafetensors, loadTorchSafetensors, exportOnnx, saveModel, loadModel,
} from './files.node.js';
