// Which matmul backend this run uses: the vitest projects (vitest.config.ts) run the numeric tests under each.
import { describe, it, expect } from 'vitest';
import { getBackend, backendInfo, getMatmulPrecision } from '@tensorgrad/core';

describe('the backend of this run', () => {
  it('is the one the environment asks for, or native where the addon loads, or wasm wherever the engine validates SIMD', () => {
    const forced = process.env.TENSORGRAD_BACKEND;
    const { simd, native } = backendInfo();
    expect(getBackend()).toBe(forced ?? (native.loaded ? 'native' : simd ? 'wasm' : 'js'));
    const min = getBackend() === 'native' ? process.env.TENSORGRAD_NATIVE_MIN_FLOPS : process.env.TENSORGRAD_WASM_MIN_FLOPS;
    if (min !== undefined) expect(backendInfo().minFlops).toBe(Number(min));
  });
});

describe('the matmul precision of this run', () => {
  it('is the one the environment asks for, else high (float32 sums, as PyTorch; nnfsInit() selects the book\'s highest)', () => {
    expect(getMatmulPrecision()).toBe(process.env.TENSORGRAD_MATMUL_PRECISION ?? 'high');
  });
});
