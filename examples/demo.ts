// The demo: the book's spiral classifier trained with the Model API, then two pictures.
// Run: npm run demo   (DEMO_EPOCHS=200 for a quick run; DEMO_OUT=dir for where the pictures go)
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Model, Dense, ReLU, Softmax, CategoricalCrossentropy, spiralData, nnfsInit } from '@tensorgrad/nn';
import { Adam } from '@tensorgrad/optim';
import { decisionRegionsSvg, curvesSvg } from '@tensorgrad/plot';

const epochs = Number(process.env.DEMO_EPOCHS ?? 3000);
const outDir = resolve(process.env.DEMO_OUT ?? 'out');

nnfsInit(); // the book's nnfs.init(): seed 0, float32, float64 matmul sums
const train = spiralData(100, 3);
const validation = spiralData(100, 3); // a freshly drawn set, as the book validates

const model = new Model();
model.add(new Dense(2, 64));
model.add(new ReLU());
model.add(new Dense(64, 3));
model.add(new Softmax());
model.set({
  loss: new CategoricalCrossentropy(),
  optimizer: new Adam(model.parameters(), { lr: 0.05, decay: 5e-7 }),
  accuracy: 'categorical',
});
model.finalize();

const history = model.train(train.X, train.y, { epochs, validationData: validation });
const test = spiralData(100, 3);
const result = model.evaluate(test.X, test.y);
console.log(`test set: loss ${result.loss.toFixed(3)}, accuracy ${result.accuracy.toFixed(3)}`);

mkdirSync(outDir, { recursive: true });
const regions = resolve(outDir, 'decision_regions.svg');
writeFileSync(regions, decisionRegionsSvg((x) => model.predict(x), train.X, train.y, { title: 'Spiral: decision regions' }));
const steps = history.epochs.map((m) => m.epoch);
const curves = resolve(outDir, 'curves.svg');
writeFileSync(curves, curvesSvg([
  { title: 'Loss', yLabel: 'loss', series: [
    { name: 'train', steps, values: history.epochs.map((m) => m.loss) },
    { name: 'validation', steps, values: history.epochs.map((m) => m.valLoss!) },
  ] },
  { title: 'Accuracy', yLabel: 'accuracy', legend: 'bottom', series: [
    { name: 'train', steps, values: history.epochs.map((m) => m.accuracy) },
    { name: 'validation', steps, values: history.epochs.map((m) => m.valAccuracy!) },
  ] },
]));
console.log(`wrote ${regions}\nwrote ${curves}`);
