import { describe, expect, it } from 'vitest';
import {
  tensor, zeros, ones, arange, noGrad, enableGrad, isGradEnabled, GraphError, ShapeError, DTypeError,
  customOp, grad, valueAndGrad, vjp, hvp, gradients, gradcheck, Tensor, mul, add, exp, sum, listOps, ValueError,
} from '@tensorgrad/core';

const f64 = (data: any, requiresGrad = false) => tensor(data, { dtype: 'float64', requiresGrad });

describe('backward', () => {
  it('computes the gradients of a small graph (micrograd-style example)', () => {
    const a = f64(-4, true);
    const b = f64(2, true);
    let c = a.add(b);
    let d = a.mul(b).add(b.pow(3));
    c = c.add(c.add(1));
    c = c.add(c.add(1).add(a.neg()));
    d = d.add(d.mul(2).add(b.add(a).relu()));
    d = d.add(d.mul(3).add(b.sub(a).relu()));
    const e = c.sub(d);
    const f = e.pow(2);
    let g = f.div(2);
    g = g.add(f64(10).div(f));
    g.backward();
    // values from PyTorch for the same expression (micrograd's test)
    expect(g.item()).toBeCloseTo(24.70408163265306, 10);
    expect(a.grad!.item()).toBeCloseTo(138.83381924198252, 10);
    expect(b.grad!.item()).toBeCloseTo(645.5772594752186, 10);
  });

  it('accumulates into .grad across calls until zeroGrad', () => {
    const x = f64([1, 2, 3], true);
    x.mul(x).sum().backward();
    x.mul(x).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([4, 8, 12]);
    x.zeroGrad();
    expect(x.grad).toBeNull();
  });

  it('does not let one gradient alias another (in-place accumulation stays local)', () => {
    const a = f64([1, 2], true);
    const b = f64([3, 4], true);
    a.add(b).sum().backward();
    a.add(b).sum().backward();
    expect(Array.from(a.grad!.data)).toEqual([2, 2]);
    expect(Array.from(b.grad!.data)).toEqual([2, 2]);
  });

  it('needs a gradient for a non-scalar output', () => {
    const x = f64([1, 2], true);
    expect(() => x.mul(2).backward()).toThrow(GraphError);
    x.mul(2).backward(f64([1, 10]));
    expect(Array.from(x.grad!.data)).toEqual([2, 20]);
    expect(() => x.mul(2).backward(f64([1, 2, 3]))).toThrow(ShapeError);
  });

  it('frees the graph after backward unless retainGraph', () => {
    const x = f64(3, true);
    const y = x.mul(x);
    y.backward();
    expect(() => y.backward()).toThrow(/already freed/);
    const z = x.mul(x);
    z.backward(undefined, { retainGraph: true });
    z.backward();
    expect(x.grad!.item()).toBe(6 + 6 + 6);
  });

  it('walks a chain of 100,000 ops without overflowing the stack', () => {
    const x = f64(1, true);
    let y = x;
    for (let i = 0; i < 100_000; i++) y = y.add(1e-6);
    y.backward();
    expect(x.grad!.item()).toBe(1);
  });

  it('int tensors cannot require grad', () => {
    expect(() => tensor([1, 2], { dtype: 'int32', requiresGrad: true })).toThrow(DTypeError);
  });

  it('retainGrad keeps a non-leaf gradient; hooks observe and replace gradients', () => {
    const x = f64([1, 2], true);
    const y = x.mul(3).retainGrad();
    const seen: number[][] = [];
    y.registerHook((g) => void seen.push(Array.from(g.data)));
    const remove = x.registerHook((g) => g.mul(10));
    y.sum().backward();
    expect(Array.from(y.grad!.data)).toEqual([1, 1]);
    expect(seen).toEqual([[1, 1]]);
    expect(Array.from(x.grad!.data)).toEqual([30, 30]);
    remove();
    x.zeroGrad();
    x.mul(3).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([3, 3]);
  });

  it('noGrad records nothing; enableGrad turns recording back on', () => {
    const x = f64(2, true);
    const y = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      const inner = enableGrad(() => x.mul(2));
      expect(inner.requiresGrad).toBe(true);
      return x.mul(2);
    });
    expect(y.requiresGrad).toBe(false);
    expect(y.isLeaf).toBe(true);
    expect(isGradEnabled()).toBe(true);
  });

  it('sends broadcast gradients back summed to the operand shape', () => {
    const a = f64([[1, 2, 3], [4, 5, 6]], true);
    const b = f64([[10, 20, 30]], true);
    const c = f64([[1], [2]], true);
    a.mul(b).add(c).sum().backward();
    expect(b.grad!.shape).toEqual([1, 3]);
    expect(Array.from(b.grad!.data)).toEqual([5, 7, 9]);
    expect(Array.from(c.grad!.data)).toEqual([3, 3]);
    expect(Array.from(a.grad!.data)).toEqual([10, 20, 30, 10, 20, 30]);
  });
});

