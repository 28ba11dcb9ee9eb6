// Gradient properties: every differentiable built-in op against central differences, over random shapes
// (broadcast pairs for binary ops) and random float64 values away from kinks and poles.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Tensor, tensor, zeros, listOps, gradcheck, gradgradcheck, gradients, enableGrad, noGrad, customOp, gt,
  DTypeError, GradcheckError, type GradcheckOptions, type SliceSpec,
  add, sub, mul, div, pow, maximum, minimum, where, concat, gather, take, pick, slice, matmul, linear,
  sum, mean, max, min, logsumexp, softmax, logSoftmax,
} from '@tensorgrad/core';
import * as tg from '@tensorgrad/core';
import {
  shapeArb, broadcastShapesArb, broadcastShape, tensorArb, tensorsArb, tensorSource, printable, gradcheckProperty,
  type ShapeOptions,
} from '@tensorgrad/core/testing';

// Modest by default so the file runs in a few seconds; PROPERTY_RUNS=1000 for a long hunt.
const NUM_RUNS = Number(process.env.PROPERTY_RUNS ?? 30);
const NUM_RUNS_SECOND_ORDER = Math.ceil(NUM_RUNS / 2);
const TIMEOUT = Math.max(5000, NUM_RUNS * 100);

type Fn = (...xs: Tensor[]) => Tensor;

/** One drawn check: the function, its inputs, and a label saying which parameters were drawn. */
interface Case {
  label: string;
  f: Fn;
  inputs: Tensor[];
  options?: GradcheckOptions;
}

/** A case prints in fast-check's report as its label and the tensor(...) calls that rebuild its inputs. */
function makeCase(label: string, f: Fn, inputs: Tensor[], options?: GradcheckOptions): Case {
  const c: Case = { label, f, inputs, options };
  Object.defineProperty(c, Symbol.for('fast-check/toStringMethod'), {
    value: () => `${label} with inputs ${inputs.map((x) => tensorSource(x)).join(', ')}`,
  });
  return c;
}

const str = (v: unknown) => fc.stringify(v);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const withShape = <T>(opts: ShapeOptions, fn: (shape: number[]) => fc.Arbitrary<T>) => shapeArb(opts).chain(fn);

/** undefined (all axes), one axis (maybe negative), or a list of distinct axes (maybe negative, any order). */
function axesArb(ndim: number): fc.Arbitrary<number | number[] | undefined> {
  const list = fc
    .tuple(fc.shuffledSubarray(range(ndim)), fc.array(fc.boolean(), { minLength: ndim, maxLength: ndim }))
    .map(([axes, negative]) => axes.map((a, i) => (negative[i] ? a - ndim : a)));
  const choices: fc.Arbitrary<number | number[] | undefined>[] = [fc.constant(undefined), list];
  if (ndim > 0) choices.push(fc.integer({ min: -ndim, max: ndim - 1 }));
  return fc.oneof(...choices);
}

const axisArb = (ndim: number) => fc.integer({ min: -ndim, max: ndim - 1 });

/** One unary op over any shape. */
const unary = (name: string, f: Fn, opts: Parameters<typeof tensorArb>[1] = {}) =>
  tensorArb(shapeArb(), opts).map((x) => makeCase(name, f, [x]));

/** One binary op over a broadcast pair. */
const binary = (name: string, f: Fn, opts: Parameters<typeof tensorsArb>[1] = {}) =>
  tensorsArb(broadcastShapesArb(), opts).map((xs) => makeCase(name, f, xs));

/** A reduction with its axis and keepdims drawn. */
const reduction = (name: string, f: (x: Tensor, axis: number | number[] | undefined, keep: boolean) => Tensor, opts = {}) =>
  withShape({}, (s) => fc.tuple(tensorArb(s, opts), axesArb(s.length), fc.boolean())).map(([x, axis, keep]) =>
    makeCase(`${name}(x, ${str(axis)}, ${keep})`, (t) => f(t, axis, keep), [x]),
  );

/**
 * The backward of `forward` at a fixed x, as a function of the output gradient g: its output is made by the
 * backward op under test (sliceBackward, gatherBackward, ...). Recording stays on under gradcheck's noGrad.
 */
function backwardOf(forward: Fn, xShape: number[]): Fn {
  const x = zeros(xShape, { dtype: 'float64', requiresGrad: true });
  return (g) => enableGrad(() => gradients(forward(x), [x], { gradOutput: g, createGraph: true })[0]);
}

/** Shapes and specs for slice: each leading axis gets an index, null, a [start, stop, step] or an object. */
const sliceArb = withShape({ minDims: 1 }, (shape) => {
  const bound = (n: number) => fc.option(fc.integer({ min: -n - 2, max: n + 2 }), { nil: undefined });
  const step = fc.constantFrom(1, 2, -1, -2, undefined);
  const spec = (n: number): fc.Arbitrary<SliceSpec> =>
    fc.oneof(
      fc.integer({ min: -n, max: n - 1 }),
      fc.constant(null),
      fc.tuple(bound(n), bound(n), step).map(([a, b, c]) => [a, b, c] as const),
      fc.record({ start: bound(n), stop: bound(n), step }, { requiredKeys: [] }),
    );
  return fc.tuple(fc.constant(shape), fc.tuple(...shape.map(spec)), fc.nat(shape.length)).map(([s, specs, k]) => ({
    shape: s,
    specs: specs.slice(0, Math.max(1, k)),
  }));
});

/** x's shape, an axis, and int32 indices for gather along it (index has x's shape except along the axis). */
const gatherArb = withShape({ minDims: 1 }, (shape) =>
  fc.tuple(axisArb(shape.length), fc.integer({ min: 1, max: 3 })).chain(([axis, m]) => {
    const a = axis < 0 ? axis + shape.length : axis;
    const indexShape = shape.map((d, i) => (i === a ? m : d));
    const index = tensorArb(indexShape, { dtype: 'int32', min: -shape[a], max: shape[a] - 1 });
    return fc.tuple(fc.constant(shape), fc.constant(axis), index);
  }),
);

/** x's shape, an axis (undefined: the flattened tensor) and 1-D indices for take. */
const takeArb = withShape({}, (shape) =>
  (shape.length === 0 ? fc.constant(undefined) : fc.option(axisArb(shape.length), { nil: undefined })).chain((axis) => {
    const len = axis === undefined ? shape.reduce((p, d) => p * d, 1) : shape[axis < 0 ? axis + shape.length : axis];
    const idx = fc.array(fc.integer({ min: -len, max: len - 1 }), { minLength: 1, maxLength: 4 });
    return fc.tuple(fc.constant(shape), fc.constant(axis), idx);
  }),
);

/** Shapes for matmul: 1-D or matrix operands, with broadcast batch dimensions when both are matrices. */
const matmulArb = fc
  .record({
    M: fc.integer({ min: 1, max: 3 }),
    K: fc.integer({ min: 1, max: 3 }),
    N: fc.integer({ min: 1, max: 3 }),
    batch: broadcastShapesArb({ maxDims: 2 }),
    aVector: fc.boolean(),
    bVector: fc.boolean(),
  })
  .chain(({ M, K, N, batch: [ba, bb], aVector, bVector }) =>
    tensorsArb(fc.constant([aVector ? [K] : [...ba, M, K], bVector ? [K] : [...bb, K, N]])),
  )
  .map((xs) => makeCase(`matmul [${xs[0].shape}] @ [${xs[1].shape}]`, (a, b) => matmul(a, b), xs));

/** linear(x, w, b): the fused 2-D case (b as [m] or [1, m]), and operands it hands to add(matmul(x, w), b). */
const linearArb = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    k: fc.integer({ min: 1, max: 3 }),
    m: fc.integer({ min: 1, max: 3 }),
    kind: fc.constantFrom('b [m]', 'b [1, m]', 'x 1-D', 'x 3-D'),
  })
  .chain(({ n, k, m, kind }) => {
    const x = kind === 'x 1-D' ? [k] : kind === 'x 3-D' ? [2, n, k] : [n, k];
    const b = kind === 'b [1, m]' ? [1, m] : [m];
    return tensorsArb(fc.constant([x, [k, m], b])).map((xs) => makeCase(`linear, ${kind}`, (a, w, c) => linear(a, w, c), xs));
  });

