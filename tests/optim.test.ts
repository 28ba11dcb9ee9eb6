import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tensor, tensor, ShapeError, DTypeError, ValueError } from '@tensorgrad/core';
import {
  Optimizer, SGD, AdaGrad, RMSProp, Adam, AdamW, NonFiniteGradientError, OptimizerStateError,
  LRScheduler, StepLR, ExponentialLR, CosineAnnealingLR, type OptimizerStateDict,
} from '@tensorgrad/optim';

const training = JSON.parse(readFileSync(new URL('./fixtures/nnfs_training.json', import.meta.url), 'utf8'));

const NAMES = ['W1', 'b1', 'W2', 'b2'] as const;
const GRADS = ['dW1', 'db1', 'dW2', 'db2'] as const;
const flat = (x: any): number[] => (Array.isArray(x) ? x.flat(Infinity) : [x]);
const f32 = (x: any) => tensor(x, { dtype: 'float32' });
const f64 = (x: any) => tensor(x, { dtype: 'float64' });
const bits = (t: Tensor): number[] => Array.from(t.data);

/** The optimizer a fixture run used, over `params`. */
function fromFixture(run: string, params: Tensor[]): Optimizer<any> {
  const c = training.runs[run].optimizer;
  switch (c.name) {
    case 'Adam':
      return new Adam(params, { lr: c.learning_rate, decay: c.decay, epsilon: c.epsilon, beta1: c.beta_1, beta2: c.beta_2 });
    case 'SGD':
      return new SGD(params, { lr: c.learning_rate, decay: c.decay, momentum: c.momentum });
    case 'AdaGrad':
      return new AdaGrad(params, { lr: c.learning_rate, decay: c.decay, epsilon: c.epsilon });
    case 'RMSProp':
      return new RMSProp(params, { lr: c.learning_rate, decay: c.decay, epsilon: c.epsilon, rho: c.rho });
  }
  throw new Error(`unknown optimizer ${c.name}`);
}

describe('single steps reproduce the notebook (fixtures/nnfs_training.json, float32)', () => {
  it.each(['adam', 'sgd_momentum', 'adagrad', 'rmsprop'])('%s: two steps from init with grads[0], grads[1]', (run) => {
    const r = training.runs[run];
    const params = NAMES.map((n) => f32(training.init[n]));
    const opt = fromFixture(run, params);
    for (const e of [0, 1]) {
      params.forEach((p, i) => (p.grad = f32(r.grads[e][GRADS[i]])));
      opt.step();
      expect(opt.currentLr).toBe(r.lr_used[e]);
      params.forEach((p, i) => {
        const want = flat(r.params_after[e][NAMES[i]]);
        // bit-exact: each float32 op rounded as numpy rounds it
        const bad = want.findIndex((v, j) => !Object.is(p.data[j], v));
        expect(bad, `${run} step ${e} ${NAMES[i]}[${bad}]: ${p.data[bad]} vs ${want[bad]}`).toBe(-1);
      });
    }
  });
});

