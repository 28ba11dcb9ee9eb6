// Node-only: every function here reads or writes files. node:fs is reached at call time through
// process.getBuiltinModule, so a browser can still load the package and use the bytes functions beside these.
// Reading refuses anything but a regular file (a FIFO would block, /dev/zero never ends) and reads at most a
// stated number of bytes; a saved model is one unit (see saveModel).
import { type Tensor, ValueError } from '@tensorgrad/core';
import { builtinModule, hostProcess } from '@tensorgrad/core/util';
import { type Module, type Model, ModelFormatError, MODEL_LIMITS } from '@tensorgrad/nn';
import { parametersToBytes, parametersFromBytes } from './params.js';
import { torchSafetensorsToBytes, torchSafetensorsFromBytes } from './torch.js';
import { modelToArtifacts, modelFromArtifacts, weightsHashOf } from './modelfile.js';
import { onnxToBytes, OnnxExportError, type OnnxExportOptions } from './onnx.js';
import { MAX_HEADER_BYTES } from './safetensors.js';
import { parseIdx, idxHeader, IdxError, MAX_IDX_BYTES } from './idx.js';
import { parseCsv, MAX_CSV_BYTES, type CsvOptions, type CsvData } from './csv.js';

/** A path that is not a regular file (a directory, FIFO, device...), or a file larger than the reader allows. */
export class FileError extends ValueError {}

type Fs = typeof import('node:fs');
type Crypto = typeof import('node:crypto');

function builtin<T>(id: string, where: string, instead: string): T {
  const mod = builtinModule<T>(id);
  if (mod === undefined) throw new ValueError(`${where}: needs Node >= 20.16 (process.getBuiltinModule); elsewhere use ${instead}`);
  return mod;
}

/** node:fs, or an error telling `where` needs Node and which bytes-level function (`instead`) works elsewhere. */
function nodeFs(where: string, instead: string): Fs {
  return builtin<Fs>('node:fs', where, instead);
}

/** A name for temporary files no other process or call picks. */
function tmpSuffix(): string {
  const pid = hostProcess()?.pid ?? 0;
  return `${pid}-${Math.random().toString(36).slice(2, 10)}.tmp`;
}

