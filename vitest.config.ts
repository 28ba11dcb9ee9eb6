import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

// Tests run from the TypeScript sources: the packages resolve to src/, not to a build.
export default defineConfig({
  resolve: {
    alias: {
      // before '@tensorgrad/core': a string alias also matches its subpaths, and the first match wins
      '@tensorgrad/core/testing': fileURLToPath(new URL('./packages/core/src/testing.ts', import.meta.url)),
      '@tensorgrad/core': src('core'),
      '@tensorgrad/nn': src('nn'),
      '@tensorgrad/optim': src('optim'),
    },
  },
  test: {
    include: ['tests/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
  },
});