describe('learning-rate decay', () => {
  /** An optimizer over one float64 parameter whose gradient is always 1. */
  const oneParam = () => {
    const w = f64([0]);
    w.grad = f64([1]);
    return w;
  };

  it('reproduces the notebook: lr / (1 + decay * step), printed values', () => {
    // the notebook's cell: starting_learning_rate 1, learning_rate_decay 0.1, steps 0..19
    const printed = [
      1.0, 0.9090909090909091, 0.8333333333333334, 0.7692307692307692, 0.7142857142857143, 0.6666666666666666, 0.625,
      0.588235294117647, 0.5555555555555556, 0.5263157894736842, 0.5, 0.47619047619047616, 0.45454545454545453,
      0.4347826086956522, 0.41666666666666663, 0.4, 0.3846153846153846, 0.37037037037037035, 0.35714285714285715,
      0.3448275862068965,
    ];
    const opt = new SGD([oneParam()], { decay: 0.1 });
    expect(opt.currentLr).toBe(1);
    for (let step = 0; step < 20; step++) {
      opt.step();
      expect(opt.iterations).toBe(step + 1);
      expect(opt.currentLr).toBe(printed[step]); // the rate this step used, computed before the update
      expect(String(opt.currentLr)).toBe(String(printed[step])); // same shortest repr as python's print
    }
    expect(printed[1]).toBe(0.9090909090909091);
  });

  it.each(['adam', 'sgd_momentum', 'adagrad', 'rmsprop'])('%s: currentLr matches the book\'s printed rate over 10000 steps', (run) => {
    const r = training.runs[run];
    const opt = fromFixture(run, [oneParam()]);
    const epochs: number[] = training.record_epochs;
    let done = 0;
    epochs.forEach((e, j) => {
      while (done < e) {
        opt.step();
        done++;
      }
      // the book prints current_learning_rate before epoch e's update: the rate of update e - 1
      expect(opt.currentLr).toBe(r.lr_printed[j]);
    });
  });

  it("Adam's rate printed at epoch 10000 is the one computed for iterations = 9999", () => {
    const opt = new Adam([oneParam()], { lr: 0.05, decay: 5e-7 });
    for (let i = 0; i < 10000; i++) opt.step();
    expect(opt.iterations).toBe(10000);
    expect(opt.currentLr).toBe(0.04975126853296942);
    expect(0.05 * (1 / (1 + 5e-7 * 9999))).toBe(0.04975126853296942);
    opt.step(); // epoch 10000's own update uses iterations = 10000
    expect(opt.currentLr).toBe(training.runs.adam.final.lr_used);
  });
});

describe('defaults and options', () => {
  it('has the notebook defaults', () => {
    const p = () => [f32([1])];
    const opts = (o: Optimizer<any>) => o.paramGroups[0].options;
    expect(opts(new SGD(p()))).toEqual({ lr: 1, decay: 0, momentum: 0, nesterov: false });
    expect(opts(new AdaGrad(p()))).toEqual({ lr: 1, decay: 0, epsilon: 1e-7 });
    expect(opts(new RMSProp(p()))).toEqual({ lr: 0.001, decay: 0, epsilon: 1e-7, rho: 0.9 });
    expect(opts(new Adam(p()))).toEqual({ lr: 0.001, decay: 0, epsilon: 1e-7, beta1: 0.9, beta2: 0.999 });
    expect(opts(new AdamW(p()))).toEqual({ lr: 0.001, decay: 0, epsilon: 1e-7, beta1: 0.9, beta2: 0.999, weightDecay: 0.01 });
    const o = new Adam(p());
    expect(o.currentLr).toBe(0.001);
    expect(o.iterations).toBe(0);
    expect(o.allowNonFinite).toBe(false);
  });

  it('rejects bad options and parameters with named errors', () => {
    const p = [f32([1])];
    expect(() => new SGD(p, { lr: -1 })).toThrow(ValueError);
    expect(() => new SGD(p, { learningRate: 1 } as any)).toThrow(/unknown option 'learningRate'/);
    expect(() => new SGD(p, { nesterov: true })).toThrow(/nesterov needs a momentum/);
    expect(() => new Adam(p, { beta1: 1 })).toThrow(/beta1/);
    expect(() => new RMSProp(p, { rho: 1.5 })).toThrow(/rho/);
    expect(() => new Adam([])).toThrow(/empty parameter list/);
    expect(() => new Adam([tensor([1], { dtype: 'int32' })])).toThrow(DTypeError);
    const w = f32([1]).requiresGrad_();
    expect(() => new Adam([w.mul(2)])).toThrow(/not a leaf/);
    expect(() => new Adam([w, w])).toThrow(/more than once/);
    expect(() => new Adam([{ params: [w] }, { params: [w] }])).toThrow(/more than once/);
    expect(() => new Adam([{ params: [f32([1])], foo: 1 } as any])).toThrow(/unknown option 'foo'/);
  });

  it('takes any iterable of tensors, e.g. a generator', () => {
    const a = f64([1]);
    const b = f64([2]);
    function* gen() {
      yield a;
      yield b;
    }
    const opt = new SGD(gen(), { lr: 0.5 });
    expect(opt.paramGroups[0].params).toEqual([a, b]);
    a.grad = f64([1]);
    b.grad = f64([2]);
    opt.step();
    expect(bits(a)).toEqual([0.5]);
    expect(bits(b)).toEqual([1]);
  });
});

