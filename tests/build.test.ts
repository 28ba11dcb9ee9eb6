// `npm run build` emits dist/ per package, and a plain Node ESM program can import every package by name.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('build', () => {
  it('a plain Node ESM program imports @tensorgrad/* after npm run build', () => {
    execFileSync('npm', ['run', 'build'], { stdio: 'pipe' });
    // inside the repo so that node_modules/@tensorgrad/* resolve, but outside any tsx/vitest transform
    const dir = mkdtempSync(join(process.cwd(), '.build-check-'));
    try {
      const script = join(dir, 'check.mjs');
      writeFileSync(script, [
        "import { tensor } from '@tensorgrad/core';",
        "import { tensorArb } from '@tensorgrad/core/testing';",
        "import { fmt } from '@tensorgrad/core/util';",
        "import { Dense } from '@tensorgrad/nn';",
        "import { Adam } from '@tensorgrad/optim';",
        "import { parametersToBytes, decodeSafetensors } from '@tensorgrad/io';",
        "import { niceTicks } from '@tensorgrad/plot';",
        "import { run } from '@tensorgrad/cli';",
        'const x = tensor([[1, 2]], { requiresGrad: true });',
        'const d = new Dense(2, 3);',
        'd.forward(x).sum().backward();',
        'new Adam(d.parameters()).step();',
        "const names = Object.keys(decodeSafetensors(parametersToBytes(d)).tensors).sort();",
        "console.log(JSON.stringify({ grad: x.grad.shape, arb: typeof tensorArb, names, ticks: niceTicks(0, 1).length, run: typeof run, util: fmt([2, 3]) }));",
      ].join('\n'));
      const out = execFileSync('node', [script], { encoding: 'utf8' });
      expect(JSON.parse(out)).toEqual({ grad: [1, 2], arb: 'function', names: ['biases', 'weights'], ticks: 6, run: 'function', util: '[2, 3]' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('npm configuration', () => {
  it('npm prints no warning here, and no dependency install script is left unreviewed', () => {
    // .npmrc once held a key npm does not know, and every npm command warned about it
    const r = spawnSync('npm', ['install-scripts', 'ls'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).not.toMatch(/npm warn/i);
    // onnxruntime-node's script (a CUDA download) is denied in package.json's allowScripts, so never runs
    expect(r.stdout).toMatch(/No packages with unreviewed install scripts/);
  });
});
