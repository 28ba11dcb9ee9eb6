// The bench's own pieces that can be wrong without a timing showing it (no timings here): the IDX reader W5 uses,
// and the backend probe run.ts relies on to measure every backend core has.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readIdx, IdxError } from '../bench/idx.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** An IDX file of unsigned bytes: magic 00 00 08 ndim, big-endian dimensions, the data. */
function idxBytes(shape: number[], data: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header.set([0, 0, 0x08, shape.length]);
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(data)]);
}

describe('bench/idx.ts readIdx', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tg-idx-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };

  it('reads plain and gzipped files with their shape', () => {
    const bytes = idxBytes([2, 3], [0, 1, 2, 253, 254, 255]);
    for (const p of [file('a.idx', bytes), file('a.idx.gz', gzipSync(bytes))]) {
      const r = readIdx(p);
      expect(r.shape).toEqual([2, 3]);
      expect([...r.data]).toEqual([0, 1, 2, 253, 254, 255]);
    }
  });

  it('refuses a truncated file, a wrong magic and a truncated header', () => {
    expect(() => readIdx(file('short.idx', idxBytes([2, 3], [1, 2, 3])))).toThrow(/3 data bytes, expected 6 for shape \[2, 3\]/);
    const float = idxBytes([1], [0, 0, 0, 0]);
    float[2] = 0x0d; // float32 data: not what W5 reads
    expect(() => readIdx(file('float.idx', float))).toThrow(IdxError);
    expect(() => readIdx(file('head.idx', Buffer.from([0, 0, 8, 3, 0, 0])))).toThrow(/truncated header/);
  });
});

describe('bench/tensorgrad.ts --probe', () => {
  it('lists the default backend as available and a backend core lacks as not, with the reason', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/tensorgrad.ts', '--probe'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const probe = JSON.parse(r.stdout.trim().split('\n').pop()!) as { default: string; backends: { name: string; available: boolean; reason?: string }[] };
    expect(probe.backends.find((b) => b.name === probe.default)?.available).toBe(true);
    expect(probe.backends.find((b) => b.name === 'js')?.available).toBe(true);
    for (const b of probe.backends.filter((x) => !x.available)) expect(b.reason).toMatch(/\S/);
  });
});
