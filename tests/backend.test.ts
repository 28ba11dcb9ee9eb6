// Which matmul backend this run uses: the vitest projects (vitest.config.ts) run the numeric tests under each.
import { describe, it, expect } from 'vitest';
import { getBackend, backendInfo, getMatmulPrecision } from '@tensorgrad/core';

describe('the backend of this run', () => {
  it('is the one the environment asks for, or wasm wherever the engine validates SIMD', () => {
    const forced = process.env.TENSORGRAD_BACKEND;
    const simd = backendInfo().simd;
    expect(getBackend()).toBe(forced ?? (simd ? 'wasm' : 'js'));
    if (process.env.TENSORGRAD_WASM_MIN_FLOPS !== undefined) {
      expect(backendInfo().minFlops).toBe(Number(process.env.TENSORGRAD_WASM_MIN_FLOPS));
    }
  });
});

describe('the matmul precision of this run', () => {
  it('is the one the environment asks for, else highest (the book: float32 products summed in float64)', () => {
    expect(getMatmulPrecision()).toBe(process.env.TENSORGRAD_MATMUL_PRECISION ?? 'highest');
  });
});
