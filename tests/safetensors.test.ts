import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Tensor, tensor, zeros, manualSeed, TensorgradError, ValueError, ShapeError, DTypeError } from '@tensorgrad/core';
import { Dense, ReLU, Sequential, StateDictError } from '@tensorgrad/nn';
import {
  encodeSafetensors, decodeSafetensors, SafetensorsError, parametersToBytes, parametersFromBytes, saveParameters, loadParameters,
} from '@tensorgrad/io';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const utf8 = (s: string) => new TextEncoder().encode(s);

/** A file from header text, bytes or an object (as JSON), padded with spaces to 8 bytes unless `pad` is false. */
function file(header: string | Uint8Array | object, data: ArrayLike<number> = [], pad = true): Uint8Array {
  const text = header instanceof Uint8Array ? header : utf8(typeof header === 'string' ? header : JSON.stringify(header));
  const n = pad ? text.length + ((8 - (text.length % 8)) % 8) : text.length;
  return withLength(n, concat(text, new Uint8Array(n - text.length).fill(0x20), Uint8Array.from(data)));
}

/** 8-byte little-endian `n`, then `rest`. */
function withLength(n: number | bigint, rest: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + rest.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(rest, 8);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const bytesOf = (t: Tensor) => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength).slice();

function expectSameTensor(actual: Tensor, expected: Tensor) {
  expect(actual).toBeInstanceOf(Tensor);
  expect(actual.dtype).toBe(expected.dtype);
  expect(actual.shape).toEqual(expected.shape);
  expect(bytesOf(actual)).toEqual(bytesOf(expected));
}

function expectError(fn: () => unknown, cls: new (...args: never[]) => Error, re: RegExp): Error {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a throw').toBeInstanceOf(cls);
  expect((err as Error).name).toBe(cls.name);
  expect((err as Error).message).toMatch(re);
  return err as Error;
}

function makeModel(seed = 0) {
  manualSeed(seed);
  const model = new Sequential([new Dense(2, 3), new ReLU(), new Dense(3, 2)]);
  // Non-zero biases, so that a stray write of zeros would show.
  for (const [, p] of model.namedParameters()) for (let i = 0; i < p.size; i++) p.data[i] += 0.25 * (i + 1);
  return model;
}

/** The parameters' identities and bytes, to check that a failed load left them exactly as they were. */
function snapshot(model: Sequential) {
  return model.namedParameters().map(([name, p]) => ({ name, p, data: p.data, bytes: bytesOf(p) }));
}

function expectUnchanged(model: Sequential, before: ReturnType<typeof snapshot>) {
  const now = model.namedParameters();
  expect(now.map(([n]) => n)).toEqual(before.map((b) => b.name));
  now.forEach(([, p], i) => {
    expect(p).toBe(before[i].p);
    expect(p.data).toBe(before[i].data);
    expect(bytesOf(p)).toEqual(before[i].bytes);
  });
}

