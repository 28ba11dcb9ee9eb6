// Two small models with the same shapes but another activation and other weights: the model.json of one with the
// model.safetensors of the other loads without complaint, as a third model that predicts like neither (the mix a
// torn save would leave). Used by tests/model-files.test.ts and the saver process of tests/save-kill.test.ts.
import { Generator } from '@tensorgrad/core';
import { Model, Dense, ReLU, Tanh, Softmax, CategoricalCrossentropy } from '@tensorgrad/nn';

export function twoModels(): [Model, Model] {
  const make = (act: () => ReLU | Tanh, seed: number) => {
    const m = new Model().add(new Dense(2, 6)).add(act()).add(new Dense(6, 3)).add(new Softmax());
    m.set({ loss: new CategoricalCrossentropy() });
    const g = new Generator(seed);
    for (const p of m.parameters()) p.data.set(g.uniform(-1, 1, p.size));
    return m;
  };
  return [make(() => new ReLU(), 1), make(() => new Tanh(), 2)];
}
