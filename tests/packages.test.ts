// The package rules (ARCHITECTURE.md, "Packages and what each may import"): a package imports only the packages
// below it, and core/nn/optim import no node: module outside a file whose name says it is Node-only (*.node.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** What each package may import: the layers core <- nn, optim <- io, plot <- cli. */
const ALLOWED: Record<string, string[]> = {
  core: [],
  nn: ['core'],
  optim: ['core'],
  io: ['core', 'nn'],
  plot: ['core'],
  cli: ['core', 'nn', 'optim', 'io', 'plot'],
};
/** Packages that must load in a browser: node: modules only from *.node.ts files. */
const BROWSER = ['core', 'nn', 'optim'];

const root = new URL('../packages/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

/**
 * The module specifiers a file imports at run time: static imports and exports, dynamic import() (not `typeof import()`).
 * (require() is not looked for: the sources are ES modules, and the one require is in the wasm worker's source text.)
 */
export function runtimeImports(text: string): string[] {
  const out: string[] = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const m of code.matchAll(/^\s*(?:import|export)\s+(?!type\s)[^;]*?from\s+['"]([^'"]+)['"]/gm)) out.push(m[1]);
  for (const m of code.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]);
  for (const m of code.matchAll(/(?<!typeof\s+)\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]);
  return out;
}

describe('package rules', () => {
  it('finds the imports it checks (the checker itself)', () => {
    const text = "import { a } from '@tensorgrad/nn';\nimport type { B } from 'node:fs';\nexport { c } from './c.js';\n" +
      "type W = typeof import('node:os');\nconst fs = await import('node:fs');\nimport 'node:path';\n// import { x } from 'node:url';\n";
    expect(runtimeImports(text)).toEqual(['@tensorgrad/nn', './c.js', 'node:path', 'node:fs']);
  });

  for (const [pkg, allowed] of Object.entries(ALLOWED)) {
    it(`${pkg} imports only ${allowed.length ? allowed.join(', ') : 'no other package'}${BROWSER.includes(pkg) ? ', and node: only in *.node.ts' : ''}`, () => {
      const bad: string[] = [];
      for (const file of sources(join(root, pkg, 'src'))) {
        const rel = file.slice(root.length);
        for (const spec of runtimeImports(readFileSync(file, 'utf8'))) {
          const used = /^@tensorgrad\/([^/]+)/.exec(spec)?.[1];
          if (used !== undefined && used !== pkg && !allowed.includes(used)) bad.push(`${rel} imports ${spec}`);
          const nodeOnly = spec.startsWith('node:') || ['fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto'].includes(spec);
          if (BROWSER.includes(pkg) && nodeOnly && !file.endsWith('.node.ts')) bad.push(`${rel} imports ${spec} outside a *.node.ts file`);
        }
      }
      expect(bad).toEqual([]);
    });
  }

  it('every package is listed, and each package.json depends on what its sources import', () => {
    expect(readdirSync(root).sort()).toEqual(Object.keys(ALLOWED).sort());
    for (const [pkg, allowed] of Object.entries(ALLOWED)) {
      const deps = Object.keys(JSON.parse(readFileSync(join(root, pkg, 'package.json'), 'utf8')).dependencies ?? {});
      expect(deps.sort(), pkg).toEqual(allowed.map((p) => `@tensorgrad/${p}`).sort());
    }
  });
});
