// Saving and loading a module's parameters as safetensors. The bytes functions work anywhere; the file
// functions reach node:fs at call time through process.getBuiltinModule, so browsers can load this module.
import { encodeSafetensors, decodeSafetensors } from '@tensorgrad/core';
import { writeFileAtomic, readFile } from './files.js';
import type { Module } from './module.js';

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

/** Writes the parameters to a .safetensors file. It writes a temporary file and renames it, so a crash never leaves half a file. */
export function saveParameters(model: Module, path: string, metadata?: Record<string, string>): void {
  writeFileAtomic('saveParameters', 'parametersToBytes', path, parametersToBytes(model, metadata));
}

/** Reads a .safetensors file into the parameters; all or nothing, as parametersFromBytes. */
export function loadParameters(model: Module, path: string): void {
  parametersFromBytes(model, readFile('loadParameters', 'parametersFromBytes', path));
}
