// einsum: parsed into diagonals, sums, transposes and reshapes around one matmul per pair of operands, so the
// contraction runs in the matmul kernel and the gradient is those ops' gradients.
import { ShapeError, ValueError } from '../errors.js';
import { fmt, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { registerOp } from './registry.js';
import { sum } from './reduce.js';
import { broadcastTo, reshape, transpose } from './shape.js';
import { matmul } from './linalg.js';
import { diagonal } from './manipulation.js';

/** A tensor with one label per axis. */
interface Term {
  t: Tensor;
  labels: string[];
}

const isLetter = (c: string) => /^[a-zA-Z]$/.test(c);

/** Labels of each operand and of the output, '...' expanded into labels of its own (right-aligned across operands). */
function parse(subscripts: string, operands: readonly Tensor[]): { inputs: string[][]; output: string[] } {
  const spec = subscripts.replace(/\s+/g, '');
  const arrow = spec.indexOf('->');
  const lhs = arrow >= 0 ? spec.slice(0, arrow) : spec;
  const parts = lhs.split(',');
  if (parts.length !== operands.length) {
    throw new ValueError(`einsum: '${subscripts}' has ${parts.length} operand subscripts but ${operands.length} operands were given`);
  }
  const tokens = (s: string, what: string): string[] => {
    const out: string[] = [];
    for (let i = 0; i < s.length; i++) {
      if (s.startsWith('...', i)) {
        out.push('...');
        i += 2;
      } else if (isLetter(s[i])) out.push(s[i]);
      else throw new ValueError(`einsum: '${s[i]}' in the ${what} of '${subscripts}' is not a letter, ',', '->' or '...'`);
    }
    if (out.filter((l) => l === '...').length > 1) throw new ValueError(`einsum: more than one '...' in the ${what} of '${subscripts}'`);
    return out;
  };
  let ellipsisDims = 0;
  const raw = parts.map((p, k) => {
    const tok = tokens(p, `subscripts of operand ${k}`);
    const letters = tok.filter((l) => l !== '...').length;
    const has = tok.includes('...');
    const nd = operands[k].ndim;
    if (has ? letters > nd : letters !== nd) {
      throw new ShapeError(`einsum: operand ${k} has ${nd} dimensions (shape ${fmt(operands[k].shape)}) but subscripts '${p}' name ${letters}`);
    }
    if (has) ellipsisDims = Math.max(ellipsisDims, nd - letters);
    return tok;
  });
  // the ellipsis axes get labels no subscript can use, numbered from the last axis
  const ell = (n: number) => Array.from({ length: n }, (_, i) => `#${n - 1 - i}`);
  const inputs = raw.map((tok, k) => tok.flatMap((l) => (l === '...' ? ell(operands[k].ndim - (tok.length - 1)) : [l])));
  let output: string[];
  if (arrow >= 0) {
    const tok = tokens(spec.slice(arrow + 2), 'output');
    output = tok.flatMap((l) => (l === '...' ? ell(ellipsisDims) : [l]));
    for (const l of output) {
      if (!isLetter(l)) continue;
      if (!inputs.some((labels) => labels.includes(l))) throw new ValueError(`einsum: output subscript '${l}' of '${subscripts}' is not in any operand`);
      if (output.indexOf(l) !== output.lastIndexOf(l)) throw new ValueError(`einsum: output subscript '${l}' of '${subscripts}' is repeated`);
    }
  } else {
    // implicit output: the ellipsis axes, then the letters that appear once, in alphabetical order
    const counts = new Map<string, number>();
    for (const labels of inputs) for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts].filter(([l, c]) => c === 1 && isLetter(l)).map(([l]) => l).sort();
    output = [...ell(ellipsisDims), ...once];
  }
  return { inputs, output };
}

/** Repeated labels within one operand become its diagonal ('ii' -> 'i'). */
function takeDiagonals(term: Term): Term {
  let { t, labels } = term;
  for (;;) {
    const i = labels.findIndex((l, k) => labels.indexOf(l) !== k);
    if (i < 0) return { t, labels };
    const first = labels.indexOf(labels[i]);
    if (t.shape[first] !== t.shape[i]) {
      throw new ShapeError(`einsum: subscript '${labels[i]}' is repeated over axes of lengths ${t.shape[first]} and ${t.shape[i]}`);
    }
    t = diagonal(t, 0, first, i);
    labels = [...labels.filter((_, k) => k !== first && k !== i), labels[i]];
  }
}

