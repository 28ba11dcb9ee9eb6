// The composed ops (and the call-form fixes) against PyTorch in float64: forward values and the gradient of
// sum(out * gout) for every float input (tests/fixtures/ops_torch.json, made by make_ops_torch.py).
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tg from '@tensorgrad/core';
import { Tensor, tensor, gradients, type DType, type SliceSpec } from '@tensorgrad/core';

type Value = number | 'nan' | 'inf' | '-inf';
interface TensorJson {
  dtype: DType;
  shape: number[];
  data: Value[];
}
interface Case {
  name: string;
  op: string;
  inputs: TensorJson[];
  params: Record<string, any>;
  out: TensorJson | TensorJson[];
  gout?: TensorJson[];
  grads?: (TensorJson | null)[];
  rtol: number;
}

export const fixture = JSON.parse(readFileSync(new URL('./fixtures/ops_torch.json', import.meta.url), 'utf8')) as { cases: Case[] };

const decode = (v: Value): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v);
const load = (t: TensorJson) => tensor(t.data.map(decode), { dtype: t.dtype, shape: t.shape });
const num = (v: Value) => decode(v);

/** Runs one case through the public API (functions and methods both). */
function run(c: Case, x: Tensor[]): Tensor | Tensor[] {
  const p = c.params;
  const [a, b] = x;
  const axis = p.axis ?? undefined;
  switch (c.op) {
    case 'pow': return a.pow(b);
    case 'reluPow': return a.relu().pow(b);
    case 'clip': return a.clip(p.min, p.max);
    case 'gather': return tg.gather(a, b, p.axis);
    case 'var': return a.var(axis, { correction: p.correction, keepdims: p.keepdims });
    case 'std': return tg.std(a, axis, { correction: p.correction, keepdims: p.keepdims });
    case 'varMean': return tg.varMean(a, axis, { correction: p.correction, keepdims: p.keepdims });
    case 'stdMean': return a.stdMean(axis, { correction: p.correction, keepdims: p.keepdims });
    case 'norm': return a.norm(p.p === 'inf' ? Infinity : p.p === '-inf' ? -Infinity : p.p, axis, p.keepdims);
    case 'any': return a.any(axis);
    case 'all': return tg.all(a, axis);
    case 'countNonzero': return a.countNonzero(axis);
    case 'anyAll': return [tg.any(a), a.all()];
    case 'silu': return a.silu();
    case 'selu': return tg.selu(a);
    case 'hardswish': return a.hardswish();
    case 'hardsigmoid': return tg.hardsigmoid(a);
    case 'relu6': return a.relu6();
    case 'logsigmoid': return tg.logsigmoid(a);
    case 'softsign': return a.softsign();
    case 'elu': return p.alpha === 1 ? a.elu() : tg.elu(a, p.alpha);
    case 'celu': return a.celu(p.alpha);
    case 'hardtanh': return a.hardtanh(p.min, p.max);
    case 'gelu': return a.gelu({ approximate: p.approximate });
    case 'softmin': return a.softmin(p.axis);
    case 'glu': return tg.glu(a, p.axis);
    case 'split': return a.split(p.sections, p.axis);
    case 'chunk': return tg.chunk(a, p.chunks, p.axis);
    case 'unflatten': return a.unflatten(p.axis, p.sizes);
    case 'flip': return a.flip(axis);
    case 'roll': return tg.roll(a, p.shifts, axis);
    case 'tile': return a.tile(p.reps);
    case 'repeat': return a.repeat(...(p.sizes as number[]));
    case 'repeatInterleave': return a.repeatInterleave(p.repeats, axis);
    case 'pad': return tg.pad(a, p.pad, { mode: p.mode, value: p.value });
    case 'tril': return a.tril(p.k);
    case 'triu': return tg.triu(a, p.k);
    case 'diagonal': return a.diagonal(p.offset, p.axis1, p.axis2);
    case 'diag': return tg.diag(a, p.k);
    case 'trace': return a.trace();
    case 'einsum': return tg.einsum(p.subscripts, ...x);
    case 'indexSelect': return a.indexSelect(p.axis, p.index);
    case 'scatterAdd': return a.scatterAdd(p.axis, x[2], b);
    case 'scatter': return tg.scatter(a, p.axis, x[2], b);
    case 'scatterValue': return a.scatter(p.axis, b, p.value);
    case 'indexAdd': return a.indexAdd(p.axis, p.index, b, { alpha: p.alpha });
    case 'maskedFill': return a.maskedFill(b, num(p.value));
    case 'maskedSelect': return a.maskedSelect(b);
    case 'nonzero': return tg.nonzero(a);
    case 'nonzeroTuple': return a.nonzero({ asTuple: true });
    case 'index': {
      let k = 1;
      return a.index((p.spec as (string | null)[]).map((s) => (s === null ? null : x[k++])));
    }
    case 'sliceNew': return a.slice(p.specs.map((s: any) => (Array.isArray(s) ? s.map((v: any) => v ?? undefined) : s)) as SliceSpec[]);
    case 'attention': return tg.scaledDotProductAttention(a, b, x[2], { isCausal: p.isCausal, scale: p.scale });
    case 'attentionMask': return tg.scaledDotProductAttention(a, b, x[2], { mask: x[3] });
    case 'layerNorm': return tg.layerNorm(a, p.shape, { weight: b, bias: x[2], eps: p.eps });
    case 'groupNorm': return tg.groupNorm(a, p.groups, { weight: b, bias: x[2] });
    case 'batchNorm': {
      const y = tg.batchNorm(a, b, x[2], { weight: x[3], bias: x[4], training: p.training, momentum: p.momentum });
      return [y, b.clone(), x[2].clone()];
    }
    case 'batchNormNoStats': return tg.batchNorm(a, null, null, { training: true });
    case 'embedding': return tg.embedding(a, b, { paddingIdx: p.paddingIdx });
    case 'crossEntropy': return tg.crossEntropy(a, b, p);
    case 'crossEntropyW': return tg.crossEntropy(a, b, { ...p, weight: x[2] });
    case 'nllLoss': return tg.nllLoss(a, b, p);
    case 'nllLossW': return tg.nllLoss(a, b, { ...p, weight: x[2] });
    case 'bce': return tg.binaryCrossEntropyWithLogits(a, b, p);
    case 'bceW': return tg.binaryCrossEntropyWithLogits(a, b, { weight: x[2], posWeight: x[3] });
    case 'huber': return tg.huberLoss(a, b, p);
    case 'smoothL1': return tg.smoothL1Loss(a, b, p);
    case 'klDiv': return tg.klDiv(a, b, p);
    // elementwise math (ops/math.ts): methods and functions both
    case 'sin': case 'cos': case 'tan': case 'asin': case 'acos': case 'atan': case 'sinh': case 'cosh': case 'asinh': case 'acosh':
    case 'atanh': case 'exp2': case 'expm1': case 'log2': case 'log10': case 'log1p': case 'rsqrt': case 'square': case 'reciprocal':
    case 'erf': case 'erfc': case 'erfinv': case 'frac': case 'floor': case 'ceil': case 'round': case 'trunc': case 'mish':
    case 'isnan': case 'isinf': case 'isfinite':
      return c.name.includes('0-d') ? (tg[c.op as 'sin'] as (x: Tensor) => Tensor)(a) : (a[c.op as 'sin'] as () => Tensor).call(a);
    case 'softplus': return p.beta === undefined ? tg.softplus(a) : a.softplus(p.beta, p.threshold);
    case 'atan2': case 'fmod': case 'remainder': case 'floorDivide': case 'hypot': case 'copysign': case 'logaddexp':
      return c.name.includes('[2, 1]') ? (tg[c.op as 'atan2'] as (x: Tensor, y: Tensor) => Tensor)(a, b) : (a[c.op as 'atan2'] as (y: Tensor) => Tensor).call(a, b);
    case 'lerp': return a.lerp(b, x[2]);
    case 'lerpNumber': return tg.lerp(a, b, p.weight);
    case 'isclose': return a.isclose(b, p);
    case 'logicalNot': return a.logicalNot();
    case 'logicalAnd': return tg.logicalAnd(a, b);
    case 'logicalOr': return a.logicalOr(b);
    case 'logicalXor': return a.logicalXor(b);
    case 'binary': return (tg[p.op as 'add'] as (x: Tensor, y: Tensor) => Tensor)(a, b);
    case 'sumBool': return a.sum();
    case 'roundDecimals': return c.name.includes('float32') ? a.round(p.decimals) : tg.round(a, p.decimals);
    case 'nanToNum': return tg.nanToNum(a, p);
    // products, scans and orderings (ops/scan.ts)
    case 'prod': return p.keepdims ? a.prod(axis, true) : tg.prod(a, axis);
    case 'cumsum': return axis === undefined ? a.cumsum() : tg.cumsum(a, axis);
    case 'cumprod': return axis === undefined ? tg.cumprod(a) : a.cumprod(axis);
    case 'logcumsumexp': return axis === undefined ? a.logcumsumexp() : tg.logcumsumexp(a, axis);
    case 'cummax': return a.cummax(p.axis);
    case 'cummin': return tg.cummin(a, p.axis);
    case 'sort': return p.descending ? a.sort(p.axis, { descending: true }) : tg.sort(a, p.axis, false);
    case 'argsort': return p.descending ? tg.argsort(a, p.axis, true) : a.argsort(p.axis, { stable: true });
    case 'topk': return p.largest ? a.topk(p.k, p.axis) : tg.topk(a, p.k, p.axis, p.largest, true);
    case 'median': return p.axis === undefined ? a.median() : tg.median(a, p.axis, p.keepdims);
  }
  throw new Error(`ops_torch.test: no runner for op '${c.op}' (case '${c.name}')`);
}