describe('param groups', () => {
  it('each group uses its own options over the defaults', () => {
    const a = f64([1, 1]);
    const b = f64([1, 1]);
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.1, decay: 1 }], { lr: 0.5 });
    expect(opt.paramGroups[0].options.lr).toBe(0.5);
    expect(opt.paramGroups[1].options).toEqual({ lr: 0.1, decay: 1, momentum: 0, nesterov: false });
    for (let i = 0; i < 2; i++) {
      a.grad = f64([1, 2]);
      b.grad = f64([1, 2]);
      opt.step();
    }
    expect(bits(a)).toEqual([1 - 0.5 - 0.5, 1 - 1 - 1]);
    // group 1: rates 0.1, then 0.1 / (1 + 1 * 1)
    expect(bits(b)).toEqual([1 - 0.1 - 0.05, 1 - 0.1 * 2 - 0.05 * 2]);
    expect(opt.paramGroups[1].currentLr).toBe(0.05);
    expect(opt.currentLr).toBe(0.5);
  });

  it('zeroGrad sets every grad to null', () => {
    const a = f32([1]);
    const b = f32([2]);
    a.grad = f32([1]);
    b.grad = f32([1]);
    const opt = new Adam([{ params: [a] }, { params: [b] }]);
    opt.zeroGrad();
    expect(a.grad).toBeNull();
    expect(b.grad).toBeNull();
  });
});

describe('skipped parameters', () => {
  it('a parameter whose grad is null is left alone, state included', () => {
    const a = f32([1, 2]);
    const b = f32([3]);
    const opt = new Adam([a, b], { lr: 0.1 });
    a.grad = f32([0.5, -0.5]);
    opt.step();
    opt.step();
    expect(bits(b)).toEqual([3]);
    expect(opt.stateDict().state[1]).toBeNull();
    const before = opt.stateDict().state[0];
    b.grad = f32([1]);
    a.grad = null;
    opt.step();
    expect(opt.stateDict().state[0]).toEqual(before);
    expect(b.data[0]).not.toBe(3);
    expect(opt.iterations).toBe(3);
  });
});

