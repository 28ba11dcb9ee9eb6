import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { formatArray, type DType } from '@tensorgrad/core';

interface Case {
  name: string;
  dtype: DType;
  shape: number[];
  data: (number | 'nan' | 'inf' | '-inf')[];
  out: string;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/format.json', import.meta.url), 'utf8')) as { cases: Case[] };

function decode(value: Case['data'][number]): number {
  if (value === 'nan') return NaN;
  if (value === 'inf') return Infinity;
  if (value === '-inf') return -Infinity;
  return value;
}

function toArray(dtype: DType, values: number[]): Float32Array | Float64Array | Int32Array {
  if (dtype === 'float32') return Float32Array.from(values);
  if (dtype === 'float64') return Float64Array.from(values);
  return Int32Array.from(values);
}

function format(dtype: DType, shape: number[], values: number[]): string {
  return formatArray(toArray(dtype, values), shape, dtype);
}

describe('formatArray matches numpy str(arr)', () => {
  it('reproduces every case of the numpy fixture', () => {
    const failures: string[] = [];
    for (const c of fixture.cases) {
      const got = formatArray(toArray(c.dtype, c.data.map(decode)), c.shape, c.dtype);
      if (got !== c.out) failures.push(`${c.name}\nexpected:\n${c.out}\ngot:\n${got}`);
    }
    expect(failures.join('\n\n')).toBe('');
    expect(fixture.cases.length).toBeGreaterThan(600);
  });

  it.each(fixture.cases.filter((c) => c.name.startsWith('notebook ')).map((c) => [c.name, c] as const))(
    '%s',
    (_name, c) => {
      expect(formatArray(toArray(c.dtype, c.data.map(decode)), c.shape, c.dtype)).toBe(c.out);
    },
  );
});

describe('the notebook prints', () => {
  it('float64 vectors and matrices', () => {
    expect(format('float64', [3], [4.8, 1.21, 2.385])).toBe('[4.8   1.21  2.385]');
    expect(format('float64', [4], [0.44, -0.38, -0.07, 1.37])).toBe('[ 0.44 -0.38 -0.07  1.37]');
    expect(format('float64', [1, 3], [6, 6, 6])).toBe('[[6. 6. 6.]]');
    expect(format('float64', [4, 3], [0.5, 0.5, 0.5, 20.1, 20.1, 20.1, 10.9, 10.9, 10.9, 4.1, 4.1, 4.1])).toBe(
      '[[ 0.5  0.5  0.5]\n [20.1 20.1 20.1]\n [10.9 10.9 10.9]\n [ 4.1  4.1  4.1]]',
    );
  });

  it('int matrices', () => {
    expect(format('int32', [3, 4], [1, 1, 0, 0, 1, 0, 0, 1, 0, 1, 1, 0])).toBe('[[1 1 0 0]\n [1 0 0 1]\n [0 1 1 0]]');
    expect(format('int32', [3, 4], [1, 2, 0, 0, 5, 0, 0, 8, 0, 10, 11, 0])).toBe(
      '[[ 1  2  0  0]\n [ 5  0  0  8]\n [ 0 10 11  0]]',
    );
  });
});

describe('formatArray corners', () => {
  it('prints float32 with float32 shortest digits', () => {
    expect(format('float32', [3], [0.1, 0.2, 0.3])).toBe('[0.1 0.2 0.3]');
    expect(format('float32', [], [0.1])).toBe('0.1');
    expect(format('float64', [], [Math.fround(0.1)])).toBe('0.10000000149011612');
  });

  it('switches to scientific notation for mixed magnitudes', () => {
    expect(format('float64', [2], [1e-10, 1])).toBe('[1.e-10 1.e+00]');
    expect(format('float64', [2], [1e20, 1])).toBe('[1.e+20 1.e+00]');
  });

  it('prints nan, inf, -0 and empty arrays', () => {
    expect(format('float64', [3], [NaN, 1.5, -Infinity])).toBe('[ nan  1.5 -inf]');
    expect(format('float64', [2], [-0, 1])).toBe('[-0.  1.]');
    expect(format('float32', [2, 0, 3], [])).toBe('[]');
    expect(format('int32', [], [-7])).toBe('-7');
  });

  it('summarizes arrays over 1000 elements', () => {
    const values = Array.from({ length: 2000 }, (_, i) => i);
    expect(format('int32', [2000], values)).toBe('[   0    1    2 ... 1997 1998 1999]');
  });

  it('rejects data that does not fit the shape', () => {
    expect(() => format('float64', [2, 3], [1, 2, 3])).toThrow(/\[2, 3\] holds 6 elements but data has 3/);
    expect(() => format('float64', [-1], [])).toThrow(/not a non-negative integer/);
  });
});
