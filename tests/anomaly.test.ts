import { describe, it, expect, afterEach } from 'vitest';
import {
  AnomalyError,
  GraphError,
  Tensor,
  customOp,
  detectAnomaly,
  formatGraph,
  grad,
  graphNodes,
  isAnomalyEnabled,
  noGrad,
  setDetectAnomaly,
  tensor,
} from '@tensorgrad/core';

/** The line of this test file that calls lineHere(), read from the same kind of stack the errors use. */
function lineHere(): number {
  const frame = new Error().stack!.split('\n')[2];
  return Number(/anomaly\.test\.ts:(\d+):/.exec(frame)![1]);
}

function anomalyOf(fn: () => unknown): AnomalyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AnomalyError);
    return e as AnomalyError;
  }
  throw new Error('expected an AnomalyError, nothing was thrown');
}

afterEach(() => setDetectAnomaly(false));

describe('anomaly mode: forward', () => {
  it('log of a negative number names the op, the shapes, "forward" and the calling line', () => {
    const x = tensor([1, -1, 2], { requiresGrad: true });
    const line = lineHere(), err = anomalyOf(() => detectAnomaly(() => x.log()));
    expect(err).toBeInstanceOf(GraphError);
    expect(err.op).toBe('log');
    expect(err.phase).toBe('forward');
    expect(err.inputShapes).toEqual([[3]]);
    expect(err.inputDtypes).toEqual(['float32']);
    expect(err.message).toContain("'log'");
    expect(err.message).toContain('forward');
    expect(err.message).toContain('float32[3]');
    expect(err.message).toContain('NaN');
    expect(err.createdAt).toContain(`anomaly.test.ts:${line}:`);
    expect(err.message).toContain(`anomaly.test.ts:${line}:`);
    // tensorgrad's own frames are trimmed: the first frame is the caller's
    expect(err.createdAt.split('\n')[0]).toContain('anomaly.test.ts');
    expect(err.createdAt).not.toMatch(/packages[\\/]core[\\/]src/);
  });

  it('division by zero giving Infinity', () => {
    const x = tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    const err = anomalyOf(() => detectAnomaly(() => x.div(0)));
    expect(err.op).toBe('div');
    expect(err.inputShapes).toEqual([[2, 2], []]);
    expect(err.message).toContain('Infinity');
    expect(err.message).toContain('float64[2, 2]');
  });

  it('checks ops run under noGrad too', () => {
    const err = anomalyOf(() => detectAnomaly(() => noGrad(() => tensor([0, 1]).log())));
    expect(err.op).toBe('log');
    expect(err.message).toContain('Infinity');
  });

  it('does not throw when the input already had NaN, but does for a newly appearing Infinity', () => {
    const x = tensor([NaN, 4]);
    const y = detectAnomaly(() => x.sqrt().mul(2));
    expect(Number.isNaN(y.data[0])).toBe(true);
    expect(y.data[1]).toBe(4);
    const err = anomalyOf(() => detectAnomaly(() => tensor([NaN, 0]).log()));
    expect(err.message).toContain('Infinity');
    expect(err.message).not.toContain('NaN and');
  });

  it('is silent outside anomaly mode: the same computations give NaN and Infinity', () => {
    expect(isAnomalyEnabled()).toBe(false);
    const y = tensor([1, -1, 2]).log();
    expect(Number.isNaN(y.data[1])).toBe(true);
    expect(tensor([1, 2]).div(0).data[0]).toBe(Infinity);
    const z = tensor([0, 1], { requiresGrad: true });
    z.sqrt().sum().backward();
    expect(z.grad!.data[0]).toBe(Infinity);
  });
});

