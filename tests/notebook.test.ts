// Every number the notebook prints in its forward and backward sections, through the public API
// (fixtures/notebook_numbers.json, made by make_notebook_numbers.py). The backward numbers come from
// autograd, not from hand-written gradient formulas. float64 throughout, as the notebook's numpy.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { tensor, where, type NestedArray, type Tensor } from '@tensorgrad/core';

interface Entry {
  inputs: Record<string, any>;
  outputs: Record<string, any>;
  derived_not_printed?: Record<string, any>;
  printed: string | string[];
}
const { entries } = JSON.parse(readFileSync(new URL('./fixtures/notebook_numbers.json', import.meta.url), 'utf8')) as {
  entries: Record<string, Entry>;
};

const f64 = (data: NestedArray, requiresGrad = false) => tensor(data, { dtype: 'float64', requiresGrad });
const i32 = (data: NestedArray) => tensor(data, { dtype: 'int32' });

/** numpy's print() of an array with its line breaks removed, as the fixture keeps it. */
const printed = (t: Tensor) => t.toString().replace(/\n/g, '');
/** A Python list of floats, as print(list) shows it: each element as numpy prints a float64 scalar. */
const pyList = (t: Tensor) => `[${Array.from({ length: t.size }, (_, i) => t.slice([i]).toString()).join(', ')}]`;

function flat(v: NestedArray): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [Number(v)];
}

/** Values equal to the fixture's, bit for bit. */
function expectExact(t: Tensor, want: NestedArray): void {
  expect(t.toArray()).toEqual(want);
}

/**
 * Values within 1e-12 of the fixture's relative to the row's magnitude: for results that numpy got from
 * BLAS, which may add the terms of a dot product in another order.
 */
function expectClose(t: Tensor, want: NestedArray): void {
  const w = flat(want);
  expect(t.size).toBe(w.length);
  const got = Array.from(t.data);
  const bad = got.map((g, i) => [i, g, w[i]] as const).filter(([, g, v]) => !(Math.abs(g - v) <= 1e-12 * Math.max(1, Math.abs(v))));
  expect(bad).toEqual([]);
}

describe('forward: a neuron, a layer, a batch through two layers', () => {
  it('single neuron: inputs . weights + bias prints 2.3', () => {
    const e = entries.single_neuron;
    const out = f64(e.inputs.inputs).dot(f64(e.inputs.weights)).add(e.inputs.bias);
    expect(out.dtype).toBe('float64');
    expect(out.shape).toEqual([]);
    expect(out.item()).toBe(e.outputs.output);
    expect(out.toString()).toBe(e.printed);
  });

  it('layer of three neurons (the python loop): weights @ inputs + biases', () => {
    const e = entries.layer_loop;
    const out = f64(e.inputs.weights_neurons_by_inputs).matmul(f64(e.inputs.inputs)).add(f64(e.inputs.biases));
    expect(out.shape).toEqual([3]);
    expectExact(out, e.outputs.layer_outputs); // the loop adds in the same order as the kernel
    expect(pyList(out)).toBe(e.printed);
  });

  it('layer of three neurons (numpy): np.dot(weights, inputs) + biases', () => {
    const e = entries.layer_numpy;
    const out = f64(e.inputs.weights_neurons_by_inputs).dot(f64(e.inputs.inputs)).add(f64(e.inputs.biases));
    expectClose(out, e.outputs.layer_outputs);
    expect(printed(out)).toBe(e.printed);
  });

  it('batch of three samples through two layers', () => {
    const e = entries.batch_two_layers;
    const x = f64(e.inputs.inputs);
    const layer1 = x.matmul(f64(e.inputs.weights_neurons_by_inputs).T).add(f64(e.inputs.biases));
    const layer2 = layer1.matmul(f64(e.inputs.weights2_neurons_by_inputs).T).add(f64(e.inputs.biases2));
    expect(layer2.shape).toEqual([3, 3]);
    expectClose(layer1, e.outputs.layer1_outputs);
    expectClose(layer2, e.outputs.layer2_outputs);
    expect(printed(layer2)).toBe(e.printed);
    expect(layer2.toString()).toBe('[[ 0.5031  -1.04185 -2.03875]\n [ 0.2434  -2.7332  -5.7633 ]\n [-0.99314  1.41254 -0.35655]]');
  });
});