describe('bad gradients change nothing', () => {
  /** Adam over two float32 parameters after three steps. */
  function trained() {
    const a = f32([[1, 2], [3, 4]]);
    const b = f32([5, 6, 7]);
    const opt = new Adam([a, b], { lr: 0.01, decay: 0.1 });
    for (let i = 1; i <= 3; i++) {
      a.grad = f32([[0.1 * i, -0.2], [0.3, 0.4 / i]]);
      b.grad = f32([i, -i, 0.5]);
      opt.step();
    }
    return { a, b, opt };
  }

  it.each([NaN, Infinity, -Infinity])('a gradient holding %s throws NonFiniteGradientError before any update', (bad) => {
    const { a, b, opt } = trained();
    const sd = opt.stateDict();
    const [da, db] = [bits(a), bits(b)];
    a.grad = f32([[1, 1], [1, 1]]); // valid, and checked first: must not be applied either
    b.grad = f32([1, bad, 1]);
    let err: unknown;
    try {
      opt.step();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteGradientError);
    const e = err as NonFiniteGradientError;
    expect(e.name).toBe('NonFiniteGradientError');
    expect([e.paramIndex, e.shape, e.index]).toEqual([1, [3], 1]);
    expect(Object.is(e.value, bad)).toBe(true);
    expect(e.message).toContain('parameter 1 (shape [3])');
    expect(e.message).toContain(String(bad));
    expect(bits(a)).toEqual(da);
    expect(bits(b)).toEqual(db);
    expect(opt.stateDict()).toEqual(sd);
    expect(opt.iterations).toBe(3);
  });

  it('allowNonFinite: true lets them through', () => {
    const w = f32([1, 2]);
    const opt = new SGD([w], { allowNonFinite: true });
    w.grad = f32([NaN, 1]);
    opt.step();
    expect(Number.isNaN(w.data[0])).toBe(true);
    expect(w.data[1]).toBe(1);
  });

  it('a grad of the wrong shape or dtype throws, nothing changed', () => {
    const { a, b, opt } = trained();
    const sd = opt.stateDict();
    const [da, db] = [bits(a), bits(b)];
    a.grad = f32([[1, 1], [1, 1]]);
    b.grad = f32([1, 1]);
    expect(() => opt.step()).toThrow(ShapeError);
    expect(() => opt.step()).toThrow(/parameter 1 has shape \[3\] but its grad has shape \[2\]/);
    b.grad = f64([1, 1, 1]);
    expect(() => opt.step()).toThrow(DTypeError);
    expect(bits(a)).toEqual(da);
    expect(bits(b)).toEqual(db);
    expect(opt.stateDict()).toEqual(sd);
  });
});