/** relu's backward at a drawn x (away from the kink), as a function of the output gradient g. */
const reluBackwardArb = withShape({}, (s) => fc.tuple(tensorArb(s, { avoid: [0] }), tensorArb(s))).map(([x, g]) => {
  const xr = x.detach().requiresGrad_();
  const f: Fn = (gt) => enableGrad(() => gradients(xr.relu(), [xr], { gradOutput: gt, createGraph: true })[0]);
  return makeCase(`backward of relu at x ${tensorSource(x)}`, f, [g]);
});

/** Two broadcastable tensors whose values are at least 0.01 apart wherever they meet: no ties for maximum/minimum. */
const untiedPair = (name: string, f: Fn) =>
  tensorsArb(broadcastShapesArb())
    .filter(([a, b]) => noGrad(() => sub(a, b).abs().data.every((d) => d >= 0.01)))
    .map((xs) => makeCase(name, f, xs));

/** Concat of 1-3 parts along a drawn axis, parts differing in length along it. */
const concatArb = withShape({ minDims: 1 }, (shape) =>
  fc.tuple(axisArb(shape.length), fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 })).chain(([axis, lens]) => {
    const a = axis < 0 ? axis + shape.length : axis;
    return tensorsArb(fc.constant(lens.map((n) => shape.map((d, i) => (i === a ? n : d))))).map((xs) =>
      makeCase(`concat(parts, ${axis})`, (...ts) => concat(ts, axis), xs),
    );
  }),
);

/** One axis or all of them (undefined): never an empty list, so that var's N - correction stays positive on sides >= 2. */
const reducingAxisArb = (ndim: number) => fc.option(axisArb(ndim), { nil: undefined });

/** The outputs of a many-output op as one tensor, so gradcheck can project them. */
const joined = (ts: Tensor[]) => concat(ts.map((t) => t.reshape(-1)));

/** A float64 probability table shaped like `shape`, rows summing to 1 along axis 1 (0 for 1-D). */
const probsLike = (shape: number[], seed: number) => {
  const raw = tensor(Array.from({ length: shape.reduce((p, d) => p * d, 1) }, (_, i) => 0.5 + ((i * 7 + seed) % 5)), { dtype: 'float64', shape });
  return raw.div(raw.sum(shape.length === 1 ? 0 : 1, true));
};

