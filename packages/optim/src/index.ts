// @tensorgrad/optim: the notebook's optimizers (SGD with momentum, AdaGrad, RMSProp, Adam) plus AdamW and
// per-epoch learning-rate schedules, updating parameters in place through @tensorgrad/core's public API.
export {
  Optimizer, type BaseOptions, type CommonOptions, type OptionValue, type ParamGroup, type ParamGroupSpec, type Params,
  type OptimizerStateDict, type ParamStateDict, type StateValue,
} from './optimizer.js';
export { NonFiniteGradientError, OptimizerStateError, NonFiniteNormError } from './errors.js';
export { SGD, type SGDOptions } from './sgd.js';
export { AdaGrad, type AdaGradOptions } from './adagrad.js';
export { RMSProp, type RMSPropOptions } from './rmsprop.js';
export { Adam, AdamW, type AdamOptions, type AdamWOptions } from './adam.js';
export {
  LRScheduler, StepLR, ExponentialLR, CosineAnnealingLR, LambdaLR, LinearLR, OneCycleLR, SequentialLR, ReduceLROnPlateau,
  type LRScale, type OptionSchedule, type OneCycleOptions, type ReduceLROnPlateauOptions, type PlateauStateDict,
} from './schedulers.js';
export { clipGradNorm, clipGradValue, type ClipGradNormOptions } from './clip.js';
