// The layering inside @tensorgrad/core (ARCHITECTURE.md, "Inside core"): no import cycle between files of
// different folders (type-only imports count: they tie the files together just the same), and the seams named
// there hold.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../packages/core/src/', import.meta.url));
const files = readdirSync(src, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => f.split('\\').join('/'));

/** Each file's relative imports (import and export ... from, type-only included), as paths under src. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(src, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"](\.[^'"]+)['"]|^\s*import\s+['"](\.[^'"]+)['"]/gm)) {
    const spec = (m[1] ?? m[2]).replace(/\.js$/, '.ts');
    out.push(relative(src, normalize(join(src, dirname(file), spec))).split('\\').join('/'));
  }
  return out;
}

const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => files.includes(t))]));

/** The strongly connected components with more than one file (Tarjan). */
function cycles(): string[][] {
  let next = 0;
  const index = new Map<string, number>(), low = new Map<string, number>(), stack: string[] = [], on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v)!) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const f of files) if (!index.has(f)) visit(f);
  return out;
}

const folder = (f: string) => (f.includes('/') ? f.slice(0, f.lastIndexOf('/')) : '.');

describe('inside core', () => {
  it('reads the imports it checks (the parser sees a known edge)', () => {
    expect(graph.get('ops/arith.ts')).toContain('tensor.ts');
    expect(graph.get('tensor.ts')).toContain('autograd.ts');
  });

  it('has no import cycle between files of different folders', () => {
    const crossing = cycles().filter((scc) => new Set(scc.map(folder)).size > 1);
    expect(crossing).toEqual([]);
  });

  it('tensor.ts imports no op, anomaly.ts nothing of autograd, kernels/ nothing of wasm/', () => {
    expect(graph.get('tensor.ts')!.filter((t) => t.startsWith('ops/'))).toEqual([]);
    expect(graph.get('anomaly.ts')).not.toContain('autograd.ts');
    for (const f of files.filter((f) => f.startsWith('kernels/'))) expect(graph.get(f)!.filter((t) => t.startsWith('wasm/'))).toEqual([]);
  });

});
