// The commands: train (fit a dense network and save it), eval (loss and accuracy on data), predict (outputs as CSV).
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Generator, Tensor, ValueError, manualSeed, tensor, take, zeros, noGrad } from '@tensorgrad/core';
import { fmt } from '@tensorgrad/core/util';
import {
  Model, Dense, Softmax, CategoricalCrossentropy, MeanSquaredError, ConfigReader, registeredLayers,
  spiralData, verticalData, sineData, type Module, type Initializer,
} from '@tensorgrad/nn';
import { SGD, AdaGrad, RMSProp, Adam, NonFiniteGradientError } from '@tensorgrad/optim';
import { saveModel, loadModel as loadModelFiles, readFileLimited } from '@tensorgrad/io';
import { type CommandSpec, type FlagSpec, type Flags } from './args.js';
import { readCsv, cellError, type CsvTable } from './csv.js';
import { UsageError, CsvError, CliError } from './errors.js';

export interface IO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stdout is a terminal (then training progress is a live bar). */
  isTTY?: boolean;
}

export type Task = 'classify' | 'regress';

/** The file train writes beside the model, with what eval and predict need to read data for it. */
export const METADATA_FILE = 'training.json';

export interface TrainingMetadata {
  format: 'tensorgrad-cli';
  version: 1;
  task: Task;
  /** Input columns. */
  features: number;
  /** Classes (classification) or 1 (regression): the model's output width. */
  outputs: number;
  featureNames: string[] | null;
  targetName: string | null;
  /** The options train ran with, for the record. */
  training: Record<string, unknown>;
  /** Loss and accuracy after training, on the training rows and (when --val > 0) the validation rows. */
  metrics: Record<string, number>;
}

const BUILTIN = ['spiral', 'vertical', 'sine'] as const;
type Builtin = (typeof BUILTIN)[number];

/** A label this large is surely a numeric target read as classes (and would make an output layer that wide). */
const MAX_CLASSES = 100_000;

/** --activation's choices: every registered activation layer, by the name it gives (LeakyReLU: leaky-relu). */
const ACTIVATIONS = new Map(registeredLayers().flatMap((cls) => (cls.activation ? [[cls.activation, cls] as const] : [])));
const OPTIMIZERS = ['sgd', 'adagrad', 'rmsprop', 'adam'] as const;
const INITS: Record<string, Initializer> = {
  nnfs: 'nnfs', 'glorot-uniform': 'glorotUniform', 'glorot-normal': 'glorotNormal', 'he-uniform': 'heUniform', 'he-normal': 'heNormal',
};

// Flags shared by the commands, as table rows.
const dataFlag = (required: boolean): FlagSpec => ({
  name: 'data', type: 'string', valueName: 'spiral|vertical|sine|file.csv', ...(required ? { required } : { default: 'spiral' }),
  description: 'a built-in data set, or a CSV file of numbers (the last column is the target; an optional header row)',
});
const samplesFlag: FlagSpec = {
  name: 'samples', type: 'integer', min: 1, defaultText: '100 per class; 1000 for sine',
  description: 'rows of a built-in data set',
};
const seedFlag = (what: string): FlagSpec => ({
  name: 'seed', type: 'integer', min: 0, max: 4294967295, default: 0, description: what,
});
const modelFlag: FlagSpec = { name: 'model', type: 'string', required: true, valueName: 'dir', description: 'the directory train --out wrote' };