/** Writes `data` to a new file at `path` and flushes it to the disk before returning. */
function writeSynced(fs: Fs, path: string, data: Uint8Array | string): void {
  const fd = fs.openSync(path, 'wx');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes a temporary file beside `path` and renames it, so a crash never leaves half a file. */
export function writeFileAtomic(where: string, instead: string, path: string, data: Uint8Array | string): void {
  const fs = nodeFs(where, instead);
  const tmp = `${path}.${tmpSuffix()}`;
  try {
    writeSynced(fs, tmp, data);
    fs.renameSync(tmp, path);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

const KINDS: [keyof import('node:fs').Stats, string][] = [
  ['isDirectory', 'a directory'], ['isFIFO', 'a FIFO (named pipe)'], ['isCharacterDevice', 'a character device'],
  ['isBlockDevice', 'a block device'], ['isSocket', 'a socket'],
];

/**
 * The bytes of the regular file at `path`, at most `maxBytes` of them. Anything else (a directory, a FIFO, a device
 * such as /dev/zero, also behind a symlink) or a larger file is a FileError, raised before reading a byte: the file
 * is opened without blocking and checked through its descriptor, so what is checked is what is read.
 */
export function readFileLimited(path: string, maxBytes: number, where = 'readFileLimited'): Uint8Array {
  const fs = nodeFs(where, 'the bytes functions');
  const fd = fs.openSync(path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) {
      const kind = KINDS.find(([test]) => (st[test] as () => boolean).call(st))?.[1] ?? 'not a regular file';
      throw new FileError(`${where}: ${path} is ${kind}; only a regular file is read`);
    }
    if (st.size > maxBytes) throw new FileError(`${where}: ${path} is ${st.size} bytes, over the limit of ${maxBytes}`);
    const out = new Uint8Array(st.size);
    let got = 0;
    while (got < out.length) {
      const n = fs.readSync(fd, out, got, out.length - got, got);
      if (n === 0) throw new FileError(`${where}: ${path} became shorter while it was read (${got} of ${st.size} bytes)`);
      got += n;
    }
    return out;
  } finally {
    fs.closeSync(fd);
  }
}

/** The largest safetensors file a model of `parameters` values can have: the header and float64 data. */
const weightsLimit = (parameters: number) => 8 + MAX_HEADER_BYTES + 8 * parameters;

const count = (model: Module) => Object.values(model.stateDict({ keepVars: true })).reduce((n, t) => n + t.size, 0);

/** `dir/name` with one separator between them (both separators work on Windows and POSIX). */
function joinPath(dir: string, name: string): string {
  return /[\\/]$/.test(dir) ? dir + name : `${dir}/${name}`;
}

/** Writes the parameters to a .safetensors file. It writes a temporary file and renames it, so a crash never leaves half a file. */
export function saveParameters(model: Module, path: string, metadata?: Record<string, string>): void {
  writeFileAtomic('saveParameters', 'parametersToBytes', path, parametersToBytes(model, metadata));
}

/** Reads a .safetensors file into the parameters; all or nothing, as parametersFromBytes. Only a regular file is read. */
export function loadParameters(model: Module, path: string): void {
  parametersFromBytes(model, readFileLimited(path, weightsLimit(count(model)), 'loadParameters'));
}

/** Writes the model's parameters as a PyTorch-layout safetensors file (a temporary file, then a rename). */
export function saveTorchSafetensors(model: Module, path: string, metadata?: Record<string, string>): void {
  writeFileAtomic('saveTorchSafetensors', 'torchSafetensorsToBytes', path, torchSafetensorsToBytes(model, metadata));
}

/**
 * Loads a safetensors file written from PyTorch, e.g. by `safetensors.torch.save_file(net.state_dict(), path)`
 * for `net = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 3))` into
 * `new Sequential([new Dense(2, 64), new ReLU(), new Dense(64, 3)])`. All or nothing.
 */
export function loadTorchSafetensors(model: Module, path: string): void {
  torchSafetensorsFromBytes(model, readFileLimited(path, weightsLimit(count(model)), 'loadTorchSafetensors'));
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
const JSON_FILE = 'model.json';
const WEIGHTS_FILE = 'model.safetensors';
/** The temporary files of a save: `model.json.<pid>-<random>.tmp`, `model.safetensors.<pid>-<random>.tmp`. */
const PENDING = /^model\.(json|safetensors)\.\d+-[0-9a-z]+\.tmp$/;

function sha256(bytes: Uint8Array): string {
  return builtin<Crypto>('node:crypto', 'saveModel', INSTEAD).createHash('sha256').update(bytes).digest('hex');
}

/**
 * Writes `dir/model.json` (layers, loss, accuracy: see modelToJson, and the SHA-256 of the weights) and
 * `dir/model.safetensors` (the parameters), creating dir if needed. The optimizer is not saved. Custom layers must be
 * registered first; otherwise it throws ModelFormatError before writing anything.
 *
 * The two files are one unit: both are written in full to temporary files first, then model.json is renamed into
 * place, then the weights. model.json names the weights by their hash, so a directory caught between the two renames
 * (a kill, a crash, a full disk) still loads the new model: loadModel takes the pending weights file whose hash
 * model.json names. Before the first rename the old model stays. A failed save removes its temporary files; a later
 * save removes those a killed one left. Saving into one directory from two processes at once is not supported.
 */
export function saveModel(model: Model, dir: string): void {
  const { json, weights } = modelToArtifacts(model); // any error about the model comes before a file is touched
  const doc = JSON.parse(json) as Record<string, unknown>;
  const text = JSON.stringify({ ...doc, weights: { sha256: sha256(weights) } }, null, 2);
  const fs = nodeFs('saveModel', INSTEAD);
  fs.mkdirSync(dir, { recursive: true });
  const suffix = tmpSuffix();
  const tmpJson = joinPath(dir, `${JSON_FILE}.${suffix}`);
  const tmpWeights = joinPath(dir, `${WEIGHTS_FILE}.${suffix}`);
  try {
    writeSynced(fs, tmpWeights, weights);
    writeSynced(fs, tmpJson, text);
    fs.renameSync(tmpJson, joinPath(dir, JSON_FILE));
  } catch (err) {
    fs.rmSync(tmpJson, { force: true });
    fs.rmSync(tmpWeights, { force: true });
    throw err;
  }
  fs.renameSync(tmpWeights, joinPath(dir, WEIGHTS_FILE));
  // The directory is whole again: what earlier, killed saves left is garbage now.
  for (const name of fs.readdirSync(dir)) if (PENDING.test(name)) fs.rmSync(joinPath(dir, name), { force: true });
}

/**
 * A new Model rebuilt from a directory written by saveModel: layers, parameters, loss and accuracy (a custom accuracy
 * function is not saved: set it again). Set an optimizer (model.set({ optimizer })) to train on. Only regular files are
 * read, each up to a limit. When model.json records the weights' hash, the weights must match it (a save interrupted
 * between its two renames is completed from its pending file, see saveModel); a mismatch is a ModelFormatError.
 * A bad file throws a named error (ModelFormatError, FileError, SafetensorsError, StateDictError, ShapeError,
 * DTypeError); as it returns a new model, no existing model is ever changed.
 */
export function loadModel(dir: string): Model {
  const fs = nodeFs('loadModel', INSTEAD);
  const jsonFile = joinPath(dir, JSON_FILE);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: a file over 4 bytes per allowed character is surely too long.
  const json = new TextDecoder().decode(readFileLimited(jsonFile, 4 * MODEL_LIMITS.jsonChars, 'loadModel'));
  const expected = weightsHashOf(json);
  const limit = weightsLimit(MODEL_LIMITS.parameters);
  const weightsFile = joinPath(dir, WEIGHTS_FILE);
  // A first save killed between its renames leaves no weights file yet: then the pending one is the only candidate.
  let weights = expected !== null && !fs.existsSync(weightsFile) ? new Uint8Array(0) : readFileLimited(weightsFile, limit, 'loadModel');
  if (expected !== null && sha256(weights) !== expected) {
    const pending = fs.readdirSync(dir).filter((name) => PENDING.test(name) && name.startsWith(`${WEIGHTS_FILE}.`));
    const match = pending.map((name) => readFileLimited(joinPath(dir, name), limit, 'loadModel')).find((b) => sha256(b) === expected);
    if (match === undefined) {
      throw new ModelFormatError(
        `loadModel: ${joinPath(dir, WEIGHTS_FILE)} is not the weights ${jsonFile} was saved with (its SHA-256 differs from the recorded ${expected.slice(0, 12)}...); ` +
          'the files come from different saves',
      );
    }
    weights = match;
  }
  return modelFromArtifacts(json, weights);
}

/**
 * An IDX file (MNIST, Fashion-MNIST) as a tensor, gzipped (`.gz`, recognized by its content) or plain; see parseIdx.
 * A gzipped file's header is read from its first bytes and checked first, and it is inflated to at most the
 * size that header declares, so a truncated, inconsistent or oversized file allocates nothing big.
 */
export function readIdx(path: string): Tensor {
  let bytes = readFileLimited(path, MAX_IDX_BYTES, 'readIdx');
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    const zlib = builtin<typeof import('node:zlib')>('node:zlib', 'readIdx', 'parseIdx on inflated bytes');
    const inflate = (input: Uint8Array, options: import('node:zlib').ZlibOptions) => {
      try {
        return new Uint8Array(zlib.gunzipSync(input, options));
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'ERR_BUFFER_TOO_LARGE') throw new IdxError(`readIdx: ${path} inflates to more bytes than its IDX header declares`);
        throw new IdxError(`readIdx: ${path} is not a complete gzip file (${e.message})`);
      }
    };
    // 4 KiB of deflate data inflate to at least the 1 KiB a header can take (and at most a few MiB)
    const head = inflate(bytes.subarray(0, 4096), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const { headerBytes, dataBytes } = idxHeader(head, `readIdx: ${path}`);
    bytes = inflate(bytes, { maxOutputLength: Math.max(1, headerBytes + dataBytes) });
  }
  return parseIdx(bytes, `readIdx: ${path}`);
}

/** A CSV file (UTF-8, at most MAX_CSV_BYTES) as tensors; see parseCsv. Errors name the file, row and column. */
export function readCsv(path: string, options: CsvOptions = {}): CsvData {
  const text = new TextDecoder().decode(readFileLimited(path, MAX_CSV_BYTES, 'readCsv'));
  return parseCsv(text, options, `readCsv: ${path}`);
}