/** The composed ops (statistics, activations, manipulation, einsum, attention, losses). */
const COMPOSED: Record<string, fc.Arbitrary<Case> | fc.Arbitrary<Case>[]> = {
  var: withShape({ minDims: 1, minSide: 2 }, (s) => fc.tuple(tensorArb(s), reducingAxisArb(s.length), fc.boolean(), fc.constantFrom(0, 1))).map(([x, axis, keep, c]) =>
    makeCase(`var(x, ${str(axis)}, { correction: ${c}, keepdims: ${keep} })`, (t) => t.var(axis, { correction: c, keepdims: keep }), [x]),
  ),
  std: withShape({ minDims: 1, minSide: 2 }, (s) => fc.tuple(tensorArb(s, { distinct: true, margin: 0.05 }), reducingAxisArb(s.length))).map(([x, axis]) =>
    makeCase(`std(x, ${str(axis)})`, (t) => tg.std(t, axis, { correction: 0 }), [x]),
  ),
  varMean: withShape({ minDims: 1, minSide: 2 }, (s) => fc.tuple(tensorArb(s), reducingAxisArb(s.length))).map(([x, axis]) =>
    makeCase(`varMean(x, ${str(axis)})`, (t) => joined(tg.varMean(t, axis, true)), [x]),
  ),
  stdMean: withShape({ minDims: 1, minSide: 2 }, (s) => fc.tuple(tensorArb(s, { distinct: true, margin: 0.05 }), reducingAxisArb(s.length))).map(([x, axis]) =>
    makeCase(`stdMean(x, ${str(axis)})`, (t) => joined(tg.stdMean(t, axis)), [x]),
  ),
  norm: fc.constantFrom<tg.NormOrder>(1, 2, 3, 0.5, -1, Infinity, -Infinity, 'fro').chain((p) =>
    // the infinity norms on positive values: distinct |x|, so no tie shares the gradient
    withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s, Math.abs(Number(p)) === Infinity ? { min: 0.1, max: 2, distinct: true } : { avoid: [0], margin: 0.1 }), axesArb(s.length))).map(([x, axis]) =>
      makeCase(`norm(x, ${String(p)}, ${str(axis)})`, (t) => t.norm(p, axis), [x]),
    ),
  ),
  silu: unary('silu', (x) => x.silu()),
  elu: fc.constantFrom(1, 0.5, 2).chain((a) => unary(`elu(x, ${a})`, (x) => x.elu(a), { avoid: [0] })),
  celu: fc.constantFrom(1, 0.5, 2).chain((a) => unary(`celu(x, ${a})`, (x) => x.celu(a), { avoid: [0] })),
  selu: unary('selu', (x) => x.selu(), { avoid: [0] }),
  hardtanh: unary('hardtanh(x, -1, 1.5)', (x) => x.hardtanh(-1, 1.5), { min: -3, max: 3, avoid: [-1, 1.5] }),
  relu6: unary('relu6', (x) => x.relu6(), { min: -2, max: 8, avoid: [0, 6] }),
  hardsigmoid: unary('hardsigmoid', (x) => x.hardsigmoid(), { min: -5, max: 5, avoid: [-3, 3] }),
  hardswish: unary('hardswish', (x) => x.hardswish(), { min: -5, max: 5, avoid: [-3, 3] }),
  logsigmoid: unary('logsigmoid', (x) => x.logsigmoid(), { min: -30, max: 30, avoid: [0] }),
  softsign: unary('softsign', (x) => x.softsign(), { avoid: [0] }),
  softmin: withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s), axisArb(s.length))).map(([x, axis]) => makeCase(`softmin(x, ${axis})`, (t) => t.softmin(axis), [x])),
  glu: withShape({ minDims: 1 }, (s) => axisArb(s.length).chain((axis) => {
    const a = axis < 0 ? axis + s.length : axis;
    return tensorArb(s.map((d, i) => (i === a ? 2 * d : d))).map((x) => makeCase(`glu(x, ${axis})`, (t) => t.glu(axis), [x]));
  })),
  gelu: [unary("gelu(x, { approximate: 'tanh' })", (x) => x.gelu({ approximate: 'tanh' })), unary('gelu(x)', (x) => tg.gelu(x))],
  split: withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s), axisArb(s.length))).map(([x, axis]) => {
    const n = x.shape[axis < 0 ? axis + x.ndim : axis];
    const sizes = n === 1 ? [1] : [1, n - 1];
    return makeCase(`split(x, ${str(sizes)}, ${axis})`, (t) => joined(t.split(sizes, axis)), [x]);
  }),
  chunk: withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s), axisArb(s.length), fc.integer({ min: 1, max: 3 }))).map(([x, axis, c]) =>
    makeCase(`chunk(x, ${c}, ${axis})`, (t) => joined(t.chunk(c, axis)), [x]),
  ),
  unflatten: withShape({ minDims: 1 }, (s) => tensorArb(s)).map((x) => makeCase('unflatten(x, 0, [1, -1])', (t) => t.unflatten(0, [1, -1]), [x])),
  flip: withShape({}, (s) => fc.tuple(tensorArb(s), axesArb(s.length))).map(([x, axis]) => makeCase(`flip(x, ${str(axis)})`, (t) => t.flip(axis), [x])),
  roll: withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s), fc.integer({ min: -4, max: 4 }), fc.option(axisArb(s.length), { nil: undefined }))).map(
    ([x, shift, axis]) => makeCase(`roll(x, ${shift}, ${str(axis)})`, (t) => t.roll(shift, axis), [x]),
  ),
  tile: withShape({}, (s) => fc.tuple(tensorArb(s), fc.array(fc.integer({ min: 1, max: 2 }), { maxLength: 3 }))).map(([x, reps]) =>
    makeCase(`tile(x, ${str(reps)})`, (t) => t.tile(reps), [x]),
  ),
  repeat: withShape({ maxDims: 2 }, (s) => fc.tuple(tensorArb(s), fc.array(fc.integer({ min: 1, max: 2 }), { minLength: s.length, maxLength: s.length + 1 }))).map(
    ([x, sizes]) => makeCase(`repeat(x, ${str(sizes)})`, (t) => t.repeat(sizes), [x]),
  ),
  repeatInterleave: withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s), axisArb(s.length), fc.integer({ min: 0, max: 2 }))).map(([x, axis, r]) =>
    makeCase(`repeatInterleave(x, ${r}, ${axis})`, (t) => t.repeatInterleave(r, axis), [x]),
  ),
  pad: fc.constantFrom<tg.PadMode>('constant', 'reflect', 'replicate', 'circular').chain((mode) =>
    withShape({ minDims: 1, minSide: 2 }, (s) => fc.tuple(tensorArb(s), fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 1 }))).map(([x, lo, hi]) =>
      makeCase(`pad(x, [${lo}, ${hi}], ${mode})`, (t) => t.pad([lo, hi], { mode }), [x]),
    ),
  ),
  tril: withShape({ minDims: 2 }, (s) => fc.tuple(tensorArb(s), fc.integer({ min: -2, max: 2 }))).map(([x, k]) => makeCase(`tril(x, ${k})`, (t) => t.tril(k), [x])),
  triu: withShape({ minDims: 2 }, (s) => fc.tuple(tensorArb(s), fc.integer({ min: -2, max: 2 }))).map(([x, k]) => makeCase(`triu(x, ${k})`, (t) => t.triu(k), [x])),
  diagonal: withShape({ minDims: 2 }, (s) => fc.tuple(tensorArb(s), fc.integer({ min: -1, max: 1 }))).map(([x, k]) =>
    makeCase(`diagonal(x, ${k}, -1, 0)`, (t) => t.diagonal(k, -1, 0), [x]),
  ),
  diag: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: -1, max: 1 })).chain(([nd, k]) =>
    tensorArb(nd === 1 ? [3] : [3, 2]).map((x) => makeCase(`diag(x of ${nd}-D, ${k})`, (t) => t.diag(k), [x])),
  ),
  trace: withShape({ minDims: 2, maxDims: 2 }, (s) => tensorArb(s)).map((x) => makeCase('trace', (t) => t.trace(), [x])),
  indexSelect: takeArb.filter(([, axis]) => axis !== undefined).chain(([shape, axis, idx]) =>
    tensorArb(shape).map((x) => makeCase(`indexSelect(x, ${axis}, ${str(idx)})`, (t) => t.indexSelect(axis!, idx), [x])),
  ),
  scatterAdd: gatherArb.chain(([shape, axis, index]) =>
    tensorsArb(fc.constant([shape, index.shape.slice()])).map((xs) =>
      makeCase(`scatterAdd(x, ${axis}, ${tensorSource(index)}, src)`, (t, s) => t.scatterAdd(axis, index, s), xs),
    ),
  ),
  scatter: withShape({ minDims: 1 }, (shape) => fc.tuple(fc.constant(shape), axisArb(shape.length))).chain(([shape, axis]) => {
    // distinct targets along the axis (which value lands on a repeated one is unspecified)
    const a = axis < 0 ? axis + shape.length : axis;
    const index = tg.arange(shape[a], undefined, 1, { dtype: 'int32' }).flip().reshape(shape.map((d, i) => (i === a ? d : 1))).broadcastTo(shape);
    return tensorsArb(fc.constant([shape, shape])).map((xs) => makeCase(`scatter(x, ${axis}, flipped positions, src)`, (t, s) => t.scatter(axis, index, s), xs));
  }),
  indexAdd: takeArb.filter(([, axis]) => axis !== undefined).chain(([shape, axis, idx]) => {
    const a = axis! < 0 ? axis! + shape.length : axis!;
    return tensorsArb(fc.constant([shape, shape.map((d, i) => (i === a ? idx.length : d))])).map((xs) =>
      makeCase(`indexAdd(x, ${axis}, ${str(idx)}, source, alpha 2)`, (t, s) => t.indexAdd(axis!, idx, s, { alpha: 2 }), xs),
    );
  }),
  maskedFill: tensorsArb(broadcastShapesArb(), [{}, { dtype: 'int32', min: 0, max: 1 }]).filter(([x, m]) => m.ndim <= x.ndim && m.shape.every((d, i) => d === 1 || d === x.shape[x.ndim - m.ndim + i])).map(([x, m]) =>
    makeCase(`maskedFill(x, ${tensorSource(m)}, -1)`, (t) => t.maskedFill(m, -1), [x]),
  ),
  maskedSelect: tensorsArb(broadcastShapesArb(), [{}, { dtype: 'int32', min: 0, max: 1 }]).map(([x, m]) =>
    makeCase(`maskedSelect(x, ${tensorSource(m)})`, (t) => t.maskedSelect(m), [x]),
  ),
  index: withShape({ minDims: 2 }, (s) =>
    fc.tuple(tensorArb(s), fc.array(fc.integer({ min: 0, max: s[0] - 1 }), { minLength: 1, maxLength: 3 }), fc.array(fc.integer({ min: -s[1], max: s[1] - 1 }), { minLength: 1, maxLength: 1 })),
  ).map(([x, rows, cols]) => makeCase(`index(x, [${str(rows)}, ${str(cols)}])`, (t) => t.index([rows, cols]), [x])),
  einsum: fc.constantFrom<[string, number[][]]>(
    ['ij,jk->ik', [[2, 3], [3, 2]]], ['bij,bjk->bik', [[2, 2, 3], [1, 3, 2]]], ['ii->i', [[3, 3]]], ['ij->', [[2, 3]]],
    ['i,j->ij', [[3], [2]]], ['...ij,...jk', [[2, 1, 3], [3, 2]]], ['ij,jk,kl->il', [[2, 3], [3, 2], [2, 2]]], ['iij->j', [[2, 2, 3]]],
  ).chain(([spec, shapes]) => tensorsArb(fc.constant(shapes)).map((xs) => makeCase(`einsum('${spec}')`, (...ts) => tg.einsum(spec, ...ts), xs))),
  // the normalizations on distinct values, so no group has a zero variance (eps 1e-5 keeps it finite anyway)
  layerNorm: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 2, max: 3 })).chain(([n, d]) =>
    tensorsArb(fc.constant([[n, d], [d], [d]]), { distinct: true, margin: 0.1 }).map((xs) =>
      makeCase(`layerNorm([${n}, ${d}], ${d}, { weight, bias })`, (x, w, b) => tg.layerNorm(x, d, { weight: w, bias: b }), xs),
    ),
  ),
  groupNorm: fc.constantFrom(1, 2).chain((groups) =>
    tensorsArb(fc.constant([[1, 2, 2], [2], [2]]), { distinct: true, margin: 0.1 }).map((xs) =>
      makeCase(`groupNorm([1, 2, 2], ${groups}, { weight, bias })`, (x, w, b) => tg.groupNorm(x, groups, { weight: w, bias: b }), xs),
    ),
  ),
  batchNorm: fc.boolean().chain((training) =>
    tensorsArb(fc.constant([[3, 2], [2], [2]]), { distinct: true, margin: 0.1 }).map((xs) => {
      const stats = () => [tensor([0.5, -1], { dtype: 'float64' }), tensor([2, 0.5], { dtype: 'float64' })] as const;
      return makeCase(`batchNorm([3, 2], { training: ${training} })`, (x, w, b) => tg.batchNorm(x, ...stats(), { weight: w, bias: b, training }), xs);
    }),
  ),
  // the padding row (3, never indexed here) gets no gradient by design; ops_torch checks that against PyTorch
  embedding: fc.constantFrom(null, 3).chain((paddingIdx) =>
    tensorArb([4, 2]).map((w) =>
      makeCase(`embedding([[0, 2], [2, 1]], w, { paddingIdx: ${paddingIdx} })`, (t) => tg.embedding(tensor([[0, 2], [2, 1]], { dtype: 'int32' }), t, { paddingIdx }), [w]),
    ),
  ),
  scaledDotProductAttention: fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).chain(([causal, L, S]) =>
    tensorsArb(fc.constant([[2, L, 2], [2, S, 2], [1, S, 3]])).map((xs) =>
      makeCase(`scaledDotProductAttention(q, k, v, { isCausal: ${causal} })`, (q, k, v) => tg.scaledDotProductAttention(q, k, v, { isCausal: causal && L <= S }), xs),
    ),
  ),
  nllLoss: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 4 })).chain(([n, c]) =>
    fc.tuple(tensorArb([n, c]), fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n })).map(([x, t]) =>
      makeCase(`nllLoss(x, ${str(t)})`, (v) => tg.nllLoss(v, tensor(t, { dtype: 'int32' }), { weight: tg.linspace(0.5, 1.5, c, { dtype: 'float64' }) }), [x]),
    ),
  ),
  crossEntropy: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 4 }), fc.boolean()).chain(([n, c, probs]) =>
    fc.tuple(tensorArb([n, c, 2]), fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: 2 * n, maxLength: 2 * n })).map(([x, t]) => {
      const target = probs ? probsLike([n, c, 2], t[0]) : tensor(t, { dtype: 'int32', shape: [n, 2] });
      return makeCase(`crossEntropy(x [${n}, ${c}, 2], ${probs ? 'probabilities' : str(t)}, labelSmoothing 0.1)`, (v) => tg.crossEntropy(v, target, { labelSmoothing: 0.1 }), [x]);
    }),
  ),
  binaryCrossEntropyWithLogits: withShape({}, (s) => tensorsArb(fc.constant([s, s]), [{ min: -4, max: 4 }, { min: 0, max: 1 }])).map((xs) =>
    makeCase('binaryCrossEntropyWithLogits(x, t, { posWeight: 2 })', (x, t) => tg.binaryCrossEntropyWithLogits(x, t, { posWeight: tensor(2, { dtype: 'float64' }) }), xs),
  ),
  huberLoss: withShape({}, (s) => tensorsArb(fc.constant([s, s]))).filter(([a, b]) => noGrad(() => sub(a, b).abs().sub(0.7).abs().data.every((d) => d > 0.01))).map((xs) =>
    makeCase('huberLoss(x, y, { delta: 0.7 })', (a, b) => tg.huberLoss(a, b, { delta: 0.7 }), xs),
  ),
  smoothL1Loss: withShape({}, (s) => tensorsArb(fc.constant([s, s]))).filter(([a, b]) => noGrad(() => sub(a, b).abs().sub(0.5).abs().data.every((d) => d > 0.01))).map((xs) =>
    makeCase('smoothL1Loss(x, y, { beta: 0.5 })', (a, b) => tg.smoothL1Loss(a, b, { beta: 0.5 }), xs),
  ),
  klDiv: withShape({ minDims: 1 }, (s) => tensorsArb(fc.constant([s, s]), [{}, { min: 0.05, max: 1 }])).map((xs) =>
    makeCase("klDiv(logp, p, 'batchmean')", (a, b) => tg.klDiv(a, b, { reduction: 'batchmean' }), xs),
  ),
};