export const TRAIN: CommandSpec = {
  name: 'train',
  summary: 'Trains a network of dense layers to classify or regress, prints its progress and saves it.',
  details:
    'Classification: Dense layers with --activation between them, a final Dense to the classes and Softmax,\n' +
    'categorical cross-entropy. Regression: Dense layers and a final linear Dense to one output, mean squared error.\n' +
    'Example: tensorgrad train --data spiral --layers 64 --epochs 1000 --out model/',
  flags: [
    dataFlag(false),
    { name: 'task', type: 'choice', choices: ['classify', 'regress'], defaultText: 'regress for sine, classify otherwise', description: 'what the target is: class indices 0..k-1, or numbers' },
    samplesFlag,
    { name: 'classes', type: 'integer', min: 2, max: MAX_CLASSES, defaultText: '3; for a CSV, the largest label + 1', description: 'classes of spiral/vertical, or of a CSV target' },
    { name: 'layers', type: 'list', min: 1, default: [64, 64], description: 'hidden layer widths, comma-separated (an empty value: no hidden layer)' },
    { name: 'activation', type: 'choice', choices: [...ACTIVATIONS.keys()], default: 'relu', description: 'activation after each hidden layer' },
    { name: 'init', type: 'choice', choices: Object.keys(INITS), defaultText: 'nnfs (0.01 * randn, the book\'s); he-uniform for regression', description: 'weight initialization' },
    { name: 'optimizer', type: 'choice', choices: OPTIMIZERS, default: 'adam', description: 'the optimizer' },
    { name: 'lr', type: 'number', min: 0, exclusiveMin: true, default: 0.05, description: 'learning rate' },
    { name: 'decay', type: 'number', min: 0, default: 0, description: 'learning-rate decay: step t uses lr / (1 + decay * t)' },
    { name: 'momentum', type: 'number', min: 0, max: 1, exclusiveMax: true, default: 0, description: 'momentum, for --optimizer sgd only' },
    { name: 'epochs', type: 'integer', min: 1, default: 1000, description: 'passes over the training rows' },
    { name: 'batch-size', type: 'integer', min: 0, default: 0, description: 'rows per step, shuffled each epoch; 0: all the training rows in one step' },
    seedFlag('seeds the built-in data, the weights, the validation split and the shuffling'),
    { name: 'val', type: 'number', min: 0, max: 1, exclusiveMax: true, default: 0.2, description: 'fraction of the rows held out (at random) for validation; 0: none' },
    { name: 'out', type: 'string', valueName: 'dir', defaultText: 'not saved', description: 'directory to save the model in (created if missing)' },
    { name: 'print-every', type: 'integer', min: 1, defaultText: 'a tenth of the epochs', description: 'epochs between progress lines' },
    { name: 'quiet', type: 'boolean', description: 'no progress output, only the final summary' },
  ],
};

export const EVAL: CommandSpec = {
  name: 'eval',
  summary: 'Prints the loss and the accuracy of a saved model on data with targets.',
  details: 'Accuracy: the fraction of rows classified right, or for regression within std(target) / 250 of the target.',
  flags: [
    modelFlag,
    dataFlag(true),
    samplesFlag,
    { name: 'classes', type: 'integer', min: 2, defaultText: "the model's", description: 'classes of spiral/vertical' },
    seedFlag('seeds a built-in data set (the seed train used gives the same rows)'),
  ],
};

export const PREDICT: CommandSpec = {
  name: 'predict',
  summary: 'Prints the predictions of a saved model as CSV, one line per row of the data.',
  details:
    'A line holds the class index (or with --proba the class probabilities) or the predicted value.\n' +
    "A CSV may have the target column or not: it is told by the number of columns against the model's inputs.",
  flags: [
    modelFlag,
    dataFlag(true),
    samplesFlag,
    { name: 'classes', type: 'integer', min: 2, defaultText: "the model's", description: 'classes of spiral/vertical' },
    seedFlag('seeds a built-in data set'),
    { name: 'proba', type: 'boolean', description: 'print the class probabilities instead of the class (classification)' },
    { name: 'output', type: 'string', valueName: 'file.csv', defaultText: 'stdout', description: 'write the predictions to this file' },
  ],
};

export const COMMANDS: readonly CommandSpec[] = [TRAIN, EVAL, PREDICT];

// ---------------------------------------------------------------------------------------------------------------
// Data

interface Data {
  /** Inputs [rows, features], float32. */
  X: Tensor;
  /** int32 labels [rows] (classify) or float32 [rows, 1] (regress); null when the rows have no target. */
  y: Tensor | null;
  task: Task;
  /** Classes (classify) or 1. */
  outputs: number;
  featureNames: string[] | null;
  targetName: string | null;
}

const isBuiltin = (name: string): name is Builtin => (BUILTIN as readonly string[]).includes(name);

/** A built-in data set, drawn from `generator`. */
function builtinData(name: Builtin, flags: Flags, defaultClasses: number, generator?: Generator): Data {
  if (name === 'sine') {
    if (flags.has('classes')) throw new UsageError('--classes: sine is a regression data set and has no classes');
    const { X, y } = flagValues(() => sineData(flags.number('samples') ?? 1000));
    return { X, y, task: 'regress', outputs: 1, featureNames: null, targetName: null };
  }
  const classes = flags.number('classes') ?? defaultClasses;
  const make = name === 'spiral' ? spiralData : verticalData;
  const { X, y } = flagValues(() => make(flags.number('samples') ?? 100, classes, generator === undefined ? {} : { generator }));
  return { X, y, task: 'classify', outputs: classes, featureNames: null, targetName: null };
}