describe('encode/decode round trips', () => {
  it('keeps every dtype bit for bit, with NaN, -0, infinities and int32 extremes', () => {
    const f32 = new Float32Array([0, -0, NaN, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, Math.fround(0.1)]);
    new Uint32Array(f32.buffer)[2] = 0x7fc01234; // a NaN payload survives a byte copy
    const tensors = {
      f32: new Tensor(f32, [2, 4], 'float32'),
      f64: tensor([[Math.PI, -0, 5e-324], [NaN, -Infinity, 1.7976931348623157e308]], { dtype: 'float64' }),
      i32: tensor([-2147483648, -1, 0, 2147483647], { dtype: 'int32' }),
    };
    const { tensors: back, metadata } = decodeSafetensors(encodeSafetensors(tensors));
    expect(Object.keys(back).sort()).toEqual(['f32', 'f64', 'i32']);
    for (const k of ['f32', 'f64', 'i32'] as const) expectSameTensor(back[k], tensors[k]);
    expect(new Uint32Array(back.f32.data.buffer)[2]).toBe(0x7fc01234);
    expect(Object.keys(metadata)).toEqual([]);
  });

  it('keeps 0-d tensors, empty tensors and tensors with a 0 in the middle of the shape', () => {
    const tensors = {
      scalar: tensor(2.5, { dtype: 'float64' }),
      intScalar: tensor(-7, { dtype: 'int32' }),
      empty: zeros([0]),
      empty3: zeros([2, 0, 3], { dtype: 'int32' }),
      one: zeros([1, 1, 1]),
    };
    const bytes = encodeSafetensors(tensors);
    const { tensors: back } = decodeSafetensors(bytes);
    for (const [k, t] of Object.entries(tensors)) expectSameTensor(back[k], t);
    expect(back.scalar.shape).toEqual([]);
    expect(back.scalar.item()).toBe(2.5);
  });

  it('keeps metadata, and names that are awkward in JSON or in JavaScript objects', () => {
    const names = ['', 'a "quoted" \\ name', 'tab\there\n', 'ünïcödé', '😀', '__proto__', 'constructor', 'toString', '0', '10', '9'];
    const tensors: Record<string, Tensor> = {};
    names.forEach((n, i) => Object.defineProperty(tensors, n, { value: tensor([i]), enumerable: true }));
    const metadata = { format: 'pt', 'ключ': 'значение "x" \\ \u0001', empty: '', '__proto__x': '😀' };
    const { tensors: back, metadata: meta } = decodeSafetensors(encodeSafetensors(tensors, metadata));
    expect(Object.keys(back).sort()).toEqual([...names].sort());
    names.forEach((n, i) => expect(Array.from(back[n].data)).toEqual([i]));
    expect({ ...meta }).toEqual(metadata);
    // The records have no prototype, so inherited names cannot be mistaken for tensors.
    expect('hasOwnProperty' in back).toBe(false);
    expect(Object.getPrototypeOf(back)).toBe(null);
  });

  it('writes a header exactly as the format specifies', () => {
    const bytes = encodeSafetensors({ 'attn.0': tensor([[[0, 1, 2], [3, 4, 5]]]) });
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(header.length).toBe(64);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([64, 0, 0, 0, 0, 0, 0, 0]);
    expect(new TextDecoder().decode(bytes.subarray(8, 72))).toBe(header);
    expect(Array.from(new Float32Array(bytes.slice(72).buffer))).toEqual([0, 1, 2, 3, 4, 5]);

    // Padding: a header of 65 bytes gets 7 spaces.
    const padded = encodeSafetensors({ attn0: tensor([[[[0, 1, 2], [3, 4, 5]]]]) });
    expect(padded[0]).toBe(72);
    expect(new TextDecoder().decode(padded.subarray(8, 80))).toBe('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       ');

    expect(Array.from(encodeSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d, 32, 32, 32, 32, 32, 32]);
    expect(new TextDecoder().decode(encodeSafetensors({}, { framework: 'pt' }).subarray(8))).toBe('{"__metadata__":{"framework":"pt"}}     ');
    // Empty metadata is left out, so that encode(decode(file)) reproduces a file without any.
    expect(encodeSafetensors({}, {})).toEqual(encodeSafetensors({}));
  });

  it('orders tensors as the reference writer does: float64, float32, int32, then names by code point', () => {
    const bytes = encodeSafetensors({
      b: tensor([1]), a: tensor([2]), '\uffff': tensor([3]), '😀': tensor([4]), 'a.i': tensor([5], { dtype: 'int32' }),
      'z.f64': tensor([6], { dtype: 'float64' }),
    });
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))));
    const keys = [...text.matchAll(/"([^"]+)":\{"dtype"/g)].map((m) => m[1]);
    // UTF-16 order would put '😀' (0xD83D...) before '\uffff'; UTF-8 byte order, which the format uses, does not.
    expect(keys).toEqual(['z.f64', 'a', 'b', '\uffff', '😀', 'a.i']);
  });

  it('decodes copies: aligned storage from an unaligned view, independent of the input bytes', () => {
    const bytes = encodeSafetensors({ w: tensor([[1.5, -2], [3, 4]], { dtype: 'float64' }) });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const view = shifted.subarray(3);
    const { tensors } = decodeSafetensors(view);
    expect(tensors.w.toArray()).toEqual([[1.5, -2], [3, 4]]);
    view.fill(0);
    expect(tensors.w.toArray()).toEqual([[1.5, -2], [3, 4]]);
    expect(tensors.w.requiresGrad).toBe(false);
  });

  it('accepts an empty tensor at the offset where a non-empty one starts, in either header order', () => {
    const a = { dtype: 'F32', shape: [1], data_offsets: [0, 4] };
    const b = { dtype: 'F32', shape: [0], data_offsets: [0, 0] };
    for (const header of [{ a, b }, { b, a }]) {
      const { tensors } = decodeSafetensors(file(header, [0, 0, 0x80, 0x3f]));
      expect(Array.from(tensors.a.data)).toEqual([1]);
      expect(tensors.b.shape).toEqual([0]);
    }
  });

  it('ignores unknown fields in a tensor entry and accepts any JSON whitespace', () => {
    const { tensors } = decodeSafetensors(file(
      '{ "w" : { "dtype":"I32", "extra": {"x": [1, 2.5e3, null, true, "s"]}, "shape": [ 1 ], "data_offsets" : [0,4] } }\n\t\r ',
      [42, 0, 0, 0],
    ));
    expect(Array.from(tensors.w.data)).toEqual([42]);
  });

  it('encode rejects what the format cannot hold', () => {
    expectError(() => encodeSafetensors({ w: [1, 2] as unknown as Tensor }), SafetensorsError, /'w' is not a Tensor/);
    expectError(() => encodeSafetensors({ __metadata__: tensor([1]) }), SafetensorsError, /'__metadata__' is reserved/);
    expectError(() => encodeSafetensors({ w: tensor([1]) }, { epoch: 3 as unknown as string }), SafetensorsError, /metadata 'epoch' is number/);
    expectError(() => encodeSafetensors({ '\ud800': tensor([1]) }), SafetensorsError, /lone surrogate/);
    expectError(() => encodeSafetensors(null as unknown as Record<string, Tensor>), SafetensorsError, /object of name -> Tensor/);
  });
});

