// Every ```ts block of the README runs here, as a module of its own, so the tour cannot drift from the code.
//   //> text      right after the code: the next line the block prints (console.log) must be exactly `text`
//   //! Name: msg the block must throw an error of class Name whose message contains msg
import { describe, it, expect, vi, afterEach } from 'vitest';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(`${root}README.md`, 'utf8');

interface Snippet {
  line: number;
  code: string;
  prints: string[];
  throws: { name: string; message: string } | null;
}

function snippets(markdown: string): Snippet[] {
  const out: Snippet[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```ts') continue;
    const start = i + 1;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i].trim() !== '```'; i++) body.push(lines[i]);
    const prints = body.filter((l) => l.startsWith('//>')).map((l) => l.slice(l.startsWith('//> ') ? 4 : 3));
    const thrown = body.map((l) => /^\/\/! (\w+): (.*)$/.exec(l)).find((m) => m !== null);
    out.push({ line: start, code: body.join('\n'), prints, throws: thrown ? { name: thrown[1], message: thrown[2] } : null });
  }
  return out;
}

const dir = `${root}out/readme`;
mkdirSync(dir, { recursive: true });

afterEach(() => {
  vi.restoreAllMocks();
});

describe('README snippets', () => {
  const all = snippets(readme);
  it('the README has snippets to run', () => {
    expect(all.length).toBeGreaterThan(8);
  });

  for (const s of all) {
    it(`the block at README.md line ${s.line} runs${s.prints.length ? ' and prints what it says' : ''}`, async () => {
      const file = `${dir}/block-${s.line}.ts`;
      writeFileSync(file, `${s.code}\nexport {};\n`);
      const printed: string[] = [];
      vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        printed.push(...format(...args).split('\n'));
      });
      const run = import(/* @vite-ignore */ `${pathToFileURL(file).href}?t=${Date.now()}`);
      if (s.throws) {
        const err = await run.then(() => null, (e: unknown) => e);
        expect(err, 'the block should throw').toBeInstanceOf(Error);
        expect((err as Error).name).toBe(s.throws.name);
        expect((err as Error).message).toContain(s.throws.message);
      } else {
        await run;
      }
      if (s.prints.length > 0) expect(printed).toEqual(s.prints);
    }, 60_000);
  }
});