/** Runs make; a ValueError (counts the data set cannot have, e.g. too many samples) is the caller's: exit 2. */
function flagValues<T>(make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof ValueError) throw new UsageError(`--samples/--classes: ${e.message}`);
    throw e;
  }
}

/** Checks the target column of a classification CSV: integers in [0, classes) (classes unknown: any >= 0). */
function checkLabels(table: CsvTable, classes: number | undefined): Int32Array {
  const col = table.cols - 1;
  const labels = new Int32Array(table.rows);
  for (let r = 0; r < table.rows; r++) {
    const v = table.data[r * table.cols + col];
    if (!Number.isInteger(v) || v < 0) {
      throw cellError(table, table.lines[r], col, `label ${v} is not a class index (an integer 0..k-1; use --task regress for a numeric target)`);
    }
    if (v >= MAX_CLASSES) {
      throw cellError(table, table.lines[r], col, `label ${v} is too large (at most ${MAX_CLASSES} classes; use --task regress for a numeric target)`);
    }
    if (classes !== undefined && v >= classes) {
      throw cellError(table, table.lines[r], col, `label ${v} is out of range for ${classes} classes (0..${classes - 1})`);
    }
    labels[r] = v;
  }
  return labels;
}

/** Splits a CSV table into inputs and (when `hasTarget`) the target column. */
function csvData(table: CsvTable, task: Task, hasTarget: boolean, classes: number | undefined): Data {
  const features = hasTarget ? table.cols - 1 : table.cols;
  if (features < 1) throw new CsvError(`${table.name}: needs at least 2 columns (features, then the target), found ${table.cols}`);
  // the cell as float32, which models compute in: 1e39 would become Infinity and train to a NaN loss
  const f32 = (r: number, c: number): number => {
    const v = table.data[r * table.cols + c];
    if (!Number.isFinite(Math.fround(v))) throw cellError(table, table.lines[r], c, `${v} is beyond float32's range (magnitudes up to about 3.4e38)`);
    return v;
  };
  const X = new Float32Array(table.rows * features);
  for (let r = 0; r < table.rows; r++) {
    for (let c = 0; c < features; c++) X[r * features + c] = f32(r, c);
  }
  const names = table.header;
  const data: Data = {
    X: tensor(X, { shape: [table.rows, features], dtype: 'float32' }),
    y: null, task, outputs: 1,
    featureNames: names === null ? null : names.slice(0, features),
    targetName: names === null || !hasTarget ? null : names[features],
  };
  if (!hasTarget) {
    data.outputs = classes ?? 1;
    return data;
  }
  if (task === 'regress') {
    const y = new Float32Array(table.rows);
    for (let r = 0; r < table.rows; r++) y[r] = f32(r, features);
    data.y = tensor(y, { shape: [table.rows, 1], dtype: 'float32' });
    return data;
  }
  const labels = checkLabels(table, classes);
  let k = classes ?? 0;
  if (classes === undefined) for (const v of labels) k = Math.max(k, v + 1);
  if (k < 2) {
    throw new CsvError(`${table.name}: the target column (column ${table.cols}) holds only class 0; classification needs at least 2 classes (or use --task regress)`);
  }
  data.y = tensor(labels);
  data.outputs = k;
  return data;
}

// ---------------------------------------------------------------------------------------------------------------
// train

/** The activation layer --activation names, with its default options (built from an empty config). */
function activation(name: string): Module {
  return ACTIVATIONS.get(name)!.fromConfig(new ConfigReader({}, `--activation ${name}`, { layers: 0, parameters: 0, dry: false }, undefined));
}

function optimizerFor(flags: Flags, model: Model) {
  const options = { lr: flags.number('lr')!, decay: flags.number('decay')! };
  switch (flags.string('optimizer')) {
    case 'sgd': return new SGD(model.parameters(), { ...options, momentum: flags.number('momentum')! });
    case 'adagrad': return new AdaGrad(model.parameters(), options);
    case 'rmsprop': return new RMSProp(model.parameters(), options);
    default: return new Adam(model.parameters(), options);
  }
}

