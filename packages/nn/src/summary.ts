// summary(model, inputShape): a table of the modules, their output shapes and parameter counts, as torchinfo's or
// Keras's, found by running one forward pass on zeros.
import { Tensor, zeros, noGrad, getDefaultDtype, type DType, ValueError } from '@tensorgrad/core';
import { fmt } from '@tensorgrad/core/util';
import { Module } from './module.js';

export interface SummaryRow {
  /** The dotted name ('' for the model itself) and the class name. */
  name: string;
  type: string;
  /** Depth below the model (0 for the model). */
  depth: number;
  /** The shape of its output in the pass (its first call), or null when the pass did not call it. */
  outputShape: readonly number[] | null;
  /** Its own parameters' values (not its submodules'), trainable and frozen. */
  trainable: number;
  frozen: number;
}

export interface ModelSummary {
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  /** The table as text. */
  text: string;
}

export interface SummaryOptions {
  /** The input's dtype (default: the first parameter's, else the default dtype); 'int32' for Embedding's indices. */
  dtype?: DType;
  /** Also print the table: true for console.log, or a function that gets the text. */
  print?: boolean | ((text: string) => void);
}

const count = (ts: Iterable<Tensor>) => [...ts].reduce((n, t) => n + t.size, 0);

/**
 * Runs `model` once on zeros of `inputShape` (in eval mode, without recording; its mode and parameters are left as
 * they were) and returns a row per module: name and type, output shape, parameter counts; with totals.
 */
export function summary(model: Module, inputShape: readonly number[], options: SummaryOptions = {}): ModelSummary {
  if (!(model instanceof Module)) throw new ValueError('summary: model must be a Module');
  if (!Array.isArray(inputShape) || !inputShape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ValueError(`summary: inputShape must be an array of non-negative integers, got ${String(inputShape)}`);
  }
  const named = model.namedModules();
  const first = model.parameters({ includeFrozen: true })[0];
  const input = zeros(inputShape, { dtype: options.dtype ?? first?.dtype ?? getDefaultDtype() });
  const shapes = new Map<Module, readonly number[]>();
  const saved = named.map(([, m]) => [m, m.training, Object.getOwnPropertyDescriptor(m, 'forward')] as const);
  try {
    // each module's forward wrapped for the pass (an own property over the class's method), to see its output
    for (const [, m] of named) {
      const forward = m.forward;
      m.forward = (...inputs: unknown[]) => {
        const out = forward.apply(m, inputs);
        if (!shapes.has(m) && out instanceof Tensor) shapes.set(m, out.shape);
        return out;
      };
    }
    model.eval();
    noGrad(() => model.forward(input));
  } catch (err) {
    const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    throw new ValueError(`summary: the forward pass on zeros of shape ${fmt(inputShape)} failed: ${why}`);
  } finally {
    for (const [m, training, forward] of saved) {
      m.training = training;
      if (forward === undefined) delete (m as { forward?: unknown }).forward;
      else Object.defineProperty(m, 'forward', forward);
    }
  }

  const depths = new Map<string, number>([['', 0]]);
  // a module's depth is one more than that of the nearest module whose name prefixes its own
  const depthOf = (name: string): number => {
    for (let cut = name.lastIndexOf('.'); cut > 0; cut = name.lastIndexOf('.', cut - 1)) {
      const d = depths.get(name.slice(0, cut));
      if (d !== undefined) return d + 1;
    }
    return 1;
  };
  const rows = named.map(([name, m]): SummaryRow => {
    if (name !== '') depths.set(name, depthOf(name));
    const below = new Set(m.children().flatMap((c) => c.parameters({ includeFrozen: true })));
    const own = m.parameters({ includeFrozen: true }).filter((p) => !below.has(p));
    return {
      name, type: m.constructor.name, depth: depths.get(name)!, outputShape: shapes.get(m) ?? null,
      trainable: count(own.filter((p) => p.requiresGrad)), frozen: count(own.filter((p) => !p.requiresGrad)),
    };
  });
  const trainableParams = rows.reduce((n, r) => n + r.trainable, 0);
  const nonTrainableParams = rows.reduce((n, r) => n + r.frozen, 0);
  const text = table(rows, trainableParams, nonTrainableParams);
  if (options.print === true) console.log(text);
  else if (typeof options.print === 'function') options.print(text);
  return { rows, totalParams: trainableParams + nonTrainableParams, trainableParams, nonTrainableParams, text };
}

const num = (n: number) => n.toLocaleString('en-US');

function table(rows: SummaryRow[], trainable: number, frozen: number): string {
  const cells = rows.map((r) => [
    `${'  '.repeat(r.depth)}${r.name === '' ? r.type : `${r.name} (${r.type})`}`,
    r.outputShape === null ? '-' : fmt(r.outputShape),
    num(r.trainable + r.frozen),
  ]);
  const head = ['Layer (type)', 'Output shape', 'Param #'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `${c[0].padEnd(widths[0])}  ${c[1].padEnd(widths[1])}  ${c[2].padStart(widths[2])}`;
  const rule = (ch: string) => ch.repeat(widths[0] + widths[1] + widths[2] + 4);
  return [
    rule('='), line(head), rule('='), ...cells.map(line), rule('='),
    `Total params: ${num(trainable + frozen)}`, `Trainable params: ${num(trainable)}`, `Non-trainable params: ${num(frozen)}`, rule('='),
  ].join('\n');
}
