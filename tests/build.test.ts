// `npm run build` emits dist/ per package, and a plain Node ESM program can import the packages by name.
import { execFileSync } from 'node:child_process';
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
        "import { Dense } from '@tensorgrad/nn';",
        "import { Adam } from '@tensorgrad/optim';",
        'const x = tensor([[1, 2]], { requiresGrad: true });',
        'const d = new Dense(2, 3);',
        'd.forward(x).sum().backward();',
        'new Adam(d.parameters()).step();',
        "console.log(JSON.stringify({ grad: x.grad.shape, arb: typeof tensorArb }));",
      ].join('\n'));
      const out = execFileSync('node', [script], { encoding: 'utf8' });
      expect(JSON.parse(out)).toEqual({ grad: [1, 2], arb: 'function' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
