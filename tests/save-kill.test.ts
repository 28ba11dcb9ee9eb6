// A saved model is one unit (issue 15, item 1): a process saving two models in turn, SIGKILLed at random moments,
// never leaves a directory that loads as anything but one of the two. Slow (a process per kill), so it runs in the
// 'auto' project only: the backend does not matter here.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Generator, tensor } from '@tensorgrad/core';
import type { Model } from '@tensorgrad/nn';
import { saveModel, loadModel } from '@tensorgrad/io';
import { twoModels } from './helpers/two-models.js';

const repo = new URL('..', import.meta.url).pathname;
const probe = tensor([[0.5, -0.25], [1, 2], [-3, 0.1]]);
const outputs = (m: Model) => Array.from(m.predict(probe).data);

// The child saves the two models in turn, forever, and says 'saved' after the first save; it imports the sources
// through tsx's loader (one process, so SIGKILL kills the saver itself).
const CHILD = `
import { saveModel } from '@tensorgrad/io';
import { twoModels } from ${JSON.stringify(join(repo, 'tests/helpers/two-models.ts'))};
const [a, b] = twoModels();
const dir = process.argv[2];
for (let i = 0; ; i++) {
  saveModel(i % 2 ? b : a, dir);
  if (i === 0) process.stdout.write('saved\\n');
}
`;

describe('saveModel is one unit', () => {
  it('SIGKILLed at random moments (>= 50 kills), a directory always loads as the old or the new model', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tensorgrad-kill-'));
    try {
      const script = join(root, 'child.mts');
      writeFileSync(script, CHILD);
      const [a, b] = twoModels();
      const expected = [outputs(a), outputs(b)].map(String);
      const rng = new Generator(11);
      const seen = new Set<number>();
      for (let k = 0; k < 50; k++) {
        const dir = join(root, `m${k % 4}`); // a few directories, each killed into repeatedly
        const child = spawn(process.execPath, ['--import', 'tsx', script, dir], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
        await new Promise<void>((resolve, reject) => {
          child.stdout.once('data', () => resolve());
          child.once('exit', (code) => reject(new Error(`the saver exited (${code}) before saving`)));
        });
        await new Promise((r) => setTimeout(r, rng.uniform(0, 40, 1)[0]));
        child.kill('SIGKILL');
        await new Promise((r) => child.once('close', r));
        const loaded = outputs(loadModel(dir));
        const which = expected.indexOf(String(loaded));
        expect(which, `kill ${k}: the directory loads as neither model`).toBeGreaterThanOrEqual(0);
        seen.add(which);
      }
      expect([...seen].sort()).toEqual([0, 1]); // the kills landed at different moments
      // A save that completes clears what the killed ones left.
      saveModel(twoModels()[0], join(root, 'm0'));
      expect(readdirSync(join(root, 'm0')).sort()).toEqual(['model.json', 'model.safetensors']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 600_000);
});
