// Chapter 17: regression. A network learns y = sin(2 pi x) on [0, 1): a linear output (no activation),
// mean squared error, Adam, and the book's "accuracy" for regression: the fraction of predictions within
// std(y) / 250 of the target. Run: npx tsx examples/05-regression-sine.ts   (about 10 s)
import { noGrad } from '@tensorgrad/core';
import { Dense, Identity, MeanSquaredError, ReLU, Sequential, regressionAccuracy, sineData, nnfsInit } from '@tensorgrad/nn';
import { Adam } from '@tensorgrad/optim';
import { check, epochs } from './_fast.js';

// The book trains 10,001 epochs on 1,000 points; with plain-TypeScript kernels that takes minutes, so this
// runs 3,001 epochs on 250 points of the same curve, then tests on the book's 1,000.
const EPOCHS = epochs(3001, 301);
nnfsInit();
const train = sineData(250);
const test = sineData(1000);

// The book's regression model: 1 -> 64 -> 64 -> 1 with ReLU, and a linear output.
const dense1 = new Dense(1, 64);
const dense2 = new Dense(64, 64);
const dense3 = new Dense(64, 1);
// The book found 0.01 * randn too small for this model and initializes with 0.1 * randn instead.
for (const layer of [dense1, dense2, dense3]) {
  const w = layer.weights.data; // the row-major values, scaled in place before training starts
  for (let i = 0; i < w.length; i++) w[i] *= 10;
}
const model = new Sequential([dense1, new ReLU(), dense2, new ReLU(), dense3, new Identity()]);
const lossFn = new MeanSquaredError();
const optimizer = new Adam(model.parameters(), { lr: 0.005, decay: 1e-3 });

let firstLoss = NaN;
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  const pred = model.forward(train.X);
  const loss = lossFn.forward(pred, train.y);
  if (epoch === 0) firstLoss = loss.item();
  if (epoch % Math.floor(EPOCHS / 6) === 0) {
    const acc = regressionAccuracy(pred, train.y); // precision std(y) / 250, as the book
    console.log(`epoch ${String(epoch).padStart(4)}  loss ${loss.item().toExponential(3)}  acc ${acc.toFixed(3)}  lr ${optimizer.currentLr.toFixed(6)}`);
  }
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
}

const trainPred = noGrad(() => model.forward(train.X));
const testPred = noGrad(() => model.forward(test.X));
const trainLoss = lossFn.forward(trainPred, train.y).item();
const testLoss = lossFn.forward(testPred, test.y).item();
console.log(`trained: loss ${trainLoss.toExponential(3)}, accuracy ${regressionAccuracy(trainPred, train.y).toFixed(3)}`);
console.log(`test on the book's 1,000 points: loss ${testLoss.toExponential(3)}, accuracy ${regressionAccuracy(testPred, test.y).toFixed(3)}`);
// A few points of the fitted curve beside the true sine.
for (const x of [0.1, 0.25, 0.5, 0.75, 0.9]) {
  const i = Math.round(x * 1000);
  console.log(`  x ${x.toFixed(2)}  sin ${test.y.data[i].toFixed(4)}  model ${testPred.data[i].toFixed(4)}`);
}

// MSE starts near 0.5 (the mean of sin^2); a fitted curve is within a few hundredths everywhere.
check(firstLoss > 0.1, 'the untrained model is far from the sine');
check(trainLoss < 1e-3 && testLoss < 1e-3, 'the model fits the sine (MSE below 1e-3, on train and test)');
console.log('ok: the network learned the sine');
