// summary(model, inputShape): the table's text, counts, and that the model is left as it was.
import { describe, expect, it } from 'vitest';
import { type Tensor, ValueError } from '@tensorgrad/core';
import { Module, Dense, ReLU, Dropout, Sequential, Embedding, summary } from '@tensorgrad/nn';

describe('summary', () => {
  it('prints layers with output shapes and parameter counts, nested containers indented; frozen ones are non-trainable', () => {
    const m = new Sequential([new Dense(2, 64), new ReLU(), new Sequential([new Dense(64, 3), new Dropout(0.5)])]);
    (m.layers[0] as Dense).requiresGrad_(false);
    let printed = '';
    const s = summary(m, [1, 2], { print: (t) => (printed = t) });
    expect(printed).toBe(s.text);
    expect(s.text).toBe([
      '======================================================',
      'Layer (type)                     Output shape  Param #',
      '======================================================',
      'Sequential                       [1, 3]              0',
      '  layers.0 (Dense)               [1, 64]           192',
      '  layers.1 (ReLU)                [1, 64]             0',
      '  layers.2 (Sequential)          [1, 3]              0',
      '    layers.2.layers.0 (Dense)    [1, 3]            195',
      '    layers.2.layers.1 (Dropout)  [1, 3]              0',
      '======================================================',
      'Total params: 387',
      'Trainable params: 195',
      'Non-trainable params: 192',
      '======================================================',
    ].join('\n'));
    expect([s.totalParams, s.trainableParams, s.nonTrainableParams]).toEqual([387, 195, 192]);
    expect(m.training).toBe(true);
    expect(Object.hasOwn(m.layers[0], 'forward')).toBe(false);
  });

  it('takes an input dtype (int32 indices for an Embedding), marks modules the pass did not call, names failures', () => {
    class Unused extends Module {
      readonly emb = new Embedding(10, 4);
      readonly spare = new Dense(4, 4);
      forward(x: Tensor): Tensor {
        return this.emb.forward(x);
      }
    }
    const s = summary(new Unused(), [2, 3], { dtype: 'int32' });
    expect(s.rows.map((r) => [r.name, r.outputShape, r.trainable])).toEqual([['', [2, 3, 4], 0], ['emb', [2, 3, 4], 40], ['spare', null, 20]]);
    expect(s.text).toContain('  spare (Dense)    -                  20');
    expect(s.text).toContain('Total params: 60');
    expect(() => summary(new Dense(3, 1), [1, 2])).toThrow(ValueError);
    expect(() => summary(new Dense(3, 1), [1, 2])).toThrow(/forward pass on zeros of shape \[1, 2\] failed: ShapeError/);
  });
});