describe('the backward contract', () => {
  it("a backward run by a hook inside another backward keeps each walk's gradients apart", () => {
    const x = f64([[1, -2], [3, 4]], true);
    const w = f64([[0.5, -1], [2, 1]], true);
    const y = x.matmul(w).relu(); // relu's backward writes into the gradient the walk hands over
    y.registerHook(() => {
      enableGrad(() => w.mul(w).sum()).backward(); // a walk of its own, with its own fresh gradients
    });
    y.mul(y).sum().backward();
    // d/dx sum(relu(xw)^2) = (2 relu(xw) * step(xw)) @ w^T; w gets its hook's 2w plus x^T (2 relu(xw) step(xw))
    const xw = [[1 * 0.5 + -2 * 2, 1 * -1 + -2 * 1], [3 * 0.5 + 4 * 2, 3 * -1 + 4 * 1]];
    const d = xw.map((r) => r.map((v) => (v > 0 ? 2 * v : 0)));
    const wT = [[0.5, 2], [-1, 1]];
    const xT = [[1, 3], [-2, 4]];
    const mm = (a: number[][], b: number[][]) => a.map((r) => b[0].map((_, j) => r.reduce((s, v, k) => s + v * b[k][j], 0)));
    expect(x.grad!.toArray()).toEqual(mm(d, wT));
    const ww = [[0.5, -1], [2, 1]];
    expect(w.grad!.toArray()).toEqual(mm(xT, d).map((r, i) => r.map((v, j) => v + 2 * ww[i][j])));
  });
});

describe('higher order', () => {
  it('createGraph makes gradients differentiable (d2/dx2 of x^3 = 6x)', () => {
    const x = f64(2, true);
    const y = x.pow(3);
    const [g] = gradients(y, [x], { createGraph: true });
    expect(g.item()).toBe(12);
    const [gg] = gradients(g, [x]);
    expect(gg.item()).toBe(12);
  });

  it('grad composes: grad(grad(f))', () => {
    const f = (x: Tensor) => x.mul(x).mul(x).sum();
    const d2 = grad((x: Tensor) => grad(f)(x) as Tensor);
    // d/dx of 3x^2 summed... grad(f) is not scalar for vector x, so use a scalar x
    const x = f64(3);
    expect((grad(f)(x) as Tensor).item()).toBe(27);
    expect((d2(x) as Tensor).item()).toBe(18);
  });

  it('valueAndGrad, vjp and hvp', () => {
    const f = (x: Tensor, y: Tensor) => x.mul(y).sum();
    const [v, gs] = valueAndGrad(f, [0, 1])(f64([1, 2]), f64([3, 4]));
    expect(v.item()).toBe(11);
    expect((gs as Tensor[]).map((g) => Array.from(g.data))).toEqual([[3, 4], [1, 2]]);
    const [out, [vj]] = vjp((x: Tensor) => x.mul(x), [f64([1, 2])], f64([1, 1]));
    expect(Array.from(out.data)).toEqual([1, 4]);
    expect(Array.from(vj.data)).toEqual([2, 4]);
    // f(x) = sum(x^3): H = diag(6x)
    const [, [hv]] = hvp((x: Tensor) => x.pow(3).sum(), [f64([1, 2])], [f64([1, 1])]);
    expect(Array.from(hv.data)).toEqual([6, 12]);
  });
});

describe('customOp', () => {
  const cube = customOp({
    name: 'testCube',
    forward(ctx, x) {
      ctx.save(x);
      return x.mul(x).mul(x);
    },
    backward(ctx, g) {
      const [x] = ctx.saved;
      return g.mul(x.mul(x).mul(3));
    },
  });

  it('runs inside a graph and passes gradcheck', () => {
    const x = f64([0.5, -1.5, 2], true);
    const y = exp(cube(x)).sum();
    y.backward();
    const expected = [0.5, -1.5, 2].map((v) => Math.exp(v ** 3) * 3 * v * v);
    Array.from(x.grad!.data).forEach((g, i) => expect(g).toBeCloseTo(expected[i], 10));
    expect(gradcheck((t) => cube(t), [f64([0.3, -0.7], true)]).ok).toBe(true);
  });

  it("its context says whether backward is being recorded (createGraph), in forward false", () => {
    const seen: boolean[] = [];
    const square = customOp({
      name: 'testContextSquare',
      forward(ctx, x) {
        seen.push(ctx.createGraph);
        ctx.save(x);
        return x.mul(x);
      },
      backward(ctx, g) {
        seen.push(ctx.createGraph);
        return g.mul(ctx.saved[0]).mul(2);
      },
    });
    const x = f64([1.5, -2], true);
    square(x).sum().backward();
    const [g] = gradients(square(x).sum(), [x], { createGraph: true });
    expect(seen).toEqual([false, false, false, true]);
    expect(Array.from(g.data)).toEqual([3, -4]);
    expect(g.requiresGrad).toBe(true);
  });

  it("cannot take a built-in op's name (the registry lists each op once)", () => {
    expect(() => customOp({ name: 'relu', forward: (ctx, x) => x, backward: (ctx, g) => g })).toThrow(ValueError);
    expect(() => customOp({ name: 'relu', forward: (ctx, x) => x, backward: (ctx, g) => g })).toThrow(/'relu' is already registered \(built in\)/);
    expect(listOps().filter((op) => op.name === 'relu')).toEqual([{ name: 'relu', differentiable: true, custom: false }]);
  });

  it('a wrong backward is caught by gradcheck with the element named', () => {
    const wrong = customOp({
      name: 'testWrong',
      forward: (ctx, x) => (ctx.save(x), x.mul(x)),
      backward: (ctx, g) => g.mul(ctx.saved[0]), // should be 2x
    });
    const report = gradcheck((t) => wrong(t), [f64([1, 2], true)], { raiseException: false });
    expect(report.ok).toBe(false);
    expect(report.worst!.input).toBe(0);
    expect(() => gradcheck((t) => wrong(t), [f64([1, 2], true)])).toThrow(/differ for input 0 at index/);
  });
});
