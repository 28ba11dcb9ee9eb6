// nn's PyTorch loss modules against PyTorch float64 (fixtures/losses_torch.json, made by make_losses_torch.py),
// in Model training, and in model files.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor, ValueError, manualSeed, tensor, type DType } from '@tensorgrad/core';
import * as nn from '@tensorgrad/nn';
import { Adam } from '@tensorgrad/optim';
import { loadModel, saveModel } from '@tensorgrad/io';

interface Json { dtype: DType; shape: number[]; data: number[] }
interface Case { name: string; loss: string; options: Record<string, unknown>; input: Json; target: Json; out: Json; grad: Json }
const { cases } = JSON.parse(readFileSync(new URL('./fixtures/losses_torch.json', import.meta.url), 'utf8')) as { cases: Case[] };

const fromJson = (j: Json, requiresGrad = false) => tensor(j.data, { dtype: j.dtype, shape: j.shape, requiresGrad });
const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && 'shape' in v;
const close = (got: Tensor, want: Json) => {
  expect(got.shape).toEqual(want.shape);
  got.data.forEach((v, i) => expect(Math.abs(v - want.data[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want.data[i]))));
};
type LossCtor = new (options: Record<string, unknown>) => nn.Loss;
const make = (c: Case) => {
  const options = Object.fromEntries(Object.entries(c.options).map(([k, v]) => [k, isJson(v) ? fromJson(v) : v]));
  return new (nn as unknown as Record<string, LossCtor>)[c.loss](options);
};

describe('loss modules match PyTorch float64', () => {
  for (const c of cases) {
    it(`${c.name} (${c.loss})`, () => {
      const loss = make(c);
      const x = fromJson(c.input, true);
      const out = loss.forward(x, fromJson(c.target));
      close(out, c.out);
      out.sum().backward();
      close(x.grad!, c.grad);
      // a model file stores the loss with its options and weights
      const again = nn.lossFromJson(JSON.parse(JSON.stringify(nn.lossToJson(loss))))!;
      expect(again.constructor).toBe(loss.constructor);
      close(again.forward(fromJson(c.input), fromJson(c.target)), c.out);
    });
  }
  it('covers every loss module', () => {
    expect(new Set(cases.map((c) => c.loss))).toEqual(new Set(['CrossEntropyLoss', 'NLLLoss', 'BCEWithLogitsLoss', 'HuberLoss', 'SmoothL1Loss', 'KLDivLoss', 'MSELoss', 'L1Loss', 'BCELoss']));
  });
});

describe('loss module options', () => {
  it('refuses bad options at construction', () => {
    expect(() => new nn.CrossEntropyLoss({ labelSmoothing: 1.5 })).toThrow(/labelSmoothing must be in \[0, 1\], got 1.5/);
    expect(() => new nn.CrossEntropyLoss({ ignoreIndex: 0.5 })).toThrow(/ignoreIndex must be an integer/);
    expect(() => new nn.NLLLoss({ weight: tensor([1, 2], { dtype: 'int32' }) })).toThrow(/weight must be a float32 or float64 Tensor, got int32/);
    expect(() => new nn.HuberLoss({ delta: 0 })).toThrow(/delta must be a finite number > 0/);
    expect(() => new nn.HuberLoss({ delta: NaN })).toThrow(ValueError);
    expect(() => new nn.SmoothL1Loss({ beta: -1 })).toThrow(/beta must be a finite number >= 0/);
    expect(() => new nn.MSELoss({ reduction: 'batchmean' })).toThrow("MSELoss: reduction must be 'mean', 'sum' or 'none', got 'batchmean'");
    expect(() => new nn.KLDivLoss({ reduction: 'avg' as 'mean' })).toThrow("reduction must be 'mean', 'batchmean', 'sum' or 'none'");
    expect(() => new nn.BCELoss().forward(tensor([0.5, 1.5]), tensor([0, 1]))).toThrow(/probability in \[0, 1\], got values in \[0.5, 1.5\]/);
    expect(() => new nn.MSELoss().forward(tensor([1, 2]), tensor([[1, 2]]))).toThrow(/must have the predictions' shape/);
  });

  it('keeps its own copy of a weight', () => {
    const w = tensor([1, 1, 1]);
    const loss = new nn.CrossEntropyLoss({ weight: w });
    w.data[0] = 5;
    expect(loss.weight!.data[0]).toBe(1);
  });

  it('refuses a model file whose weight is not a tensor of its shape', () => {
    const bad = { type: 'CrossEntropyLoss', reduction: 'mean', weight: { dtype: 'float32', shape: [3], data: [1, 2] } };
    expect(() => nn.lossFromJson(bad)).toThrow(nn.ModelFormatError);
    expect(() => nn.lossFromJson(bad)).toThrow(/weight data must be 3 finite numbers/);
    expect(() => nn.lossFromJson({ type: 'KLDivLoss', logTarget: 'yes' })).toThrow(/logTarget must be true or false/);
  });
});

describe('loss modules train in Model and are saved with it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-losses-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('CrossEntropyLoss (weighted, smoothed) trains a classifier; saveModel/loadModel keep it', () => {
    manualSeed(0);
    const { X, y } = nn.spiralData(30, 3);
    const model = new nn.Model();
    model.add(new nn.Dense(2, 16));
    model.add(new nn.ReLU());
    model.add(new nn.Dense(16, 3));
    const loss = new nn.CrossEntropyLoss({ weight: tensor([1, 2, 1]), labelSmoothing: 0.05 });
    model.set({ loss, optimizer: new Adam(model.parameters(), { lr: 0.05 }), accuracy: 'categorical' });
    model.finalize();
    const history = model.train(X, y, { epochs: 30, progress: 'none' }).epochs;
    expect(history.at(-1)!.loss).toBeLessThan(history[0].loss);
    saveModel(model, join(dir, 'ce'));
    const again = loadModel(join(dir, 'ce'));
    const restored = again.settings().loss as nn.CrossEntropyLoss;
    expect(restored).toBeInstanceOf(nn.CrossEntropyLoss);
    expect([Array.from(restored.weight!.data), restored.labelSmoothing]).toEqual([[1, 2, 1], 0.05]);
    expect(again.evaluate(X, y).loss).toBeCloseTo(model.evaluate(X, y).loss, 6);
  });

  it('BCEWithLogitsLoss and MSELoss train too', () => {
    manualSeed(1);
    const { X, y } = nn.sineData(32);
    for (const loss of [new nn.MSELoss(), new nn.HuberLoss({ delta: 0.5 })]) {
      const model = new nn.Model();
      model.add(new nn.Dense(1, 8));
      model.add(new nn.Tanh());
      model.add(new nn.Dense(8, 1));
      model.set({ loss, optimizer: new Adam(model.parameters(), { lr: 0.02 }), accuracy: 'regression' });
      const history = model.train(X, y, { epochs: 20, progress: 'none' }).epochs;
      expect(history.at(-1)!.loss).toBeLessThan(history[0].loss);
    }
    const yb = y.gt(0).astype('float32');
    const model = new nn.Model();
    model.add(new nn.Dense(1, 8));
    model.add(new nn.ReLU());
    model.add(new nn.Dense(8, 1));
    model.set({ loss: new nn.BCEWithLogitsLoss({ posWeight: tensor([2]) }), optimizer: new Adam(model.parameters(), { lr: 0.02 }) });
    const history = model.train(X, yb, { epochs: 20, progress: 'none' }).epochs;
    expect(history.at(-1)!.loss).toBeLessThan(history[0].loss);
  });
});
