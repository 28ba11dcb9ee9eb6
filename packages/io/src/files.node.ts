// Node-only: every function here reads or writes files. node:fs is reached at call time through
// process.getBuiltinModule, so a browser can still load the package and use the bytes functions beside these.
import { type Tensor, ValueError } from '@tensorgrad/core';
import type { Module, Model } from '@tensorgrad/nn';
import { parametersToBytes, parametersFromBytes } from './params.js';
import { torchSafetensorsToBytes, torchSafetensorsFromBytes } from './torch.js';
import { modelToArtifacts, modelFromArtifacts, ModelFormatError, MODEL_LIMITS } from './modelfile.js';
import { onnxToBytes, OnnxExportError, type OnnxExportOptions } from './onnx.js';

type Fs = typeof import('node:fs');

/** node:fs, or an error telling `where` needs Node and which bytes-level function (`instead`) works elsewhere. */
export function nodeFs(where: string, instead: string): { fs: Fs; pid: number } {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; pid?: number } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as Fs | undefined;
  if (fs === undefined) throw new ValueError(`${where}: needs Node >= 20.16 (process.getBuiltinModule); elsewhere use ${instead}`);
  return { fs, pid: proc?.pid ?? 0 };
}

/** Writes a temporary file beside `path` and renames it, so a crash never leaves half a file. */
export function writeFileAtomic(where: string, instead: string, path: string, data: Uint8Array | string): void {
  const { fs, pid } = nodeFs(where, instead);
  const tmp = `${path}.${pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, path);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

function readFile(where: string, instead: string, path: string): Uint8Array {
  return nodeFs(where, instead).fs.readFileSync(path);
}

/** `dir/name` with one separator between them (both separators work on Windows and POSIX). */
export function joinPath(dir: string, name: string): string {
  return /[\\/]$/.test(dir) ? dir + name : `${dir}/${name}`;
}

/** Writes the parameters to a .safetensors file. It writes a temporary file and renames it, so a crash never leaves half a file. */
export function saveParameters(model: Module, path: string, metadata?: Record<string, string>): void {
  writeFileAtomic('saveParameters', 'parametersToBytes', path, parametersToBytes(model, metadata));
}

/** Reads a .safetensors file into the parameters; all or nothing, as parametersFromBytes. */
export function loadParameters(model: Module, path: string): void {
  parametersFromBytes(model, readFile('loadParameters', 'parametersFromBytes', path));
}

/** Writes the model's Dense parameters as a PyTorch-layout safetensors file (a temporary file, then a rename). */
export function saveTorchSafetensors(model: Module, path: string, metadata?: Record<string, string>): void {
  writeFileAtomic('saveTorchSafetensors', 'torchSafetensorsToBytes', path, torchSafetensorsToBytes(model, metadata));
}

/**
 * Loads a safetensors file written from PyTorch, e.g. by `safetensors.torch.save_file(net.state_dict(), path)`
 * for `net = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 3))` into
 * `new Sequential([new Dense(2, 64), new ReLU(), new Dense(64, 3)])`. All or nothing.
 */
export function loadTorchSafetensors(model: Module, path: string): void {
  torchSafetensorsFromBytes(model, readFile('loadTorchSafetensors', 'torchSafetensorsFromBytes', path));
}

/**
 * onnxToBytes, and with a path as `target` the bytes are also written there (a temporary file, then a rename);
 * `{ bytes: true }` only returns them.
 */
export function exportOnnx(model: Module, sampleInput: Tensor, target: string | { bytes: true }, options: OnnxExportOptions = {}): Uint8Array {
  if (typeof target !== 'string' && target?.bytes !== true) {
    throw new OnnxExportError('exportOnnx: target must be a file path or { bytes: true }');
  }
  const bytes = onnxToBytes(model, sampleInput, options, 'exportOnnx');
  if (typeof target === 'string') writeFileAtomic('exportOnnx', 'onnxToBytes', target, bytes);
  return bytes;
}

const INSTEAD = 'modelToArtifacts / modelFromArtifacts';

/**
 * Writes `dir/model.json` (layers, loss, accuracy: see modelToJson) and `dir/model.safetensors` (the parameters),
 * creating dir if needed. The optimizer and its state are not saved. Custom layers must be registered with
 * registerLayer first; otherwise it throws ModelFormatError before writing anything.
 */
export function saveModel(model: Model, dir: string): void {
  const { json, weights } = modelToArtifacts(model); // any error about the model comes before a file is touched
  nodeFs('saveModel', INSTEAD).fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic('saveModel', INSTEAD, joinPath(dir, 'model.safetensors'), weights);
  writeFileAtomic('saveModel', INSTEAD, joinPath(dir, 'model.json'), json);
}

/**
 * A new Model rebuilt from a directory written by saveModel: layers, parameters, loss and accuracy (a custom accuracy
 * function is not saved: set it again). Set an optimizer (model.set({ optimizer })) to train on. A bad file throws a
 * named error (ModelFormatError, SafetensorsError, StateDictError, ShapeError, DTypeError); as it returns a new
 * model, no existing model is ever changed.
 */
export function loadModel(dir: string): Model {
  const { fs } = nodeFs('loadModel', INSTEAD);
  const jsonFile = joinPath(dir, 'model.json');
  const size = fs.statSync(jsonFile).size;
  // UTF-8 takes at most 3 bytes per UTF-16 unit, so a file over 4 bytes per allowed character is surely too long: do not read it.
  if (size > 4 * MODEL_LIMITS.jsonChars) throw new ModelFormatError(`loadModel: ${jsonFile} is ${size} bytes, far over the limit of ${MODEL_LIMITS.jsonChars} characters`);
  return modelFromArtifacts(fs.readFileSync(jsonFile, 'utf8'), fs.readFileSync(joinPath(dir, 'model.safetensors')));
}
