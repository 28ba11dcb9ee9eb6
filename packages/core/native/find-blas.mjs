// The system OpenBLAS for float32 'high' products (bench/native-notes.md: faster than the addon's kernel on some
// shapes), looked for by build.mjs after it built the addon: the first library the new addon opens with
// cblas_sgemm and openblas_set_num_threads, by name through ldconfig's cache, then in the usual folders. No header
// and no -dev package are needed; the addon dlopens the file at load (src/blas.c), so a BLAS removed
// later is only reported. Options (for tests/native.test.ts): the environment, the library names, the addon.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** { path } of the BLAS to use, or { reason } why there is none (build.mjs writes either line to build/blas.txt). */
export function findBlas({ env = process.env, names = ['libopenblas.so.0', 'libopenblas.so', 'libblas.so.3'], addon = join(here, 'build/Release/tensorgrad.node') } = {}) {
  if (env.TENSORGRAD_NO_BLAS === '1') return { reason: 'not looked for (TENSORGRAD_NO_BLAS=1 at build)' };
  if (process.platform !== 'linux') return { reason: `not looked for on ${process.platform}` };
  const ldconfig = spawnSync('ldconfig', ['-p'], { encoding: 'utf8', env: { ...env, PATH: `${env.PATH ?? ''}:/sbin:/usr/sbin` } });
  const cache = ldconfig.stdout ?? '';
  const listed = names.flatMap((n) => [...cache.matchAll(new RegExp(`^\\s*${n.replace(/\./g, '\\.')} \\(.*?\\) => (\\S+)$`, 'gm'))].map((m) => m[1]));
  const dirs = ['/usr/local/lib', '/usr/lib64', '/usr/lib', `/usr/lib/${process.arch === 'x64' ? 'x86_64' : process.arch}-linux-gnu`];
  const candidates = [...new Set([...listed, ...names.flatMap((n) => dirs.map((d) => join(d, n)))])].filter((p) => existsSync(p));
  if (candidates.length === 0) return { reason: `none found (${names.join(', ')}: not in ldconfig's cache nor in ${dirs.join(', ')})` };
  const module = { exports: {} };
  process.dlopen(module, addon);
  const refused = [];
  for (const path of candidates) {
    const why = module.exports.blasOpen(path);
    if (why === null) return { path };
    refused.push(why);
  }
  return { reason: `none usable: ${refused.join('; ')}` };
}
