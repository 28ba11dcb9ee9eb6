// Model files under faults and odd inputs (issue 15, items 1 and 4): a save is one unit however full the disk is
// (the SIGKILL loop is in save-kill.test.ts), and the loaders read only regular files, each up to a limit.
import { spawnSync, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, readFileSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tensor } from '@tensorgrad/core';
import { Model, Dense, ReLU, CategoricalCrossentropy } from '@tensorgrad/nn';
import { saveModel, loadModel, loadParameters, loadTorchSafetensors, FileError, ModelFormatError } from '@tensorgrad/io';
import { twoModels } from './helpers/two-models.js';

const probe = tensor([[0.5, -0.25], [1, 2], [-3, 0.1]]);
const outputs = (m: Model) => Array.from(m.predict(probe).data);

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tensorgrad-files-'));
}

describe('saveModel is one unit', () => {
  it('between the two renames: new model.json with the old weights loads the new model from the pending file', () => {
    const dir = tempDir();
    try {
      const [a, b] = twoModels();
      saveModel(a, dir);
      const oldWeights = readFileSync(join(dir, 'model.safetensors'));
      saveModel(b, dir);
      // put the directory back to the state a kill between the renames leaves
      const newWeights = readFileSync(join(dir, 'model.safetensors'));
      writeFileSync(join(dir, 'model.safetensors.123-abc.tmp'), newWeights);
      writeFileSync(join(dir, 'model.safetensors'), oldWeights);
      expect(outputs(loadModel(dir))).toEqual(outputs(b));
      // without the pending file the mix is refused, never loaded
      rmSync(join(dir, 'model.safetensors.123-abc.tmp'));
      expect(() => loadModel(dir)).toThrow(ModelFormatError);
      expect(() => loadModel(dir)).toThrow(/is not the weights .* was saved with/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a full disk: the save fails with ENOSPC, the old model stays and no temporary file is left', (ctx) => {
    const mnt = tempDir();
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]).status === 0;
    if (!mounted) {
      rmSync(mnt, { recursive: true, force: true });
      console.warn('skipped: this machine does not allow mounting a tmpfs (mount -t tmpfs needs privileges)');
      ctx.skip();
      return;
    }
    try {
      const [small] = twoModels();
      saveModel(small, mnt);
      const big = new Model().add(new Dense(2, 128)).add(new ReLU()).add(new Dense(128, 128)).add(new Dense(128, 3));
      big.set({ loss: new CategoricalCrossentropy() });
      expect(() => saveModel(big, mnt)).toThrow(/ENOSPC/);
      expect(readdirSync(mnt).sort()).toEqual(['model.json', 'model.safetensors']);
      expect(outputs(loadModel(mnt))).toEqual(outputs(small));
    } finally {
      execFileSync('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });
});

describe('the loaders read only regular files, up to a limit', () => {
  const cases: [string, (path: string) => void, RegExp][] = [
    ['a FIFO', (p) => void execFileSync('mkfifo', [p]), /is a FIFO/],
    ['a symlink to /dev/zero', (p) => symlinkSync('/dev/zero', p), /is a character device/],
    ['a directory', (p) => mkdirSync(p), /is a directory/],
  ];
  for (const [what, make, message] of cases) {
    for (const file of ['model.json', 'model.safetensors']) {
      it(`${file} that is ${what} is refused at once`, () => {
        const dir = tempDir();
        try {
          saveModel(twoModels()[0], dir);
          rmSync(join(dir, file));
          make(join(dir, file));
          expect(() => loadModel(dir)).toThrow(FileError);
          expect(() => loadModel(dir)).toThrow(message);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    }
    it(`loadParameters and loadTorchSafetensors refuse ${what}`, () => {
      const dir = tempDir();
      try {
        const path = join(dir, 'w.safetensors');
        make(path);
        const [m] = twoModels();
        expect(() => loadParameters(m, path)).toThrow(message);
        expect(() => loadTorchSafetensors(m, path)).toThrow(message);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('a file over the limit is refused before it is read', () => {
    const dir = tempDir();
    try {
      const path = join(dir, 'w.safetensors');
      const [m] = twoModels();
      const values = m.parameters().reduce((n, p) => n + p.size, 0);
      writeFileSync(path, '');
      truncateSync(path, 8 + 100_000_000 + 8 * values + 1); // header limit + float64 data + 1 (sparse: nothing is written)
      expect(() => loadParameters(m, path)).toThrow(/over the limit/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
