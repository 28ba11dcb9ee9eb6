// A small reader for the IDX files of MNIST and Fashion-MNIST (gzip or plain), for W5. nn gets a public
// readIdx (the layers issue: into uint8 tensors, with named errors); W5 should switch to it then.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export class IdxError extends Error {
  override name = 'IdxError';
}

/** The unsigned-byte array an IDX file holds, with its shape (big-endian dimensions after the magic). */
export function readIdx(path: string): { shape: number[]; data: Uint8Array } {
  let raw: Uint8Array = readFileSync(path);
  if (raw[0] === 0x1f && raw[1] === 0x8b) raw = gunzipSync(raw);
  // magic: two zero bytes, the type (0x08 = unsigned byte), the number of dimensions
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0 || raw[2] !== 0x08) {
    throw new IdxError(`${path}: not an unsigned-byte IDX file (magic ${Buffer.from(raw.subarray(0, 4)).toString('hex')}, expected 000008nn)`);
  }
  const ndim = raw[3];
  const offset = 4 + 4 * ndim;
  if (raw.length < offset) throw new IdxError(`${path}: truncated header (${raw.length} bytes for ${ndim} dimensions)`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = shape.reduce((a, b) => a * b, 1);
  if (raw.length - offset !== size) {
    throw new IdxError(`${path}: ${raw.length - offset} data bytes, expected ${size} for shape [${shape.join(', ')}]`);
  }
  return { shape, data: raw.subarray(offset) };
}
