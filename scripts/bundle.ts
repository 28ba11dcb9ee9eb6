// npm run bundle: the browser builds, with esbuild, into out/bundle/ (gitignored).
//   tensorgrad.js   core + nn + optim as one minified ES module (what a page imports)
//   app.js, worker.js  the playground's page script and its training worker (playground/)
// The packages resolve to their TypeScript sources, and @tensorgrad/io to its browser entry (no file functions).
// terser then minifies the library once more (esbuild's own minifier leaves ~3 KB gzipped that terser's passes remove).
// core's native addon loader and backend resolve to a stub (core/src/native/browser.ts): a page cannot use them.
import { type Plugin, build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { minify } from 'terser';

const root = fileURLToPath(new URL('..', import.meta.url));
export const BUNDLE_DIR = `${root}out/bundle`;

const alias = Object.fromEntries(['core', 'nn', 'optim', 'io'].map((p) => [`@tensorgrad/${p}`, `${root}packages/${p}/src/index.ts`]));
// a subpath needs its own entry: esbuild would map '@tensorgrad/core/util' to '<core's index.ts>/util'
alias['@tensorgrad/core/util'] = `${root}packages/core/src/util.ts`;

const nativeStub: Plugin = {
  name: 'native-stub',
  setup(b) {
    b.onResolve({ filter: /^\.\/native\/(addon|backend)\.js$/ }, () => ({ path: `${root}packages/core/src/native/browser.ts` }));
  },
};

/** Builds the three files; returns the library bundle's size in bytes (minified, gzipped) and what it imports. */
export async function bundle(): Promise<{ minified: number; gzipped: number; imports: string[] }> {
  const { metafile } = await build({
    metafile: true,
    entryPoints: { tensorgrad: `${root}playground/tensorgrad.ts`, app: `${root}playground/app.ts`, worker: `${root}playground/worker.ts` },
    outdir: BUNDLE_DIR,
    bundle: true,
    // identifiers are left to terser, which keeps the error classes' names (a page's e.name reads 'ShapeError')
    minifySyntax: true,
    minifyWhitespace: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    alias,
    plugins: [nativeStub],
    logLevel: 'warning',
  });
  for (const name of ['tensorgrad', 'app', 'worker']) {
    const file = `${BUNDLE_DIR}/${name}.js`;
    let code = readFileSync(file, 'utf8');
    // esbuild binds each class to a variable whose name the class takes (var ShapeError=class ...), and calls a
    // class that refers to itself _Name inside (var Linear=class _Linear ...). Errors show these names (e.name, and
    // messages naming a layer by its constructor), so the inner ones become Name again and terser keeps them all.
    for (const [, name] of code.matchAll(/\b(\w+)=class _\1\b/g)) code = code.replaceAll(new RegExp(`\\b_${name}\\b`, 'g'), name);
    const reserved = [...code.matchAll(/\b(\w+)=class\b/g)].map((m) => m[1]);
    writeFileSync(file, (await minify(code, { module: true, compress: { passes: 2 }, mangle: { reserved } })).code!);
  }
  const file = `${BUNDLE_DIR}/tensorgrad.js`;
  const code = readFileSync(file);
  const imports = Object.entries(metafile.outputs).find(([file]) => file.endsWith('/tensorgrad.js'))![1].imports.map((i) => i.path);
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length, imports };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { minified, gzipped } = await bundle();
  console.log(`out/bundle/tensorgrad.js: ${(minified / 1024).toFixed(1)} KB minified, ${(gzipped / 1024).toFixed(1)} KB gzipped`);
}