describe('state dicts', () => {
  type Make = (params: Tensor[]) => Optimizer<any>;
  const makers: [string, Make][] = [
    ['SGD', (p) => new SGD(p, { lr: 0.1, decay: 0.01 })],
    ['SGD momentum', (p) => new SGD(p, { lr: 0.1, decay: 0.01, momentum: 0.9 })],
    ['SGD nesterov', (p) => new SGD(p, { lr: 0.1, momentum: 0.8, nesterov: true })],
    ['AdaGrad', (p) => new AdaGrad(p, { lr: 0.5, decay: 1e-3 })],
    ['RMSProp', (p) => new RMSProp(p, { lr: 0.02, decay: 1e-5, rho: 0.999 })],
    ['Adam', (p) => new Adam(p, { lr: 0.05, decay: 5e-7 })],
    ['AdamW', (p) => new AdamW(p, { lr: 0.05, decay: 5e-7, weightDecay: 0.1 })],
    ['Adam float64 groups', (p) => new Adam([{ params: [p[0]] }, { params: [p[1]], lr: 0.2 }])],
  ];
  const dtypeOf = (name: string) => (name.includes('float64') ? 'float64' : 'float32');
  const init = (dtype: 'float32' | 'float64') => [
    tensor([[0.3, -1.2, 2.5], [0.01, 4, -0.7]], { dtype }),
    tensor([1.5, -2.25], { dtype }),
  ];
  /** A deterministic, non-trivial gradient for step s: that of a quadratic plus a wobble. */
  const setGrads = (ps: Tensor[], s: number) => {
    for (const p of ps) {
      const g = new (p.dtype === 'float32' ? Float32Array : Float64Array)(p.size);
      for (let i = 0; i < g.length; i++) g[i] = 2 * p.data[i] + Math.sin(s * 1.7 + i);
      p.grad = tensor(g, { shape: [...p.shape] });
    }
  };

  it.each(makers)('%s: save after 5 steps, load into a new optimizer, continue: bit-identical to one run', (name, make) => {
    const N = 5;
    const dtype = dtypeOf(name);
    const ref = init(dtype);
    const refOpt = make(ref);
    const sched = new StepLR(refOpt, { stepSize: 2, gamma: 0.5 });
    let saved: OptimizerStateDict | null = null;
    let savedParams: number[][] = [];
    for (let s = 0; s < 2 * N; s++) {
      if (s === N) {
        saved = JSON.parse(JSON.stringify(refOpt.stateDict()));
        savedParams = ref.map(bits);
      }
      setGrads(ref, s);
      refOpt.step();
      if (s % 3 === 2) sched.step();
    }
    // resume: parameters restored from their saved values, optimizer from its state dict
    const res = ref.map((p, i) => tensor(savedParams[i], { dtype, shape: [...p.shape] }));
    const resOpt = make(res);
    resOpt.loadStateDict(saved!);
    const resSched = new StepLR(resOpt, { stepSize: 2, gamma: 0.5 });
    resSched.loadStateDict({ lastEpoch: 1 }); // sched.step() ran at s = 2 before the save
    expect(resOpt.iterations).toBe(N);
    for (let s = N; s < 2 * N; s++) {
      setGrads(res, s);
      resOpt.step();
      if (s % 3 === 2) resSched.step();
    }
    res.forEach((p, i) => expect(bits(p)).toEqual(bits(ref[i])));
    expect(resOpt.stateDict()).toEqual(refOpt.stateDict());
    expect(resOpt.currentLr).toBe(refOpt.currentLr);
  });

  it('is plain JSON with options, iterations and named buffers', () => {
    const w = f32([1, 2]);
    const opt = new Adam([w]);
    w.grad = f32([0.5, 0.25]);
    opt.step();
    const sd = opt.stateDict();
    expect(JSON.parse(JSON.stringify(sd))).toEqual(sd);
    expect(sd.optimizer).toBe('Adam');
    expect(sd.iterations).toBe(1);
    expect(sd.groups).toEqual([{ options: { lr: 0.001, decay: 0, epsilon: 1e-7, beta1: 0.9, beta2: 0.999 }, params: 1, lrScale: 1, currentLr: 0.001 }]);
    expect(sd.state[0]!.shape).toEqual([2]);
    expect(Object.keys(sd.state[0]!.buffers)).toEqual(['momentum', 'cache']);
    expect(sd.state[0]!.buffers.momentum).toEqual([Math.fround(Math.fround(0.1) * 0.5), Math.fround(Math.fround(0.1) * 0.25)]);
  });

  it('loadStateDict rejects mismatches with OptimizerStateError and changes nothing', () => {
    const mk = () => {
      const ps = [f32([[1, 2], [3, 4]]), f32([5])];
      const opt = new Adam(ps, { lr: 0.1 });
      ps.forEach((p) => (p.grad = f32(p.toArray())));
      opt.step();
      return opt;
    };
    const good = mk().stateDict();
    const target = mk();
    // one more step, so that `target` differs from `good` and an accidental partial load would show
    target.paramGroups[0].params.forEach((p) => (p.grad = f32(p.toArray())));
    target.step();
    const before = target.stateDict();
    const variants: [string, (sd: any) => void, RegExp][] = [
      ['other optimizer', (sd) => (sd.optimizer = 'SGD'), /is for 'SGD'/],
      ['bad iterations', (sd) => (sd.iterations = -1), /iterations/],
      ['group count', (sd) => sd.groups.push(sd.groups[0]), /param groups/],
      ['param count', (sd) => (sd.groups[0].params = 3), /parameters/],
      ['state count', (sd) => sd.state.pop(), /1 parameter states/],
      ['missing option', (sd) => delete sd.groups[0].options.beta2, /options \[beta1, decay, epsilon, lr\]/],
      ['extra option', (sd) => (sd.groups[0].options.momentum = 0.9), /expected \[beta1, beta2, decay, epsilon, lr\]/],
      ['bad option value', (sd) => (sd.groups[0].options.beta1 = 2), /beta1/],
      ['option type', (sd) => (sd.groups[0].options.lr = '0.1'), /'lr' must be a number/],
      ['shape', (sd) => (sd.state[0].shape = [4]), /shape \[4\]/],
      ['buffer length', (sd) => sd.state[0].buffers.cache.pop(), /'cache' must be an array of 4 numbers/],
      ['buffer names', (sd) => (sd.state[1].buffers = { momentum: [0] }), /buffers \[momentum\]/],
      ['buffer values', (sd) => (sd.state[1].buffers.cache = ['x']), /non-number/],
      ['lrScale', (sd) => (sd.groups[0].lrScale = null), /lrScale/],
    ];
    for (const [label, edit, message] of variants) {
      const sd = structuredClone(good);
      edit(sd);
      let err: unknown;
      try {
        target.loadStateDict(sd);
      } catch (e) {
        err = e;
      }
      expect(err, label).toBeInstanceOf(OptimizerStateError);
      expect((err as Error).message, label).toMatch(message);
      expect((err as Error).message, label).toMatch(/nothing was changed/);
      expect(target.stateDict(), label).toEqual(before);
    }
    target.loadStateDict(good); // the unedited one loads
    expect(target.stateDict()).toEqual(good);
  });
});

