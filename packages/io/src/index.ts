// @tensorgrad/io: every file format. The bytes functions (bytes in, bytes out) work anywhere; the file functions
// are in files.node.ts (Node only) and exported here for now.
export {
  encodeSafetensors, decodeSafetensors, SafetensorsError, MAX_HEADER_BYTES, MAX_TENSORS, type DecodeOptions, type Safetensors,
} from './safetensors.js';
export { parametersToBytes, parametersFromBytes } from './params.js';
export { modelToJson, modelFromJson, modelToArtifacts, modelFromArtifacts, MODEL_FORMAT, MODEL_FORMAT_VERSION } from './modelfile.js';
export { ModelFormatError, MODEL_LIMITS, registerLayer, type LayerSerializer, type JsonValue, type JsonObject } from '@tensorgrad/nn';
export { onnxToBytes, OnnxExportError, type OnnxExportOptions } from './onnx.js';
export { toTorchStateDict, fromTorchStateDict, torchSafetensorsToBytes, torchSafetensorsFromBytes, TorchStateDictError } from './torch.js';
export {
  writeFileAtomic, readFileLimited, FileError, saveParameters, loadParameters, saveTorchSafetensors, loadTorchSafetensors, exportOnnx,
  saveModel, loadModel,
} from './files.node.js';
