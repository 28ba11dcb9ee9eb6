// Saving and loading a module's parameters as safetensors. The bytes functions work anywhere; the file
// functions reach node:fs at call time through process.getBuiltinModule, so browsers can load this module.
import { encodeSafetensors, decodeSafetensors, ValueError } from '@tensorgrad/core';
import type { Module } from './module.js';

type Fs = typeof import('node:fs');

/** The model's parameters, by their dotted names, as the bytes of a safetensors file. */
export function parametersToBytes(model: Module, metadata?: Record<string, string>): Uint8Array {
  return encodeSafetensors(Object.fromEntries(model.namedParameters()), metadata);
}

/**
 * Loads a safetensors file's tensors into the model's parameters. Names, shapes and dtypes must match exactly
 * (as loadStateDict checks; F16/BF16 files load into float32 parameters). On any error, a bad file
 * (SafetensorsError) or a mismatch (StateDictError, ShapeError, DTypeError), no parameter changes.
 */
export function parametersFromBytes(model: Module, bytes: Uint8Array): void {
  // Decoding checks the whole file before anything is returned; loadStateDict checks everything before it writes.
  model.loadStateDict(decodeSafetensors(bytes).tensors);
}

function nodeFs(where: string): { fs: Fs; pid: number } {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown; pid?: number } }).process;
  const fs = proc?.getBuiltinModule?.('node:fs') as Fs | undefined;
  if (fs === undefined) {
    throw new ValueError(`${where}: needs Node >= 20.16 (process.getBuiltinModule); elsewhere use parametersToBytes / parametersFromBytes`);
  }
  return { fs, pid: proc?.pid ?? 0 };
}

/** Writes the parameters to a .safetensors file. It writes a temporary file and renames it, so a crash never leaves half a file. */
export function saveParameters(model: Module, path: string, metadata?: Record<string, string>): void {
  const { fs, pid } = nodeFs('saveParameters');
  const bytes = parametersToBytes(model, metadata);
  const tmp = `${path}.${pid}.tmp`;
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, path);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Reads a .safetensors file into the parameters; all or nothing, as parametersFromBytes. */
export function loadParameters(model: Module, path: string): void {
  const { fs } = nodeFs('loadParameters');
  parametersFromBytes(model, fs.readFileSync(path));
}
