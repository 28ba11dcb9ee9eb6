// MultiheadAttention as torch.nn.MultiheadAttention: its parameters in PyTorch's layout and names, its masks
// (True or nonzero means "do not attend", a float mask is added), its [output, weights] result.
import {
  type DType, type Generator, type Tensor, defaultGenerator, getDefaultDtype, matmul, ones, softmax, triu, where, zeros,
  ShapeError, ValueError,
} from '@tensorgrad/core';
import { fmt, isFloat } from '@tensorgrad/core/util';
import { Module } from '../module.js';
import { dropout } from '../layers.js';
import { registerLayer, MODEL_LIMITS, type ConfigReader, type JsonObject, type OnnxGraphBuilder, type TorchParameter } from '../registry.js';
import { checkPositiveInts, torchNames, uniformParameter } from './common.js';

export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in training; default 0. */
  dropout?: number;
  /** Learn in_proj_bias and out_proj.bias; default true. */
  bias?: boolean;
  /** Inputs are [batch, seq, feature] (true) or [seq, batch, feature] (false, the default, as PyTorch). */
  batchFirst?: boolean;
  /** The keys' and values' feature sizes (default embedDim); when either differs, q/k/v get separate weights. */
  kdim?: number;
  vdim?: number;
  dtype?: DType;
  generator?: Generator;
}

export interface AttentionForwardOptions {
  /** [N, S]: true (nonzero) marks a key to ignore; a float mask is added to the scores. */
  keyPaddingMask?: Tensor | null;
  /** [L, S] or [N * numHeads, L, S]: true (nonzero) marks a pair that may not attend; a float mask is added. */
  attnMask?: Tensor | null;
  /** forwardWithWeights: return the attention weights too; default true. */
  needWeights?: boolean;
  /** The weights averaged over the heads ([N, L, S]) or per head ([N, numHeads, L, S]); default true. */
  averageAttnWeights?: boolean;
  /** Query i attends to keys 0..i only (added to any attnMask). */
  isCausal?: boolean;
}

/** A mask as something to add to the scores: booleans/ints (nonzero: blocked) become 0 / -Infinity. */
function additive(mask: Tensor, dtype: DType): Tensor {
  return isFloat(mask.dtype) ? mask.astype(dtype) : where(mask, -Infinity, zeros([], { dtype }));
}

/** Multi-head scaled dot-product attention over projected queries, keys and values (torch.nn.MultiheadAttention). */
export class MultiheadAttention extends Module {
  static readonly typeName = 'MultiheadAttention';
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly kdim: number;
  readonly vdim: number;
  /** [3E, E]: the query, key and value projections stacked (null when kdim or vdim differ from E). */
  readonly inProjWeight: Tensor | null;
  /** Separate projections [E, E], [E, kdim], [E, vdim] when kdim or vdim differ from E. */
  readonly qProjWeight: Tensor | null;
  readonly kProjWeight: Tensor | null;
  readonly vProjWeight: Tensor | null;
  readonly inProjBias: Tensor | null;
  readonly outProjWeight: Tensor;
  readonly outProjBias: Tensor | null;
  readonly generator: Generator;

