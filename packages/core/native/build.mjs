// Install step (packages/core's "install" script): compile the native addon from source with the system C
// compiler through node-gyp, with the headers installed beside Node (no download). It never fails the install:
// on any problem it prints one line, writes the reason to build/error.txt for nativeStatus(), and exits 0;
// core then runs on its wasm backend. After a build it looks for a system OpenBLAS (find-blas.mjs) and records
// what it found in build/blas.txt (a path, or why none), which the addon reads at load.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBlas } from './find-blas.mjs';

const here = dirname(fileURLToPath(import.meta.url));

function nodeGyp() {
  // npm sets npm_config_node_gyp to its bundled node-gyp when it runs a script
  const candidates = [process.env.npm_config_node_gyp, join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')];
  return candidates.find((p) => p && existsSync(p));
}

function nodeDir() {
  // the configured nodedir, else the prefix Node runs from; only where the Node-API header is there
  const candidates = [process.env.npm_config_nodedir, join(dirname(process.execPath), '..')];
  return candidates.find((d) => d && existsSync(join(d, 'include/node/node_api.h')));
}

function build() {
  if (process.env.TENSORGRAD_NATIVE_SKIP_BUILD === '1') return 'skipped (TENSORGRAD_NATIVE_SKIP_BUILD=1)';
  const gyp = nodeGyp();
  if (!gyp) return 'node-gyp not found (it comes with npm)';
  const dir = nodeDir();
  if (!dir) return `no Node-API headers beside ${process.execPath} (include/node/node_api.h); not downloading them`;
  const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${dir}`], { cwd: here, encoding: 'utf8', timeout: 300_000 });
  if (r.status === 0) return null;
  const lines = `${r.stderr ?? ''}\n${r.stdout ?? ''}\n${r.error?.message ?? ''}`.split('\n').map((l) => l.trim());
  const why = lines.find((l) => /error/i.test(l) && !/^gyp (info|ERR! (stack|System|command|cwd|node|not ok))/.test(l)) ?? `node-gyp exited with ${r.status ?? r.signal}`;
  return `build failed: ${why}`;
}

let reason;
try {
  reason = build();
} catch (e) {
  reason = `build failed: ${e instanceof Error ? e.message : String(e)}`;
}
if (reason === null) {
  let blas;
  try {
    blas = findBlas();
  } catch (e) {
    blas = { reason: `the search failed: ${e instanceof Error ? e.message : String(e)}` };
  }
  try {
    writeFileSync(join(here, 'build/blas.txt'), `${blas.path ?? blas.reason}\n`);
  } catch {
    // without the file the addon runs its own kernel only
  }
  console.log(`tensorgrad: native backend built (packages/core/native/build/Release/tensorgrad.node); system BLAS: ${blas.path ?? blas.reason}`);
} else {
  console.log(`tensorgrad: native backend not built, the wasm backend will run instead: ${reason}`);
  try {
    mkdirSync(join(here, 'build'), { recursive: true });
    writeFileSync(join(here, 'build/error.txt'), `${reason}\n`);
  } catch {
    // the reason only helps nativeStatus() explain; the install goes on regardless
  }
}