describe('files written by Python (tests/fixtures/make_safetensors.py)', () => {
  it('dense_2_3.safetensors loads with the exact float32 values, and encodes back to the same bytes', () => {
    const bytes = fixture('dense_2_3.safetensors');
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect({ ...metadata }).toEqual({ format: 'pt' });
    expect(Object.keys(tensors).sort()).toEqual(['layers.0.biases', 'layers.0.weights']);
    const w = tensors['layers.0.weights'];
    expect(w.dtype).toBe('float32');
    expect(w.shape).toEqual([2, 3]);
    expect(Array.from(w.data)).toEqual([0.1, -0.2, 0.3, 1.5, -2.25, 1e-3].map(Math.fround));
    expect(tensors['layers.0.biases'].shape).toEqual([1, 3]);
    expect(Array.from(tensors['layers.0.biases'].data)).toEqual([0, 0.5, -1]);
    expect(encodeSafetensors(tensors, metadata)).toEqual(bytes);
  });

  it('dense_2_3.safetensors loads into a Sequential([Dense(2, 3)]) and saves back to the same bytes', () => {
    const bytes = fixture('dense_2_3.safetensors');
    const model = new Sequential([new Dense(2, 3)]);
    parametersFromBytes(model, bytes);
    const layer = model.layers[0] as Dense;
    expect(Array.from(layer.weights.data)).toEqual([0.1, -0.2, 0.3, 1.5, -2.25, 1e-3].map(Math.fround));
    expect(Array.from(layer.biases.data)).toEqual([0, 0.5, -1]);
    expect(layer.weights.requiresGrad).toBe(true);
    expect(parametersToBytes(model, { format: 'pt' })).toEqual(bytes);
  });

  it('mixed_dtypes.safetensors: float64, float32, int32, 0-d, empty and a non-ASCII name, byte-identical when re-encoded', () => {
    const bytes = fixture('mixed_dtypes.safetensors');
    const { tensors: t, metadata } = decodeSafetensors(bytes);
    expect({ ...metadata }).toEqual({ format: 'np', note: 'written by make_safetensors.py' });
    expect(t['a.f32'].dtype).toBe('float32');
    expect(Array.from(t['a.f32'].data)).toEqual([Math.fround(Math.PI), -0]);
    expect(Object.is(t['a.f32'].data[1], -0)).toBe(true);
    expect(t['b.f64'].dtype).toBe('float64');
    expect(t['b.f64'].toArray()).toEqual([[1 / 3, -2.5e-300], [Infinity, 1e300]]);
    expect(t['c.i32'].dtype).toBe('int32');
    expect(Array.from(t['c.i32'].data)).toEqual([-2147483648, -1, 0, 1, 2147483647]);
    expect(t.scalar.shape).toEqual([]);
    expect(t.scalar.item()).toBe(Math.E);
    expect(t.empty.shape).toEqual([0, 3]);
    expect(t.empty.dtype).toBe('int32');
    expect(Array.from(t['z.ünïcode'].data)).toEqual([7]);
    expect(encodeSafetensors(t, metadata)).toEqual(bytes);
  });

  it('converted_dtypes.safetensors: F16/BF16 become float32, BOOL and U8 bool and uint8, other small ints int32, exactly', () => {
    const { tensors: t } = decodeSafetensors(fixture('converted_dtypes.safetensors'));
    expect(t.f16.dtype).toBe('float32');
    expect(t.f16.shape).toEqual([3, 3]);
    const f16 = Array.from(t.f16.data);
    expect(f16.slice(0, 8)).toEqual([0.5, -2, 65504, 2 ** -24, -0, 1365 / 4096, Infinity, -Infinity]);
    expect(Object.is(f16[4], -0)).toBe(true);
    expect(f16[8]).toBeNaN();
    expect(t.bf16.dtype).toBe('float32');
    expect(Array.from(t.bf16.data)).toEqual([1.5, -3.140625, 2 ** -130, 2 ** 127]);
    expect([t.bool.dtype, t.u8.dtype]).toEqual(['bool', 'uint8']);
    expect(t.bool.toArray()).toEqual([true, false, true]);
    expect(Array.from(t.u8.data)).toEqual([0, 255, 7]);
    const ints: [string, number[], number[]][] = [
      ['i8', [3], [-128, 127, 0]], ['u16', [2], [65535, 0]],
      ['i16', [2], [-32768, 32767]], ['u32', [2], [2147483647, 0]], ['i64', [1, 3], [-2147483648, 2147483647, 5]],
      ['u64', [2], [0, 2147483647]],
    ];
    for (const [name, shape, values] of ints) {
      expect(t[name].dtype, name).toBe('int32');
      expect(t[name].shape, name).toEqual(shape);
      expect(Array.from(t[name].data), name).toEqual(values);
    }
  });

  it('bool_u8.safetensors: BOOL and U8 are read as bool and uint8 and re-encoded byte for byte', () => {
    const bytes = fixture('bool_u8.safetensors');
    const { tensors: t } = decodeSafetensors(bytes, { convert: false });
    expect([t.mask.dtype, t.image.dtype, t.none.dtype]).toEqual(['bool', 'uint8', 'bool']);
    expect(t.mask.toArray()).toEqual([[true, false, true], [false, false, true]]);
    expect(t.image.toArray()).toEqual([[0, 255], [128, 7]]);
    expect(t.none.shape).toEqual([0]);
    expect(encodeSafetensors(t)).toEqual(bytes);
  });

  it('convert: false reads only F32, F64, I32, U8 and BOOL', () => {
    expect(Object.keys(decodeSafetensors(fixture('mixed_dtypes.safetensors'), { convert: false }).tensors)).toHaveLength(6);
    expectError(() => decodeSafetensors(fixture('converted_dtypes.safetensors'), { convert: false }), SafetensorsError,
      /tensor '\w+' has dtype \w+, which would need converting \(options.convert is false\)/);
  });
});

const w24 = (extra: object = {}) => ({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] }, ...extra });
const zeros24 = new Array(24).fill(0);