/** Elementwise math (ops/math.ts), the activations built on it, and the products, scans and orderings (ops/scan.ts). */
const MATH: Record<string, fc.Arbitrary<Case> | fc.Arbitrary<Case>[]> = {
  sin: unary('sin', (x) => x.sin()),
  cos: unary('cos', (x) => tg.cos(x)),
  tan: unary('tan', (x) => x.tan(), { min: -1.2, max: 1.2 }),
  asin: unary('asin', (x) => x.asin(), { min: -0.9, max: 0.9 }),
  acos: unary('acos', (x) => x.acos(), { min: -0.9, max: 0.9 }),
  atan: unary('atan', (x) => x.atan()),
  sinh: unary('sinh', (x) => x.sinh()),
  cosh: unary('cosh', (x) => x.cosh()),
  asinh: unary('asinh', (x) => x.asinh()),
  acosh: unary('acosh', (x) => x.acosh(), { min: 1.2, max: 3 }),
  atanh: unary('atanh', (x) => x.atanh(), { min: -0.9, max: 0.9 }),
  exp2: unary('exp2', (x) => x.exp2()),
  expm1: unary('expm1', (x) => x.expm1()),
  log2: unary('log2', (x) => x.log2(), { min: 0.1, max: 3 }),
  log10: unary('log10', (x) => x.log10(), { min: 0.1, max: 3 }),
  log1p: unary('log1p', (x) => x.log1p(), { min: -0.5, max: 3 }),
  rsqrt: unary('rsqrt', (x) => x.rsqrt(), { min: 0.1, max: 3 }),
  square: unary('square', (x) => x.square()),
  reciprocal: unary('reciprocal', (x) => x.reciprocal(), { avoid: [0], margin: 0.25 }),
  erf: unary('erf', (x) => x.erf()),
  erfc: unary('erfc', (x) => x.erfc()),
  erfinv: unary('erfinv', (x) => x.erfinv(), { min: -0.9, max: 0.9 }),
  frac: unary('frac', (x) => x.frac(), { min: -2.9, max: 2.9, avoid: [-2, -1, 0, 1, 2] }),
  nanToNum: unary('nanToNum', (x) => x.nanToNum()),
  atan2: binary('atan2', (a, b) => tg.atan2(a, b), [{ avoid: [0], margin: 0.1 }, { avoid: [0], margin: 0.25 }]), // a = 0 with b < 0 is the branch cut
  // a / b in (1.14, 1.9): away from the jumps of trunc and floor, so b's gradient (-1 here) is checked too
  fmod: binary('fmod', (a, b) => tg.fmod(a, b), [{ min: 1.2, max: 1.8 }, { min: 0.95, max: 1.05 }]),
  remainder: binary('remainder', (a, b) => a.remainder(b), [{ min: 1.2, max: 1.8 }, { min: 0.95, max: 1.05 }]),
  hypot: binary('hypot', (a, b) => a.hypot(b), [{ avoid: [0], margin: 0.25 }, {}]),
  copysign: binary('copysign', (a, b) => a.copysign(b), [{ avoid: [0], margin: 0.1 }, { avoid: [0], margin: 0.1 }]),
  logaddexp: [
    binary('logaddexp', (a, b) => tg.logaddexp(a, b)),
    // equal operands: the curvature there (1/4) must survive, second order too
    tensorArb(shapeArb()).map((x) => makeCase('logaddexp(x, x)', (a, b) => tg.logaddexp(a, b), [x, x.detach().clone().requiresGrad_()])),
  ],
  lerp: tensorsArb(broadcastShapesArb({ count: 3 })).map((xs) => makeCase('lerp(start, end, weight)', (a, b, w) => tg.lerp(a, b, w), xs)),
  softplus: [
    unary('softplus', (x) => x.softplus()),
    unary('softplus(x, 2, 1)', (x) => x.softplus(2, 1), { avoid: [0.5], margin: 0.05 }),
  ],
  mish: unary('mish', (x) => x.mish()),
  // products, scans and orderings (ops/scan.ts)
  prod: [
    reduction('prod', (x, axis, keep) => tg.prod(x, axis, keep)),
    // zeros: the gradient is the product of the others, the second derivative too
    withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s), axisArb(s.length), fc.nat(9))).map(([x, axis, at]) => {
      const z = x.detach().clone();
      z.data[at % z.size] = 0;
      return makeCase(`prod(x with a zero, ${axis})`, (t) => t.prod(axis), [z.requiresGrad_()]);
    }),
  ],
  cumsum: withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s), fc.option(axisArb(s.length), { nil: undefined }))).map(([x, axis]) =>
    makeCase(`cumsum(x, ${str(axis)})`, (t) => t.cumsum(axis), [x]),
  ),
  cumprod: [
    withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s, { avoid: [0], margin: 0.1 }), axisArb(s.length))).map(([x, axis]) =>
      makeCase(`cumprod(x, ${axis})`, (t) => t.cumprod(axis), [x]),
    ),
    withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s), axisArb(s.length), fc.nat(9))).map(([x, axis, at]) => {
      const z = x.detach().clone();
      z.data[at % z.size] = 0;
      return makeCase(`cumprod(x with a zero, ${axis})`, (t) => tg.cumprod(t, axis), [z.requiresGrad_()]);
    }),
  ],
  logcumsumexp: withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s), axisArb(s.length))).map(([x, axis]) =>
    makeCase(`logcumsumexp(x, ${axis})`, (t) => t.logcumsumexp(axis), [x]),
  ),
  cummax: withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s, { distinct: true }), axisArb(s.length))).map(([x, axis]) =>
    makeCase(`cummax(x, ${axis})`, (t) => t.cummax(axis)[0], [x]),
  ),
  cummin: withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s, { distinct: true }), axisArb(s.length))).map(([x, axis]) =>
    makeCase(`cummin(x, ${axis})`, (t) => tg.cummin(t, axis)[0], [x]),
  ),
  sort: withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s, { distinct: true }), axisArb(s.length), fc.boolean())).map(([x, axis, d]) =>
    makeCase(`sort(x, ${axis}, { descending: ${d} })`, (t) => t.sort(axis, { descending: d })[0], [x]),
  ),
  topk: withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s, { distinct: true }), axisArb(s.length), fc.boolean())).map(([x, axis, largest]) => {
    const k = Math.min(2, x.shape[axis < 0 ? axis + x.ndim : axis]);
    return makeCase(`topk(x, ${k}, ${axis}, { largest: ${largest} })`, (t) => t.topk(k, axis, { largest })[0], [x]);
  }),
  median: withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s, { distinct: true }), fc.option(axisArb(s.length), { nil: undefined }))).map(([x, axis]) =>
    makeCase(`median(x, ${str(axis)})`, (t) => (axis === undefined ? t.median() : t.median(axis)[0]), [x]),
  ),
};