describe('backward: one neuron with ReLU, by autograd', () => {
  const e = entries.neuron_relu_backprop;

  function forward() {
    const x = f64(e.inputs.x, true);
    const w = f64(e.inputs.w, true);
    const b = f64(e.inputs.b, true);
    const xw = x.mul(w).retainGrad();
    const z = xw.sum().add(b).retainGrad();
    const y = z.relu();
    return { x, w, b, xw, z, y };
  }

  it('forward values xw, z, y', () => {
    const { xw, z, y } = forward();
    expectExact(xw, e.outputs.xw);
    expect(z.item()).toBe(e.outputs.z);
    expect(y.item()).toBe(e.outputs.y);
  });

  it('gradients with upstream dvalue = 1: drelu_dz, drelu_dxw, drelu_db, drelu_dx0, and dx, dw', () => {
    const { x, w, b, xw, z, y } = forward();
    y.backward(f64(e.inputs.dvalue));
    expect(z.grad!.item()).toBe(e.outputs.drelu_dz);
    expectExact(xw.grad!, e.outputs.drelu_dxw);
    expect(b.grad!.item()).toBe(e.outputs.drelu_db);
    expect(x.grad!.data[0]).toBe(e.outputs.drelu_dx0);
    expectExact(x.grad!, e.derived_not_printed!.dx);
    expectExact(w.grad!, e.derived_not_printed!.dw);
    expect(b.grad!.item()).toBe(e.derived_not_printed!.db);

    // print(drelu_dz); print(drelu_dxw0); print(drelu_dxw0, drelu_dxw1, drelu_dxw2, drelu_db); print(drelu_dx0)
    const lines = [
      z.grad!.toString(),
      xw.grad!.slice([0]).toString(),
      [0, 1, 2].map((i) => xw.grad!.slice([i]).toString()).concat(b.grad!.toString()).join(' '),
      x.grad!.slice([0]).toString(),
    ];
    expect(lines).toEqual(e.printed);
  });

  it('gives the same gradients with z = x.dot(w) + b and the default gradient of 1', () => {
    const x = f64(e.inputs.x, true);
    const w = f64(e.inputs.w, true);
    const b = f64(e.inputs.b, true);
    x.dot(w).add(b).relu().backward();
    expectExact(x.grad!, e.derived_not_printed!.dx);
    expectExact(w.grad!, e.derived_not_printed!.dw);
    expect(b.grad!.item()).toBe(e.derived_not_printed!.db);
  });

  it('passes no gradient when z <= 0 (the derivative of ReLU at 0 is 0)', () => {
    for (const bias of [-5, -6]) { // x . w = 5, so z = 0 and z = -1
      const x = f64(e.inputs.x, true);
      const b = f64(bias, true);
      const z = x.dot(f64(e.inputs.w)).add(b).retainGrad();
      z.relu().backward();
      expect(z.item()).toBe(bias + 5);
      expect(Array.from(x.grad!.data)).toEqual([0, 0, 0]);
      expect(b.grad!.item()).toBe(0);
    }
  });
});

