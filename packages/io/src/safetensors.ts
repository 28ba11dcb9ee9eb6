// The safetensors file format (Hugging Face): an 8-byte little-endian header length, a UTF-8 JSON header
// naming each tensor's dtype, shape and byte range, then the raw little-endian data. Reading treats the
// bytes as hostile: every number in the header is checked before it is used, and nothing is allocated
// for a tensor until the whole header has been checked.
import { Tensor, type DType, type TypedArray, ValueError, zeros } from '@tensorgrad/core';

/** The most elements a tensor may have (core's limit: typed-array lengths stay int32). */
const MAX_SIZE = 2 ** 31 - 1;

/** A file that is not valid safetensors, or tensors/metadata that cannot be written as one. */
export class SafetensorsError extends ValueError {}

export interface DecodeOptions {
  /** Largest header accepted, in bytes. Default 100_000_000, the reference implementation's limit. */
  maxHeaderBytes?: number;
  /** Most tensors accepted (default 65536; large models' shards hold a few thousand). Parsing stops as soon as a header holds more. */
  maxTensors?: number;
  /**
   * Read the dtypes tensorgrad has no type for by converting them exactly (default true): F16 and BF16 to
   * float32; I8, U16 and I16 to int32; U32, I64 and U64 to int32 when every value fits, else an error. With
   * false, only F32, F64, I32, U8 and BOOL (tensorgrad's own dtypes) are read.
   */
  convert?: boolean;
}

export interface Safetensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

export const MAX_HEADER_BYTES = 100_000_000;
export const MAX_TENSORS = 65_536;

/** A valid header nests 3 deep ({name: {shape: [...]}}); the limit stops a nesting bomb long before the stack. */
const MAX_DEPTH = 16;

/** Bytes per element of every dtype we can read, in safetensors' alignment order (the order files are sorted by). */
const ITEM_SIZE = new Map<string, number>([
  ['BOOL', 1], ['U8', 1], ['I8', 1], ['I16', 2], ['U16', 2], ['F16', 2], ['BF16', 2],
  ['I32', 4], ['U32', 4], ['F32', 4], ['F64', 8], ['I64', 8], ['U64', 8],
]);
const CODE: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', uint8: 'U8', bool: 'BOOL' };
/** Rank in safetensors' dtype order; writers put higher ranks (wider alignment) first. */
const RANK: Record<DType, number> = { bool: 0, uint8: 1, int32: 2, float32: 3, float64: 4 };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function checkHost(where: string): void {
  // Typed arrays use the host's byte order and the format is little-endian; we copy bytes straight across.
  if (!LITTLE_ENDIAN) throw new SafetensorsError(`${where}: big-endian hosts are not supported`);
}

