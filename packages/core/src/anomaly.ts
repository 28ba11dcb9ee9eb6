// Anomaly mode (PyTorch's detect_anomaly): remember where each op was run, and stop at the first op whose
// forward output or backward gradient holds NaN or Infinity. Called by autograd.ts (record and the backward
// walk); knows graph nodes only by their shape here, so it imports nothing of autograd.
import { AnomalyError } from './errors.js';
import { fmt } from './shape.js';
import { backend } from './backend.js';
import type { Tensor } from './tensor.js';

export { AnomalyError };

/** Read by record() on every op: the one check anomaly mode costs when it is off. */
export let anomalyEnabled = false;

/** Turns anomaly mode on or off for everything that follows (detectAnomaly is the scoped form). */
export function setDetectAnomaly(on: boolean): void {
  anomalyEnabled = on;
}

export function isAnomalyEnabled(): boolean {
  return anomalyEnabled;
}

/**
 * Runs fn in anomaly mode: every op recorded inside remembers where it was run, an op whose forward output
 * has NaN or Infinity that its inputs did not have throws an AnomalyError, and so does a backward (run inside
 * fn) that returns a NaN or Infinity gradient. The previous mode comes back afterwards, also on a throw.
 * Synchronous: for async code, use setDetectAnomaly(true) around it.
 */
export function detectAnomaly<T>(fn: () => T): T {
  const previous = anomalyEnabled;
  anomalyEnabled = true;
  try {
    return fn();
  } finally {
    anomalyEnabled = previous;
  }
}

// ---- where ops were run ----

/** What anomaly mode reads of a graph node (autograd.ts's Node). */
interface RecordedOp {
  readonly op: string;
  readonly inputs: readonly Tensor[];
}

/** Where each node recorded in anomaly mode was made; a WeakMap so that nodes stay as they are when it is off. */
const sites = new WeakMap<RecordedOp, Error>();

/** Frames of tensorgrad's core itself, from its sources or its build. */
const OWN_FRAME = /[\\/]packages[\\/]core[\\/](?:src|dist)[\\/]|[\\/]@tensorgrad[\\/]core[\\/]/;
/** Node's own internals: not the caller's code either. */
const NODE_FRAME = /\(node:|^at node:/;
const USER_FRAMES = 6;

/** The stack here, unformatted (V8 formats it only when .stack is read, i.e. when an error is reported). */
function captureStack(): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64; // the op's own frames must not crowd out the caller's
  const e = new Error();
  Error.stackTraceLimit = limit;
  return e;
}

/** The first caller frames of a captured stack, without tensorgrad's own, one `at ...` per line. */
function userFrames(e: Error | undefined): string {
  if (e === undefined) return '(not known: the op was recorded outside anomaly mode; run the forward inside detectAnomaly too)';
  const frames = (e.stack ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('at ') && !OWN_FRAME.test(line) && !NODE_FRAME.test(line));
  return frames.length === 0 ? '(not known: no caller frames in the stack)' : frames.slice(0, USER_FRAMES).join('\n');
}

/** @internal called by record() in anomaly mode for each node it makes. */
export function rememberSite(node: RecordedOp): void {
  sites.set(node, captureStack());
}

// ---- NaN / Infinity checks ----

const NAN = 1;
const INF = 2;

/** Which of NaN (1) and ±Infinity (2) a tensor holds. */
function nonFinite(t: Tensor): number {
  return backend().nonFiniteKinds(t.data);
}

function kinds(flags: number): string {
  return flags === (NAN | INF) ? 'NaN and Infinity' : flags === NAN ? 'NaN' : 'Infinity';
}

function describe(t: Tensor): string {
  return `${t.dtype}${fmt(t.shape)}`;
}

/** The AnomalyError of an op: `message`, then where it was run (or the forward was), indented. */
function anomalyError(message: string, op: string, phase: 'forward' | 'backward', inputs: readonly Tensor[], createdAt: string): AnomalyError {
  return new AnomalyError(`${message}:\n${createdAt.replace(/^/gm, '    ')}`, {
    op, phase, inputShapes: inputs.map((x) => x.shape), inputDtypes: inputs.map((x) => x.dtype), createdAt,
  });
}

/** Ops run by a backward walk are checked through the gradients the walk gets, not one by one. */
let backwardWalks = 0;

/** @internal runs a backward walk, during which forward checks are off. */
export function inBackwardWalk<T>(fn: () => T): T {
  backwardWalks++;
  try {
    return fn();
  } finally {
    backwardWalks--;
  }
}

/** @internal throws when out has NaN or Infinity that none of the inputs had (also for ops run under noGrad). */
export function checkForward(op: string, out: Tensor, inputs: readonly Tensor[]): void {
  if (backwardWalks > 0) return;
  const found = nonFinite(out);
  if (found === 0) return;
  let had = 0;
  for (const x of inputs) had |= nonFinite(x);
  const fresh = found & ~had;
  if (fresh === 0) return;
  throw anomalyError(
    `anomaly in forward of '${op}': its output ${describe(out)} has ${kinds(fresh)}, which its inputs ` +
      `(${inputs.map(describe).join(', ')}) did not have. The op was run at`,
    op, 'forward', inputs, userFrames(captureStack()),
  );
}

/** @internal throws when a gradient a node's backward returned (for an input that requires grad) has NaN or Infinity. */
export function checkBackward(node: RecordedOp, grads: readonly (Tensor | null | undefined)[]): void {
  for (let i = 0; i < node.inputs.length; i++) {
    const g = grads[i];
    if (g === null || g === undefined || !node.inputs[i].requiresGrad) continue;
    const found = nonFinite(g);
    if (found === 0) continue;
    const { op, inputs } = node;
    throw anomalyError(
      `anomaly in backward: Function '${op}Backward' returned ${kinds(found)} values in its ${i}th output ` +
        `(the gradient ${describe(g)} for input ${i} of '${op}', whose inputs were ${inputs.map(describe).join(', ')}). ` +
        `The forward of '${op}' was run at`,
      op, 'backward', inputs, userFrames(sites.get(node)),
    );
  }
}
