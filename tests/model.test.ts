import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { manualSeed, setMatmulPrecision } from '@tensorgrad/core';
import { Model, Dense, ReLU, Softmax, CategoricalCrossentropy, nnfsInit, spiralData } from '@tensorgrad/nn';
import { Adam } from '@tensorgrad/optim';

function spiralModel() {
  const model = new Model();
  model.add(new Dense(2, 32)).add(new ReLU()).add(new Dense(32, 3)).add(new Softmax());
  model.set({ loss: new CategoricalCrossentropy(), optimizer: new Adam(model.parameters(), { lr: 0.05 }), accuracy: 'categorical' });
  return model.finalize();
}

describe('Model', () => {
  it('trains, reports per-epoch metrics through callbacks and lines, predicts probabilities', () => {
    // 'highest': sums that do not depend on the batch's size (at 'high' the native kernel's, as BLAS's, may)
    nnfsInit();
    const { X, y } = spiralData(50, 3);
    const model = spiralModel();
    const lines: string[] = [];
    const seen: number[] = [];
    const history = model.train(X, y, { epochs: 200, printEvery: 100, write: (s) => void lines.push(s), callbacks: { onEpochEnd: (m) => void seen.push(m.epoch) } });
    expect(seen.length).toBe(200);
    expect(history.epochs[199].loss).toBeLessThan(history.epochs[0].loss * 0.8);
    expect(lines.map((l) => l.split(',')[0])).toEqual(['epoch: 1', 'epoch: 100', 'epoch: 200']);
    const p = model.predict(X);
    expect(p.shape).toEqual([150, 3]);
    expect(p.sum(1).data.every((v) => Math.abs(v - 1) < 1e-5)).toBe(true);
    const { accuracy } = model.evaluate(X, y);
    expect(accuracy).toBeGreaterThan(0.5);
    expect(Array.from(model.predict(X, { batchSize: 7 }).data)).toEqual(Array.from(p.data));
    setMatmulPrecision('high');
  });

  it('early stopping ends training and restores the best parameters', () => {
    manualSeed(1);
    const train = spiralData(30, 3);
    const val = spiralData(30, 3);
    const model = spiralModel();
    const history = model.train(train.X, train.y, { epochs: 3000, validationData: val, earlyStopping: { patience: 20 }, progress: 'none' });
    expect(history.stoppedEarly).toBe(true);
    const best = Math.min(...history.epochs.map((m) => m.valLoss!));
    expect(model.evaluate(val.X, val.y).loss).toBeCloseTo(best, 5);
  });
});

describe('the demo', () => {
  it('runs and writes both pictures', () => {
    const out = mkdtempSync(join(tmpdir(), 'tensorgrad-demo-'));
    const stdout = execFileSync('npx', ['tsx', 'examples/demo.ts'], { env: { ...process.env, DEMO_EPOCHS: '100', DEMO_OUT: out }, encoding: 'utf8' });
    expect(stdout).toMatch(/test set: loss [\d.]+, accuracy [\d.]+/);
    for (const name of ['decision_regions.svg', 'curves.svg']) {
      const svg = readFileSync(join(out, name), 'utf8');
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg).toMatch(/<\/svg>\n$/);
    }
    expect(readFileSync(join(out, 'decision_regions.svg'), 'utf8').match(/<circle /g)!.length).toBe(300);
  }, 60_000);
});
