// Forward values of every op against numpy (tests/fixtures/ops.json, made by make_ops.py), plus result
// shapes and dtypes.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import * as tg from '@tensorgrad/core';
import { Tensor, tensor, type DType, type SliceSpec } from '@tensorgrad/core';

type Value = number | 'nan' | 'inf' | '-inf';
interface TensorJson {
  dtype: DType;
  shape: number[];
  data: Value[];
}
type Cmp = 'exact' | { rtol: number; scale?: number | number[] };
interface Case {
  name: string;
  op: string;
  inputs: TensorJson[];
  params: Record<string, any>;
  out: TensorJson;
  cmp: Cmp;
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/ops.json', import.meta.url), 'utf8')) as { cases: Case[] };

function decode(v: Value): number {
  if (v === 'nan') return NaN;
  if (v === 'inf') return Infinity;
  if (v === '-inf') return -Infinity;
  return v;
}

function load(t: TensorJson): Tensor {
  return tensor(t.data.map(decode), { dtype: t.dtype, shape: t.shape });
}

/** null in JSON stands for "not given". */
const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

function sliceSpecs(specs: any[]): SliceSpec[] {
  return specs.map((s) => (Array.isArray(s) ? (s.map(opt) as [number?, number?, number?]) : s));
}

/** Runs one case through the public API. */
function run(c: Case): Tensor {
  const x = c.inputs.map(load);
  const p = c.params;
  const [a, b] = x;
  const axis = opt(p.axis);
  switch (c.op) {
    case 'add': return a.add(b);
    case 'sub': return tg.sub(a, b);
    case 'mul': return a.mul(b);
    case 'div': return tg.div(a, b);
    case 'maximum': return a.maximum(b);
    case 'minimum': return tg.minimum(a, b);
    case 'pow': return a.pow(b);
    case 'addNumber': return a.add(p.number);
    case 'subNumber': return a.sub(p.number);
    case 'rsubNumber': return tg.sub(p.number, a);
    case 'mulNumber': return tg.mul(a, p.number);
    case 'divNumber': return a.div(p.number);
    case 'maximumNumber': return a.maximum(p.number);
    case 'minimumNumber': return tg.minimum(a, p.number);
    case 'powNumber': return a.pow(p.number);
    case 'eq': return a.eq(b);
    case 'ne': return tg.ne(a, b);
    case 'gt': return a.gt(b);
    case 'ge': return tg.ge(a, b);
    case 'lt': return a.lt(b);
    case 'le': return tg.le(a, b);
    case 'eqNumber': return a.eq(p.number);
    case 'neNumber': return a.ne(p.number);
    case 'gtNumber': return tg.gt(a, p.number);
    case 'geNumber': return a.ge(p.number);
    case 'ltNumber': return a.lt(p.number);
    case 'leNumber': return a.le(p.number);
    case 'where': return tg.where(a, b, x[2]);
    case 'whereNumber': return b.where(a, p.number);
    case 'neg': return a.neg();
    case 'abs': return tg.abs(a);
    case 'sign': return a.sign();
    case 'relu': return a.relu();
    case 'step': return tg.step(a);
    case 'sigmoid': return a.sigmoid();
    case 'tanh': return tg.tanh(a);
    case 'exp': return a.exp();
    case 'log': return tg.log(a);
    case 'sqrt': return a.sqrt();
    case 'leakyRelu': return p.slope === undefined ? a.leakyRelu() : tg.leakyRelu(a, p.slope);
    case 'clip': return a.clip(p.min, p.max);
    case 'sum': return p.keepdims === undefined ? a.sum(axis) : tg.sum(a, axis, p.keepdims);
    case 'mean': return p.keepdims === undefined ? a.mean(axis) : tg.mean(a, axis, p.keepdims);
    case 'max': return a.max(axis, p.keepdims);
    case 'min': return tg.min(a, axis, p.keepdims);
    case 'logsumexp': return a.logsumexp(axis, p.keepdims);
    case 'argmax': return p.keepdims === undefined ? a.argmax(axis) : tg.argmax(a, axis, p.keepdims);
    case 'argmin': return p.keepdims === undefined ? tg.argmin(a, axis) : a.argmin(axis, p.keepdims);
    case 'matmul': return tg.matmul(a, b);
    case 'dot': return a.dot(b);
    case 'linear': return tg.linear(a, b, x[2]);
    case 'transpose': return p.axes === null ? a.transpose() : tg.transpose(a, p.axes);
    case 'permute': return a.permute(p.axes);
    case 'T': return a.T;
    case 'swapaxes': return a.swapaxes(p.a, p.b);
    case 'reshape': return a.reshape(p.shape);
    case 'flatten': return p.start === undefined ? a.flatten() : tg.flatten(a, p.start, p.end);
    case 'squeeze': return axis === undefined ? a.squeeze() : tg.squeeze(a, axis);
    case 'unsqueeze': return a.unsqueeze(p.axis);
    case 'broadcastTo': return tg.broadcastTo(a, p.shape);
    case 'stack': return tg.stack(x, p.axis);
    case 'concat': return tg.concat(x, p.axis);
    case 'slice': return a.slice(sliceSpecs(p.specs));
    case 'gather': return a.gather(b, p.axis);
    case 'take': return axis === undefined ? a.take(p.indices) : tg.take(a, p.indices, axis);
    case 'takeTensor': return a.take(b, axis);
    case 'pick': return a.pick(b);
    case 'pickArray': return tg.pick(a, p.labels);
    case 'oneHot': return tg.oneHot(a, p.numClasses, p.dtype);
    case 'softmax': return axis === undefined ? a.softmax() : tg.softmax(a, axis);
    case 'logSoftmax': return axis === undefined ? tg.logSoftmax(a) : a.logSoftmax(axis);
    case 'arange': {
      const [s, e, st] = p.args as number[];
      return tg.arange(s, e, st, { dtype: p.dtype });
    }
    case 'linspace': {
      const [s, e, n] = p.args as number[];
      return tg.linspace(s, e, n, { dtype: p.dtype });
    }
    case 'eye': return p.m === null ? tg.eye(p.n, undefined, { dtype: p.dtype }) : tg.eye(p.n, p.m, { dtype: p.dtype });
    case 'full': return tg.full(p.shape, p.value, { dtype: p.dtype });
    case 'zeros': return tg.zeros(p.shape, { dtype: p.dtype });
    case 'ones': return p.dtype === undefined ? tg.ones(p.shape) : tg.ones(p.shape, { dtype: p.dtype });
    case 'astype': return a.astype(p.dtype);
    case 'clone': return a.clone();
  }
  throw new Error(`ops.test: no runner for op '${c.op}' (case '${c.name}')`);
}

/** Differences between got and the expected tensor, as readable lines (empty when they agree). */
function compare(got: Tensor, want: TensorJson, cmp: Cmp): string[] {
  const problems: string[] = [];
  if (got.dtype !== want.dtype) problems.push(`dtype ${got.dtype}, expected ${want.dtype}`);
  if (JSON.stringify(got.shape) !== JSON.stringify(want.shape)) {
    problems.push(`shape [${got.shape.join(', ')}], expected [${want.shape.join(', ')}]`);
    return problems;
  }
  for (let i = 0; i < want.data.length; i++) {
    const w = decode(want.data[i]);
    const g = got.data[i];
    let ok: boolean;
    if (Number.isNaN(w)) ok = Number.isNaN(g);
    else if (!Number.isFinite(w) || cmp === 'exact') ok = g === w;
    else {
      const s = cmp.scale === undefined ? 0 : typeof cmp.scale === 'number' ? cmp.scale : cmp.scale[i];
      ok = Math.abs(g - w) <= cmp.rtol * Math.max(Math.abs(w), s);
    }
    if (!ok && problems.length < 5) problems.push(`at flat index ${i}: got ${g}, expected ${w} (${JSON.stringify(cmp === 'exact' ? cmp : cmp.rtol)})`);
  }
  return problems;
}

describe('forward values match numpy (fixtures/ops.json)', () => {
  it('has cases for every op family', () => {
    expect(fixture.cases.length).toBeGreaterThan(400);
  });

  const byOp = new Map<string, Case[]>();
  for (const c of fixture.cases) {
    const family = c.op.replace(/(Number|Tensor|Array)$/, '');
    if (!byOp.has(family)) byOp.set(family, []);
    byOp.get(family)!.push(c);
  }
  for (const [family, cases] of byOp) {
    it.each(cases.map((c) => [c.name, c] as const))(`${family}: %s`, (_name, c) => {
      const got = run(c);
      expect(compare(got, c.out, c.cmp)).toEqual([]);
    });
  }

  it('covers every registered built-in forward op', () => {
    // the composed ops are checked against PyTorch instead (ops_torch.test.ts), each case naming its op first
    const torchCases = JSON.parse(readFileSync(new URL('./fixtures/ops_torch.json', import.meta.url), 'utf8')) as { cases: { name: string }[] };
    // and the convolutions and pools in layers-conv.test.ts (layers_conv_torch.json)
    const convCases = JSON.parse(readFileSync(new URL('./fixtures/layers_conv_torch.json', import.meta.url), 'utf8')) as { ops: { name: string }[] };
    const tested = new Set([
      ...fixture.cases.map((c) => c.op.replace(/(Number|Tensor|Array)$/, '')),
      ...[...torchCases.cases, ...convCases.ops].map((c) => c.name.split(' ')[0]),
    ]);
    // ops that are not called directly by name: backward helpers, and ops whose forward runs through another
    const internal = new Set(['gatherBackward', 'takeBackward', 'sliceBackward', 'reluBackward', 'powScalar', 'clipMask']);
    const missing = tg.listOps().filter((o) => !o.custom && !internal.has(o.name) && !tested.has(o.name)).map((o) => o.name);
    expect(missing).toEqual([]);
  });
});

describe('result dtypes and shapes', () => {
  const i32 = tensor([[1, 2, 3]], { dtype: 'int32' });
  const f32 = tensor([0.5, 1.5, 2.5], { dtype: 'float32' });
  const f64 = tensor([0.5, 1.5, 2.5], { dtype: 'float64' });

  it('promotes int32 < float32 < float64 in binary ops', () => {
    expect(i32.add(f32).dtype).toBe('float32');
    expect(f32.add(i32).dtype).toBe('float32');
    expect(f32.mul(f64).dtype).toBe('float64');
    expect(i32.sub(f64).dtype).toBe('float64');
    expect(i32.mul(i32).dtype).toBe('int32');
    expect(f32.maximum(f64).dtype).toBe('float64');
    expect(i32.add(f32).shape).toEqual([1, 3]);
  });

  it('divides int32 into floats (true division)', () => {
    const q = i32.div(tensor([2, 2, 2], { dtype: 'int32' }));
    expect(q.dtype).toBe('float32');
    expect(Array.from(q.data)).toEqual([0.5, 1, 1.5]);
    expect(i32.div(f64).dtype).toBe('float64');
    expect(i32.div(2).dtype).toBe('float32');
  });

  it('gives bool masks from comparisons whatever the operand dtypes', () => {
    for (const [a, b] of [[f32, f32], [f64, i32], [i32, i32], [f32, f64]] as const) {
      for (const m of [a.eq(b), a.ne(b), a.gt(b), a.ge(b), a.lt(b), a.le(b)]) {
        expect(m.dtype).toBe('bool');
        expect(m.requiresGrad).toBe(false);
      }
    }
    expect(f64.gt(1).shape).toEqual([3]);
  });

  it('keeps a number operand in the tensor dtype', () => {
    expect(f32.add(1e-3).dtype).toBe('float32');
    expect(f64.mul(3).dtype).toBe('float64');
    expect(i32.add(2).dtype).toBe('int32');
    expect(i32.mul(0.5).dtype).toBe('float32');
  });

  it('gives int32 indices from argmax and argmin, scalars with shape []', () => {
    expect(f64.argmax().dtype).toBe('int32');
    expect(f64.argmax().shape).toEqual([]);
    expect(f64.sum().shape).toEqual([]);
    expect(f64.sum().item()).toBe(4.5);
    expect(f64.dot(f64).shape).toEqual([]);
  });

  it('makes float results from exp, log, sigmoid, mean of int32 tensors', () => {
    const v = tensor([1, 2], { dtype: 'int32' });
    for (const r of [v.exp(), v.log(), v.sqrt(), v.sigmoid(), v.tanh(), v.mean(), v.softmax()]) expect(r.dtype).toBe('float32');
    for (const r of [v.neg(), v.abs(), v.relu(), v.sum(), v.max(), v.T, v.reshape([2, 1])]) expect(r.dtype).toBe('int32');
  });

  it('follows the default dtype for numbers and float results of int ops', () => {
    const before = tg.getDefaultDtype();
    try {
      tg.setDefaultDtype('float64');
      expect(tensor([1, 2]).dtype).toBe('float64');
      expect(tensor([1, 2], { dtype: 'int32' }).div(2).dtype).toBe('float64');
      expect(tg.zeros([2]).dtype).toBe('float64');
    } finally {
      tg.setDefaultDtype(before);
    }
    expect(tensor([1, 2]).dtype).toBe('float32');
  });
});

describe('float32 storage rounds like numpy float32', () => {
  it('stores 0.1 as the float32 nearest 0.1', () => {
    expect(tensor([0.1], { dtype: 'float32' }).data[0]).toBe(Math.fround(0.1));
    expect(tensor([0.1], { dtype: 'float32' }).add(tensor([0.2], { dtype: 'float32' })).data[0]).toBe(Math.fround(Math.fround(0.1) + Math.fround(0.2)));
  });
});