/** Convolutions, pools, unfold and fold (ops/conv.ts) over small drawn geometries. */
const win = fc.record({
  k: fc.integer({ min: 1, max: 2 }), stride: fc.integer({ min: 1, max: 2 }), padding: fc.integer({ min: 0, max: 1 }),
  dilation: fc.integer({ min: 1, max: 2 }), h: fc.integer({ min: 3, max: 4 }), w: fc.integer({ min: 3, max: 4 }), c: fc.integer({ min: 1, max: 2 }),
});
const convArb = (dims: 1 | 2) =>
  fc.tuple(win, fc.integer({ min: 1, max: 2 }), fc.boolean(), fc.boolean(), fc.boolean()).chain(([g, outPerGroup, grouped, bias, same]) => {
    const groups = grouped ? g.c : 1;
    const o = { stride: same ? 1 : g.stride, padding: same ? ('same' as const) : g.padding, dilation: g.dilation, groups };
    const spatial = dims === 1 ? [g.w] : [g.h, g.w];
    const kernel = dims === 1 ? [g.k] : [g.k, g.k];
    const shapes = [[1, g.c, ...spatial], [groups * outPerGroup, g.c / groups, ...kernel], ...(bias ? [[groups * outPerGroup]] : [])];
    const f = dims === 1 ? (x: Tensor, w: Tensor, b?: Tensor) => tg.conv1d(x, w, b, o) : (x: Tensor, w: Tensor, b?: Tensor) => tg.conv2d(x, w, b, o);
    return tensorsArb(fc.constant(shapes)).map((xs) => makeCase(`conv${dims}d(x, w, ${bias ? 'b' : 'null'}, ${str(o)})`, f, xs));
  });
const poolArb = (name: string, pool: (x: Tensor, o: { k: number; stride: number; padding: number; dilation: number; ceil: boolean }) => Tensor, dims: 1 | 2) =>
  fc.tuple(win, fc.boolean()).chain(([g, ceil]) => {
    const o = { ...g, k: g.k + 1, dilation: g.k === 1 ? g.dilation : 1, ceil }; // spans at most 3, the smallest side
    const shape = dims === 1 ? [1, g.c, g.w] : [1, g.c, g.h, g.w];
    return tensorArb(shape, { distinct: true }).map((x) => makeCase(`${name}(x, ${str(o)})`, (t) => pool(t, o), [x]));
  });
const CONV: Record<string, fc.Arbitrary<Case>> = {
  unfold: win.chain((g) => {
    const o = { stride: g.stride, padding: g.padding, dilation: g.dilation };
    return tensorArb([1, g.c, g.h, g.w]).map((x) => makeCase(`unfold(x, ${g.k}, ${str(o)})`, (t) => tg.unfold(t, g.k, o), [x]));
  }),
  fold: win.chain((g) => {
    const o = { stride: g.stride, padding: g.padding, dilation: g.dilation };
    const cols = tg.unfold(zeros([1, g.c, g.h, g.w]), g.k, o).shape.slice();
    return tensorArb(cols).map((x) => makeCase(`fold(x, ${str([g.h, g.w])}, ${g.k}, ${str(o)})`, (t) => tg.fold(t, [g.h, g.w], g.k, o), [x]));
  }),
  conv2d: convArb(2),
  conv1d: convArb(1),
  convTranspose2d: fc.tuple(win, fc.integer({ min: 1, max: 2 }), fc.boolean()).chain(([g, outPerGroup, grouped]) => {
    const groups = grouped ? g.c : 1;
    const o = { stride: g.stride, dilation: g.dilation, groups, outputPadding: g.stride - 1 };
    return tensorsArb(fc.constant([[1, g.c, 2, 2], [g.c, outPerGroup, g.k, g.k], [groups * outPerGroup]])).map((xs) =>
      makeCase(`convTranspose2d(x, w, b, ${str(o)})`, (x, w, b) => tg.convTranspose2d(x, w, b, o), xs),
    );
  }),
  maxPool2d: poolArb('maxPool2d', (x, o) => tg.maxPool2d(x, o.k, { stride: o.stride, padding: o.padding, dilation: o.dilation, ceilMode: o.ceil }), 2),
  maxPool1d: poolArb('maxPool1d', (x, o) => tg.maxPool1d(x, o.k, { stride: o.stride, padding: o.padding, ceilMode: o.ceil }), 1),
  avgPool2d: poolArb('avgPool2d', (x, o) => tg.avgPool2d(x, o.k, { stride: o.stride, padding: o.padding, ceilMode: o.ceil, countIncludePad: o.dilation === 1 }), 2),
  avgPool1d: poolArb('avgPool1d', (x, o) => tg.avgPool1d(x, o.k, { stride: o.stride, padding: o.padding, ceilMode: o.ceil }), 1),
  adaptiveAvgPool2d: fc.tuple(win, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).chain(([g, oh, ow]) =>
    tensorArb([1, g.c, g.h, g.w]).map((x) => makeCase(`adaptiveAvgPool2d(x, ${str([oh, ow])})`, (t) => tg.adaptiveAvgPool2d(t, [oh, ow]), [x])),
  ),
};

const POW_SCALAR_EXPONENTS = [0, 1, 2, 3, -1, -2, 0.5, 1.5, -0.5, 2.5];

/**
 * Every differentiable built-in op and how to check it. A list gives several checks for one op
 * (variants that take other code paths).
 */
