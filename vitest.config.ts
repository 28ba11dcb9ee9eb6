import { defineConfig } from 'vitest/config';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

const all = ['tests/**/*.test.ts', 'packages/*/test/**/*.test.ts'];
// The tests that compute values: run again with every matmul through wasm (see the projects below).
const numeric = ['backend', 'ops', 'ops_torch', 'gradients', 'autograd', 'notebook', 'nn', 'optim', 'errors', 'robustness'].map((n) => `tests/${n}.test.ts`);

// The native addon, where the install step built it (packages/core/native): the numeric tests run on it too.
const nativeBuilt = existsSync(new URL('./packages/core/native/build/Release/tensorgrad.node', import.meta.url));

// Tests run from the TypeScript sources: the packages resolve to src/, not to a build.
export default defineConfig({
  resolve: {
    alias: {
      // before '@tensorgrad/core': a string alias also matches its subpaths, and the first match wins
      '@tensorgrad/core/testing': fileURLToPath(new URL('./packages/core/src/testing.ts', import.meta.url)),
      '@tensorgrad/core/util': fileURLToPath(new URL('./packages/core/src/util.ts', import.meta.url)),
      '@tensorgrad/core': src('core'),
      '@tensorgrad/nn': src('nn'),
      '@tensorgrad/optim': src('optim'),
      '@tensorgrad/io': fileURLToPath(new URL('./packages/io/src/index.node.ts', import.meta.url)), // its "node" condition
      '@tensorgrad/plot': src('plot'),
      '@tensorgrad/cli': src('cli'),
    },
  },
  test: {
    // Generous: the suite often shares a 2-core machine with other runs, and the tests that start processes or
    // walk 100,000-op graphs then take several times their usual second or two. No test asserts a timing.
    testTimeout: 60_000,
    projects: [
      // everything, with the backend core picks (native where the addon loads, else wasm where the engine has SIMD)
      { extends: true, test: { name: 'auto', include: all } },
      // everything again on the plain TypeScript kernels, the oracle
      // (but the build, which does not depend on it and must not run twice at once into the same dist/)
      // (and the SIGKILL loop of saveModel, a process per kill, which no backend changes)
      // (and the browser tests: the page picks its own backend, and Chromium is the slow part)
      { extends: true, test: { name: 'js', include: all, exclude: ['tests/build.test.ts', 'tests/save-kill.test.ts', 'tests/browser.test.ts'], env: { TENSORGRAD_BACKEND: 'js' } } },
      // every matmul, however small, through the wasm kernel
      { extends: true, test: { name: 'wasm', include: numeric, env: { TENSORGRAD_BACKEND: 'wasm', TENSORGRAD_WASM_MIN_FLOPS: '0' } } },
      // float32 products summed in float64 (setMatmulPrecision('highest'), the book's; the default is 'high'):
      // the op tests
      {
        extends: true,
        test: {
          name: 'wasm-highest',
          include: ['backend', 'ops', 'gradients', 'autograd'].map((n) => `tests/${n}.test.ts`),
          env: { TENSORGRAD_BACKEND: 'wasm', TENSORGRAD_WASM_MIN_FLOPS: '0', TENSORGRAD_MATMUL_PRECISION: 'highest' },
        },
      },
      // every matmul, however small, through the native addon (at 'high': fused float32 sums), and at 'highest'
      ...(nativeBuilt
        ? [
            { extends: true as const, test: { name: 'native', include: numeric, env: { TENSORGRAD_BACKEND: 'native', TENSORGRAD_NATIVE_MIN_FLOPS: '0' } } },
            {
              extends: true as const,
              test: {
                name: 'native-highest',
                include: ['backend', 'ops', 'gradients', 'autograd'].map((n) => `tests/${n}.test.ts`),
                env: { TENSORGRAD_BACKEND: 'native', TENSORGRAD_NATIVE_MIN_FLOPS: '0', TENSORGRAD_MATMUL_PRECISION: 'highest' },
              },
            },
          ]
        : []),
    ],
  },
});