  constructor(readonly embedDim: number, readonly numHeads: number, options: MultiheadAttentionOptions = {}) {
    super();
    const kdim = options.kdim ?? embedDim, vdim = options.vdim ?? embedDim;
    checkPositiveInts('MultiheadAttention', { embedDim, numHeads, kdim, vdim });
    if (embedDim % numHeads !== 0) throw new ValueError(`MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads})`);
    this.headDim = embedDim / numHeads;
    this.dropout = options.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout < 1)) throw new ValueError(`MultiheadAttention: dropout must be in [0, 1), got ${String(options.dropout)}`);
    this.batchFirst = options.batchFirst ?? false;
    this.kdim = kdim;
    this.vdim = vdim;
    const dtype = options.dtype ?? getDefaultDtype();
    const gen = (this.generator = options.generator ?? defaultGenerator);
    const E = embedDim;
    // PyTorch's init: xavier_uniform_ on the projections, zero biases, out_proj as nn.Linear (U(+-1/sqrt(E)))
    const xavier = (rows: number, cols: number) => uniformParameter([rows, cols], Math.sqrt(6 / (rows + cols)), dtype, gen);
    const same = this.kdim === E && this.vdim === E;
    this.inProjWeight = same ? xavier(3 * E, E) : null;
    this.qProjWeight = same ? null : xavier(E, E);
    this.kProjWeight = same ? null : xavier(E, this.kdim);
    this.vProjWeight = same ? null : xavier(E, this.vdim);
    const bias = options.bias ?? true;
    this.inProjBias = bias ? zeros([3 * E], { dtype, requiresGrad: true }) : null;
    this.outProjWeight = uniformParameter([E, E], 1 / Math.sqrt(E), dtype, gen);
    this.outProjBias = bias ? zeros([E], { dtype, requiresGrad: true }) : null;
  }

  /** The projection weights [E, in] and biases [E] of q, k and v. */
  private projections(): [Tensor, Tensor | null][] {
    const E = this.embedDim;
    const w = this.inProjWeight;
    const weights = w === null ? [this.qProjWeight!, this.kProjWeight!, this.vProjWeight!] : [0, 1, 2].map((i) => w.slice([[i * E, (i + 1) * E]]));
    const b = this.inProjBias;
    return weights.map((wi, i) => [wi, b === null ? null : b.slice([[i * E, (i + 1) * E]])]);
  }

  /**
   * The attention output [L, N, E] ([N, L, E] with batchFirst, [L, E] unbatched) for query [L, N, E], key
   * [S, N, kdim] and value [S, N, vdim]; key and value default to query (self-attention). Module.forward gives one
   * tensor (Sequential, Model and exportOnnx rely on it): PyTorch's [output, weights] is forwardWithWeights.
   */
  override forward(query: Tensor, key: Tensor = query, value: Tensor = key, options: AttentionForwardOptions = {}): Tensor {
    return this.forwardWithWeights(query, key, value, { ...options, needWeights: false })[0];
  }

  /** What PyTorch's forward returns: [output, attention weights ([N, L, S], per head [N, H, L, S]) or null without needWeights]. */
  forwardWithWeights(query: Tensor, key: Tensor = query, value: Tensor = key, options: AttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const { needWeights = true, averageAttnWeights = true, isCausal = false } = options;
    const E = this.embedDim, H = this.numHeads, D = this.headDim;
    const batched = query.ndim === 3;
    if (!batched && query.ndim !== 2) throw new ShapeError(`MultiheadAttention: query must be [L, N, E], [N, L, E] (batchFirst) or [L, E], got ${fmt(query.shape)}`);
    for (const [t, name, dim] of [[query, 'query', E], [key, 'key', this.kdim], [value, 'value', this.vdim]] as const) {
      if (t.ndim !== query.ndim || t.shape[t.ndim - 1] !== dim) {
        throw new ShapeError(`MultiheadAttention: ${name} has shape ${fmt(t.shape)}; expected ${query.ndim} dimensions, the last ${dim}`);
      }
    }
    // to [N, seq, feature]
    const toBatch = (t: Tensor) => (!batched ? t.reshape([1, ...t.shape]) : this.batchFirst ? t : t.transpose(0, 1));
    const [q0, k0, v0] = [query, key, value].map(toBatch);
    const N = q0.shape[0], L = q0.shape[1], S = k0.shape[1];
    if (k0.shape[0] !== N || v0.shape[0] !== N || v0.shape[1] !== S) {
      throw new ShapeError(`MultiheadAttention: query ${fmt(query.shape)}, key ${fmt(key.shape)} and value ${fmt(value.shape)} disagree on the batch or the key count`);
    }
    const heads = (t: Tensor, len: number) => t.reshape([N, len, H, D]).transpose(1, 2); // [N, H, len, D]
    const proj = this.projections();
    const project = (t: Tensor, [w, b]: [Tensor, Tensor | null]) => (b === null ? matmul(t, w.T) : matmul(t, w.T).add(b));
    const q = heads(project(q0, proj[0]), L), k = heads(project(k0, proj[1]), S), v = heads(project(v0, proj[2]), S);
    let scores = matmul(q, k.transpose(2, 3)).mul(1 / Math.sqrt(D)); // [N, H, L, S]
    for (const mask of this.masks(options, N, L, S, isCausal)) scores = scores.add(additive(mask, scores.dtype));
    let weights = softmax(scores, -1);
    if (this.training && this.dropout > 0) weights = dropout(weights, this.dropout, this.generator);
    const merged = matmul(weights, v).transpose(1, 2).reshape([N, L, E]);
    let out = matmul(merged, this.outProjWeight.T);
    if (this.outProjBias !== null) out = out.add(this.outProjBias);
    out = !batched ? out.reshape([L, E]) : this.batchFirst ? out : out.transpose(0, 1);
    if (!needWeights) return [out, null];
    let w = averageAttnWeights ? weights.mean(1) : weights;
    if (!batched) w = w.reshape(w.shape.slice(1));
    return [out, w];
  }

  /** attnMask, keyPaddingMask and the causal mask, each shaped to broadcast against the scores [N, H, L, S]. */
  private masks(options: AttentionForwardOptions, N: number, L: number, S: number, isCausal: boolean): Tensor[] {
    const H = this.numHeads;
    const out: Tensor[] = [];
    const { attnMask, keyPaddingMask } = options;
    if (attnMask !== undefined && attnMask !== null) {
      if (attnMask.ndim === 2 && attnMask.shape[0] === L && attnMask.shape[1] === S) out.push(attnMask);
      else if (attnMask.ndim === 3 && attnMask.shape[0] === N * H && attnMask.shape[1] === L && attnMask.shape[2] === S) out.push(attnMask.reshape([N, H, L, S]));
      else throw new ShapeError(`MultiheadAttention: attnMask has shape ${fmt(attnMask.shape)}, expected [${L}, ${S}] or [${N * H}, ${L}, ${S}]`);
    }
    if (keyPaddingMask !== undefined && keyPaddingMask !== null) {
      const want = N === 1 && keyPaddingMask.ndim === 1 ? [S] : [N, S];
      if (keyPaddingMask.shape.length !== want.length || keyPaddingMask.shape.some((d, i) => d !== want[i])) {
        throw new ShapeError(`MultiheadAttention: keyPaddingMask has shape ${fmt(keyPaddingMask.shape)}, expected [${N}, ${S}]`);
      }
      out.push(keyPaddingMask.reshape([N, 1, 1, S]));
    }
    if (isCausal) out.push(triu(ones([L, S], { dtype: 'int32' }), 1));
    return out;
  }

  override config(): JsonObject {
    return {
      embedDim: this.embedDim, numHeads: this.numHeads, dropout: this.dropout, bias: this.inProjBias !== null, batchFirst: this.batchFirst,
      kdim: this.kdim, vdim: this.vdim, dtype: this.outProjWeight.dtype,
    };
  }

  static fromConfig(r: ConfigReader): MultiheadAttention {
    const max = MODEL_LIMITS.parameters;
    const embedDim = r.int('embedDim', 1, max);
    const numHeads = r.int('numHeads', 1, embedDim);
    const dropout = r.number('dropout', { min: 0, max: 1, maxOpen: true, dflt: 0 });
    const bias = r.boolean('bias', true);
    const batchFirst = r.boolean('batchFirst', false);
    const kdim = r.int('kdim', 1, max, embedDim);
    const vdim = r.int('vdim', 1, max, embedDim);
    const dtype = r.dtype();
    if (embedDim % numHeads !== 0) r.fail('numHeads', `(${numHeads}) must divide embedDim (${embedDim})`);
    const E = embedDim;
    r.reserveParameters(E * (E + kdim + vdim) + E * E + (bias ? 4 * E : 0), `MultiheadAttention ${E} x ${numHeads} heads`);
    return new MultiheadAttention(E, numHeads, { dropout, bias, batchFirst, kdim, vdim, dtype, generator: r.generator });
  }

  /**
   * Self-attention on the graph's input (no masks): the projections as MatMul/Add, the heads by Reshape and
   * Transpose, Softmax over the keys; the output only (not the weights).
   */
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    if (this.inProjWeight === null) throw new ValueError('MultiheadAttention: ONNX export is self-attention, which needs kdim and vdim equal to embedDim');
    const E = this.embedDim, H = this.numHeads, D = this.headDim;
    const swap = (x: string) => g.node('Transpose', [x], { perm: [1, 0, 2] });
    const x = this.batchFirst ? input : swap(input); // [N, L, E]
    const linear = (v: string, w: Tensor, b: Tensor | null) => {
      const y = g.node('MatMul', [v, g.node('Transpose', [g.parameter(w)], { perm: [1, 0] })]);
      return b === null ? y : g.node('Add', [y, g.parameter(b)]);
    };
    // [N, L, 3E] -> [N, L, 3, H, D] -> [3, N, H, L, D]
    const qkv = g.node('Transpose', [g.node('Reshape', [linear(x, this.inProjWeight, this.inProjBias), g.int64s('qkv', [0, 0, 3, H, D])])], { perm: [2, 0, 3, 1, 4] });
    const part = (i: number) => g.node('Squeeze', [g.node('Gather', [qkv, g.int64s(`index${i}`, [i])], { axis: 0 }), g.int64s('axis0', [0])]);
    const [q, k, v] = [0, 1, 2].map(part);
    const scores = g.node('Mul', [g.node('MatMul', [q, g.node('Transpose', [k], { perm: [0, 1, 3, 2] })]), g.scalar('scale', 1 / Math.sqrt(D))]);
    const heads = g.node('MatMul', [g.node('Softmax', [scores], { axis: -1 }), v]); // [N, H, L, D]
    const merged = g.node('Reshape', [g.node('Transpose', [heads], { perm: [0, 2, 1, 3] }), g.int64s('merged', [0, 0, E])]);
    const out = linear(merged, this.outProjWeight, this.outProjBias);
    return this.batchFirst ? out : swap(out);
  }

  override torchParameters(): TorchParameter[] {
    return torchNames([
      ['in_proj_weight', this.inProjWeight], ['q_proj_weight', this.qProjWeight], ['k_proj_weight', this.kProjWeight],
      ['v_proj_weight', this.vProjWeight], ['in_proj_bias', this.inProjBias], ['out_proj.weight', this.outProjWeight],
      ['out_proj.bias', this.outProjBias],
    ]);
  }
}

registerLayer(MultiheadAttention);