describe('anomaly mode: backward', () => {
  it('an Infinity gradient from sqrt at 0 names the op, "backward" and the line that ran the forward', () => {
    const z = tensor([0, 1, 4], { requiresGrad: true });
    const w = tensor([1, 2], { requiresGrad: true });
    w.grad = tensor([10, 20]);
    let loss!: Tensor;
    let line = 0;
    const err = anomalyOf(() =>
      detectAnomaly(() => {
        line = lineHere(); loss = z.sqrt().sum().add(w.mul(w).sum()); // the walk reaches w before sqrt
        loss.backward();
      }),
    );
    expect(err.op).toBe('sqrt');
    expect(err.phase).toBe('backward');
    expect(err.inputShapes).toEqual([[3]]);
    expect(err.message).toContain("Function 'sqrtBackward' returned Infinity values in its 0th output");
    expect(err.message).toContain('float32[3]');
    expect(err.createdAt).toContain(`anomaly.test.ts:${line}:`);
    // nothing was accumulated and the graph was not freed
    expect(z.grad).toBeNull();
    expect(Array.from(w.grad!.data)).toEqual([10, 20]);
    loss.backward(); // outside anomaly mode: runs again through the same graph, silently
    expect(z.grad!.data[0]).toBe(Infinity);
    expect(Array.from(w.grad!.data)).toEqual([12, 24]);
  });

  it("a custom op whose backward returns NaN is named, with its creating line", () => {
    const bad = customOp({
      name: 'badSquare',
      forward: (ctx, x) => x.mul(x),
      backward: (ctx, g) => g.mul(NaN),
    });
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    let line = 0;
    const err = anomalyOf(() =>
      detectAnomaly(() => {
        line = lineHere(); const y = bad(x).sum();
        y.backward();
      }),
    );
    expect(err.op).toBe('badSquare');
    expect(err.phase).toBe('backward');
    expect(err.inputShapes).toEqual([[2]]);
    expect(err.message).toContain("Function 'badSquareBackward' returned NaN values");
    expect(err.createdAt).toContain(`anomaly.test.ts:${line}:`);
    expect(x.grad).toBeNull();
  });

  it('says so when the op was recorded outside anomaly mode', () => {
    const z = tensor([0, 1], { requiresGrad: true });
    const y = z.sqrt().sum();
    const err = anomalyOf(() => detectAnomaly(() => y.backward()));
    expect(err.op).toBe('sqrt');
    expect(err.createdAt).toContain('recorded outside anomaly mode');
  });

  it('higher-order gradients of finite functions raise nothing', () => {
    const f = (x: Tensor) => x.pow(3).sum();
    const x = tensor([2, -1], { dtype: 'float64' });
    const g2 = detectAnomaly(() => grad((t: Tensor) => (grad(f)(t) as Tensor).sum())(x)) as Tensor;
    expect(Array.from(g2.data)).toEqual([12, -6]);
  });
});

describe('anomaly mode switch', () => {
  it('nested detectAnomaly restores the previous mode, also after a throw', () => {
    expect(isAnomalyEnabled()).toBe(false);
    detectAnomaly(() => {
      expect(isAnomalyEnabled()).toBe(true);
      anomalyOf(() => detectAnomaly(() => tensor([-1]).log()));
      expect(isAnomalyEnabled()).toBe(true);
    });
    expect(isAnomalyEnabled()).toBe(false);
    setDetectAnomaly(true);
    detectAnomaly(() => 0);
    expect(isAnomalyEnabled()).toBe(true);
    anomalyOf(() => tensor([-1]).log());
    setDetectAnomaly(false);
    expect(isAnomalyEnabled()).toBe(false);
  });
});

describe('graph listing', () => {
  it('prints a small expression', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    const b = tensor([1, 2, 3]);
    const s = a.add(b).sum();
    expect(s.graph()).toBe(
      [
        '%0 = leaf float32[2,3] (requires grad)',
        '%1 = leaf float32[3]',
        '%2 = add(%0, %1) float32[2,3]',
        '%3 = sum(%2) float32[]',
      ].join('\n'),
    );
    expect(formatGraph(s)).toBe(s.graph());
    expect(a.graph()).toBe('%0 = leaf float32[2,3] (requires grad)');
  });

  it('lists the shared node of a diamond once', () => {
    const x = tensor([1, 2], { dtype: 'float64', requiresGrad: true });
    const b = x.exp();
    const out = b.mul(b).add(b.sigmoid());
    const nodes = graphNodes(out);
    expect(nodes.map((n) => n.op)).toEqual(['leaf', 'exp', 'mul', 'sigmoid', 'add']);
    expect(nodes.map((n) => n.inputs)).toEqual([[], [0], [1, 1], [1], [2, 3]]);
    expect(nodes.every((n, i) => n.id === i && n.inputs.every((j) => j < i))).toBe(true);
    expect(nodes.every((n) => n.dtype === 'float64' && n.requiresGrad && n.shape.join() === '2')).toBe(true);
    expect(out.graphNodes()).toEqual(nodes);
    expect(out.graph().split('\n')[2]).toBe('%2 = mul(%1, %1) float64[2]');
  });

  it('handles a chain 100,000 ops deep', () => {
    const x = tensor([1], { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 100_000; i++) y = y.neg();
    const nodes = y.graphNodes();
    expect(nodes.length).toBe(100_001);
    expect(nodes[100_000].inputs).toEqual([99_999]);
    const lines = y.graph().split('\n');
    expect(lines.length).toBe(100_001);
    expect(lines[100_000]).toBe('%100000 = neg(%99999) float32[1]');
  });
});
