// Numerical verification of gradients: analytic (autograd) against central differences, in float64.
import { DTypeError, TensorgradError, ValueError } from './errors.js';
import { enableGrad } from './autograd.js';
import { stridesOf } from './shape.js';
import { Tensor } from './tensor.js';
import { Generator } from './random.js';
import { concat, flatten, tensor } from './ops/index.js';
import { gradients } from './functional.js';

export interface GradcheckOptions {
  /** Step of the central difference. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw a GradcheckError carrying the report when the check fails (default true, as PyTorch). */
  raiseException?: boolean;
}

export interface GradcheckReport {
  ok: boolean;
  maxAbsError: number;
  maxRelError: number;
  /** The element furthest outside the tolerance (or the largest error when all pass). */
  worst: { input: number; index: number[]; analytic: number; numeric: number } | null;
}

export class GradcheckError extends TensorgradError {
  constructor(readonly report: GradcheckReport, what: string) {
    const w = report.worst!;
    super(
      `${what}: analytic and numeric gradients differ for input ${w.input} at index [${w.index.join(', ')}]: ` +
        `analytic ${w.analytic}, numeric ${w.numeric} (max abs error ${report.maxAbsError}, max rel error ${report.maxRelError})`,
    );
  }
}

type Fn = (...inputs: Tensor[]) => Tensor;

/**
 * Compares d(v . f(inputs))/d(input) from autograd with central differences, for every input that requires
 * grad and a fixed random v (a random projection of the Jacobian: any wrong entry shows up). Inputs must be
 * float64: in float32 a central difference keeps too few digits to tell a right gradient from a wrong one
 * (cast with x.astype('float64')).
 */
export function gradcheck(f: Fn, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckReport {
  return check(f, inputs, options, 'gradcheck');
}

/**
 * Second order: checks the gradients of (v . f) — themselves computed with createGraph — against central
 * differences, i.e. that the backward of every op on the way is itself differentiated correctly.
 */
export function gradgradcheck(f: Fn, inputs: readonly Tensor[], options: GradcheckOptions = {}): GradcheckReport {
  const checked = checkedInputs(inputs, 'gradgradcheck');
  const v = projection(enableGrad(() => f(...inputs)));
  const firstOrder: Fn = (...xs) => {
    const gs = gradients(f(...xs), checked.map((i) => xs[i]), { gradOutput: v, createGraph: true });
    return concat(gs.map((g) => flatten(g)));
  };
  return check(firstOrder, inputs, options, 'gradgradcheck');
}

function checkedInputs(inputs: readonly Tensor[], what: string): number[] {
  const checked: number[] = [];
  inputs.forEach((x, i) => {
    if (!(x instanceof Tensor)) throw new ValueError(`${what}: input ${i} is not a Tensor`);
    if (!x.requiresGrad) return;
    if (x.dtype !== 'float64') {
      throw new DTypeError(
        `${what}: input ${i} is ${x.dtype}; gradients are checked in float64 because a float32 central difference ` +
          `keeps too few digits to judge them (cast with x.astype('float64').requiresGrad_())`,
      );
    }
    checked.push(i);
  });
  if (checked.length === 0) throw new ValueError(`${what}: no input requires grad, so there is nothing to check`);
  return checked;
}

/** A fixed random vector shaped like the output, so the check is repeatable. */
function projection(out: Tensor): Tensor {
  return tensor(new Generator(0).standardNormal(out.size), { dtype: 'float64', shape: out.shape });
}

function check(f: Fn, inputs: readonly Tensor[], options: GradcheckOptions, what: string): GradcheckReport {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, raiseException = true } = options;
  const checked = checkedInputs(inputs, what);
  const evaluate = () => enableGrad(() => f(...inputs));
  const out = evaluate();
  if (!(out instanceof Tensor)) throw new ValueError(`${what}: the function must return a Tensor`);
  if (out.dtype !== 'float64') throw new DTypeError(`${what}: the function returned ${out.dtype}; it must compute in float64`);
  const v = projection(out);
  const analytic = gradients(out, checked.map((i) => inputs[i]), { gradOutput: v });
  const dotV = (y: Tensor) => {
    let s = 0;
    for (let k = 0; k < y.size; k++) s += y.data[k] * v.data[k];
    return s;
  };
  const report: GradcheckReport = { ok: true, maxAbsError: 0, maxRelError: 0, worst: null };
  let worstExcess = -Infinity;
  checked.forEach((inputIndex, c) => {
    const x = inputs[inputIndex];
    const strides = stridesOf(x.shape);
    for (let k = 0; k < x.size; k++) {
      const original = x.data[k];
      // with recording on, as the analytic pass: f may compute gradients itself (a gradient penalty)
      x.data[k] = original + eps;
      const plus = dotV(evaluate());
      x.data[k] = original - eps;
      const minus = dotV(evaluate());
      x.data[k] = original;
      const numeric = (plus - minus) / (2 * eps);
      const a = analytic[c].data[k];
      const err = Math.abs(a - numeric);
      const excess = err - (atol + rtol * Math.abs(numeric));
      report.maxAbsError = Math.max(report.maxAbsError, err);
      report.maxRelError = Math.max(report.maxRelError, err / Math.max(Math.abs(numeric), Number.MIN_VALUE));
      if (!(excess <= 0)) report.ok = false; // NaN fails too
      const score = Number.isNaN(excess) ? Infinity : excess;
      if (report.worst === null || score > worstExcess) {
        worstExcess = score;
        report.worst = { input: inputIndex, index: strides.map((s, d) => Math.floor(k / s) % x.shape[d]), analytic: a, numeric };
      }
    }
  });
  if (!report.ok && raiseException) throw new GradcheckError(report, what);
  return report;
}
