// @tensorgrad/core/util: the small helpers every package needs, written once (shapes in messages, value
// checks, hostile JSON, the host's `process`). Not part of the tensor API.
export { type Shape, fmt, sameShape } from './shape.js';
import { fmt } from './shape.js';
export { env, builtinModule, hostProcess, type HostProcess } from './settings.js';
import { ValueError } from './errors.js';

/** A plain object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A value for an error message, cut short. */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 60)}...` : s;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The number `text` spells, or undefined when it is not a plain finite decimal (no hex, no 'Infinity', no spaces). */
export function parseDecimal(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const v = Number(text);
  return Number.isFinite(v) ? v : undefined;
}

/** Whether `v` is a finite number in [min, max], each bound excluded when its `Open` flag is set. */
export function inRange(v: unknown, min = -Infinity, max = Infinity, maxOpen = false, minOpen = false): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && !(maxOpen && v === max) && !(minOpen && v === min);
}

/** Throws a ValueError unless `value` is a finite number in [min, max] (or [min, max) when maxOpen). */
export function checkRange(where: string, name: string, value: unknown, min: number, max = Infinity, maxOpen = false): void {
  if (!inRange(value, min, max, maxOpen)) {
    const range = max === Infinity ? `>= ${min}` : `in [${min}, ${max}${maxOpen ? ')' : ']'}`;
    throw new ValueError(`${where}: option '${name}' must be a finite number ${range}, got ${String(value)}`);
  }
}

/**
 * Where JSON text first nests deeper than `maxDepth` arrays/objects (the character index), or -1. JSON.parse
 * recurses once per level, so hostile text is scanned with this before it is parsed.
 */
export function jsonTooDeep(text: string, maxDepth: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return i;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return -1;
}

// float32 or float64: the dtypes parameters and losses take
export { isFloat } from './dtype.js';

// ---- the window options of the convolutions and pools, checked the same way by core's functions and nn's layers

/** One integer >= min (0 or 1) per axis, from a number or an array of `dims` of them; a fresh array. */
export function perAxis(v: unknown, dims: number, where: string, name: string, min: number): number[] {
  const list = typeof v === 'number' ? new Array<number>(dims).fill(v) : v;
  if (!Array.isArray(list) || list.length !== dims || !list.every((n) => Number.isInteger(n) && n >= min)) {
    throw new ValueError(`${where}: ${name} must be ${min > 0 ? 'a positive integer' : 'an integer >= 0'} or ${dims} of them, got ${show(v)}`);
  }
  return [...list] as number[];
}

/** A pool's padding is at most half its kernel on every axis (PyTorch's rule); `given` are the caller's values, for the message. */
export function checkPoolPadding(where: string, kernel: number[], padding: number[], given: { padding: unknown; kernelSize: unknown }): void {
  if (padding.some((p, i) => p > Math.floor(kernel[i]! / 2))) {
    throw new ValueError(`${where}: padding ${show(given.padding)} must be at most half the kernel size ${show(given.kernelSize)}`);
  }
}

/** avgPool2d's divisorOverride: undefined (none) or a positive integer. */
export function checkDivisorOverride(where: string, divisor: unknown): number | undefined {
  if (divisor !== undefined && !(Number.isInteger(divisor) && (divisor as number) > 0)) {
    throw new ValueError(`${where}: divisorOverride must be a positive integer, got ${show(divisor)}`);
  }
  return divisor as number | undefined;
}

/** Padding 'same' keeps the size only with stride 1. */
export function checkSameStride(where: string, stride: number[], given: unknown): void {
  if (stride.some((s) => s !== 1)) throw new ValueError(`${where}: padding 'same' needs stride 1, got stride ${show(given)}`);
}

/** A transposed convolution's outputPadding is smaller than the stride or the dilation on each axis. */
export function checkOutputPadding(where: string, outputPadding: number[], stride: number[], dilation: number[], given: unknown): void {
  if (outputPadding.some((v, i) => v >= Math.max(stride[i]!, dilation[i]!))) {
    throw new ValueError(`${where}: outputPadding ${show(given)} must be smaller than the stride or the dilation (stride ${fmt(stride)}, dilation ${fmt(dilation)})`);
  }
}

/** An adaptive pool's outputSize: a positive integer, or two of them where null keeps that axis's size. */
export function adaptiveOutputSize(where: string, outputSize: unknown): (number | null)[] {
  const size = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  if (!Array.isArray(size) || size.length !== 2 || !size.every((v) => v === null || (Number.isInteger(v) && v >= 1))) {
    throw new ValueError(`${where}: outputSize must be a positive integer or two of them (null keeps an axis), got ${show(outputSize)}`);
  }
  return [...size] as (number | null)[];
}