describe('SGD momentum and nesterov by hand (float64)', () => {
  const g1 = [0.5, -2];
  const g2 = [0.25, 1];

  it('momentum: v = m * v - lr * g; w += v', () => {
    const w = f64([1, -1]);
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9 });
    w.grad = f64(g1);
    opt.step();
    expect(bits(w)).toEqual([1 + -0.1 * 0.5, -1 + -0.1 * -2]); // v1 = -lr * g1
    w.grad = f64(g2);
    opt.step();
    const v2 = [0.9 * (-0.1 * 0.5) - 0.1 * 0.25, 0.9 * (-0.1 * -2) - 0.1 * 1];
    expect(bits(w)).toEqual([1 + -0.1 * 0.5 + v2[0], -1 + -0.1 * -2 + v2[1]]);
    expect(opt.stateDict().state[0]!.buffers.momentum).toEqual(v2);
  });

  it('nesterov: v = m * v - lr * g; w += m * v - lr * g', () => {
    const w = f64([1, -1]);
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9, nesterov: true });
    w.grad = f64(g1);
    opt.step();
    const v1 = [-0.1 * 0.5, -0.1 * -2];
    const w1 = [1 + (0.9 * v1[0] - 0.1 * 0.5), -1 + (0.9 * v1[1] - 0.1 * -2)];
    expect(bits(w)).toEqual(w1);
    expect(w1[0]).toBeCloseTo(1 - 0.095, 15);
    w.grad = f64(g2);
    opt.step();
    const v2 = [0.9 * v1[0] - 0.1 * 0.25, 0.9 * v1[1] - 0.1 * 1];
    expect(bits(w)).toEqual([w1[0] + (0.9 * v2[0] - 0.1 * 0.25), w1[1] + (0.9 * v2[1] - 0.1 * 1)]);
  });

  it('momentum 0 is plain SGD and keeps no state', () => {
    const w = f64([1]);
    const opt = new SGD([w], { lr: 0.1 });
    w.grad = f64([3]);
    opt.step();
    expect(bits(w)).toEqual([1 - 0.1 * 3]);
    expect(opt.stateDict().state).toEqual([null]);
  });
});

describe('AdamW', () => {
  it('weightDecay 0 is Adam bit for bit', () => {
    const a = f32([[0.3, -1.2], [2.5, 0.01]]);
    const b = f32(a.toArray());
    const adam = new Adam([a], { lr: 0.05, decay: 1e-3 });
    const adamw = new AdamW([b], { lr: 0.05, decay: 1e-3, weightDecay: 0 });
    for (let s = 0; s < 5; s++) {
      a.grad = f32([[s, -1], [0.5, 2 - s]]);
      b.grad = f32([[s, -1], [0.5, 2 - s]]);
      adam.step();
      adamw.step();
    }
    expect(bits(b)).toEqual(bits(a));
  });

  it('shrinks w by (1 - lr_t * weightDecay) before the Adam update (float64)', () => {
    const w = f64([2, -4]);
    const opt = new AdamW([w], { lr: 0.1, weightDecay: 0.5 });
    w.grad = f64([1, -3]);
    opt.step();
    // first Adam step: mHat = g and vHat = g^2 (to rounding), so the Adam part is -lr * g / (|g| + eps)
    const upd = (g: number) => (-0.1 * g) / (Math.abs(g) + 1e-7);
    expect(w.data[0]).toBeCloseTo(2 * (1 - 0.1 * 0.5) + upd(1), 13);
    expect(w.data[1]).toBeCloseTo(-4 * (1 - 0.1 * 0.5) + upd(-3), 13);
  });
});

