// nn.init against PyTorch's gains, fans, bounds and stds (fixtures/init_torch.json, made by make_init_torch.py).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Generator, Tensor, zeros, DTypeError, ShapeError, ValueError } from '@tensorgrad/core';
import { init, calculateGain, kaimingUniform_, Dense, type Nonlinearity, type KaimingOptions } from '@tensorgrad/nn';

interface Fixture {
  gains: { nonlinearity: Nonlinearity; param: number | null; gain: number }[];
  fans: { shape: number[]; fan: [number, number] }[];
  cases: { fn: 'kaimingUniform_' | 'kaimingNormal_' | 'xavierUniform_' | 'xavierNormal_'; shape: number[]; options: KaimingOptions & { gain?: number }; bound?: number; std?: number }[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/init_torch.json', import.meta.url), 'utf8')) as Fixture;

/** A generator that records the uniform range it was asked for and gives standard normals of exactly 1. */
class Spy extends Generator {
  range: [number, number] | null = null;
  override uniform(low: number, high: number, n: number): Float64Array {
    this.range = [low, high];
    return super.uniform(low, high, n);
  }
  override standardNormal(n: number): Float64Array {
    return new Float64Array(n).fill(1);
  }
}

const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));

describe('gains and fans as PyTorch', () => {
  it('calculateGain', () => {
    for (const { nonlinearity, param, gain } of fixture.gains) close(calculateGain(nonlinearity, param ?? undefined), gain);
    expect(() => calculateGain('softmax' as Nonlinearity)).toThrow(/unsupported nonlinearity 'softmax'/);
  });

  it('calculateFanInAndFanOut, conv kernels included', () => {
    for (const { shape, fan } of fixture.fans) expect(init.calculateFanInAndFanOut(zeros(shape))).toEqual(fan);
    expect(() => init.calculateFanInAndFanOut([3])).toThrow(ShapeError);
  });
});

describe('the bound or std each initialisation uses', () => {
  it('kaiming and xavier, uniform and normal, match the fixture', () => {
    for (const c of fixture.cases) {
      const t = zeros(c.shape, { dtype: 'float64' });
      const generator = new Spy(0);
      init[c.fn](t, { ...c.options, generator });
      if (c.bound !== undefined) {
        close(generator.range![1], c.bound);
        close(generator.range![0], -c.bound);
        for (const v of t.data) expect(Math.abs(v)).toBeLessThan(c.bound);
      } else {
        for (const v of t.data) close(v, c.std!);
      }
    }
  });

  it('with the real generator: values fill the bound, the std is right, all in place', () => {
    const w = zeros([64, 64], { requiresGrad: true });
    expect(kaimingUniform_(w, { generator: new Generator(1) })).toBe(w);
    const bound = Math.sqrt(6 / 64);
    const max = Math.max(...Array.from(w.data, Math.abs));
    expect(max).toBeLessThanOrEqual(bound);
    expect(max).toBeGreaterThan(0.99 * bound);
    expect(w.isLeaf && w.requiresGrad).toBe(true);
    init.normal_(w, { mean: 1, std: 0.5, generator: new Generator(2) });
    const mean = w.mean().item();
    expect(Math.abs(mean - 1)).toBeLessThan(0.03);
    expect(Math.abs(w.std().item() - 0.5)).toBeLessThan(0.025);
  });

  it('the same generator seed gives the same values', () => {
    const a = init.xavierNormal_(zeros([3, 4]), { generator: new Generator(5) });
    const b = init.xavierNormal_(zeros([3, 4]), { generator: new Generator(5) });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });
});

describe('orthogonal_, truncNormal_, constants', () => {
  /** a @ a.T (or a.T @ a when tall): gain^2 times the identity. */
  function gram(t: Tensor): Tensor {
    const m = t.reshape([t.shape[0], -1]);
    return m.shape[0] <= m.shape[1] ? m.matmul(m.T) : m.T.matmul(m);
  }

  it('orthogonal_ rows or columns are orthonormal times gain (wide, tall and conv-shaped)', () => {
    for (const shape of [[3, 5], [5, 3], [4, 2, 3], [4, 4]]) {
      const t = init.orthogonal_(zeros(shape, { dtype: 'float64' }), { gain: 2, generator: new Generator(3) });
      const g = gram(t);
      const n = g.shape[0];
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(Math.abs(g.data[i * n + j] - (i === j ? 4 : 0))).toBeLessThan(1e-12);
    }
    expect(() => init.orthogonal_(zeros([3]))).toThrow(ShapeError);
  });

  it('truncNormal_ maps the ends of its uniform range to a and b (inverse CDF), values within [a, b]', () => {
    class Ends extends Generator {
      override uniform(low: number, high: number, n: number): Float64Array {
        return Float64Array.from({ length: n }, (_, i) => [low, high, (low + high) / 2][i % 3]);
      }
    }
    const t = init.truncNormal_(zeros([3], { dtype: 'float64' }), { mean: 1, std: 2, a: -1, b: 3, generator: new Ends() });
    expect(Array.from(t.data).map((v) => Number(v.toFixed(9)))).toEqual([-1, 3, 1]);
    const u = init.truncNormal_(zeros([500]), { a: -0.5, b: 2, generator: new Generator(4) });
    for (const v of u.data) expect(v >= -0.5 && v <= 2).toBe(true);
  });

  it('constant_, zeros_, ones_, uniform_; bad arguments are named errors', () => {
    expect(Array.from(init.constant_(zeros([2]), 3).data)).toEqual([3, 3]);
    expect(Array.from(init.ones_(zeros([2])).data)).toEqual([1, 1]);
    expect(Array.from(init.zeros_(init.ones_(zeros([2]))).data)).toEqual([0, 0]);
    for (const v of init.uniform_(zeros([50]), { a: 2, b: 3 }).data) expect(v >= 2 && v < 3).toBe(true);
    expect(() => init.uniform_(zeros([2]), { a: 1, b: 0 })).toThrow(ValueError);
    expect(() => init.normal_(zeros([2]), { std: -1 })).toThrow(/std must be a finite number >= 0/);
    expect(() => init.ones_(zeros([2], { dtype: 'int32' }))).toThrow(DTypeError);
    expect(() => kaimingUniform_(zeros([2, 2]), { mode: 'fanIn' as 'fan_in' })).toThrow(/mode must be 'fan_in' or 'fan_out'/);
  });

  it('works with Module.apply, e.g. re-initialising every Dense', () => {
    const d = new Dense(3, 2);
    d.apply((m) => {
      if (m instanceof Dense) init.zeros_(m.weights);
    });
    expect(Array.from(d.weights.data)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});
