// Parameters in PyTorch's names and layouts, so weights move between tensorgrad and PyTorch (e.g. a
// torch.nn.Sequential of nn.Linear layers). Each layer says how it maps (nn's torchParameters/torchChildren):
// Dense computes x @ weights + biases with weights [nIn, nOut], nn.Linear x @ weight.T + bias with weight [out, in].
import { Tensor, ShapeError, DTypeError } from '@tensorgrad/core';
import { fmt, sameShape } from '@tensorgrad/core/util';
import { Module, StateDictError, registeredLayers, nameList, type TorchParameter } from '@tensorgrad/nn';
import { encodeSafetensors, decodeSafetensors } from './safetensors.js';

/** Names that do not match the model in PyTorch's layout, or a layer with parameters that has no PyTorch counterpart here. */
export class TorchStateDictError extends StateDictError {}

/** Every parameter the model's layers name as PyTorch does, under its full name (`2.weight`, `1.0.bias`). */
function torchSlots(model: Module, where: string): Map<string, TorchParameter> {
  const out = new Map<string, TorchParameter>();
  const walk = (m: Module, prefix: string) => {
    if (m.torchParameters) for (const p of m.torchParameters()) out.set(`${prefix}${p.name}`, p);
    else if (m.torchChildren) for (const [name, child] of m.torchChildren()) walk(child, `${prefix}${name}.`);
    else if (m.parameters({ includeFrozen: true }).length > 0) {
      const at = prefix === '' ? 'the model' : `layer ${prefix.slice(0, -1)}`;
      const mapped = registeredLayers().filter((c) => typeof c.prototype.torchParameters === 'function').map((c) => c.typeName);
      throw new TorchStateDictError(`${where}: ${at} (${m.constructor.name}) has parameters but no PyTorch mapping (layers with one: ${mapped.join(', ')})`);
    }
  };
  walk(model, '');
  return out;
}

/**
 * The model's parameters named and shaped as PyTorch's `state_dict()` of the matching module: for a
 * `torch.nn.Sequential` of `nn.Linear`, `"<i>.weight"` [out, in] (the transpose of Dense's `weights`) and
 * `"<i>.bias"` [out], where i counts every layer, activations and Dropout included. Each layer names its own
 * (its torchParameters; containers their torchChildren). The tensors are copies.
 */
export function toTorchStateDict(model: Module): Record<string, Tensor> {
  const sd: Record<string, Tensor> = {};
  for (const [name, p] of torchSlots(model, 'toTorchStateDict')) sd[name] = p.get();
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
  const expected = torchSlots(model, where);
  const given = Object.keys(tensors);
  const givenSet = new Set(given);
  const missing = [...expected.keys()].filter((k) => !givenSet.has(k));
  const extra = given.filter((k) => !expected.has(k));
  if (missing.length > 0 || extra.length > 0) {
    throw new TorchStateDictError(`${where}: names differ: missing [${nameList(missing)}], unexpected [${nameList(extra)}]`);
  }
  for (const [name, { shape, dtype }] of expected) {
    const t = tensors[name];
    if (!(t instanceof Tensor)) throw new TorchStateDictError(`${where}: '${name}' is not a Tensor`);
    if (dtype === 'int32' && t.dtype !== 'int32') throw new DTypeError(`${where}: '${name}' is ${t.dtype}; it is a counter and needs integer values`);
    if (dtype !== 'int32' && t.dtype !== 'float32' && t.dtype !== 'float64') throw new DTypeError(`${where}: '${name}' is ${t.dtype}; parameters need float32 or float64 values`);
    if (!sameShape(t.shape, shape)) {
      const transposed = shape.length === 2 && t.shape.length === 2 && t.shape[0] === shape[1] && t.shape[1] === shape[0];
      const hint = transposed ? " (that is tensorgrad's [in, out] layout; PyTorch's weight is [out, in])" : '';
      throw new ShapeError(`${where}: '${name}' has shape ${fmt(t.shape)}, PyTorch's layout for this layer is ${fmt(shape)}${hint}`);
    }
  }
  // Everything is checked: now write (typed-array assignment converts float32 <-> float64 as it copies).
  for (const [name, p] of expected) p.set(tensors[name]);
}

/** The bytes of a safetensors file in PyTorch's layout: what `safetensors.torch.save_file(net.state_dict())` writes. */
export function torchSafetensorsToBytes(model: Module, metadata?: Record<string, string>): Uint8Array {
  return encodeSafetensors(toTorchStateDict(model), metadata);
}

/** Loads the bytes of a PyTorch-layout safetensors file (F16/BF16 too); all or nothing, as fromTorchStateDict. */
export function torchSafetensorsFromBytes(model: Module, bytes: Uint8Array): void {
  load(model, decodeSafetensors(bytes).tensors, 'torchSafetensorsFromBytes');
}
