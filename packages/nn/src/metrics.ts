// Accuracy metrics as the book computes them.
import { type Tensor, ShapeError, noGrad } from '@tensorgrad/core';
import { fmt } from '@tensorgrad/core/util';

/** Fraction of rows whose argmax matches the target: int labels [n], or one-hot / probabilities [n, c]. */
export function accuracy(pred: Tensor, target: Tensor): number {
  return noGrad(() => {
    if (pred.ndim !== 2) throw new ShapeError(`accuracy: predictions must be [samples, classes], got ${fmt(pred.shape)}`);
    const labels = target.ndim === 2 ? target.argmax(1) : target;
    if (labels.ndim !== 1 || labels.size !== pred.shape[0]) {
      throw new ShapeError(`accuracy: ${pred.shape[0]} predictions but targets of shape ${fmt(target.shape)}`);
    }
    return fractionNonzero(pred.argmax(1).eq(labels));
  });
}

/** Fraction of predictions within `precision` of the target; the book uses std(target) / 250. */
export function regressionAccuracy(pred: Tensor, target: Tensor, precision = standardDeviation(target) / 250): number {
  return noGrad(() => {
    if (pred.size !== target.size) throw new ShapeError(`regressionAccuracy: ${pred.size} predictions but ${target.size} targets`);
    return fractionNonzero(pred.reshape([-1]).sub(target.reshape([-1])).abs().lt(precision));
  });
}

/** The mean of a bool mask, as numpy's mean of a bool array (the count is exact in int32). */
function fractionNonzero(mask: Tensor): number {
  return mask.sum().item() / mask.size;
}

/** numpy's np.std (population standard deviation). */
export function standardDeviation(x: Tensor): number {
  let mean = 0;
  for (let i = 0; i < x.size; i++) mean += x.data[i];
  mean /= x.size;
  let v = 0;
  for (let i = 0; i < x.size; i++) v += (x.data[i] - mean) ** 2;
  return Math.sqrt(v / x.size);
}