describe('backward: a dense layer inputs.matmul(weights).add(biases), by autograd', () => {
  it('one sample: dinputs = dvalues[0] @ weights.T (and the loop of sums)', () => {
    const e = entries.dinputs_single;
    const weights = f64(e.inputs.weights_inputs_by_neurons, true); // [4 inputs, 3 neurons]
    const inputs = f64(entries.dweights_batch.inputs.inputs[0], true); // any sample: dinputs does not depend on it
    const out = inputs.matmul(weights).add(f64([2, 3, 0.5]));
    out.backward(f64(e.inputs.dvalues[0]));
    expect(inputs.grad!.shape).toEqual([4]);
    expectClose(inputs.grad!, e.outputs.dinputs_dot);
    // the loop: sum(weights[i] * dvalues[0]) for each input i
    const loop = weights.detach().mul(f64(e.inputs.dvalues[0])).sum(1);
    expectExact(loop, e.outputs.dinputs_loop);
    expect([printed(loop), printed(inputs.grad!)]).toEqual(e.printed);
  });

  it('a batch: dinputs, dweights and dbiases of the layer given the notebook dvalues', () => {
    const di = entries.dinputs_batch, dw = entries.dweights_batch, db = entries.dbiases_batch;
    const inputs = f64(dw.inputs.inputs, true); // [3 samples, 4 inputs]
    const weights = f64(di.inputs.weights_inputs_by_neurons, true); // [4, 3]
    const biases = f64(db.inputs.biases, true); // [1, 3]
    const dvalues = f64(di.inputs.dvalues);
    expect(dvalues.toArray()).toEqual(dw.inputs.dvalues);
    expect(dvalues.toArray()).toEqual(db.inputs.dvalues);

    const out = inputs.matmul(weights).add(biases);
    expect(out.shape).toEqual([3, 3]);
    out.backward(dvalues);

    expect(inputs.grad!.shape).toEqual([3, 4]);
    expectClose(inputs.grad!, di.outputs.dinputs);
    expect(printed(inputs.grad!)).toBe(di.printed);

    expect(weights.grad!.shape).toEqual([4, 3]);
    expectClose(weights.grad!, dw.outputs.dweights);
    expect(printed(weights.grad!)).toBe(dw.printed);

    expect(biases.grad!.shape).toEqual([1, 3]);
    expectExact(biases.grad!, db.outputs.dbiases);
    expect(printed(biases.grad!)).toBe(db.printed);
  });

  it('the notebook formulas themselves: dvalues @ W.T, inputs.T @ dvalues, sum(dvalues, 0, keepdims)', () => {
    const di = entries.dinputs_batch, dw = entries.dweights_batch, db = entries.dbiases_batch;
    const dvalues = f64(di.inputs.dvalues);
    expectClose(dvalues.matmul(f64(di.inputs.weights_inputs_by_neurons).T), di.outputs.dinputs);
    expectClose(f64(dw.inputs.inputs).T.matmul(dvalues), dw.outputs.dweights);
    const dbiases = dvalues.sum(0, true);
    expectExact(dbiases, db.outputs.dbiases);
    expect(printed(dbiases)).toBe(db.printed);
  });
});

describe('backward: the ReLU derivative', () => {
  const e = entries.relu_derivative;

  it('mask, chain rule and shortcut print as the notebook (int arrays)', () => {
    const z = i32(e.inputs.z);
    const dvalues = i32(e.inputs.dvalues);
    const mask = z.gt(0).astype('int32'); // the notebook's 0/1 int mask (a comparison gives bool)
    const chain = mask.mul(dvalues);
    const shortcut = where(z.le(0), 0, dvalues);
    for (const t of [mask, chain, shortcut]) expect(t.dtype).toBe('int32');
    expectExact(mask, e.outputs.mask);
    expectExact(chain, e.outputs.chain);
    expectExact(shortcut, e.outputs.shortcut);
    expect([printed(mask), printed(chain), printed(shortcut)]).toEqual(e.printed);
  });

  it('autograd through relu gives the chain-rule gradient', () => {
    const z = f64(e.inputs.z, true);
    z.relu().backward(f64(e.inputs.dvalues));
    expectExact(z.grad!, e.outputs.chain);
    expect(printed(z.grad!.astype('int32'))).toBe(e.printed[1]);
    expectExact(z.detach().step(), e.outputs.mask);
  });

  it('counts z == 0 as not positive', () => {
    const z = f64([[0, 1, -1]], true);
    z.relu().backward(f64([[5, 6, 7]]));
    expect(z.grad!.toArray()).toEqual([[0, 6, 0]]);
    expect(z.detach().gt(0).toArray()).toEqual([[false, true, false]]);
  });
});
