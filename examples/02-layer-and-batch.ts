// Chapters 2-5: a batch of samples through two layers, then the book's spiral data through Dense layers,
// ReLU and Softmax, scored by cross-entropy loss and accuracy. Run: npx tsx examples/02-layer-and-batch.ts
import { tensor, type Tensor } from '@tensorgrad/core';
import { CategoricalCrossentropy, Dense, ReLU, Softmax, accuracy, spiralData, nnfsInit } from '@tensorgrad/nn';
import { check, close } from './_fast.js';

// Within `rel` of each expected value (float32 results against the book's printed digits).
function near(t: Tensor, expected: number[][], rel: number, abs = 0): boolean {
  const want = expected.flat();
  return t.size === want.length && want.every((w, i) => Math.abs(t.data[i] - w) <= rel * Math.abs(w) + abs);
}

// --- A batch of three samples through two layers with the book's weights (float64, as plain numpy).
// Weights are written one row per neuron, so each layer is inputs @ weights.T + biases.
const f64 = { dtype: 'float64' } as const;
const inputs = tensor([[1, 2, 3, 2.5], [2, 5, -1, 2], [-1.5, 2.7, 3.3, -0.8]], f64);
const weights = tensor([[0.2, 0.8, -0.5, 1], [0.5, -0.91, 0.26, -0.5], [-0.26, -0.27, 0.17, 0.87]], f64);
const biases = tensor([2, 3, 0.5], f64);
const weights2 = tensor([[0.1, -0.14, 0.5], [-0.5, 0.12, -0.33], [-0.44, 0.73, -0.13]], f64);
const biases2 = tensor([-1, 2, -0.5], f64);

const layer1 = inputs.matmul(weights.T).add(biases);
const layer2 = layer1.matmul(weights2.T).add(biases2);
console.log('two layers on a batch of three:');
console.log(String(layer2));
const bookLayer2 = [[0.5031, -1.04185, -2.03875], [0.2434, -2.7332, -5.7633], [-0.99314, 1.41254, -0.35655]];
check(close(layer2.data, bookLayer2.flat(), 1e-12), 'the batch gives the book\'s layer2_outputs');

// --- The book's spiral data (nnfs.init() seeds 0) and its first network, drawn from the same stream.
nnfsInit();
const { X, y } = spiralData(100, 3); // 300 points, 3 classes, float32 as nnfs makes them
const dense1 = new Dense(2, 3); // weights 0.01 * randn, biases zeros: the book's Layer_Dense
const activation1 = new ReLU();
const dense2 = new Dense(3, 3);
const activation2 = new Softmax();
const lossFunction = new CategoricalCrossentropy();

const out1 = dense1.forward(X);
console.log('\ndense1 output, first 5 rows (chapter 3):');
console.log(String(out1.slice([[0, 5]])));
check(
  near(out1.slice([[0, 5]]), [
    [0, 0, 0],
    [-1.0475188e-4, 1.1395361e-4, -4.79835e-5],
    [-2.7414842e-4, 3.172915e-4, -8.6921798e-5],
    [-4.2188365e-4, 5.2666257e-4, -5.5912682e-5],
    [-5.770768e-4, 7.1401405e-4, -8.9430439e-5],
  ], 1e-6),
  'dense1 gives the book\'s chapter 3 outputs',
);

const probs = activation2.forward(dense2.forward(activation1.forward(out1)));
console.log('\nsoftmax output, first 5 rows (chapter 4):');
console.log(String(probs.slice([[0, 5]])));
check(
  near(probs.slice([[0, 5]]), [
    [0.33333334, 0.33333334, 0.33333334],
    [0.33333316, 0.3333332, 0.33333364],
    [0.33333287, 0.3333329, 0.33333418],
    [0.3333326, 0.33333263, 0.33333477],
    [0.33333233, 0.3333324, 0.33333528],
  ], 0, 1e-7),
  'the softmax gives the book\'s chapter 4 probabilities',
);

// Chapter 5: mean cross-entropy of the correct class (probabilities clipped at 1e-7), and accuracy.
const loss = lossFunction.forward(probs, y).item();
const acc = accuracy(probs, y);
console.log(`\nloss: ${loss.toFixed(7)}  acc: ${acc}`); // the book: loss: 1.0986104, acc: 0.34
check(Math.abs(loss - 1.0986104) < 5e-7, 'the loss is the book\'s 1.0986104');
check(acc === 0.34, 'the accuracy is the book\'s 0.34');
console.log('ok: the batch, the spiral outputs, the loss and the accuracy are the book\'s');
