// Chapter 16: binary logistic regression. Two spiral arms, one sigmoid output per sample (the probability of
// class 1), binary cross-entropy, L2 regularization on the hidden layer, Adam.
// Run: npx tsx examples/06-binary-classification.ts   (about 10 s)
import { noGrad, type Tensor } from '@tensorgrad/core';
import { BinaryCrossentropy, Dense, ReLU, Sequential, Sigmoid, regularizationLoss, spiralData, nnfsInit } from '@tensorgrad/nn';
import { Adam } from '@tensorgrad/optim';
import { check, epochs, fast } from './_fast.js';

const EPOCHS = epochs(10001, 401);

/** The book's binary accuracy: a prediction is class 1 when its probability is above 0.5. */
function binaryAccuracy(probs: Tensor, targets: Tensor): number {
  return noGrad(() => probs.gt(0.5).eq(targets).astype('float64').mean().item());
}

nnfsInit();
const train = spiralData(100, 2);
// One output per sample, so the targets become a column of 0/1 floats: [200] int32 -> [200, 1] float32.
const y = train.y.reshape([-1, 1]).astype('float32');

const model = new Sequential([
  new Dense(2, 64, { weightRegularizerL2: 5e-4, biasRegularizerL2: 5e-4 }),
  new ReLU(),
  new Dense(64, 1),
  new Sigmoid(),
]);
const lossFn = new BinaryCrossentropy();
const optimizer = new Adam(model.parameters(), { decay: 5e-7 }); // the default lr, 0.001

let acc = NaN, firstLoss = NaN, lastLoss = NaN;
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  const probs = model.forward(train.X);
  const dataLoss = lossFn.forward(probs, y);
  const regLoss = regularizationLoss(model); // 5e-4 * sum(w^2) + 5e-4 * sum(b^2) of the first layer
  acc = binaryAccuracy(probs, y);
  lastLoss = dataLoss.item();
  if (epoch === 0) firstLoss = lastLoss; // ln 2: every probability starts near 0.5
  if (epoch % Math.floor(EPOCHS / 5) === 0) {
    const d = dataLoss.item(), r = regLoss.item();
    console.log(`epoch: ${epoch}, acc: ${acc.toFixed(3)}, loss: ${(d + r).toFixed(3)} (data_loss: ${d.toFixed(3)}, reg_loss: ${r.toFixed(3)}), lr: ${optimizer.currentLr}`);
  }
  optimizer.zeroGrad();
  dataLoss.add(regLoss).backward();
  optimizer.step();
}

// Validate on a freshly drawn pair of spiral arms, as the book does.
const test = spiralData(100, 2);
const yTest = test.y.reshape([-1, 1]).astype('float32');
const testProbs = noGrad(() => model.forward(test.X));
const testAcc = binaryAccuracy(testProbs, yTest);
console.log(`validation, acc: ${testAcc.toFixed(3)}, loss: ${lossFn.forward(testProbs, yTest).item().toFixed(3)}`);

check(lastLoss < firstLoss - 0.02, 'training lowers the binary cross-entropy');
// With the book's 10,001 epochs the arms are mostly separated (about 0.92 on train, 0.88 on test here).
if (!fast) check(acc > 0.85 && testAcc > 0.8, 'the classifier separates the two arms (accuracy above 0.85 / 0.8)');
console.log('ok: sigmoid + binary cross-entropy learned the two classes');