describe('schedules', () => {
  const opt = (lr: number, decay = 0) => {
    const w = f64([0]);
    w.grad = f64([1]);
    return new SGD([w], { lr, decay });
  };

  it('StepLR: lr * gamma^floor(epoch / stepSize)', () => {
    const o = opt(0.1);
    const s = new StepLR(o, { stepSize: 2, gamma: 0.5 });
    const lrs: number[] = [];
    for (let e = 0; e < 6; e++) {
      lrs.push(s.getLastLr()[0]);
      s.step();
    }
    expect(lrs).toEqual([0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
    expect(s.lastEpoch).toBe(6);
  });

  it('ExponentialLR: lr * gamma^epoch', () => {
    const s = new ExponentialLR(opt(0.5), { gamma: 0.9 });
    const lrs: number[] = [];
    for (let e = 0; e < 4; e++) {
      lrs.push(s.getLastLr()[0]);
      s.step();
    }
    expect(lrs).toEqual([0.5, 0.5 * 0.9, 0.5 * 0.9 ** 2, 0.5 * 0.9 ** 3]);
  });

  it('CosineAnnealingLR: etaMin + (lr - etaMin) * (1 + cos(pi * epoch / tMax)) / 2', () => {
    const s = new CosineAnnealingLR(opt(0.1), { tMax: 10, etaMin: 0.001 });
    for (let e = 0; e <= 20; e++) {
      const want = 0.001 + ((0.1 - 0.001) * (1 + Math.cos((Math.PI * e) / 10))) / 2;
      expect(s.getLastLr()[0]).toBeCloseTo(want, 15);
      s.step();
    }
    const s2 = new CosineAnnealingLR(opt(0.1), { tMax: 4 });
    expect(s2.getLastLr()[0]).toBe(0.1);
    for (let e = 0; e < 4; e++) s2.step();
    expect(s2.getLastLr()[0]).toBeCloseTo(0, 17);
  });

  it('the optimizer applies the multiplier and its own decay: lr * scale / (1 + decay * t)', () => {
    const o = opt(0.1, 0.5);
    const s = new StepLR(o, { stepSize: 1, gamma: 0.5 });
    o.step(); // t = 0, scale 1
    expect(o.currentLr).toBe(0.1);
    s.step();
    expect(o.currentLr).toBe(0.1); // the rate of the last step, until the next one
    o.step(); // t = 1, scale 0.5
    expect(o.currentLr).toBe(0.05 * (1 / 1.5));
    expect(o.paramGroups[0].lrScale).toBe(0.5);
  });

  it('a custom LRScheduler scale, and bad values rejected', () => {
    const o = opt(1);
    const s = new LRScheduler(o, (epoch) => 1 / (epoch + 1));
    s.step();
    s.step();
    expect(s.getLastLr()).toEqual([1 / 3]);
    expect(() => new StepLR(o, { stepSize: 0 })).toThrow(ValueError);
    expect(() => new ExponentialLR(o, { gamma: -1 })).toThrow(ValueError);
    expect(() => new CosineAnnealingLR(o, { tMax: 10, etaMin: -1 })).toThrow(ValueError);
    expect(() => s.loadStateDict({ lastEpoch: 1.5 })).toThrow(OptimizerStateError);
  });
});

describe('optimization sanity: minimizing a quadratic converges', () => {
  const target = [3, -1, 0.5, 2];
  it.each([
    ['SGD', (p: Tensor[]) => new SGD(p, { lr: 0.1 }), 200],
    ['SGD momentum', (p: Tensor[]) => new SGD(p, { lr: 0.05, momentum: 0.9 }), 300],
    ['SGD nesterov', (p: Tensor[]) => new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true }), 300],
    ['AdaGrad', (p: Tensor[]) => new AdaGrad(p, { lr: 0.5 }), 500],
    ['RMSProp', (p: Tensor[]) => new RMSProp(p, { lr: 0.01, decay: 1e-3 }), 2000],
    ['Adam', (p: Tensor[]) => new Adam(p, { lr: 0.05 }), 1000],
    ['AdamW', (p: Tensor[]) => new AdamW(p, { lr: 0.05, weightDecay: 0 }), 1000],
  ] as [string, (p: Tensor[]) => Optimizer<any>, number][])('%s', (_, make, steps) => {
    for (const dtype of ['float32', 'float64'] as const) {
      const w = tensor([0, 0, 0, 0], { dtype, requiresGrad: true });
      const t = tensor(target, { dtype });
      const opt = make([w]);
      let loss = Infinity;
      for (let s = 0; s < steps; s++) {
        opt.zeroGrad();
        const l = w.sub(t).pow(2).sum();
        loss = l.item();
        l.backward();
        opt.step();
      }
      expect(loss, `${dtype} loss`).toBeLessThan(1e-3);
      Array.from(w.data).forEach((v, i) => expect(v).toBeCloseTo(target[i], 1));
    }
  });
});

