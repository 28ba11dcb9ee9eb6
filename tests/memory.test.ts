// Long runs do not leak: 3,000 training steps in a child node process with --expose-gc (bench/memory.ts), heap
// and typed-array memory sampled after a forced gc. Each step makes a fresh graph whose buffers total tens of KB
// (one [300, 16] float32 activation is 19 KB), so keeping every step's graph alive would add tens of MB over
// 2,000 steps; the bound below is generous so that allocator noise cannot fail it.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MB = 2 ** 20;

interface Sample {
  step: number;
  heapUsed: number;
  arrayBuffers: number;
  rss: number;
  loss: number;
}

describe('memory over a long training run', () => {
  it('heap and buffers after gc stay flat from step 1000 to step 3000', () => {
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--expose-gc', 'bench/memory.ts', '--steps=3000', '--every=500', '--json'],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.error, String(child.error)).toBeUndefined();
    expect(child.status, child.stderr).toBe(0);
    const lines = child.stdout.trim().split('\n');
    const report = JSON.parse(lines[lines.length - 1]) as { gc: boolean; samples: Sample[] };
    expect(report.gc).toBe(true);
    const at = (step: number) => report.samples.find((s) => s.step === step)!;
    const [early, late] = [at(1000), at(3000)]; // 500 steps of warm-up before the first
    expect(late.heapUsed - early.heapUsed).toBeLessThan(4 * MB);
    expect(late.arrayBuffers - early.arrayBuffers).toBeLessThan(4 * MB);
    // it did train: finite losses that went down
    expect(report.samples.every((s) => Number.isFinite(s.loss))).toBe(true);
    expect(late.loss).toBeLessThan(at(500).loss);
  }, 90_000);
});