/** Every way a file can be bad, with the message each must give. */
const badFiles: [string, () => Uint8Array, RegExp][] = [
  ['empty input', () => new Uint8Array(0), /file is 0 bytes, too short for the 8-byte header length/],
  ['shorter than the length field', () => new Uint8Array([8, 0, 0]), /file is 3 bytes, too short/],
  ['header length past the end', () => withLength(1000, utf8('{}      ')), /header length 1000 runs past the end of the file \(16 bytes\)/],
  ['header length just past the end', () => file(w24(), zeros24).subarray(0, 20), /header length \d+ runs past the end/],
  ['header length 2^63', () => withLength(2n ** 63n, utf8('{}')), /header length 9223372036854775808 is over the limit of 100000000 bytes/],
  ['header length 2^64 - 1', () => withLength(2n ** 64n - 1n, new Uint8Array(0)), /header length 18446744073709551615 is over the limit/],
  ['header length just over 100 MB', () => withLength(100_000_001, utf8('{}')), /header length 100000001 is over the limit of 100000000/],
  ['truncated data', () => file(w24(), zeros24).subarray(0, 8 + 64 + 10), /tensor 'w' has data_offsets \[0, 24\] past the end of the data section \(10 bytes\)/],
  ['invalid UTF-8', () => file(concat(utf8('{"'), new Uint8Array([0xff, 0xfe]), utf8('":1}'))), /header is not valid UTF-8/],
  ['empty header', () => withLength(0, new Uint8Array(0)), /header is empty/],
  ['header of spaces', () => file('        '), /must be a JSON object starting with '\{', got '        '/],
  ['header with a byte-order mark', () => file('\ufeff{}'), /must be a JSON object starting with '\{'/],
  ['header is an array', () => file('[1, 2]'), /must be a JSON object starting with '\{', got '\[1, 2\]  '/],
  ['header is a string', () => file('"w"'), /must be a JSON object starting with '\{'/],
  ['invalid JSON', () => file('{"w": }'), /not valid JSON: unexpected character "}" at character 6/],
  ['unterminated JSON', () => file('{"w": {"dtype": "F32"'), /not valid JSON: expected ',' or '}'/],
  ['unterminated string', () => file('{"w'), /not valid JSON: unterminated string/],
  ['trailing comma', () => file('{"w": 1,}'), /not valid JSON: expected a string key/],
  ['single quotes', () => file("{'w': 1}"), /not valid JSON: expected a string key/],
  ['leading zero', () => file('{"w": 01}'), /not valid JSON: expected ',' or '}'/],
  ['bad escape', () => file('{"w\\x": 1}'), /not valid JSON: invalid escape "\\\\x"/],
  ['raw control character', () => file('{"w\u0001": 1}'), /not valid JSON: control character in a string/],
  ['lone surrogate escape', () => file('{"\\ud800": 1}'), /lone high surrogate/],
  ['lone low surrogate escape', () => file('{"\\udc00x": 1}'), /lone low surrogate/],
  ['text after the object', () => file('{} {}'), /unexpected text after the header object/],
  ['padding with NUL bytes', () => withLength(8, utf8('{}\0\0\0\0\0\0')), /unexpected text after the header object/],
  ['nesting bomb', () => file(`{"w":${'['.repeat(1_000_000)}`), /nested more than 16 levels deep/],
  ['object nesting bomb', () => file(`{"__metadata__":${'{"a":'.repeat(100_000)}`), /nested more than 16 levels deep/],
  ['tensor entry not an object', () => file({ w: [1, 2] }), /tensor 'w' must be an object with dtype, shape and data_offsets, got \[1, 2\]/],
  ['missing dtype', () => file({ w: { shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /tensor 'w' has dtype missing/],
  ['dtype not a string', () => file({ w: { dtype: 4, shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /tensor 'w' has dtype 4/],
  ['unknown dtype', () => file({ w: { dtype: 'F9', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /tensor 'w' has unsupported dtype 'F9' \(readable: /],
  ['FP8 dtype', () => file({ w: { dtype: 'F8_E4M3', shape: [1], data_offsets: [0, 1] } }, [0]), /tensor 'w' has unsupported dtype 'F8_E4M3'/],
  ['dtype named like an Object.prototype key', () => file({ w: { dtype: 'constructor', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0]), /unsupported dtype 'constructor'/],
  ['missing shape', () => file({ w: { dtype: 'F32', data_offsets: [0, 4] } }, [0, 0, 0, 0]), /tensor 'w' has shape missing; it must be an array of non-negative integers/],
  ['non-integer dim', () => file({ w: { dtype: 'F32', shape: [2.5], data_offsets: [0, 10] } }, new Array(10).fill(0)), /tensor 'w' has shape \[2.5\]; it must be an array of non-negative integers/],
  ['negative dim', () => file({ w: { dtype: 'F32', shape: [-1, 3], data_offsets: [0, 12] } }, new Array(12).fill(0)), /tensor 'w' has shape \[-1, 3\]/],
  ['string dim', () => file({ w: { dtype: 'F32', shape: ['2'], data_offsets: [0, 8] } }, new Array(8).fill(0)), /tensor 'w' has shape \["2"\]/],
  ['dim over 2^53', () => file('{"w":{"dtype":"U8","shape":[9007199254740993],"data_offsets":[0,1]}}', [0]), /tensor 'w' has shape \[9007199254740992\]/],
  ['shape not an array', () => file({ w: { dtype: 'F32', shape: 3, data_offsets: [0, 12] } }, new Array(12).fill(0)), /tensor 'w' has shape 3/],
  ['too many elements', () => file({ w: { dtype: 'U8', shape: [65536, 65536], data_offsets: [0, 1] } }, [0]), /tensor 'w' has shape \[65536, 65536\], more than 2147483647 elements/],
  ['size disagrees with the byte range', () => file({ w: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 20] } }, new Array(20).fill(0)),
    /tensor 'w' of shape \[2, 3\] and dtype F32 needs 24 bytes, but data_offsets \[0, 20\] hold 20/],
  ['missing data_offsets', () => file({ w: { dtype: 'F32', shape: [] } }, [0, 0, 0, 0]), /tensor 'w' has data_offsets missing; they must be \[begin, end\]/],
  ['one offset', () => file({ w: { dtype: 'F32', shape: [], data_offsets: [4] } }, [0, 0, 0, 0]), /tensor 'w' has data_offsets \[4\]/],
  ['negative offset', () => file({ w: { dtype: 'F32', shape: [], data_offsets: [-4, 0] } }), /tensor 'w' has data_offsets \[-4, 0\]/],
  ['fractional offset', () => file({ w: { dtype: 'U8', shape: [], data_offsets: [0.5, 1.5] } }, [0, 0]), /tensor 'w' has data_offsets \[0.5, 1.5\]/],
  ['offsets end before they begin', () => file({ w: { dtype: 'U8', shape: [0], data_offsets: [4, 0] } }, [0, 0, 0, 0]), /tensor 'w' has data_offsets \[4, 0\] that end before they begin/],
  ['offsets out of range', () => file({ w: { dtype: 'F32', shape: [100], data_offsets: [0, 400] } }, zeros24), /tensor 'w' has data_offsets \[0, 400\] past the end of the data section \(24 bytes\)/],
  ['offsets far out of range', () => file({ w: { dtype: 'U8', shape: [1], data_offsets: [2 ** 53 - 2, 2 ** 53 - 1] } }, [0]), /tensor 'w' has data_offsets \[9007199254740990, 9007199254740991\] past the end/],
  ['overlapping tensors', () => file({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] }, b: { dtype: 'F32', shape: [4], data_offsets: [8, 24] } }, zeros24),
    /tensor 'b' data_offsets \[8, 24\] overlap tensor 'a' \[0, 16\]/],
  ['two tensors on the same bytes', () => file({ a: { dtype: 'F32', shape: [6], data_offsets: [0, 24] }, b: { dtype: 'I32', shape: [6], data_offsets: [0, 24] } }, zeros24),
    /tensor '[ab]' data_offsets \[0, 24\] overlap tensor '[ab]' \[0, 24\]/],
  ['a gap between tensors', () => file({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [16, 24] } }, zeros24),
    /data bytes 8 to 16 belong to no tensor \(a gap before tensor 'b'\)/],
  ['a gap at the start', () => file({ b: { dtype: 'F32', shape: [2], data_offsets: [16, 24] } }, zeros24), /data bytes 0 to 16 belong to no tensor/],
  ['data past the last tensor', () => file(w24(), [...zeros24, 1, 2, 3]), /the data section has 3 bytes after the last tensor \(27 bytes, tensors cover 24\)/],
  ['data but no tensors', () => file({}, [1, 2, 3, 4]), /the data section has 4 bytes after the last tensor/],
  ['duplicate tensor names', () => file('{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"w":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', [0, 0]),
    /duplicate tensor name 'w' in the header/],
  ['duplicate names spelled differently', () => file('{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"\\u0077":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', [0, 0]),
    /duplicate tensor name 'w'/],
  ['duplicate field in an entry', () => file('{"w":{"dtype":"U8","dtype":"F32","shape":[1],"data_offsets":[0,1]}}', [0]), /duplicate key in 'w': 'dtype'/],
  ['duplicate metadata key', () => file('{"__metadata__":{"a":"1","a":"2"}}'), /duplicate metadata key 'a'/],
  ['duplicate __metadata__', () => file('{"__metadata__":{},"__metadata__":{}}'), /duplicate tensor name '__metadata__'/],
  ['non-string metadata value', () => file({ __metadata__: { epoch: 3 } }), /__metadata__ 'epoch' is 3; metadata values must be strings/],
  ['null metadata value', () => file({ __metadata__: { note: null } }), /__metadata__ 'note' is null; metadata values must be strings/],
  ['nested metadata value', () => file({ __metadata__: { cfg: { lr: '0.1' } } }), /__metadata__ 'cfg' is an object; metadata values must be strings/],
  ['metadata not an object', () => file({ __metadata__: 'pt' }), /__metadata__ must be an object of string -> string, got the string 'pt'/],
  ['I64 value outside int32', () => file({ w: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]),
    /tensor 'w': I64 value 4294967296 at index 1 does not fit in int32/],
  ['negative I64 outside int32', () => file({ w: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, [0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff]),
    /tensor 'w': I64 value -2147483649 at index 0 does not fit in int32/],
  ['U64 value outside int32', () => file({ w: { dtype: 'U64', shape: [1], data_offsets: [0, 8] } }, [0, 0, 0, 0x80, 0, 0, 0, 0]), /U64 value 2147483648 at index 0 does not fit in int32/],
  ['U64 with the top bit set', () => file({ w: { dtype: 'U64', shape: [1], data_offsets: [0, 8] } }, new Array(8).fill(0xff)), /U64 value 18446744073709551615 at index 0/],
  ['U32 value outside int32', () => file({ w: { dtype: 'U32', shape: [1], data_offsets: [0, 4] } }, [0, 0, 0, 0x80]), /U32 value 2147483648 at index 0 does not fit in int32/],
  ['BOOL byte that is not 0 or 1', () => file({ w: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, [1, 2]), /tensor 'w': BOOL byte 2 at index 1 is neither 0 nor 1/],
];

describe('decodeSafetensors rejects bad files with a SafetensorsError that says what is wrong', () => {
  it.each(badFiles)('%s', (_label, make, re) => {
    const err = expectError(() => decodeSafetensors(make()), SafetensorsError, re);
    expect(err).toBeInstanceOf(ValueError);
    expect(err.message).toMatch(/^decodeSafetensors: /);
  });

  it('rejects input that is not a Uint8Array', () => {
    expectError(() => decodeSafetensors([1, 2, 3] as unknown as Uint8Array), SafetensorsError, /expected a Uint8Array, got object/);
    expectError(() => decodeSafetensors(null as unknown as Uint8Array), SafetensorsError, /got null/);
  });

  it('honours maxHeaderBytes', () => {
    const bytes = file(w24(), zeros24);
    expect(() => decodeSafetensors(bytes, { maxHeaderBytes: 64 })).not.toThrow();
    expectError(() => decodeSafetensors(bytes, { maxHeaderBytes: 63 }), SafetensorsError, /header length 64 is over the limit of 63 bytes/);
  });

  it('cuts long names short in messages', () => {
    const name = 'x'.repeat(10_000);
    const err = expectError(() => decodeSafetensors(file({ [name]: { dtype: 'F9', shape: [], data_offsets: [0, 0] } })), SafetensorsError, /unsupported dtype/);
    expect(err.message.length).toBeLessThan(400);
    const long = expectError(() => decodeSafetensors(file({ w: { dtype: 'U8', shape: new Array(100_000).fill(1), data_offsets: [0, 0] } })),
      SafetensorsError, /tensor 'w' of shape \[1, 1, 1, 1, 1, 1, 1, 1, \.\.\. \(100000 items\)\] and dtype U8 needs 1 bytes/);
    expect(long.message.length).toBeLessThan(400);
  });

  it('reads a view of a SharedArrayBuffer', () => {
    const bytes = encodeSafetensors({ w: tensor([1, 2, 3]) }, { k: 'v' });
    const shared = new Uint8Array(new SharedArrayBuffer(bytes.length));
    shared.set(bytes);
    const { tensors, metadata } = decodeSafetensors(shared);
    expect(Array.from(tensors.w.data)).toEqual([1, 2, 3]);
    expect(metadata.k).toBe('v');
  });
});

describe('parametersFromBytes: all or nothing', () => {
  it('round-trips a model exactly', () => {
    const a = makeModel(1);
    const b = makeModel(2);
    parametersFromBytes(b, parametersToBytes(a));
    const pa = a.namedParameters();
    b.namedParameters().forEach(([name, p], i) => {
      expect(name).toBe(pa[i][0]);
      expectSameTensor(p, pa[i][1]);
    });
    expect(pa.map(([n]) => n)).toEqual(['layers.0.weights', 'layers.0.biases', 'layers.2.weights', 'layers.2.biases']);
  });

  it.each(badFiles)('a bad file (%s) changes no parameter', (_label, make, re) => {
    const model = makeModel();
    const before = snapshot(model);
    expectError(() => parametersFromBytes(model, make()), SafetensorsError, re);
    expectUnchanged(model, before);
  });

  const good = () => Object.fromEntries(makeModel(7).namedParameters().map(([n, p]) => [n, p.detach().clone()]));
  const mismatches: [string, () => Record<string, Tensor>, new (...args: never[]) => Error, RegExp][] = [
    ['a missing parameter', () => { const t = good(); delete t['layers.2.biases']; return t; }, StateDictError, /missing \[layers\.2\.biases\]/],
    ['an extra tensor', () => ({ ...good(), 'layers.1.weights': zeros([1]) }), StateDictError, /unexpected \[layers\.1\.weights\]/],
    ['a wrong shape in the last parameter', () => ({ ...good(), 'layers.2.biases': zeros([2]) }), ShapeError, /'layers\.2\.biases' has shape \[2\], the parameter has \[1, 2\]/],
    ['a wrong dtype', () => ({ ...good(), 'layers.0.weights': zeros([2, 3], { dtype: 'float64' }) }), DTypeError, /'layers\.0\.weights' is float64, the parameter is float32/],
    ['an int32 tensor', () => ({ ...good(), 'layers.2.weights': zeros([3, 2], { dtype: 'int32' }) }), DTypeError, /is int32/],
  ];
  it.each(mismatches)('a file that does not fit the model (%s) changes no parameter', (_label, make, cls, re) => {
    const model = makeModel();
    const before = snapshot(model);
    expectError(() => parametersFromBytes(model, encodeSafetensors(make())), cls, re);
    expectUnchanged(model, before);
  });

  it('a file whose last tensor fails int32 conversion changes no parameter', () => {
    const model = new Sequential([new Dense(2, 3)]);
    const before = snapshot(model);
    const bytes = file({
      'layers.0.weights': { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
      'layers.0.biases': { dtype: 'I64', shape: [1, 3], data_offsets: [24, 48] },
    }, [...new Array(24).fill(0x3f), ...new Array(24).fill(0xff).map((v, i) => (i === 23 ? 0x7f : v))]);
    expectError(() => parametersFromBytes(model, bytes), SafetensorsError, /tensor 'layers\.0\.biases': I64 value \d+ at index 2 does not fit in int32/);
    expectUnchanged(model, before);
  });

  it('F16 and BF16 files load into float32 parameters', () => {
    const model = new Sequential([new Dense(1, 2)]);
    // weights [1, 2] F16 1.5, -0.25; biases [1, 2] BF16 2, -3
    const bytes = file({
      'layers.0.weights': { dtype: 'F16', shape: [1, 2], data_offsets: [0, 4] },
      'layers.0.biases': { dtype: 'BF16', shape: [1, 2], data_offsets: [4, 8] },
    }, [0x00, 0x3e, 0x00, 0xb4, 0x00, 0x40, 0x40, 0xc0]);
    parametersFromBytes(model, bytes);
    const layer = model.layers[0] as Dense;
    expect(Array.from(layer.weights.data)).toEqual([1.5, -0.25]);
    expect(Array.from(layer.biases.data)).toEqual([2, -3]);
  });
});

describe('saveParameters / loadParameters', () => {
  it('save then load into another model gives the same parameters; no temporary file is left', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-st-'));
    try {
      const path = join(dir, 'model.safetensors');
      const a = makeModel(3);
      saveParameters(a, path, { epoch: '10' });
      expect(readdirSync(dir)).toEqual(['model.safetensors']);
      expect(decodeSafetensors(new Uint8Array(readFileSync(path))).metadata.epoch).toBe('10');
      const b = makeModel(4);
      loadParameters(b, path);
      b.namedParameters().forEach(([, p], i) => expectSameTensor(p, a.namedParameters()[i][1]));

      // Overwriting works, and a corrupt file loads nothing.
      saveParameters(makeModel(5), path);
      writeFileSync(path, readFileSync(path).subarray(0, 100));
      const before = snapshot(b);
      expectError(() => loadParameters(b, path), SafetensorsError, /past the end/);
      expectUnchanged(b, before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the modules import nothing from node at load time, so browsers can use the bytes functions', () => {
    for (const src of ['../packages/io/src/params.ts', '../packages/io/src/safetensors.ts']) {
      const text = readFileSync(new URL(src, import.meta.url), 'utf8');
      expect(text).not.toMatch(/^import [^;]*from ['"](node:|fs|path)/m);
      expect(text).not.toMatch(/require\(/);
    }
  });
});

describe('fuzzing: every input either decodes correctly or throws a TensorgradError', () => {
  const valid = parametersToBytes(makeModel(9));
  const mixed = fixture('mixed_dtypes.safetensors');

  /** Decodes; on success checks the result is self-consistent, on failure that the error is one of ours. */
  function decodeOrOurError(bytes: Uint8Array): ReturnType<typeof decodeSafetensors> | null {
    let result;
    try {
      result = decodeSafetensors(bytes);
    } catch (e) {
      expect(e).toBeInstanceOf(TensorgradError);
      expect((e as Error).message).toMatch(/^decodeSafetensors: /);
      return null;
    }
    for (const t of Object.values(result.tensors)) expect(t.size).toBe(t.shape.reduce((a, b) => a * b, 1));
    // What decoded encodes to a file that decodes to the same thing.
    const again = decodeSafetensors(encodeSafetensors(result.tensors, result.metadata));
    expect(Object.keys(again.tensors).sort()).toEqual(Object.keys(result.tensors).sort());
    for (const [k, t] of Object.entries(result.tensors)) expectSameTensor(again.tensors[k], t);
    expect({ ...again.metadata }).toEqual({ ...result.metadata });
    return result;
  }

  /** Loads; on failure checks the error is ours and the model unchanged, on success that it holds the file's tensors. */
  function loadOrUnchanged(bytes: Uint8Array) {
    const model = makeModel(9);
    const before = snapshot(model);
    try {
      parametersFromBytes(model, bytes);
    } catch (e) {
      expect(e).toBeInstanceOf(TensorgradError);
      expectUnchanged(model, before);
      return;
    }
    const { tensors } = decodeSafetensors(bytes);
    for (const [name, p] of model.namedParameters()) expectSameTensor(p, tensors[name]);
  }

  it('random bytes, with and without a consistent header length', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), fc.boolean(), (raw, prefix) => {
      const bytes = prefix ? withLength(raw.length, raw) : raw;
      decodeOrOurError(bytes);
      loadOrUnchanged(bytes);
    }), { numRuns: 200 });
  });

  it('every truncation of a valid file is rejected', () => {
    for (const source of [valid, mixed]) {
      fc.assert(fc.property(fc.nat(source.length - 1), (cut) => {
        expect(() => decodeSafetensors(source.subarray(0, cut))).toThrow(SafetensorsError);
        loadOrUnchanged(source.subarray(0, cut));
      }), { numRuns: 200 });
    }
  });

  it('single-byte mutations of a valid file', () => {
    for (const source of [valid, mixed]) {
      fc.assert(fc.property(fc.nat(source.length - 1), fc.integer({ min: 0, max: 255 }), (at, value) => {
        const bytes = source.slice();
        bytes[at] = value;
        decodeOrOurError(bytes);
        loadOrUnchanged(bytes);
      }), { numRuns: 200 });
    }
  });

  it('mutations of the header text by JSON-significant characters', () => {
    const n = Number(new DataView(valid.buffer).getBigUint64(0, true));
    const chars = '{}[]:,"\\ 0123456789-.eEtfnu';
    fc.assert(fc.property(
      fc.array(fc.tuple(fc.nat(n - 1), fc.constantFrom(...chars)), { minLength: 1, maxLength: 3 }),
      (edits) => {
        const bytes = valid.slice();
        for (const [at, c] of edits) bytes[8 + at] = c.charCodeAt(0);
        decodeOrOurError(bytes);
        loadOrUnchanged(bytes);
      },
    ), { numRuns: 200 });
  });

  it('headers laid out validly, then maybe perturbed once, decode to exactly the bytes they name or are rejected', () => {
    const spec = fc.record({
      entries: fc.uniqueArray(fc.record({
        name: fc.constantFrom('a', 'b', 'layers.0.weights', 'ü'),
        dtype: fc.constantFrom('F32', 'F64', 'I32', 'U8', 'BOOL', 'F16', 'I64'),
        shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
      }), { selector: (e) => e.name, maxLength: 4 }),
      tweak: fc.option(fc.record({
        index: fc.nat(3),
        field: fc.constantFrom('begin', 'end', 'dim', 'dtype', 'data'),
        delta: fc.constantFrom(-4, -1, 1, 2, 8),
      }), { freq: 2 }),
      values: fc.uint8Array({ min: 0, max: 1, minLength: 512, maxLength: 512 }),
    });
    const itemSize: Record<string, number> = { F32: 4, F64: 8, I32: 4, U8: 1, BOOL: 1, F16: 2, I64: 8 };
    let decoded = 0;
    fc.assert(fc.property(spec, ({ entries, tweak, values }) => {
      const header: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }> = {};
      let at = 0;
      for (const e of entries) {
        const size = e.shape.reduce((a, b) => a * b, 1) * itemSize[e.dtype];
        header[e.name] = { dtype: e.dtype, shape: e.shape.slice(), data_offsets: [at, at + size] };
        at += size;
      }
      let dataLength = at;
      const target = entries.length > 0 && tweak ? header[entries[tweak.index % entries.length].name] : null;
      if (tweak && (target || tweak.field === 'data')) {
        if (tweak.field === 'begin') target!.data_offsets[0] += tweak.delta;
        if (tweak.field === 'end') target!.data_offsets[1] += tweak.delta;
        if (tweak.field === 'dim') target!.shape.push(Math.abs(tweak.delta));
        if (tweak.field === 'dtype') target!.dtype = target!.dtype === 'F64' ? 'F32' : 'F64';
        if (tweak.field === 'data') dataLength = Math.max(0, dataLength + tweak.delta);
      }
      const data = values.subarray(0, dataLength);
      const result = decodeOrOurError(file(header, data));
      if (result === null) return;
      decoded++;
      expect(Object.keys(result.tensors).sort()).toEqual(Object.keys(header).sort());
      for (const [name, e] of Object.entries(header)) {
        const t = result.tensors[name];
        expect(t.shape).toEqual(e.shape);
        if (['F32', 'F64', 'I32'].includes(e.dtype)) expect(bytesOf(t)).toEqual(data.slice(e.data_offsets[0], e.data_offsets[1]));
      }
    }), { numRuns: 200 });
    expect(decoded).toBeGreaterThan(20);
  });

  it('any JSON value under an unknown field is parsed and ignored; any string survives as metadata', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), fc.string({ unit: 'binary', maxLength: 20 }), (extra, s) => {
      const header = `{"w":{"dtype":"U8","shape":[1],"extra":${JSON.stringify(extra)},"data_offsets":[0,1]}}`;
      expect(Array.from(decodeSafetensors(file(header, [9])).tensors.w.data)).toEqual([9]);
      const wellFormed = !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
      if (wellFormed) {
        const back = decodeSafetensors(encodeSafetensors({ [s]: tensor([1]) }, { [s]: s }));
        expect(back.metadata[s]).toBe(s);
        expect(Object.keys(back.tensors)).toEqual([s]);
      } else {
        expect(() => encodeSafetensors({ [s]: tensor([1]) })).toThrow(SafetensorsError);
      }
    }), { numRuns: 200 });
  });
});

describe('hostile header sizes (issue 15, item 3; scaled down so the suite stays fast)', () => {
  /** A file whose header holds `n` zero-size tensors (the 1.68 million, scaled). */
  const zeroSizeTensors = (n: number, name = (i: number) => `t${i}`) => {
    const parts = Array.from({ length: n }, (_, i) => `"${name(i)}":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`);
    const header = new TextEncoder().encode(`{${parts.join(',')}}`);
    const out = new Uint8Array(8 + header.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
    out.set(header, 8);
    return out;
  };

  it('more tensors than maxTensors (default 65536) is refused while the header is parsed', () => {
    expect(Object.keys(decodeSafetensors(zeroSizeTensors(100), { maxTensors: 100 }).tensors)).toHaveLength(100);
    expect(() => decodeSafetensors(zeroSizeTensors(101), { maxTensors: 100 })).toThrow(/holds more than 100 tensors/);
    expect(() => decodeSafetensors(zeroSizeTensors(65_537))).toThrow(/holds more than 65536 tensors \(the limit is 65536/);
  });

  it('an error about many names names the first few and counts the rest (not a message of megabytes)', () => {
    const model = new Sequential([new Dense(2, 3)]);
    let message = '';
    try {
      parametersFromBytes(model, zeroSizeTensors(20_000));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/missing \[layers\.0\.weights, layers\.0\.biases\], unexpected \[t0, t1, t2, t3, t4 and 19995 more\]/);
    expect(message.length).toBeLessThan(200);
  });

  it('names made of \\u escapes decode to the same names, checked as before', () => {
    const escaped = (i: number) => `\\u0074\\u0065\\u006e\\u0073\\u006f\\u0072${i}`.repeat(3);
    const names = Object.keys(decodeSafetensors(zeroSizeTensors(50, escaped)).tensors);
    expect(names[7]).toBe('tensor7tensor7tensor7');
    expect(() => decodeSafetensors(zeroSizeTensors(1, () => '\\ud800'))).toThrow(/lone high surrogate/);
    expect(() => decodeSafetensors(zeroSizeTensors(1, () => 'a\\qb'))).toThrow(/invalid escape/);
    expect(() => decodeSafetensors(zeroSizeTensors(2, () => '\\u0061'))).toThrow(/duplicate tensor name 'a'/);
  });
});