const PROPERTIES: Record<string, fc.Arbitrary<Case> | fc.Arbitrary<Case>[]> = {
  astype: [
    unary("astype('float64')", (x) => x.astype('float64')),
    // a float32 detour keeps 7 digits: a wider step keeps the central difference above that rounding
    tensorArb(shapeArb()).map((x) =>
      makeCase("astype('float32').astype('float64')", (t) => t.astype('float32').astype('float64'), [x], { eps: 1e-2 }),
    ),
  ],
  clone: unary('clone', (x) => x.clone().mul(x)),
  reshape: withShape({}, (s) => fc.tuple(tensorArb(s), fc.nat(3), fc.nat(s.length))).map(([x, kind, at]) => {
    const s = x.shape;
    const targets = [[x.size], [...s].reverse(), [...s.slice(0, at), 1, ...s.slice(at)], s.length > 0 ? [-1, s[s.length - 1]] : [-1]];
    const target = targets[kind];
    return makeCase(`reshape(x, ${str(target)})`, (t) => t.reshape(target), [x]);
  }),
  broadcastTo: broadcastShapesArb().chain(([a, b]) => {
    const target = broadcastShape(a, b);
    return tensorArb(a).map((x) => makeCase(`broadcastTo(x, ${str(target)})`, (t) => t.broadcastTo(target), [x]));
  }),
  transpose: withShape({ maxSide: 4 }, (s) =>
    fc.tuple(tensorArb(s), fc.option(fc.shuffledSubarray(range(s.length), { minLength: s.length, maxLength: s.length }), { nil: undefined })),
  ).map(([x, perm]) => makeCase(`transpose(x, ${str(perm)})`, (t) => t.transpose(perm), [x])),
  slice: sliceArb.chain(({ shape, specs }) =>
    tensorArb(shape).map((x) => makeCase(`slice(x, ${str(specs)})`, (t) => slice(t, specs), [x])),
  ),
  sliceBackward: sliceArb.chain(({ shape, specs }) => {
    const outShape = slice(zeros(shape), specs).shape.slice();
    return tensorArb(outShape).map((g) =>
      makeCase(`backward of slice(x of ${str(shape)}, ${str(specs)})`, backwardOf((t) => slice(t, specs), shape), [g]),
    );
  }),
  concat: concatArb,
  gather: gatherArb.chain(([shape, axis, index]) =>
    tensorArb(shape).map((x) => makeCase(`gather(x, index ${tensorSource(index)}, ${axis})`, (t) => gather(t, index, axis), [x])),
  ),
  gatherBackward: gatherArb.chain(([shape, axis, index]) =>
    tensorArb(index.shape.slice()).map((g) =>
      makeCase(`backward of gather(x of ${str(shape)}, index ${tensorSource(index)}, ${axis})`, backwardOf((t) => gather(t, index, axis), shape), [g]),
    ),
  ),
  take: takeArb.chain(([shape, axis, idx]) =>
    tensorArb(shape).map((x) => makeCase(`take(x, ${str(idx)}, ${str(axis)})`, (t) => take(t, idx, axis), [x])),
  ),
  takeBackward: takeArb.chain(([shape, axis, idx]) => {
    const outShape = take(zeros(shape), idx, axis).shape.slice();
    return tensorArb(outShape).map((g) =>
      makeCase(`backward of take(x of ${str(shape)}, ${str(idx)}, ${str(axis)})`, backwardOf((t) => take(t, idx, axis), shape), [g]),
    );
  }),
  pick: fc
    .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
    .chain(([n, c]) => fc.tuple(tensorArb([n, c]), fc.array(fc.nat(c - 1), { minLength: n, maxLength: n })))
    .map(([x, labels]) => makeCase(`pick(x, ${str(labels)})`, (t) => pick(t, labels), [x])),

  exp: unary('exp', (x) => x.exp()),
  log: unary('log', (x) => x.log(), { min: 0.1, max: 3 }),
  sqrt: unary('sqrt', (x) => x.sqrt(), { min: 0.1, max: 3 }),
  abs: unary('abs', (x) => x.abs(), { avoid: [0] }),
  relu: unary('relu', (x) => x.relu(), { avoid: [0] }),
  sigmoid: unary('sigmoid', (x) => x.sigmoid(), { min: -5, max: 5 }),
  tanh: unary('tanh', (x) => x.tanh(), { min: -3, max: 3 }),
  neg: unary('neg', (x) => x.neg()),
  leakyRelu: [
    unary('leakyRelu(x)', (x) => x.leakyRelu(), { avoid: [0] }),
    fc.tuple(tensorArb(shapeArb(), { avoid: [0] }), fc.double({ min: -1, max: 2, noNaN: true })).map(([x, slope]) =>
      makeCase(`leakyRelu(x, ${slope})`, (t) => t.leakyRelu(slope), [x]),
    ),
  ],
  clip: fc
    .tuple(fc.double({ min: -1.5, max: 0.5, noNaN: true }), fc.double({ min: 0.1, max: 2, noNaN: true }))
    .chain(([lo, width]) => tensorArb(shapeArb(), { avoid: [lo, lo + width] }).map((x) => makeCase(`clip(x, ${lo}, ${lo + width})`, (t) => t.clip(lo, lo + width), [x]))),
  powScalar: fc.constantFrom(...POW_SCALAR_EXPONENTS).chain((p) => {
    const opts = Number.isInteger(p) ? (p < 0 ? { avoid: [0], margin: 0.2 } : {}) : { min: 0.1, max: 3 };
    return unary(`pow(x, ${p})`, (x) => x.pow(p), opts);
  }),

  add: binary('add', (a, b) => add(a, b)),
  sub: binary('sub', (a, b) => sub(a, b)),
  mul: [
    binary('mul', (a, b) => mul(a, b)),
    // a float32 constant operand: promotion to float64 in the forward, and its gradient path skipped
    binary('mul with a float32 constant', (a, b) => mul(a, b), [{}, { dtype: 'float32', requiresGrad: false }]),
    tensorArb(shapeArb()).chain((x) => fc.double({ min: -3, max: 3, noNaN: true }).map((k) => makeCase(`mul(x, ${k})`, (t) => mul(t, k), [x]))),
  ],
  div: binary('div', (a, b) => div(a, b), [{}, { avoid: [0], margin: 0.25 }]),
  pow: binary('pow', (a, b) => pow(a, b), [{ min: 0.25, max: 2 }, {}]),
  maximum: untiedPair('maximum', (a, b) => maximum(a, b)),
  minimum: untiedPair('minimum', (a, b) => minimum(a, b)),
  where: tensorsArb(broadcastShapesArb({ count: 3 }), [{ dtype: 'int32', min: 0, max: 1 }, {}, {}]).map((xs) =>
    makeCase(`where(cond ${tensorSource(xs[0])}, a, b)`, (c, a, b) => where(c, a, b), xs),
  ),

  sum: reduction('sum', (x, axis, keep) => sum(x, axis, keep)),
  mean: reduction('mean', (x, axis, keep) => mean(x, axis, keep)),
  max: reduction('max', (x, axis, keep) => max(x, axis, keep), { distinct: true }),
  min: reduction('min', (x, axis, keep) => min(x, axis, keep), { distinct: true }),
  logsumexp: reduction('logsumexp', (x, axis, keep) => logsumexp(x, axis, keep), { min: -3, max: 3 }),
  softmax: withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s, { min: -3, max: 3 }), axisArb(s.length))).map(([x, axis]) =>
    makeCase(`softmax(x, ${axis})`, (t) => softmax(t, axis), [x]),
  ),
  logSoftmax: withShape({ minDims: 1 }, (s) => fc.tuple(tensorArb(s, { min: -3, max: 3 }), axisArb(s.length))).map(([x, axis]) =>
    makeCase(`logSoftmax(x, ${axis})`, (t) => logSoftmax(t, axis), [x]),
  ),
  matmul: matmulArb,
  linear: linearArb,
  reluBackward: reluBackwardArb,
  ...COMPOSED,
  ...MATH,
  ...CONV,
};

