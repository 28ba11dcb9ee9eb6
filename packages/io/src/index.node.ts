// @tensorgrad/io in Node (package.json's "node" condition): the bytes functions of index.ts and the file functions.
export * from './index.js';
export {
  writeFileAtomic, readFileLimited, FileError, saveParameters, loadParameters, saveTorchSafetensors, loadTorchSafetensors, exportOnnx,
  saveModel, loadModel, readIdx, readCsv,
} from './files.node.js';