describe('scheduler-owned state: bad values are refused and failed calls change nothing', () => {
  it('loadStateDict refuses a negative or non-finite lrScale or currentLr, as a scheduler would', () => {
    const p = f32([1, 2]);
    const opt = new SGD([p], { lr: 0.1 });
    const good = opt.stateDict();
    for (const [field, value] of [['lrScale', -1], ['currentLr', -0.5], ['lrScale', Infinity], ['currentLr', NaN]] as const) {
      const bad = JSON.parse(JSON.stringify(good)) as OptimizerStateDict;
      (bad.groups[0] as Record<string, unknown>)[field] = value;
      expect(() => opt.loadStateDict(bad)).toThrow(OptimizerStateError);
      expect(() => opt.loadStateDict(bad)).toThrow(new RegExp(`group 0 ${field} must be a finite number >= 0 .*got ${value}; nothing was changed`));
      expect(opt.stateDict()).toEqual(good);
    }
  });

  it('LRScheduler.step() and loadStateDict() whose scale function throws or gives a bad value leave lastEpoch and lrScale as they were', () => {
    const opt = new SGD([f32([1, 2])], { lr: 0.1 });
    const sched = new LRScheduler(opt, (epoch) => {
      if (epoch === 2) throw new Error('no schedule for epoch 2');
      return epoch === 3 ? -1 : 0.5 ** epoch;
    });
    sched.step();
    expect([sched.lastEpoch, opt.paramGroups[0].lrScale]).toEqual([1, 0.5]);
    expect(() => sched.step()).toThrow(/no schedule for epoch 2/);
    expect([sched.lastEpoch, opt.paramGroups[0].lrScale]).toEqual([1, 0.5]); // lastEpoch advanced to 2 before
    expect(() => sched.loadStateDict({ lastEpoch: 3 })).toThrow(ValueError);
    expect(() => sched.loadStateDict({ lastEpoch: 3 })).toThrow(/lr multiplier of group 0 at epoch 3 is -1 \(expected a finite number >= 0\)/);
    expect([sched.lastEpoch, opt.paramGroups[0].lrScale]).toEqual([1, 0.5]);
    sched.loadStateDict({ lastEpoch: 4 });
    expect([sched.lastEpoch, opt.paramGroups[0].lrScale]).toEqual([4, 0.0625]);
  });
});
