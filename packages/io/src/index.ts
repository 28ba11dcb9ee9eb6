// @tensorgrad/io in a browser (package.json's "default" condition): every file format as bytes in, bytes out.
// Node gets index.node.ts (the "node" condition): all of this and the file functions of files.node.ts.
export {
  encodeSafetensors, decodeSafetensors, SafetensorsError, MAX_HEADER_BYTES, MAX_TENSORS, type DecodeOptions, type Safetensors,
} from './safetensors.js';
export { parametersToBytes, parametersFromBytes } from './params.js';
export { modelToJson, modelFromJson, modelToArtifacts, modelFromArtifacts, MODEL_FORMAT, MODEL_FORMAT_VERSION } from './modelfile.js';
export { ModelFormatError, MODEL_LIMITS, registerLayer, type LayerSerializer, type JsonValue, type JsonObject } from '@tensorgrad/nn';
export { onnxToBytes, OnnxExportError, type OnnxExportOptions } from './onnx.js';
export { toTorchStateDict, fromTorchStateDict, torchSafetensorsToBytes, torchSafetensorsFromBytes, TorchStateDictError } from './torch.js';
export { parseIdx, IdxError, MAX_IDX_BYTES } from './idx.js';
export { parseCsv, csvRecords, CsvError, MAX_CSV_BYTES, type CsvOptions, type CsvData, type CsvRecord } from './csv.js';
