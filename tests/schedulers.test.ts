// Training tools against PyTorch (fixtures/schedulers_torch.json, made by make_schedulers_torch.py): the new
// schedulers' rates (and OneCycleLR's momentum) step by step, clipGradNorm / clipGradValue, addParamGroup.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { tensor, zeros, ValueError } from '@tensorgrad/core';
import {
  SGD, Adam, AdaGrad, Optimizer, LambdaLR, LinearLR, OneCycleLR, ReduceLROnPlateau, SequentialLR, ExponentialLR, CosineAnnealingLR,
  LRScheduler, clipGradNorm, clipGradValue, NonFiniteNormError, OptimizerStateError, type OneCycleOptions, type ReduceLROnPlateauOptions,
} from '@tensorgrad/optim';

type Nested = number | Nested[];
interface Case {
  name: string;
  optimizer: 'sgd' | 'adam';
  lrs: number[];
  options: Record<string, unknown>;
  expected: number[][];
  momentum?: number[][];
  metrics?: (number | 'NaN')[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/schedulers_torch.json', import.meta.url), 'utf8')) as {
  schedulers: Case[];
  clipGradNorm: { normType: number | 'Infinity'; maxNorm: number; grads: Nested[]; total: number; clipped: Nested[] }[];
  clipGradValue: { clipValue: number; grads: Nested[]; clipped: Nested[] };
};

const LAMBDAS: Record<string, (e: number) => number> = { pow95: (e) => 0.95 ** e, inverse: (e) => 1 / (e + 1) };

/** Two param groups with the fixture's rates, as the script builds them (SGD with momentum 0.9, or Adam). */
function optimizer(c: Case): Optimizer {
  const groups = c.lrs.map((lr) => ({ params: [zeros([1], { dtype: 'float64', requiresGrad: true })], lr }));
  return c.optimizer === 'sgd' ? new SGD(groups, { momentum: 0.9 }) : new Adam(groups);
}

function scheduler(c: Case, o: Optimizer): { step(metric?: number): void } {
  const opts = c.options as never;
  switch (c.name) {
    case 'LambdaLR':
      return new LambdaLR(o, (c.options.lambdas as string[]).map((n) => LAMBDAS[n]));
    case 'LinearLR':
      return new LinearLR(o, opts);
    case 'OneCycleLR':
      return new OneCycleLR(o, opts as OneCycleOptions);
    case 'ReduceLROnPlateau': {
      const s = new ReduceLROnPlateau(o, opts as ReduceLROnPlateauOptions);
      return { step: (m) => s.step(m!) };
    }
    case 'SequentialLR': {
      const make: Record<string, (x: never) => LRScheduler> = {
        LinearLR: (x) => new LinearLR(o, x), ExponentialLR: (x) => new ExponentialLR(o, x), CosineAnnealingLR: (x) => new CosineAnnealingLR(o, x),
      };
      const schedulers = (c.options.schedulers as [string, never][]).map(([n, x]) => make[n](x));
      return new SequentialLR(o, { schedulers, milestones: c.options.milestones as number[] });
    }
    default:
      throw new Error(`no scheduler ${c.name}`);
  }
}

const close = (got: number, want: number, what: string) =>
  expect(Math.abs(got - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));

describe('schedulers: the rate the next step uses, step by step, as PyTorch', () => {
  for (const c of fixture.schedulers) {
    it(`${c.name} ${JSON.stringify(c.options)}`, () => {
      const o = optimizer(c);
      const s = scheduler(c, o);
      // OneCycleLR's rate after its last step is the final rate here; PyTorch extrapolates (checked below)
      const used = c.name === 'OneCycleLR' ? c.expected.slice(0, -1) : c.expected;
      used.forEach((want, i) => {
        if (i > 0) {
          o.step();
          const m = c.metrics?.[i - 1];
          s.step(m === 'NaN' ? NaN : m);
        }
        o.paramGroups.forEach((g, j) => {
          close(o.lrs[j], want[j], `step ${i} group ${j} lr`);
          const options = g.options as unknown as Record<string, number>;
          if (c.momentum) close(options[c.optimizer === 'sgd' ? 'momentum' : 'beta1'], c.momentum[i][j], `step ${i} momentum`);
        });
        close(o.lr, want[0], `step ${i} optimizer.lr`);
      });
    });
  }

  it('optimizer.lr is the rate of the next step; currentLr stays the last step\'s', () => {
    const w = zeros([1], { requiresGrad: true });
    const o = new SGD([w], { lr: 0.1 });
    const s = new LinearLR(o, { startFactor: 0.5, totalIters: 2 });
    expect(o.lr).toBe(0.05);
    w.grad = tensor([1]);
    o.step();
    s.step();
    expect(o.lr).toBe(0.1 * 0.75);
    expect(o.currentLr).toBe(0.05);
    o.step();
    expect(o.currentLr).toBe(0.1 * 0.75);
  });

  it('OneCycleLR refuses stepping past its cycle and an optimizer without momentum, changing nothing', () => {
    const o = new SGD([zeros([1], { requiresGrad: true })], { momentum: 0.9 });
    const s = new OneCycleLR(o, { maxLr: 1, totalSteps: 2 });
    s.step();
    s.step();
    const before = o.lr;
    expect(before).toBeCloseTo(1 / 25 / 1e4, 18); // the final rate
    expect(() => s.step()).toThrow(/tried to step 3 times; the cycle has 2 steps/);
    expect(o.lr).toBe(before);
    expect(s.lastEpoch).toBe(2);
    const ada = new AdaGrad([zeros([1], { requiresGrad: true })]);
    expect(() => new OneCycleLR(ada, { maxLr: 1, totalSteps: 5 })).toThrow(/cycleMomentum needs an optimizer with momentum/);
    expect(() => new OneCycleLR(ada, { maxLr: 1 } as OneCycleOptions)).toThrow(/totalSteps, or epochs and stepsPerEpoch/);
  });

  it('bad options are ValueErrors; SequentialLR checks its milestones and optimizer', () => {
    const o = new SGD([zeros([1], { requiresGrad: true })], { lr: 0.1 });
    expect(() => new LinearLR(o, { startFactor: 0 })).toThrow(ValueError);
    expect(() => new LambdaLR(o, [(e) => e, (e) => e])).toThrow(/an array of 1 functions/);
    expect(() => new ReduceLROnPlateau(o, { factor: 1 })).toThrow(/factor must be in \[0, 1\)/);
    const a = new ExponentialLR(o, { gamma: 0.5 });
    expect(() => new SequentialLR(o, { schedulers: [a, new ExponentialLR(o, { gamma: 0.9 })], milestones: [] })).toThrow(/give 1 milestones/);
    const other = new SGD([zeros([1], { requiresGrad: true })]);
    expect(() => new SequentialLR(o, { schedulers: [new ExponentialLR(other, { gamma: 0.9 })], milestones: [] })).toThrow(/another optimizer/);
  });

  it('state dicts resume ReduceLROnPlateau, OneCycleLR and SequentialLR where they were', () => {
    const make = () => {
      const o = new SGD([zeros([1], { requiresGrad: true })], { lr: 0.1, momentum: 0.9 });
      return { o, plateau: new ReduceLROnPlateau(o, { patience: 0 }) };
    };
    const a = make();
    a.plateau.step(1);
    a.plateau.step(2);
    const b = make();
    b.o.loadStateDict(JSON.parse(JSON.stringify(a.o.stateDict())));
    b.plateau.loadStateDict(JSON.parse(JSON.stringify(a.plateau.stateDict())));
    a.plateau.step(1.5);
    b.plateau.step(1.5);
    expect(b.o.lr).toBe(a.o.lr);
    expect(b.o.lr).toBeCloseTo(0.001, 15);
    expect(() => b.plateau.loadStateDict({ ...b.plateau.stateDict(), best: 'x' as never })).toThrow(OptimizerStateError);
    expect(JSON.parse(JSON.stringify(make().plateau.stateDict())).best).toBe('Infinity');

    const cyc = () => new OneCycleLR(new SGD([zeros([1], { requiresGrad: true })], { momentum: 0.9 }), { maxLr: 1, totalSteps: 10 });
    const c1 = cyc();
    for (let i = 0; i < 4; i++) c1.step();
    const c2 = cyc();
    c2.loadStateDict(c1.stateDict());
    expect(c2.optimizer.lr).toBe(c1.optimizer.lr);
    expect(c2.optimizer.paramGroups[0].options).toEqual(c1.optimizer.paramGroups[0].options);
  });
});

describe('clipGradNorm and clipGradValue as PyTorch (float64)', () => {
  const params = (grads: Nested[]) =>
    grads.map((g) => {
      const p = zeros(tensor(g as number[]).shape, { dtype: 'float64', requiresGrad: true });
      p.grad = tensor(g as number[], { dtype: 'float64' });
      return p;
    });

  it('the total norm (2, 1, 3, Infinity) and the scaled grads', () => {
    for (const c of fixture.clipGradNorm) {
      const ps = params(c.grads);
      const normType = c.normType === 'Infinity' ? Infinity : c.normType;
      close(clipGradNorm(ps, c.maxNorm, { normType }), c.total, `norm ${normType}`);
      ps.forEach((p, i) => {
        const want = (c.clipped[i] as Nested[]).flat(2) as number[];
        Array.from(p.grad!.data).forEach((v, k) => close(v, want[k], `norm ${normType} max ${c.maxNorm} grad ${i}[${k}]`));
      });
    }
  });

  it('clipGradValue clamps every value', () => {
    const { clipValue, grads, clipped } = fixture.clipGradValue;
    const ps = params(grads);
    clipGradValue(ps, clipValue);
    expect(ps.map((p) => p.grad!.toArray())).toEqual(clipped);
  });

  it('skips parameters without grads; a non-finite norm throws with errorIfNonfinite and changes nothing', () => {
    expect(clipGradNorm([zeros([2], { requiresGrad: true })], 1)).toBe(0);
    const [p] = params([[3, NaN]]);
    expect(() => clipGradNorm(p, 1, { errorIfNonfinite: true })).toThrow(NonFiniteNormError);
    expect(p.grad!.data[0]).toBe(3);
    expect(Number.isNaN(clipGradNorm(p, 1))).toBe(true);
    expect(() => clipGradNorm(p, 1, { normType: 0 })).toThrow(ValueError);
    expect(() => clipGradValue([p], -1)).toThrow(ValueError);
  });
});

describe('addParamGroup', () => {
  it('adds a group with its own options over the defaults; a parameter may be in one group only', () => {
    const a = zeros([1], { dtype: 'float64', requiresGrad: true });
    const b = zeros([1], { dtype: 'float64', requiresGrad: true });
    const o = new SGD([a], { lr: 0.1, momentum: 0.5 });
    o.addParamGroup({ params: [b], lr: 1 });
    expect(o.paramGroups.map((g) => [g.options.lr, g.options.momentum])).toEqual([[0.1, 0.5], [1, 0.5]]);
    a.grad = tensor([1], { dtype: 'float64' });
    b.grad = tensor([1], { dtype: 'float64' });
    o.step();
    expect([a.data[0], b.data[0]]).toEqual([-0.1, -1]);
    expect(() => o.addParamGroup({ params: [a] })).toThrow(/appears more than once \(a parameter may be in one param group only\)/);
    expect(() => o.addParamGroup({ params: [zeros([1], { requiresGrad: true })], bogus: 1 } as never)).toThrow(/unknown option 'bogus'/);
    expect(o.paramGroups).toHaveLength(2);
    expect(o.stateDict().groups).toHaveLength(2);
  });

  it("a group added after a scheduler was made is left to its own lr, as PyTorch's schedulers (which zip over their base_lrs)", () => {
    const o = new SGD([zeros([1], { requiresGrad: true })], { lr: 1 });
    const perGroup = new LambdaLR(o, [(e: number) => 0.5 ** e]); // one lambda per group: there is one group now
    o.addParamGroup({ params: [zeros([1], { requiresGrad: true })], lr: 0.3 });
    perGroup.step();
    expect(perGroup.getLastLr()).toEqual([0.5]);
    expect(o.paramGroups.map((g) => g.lrScale)).toEqual([0.5, 1]); // the new group keeps its scale of 1

    const o2 = new SGD([zeros([1], { requiresGrad: true })], { lr: 1 });
    const plateau = new ReduceLROnPlateau(o2, { factor: 0.5, patience: 0, minLr: [0.1] });
    o2.addParamGroup({ params: [zeros([1], { requiresGrad: true })], lr: 0.3 });
    plateau.step(1);
    plateau.step(1); // no better: the first group's rate halves
    expect(plateau.getLastLr()).toEqual([0.5]);
    expect(o2.paramGroups.map((g) => g.lrScale)).toEqual([0.5, 1]);
  });
});
