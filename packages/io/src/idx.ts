// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a 4-byte magic (0, 0, a type
// code, the number of dimensions), each dimension as a big-endian uint32, then the values, big-endian, row-major.
// Bytes in, tensor out; the gzip layer is readIdx's (files.node.ts).
import { type DType, type Tensor, tensor, ValueError, MAX_SIZE } from '@tensorgrad/core';
import { fmt } from '@tensorgrad/core/util';

/** A file that is not a consistent IDX file: bad magic, unknown type, a size its header does not declare. */
export class IdxError extends ValueError {}

/** Each IDX type code: its bytes per value, how to read one, and the tensor dtype it becomes. */
const TYPES: Record<number, { name: string; bytes: number; dtype: DType; read: (v: DataView, at: number) => number }> = {
  0x08: { name: 'unsigned byte', bytes: 1, dtype: 'uint8', read: (v, at) => v.getUint8(at) },
  0x09: { name: 'signed byte', bytes: 1, dtype: 'int32', read: (v, at) => v.getInt8(at) },
  0x0b: { name: 'short', bytes: 2, dtype: 'int32', read: (v, at) => v.getInt16(at) },
  0x0c: { name: 'int', bytes: 4, dtype: 'int32', read: (v, at) => v.getInt32(at) },
  0x0d: { name: 'float', bytes: 4, dtype: 'float32', read: (v, at) => v.getFloat32(at) },
  0x0e: { name: 'double', bytes: 8, dtype: 'float64', read: (v, at) => v.getFloat64(at) },
};

/** The largest IDX data read (2 GiB): more than a typed array is sure to hold. */
export const MAX_IDX_BYTES = 2 ** 31;

export interface IdxHeader {
  /** The IDX type code (0x08: unsigned bytes, MNIST's). */
  type: number;
  shape: number[];
  /** Bytes before the values: 4 + 4 * dimensions. */
  headerBytes: number;
  /** Bytes of values the header declares. */
  dataBytes: number;
}

/** Reads and checks an IDX header from the start of `bytes` (which may be only a prefix of the file). */
export function idxHeader(bytes: Uint8Array, where = 'parseIdx'): IdxHeader {
  if (bytes.length < 4) throw new IdxError(`${where}: ${bytes.length} bytes is too short for an IDX file (its magic number alone is 4 bytes)`);
  const [z0, z1, type, ndim] = bytes;
  const info = TYPES[type];
  if (z0 !== 0 || z1 !== 0 || info === undefined) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new IdxError(`${where}: not an IDX file: its magic number is ${magic}, expected 00 00 then a type code (08 unsigned byte, 09, 0b, 0c, 0d or 0e) and the number of dimensions`);
  }
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) throw new IdxError(`${where}: truncated IDX header: ${ndim} dimensions need ${headerBytes} bytes, the file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: ndim }, (_, k) => view.getUint32(4 + 4 * k));
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > MAX_SIZE || size * info.bytes > MAX_IDX_BYTES) {
    throw new IdxError(`${where}: the IDX header declares shape ${fmt(shape)} (${size} values of ${info.bytes} bytes), more than can be read (${MAX_SIZE} values, ${MAX_IDX_BYTES} bytes)`);
  }
  return { type, shape, headerBytes, dataBytes: size * info.bytes };
}

/**
 * An IDX file's tensor: unsigned bytes (MNIST's images and labels) stay uint8, signed integers become int32, floats
 * float32 and doubles float64. A file whose length is not exactly what its header declares is refused before
 * anything is allocated.
 */
export function parseIdx(bytes: Uint8Array, where = 'parseIdx'): Tensor {
  if (!(bytes instanceof Uint8Array)) throw new IdxError(`${where}: expected the file's bytes as a Uint8Array, got ${typeof bytes}`);
  const { type, shape, headerBytes, dataBytes } = idxHeader(bytes, where);
  const expected = headerBytes + dataBytes;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated' : 'longer than its header declares';
    throw new IdxError(`${where}: IDX file ${what}: shape ${fmt(shape)} needs ${expected} bytes (header ${headerBytes} + values ${dataBytes}), the file has ${bytes.length}`);
  }
  const info = TYPES[type];
  const body = bytes.subarray(headerBytes);
  if (type === 0x08) return tensor(body.slice(), { dtype: 'uint8', shape });
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const n = dataBytes / info.bytes;
  const out = info.dtype === 'float64' ? new Float64Array(n) : info.dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = info.read(view, i * info.bytes);
  return tensor(out, { shape });
}