/** Differences between got and want, as readable lines (empty when they agree). */
/** rtol scales max(|want|, 1), or |want| itself when `relative` (a check to the last bits, for tiny values too). */
function compare(got: Tensor, want: TensorJson, rtol: number, what: string, relative = false): string[] {
  const problems: string[] = [];
  if (got.dtype !== want.dtype) problems.push(`${what}: dtype ${got.dtype}, expected ${want.dtype}`);
  if (JSON.stringify(got.shape) !== JSON.stringify(want.shape)) return [...problems, `${what}: shape [${got.shape}], expected [${want.shape}]`];
  for (let i = 0; i < want.data.length; i++) {
    const w = decode(want.data[i]);
    const g = got.data[i];
    const scale = relative ? Math.abs(w) : Math.max(Math.abs(w), 1);
    const ok = Number.isNaN(w) ? Number.isNaN(g) : !Number.isFinite(w) ? g === w : Math.abs(g - w) <= rtol * scale;
    if (!ok && problems.length < 5) problems.push(`${what} at flat index ${i}: got ${g}, expected ${w}`);
  }
  return problems;
}

const asList = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

describe('composed ops match PyTorch float64 (fixtures/ops_torch.json)', () => {
  it('has cases', () => {
    expect(fixture.cases.length).toBeGreaterThan(200);
  });

  const byOp = new Map<string, Case[]>();
  for (const c of fixture.cases) {
    if (!byOp.has(c.op)) byOp.set(c.op, []);
    byOp.get(c.op)!.push(c);
  }
  for (const [op, cases] of byOp) {
    it.each(cases.map((c) => [c.name, c] as const))(`${op}: %s`, (_name, c) => {
      const x = c.inputs.map(load);
      const wants = asList(c.out);
      const gots = asList(run(c, x));
      expect(gots.length).toBe(wants.length);
      const problems = gots.flatMap((g, k) => compare(g, wants[k], c.rtol, `output ${k}`, c.params.relative === true));
      if (c.grads) {
        const tracked = x.map((t, i) => (c.grads![i] ? t.detach().requiresGrad_() : t));
        const outs = asList(run(c, tracked));
        let total: Tensor | null = null;
        outs.forEach((o, k) => {
          if (!o.requiresGrad) return;
          const term = o.mul(load(c.gout![k])).sum();
          total = total === null ? term : total.add(term);
        });
        const want = c.grads.flatMap((g, i) => (g ? [[i, g] as const] : []));
        const got = total === null ? want.map(([i]) => tg.zerosLike(tracked[i])) : gradients(total, want.map(([i]) => tracked[i]));
        want.forEach(([i, g], k) => problems.push(...compare(got[k], g, c.rtol, `gradient of input ${i}`)));
      }
      expect(problems).toEqual([]);
    });
  }
});
