// Dense parameters in PyTorch's layout, so weights move between tensorgrad and torch.nn.Sequential of
// nn.Linear layers. tensorgrad's Dense computes x @ weights + biases with weights [nIn, nOut] and biases
// [1, nOut] (the notebook's layout); nn.Linear computes x @ weight.T + bias with weight [out, in], bias [out].
import { Tensor, ShapeError, DTypeError } from '@tensorgrad/core';
import { Module, StateDictError, Dense, Sequential, Model } from '@tensorgrad/nn';
import { encodeSafetensors, decodeSafetensors } from './safetensors.js';

/** Names that do not match the model in PyTorch's layout, or a layer with parameters that has no PyTorch counterpart here. */
export class TorchStateDictError extends StateDictError {}

/** Each Dense with its PyTorch name prefix: '' for a lone Dense, `2.` for layers[2], `1.0.` inside a nested Sequential. */
function denseSlots(model: Module, where: string): { dense: Dense; prefix: string }[] {
  const out: { dense: Dense; prefix: string }[] = [];
  const walk = (m: Module, prefix: string) => {
    // Every layer takes an index, activations and Dropout too, as torch.nn.Sequential numbers its children.
    if (m instanceof Model || m instanceof Sequential) m.layers.forEach((layer, i) => walk(layer, `${prefix}${i}.`));
    else if (m instanceof Dense) out.push({ dense: m, prefix });
    else if (m.parameters().length > 0) {
      const at = prefix === '' ? 'the model' : `layer ${prefix.slice(0, -1)}`;
      throw new TorchStateDictError(`${where}: ${at} (${m.constructor.name}) has parameters but no PyTorch mapping (only Dense maps, to nn.Linear)`);
    }
  };
  walk(model, '');
  return out;
}

/**
 * The model's Dense parameters named and shaped as PyTorch's `state_dict()` of the matching
 * `torch.nn.Sequential` (or a lone `nn.Linear`): `"<i>.weight"` [out, in] (the transpose of `weights`) and
 * `"<i>.bias"` [out], where i counts every layer, activations and Dropout included. The tensors are copies.
 */
export function toTorchStateDict(model: Module): Record<string, Tensor> {
  const sd: Record<string, Tensor> = {};
  for (const { dense, prefix } of denseSlots(model, 'toTorchStateDict')) {
    sd[`${prefix}weight`] = dense.weights.detach().T.clone();
    sd[`${prefix}bias`] = dense.biases.detach().reshape([dense.nOut]).clone();
  }
  return sd;
}

/**
 * Loads a PyTorch-layout state dict (as `toTorchStateDict` names and shapes it) into the model's Dense layers.
 * The names must match exactly (TorchStateDictError lists missing and unexpected ones) and every shape must be
 * torch's (ShapeError); float32 and float64 values are both accepted and converted to the parameter's dtype, as
 * torch's `load_state_dict` copies. Everything is checked before anything is written: on any error the model
 * keeps its parameters.
 */
export function fromTorchStateDict(model: Module, tensors: Record<string, Tensor>): void {
  load(model, tensors, 'fromTorchStateDict');
}

function load(model: Module, tensors: Record<string, Tensor>, where: string): void {
  const slots = denseSlots(model, where);
  const expected = new Map<string, { dense: Dense; shape: number[] }>();
  for (const { dense, prefix } of slots) {
    expected.set(`${prefix}weight`, { dense, shape: [dense.nOut, dense.nIn] });
    expected.set(`${prefix}bias`, { dense, shape: [dense.nOut] });
  }
  const given = Object.keys(tensors);
  const givenSet = new Set(given);
  const missing = [...expected.keys()].filter((k) => !givenSet.has(k));
  const extra = given.filter((k) => !expected.has(k));
  if (missing.length > 0 || extra.length > 0) {
    throw new TorchStateDictError(`${where}: names differ: missing [${missing.join(', ')}], unexpected [${extra.join(', ')}]`);
  }
  for (const [name, { shape }] of expected) {
    const t = tensors[name];
    if (!(t instanceof Tensor)) throw new TorchStateDictError(`${where}: '${name}' is not a Tensor`);
    if (t.dtype === 'int32') throw new DTypeError(`${where}: '${name}' is int32; parameters need float32 or float64 values`);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      const transposed = shape.length === 2 && t.shape.length === 2 && t.shape[0] === shape[1] && t.shape[1] === shape[0];
      const hint = transposed ? " (that is tensorgrad's [in, out] layout; PyTorch's weight is [out, in])" : '';
      throw new ShapeError(`${where}: '${name}' has shape [${t.shape.join(', ')}], PyTorch's layout for this layer is [${shape.join(', ')}]${hint}`);
    }
  }
  for (const { dense, prefix } of slots) {
    // Typed-array assignment converts float32 <-> float64 as it copies.
    const src = tensors[`${prefix}weight`].data;
    const dst = dense.weights.data;
    const { nIn, nOut } = dense;
    for (let o = 0; o < nOut; o++) for (let i = 0; i < nIn; i++) dst[i * nOut + o] = src[o * nIn + i];
    dense.biases.data.set(tensors[`${prefix}bias`].data);
  }
}

/** The bytes of a safetensors file in PyTorch's layout: what `safetensors.torch.save_file(net.state_dict())` writes. */
export function torchSafetensorsToBytes(model: Module, metadata?: Record<string, string>): Uint8Array {
  return encodeSafetensors(toTorchStateDict(model), metadata);
}

/** Loads the bytes of a PyTorch-layout safetensors file (F16/BF16 too); all or nothing, as fromTorchStateDict. */
export function torchSafetensorsFromBytes(model: Module, bytes: Uint8Array): void {
  load(model, decodeSafetensors(bytes).tensors, 'torchSafetensorsFromBytes');
}