/** A name or value cut short for an error message (a header may hold 100 MB strings). */
function quote(s: string): string {
  return s.length > 60 ? `'${s.slice(0, 60)}...'` : `'${s}'`;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Rust's reader sorts names by UTF-8 bytes, which is code point order; JavaScript's < compares UTF-16 units. */
function compareNames(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

/**
 * The bytes of a safetensors file holding `tensors` (float32 as F32, float64 as F64, int32 as I32, uint8 as U8,
 * bool as BOOL) and, when
 * non-empty, `metadata` as `__metadata__`. Tensors are laid out as the reference writer lays them out: by
 * dtype, widest alignment first, then by name; the header is padded with spaces to a multiple of 8 bytes.
 */
export function encodeSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const where = 'encodeSafetensors';
  checkHost(where);
  if (tensors === null || typeof tensors !== 'object') throw new SafetensorsError(`${where}: tensors must be an object of name -> Tensor`);
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw new SafetensorsError(`${where}: ${quote(name)} is not a Tensor`);
    if (name === '__metadata__') throw new SafetensorsError(`${where}: '__metadata__' is reserved and cannot name a tensor`);
    if (LONE_SURROGATE.test(name)) throw new SafetensorsError(`${where}: tensor name ${quote(name)} has a lone surrogate (not valid UTF-8)`);
  }
  entries.sort(([na, a], [nb, b]) => RANK[b.dtype] - RANK[a.dtype] || compareNames(na, nb));

  const parts: string[] = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object') throw new SafetensorsError(`${where}: metadata must be an object of string -> string`);
    const items: string[] = [];
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new SafetensorsError(`${where}: metadata ${quote(k)} is ${typeof v}; metadata values must be strings`);
      if (LONE_SURROGATE.test(k) || LONE_SURROGATE.test(v)) throw new SafetensorsError(`${where}: metadata ${quote(k)} has a lone surrogate (not valid UTF-8)`);
      items.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    }
    // Empty metadata is left out, so that decoding and encoding again gives the same bytes.
    if (items.length > 0) parts.push(`"__metadata__":{${items.join(',')}}`);
  }
  let offset = 0;
  for (const [name, t] of entries) {
    const end = offset + t.data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${CODE[t.dtype]}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const header = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = header.length + ((8 - (header.length % 8)) % 8);

  const out = new Uint8Array(8 + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(header, 8);
  out.fill(0x20, 8 + header.length, 8 + headerLength);
  let pos = 8 + headerLength;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), pos);
    pos += t.data.byteLength;
  }
  return out;
}

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  size: number;
  begin: number;
  end: number;
}

/**
 * The tensors and metadata of a safetensors file. Every tensor is a fresh copy (the file's bytes need not be
 * aligned). Any fault in the file throws a SafetensorsError saying what is wrong with which tensor: a short or
 * truncated file, a header length past the end or over `maxHeaderBytes`, a header that is not UTF-8 or not a
 * JSON object, nesting deeper than 16, duplicate keys, an unsupported dtype, a bad shape or data_offsets, byte
 * ranges that overlap, leave gaps or do not cover the data exactly (as the format requires), non-string metadata.
 */
export function decodeSafetensors(bytes: Uint8Array, options: DecodeOptions = {}): Safetensors {
  const where = 'decodeSafetensors';
  checkHost(where);
  const fail = (msg: string) => new SafetensorsError(`${where}: ${msg}`);
  if (!(bytes instanceof Uint8Array)) throw fail(`expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  const maxHeader = options.maxHeaderBytes ?? MAX_HEADER_BYTES;
  const convert = options.convert ?? true;

  if (bytes.length < 8) throw fail(`the file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true); // inexact past 2^53, but then far over any limit
  const shownN = view.getBigUint64(0, true).toString();
  if (n > maxHeader) throw fail(`the header length ${shownN} is over the limit of ${maxHeader} bytes`);
  if (8 + n > bytes.length) {
    throw fail(`the header length ${shownN} runs past the end of the file (${bytes.length} bytes): the file is truncated or not safetensors`);
  }

  let text: string;
  try {
    // slice, not subarray: TextDecoder refuses views of a SharedArrayBuffer.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.slice(8, 8 + n));
  } catch {
    throw fail('the header is not valid UTF-8');
  }
  if (text.length === 0) throw fail('the header is empty; it must be a JSON object');
  if (text[0] !== '{') throw fail(`the header must be a JSON object starting with '{', got ${quote(text.slice(0, 20))}`);
  const maxTensors = options.maxTensors ?? MAX_TENSORS;
  const header = new JsonParser(text, maxTensors).parse();
  if (!(header instanceof Map)) throw fail('the header must be a JSON object');

  const data = bytes.subarray(8 + n);
  const metadata: Record<string, string> = Object.create(null);
  const entries: Entry[] = [];
  for (const [name, value] of header) {
    if (name === '__metadata__') {
      if (!(value instanceof Map)) throw fail(`__metadata__ must be an object of string -> string, got ${show(value)}`);
      for (const [k, v] of value) {
        if (typeof v !== 'string') throw fail(`__metadata__ ${quote(k)} is ${show(v)}; metadata values must be strings`);
        metadata[k] = v;
      }
    } else {
      entries.push(checkEntry(name, value, convert, data.length, fail));
    }
  }

  // The byte ranges, in order, must tile the data section exactly: no overlaps, no gaps, nothing after.
  const ordered = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let previous: Entry | null = null;
  for (const e of ordered) {
    if (e.begin < pos) {
      throw fail(`tensor ${quote(e.name)} data_offsets [${e.begin}, ${e.end}] overlap tensor ${quote(previous!.name)} [${previous!.begin}, ${previous!.end}]`);
    }
    if (e.begin > pos) {
      throw fail(`data bytes ${pos} to ${e.begin} belong to no tensor (a gap before tensor ${quote(e.name)}); the tensors must cover the data exactly`);
    }
    pos = e.end;
    previous = e;
  }
  if (pos !== data.length) {
    throw fail(`the data section has ${data.length - pos} bytes after the last tensor (${data.length} bytes, tensors cover ${pos}); the tensors must cover the data exactly`);
  }

  const tensors: Record<string, Tensor> = Object.create(null);
  for (const e of entries) tensors[e.name] = readTensor(e, data.subarray(e.begin, e.end), fail);
  return { tensors, metadata };
}