/** Loss and accuracy per task; predict() then gives probabilities (classify) or values (regress). */
function configure(model: Model, task: Task): void {
  model.set(task === 'classify'
    ? { loss: new CategoricalCrossentropy(), accuracy: 'categorical' }
    : { loss: new MeanSquaredError(), accuracy: 'regression' });
}

/** Rows `idx` of t. */
const rows = (t: Tensor, idx: Int32Array): Tensor => take(t, tensor(idx), 0);

/** A number as a short decimal: 6 significant digits, no trailing zeros. */
const short = (v: number): string => String(Number(v.toPrecision(6)));

export async function train(flags: Flags, io: IO): Promise<number> {
  const dataName = flags.string('data')!;
  const builtin = isBuiltin(dataName);
  const task: Task = (flags.string('task') as Task | undefined) ?? (dataName === 'sine' ? 'regress' : 'classify');
  if (flags.has('momentum') && flags.string('optimizer') !== 'sgd') {
    throw new UsageError(`--momentum applies to --optimizer sgd only (got --optimizer ${flags.string('optimizer')})`);
  }
  if (builtin && (dataName === 'sine') !== (task === 'regress')) {
    throw new UsageError(`--task ${task}: ${dataName} is a ${dataName === 'sine' ? 'regression' : 'classification'} data set`);
  }
  if (!builtin && flags.has('samples')) throw new UsageError('--samples applies to the built-in data sets only, not to a CSV file');
  if (task === 'regress' && !builtin && flags.has('classes')) throw new UsageError('--classes applies to classification only (--task classify)');
  const seed = flags.number('seed')!;
  const out = flags.string('out');
  if (out !== undefined) prepareOutDir(out); // before training, so a bad --out does not waste the run

  // One seed for everything: the built-in data and the weights come from the global generator (as the book's
  // nnfs.init() then spiral_data then the layers), the split and the shuffling from a second generator.
  manualSeed(seed);
  const data = builtin ? builtinData(dataName, flags, 3) : csvData(readCsv(dataName), task, true, flags.number('classes'));
  const n = data.X.shape[0];
  const split = new Generator(seed);
  const val = flags.number('val')!;
  const nVal = Math.round(n * val);
  if (val > 0 && (nVal < 1 || nVal >= n)) {
    throw new UsageError(`--val ${val}: of ${n} rows that holds out ${nVal} for validation; it must leave at least one row on each side`);
  }
  const order = split.permutation(n);
  const trainIdx = val > 0 ? order.subarray(nVal) : null;
  const X = trainIdx ? rows(data.X, trainIdx) : data.X;
  const y = trainIdx ? rows(data.y!, trainIdx) : data.y!;
  const validation = val > 0 ? { X: rows(data.X, order.subarray(0, nVal)), y: rows(data.y!, order.subarray(0, nVal)) } : undefined;

  const features = data.X.shape[1];
  const hidden = flags.list('layers')!;
  const init = INITS[flags.string('init') ?? (task === 'regress' ? 'he-uniform' : 'nnfs')];
  const model = new Model();
  let width = features;
  for (const h of hidden) {
    model.add(new Dense(width, h, { init }));
    model.add(activation(flags.string('activation')!));
    width = h;
  }
  model.add(new Dense(width, data.outputs, { init }));
  if (task === 'classify') model.add(new Softmax());
  configure(model, task);
  model.set({ optimizer: optimizerFor(flags, model) });
  model.finalize();

  const batchSize = flags.number('batch-size')!;
  const epochs = flags.number('epochs')!;
  const progress = flags.bool('quiet') ? 'none' : io.isTTY ? 'bar' : 'lines';
  io.stdout(`${task === 'classify' ? 'classifying' : 'regressing'} ${dataName}: ${X.shape[0]} training rows` +
    `${validation ? `, ${nVal} validation rows` : ''}, ${features} feature${features === 1 ? '' : 's'}` +
    `${task === 'classify' ? `, ${data.outputs} classes` : ''}; layers ${[features, ...hidden, data.outputs].join('-')}\n`);
  let history;
  try {
    history = model.train(X, y, {
      epochs, batchSize, validationData: validation, shuffle: batchSize > 0, generator: split,
      progress, write: (s) => io.stdout(s), printEvery: flags.number('print-every'),
    });
  } catch (err) {
    if (err instanceof NonFiniteGradientError) {
      throw new CliError(`training diverged (a gradient became ${err.value}); try a smaller --lr`);
    }
    throw err;
  }

  const metrics: Record<string, number> = { epochs: history.epochs.length };
  const fit = model.evaluate(X, y);
  metrics.loss = fit.loss;
  metrics.accuracy = fit.accuracy;
  let summary = `train: loss ${short(fit.loss)}, accuracy ${short(fit.accuracy)}`;
  if (validation) {
    const v = model.evaluate(validation.X, validation.y);
    metrics.valLoss = v.loss;
    metrics.valAccuracy = v.accuracy;
    summary += `; validation: loss ${short(v.loss)}, accuracy ${short(v.accuracy)}`;
  }
  io.stdout(summary + '\n');
  if (!Number.isFinite(fit.loss)) throw new CliError(`training diverged (the loss is ${fit.loss}); try a smaller --lr`);

  if (out !== undefined) {
    const meta: TrainingMetadata = {
      format: 'tensorgrad-cli', version: 1, task, features, outputs: data.outputs,
      featureNames: data.featureNames, targetName: data.targetName,
      training: {
        data: dataName, samples: builtin ? flags.number('samples') ?? (dataName === 'sine' ? 1000 : 100) : undefined,
        layers: hidden, activation: flags.string('activation'), init: flags.string('init') ?? (task === 'regress' ? 'he-uniform' : 'nnfs'),
        optimizer: flags.string('optimizer'), lr: flags.number('lr'), decay: flags.number('decay'),
        momentum: flags.string('optimizer') === 'sgd' ? flags.number('momentum') : undefined,
        epochs, batchSize, seed, val,
      },
      metrics,
    };
    try {
      saveModel(model, out);
      writeFileSync(join(out, METADATA_FILE), JSON.stringify(meta, null, 2) + '\n');
    } catch (err) {
      throw new CliError(`cannot save the model to ${out}: ${(err as Error).message}`);
    }
    io.stdout(`saved the model to ${out}\n`);
  }
  return 0;
}

function prepareOutDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new CliError(`--out ${dir}: exists and is not a directory`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new CliError(`--out ${dir}: cannot create the directory (${(err as Error).message})`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// eval and predict

interface Loaded {
  model: Model;
  meta: TrainingMetadata;
}

/** Loads a model directory written by train: the model (@tensorgrad/io's loadModel) and training.json beside it. */
export function loadModel(dir: string): Loaded {
  if (!existsSync(dir)) throw new CliError(`--model ${dir}: no such directory`);
  if (!statSync(dir).isDirectory()) throw new CliError(`--model ${dir}: is not a directory`);
  const metaPath = join(dir, METADATA_FILE);
  if (!existsSync(metaPath)) throw new CliError(`--model ${dir}: no ${METADATA_FILE} (not a directory written by tensorgrad train --out)`);
  let text: string;
  try {
    text = new TextDecoder().decode(readFileLimited(metaPath, 1 << 20, 'tensorgrad')); // a regular file of at most 1 MiB
  } catch (err) {
    throw new CliError(`--model ${dir}: cannot read ${METADATA_FILE}: ${(err as Error).message}`);
  }
  let meta: TrainingMetadata;
  try {
    meta = JSON.parse(text) as TrainingMetadata;
  } catch (err) {
    throw new CliError(`${metaPath}: not valid JSON (${(err as Error).message})`);
  }
  const okTask = meta?.task === 'classify' || meta?.task === 'regress';
  if (meta?.format !== 'tensorgrad-cli' || !okTask || !Number.isInteger(meta.features) || !Number.isInteger(meta.outputs)) {
    throw new CliError(`${metaPath}: not the metadata tensorgrad train writes (format, task, features, outputs)`);
  }
  let model: Model;
  try {
    model = loadModelFiles(dir);
  } catch (err) {
    throw new CliError(`--model ${dir}: cannot load the model: ${(err as Error).message}`);
  }
  // The metadata must describe the loaded network: one row of zeros goes in, the expected width comes out.
  let shape: readonly number[];
  try {
    shape = noGrad(() => model.predict(zeros([1, meta.features])).shape);
  } catch (err) {
    throw new CliError(`--model ${dir}: the model does not take ${meta.features} inputs as ${METADATA_FILE} says: ${(err as Error).message}`);
  }
  if (shape.length !== 2 || shape[1] !== meta.outputs) {
    throw new CliError(`--model ${dir}: the model gives outputs of shape ${fmt(shape)}, but ${METADATA_FILE} says ${meta.outputs} per row`);
  }
  configure(model, meta.task);
  model.finalize();
  return { model, meta };
}

/** The data for a loaded model: a built-in set (checked against the model) or a CSV with or without targets. */
function dataFor(flags: Flags, meta: TrainingMetadata, needTarget: boolean): Data {
  const name = flags.string('data')!;
  if (isBuiltin(name)) {
    const builtinTask: Task = name === 'sine' ? 'regress' : 'classify';
    if (builtinTask !== meta.task) {
      throw new UsageError(`--data ${name}: a ${builtinTask === 'regress' ? 'regression' : 'classification'} data set, but the model ${meta.task === 'regress' ? 'regresses' : 'classifies'}`);
    }
    const data = builtinData(name, flags, meta.outputs, new Generator(flags.number('seed')!));
    if (data.outputs !== meta.outputs) {
      throw new UsageError(`--classes ${data.outputs}: the model has ${meta.outputs} classes`);
    }
    if (data.X.shape[1] !== meta.features) {
      throw new UsageError(`--data ${name}: ${data.X.shape[1]} features, but the model takes ${meta.features}`);
    }
    return data;
  }
  if (flags.has('samples') || flags.has('classes')) {
    throw new UsageError(`--${flags.has('samples') ? 'samples' : 'classes'} applies to the built-in data sets only, not to a CSV file`);
  }
  const table = readCsv(name);
  const hasTarget = table.cols === meta.features + 1;
  if (!hasTarget && (needTarget || table.cols !== meta.features)) {
    const expected = needTarget ? `${meta.features + 1} (${meta.features} features, then the target)` : `${meta.features} (features) or ${meta.features + 1} (features, then the target)`;
    throw new CsvError(`${table.name}: ${table.cols} column${table.cols === 1 ? '' : 's'}, but the model needs ${expected}`);
  }
  return csvData(table, meta.task, hasTarget, meta.task === 'classify' ? meta.outputs : undefined);
}

export async function evaluate(flags: Flags, io: IO): Promise<number> {
  const { model, meta } = loadModel(flags.string('model')!);
  const data = dataFor(flags, meta, true);
  const r = model.evaluate(data.X, data.y!);
  io.stdout(`rows: ${data.X.shape[0]}\nloss: ${short(r.loss)}\naccuracy: ${short(r.accuracy)}\n`);
  return 0;
}

/** The shortest decimal that reads back as the same float32. */
function formatFloat32(v: number): string {
  for (let p = 1; p < 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === v) return String(s);
  }
  return String(v);
}

export async function predict(flags: Flags, io: IO): Promise<number> {
  const { model, meta } = loadModel(flags.string('model')!);
  if (flags.bool('proba') && meta.task !== 'classify') throw new UsageError('--proba applies to classification models only');
  const data = dataFor(flags, meta, false);
  const out = model.predict(data.X);
  const [n, k] = out.shape;
  const p = out.data;
  const fmt = out.dtype === 'float32' ? formatFloat32 : String;
  const lines: string[] = new Array(n);
  for (let r = 0; r < n; r++) {
    if (meta.task === 'regress') {
      lines[r] = fmt(p[r * k]);
    } else if (flags.bool('proba')) {
      const cells: string[] = new Array(k);
      for (let c = 0; c < k; c++) cells[c] = fmt(p[r * k + c]);
      lines[r] = cells.join(',');
    } else {
      let best = 0; // argmax; the first of equal maxima, as numpy
      for (let c = 1; c < k; c++) if (p[r * k + c] > p[r * k + best]) best = c;
      lines[r] = String(best);
    }
  }
  const text = lines.length === 0 ? '' : lines.join('\n') + '\n';
  const file = flags.string('output');
  if (file === undefined) {
    io.stdout(text);
  } else {
    try {
      writeFileSync(file, text);
    } catch (err) {
      throw new CliError(`--output ${file}: cannot write (${(err as Error).message})`);
    }
    io.stdout(`wrote ${n} predictions to ${file}\n`);
  }
  return 0;
}
