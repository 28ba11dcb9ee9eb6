import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { IdxError, parseIdx, readIdx } from '@tensorgrad/io';

/** An IDX file: magic 00 00 type ndim, big-endian dims, then `body`. */
function idx(type: number, dims: number[], body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + body.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, type, dims.length]);
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d));
  out.set(body, 4 + 4 * dims.length);
  return out;
}

const images = idx(0x08, [2, 2, 3], Uint8Array.from([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]));
const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, bytes: Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};

describe('parseIdx', () => {
  it('reads unsigned bytes with their shape', () => {
    const t = parseIdx(images);
    expect([t.dtype, t.shape]).toEqual(['uint8', [2, 2, 3]]);
    expect(Array.from(t.data)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  });

  it('reads the other types big-endian', () => {
    const body = new Uint8Array(16);
    const v = new DataView(body.buffer);
    v.setFloat64(0, -1.5);
    v.setFloat64(8, 1e300);
    expect(Array.from(parseIdx(idx(0x0e, [2], body)).data)).toEqual([-1.5, 1e300]);
    v.setInt16(0, -300);
    v.setInt16(2, 7);
    const shorts = parseIdx(idx(0x0b, [2], body.subarray(0, 4)));
    expect([shorts.dtype, ...shorts.data]).toEqual(['int32', -300, 7]);
    v.setFloat32(0, 0.25);
    const floats = parseIdx(idx(0x0d, [1, 1], body.subarray(0, 4)));
    expect([floats.dtype, floats.shape, floats.item()]).toEqual(['float32', [1, 1], 0.25]);
  });

  it('refuses bad magic, truncated and inconsistent files, naming what was expected', () => {
    expect(() => parseIdx(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0]))).toThrow(IdxError);
    expect(() => parseIdx(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0]))).toThrow(/magic number is 50 4b 03 04, expected 00 00/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 0x07, 1, 0, 0, 0, 0]))).toThrow(/magic number is 00 00 07 01/);
    expect(() => parseIdx(images.subarray(0, 2))).toThrow(/too short/);
    expect(() => parseIdx(images.subarray(0, 10))).toThrow(/truncated IDX header: 3 dimensions need 16 bytes, the file has 10/);
    expect(() => parseIdx(images.subarray(0, images.length - 1))).toThrow(/truncated: shape \[2, 2, 3\] needs 28 bytes \(header 16 \+ values 12\), the file has 27/);
    expect(() => parseIdx(Uint8Array.from([...images, 0]))).toThrow(/longer than its header declares/);
    // a header declaring 2^32 - 1 x 2^32 - 1 values: refused from its 12 bytes
    expect(() => parseIdx(idx(0x08, [0xffffffff, 0xffffffff], new Uint8Array(0)))).toThrow(/more than can be read/);
  });
});

describe('readIdx', () => {
  it('reads plain and gzipped files alike', () => {
    for (const path of [file('plain-idx3-ubyte', images), file('gz-idx3-ubyte.gz', gzipSync(images))]) {
      const t = readIdx(path);
      expect(t.shape).toEqual([2, 2, 3]);
      expect(Array.from(t.data)).toEqual(Array.from(parseIdx(images).data));
    }
  });

  it('refuses truncated gzip, a gzip longer than its header, and a gzip bomb before inflating it', () => {
    const gz = gzipSync(images);
    expect(() => readIdx(file('cut.gz', gz.subarray(0, gz.length - 12)))).toThrow(/not a complete gzip file/);
    expect(() => readIdx(file('long.gz', gzipSync(Uint8Array.from([...images, 1, 2]))))).toThrow(/inflates to more bytes than its IDX header declares/);
    // 16 MiB of zeros after a header declaring 4 values: stops at the declared size
    const bomb = gzipSync(idx(0x08, [4], new Uint8Array(2 ** 24)));
    expect(() => readIdx(file("bomb.gz", bomb))).toThrow(/inflates to more bytes/);
    // a header in the gzip that is not IDX
    expect(() => readIdx(file('zip.gz', gzipSync(Uint8Array.from([0x50, 0x4b, 3, 4]))))).toThrow(/readIdx: .*zip\.gz: not an IDX file/);
    expect(() => readIdx(join(dir, 'missing'))).toThrow(/ENOENT/);
  });

  const fashion = '/usr/share/datasets/fashion-mnist';
  it.skipIf(!existsSync(`${fashion}/t10k-labels-idx1-ubyte.gz`))("reads Fashion-MNIST's test set (Debian's dataset-fashion-mnist)", () => {
    const labels = readIdx(`${fashion}/t10k-labels-idx1-ubyte.gz`);
    expect(labels.shape).toEqual([10000]);
    expect(Math.max(...labels.data)).toBe(9);
    expect(readIdx(`${fashion}/t10k-images-idx3-ubyte.gz`).shape).toEqual([10000, 28, 28]);
  });
});
