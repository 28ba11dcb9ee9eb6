// Chapters 1-2: a single neuron, then a layer of three neurons, first with plain numbers as the book
// writes them, then with tensors (a matmul plus a bias). Run: npx tsx examples/01-single-neuron.ts
import { tensor } from '@tensorgrad/core';
import { check, close } from './_fast.js';

// --- One neuron with three inputs: sum of input * weight, plus the bias.
const inputs = [1, 2, 3];
const weights = [0.2, 0.8, -0.5];
const bias = 2;
const output = inputs[0] * weights[0] + inputs[1] * weights[1] + inputs[2] * weights[2] + bias;
console.log('single neuron, by hand:', output); // the book prints 2.3

// The same neuron with tensors: a dot product (1-D matmul) plus the bias. float64, as Python's floats.
const neuron = tensor(inputs, { dtype: 'float64' }).matmul(tensor(weights, { dtype: 'float64' })).add(bias);
console.log('single neuron, tensors:', neuron.item());
check(close([output, neuron.item()], [2.3, 2.3], 1e-12), 'the neuron gives the book\'s 2.3');

// --- A layer of three neurons on four inputs: one row of weights and one bias per neuron.
const layerInputs = [1.0, 2.0, 3.0, 2.5];
const layerWeights = [
  [0.2, 0.8, -0.5, 1],
  [0.5, -0.91, 0.26, -0.5],
  [-0.26, -0.27, 0.17, 0.87],
];
const biases = [2, 3, 0.5];

// The book's loop: for each neuron, sum input * weight, then add the neuron's bias.
const layerOutputs: number[] = [];
for (let n = 0; n < layerWeights.length; n++) {
  let neuronOutput = 0;
  for (let i = 0; i < layerInputs.length; i++) neuronOutput += layerInputs[i] * layerWeights[n][i];
  layerOutputs.push(neuronOutput + biases[n]);
}
console.log('layer, by hand:', layerOutputs); // the book prints [4.8, 1.21, 2.385]

// np.dot(weights, inputs) + biases: a [3, 4] matrix times a [4] vector gives one output per neuron.
const W = tensor(layerWeights, { dtype: 'float64' });
const layer = W.matmul(tensor(layerInputs, { dtype: 'float64' })).add(tensor(biases, { dtype: 'float64' }));
console.log('layer, tensors:', String(layer)); // printed as numpy prints it: [4.8   1.21  2.385]

const book = [4.8, 1.21, 2.385];
check(close(layerOutputs, book, 1e-12), 'the loop gives the book\'s [4.8, 1.21, 2.385]');
check(close(layer.data, book, 1e-12), 'the matmul gives the book\'s [4.8, 1.21, 2.385]');
console.log('ok: both ways give the book\'s numbers');
