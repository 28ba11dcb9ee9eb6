// @tensorgrad/nn: modules, layers, activations, losses, metrics and data sets, on @tensorgrad/core's public API.
export { Module, StateDictError, type StateDict } from './module.js';
export { Dense, Dropout, Sequential, regularizationLoss, type DenseOptions, type Initializer } from './layers.js';
export { ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, Linear, Step } from './activations.js';
export {
  Loss, CategoricalCrossentropy, SoftmaxCrossEntropy, BinaryCrossentropy, MeanSquaredError, MeanAbsoluteError,
  type Reduction, type LossOptions,
} from './losses.js';
export { accuracy, regressionAccuracy, standardDeviation } from './metrics.js';
export { spiralData, verticalData, sineData, batches, type Dataset, type DataOptions, type BatchOptions } from './data.js';
export { decisionRegionsSvg, curvesSvg, niceTicks, type Series, type Panel, type DecisionRegionsOptions } from './plot.js';
export { Model, type OptimizerLike, type AccuracyKind, type TrainOptions, type EpochMetrics, type BatchMetrics, type Callbacks, type EarlyStopping, type History, type Progress } from './model.js';
export { parametersToBytes, parametersFromBytes, saveParameters, loadParameters } from './io.js';
export * from './serialize.js';
export * from './onnx.js';
export * from './torch.js';