/** Ops whose gradients are themselves checked (gradgradcheck): every op whose backward is built from ops. */
const SECOND_ORDER = [
  'exp', 'log', 'sqrt', 'sigmoid', 'tanh', 'neg', 'abs', 'relu', 'leakyRelu', 'clip', 'powScalar',
  'add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'where',
  'matmul', 'linear', 'reluBackward', 'softmax', 'logSoftmax', 'logsumexp', 'sum', 'mean', 'max', 'min',
  'reshape', 'transpose', 'broadcastTo', 'slice', 'sliceBackward', 'concat', 'gather', 'gatherBackward',
  'take', 'takeBackward', 'pick', 'astype', 'clone',
  'var', 'std', 'varMean', 'stdMean', 'norm', 'silu', 'elu', 'celu', 'selu', 'logsigmoid', 'softsign', 'softmin', 'glu', 'gelu',
  'split', 'chunk', 'flip', 'roll', 'tile', 'repeatInterleave', 'pad', 'tril', 'diagonal', 'diag', 'trace', 'scatterAdd', 'scatter',
  'indexAdd', 'maskedFill', 'maskedSelect', 'index', 'einsum', 'scaledDotProductAttention', 'nllLoss', 'crossEntropy',
  'binaryCrossEntropyWithLogits', 'huberLoss', 'smoothL1Loss', 'klDiv', 'logcumsumexp',
  'layerNorm', 'groupNorm', 'batchNorm', 'embedding',
  ...Object.keys(MATH),
  ...Object.keys(CONV),
];

const variants = (name: string) => {
  const p = PROPERTIES[name];
  return Array.isArray(p) ? p : [p];
};

describe('gradcheck of every differentiable op', () => {
  it('has a property for every differentiable built-in op in listOps()', () => {
    const builtIn = listOps().filter((op) => op.differentiable && !op.custom).map((op) => op.name);
    const missing = builtIn.filter((name) => !(name in PROPERTIES));
    expect(missing, `differentiable ops without a gradient property: ${missing.join(', ')}`).toEqual([]);
    const unknown = Object.keys(PROPERTIES).filter((name) => !builtIn.includes(name));
    expect(unknown, `properties for names that are not differentiable built-in ops: ${unknown.join(', ')}`).toEqual([]);
  });

  for (const name of Object.keys(PROPERTIES)) {
    it(name, () => {
      for (const arb of variants(name)) {
        fc.assert(
          fc.property(arb, (c) => void gradcheck(c.f, c.inputs, c.options)),
          { numRuns: NUM_RUNS, includeErrorInReport: true },
        );
      }
    }, TIMEOUT);
  }

  it('the backward ops are the ones the backward properties exercise', () => {
    const g = (shape: number[]) => tensor(new Float64Array(shape.reduce((p, d) => p * d, 1)).fill(1), { shape, requiresGrad: true });
    expect(backwardOf((t) => slice(t, [[0, 2]]), [3])(g([2])).node?.op).toBe('sliceBackward');
    expect(backwardOf((t) => gather(t, tensor([[1, 0]], { dtype: 'int32' }), 1), [1, 2])(g([1, 2])).node?.op).toBe('gatherBackward');
    expect(backwardOf((t) => take(t, [1, 1], 0), [3])(g([2])).node?.op).toBe('takeBackward');
    expect(backwardOf((t) => t.relu(), [2])(g([2])).node?.op).toBe('reluBackward');
  });
});

describe('gradgradcheck (second order)', () => {
  it('covers only ops that have a first-order property', () => {
    expect(SECOND_ORDER.filter((name) => !(name in PROPERTIES))).toEqual([]);
  });

  for (const name of SECOND_ORDER) {
    it(name, () => {
      for (const arb of variants(name)) {
        fc.assert(
          fc.property(arb, (c) => void gradgradcheck(c.f, c.inputs, c.options)),
          { numRuns: NUM_RUNS_SECOND_ORDER, includeErrorInReport: true },
        );
      }
    }, TIMEOUT);
  }
});

describe('gradients keep the precision of their dtype', () => {
  // gradcheck's tolerance cannot see a float32 constant inside a float64 backward; these values are exact
  it("leakyRelu's slope", () => {
    const x = tensor([-1, 2], { dtype: 'float64', requiresGrad: true });
    x.leakyRelu(0.1).sum().backward();
    expect(Array.from(x.grad!.data)).toEqual([0.1, 1]);
  });

  it('max and min split a tie evenly', () => {
    const x = tensor([1, 3, 3, 3], { dtype: 'float64', requiresGrad: true });
    x.max().backward();
    expect(Array.from(x.grad!.data)).toEqual([0, 1 / 3, 1 / 3, 1 / 3]);
    const y = tensor([[0.1, 0.1, 0.1, 2]], { dtype: 'float64', requiresGrad: true });
    y.min(1).sum().backward();
    expect(Array.from(y.grad!.data)).toEqual([1 / 3, 1 / 3, 1 / 3, 0]);
  });
});

