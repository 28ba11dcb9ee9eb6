// A module's parameters as the bytes of a safetensors file (the file functions are in files.node.ts).
import type { Module } from '@tensorgrad/nn';
import { encodeSafetensors, decodeSafetensors } from './safetensors.js';

/** The model's state (parameters, frozen ones too, and persistent buffers), by dotted names, as the bytes of a safetensors file. */
export function parametersToBytes(model: Module, metadata?: Record<string, string>): Uint8Array {
  return encodeSafetensors(model.stateDict({ keepVars: true }), metadata);
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