function checkEntry(name: string, value: Json, convert: boolean, dataLength: number, fail: (msg: string) => SafetensorsError): Entry {
  const t = `tensor ${quote(name)}`;
  if (!(value instanceof Map)) throw fail(`${t} must be an object with dtype, shape and data_offsets, got ${show(value)}`);
  const dtype = value.get('dtype');
  const shape = value.get('shape');
  const offsets = value.get('data_offsets');
  if (typeof dtype !== 'string') throw fail(`${t} has dtype ${show(dtype)}; it must be a string such as "F32"`);
  const itemSize = ITEM_SIZE.get(dtype);
  if (itemSize === undefined) {
    throw fail(`${t} has unsupported dtype ${quote(dtype)} (readable: ${[...ITEM_SIZE.keys()].join(', ')})`);
  }
  if (!convert && !Object.values(CODE).includes(dtype)) {
    throw fail(`${t} has dtype ${dtype}, which would need converting (options.convert is false)`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw fail(`${t} has shape ${show(shape)}; it must be an array of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw fail(`${t} has data_offsets ${show(offsets)}; they must be [begin, end], non-negative integers`);
  }
  const [begin, end] = offsets as number[];
  if (end < begin) throw fail(`${t} has data_offsets [${begin}, ${end}] that end before they begin`);
  if (end > dataLength) {
    throw fail(`${t} has data_offsets [${begin}, ${end}] past the end of the data section (${dataLength} bytes): the file is truncated or its offsets are wrong`);
  }
  const dims = shape as number[];
  let size = dims.includes(0) ? 0 : 1;
  for (let i = 0; i < dims.length && size > 0; i++) {
    size *= dims[i];
    if (size > MAX_SIZE) throw fail(`${t} has shape ${show(dims)}, more than ${MAX_SIZE} elements`);
  }
  if (size * itemSize !== end - begin) {
    throw fail(`${t} of shape ${show(dims)} and dtype ${dtype} needs ${size * itemSize} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { name, dtype, shape: dims, size, begin, end };
}

function isCount(v: Json): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** The dtype a file's dtype is read as: its own where we have it, else float32 for 16-bit floats and int32 for ints. */
const READ_AS: Record<string, DType> = { F64: 'float64', F32: 'float32', F16: 'float32', BF16: 'float32', U8: 'uint8', BOOL: 'bool' };

/** One tensor from its checked bytes: a plain copy for F32/F64/I32/U8 (BOOL after checking its bytes), an exact conversion for the rest. */
function readTensor(e: Entry, src: Uint8Array, fail: (msg: string) => SafetensorsError): Tensor {
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const n = e.size;
  const tooBig = (i: number, value: bigint | number) =>
    fail(`tensor ${quote(e.name)}: ${e.dtype} value ${value} at index ${i} does not fit in int32`);
  const t = zeros(e.shape, { dtype: READ_AS[e.dtype] ?? 'int32' }); // core allocates every tensor buffer
  const out: TypedArray = t.data;
  switch (e.dtype) {
    case 'BOOL': {
      const bad = src.findIndex((b) => b > 1);
      if (bad >= 0) throw fail(`tensor ${quote(e.name)}: BOOL byte ${src[bad]} at index ${bad} is neither 0 nor 1`);
      out.set(src);
      break;
    }
    case 'F32':
    case 'F64':
    case 'I32':
    case 'U8':
      new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(src);
      break;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      break;
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift the bits into place.
      const bits = new Uint32Array(out.buffer, out.byteOffset, n);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      break;
    }
    default:
      readInts(e.dtype, view, out as Int32Array, tooBig);
  }
  return t;
}

function readInts(
  dtype: string, view: DataView, out: Int32Array,
  tooBig: (i: number, v: bigint | number) => Error,
): void {
  const n = out.length;
  switch (dtype) {
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
      return;
    case 'U16':
      for (let i = 0; i < n; i++) out[i] = view.getUint16(2 * i, true);
      return;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, true);
      return;
    case 'U32':
      for (let i = 0; i < n; i++) {
        const v = view.getUint32(4 * i, true);
        if (v > 0x7fffffff) throw tooBig(i, v);
        out[i] = v;
      }
      return;
    case 'I64':
    case 'U64':
      for (let i = 0; i < n; i++) {
        const lo = view.getInt32(8 * i, true);
        const hi = view.getInt32(8 * i + 4, true);
        // It fits int32 when the high word is the sign extension of the low word (and, unsigned, that is 0).
        if (hi !== lo >> 31 || (dtype === 'U64' && hi !== 0)) {
          throw tooBig(i, dtype === 'I64' ? view.getBigInt64(8 * i, true) : view.getBigUint64(8 * i, true));
        }
        out[i] = lo;
      }
      return;
  }
}

/** IEEE half-precision bits to the number (exact: every half is a float32). NaN payloads are not kept. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

// ---- a small strict JSON parser ----
// JSON.parse cannot report duplicate keys, and objects from it can be tricked by '__proto__'; this one keeps
// objects as Maps, rejects duplicates and lone surrogates (as serde_json does), and limits nesting.

type Json = null | boolean | number | string | Json[] | Map<string, Json>;

function show(v: Json | undefined): string {
  if (v === undefined) return 'missing';
  if (v instanceof Map) return 'an object';
  if (Array.isArray(v)) {
    // A header may hold arrays of millions of elements: show the first few.
    const items = v.slice(0, 8).map((x) => (x instanceof Map ? '{...}' : Array.isArray(x) ? '[...]' : JSON.stringify(x)));
    const s = `[${items.join(', ')}${v.length > 8 ? `, ... (${v.length} items)` : ''}]`;
    return s.length > 100 ? `${s.slice(0, 100)}...]` : s;
  }
  if (typeof v === 'string') return `the string ${quote(v)}`;
  return String(v);
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;

class JsonParser {
  private pos = 0;
  private tensors = 0;
  /** `maxTensors`: the most tensors (top-level keys but __metadata__) the header may hold. */
  constructor(private readonly text: string, private readonly maxTensors: number) {}

  parse(): Json {
    const value = this.value(0, '');
    this.ws();
    if (this.pos !== this.text.length) this.fail('unexpected text after the header object (only space padding may follow)');
    return value;
  }

  private fail(msg: string): never {
    throw new SafetensorsError(`decodeSafetensors: the header is not valid JSON: ${msg} at character ${this.pos}`);
  }

  private ws(): void {
    const t = this.text;
    let c = t.charCodeAt(this.pos);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = t.charCodeAt(++this.pos);
  }

  /** `key` is the key this value is under, to name it in errors; depth counts the objects and arrays around it. */
  private value(depth: number, key: string): Json {
    this.ws();
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    if (c === 0x7b) return this.object(depth + 1, key);
    if (c === 0x5b) return this.array(depth + 1, key);
    if (c === 0x22) return this.string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number();
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (t.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    this.fail(Number.isNaN(c) ? 'unexpected end' : `unexpected character ${JSON.stringify(t[this.pos])}`);
  }

  private enter(depth: number): void {
    if (depth > MAX_DEPTH) this.fail(`nested more than ${MAX_DEPTH} levels deep (a safetensors header needs 3)`);
    this.pos++;
    this.ws();
  }

  private object(depth: number, key: string): Map<string, Json> {
    this.enter(depth);
    const out = new Map<string, Json>();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('expected a string key');
      const k = this.string();
      if (out.has(k)) {
        const what = depth === 1 ? 'tensor name' : key === '__metadata__' && depth === 2 ? 'metadata key' : `key in ${quote(key)}:`;
        throw new SafetensorsError(`decodeSafetensors: duplicate ${what} ${quote(k)} in the header`);
      }
      this.ws();
      if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail(`expected ':' after key ${quote(k)}`);
      this.pos++;
      out.set(k, this.value(depth, k));
      // Checked as the header is read, so a header of a million entries costs no more than one over the limit.
      if (depth === 1 && k !== '__metadata__' && ++this.tensors > this.maxTensors) {
        throw new SafetensorsError(`decodeSafetensors: the header holds more than ${this.maxTensors} tensors (the limit is ${this.maxTensors}: options.maxTensors)`);
      }
      if (this.next(0x7d)) return out;
    }
  }

  private array(depth: number, key: string): Json[] {
    this.enter(depth);
    const out: Json[] = [];
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth, key));
      if (this.next(0x5d)) return out;
    }
  }

  /** After an element: true at the closing bracket, false at a comma; anything else is an error. */
  private next(close: number): boolean {
    this.ws();
    const c = this.text.charCodeAt(this.pos++);
    if (c === close) return true;
    if (c === 0x2c) return false;
    this.pos--;
    this.fail(`expected ',' or '${String.fromCharCode(close)}'`);
  }

  /**
   * A string, checked in one pass (escapes, control characters, lone surrogates); one with escapes is then decoded by
   * JSON.parse as a whole, so a header of millions of escapes costs memory in proportion to its length, not a piece per
   * escape.
   */
  private string(): string {
    const t = this.text;
    const begin = this.pos;
    let pos = begin + 1;
    let escaped = false;
    for (;;) {
      const c = t.charCodeAt(pos);
      if (Number.isNaN(c)) {
        this.pos = pos;
        this.fail('unterminated string');
      }
      if (c === 0x22) {
        this.pos = pos + 1;
        return escaped ? (JSON.parse(t.slice(begin, pos + 1)) as string) : t.slice(begin + 1, pos);
      }
      if (c < 0x20) {
        this.pos = pos;
        this.fail('control character in a string');
      }
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      escaped = true;
      const e = t[pos + 1];
      if (ESCAPES.has(e)) {
        pos += 2;
      } else if (e === 'u') {
        this.pos = pos;
        const code = this.hex(pos + 2);
        pos += 6;
        if (code >= 0xdc00 && code <= 0xdfff) this.fail('lone low surrogate escape');
        if (code >= 0xd800 && code <= 0xdbff) {
          // A high surrogate must be followed by an escaped low one, as UTF-8 has no room for halves.
          const low = t.startsWith('\\u', pos) ? this.hex(pos + 2) : -1;
          if (low < 0xdc00 || low > 0xdfff) this.fail('lone high surrogate escape');
          pos += 6;
        }
      } else {
        this.pos = pos;
        this.fail(`invalid escape ${JSON.stringify(`\\${e ?? ''}`)}`);
      }
    }
  }

  private hex(at: number): number {
    const digits = this.text.slice(at, at + 4);
    if (!HEX4.test(digits)) this.fail('invalid \\u escape');
    return parseInt(digits, 16);
  }

  private number(): number {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (m === null) this.fail('invalid number');
    this.pos += m[0].length;
    return Number(m[0]);
  }
}

const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