describe('gradcheck itself', () => {
  const f64 = (data: number[] | number[][], requiresGrad = true) => tensor(data, { dtype: 'float64', requiresGrad });

  it('refuses float32 inputs with a DTypeError that says why', () => {
    const x = tensor([1, 2], { dtype: 'float32', requiresGrad: true });
    for (const check of [gradcheck, gradgradcheck]) {
      expect(() => check((t) => t.mul(t), [x])).toThrow(DTypeError);
      expect(() => check((t) => t.mul(t), [x])).toThrow(/input 0 is float32.*float64.*too few digits.*astype\('float64'\)/);
    }
    // a float32 input that does not require grad is a constant, not checked
    expect(gradcheck((a, b) => a.mul(b.astype('float64')), [f64([1, 2]), tensor([3, 4], { dtype: 'float32' })]).ok).toBe(true);
  });

  it('reports ok, the largest errors and the worst element for a wrong custom op', () => {
    let projection: number[] = [];
    // d(x*y)/dx is y and d/dy is x; this backward gets x's right and gives y 3x instead of x
    const wrong = customOp({
      name: 'gradcheckTestWrongMul',
      forward: (ctx, x, y) => (ctx.save(x, y), x.mul(y)),
      backward: (ctx, g) => {
        projection = Array.from(g.data);
        const [x, y] = ctx.saved;
        return [g.mul(y), g.mul(x).mul(3)];
      },
    });
    const x = f64([[1, -2, 0.5], [3, 0.25, -1]]);
    const y = f64([[2, 1, -1], [0.5, -3, 4]]);
    const report = gradcheck((a, b) => wrong(a, b), [x, y], { raiseException: false });
    // input 1's analytic gradient is 3 v x where the true one is v x: errors 2|v x|, relative error 2
    const errors = projection.map((v, k) => 2 * Math.abs(v * x.data[k]));
    const k = errors.indexOf(Math.max(...errors));
    expect(report.ok).toBe(false);
    expect(report.maxAbsError).toBeCloseTo(Math.max(...errors), 6);
    expect(report.maxRelError).toBeCloseTo(2, 6);
    expect(report.worst!.input).toBe(1);
    expect(report.worst!.index).toEqual([Math.floor(k / 3), k % 3]);
    expect(report.worst!.analytic).toBeCloseTo(3 * projection[k] * x.data[k], 10);
    expect(report.worst!.numeric).toBeCloseTo(projection[k] * x.data[k], 6);
    // raising (the default) carries the same report, and the message names input, element and both values
    try {
      gradcheck((a, b) => wrong(a, b), [x, y]);
      expect.unreachable('gradcheck should have thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(GradcheckError);
      expect((e as GradcheckError).report).toEqual(report);
      expect((e as Error).message).toMatch(new RegExp(`input 1 at index \\[${Math.floor(k / 3)}, ${k % 3}\\]: analytic .*, numeric `));
    }
    // the same op checked only through x (y a constant) passes
    const xOnly = gradcheck((a) => wrong(a, y.detach()), [x]);
    expect(xOnly.ok).toBe(true);
    expect(xOnly.worst!.input).toBe(0);
    expect(xOnly.maxAbsError).toBeLessThan(1e-8);
  });

  it('gradgradcheck catches a backward whose own gradient is wrong', () => {
    // first order right (g * 2x), but written through a detached x: its derivative in x is lost
    const square = customOp({
      name: 'gradcheckTestDetachedSquare',
      forward: (ctx, x) => (ctx.save(x), x.mul(x)),
      backward: (ctx, g) => g.mul(ctx.saved[0].detach().mul(2)),
    });
    const x = f64([0.5, -1.5, 2]);
    expect(gradcheck((t) => square(t), [x]).ok).toBe(true);
    const report = gradgradcheck((t) => square(t), [x], { raiseException: false });
    expect(report.ok).toBe(false);
    expect(report.worst!.analytic).toBe(0);
    expect(() => gradgradcheck((t) => square(t), [x])).toThrow(/gradgradcheck: analytic and numeric gradients differ for input 0/);
  });

  it('a failing property over a wrong op shrinks to one element and prints it readably', () => {
    // right below 1, wrong (by g) above: the smallest failing case is one value just above 1
    const wrongAbove1 = customOp({
      name: 'gradcheckTestWrongAbove1',
      forward: (ctx, x) => (ctx.save(x), x.mul(x)),
      backward: (ctx, g) => g.mul(ctx.saved[0].mul(2)).add(g.mul(gt(ctx.saved[0], 1))),
    });
    const failingSizes: number[] = [];
    const property = fc.property(tensorArb(shapeArb({ maxDims: 3, maxSide: 4 })), (x) => {
      try {
        gradcheck((t) => wrongAbove1(t), [x]);
      } catch (e) {
        failingSizes.push(x.size);
        throw e;
      }
    });
    const details = fc.check(property, { seed: 7, numRuns: 100, includeErrorInReport: true });
    expect(details.failed).toBe(true);
    expect(failingSizes[0]).toBeGreaterThan(1); // the first failure was a bigger tensor
    const [x] = details.counterexample!;
    expect(x.size).toBe(1);
    expect(x.data[0]).toBeGreaterThan(1);
    expect(x.data[0]).toBeLessThan(1.01);
    const message = fc.defaultReportMessage(details)!;
    const shown = message.split('\n').find((line) => line.startsWith('Counterexample'))!;
    expect(shown).toBe(`Counterexample: [${tensorSource(x)}]`);
    expect(shown).toMatch(/^Counterexample: \[tensor\(\[*1\.0\d*\]*, \{ shape: \[(1(, 1)*)?\], dtype: 'float64', requiresGrad: true \}\)\]$/);
    expect(message).toMatch(/GradcheckError: gradcheck: analytic and numeric gradients differ for input 0/);
  });

  it('gradcheckProperty checks a drawn op and reports a GradcheckError on failure', () => {
    fc.assert(gradcheckProperty(tensorsArb(broadcastShapesArb()), (a, b) => a.mul(b).exp()), { numRuns: 20 });
    fc.assert(gradcheckProperty(tensorArb(shapeArb()), (x) => x.tanh(), { order: 2 }), { numRuns: 10 });
    const wrong = customOp({
      name: 'gradcheckTestWrongDouble',
      forward: (ctx, x) => x.mul(2),
      backward: (ctx, g) => g.mul(3),
    });
    expect(() => fc.assert(gradcheckProperty(tensorArb([2]), (x) => wrong(x)), { seed: 1 })).toThrow(/Counterexample: \[tensor\(\[/);
  });
});

describe('@tensorgrad/core/testing arbitraries', () => {
  it('broadcastShapesArb draws shapes numpy broadcasting accepts, with size-1 and missing leading dims', () => {
    let sawOne = false, sawMissing = false;
    fc.assert(
      fc.property(broadcastShapesArb({ count: 3, maxDims: 4, maxSide: 3 }), (shapes) => {
        expect(shapes).toHaveLength(3);
        const out = broadcastShape(...shapes);
        const [a, b, c] = shapes.map((s) => zeros(s, { dtype: 'float64' }));
        expect(where(a, b, c).shape).toEqual(out); // core's own broadcasting agrees
        if (shapes.some((s) => s.includes(1))) sawOne = true;
        if (shapes.some((s) => s.length < out.length)) sawMissing = true;
      }),
      { numRuns: 200 },
    );
    expect(sawOne && sawMissing).toBe(true);
    fc.assert(fc.property(broadcastShapesArb({ minDims: 2, maxDims: 3 }), (s) => s.every((d) => d.length >= 2)));
  });

  it('shapeArb stays within its bounds', () => {
    fc.assert(
      fc.property(shapeArb({ minDims: 1, maxDims: 2, minSide: 2, maxSide: 5 }), (s) => {
        expect(s.length >= 1 && s.length <= 2).toBe(true);
        expect(s.every((d) => d >= 2 && d <= 5)).toBe(true);
      }),
    );
  });

  it('tensorArb keeps to its range, away from kinks, distinct when asked, with the dtype and shape asked', () => {
    fc.assert(
      fc.property(tensorArb([3, 4], { min: -1, max: 1, avoid: [0, 0.5], margin: 0.05 }), (x) => {
        expect(x.shape).toEqual([3, 4]);
        expect(x.dtype).toBe('float64');
        expect(x.requiresGrad).toBe(true);
        for (const v of x.data) {
          expect(v >= -1 && v <= 1).toBe(true);
          expect(Math.abs(v) >= 0.05 && Math.abs(v - 0.5) >= 0.05).toBe(true);
        }
      }),
    );
    fc.assert(
      fc.property(tensorArb(shapeArb(), { dtype: 'float32', distinct: true, margin: 0.1 }), (x) => {
        expect(x.dtype).toBe('float32');
        const v = Array.from(x.data).sort((p, q) => p - q);
        for (let i = 1; i < v.length; i++) expect(v[i] - v[i - 1]).toBeGreaterThanOrEqual(0.1 - 1e-6);
      }),
    );
    fc.assert(
      fc.property(tensorArb([5], { dtype: 'int32', min: -2, max: 2 }), (x) => {
        expect(x.dtype).toBe('int32');
        expect(x.requiresGrad).toBe(false);
        expect(Array.from(x.data).every((v) => v >= -2 && v <= 2)).toBe(true);
      }),
    );
    expect(() => tensorArb([2], { avoid: [0, 0.01], margin: 0.01 })).toThrow(/closer than twice the margin/);
  });

  it('prints a tensor as the tensor(...) call that rebuilds it: values, shape and dtype', () => {
    const x = printable(tensor([[0.1, -2], [3.5, 1e-7]], { dtype: 'float32', requiresGrad: true }));
    const shown = fc.stringify(x);
    expect(shown).toBe("tensor([[0.1, -2], [3.5, 1e-7]], { shape: [2, 2], dtype: 'float32', requiresGrad: true })");
    expect(fc.stringify(printable(tensor(-0, { dtype: 'float64' })))).toBe("tensor(-0, { shape: [], dtype: 'float64' })");
    expect(fc.stringify(printable(zeros([2, 0], { dtype: 'float64' })))).toBe("tensor([], { shape: [2, 0], dtype: 'float64' })");
    // full precision, so the printed call reproduces the failing values exactly
    const y = printable(tensor([Math.PI / 3], { dtype: 'float64' }));
    expect(fc.stringify(y)).toContain(String(Math.PI / 3));
  });

  it('reruns while shrinking get fresh tensors, and the report shows the values as drawn', () => {
    // the property writes into its tensor and calls backward(); shrinking n reruns the same tensor
    const details = fc.check(
      fc.property(fc.tuple(tensorArb([2], { min: 1, max: 2 }), fc.nat(100)), ([x, n]) => {
        const fresh = x.grad === null && x.data.every((v) => v >= 1 && v <= 2);
        x.data.fill(-100);
        x.sum().backward();
        return fresh && n < 5;
      }),
      { seed: 3 },
    );
    expect(details.failed).toBe(true);
    expect(details.counterexample![0][1]).toBe(5); // not 0: no rerun saw a used tensor
    const shown = fc.defaultReportMessage(details)!.split('\n').find((line) => line.startsWith('Counterexample'))!;
    expect(shown).toMatch(/^Counterexample: \[\[tensor\(\[1\.?\d*, 1\.?\d*\], \{ shape: \[2\], dtype: 'float64', requiresGrad: true \}\),5\]\]$/);
  });

  it("core's main entry does not load fast-check", () => {
    const dir = fileURLToPath(new URL('../packages/core/src/', import.meta.url));
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts') && f !== 'testing.ts');
    const importing = files.filter((f) => /from\s+['"]fast-check['"]|import\(['"]fast-check['"]\)/.test(readFileSync(dir + f, 'utf8')));
    expect(importing).toEqual([]);
  });
});
