// Broadcasting arithmetic and comparisons. Each op: its kernel and its partial gradients, side by side.
import { type DType, getDefaultDtype, isFloat, promote } from '../dtype.js';
import { record } from '../autograd.js';
import { broadcastShapes } from '../shape.js';
import { alloc, type Tensor } from '../tensor.js';
import { backend } from '../backend.js';
import { defineBinary, defineUnary, operands, sumToShape, asTensor, type Operand } from './op.js';
import { registerOp } from './registry.js';
import { broadcastTo } from './shape.js';
import { log } from './unary.js';

const toFloat = (d: DType): DType => (isFloat(d) ? d : getDefaultDtype());

export const add = defineBinary('add', {
  bool: 'maximum',
  da: (g) => g,
  db: (g) => g,
});

export const sub = defineBinary('sub', {
  bool: 'refuse',
  da: (g) => g,
  db: (g) => neg(g),
});

export const mul = defineBinary('mul', {
  da: (g, a, b) => mul(g, b),
  db: (g, a) => mul(g, a),
});

/** True division: int operands give a float result, as in numpy and PyTorch. */
export const div = defineBinary('div', {
  dtype: toFloat,
  da: (g, a, b) => div(g, b),
  db: (g, a, b, out) => neg(mul(g, div(out, b))),
});

// At base 0 PyTorch's masking keeps both partials finite: d/da is 0 where b == 0 (b * a^(b-1) would be
// 0 * inf at a == 0; elsewhere it is 0 already, and left unmasked its own derivative in b stays right), and d/db
// is 0 where a == 0 and b >= 0 (0^b is 0 or 1 there; out * log(a) would be 0 * -inf).
const atZero = (a: Tensor, b: Tensor) => mul(eq(a, 0), eq(b, 0));
const powTensor = defineBinary('pow', {
  dtype: toFloat,
  da: (g, a, b) => mul(g, where(atZero(a, b), 0, mul(b, pow(a, sub(b, 1))))),
  db: (g, a, b, out) => mul(g, where(mul(eq(a, 0), ge(b, 0)), 0, mul(out, log(a)))),
});

const POW_SCALAR_OP = registerOp('powScalar', true);
/** a ** exponent; a number exponent is cheaper and has no gradient of its own. */
export function pow(a: Operand, exponent: Operand): Tensor {
  if (typeof exponent !== 'number') return powTensor(a, exponent);
  const x = asTensor(a);
  const dtype = isFloat(x.dtype) || (Number.isInteger(exponent) && exponent >= 0) ? x.dtype : getDefaultDtype();
  const out = alloc(x.shape, dtype);
  backend().powScalar(x.data, out.data, exponent);
  return record(POW_SCALAR_OP, out, [x], (g) => [
    exponent === 0 ? mul(g, 0) : mul(g, mul(pow(x, exponent - 1), exponent)),
  ]);
}

// Ties split the gradient evenly between the two operands (as PyTorch does).
const tieShare = (a: Tensor, b: Tensor, win: Tensor) => add(win, mul(eq(a, b), 0.5));

export const maximum = defineBinary('maximum', {
  da: (g, a, b) => mul(g, tieShare(a, b, gt(a, b))),
  db: (g, a, b) => mul(g, tieShare(a, b, lt(a, b))),
});

export const minimum = defineBinary('minimum', {
  da: (g, a, b) => mul(g, tieShare(a, b, lt(a, b))),
  db: (g, a, b) => mul(g, tieShare(a, b, gt(a, b))),
});

export const neg = defineUnary('neg', { refuseBool: true, dx: (g) => neg(g) });

// Comparisons give bool masks and pass no gradient.
const mask = { dtype: () => 'bool' as const };
export const eq = defineBinary('eq', mask);
export const ne = defineBinary('ne', mask);
export const gt = defineBinary('gt', mask);
export const ge = defineBinary('ge', mask);
export const lt = defineBinary('lt', mask);
export const le = defineBinary('le', mask);

// Logical ops: any nonzero value (NaN too) is true, as numpy and PyTorch; bool results, no gradient.
registerOp('logicalNot', false);
/** True where x is 0. */
export function logicalNot(x: Operand): Tensor {
  return eq(x, 0);
}
registerOp('logicalAnd', false);
/** True where both are nonzero (broadcast together). */
export function logicalAnd(a: Operand, b: Operand): Tensor {
  return mul(ne(a, 0), ne(b, 0));
}
registerOp('logicalOr', false);
/** True where either is nonzero. */
export function logicalOr(a: Operand, b: Operand): Tensor {
  return maximum(ne(a, 0), ne(b, 0));
}
registerOp('logicalXor', false);
/** True where exactly one is nonzero. */
export function logicalXor(a: Operand, b: Operand): Tensor {
  return ne(ne(a, 0), ne(b, 0));
}

const WHERE_OP = registerOp('where', true);
/** Elementwise cond ? a : b, all three broadcast together; cond is a bool tensor, or any whose nonzero values are true. */
export function where(cond: Operand, a: Operand, b: Operand): Tensor {
  const [ta, tb] = operands(a, b);
  const c = asTensor(cond, 'int32');
  const shape = broadcastShapes(broadcastShapes(c.shape, ta.shape, 'where'), tb.shape, 'where');
  const out = alloc(shape, promote(ta.dtype, tb.dtype));
  const expand = (t: Tensor) => (t.size === out.size ? t.data : broadcastTo(t.detach(), shape).data);
  backend().select(expand(c), expand(ta), expand(tb), out.data);
  return record(WHERE_OP, out, [ta, tb], (g) => {
    const zero = mul(g, 0);
    return [
      ta.requiresGrad ? sumToShape(where(c, g, zero), ta.shape) : null,
      tb.requiresGrad ? sumToShape(where(c, zero, g), tb.shape) : null,
    ];
  });
}
