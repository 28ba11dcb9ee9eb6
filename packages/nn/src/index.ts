// @tensorgrad/nn: modules, layers, activations, losses, metrics, data sets and Model, on @tensorgrad/core's public API.
// File formats live in @tensorgrad/io, pictures in @tensorgrad/plot.
export { Module, StateDictError, ModuleError, nameList, type StateDict, type BufferOptions } from './module.js';
export {
  registerLayer, registeredLayer, registeredLayers, registerLoss, layerToJson, layerFromJson, lossToJson, lossFromJson, ConfigReader,
  checkJson,
  ModelFormatError, MODEL_LIMITS, type LayerClass, type LossClass, type LayerSerializer, type ConfigWriter, type OnnxGraphBuilder,
  type TorchParameter, type JsonValue, type JsonObject, type ReadBudget,
} from './registry.js';
export { Dense, Dropout, Sequential, regularizationLoss, type DenseOptions, type Initializer } from './layers.js';
export {
  ReLU, LeakyReLU, Sigmoid, Tanh, Softmax, Step,
  GELU, SiLU, Softplus, ELU, CELU, SELU, Mish, Hardswish, Hardsigmoid, Hardtanh, ReLU6, LogSigmoid, Softsign, Softmin, LogSoftmax, GLU,
} from './activations.js';
// PyTorch's layers (layers/): convolutions, pools, shape layers, Linear
export { Conv1d, Conv2d, ConvTranspose2d, type ConvLayerOptions, type ConvTransposeLayerOptions } from './layers/conv.js';
export { MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool2d, type MaxPoolLayerOptions, type AvgPoolLayerOptions } from './layers/pool.js';
export { Flatten, Unflatten, Identity } from './layers/shape.js';
export { Linear, type LinearOptions } from './layers/linear.js';
// modules: containers
export { ModuleList, ModuleDict } from './layers/containers.js';
export * as init from './init.js';
export { summary, type ModelSummary, type SummaryRow, type SummaryOptions } from './summary.js';
export {
  calculateGain, calculateFanInAndFanOut, uniform_, normal_, constant_, zeros_, ones_, xavierUniform_, xavierNormal_, kaimingUniform_,
  kaimingNormal_, truncNormal_, orthogonal_, type Nonlinearity, type InitOptions, type KaimingOptions, type FanMode,
} from './init.js';
export {
  Loss, CategoricalCrossentropy, SoftmaxCrossEntropy, BinaryCrossentropy, MeanSquaredError, MeanAbsoluteError,
  type Reduction, type LossOptions,
} from './losses.js';
// layers-norm: normalization, embedding, attention, transformer
export {
  LayerNorm, GroupNorm, BatchNorm1d, BatchNorm2d, type LayerNormOptions, type GroupNormOptions, type BatchNormLayerOptions, type NormLayerOptions,
} from './layers/norm.js';
export { Embedding, type EmbeddingLayerOptions } from './layers/embedding.js';
export { MultiheadAttention, type MultiheadAttentionOptions, type AttentionForwardOptions } from './layers/attention.js';
export { TransformerEncoderLayer, type TransformerEncoderLayerOptions, type EncoderForwardOptions } from './layers/transformer.js';
export {
  CrossEntropyLoss, NLLLoss, BCEWithLogitsLoss, HuberLoss, SmoothL1Loss, KLDivLoss, MSELoss, L1Loss, BCELoss,
  type CrossEntropyLossOptions, type NLLLossOptions, type BCEWithLogitsLossOptions, type KLDivLossOptions,
} from './torchlosses.js';
export { accuracy, regressionAccuracy, standardDeviation } from './metrics.js';
export { nnfsInit } from './nnfs.js';
export { spiralData, verticalData, sineData, batches, type XYData, type DataOptions, type BatchOptions } from './data.js';
export { TensorDataset, DataLoader, defaultCollate, type Dataset, type DataLoaderOptions, type Batch } from './dataloader.js';
export { Model, type OptimizerLike, type AccuracyKind, type TrainOptions, type EpochMetrics, type BatchMetrics, type Callbacks, type EarlyStopping, type History, type Progress } from './model.js';

import { sealBuiltinLayers } from './registry.js';
// Every built-in layer has registered itself by now (the imports above ran first): users cannot take their names.
sealBuiltinLayers();
