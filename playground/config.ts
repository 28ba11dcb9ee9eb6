// The playground's configuration: its fields, defaults, the book's preset, and the URL query string that shares it.
export const DATASETS = ['spiral', 'vertical', 'circles', 'xor', 'blobs'] as const;
export const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'leaky-relu'] as const;
/** softmax-ce: SoftmaxCrossEntropy on logits (the book's fused one); categorical-ce: a Softmax layer + CategoricalCrossentropy */
export const LOSSES = ['softmax-ce', 'categorical-ce'] as const;
export const OPTIMIZERS = ['sgd', 'adagrad', 'rmsprop', 'adam', 'adamw'] as const;
/** how float32 matmuls sum: 'high' in float32 (PyTorch's), 'highest' in float64 (the book's nnfs.init()) */
export const PRECISIONS = ['high', 'highest'] as const;

export interface Config {
  data: (typeof DATASETS)[number];
  classes: number;
  /** points per class */
  samples: number;
  /** standard deviation of extra Gaussian jitter on each coordinate (spiral and vertical have nnfs's own noise too) */
  noise: number;
  /** fraction of the points held out as the test set */
  testSplit: number;
  /** widths of the hidden Dense layers */
  hidden: number[];
  activation: (typeof ACTIVATIONS)[number];
  dropout: number;
  /** L2 penalty on every Dense layer's weights (the book's weight_regularizer_l2) */
  l2: number;
  loss: (typeof LOSSES)[number];
  optimizer: (typeof OPTIMIZERS)[number];
  lr: number;
  decay: number;
  /** SGD's momentum (the other optimizers have none) */
  momentum: number;
  seed: number;
  /** matmul precision; 'highest' runs nnfsInit() (the book's settings) before seeding */
  precision: (typeof PRECISIONS)[number];
}

export const DEFAULTS: Config = {
  data: 'spiral', classes: 3, samples: 100, noise: 0, testSplit: 0.2, hidden: [32, 32], activation: 'relu', dropout: 0, l2: 0,
  loss: 'softmax-ce', optimizer: 'adam', lr: 0.02, decay: 0, momentum: 0.9, seed: 0, precision: 'high',
};

/** The book's chapter-10 run: nnfsInit() (seed 0), spiralData(100, 3), Dense(2,64), ReLU, Dense(64,3), Adam lr 0.05 decay 5e-7. */
export const BOOK: Config = {
  ...DEFAULTS, testSplit: 0, hidden: [64], lr: 0.05, decay: 5e-7, momentum: 0, precision: 'highest',
};
export const BOOK_EPOCH = 10000;

type Field = { kind: 'choice'; values: readonly string[] } | { kind: 'number'; min: number; max: number; integer?: boolean } | { kind: 'layers' };
export const FIELDS: Record<keyof Config, Field> = {
  data: { kind: 'choice', values: DATASETS },
  classes: { kind: 'number', min: 2, max: 5, integer: true },
  samples: { kind: 'number', min: 10, max: 500, integer: true },
  noise: { kind: 'number', min: 0, max: 1 },
  testSplit: { kind: 'number', min: 0, max: 0.8 },
  hidden: { kind: 'layers' },
  activation: { kind: 'choice', values: ACTIVATIONS },
  dropout: { kind: 'number', min: 0, max: 0.9 },
  l2: { kind: 'number', min: 0, max: 1 },
  loss: { kind: 'choice', values: LOSSES },
  optimizer: { kind: 'choice', values: OPTIMIZERS },
  lr: { kind: 'number', min: 1e-6, max: 10 },
  decay: { kind: 'number', min: 0, max: 1 },
  momentum: { kind: 'number', min: 0, max: 0.999 },
  seed: { kind: 'number', min: 0, max: 2 ** 32 - 1, integer: true },
  precision: { kind: 'choice', values: PRECISIONS },
};

/** A field's value from text, or undefined when the text is not a valid value for it. */
export function parseField<K extends keyof Config>(key: K, text: string): Config[K] | undefined {
  const f = FIELDS[key];
  if (f.kind === 'choice') return (f.values.includes(text) ? text : undefined) as Config[K] | undefined;
  if (f.kind === 'layers') {
    const widths = text.trim() === '' ? [] : text.split(',').map((w) => Number(w.trim()));
    return (widths.length <= 6 && widths.every((w) => Number.isInteger(w) && w >= 1 && w <= 256) ? widths : undefined) as Config[K] | undefined;
  }
  const n = text.trim() === '' ? NaN : Number(text);
  return (Number.isFinite(n) && n >= f.min && n <= f.max && (!f.integer || Number.isInteger(n)) ? n : undefined) as Config[K] | undefined;
}

export function formatField<K extends keyof Config>(key: K, value: Config[K]): string {
  return FIELDS[key].kind === 'layers' ? (value as number[]).join(',') : String(value);
}

/** The configuration as a query string (every field, so a link means the same thing if the defaults change). */
export function toQuery(c: Config): string {
  return new URLSearchParams((Object.keys(FIELDS) as (keyof Config)[]).map((k): [string, string] => [k, formatField(k, c[k])])).toString();
}

/** A configuration from a query string: missing or invalid fields take the defaults (and are listed). */
export function fromQuery(query: string): { config: Config; invalid: string[] } {
  const params = new URLSearchParams(query);
  const config = { ...DEFAULTS };
  const invalid: string[] = [];
  for (const key of Object.keys(FIELDS) as (keyof Config)[]) {
    const text = params.get(key);
    if (text === null) continue;
    const value = parseField(key, text);
    if (value === undefined) invalid.push(key);
    else (config as Record<keyof Config, unknown>)[key] = value;
  }
  return { config, invalid };
}
