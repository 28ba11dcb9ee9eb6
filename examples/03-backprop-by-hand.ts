// Chapter 9: backpropagation worked out by hand with the chain rule, as the book does, beside autograd's
// .backward() on the same numbers. Run: npx tsx examples/03-backprop-by-hand.ts
import { tensor, type Tensor } from '@tensorgrad/core';
import { check, close } from './_fast.js';

const f64 = { dtype: 'float64' } as const;
const param = { dtype: 'float64', requiresGrad: true } as const;

/** Plain matrix product of nested arrays, the by-hand side's np.dot. */
function dot(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
}
const transpose = (a: number[][]): number[][] => a[0].map((_, j) => a.map((row) => row[j]));

/** Prints the by-hand and autograd values and checks they agree, and agree with the book. */
function compare(what: string, byHand: number[] | number[][], grad: Tensor | null, book: number[] | number[][]): void {
  if (grad === null) throw new Error(`${what}: autograd left no gradient`);
  const show = (t: Tensor) => String(t).replace(/\n/g, '\n            '); // numpy's printing, indented
  console.log(`${what}\n  by hand:  ${show(tensor(byHand, f64))}\n  autograd: ${show(grad)}`);
  check(close(byHand.flat(), book.flat(), 1e-12), `${what}: by hand gives the book's numbers`);
  check(close(grad.data, book.flat(), 1e-12), `${what}: autograd gives the book's numbers`);
}

// --- One neuron with ReLU: y = max(x0*w0 + x1*w1 + x2*w2 + b, 0), receiving a gradient of 1.
const x = [1.0, -2.0, 3.0];
const w = [-3.0, -1.0, 2.0];
const b = 1.0;

// Forward, one atomic operation at a time.
const xw = [x[0] * w[0], x[1] * w[1], x[2] * w[2]];
const z = xw[0] + xw[1] + xw[2] + b; // 6
// Backward: multiply the local derivatives along the chain.
const dvalue = 1.0;
const dreluDz = dvalue * (z > 0 ? 1 : 0); // ReLU's derivative: 1 for a positive input
const dreluDxw = [dreluDz * 1, dreluDz * 1, dreluDz * 1]; // a sum passes the gradient through unchanged
const dreluDb = dreluDz * 1;
const dreluDx = [dreluDxw[0] * w[0], dreluDxw[1] * w[1], dreluDxw[2] * w[2]]; // d(x*w)/dx = w
const dreluDw = [dreluDxw[0] * x[0], dreluDxw[1] * x[1], dreluDxw[2] * x[2]]; // d(x*w)/dw = x
console.log('drelu_dz:', dreluDz, ' drelu_dxw, drelu_db:', ...dreluDxw, dreluDb, ' drelu_dx0:', dreluDx[0]);
check(dreluDz === 1 && dreluDb === 1 && dreluDx[0] === -3, 'the book prints 1.0, 1.0 and -3.0');

// Autograd records the same forward and walks the chain backwards for us.
const tx = tensor(x, param);
const tw = tensor(w, param);
const tb = tensor(b, param);
tx.mul(tw).sum().add(tb).relu().backward(); // a scalar output starts from a gradient of 1
compare('neuron dx', dreluDx, tx.grad, [-3, -1, 2]);
compare('neuron dw', dreluDw, tw.grad, [1, -2, 3]);
check(tb.grad !== null && tb.grad.item() === dreluDb, 'neuron db: autograd gives 1 as by hand');

// --- A layer of three neurons on four inputs. The book keeps weights transposed: [inputs, neurons].
const layerWeights = transpose([[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]]);
const inputs = [[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]];
const biases = [[2, 3, 0.5]];

// One sample, gradient [1, 1, 1] from the next layer: each input's gradient sums its weights times it.
const dvalues1 = [[1, 1, 1]];
const dinputs1 = layerWeights.map((row) => row.reduce((s, wi, j) => s + wi * dvalues1[0][j], 0));

// The layer's forward, once per sample; .backward(dvalues) starts from the next layer's gradient.
function layerGradients(rows: number[][], dvalues: number[][]): { dinputs: Tensor | null; dweights: Tensor | null; dbiases: Tensor | null } {
  const ti = tensor(rows, param);
  const tw = tensor(layerWeights, param);
  const tb = tensor(biases, param);
  ti.matmul(tw).add(tb).backward(tensor(dvalues, f64));
  return { dinputs: ti.grad, dweights: tw.grad, dbiases: tb.grad };
}
compare('one sample, dinputs', [dinputs1], layerGradients(inputs.slice(0, 1), dvalues1).dinputs, [[0.44, -0.38, -0.07, 1.37]]);

// A batch of three samples: dinputs = dvalues @ W.T, dweights = inputs.T @ dvalues, dbiases = column sums.
const dvalues = [[1, 1, 1], [2, 2, 2], [3, 3, 3]];
const byHand = {
  dinputs: dot(dvalues, transpose(layerWeights)),
  dweights: dot(transpose(inputs), dvalues),
  dbiases: [dvalues.reduce((s, row) => s.map((v, j) => v + row[j]), [0, 0, 0])],
};
const auto = layerGradients(inputs, dvalues);
compare('batch, dinputs', byHand.dinputs, auto.dinputs, [[0.44, -0.38, -0.07, 1.37], [0.88, -0.76, -0.14, 2.74], [1.32, -1.14, -0.21, 4.11]]);
compare('batch, dweights', byHand.dweights, auto.dweights, [[0.5, 0.5, 0.5], [20.1, 20.1, 20.1], [10.9, 10.9, 10.9], [4.1, 4.1, 4.1]]);
compare('batch, dbiases', byHand.dbiases, auto.dbiases, [[6, 6, 6]]);

// --- ReLU's derivative on a layer's output: the incoming gradient where the input was positive, else 0.
const zs = [[1, 2, -3, -4], [2, -7, -1, 3], [-1, 2, 5, -1]];
const dv = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]];
const drelu = zs.map((row, i) => row.map((v, j) => (v > 0 ? dv[i][j] : 0)));
const tz = tensor(zs, param);
tz.relu().backward(tensor(dv, f64));
compare('relu', drelu, tz.grad, [[1, 2, 0, 0], [5, 0, 0, 8], [0, 10, 11, 0]]);

console.log('ok: every gradient worked out by hand equals autograd\'s and the book\'s');
