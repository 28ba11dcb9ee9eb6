// @tensorgrad/core/util: the small helpers every package needs, written once (shapes in messages, value
// checks, hostile JSON, the host's `process`). Not part of the tensor API.
export { type Shape, fmt, sameShape } from './shape.js';
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