/** Sums away the labels of a term that nothing else (other operands, the output) needs. */
function sumUnneeded(term: Term, needed: Set<string>): Term {
  const axes = term.labels.flatMap((l, k) => (needed.has(l) ? [] : [k]));
  if (axes.length === 0) return term;
  return { t: sum(term.t, axes), labels: term.labels.filter((l) => needed.has(l)) };
}

/** Each label's length, checked equal where given (1 broadcasts, as for '...'). */
function labelSizes(terms: readonly Term[]): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const { t, labels } of terms) {
    labels.forEach((l, k) => {
      const d = t.shape[k];
      const seen = sizes.get(l);
      if (seen === undefined || seen === 1) sizes.set(l, d);
      else if (d !== 1 && d !== seen) throw new ShapeError(`einsum: subscript '${l.startsWith('#') ? '...' : l}' has lengths ${seen} and ${d}`);
    });
  }
  return sizes;
}

/** a and b contracted over their shared labels that `keep` does not need, through one (batched) matmul. */
function contract(a: Term, b: Term, keep: Set<string>, sizes: Map<string, number>): Term {
  const inB = new Set(b.labels), inA = new Set(a.labels);
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const summed = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const left = a.labels.filter((l) => !inB.has(l));
  const right = b.labels.filter((l) => !inA.has(l));
  const arrange = (term: Term, order: string[], shape: number[]) => {
    const moved = transpose(term.t, order.map((l) => term.labels.indexOf(l)));
    const full = order.map((l) => sizes.get(l)!);
    return reshape(broadcastTo(moved, full), shape);
  };
  const len = (ls: string[]) => sizeOf(ls.map((l) => sizes.get(l)!));
  const bs = batch.map((l) => sizes.get(l)!);
  const am = arrange(a, [...batch, ...left, ...summed], [...bs, len(left), len(summed)]);
  const bm = arrange(b, [...batch, ...summed, ...right], [...bs, len(summed), len(right)]);
  const labels = [...batch, ...left, ...right];
  return { t: reshape(matmul(am, bm), labels.map((l) => sizes.get(l)!)), labels };
}

registerOp('einsum', true);
/**
 * Einstein summation as numpy's and PyTorch's einsum: 'ij,jk->ik', 'bij,bjk->bik', 'ii->i', 'ii', '...ij->...ji',
 * implicit output (no '->': the labels that appear once, alphabetically). Operands are contracted left to
 * right, each pair through one batched matmul.
 */
export function einsum(subscripts: string, ...operands: Tensor[]): Tensor {
  if (typeof subscripts !== 'string') throw new ValueError(`einsum: the first argument must be the subscripts string, got ${typeof subscripts}`);
  if (operands.length === 0 || !operands.every((t) => t instanceof Tensor)) throw new ValueError('einsum: needs one or more Tensor operands after the subscripts');
  const { inputs, output } = parse(subscripts, operands);
  const terms = operands.map((t, k) => takeDiagonals({ t, labels: inputs[k] }));
  const sizes = labelSizes(terms);
  const neededAfter = (k: number) => new Set([...output, ...terms.slice(k + 1).flatMap((x) => x.labels)]);
  let acc = sumUnneeded(terms[0], neededAfter(0));
  for (let k = 1; k < terms.length; k++) {
    const keep = neededAfter(k);
    const next = sumUnneeded(terms[k], new Set([...keep, ...acc.labels]));
    acc = contract(sumUnneeded(acc, new Set([...keep, ...next.labels])), next, keep, sizes);
  }
  acc = sumUnneeded(acc, new Set(output));
  // broadcast any length-1 label to its full length (a single operand's '...' against itself needs none)
  const t = transpose(acc.t, output.map((l) => acc.labels.indexOf(l)));
  const want = output.map((l) => sizes.get(l)!);
  return t.shape.every((d, i) => d === want[i]) ? t : broadcastTo(t, want);
}
