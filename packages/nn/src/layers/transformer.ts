// TransformerEncoderLayer as torch.nn.TransformerEncoderLayer: self-attention and a feed-forward block, each with a
// residual connection and a LayerNorm (after it, or before it with normFirst), and PyTorch's child names.
import { type DType, type Generator, type Tensor, defaultGenerator, getDefaultDtype, ValueError } from '@tensorgrad/core';
import { Module } from '../module.js';
import { Dense, Dropout } from '../layers.js';
import { registerLayer, type ConfigReader, type JsonObject, type OnnxGraphBuilder } from '../registry.js';
import { ReLU, GELU } from '../activations.js';
import { LayerNorm } from './norm.js';
import { MultiheadAttention } from './attention.js';

export interface TransformerEncoderLayerOptions {
  /** The feed-forward block's hidden size; default 2048. */
  dimFeedforward?: number;
  /** Dropout after the attention, inside and after the feed-forward block (training only); default 0.1. */
  dropout?: number;
  /** The feed-forward block's activation; default 'relu'. */
  activation?: 'relu' | 'gelu';
  layerNormEps?: number;
  /** [batch, seq, feature] (true) or [seq, batch, feature] (false, the default). */
  batchFirst?: boolean;
  /** LayerNorm before each block (pre-norm) instead of after the residual sum; default false. */
  normFirst?: boolean;
  dtype?: DType;
  generator?: Generator;
}

export interface EncoderForwardOptions {
  /** The attention mask (MultiheadAttention's attnMask). */
  srcMask?: Tensor | null;
  /** [N, S]: true (nonzero) marks a padding position. */
  srcKeyPaddingMask?: Tensor | null;
  /** Each position attends to itself and those before it only. */
  isCausal?: boolean;
}

export class TransformerEncoderLayer extends Module {
  static readonly typeName = 'TransformerEncoderLayer';
  readonly selfAttn: MultiheadAttention;
  readonly linear1: Dense;
  readonly dropout: Dropout;
  readonly linear2: Dense;
  readonly norm1: LayerNorm;
  readonly norm2: LayerNorm;
  readonly dropout1: Dropout;
  readonly dropout2: Dropout;
  readonly activation: 'relu' | 'gelu';
  readonly normFirst: boolean;

  constructor(readonly dModel: number, readonly nhead: number, options: TransformerEncoderLayerOptions = {}) {
    super();
    const { dimFeedforward = 2048, dropout = 0.1, activation = 'relu', layerNormEps = 1e-5, batchFirst = false, normFirst = false } = options;
    if (activation !== 'relu' && activation !== 'gelu') throw new ValueError(`TransformerEncoderLayer: activation must be 'relu' or 'gelu', got ${String(activation)}`);
    const dtype = options.dtype ?? getDefaultDtype();
    const generator = options.generator ?? defaultGenerator;
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout, batchFirst, dtype, generator });
    this.linear1 = new Dense(dModel, dimFeedforward, { init: 'glorotUniform', dtype, generator });
    this.dropout = new Dropout(dropout, generator);
    this.linear2 = new Dense(dimFeedforward, dModel, { init: 'glorotUniform', dtype, generator });
    this.norm1 = new LayerNorm(dModel, { eps: layerNormEps, dtype });
    this.norm2 = new LayerNorm(dModel, { eps: layerNormEps, dtype });
    this.dropout1 = new Dropout(dropout, generator);
    this.dropout2 = new Dropout(dropout, generator);
    this.activation = activation;
    this.normFirst = normFirst;
  }

  /** src [S, N, E] ([N, S, E] with batchFirst, [S, E] unbatched) to the same shape. */
  override forward(src: Tensor, options: EncoderForwardOptions = {}): Tensor {
    const attend = (x: Tensor) =>
      this.dropout1.forward(
        this.selfAttn.forward(x, x, x, { attnMask: options.srcMask, keyPaddingMask: options.srcKeyPaddingMask, isCausal: options.isCausal }),
      );
    const feedForward = (x: Tensor) => {
      const h = this.linear1.forward(x);
      return this.dropout2.forward(this.linear2.forward(this.dropout.forward(this.activation === 'relu' ? h.relu() : h.gelu())));
    };
    let x = src;
    if (this.normFirst) {
      x = x.add(attend(this.norm1.forward(x)));
      return x.add(feedForward(this.norm2.forward(x)));
    }
    x = this.norm1.forward(x.add(attend(x)));
    return this.norm2.forward(x.add(feedForward(x)));
  }

  override config(): JsonObject {
    return {
      dModel: this.dModel, nhead: this.nhead, dimFeedforward: this.linear1.nOut, dropout: this.dropout.rate, activation: this.activation,
      layerNormEps: this.norm1.eps, batchFirst: this.selfAttn.batchFirst, normFirst: this.normFirst, dtype: this.norm1.dtype,
    };
  }

  static fromConfig(r: ConfigReader): TransformerEncoderLayer {
    const dModel = r.int('dModel', 1, 2 ** 20);
    const nhead = r.int('nhead', 1, dModel);
    const dimFeedforward = r.int('dimFeedforward', 1, 2 ** 24, 2048);
    const dropout = r.number('dropout', { min: 0, max: 1, maxOpen: true, dflt: 0.1 });
    const activation = r.choice('activation', ['relu', 'gelu'] as const, 'relu');
    const layerNormEps = r.number('layerNormEps', { min: 0, dflt: 1e-5 });
    const batchFirst = r.boolean('batchFirst', false);
    const normFirst = r.boolean('normFirst', false);
    const dtype = r.dtype();
    if (dModel % nhead !== 0) r.fail('nhead', `(${nhead}) must divide dModel (${dModel})`);
    const E = dModel, F = dimFeedforward;
    r.reserveParameters(4 * E * E + 4 * E + 2 * E * F + F + E + 4 * E, `TransformerEncoderLayer ${E} x ${F}`);
    return new TransformerEncoderLayer(dModel, nhead, { dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, dtype, generator: r.generator });
  }

  /** The same blocks from the children's lowerings (self-attention without masks); dropout is left out. */
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    const attend = (x: string) => g.layer(this.selfAttn, 'self_attn', x);
    const feedForward = (x: string) => {
      const h = g.layer(this.linear1, 'linear1', x);
      const a = g.layer(this.activation === 'relu' ? new ReLU() : new GELU(), 'activation', h);
      return g.layer(this.linear2, 'linear2', a);
    };
    const norm1 = (x: string) => g.layer(this.norm1, 'norm1', x);
    const norm2 = (x: string) => g.layer(this.norm2, 'norm2', x);
    if (this.normFirst) {
      const x = g.node('Add', [input, attend(norm1(input))]);
      return g.node('Add', [x, feedForward(norm2(x))]);
    }
    const x = norm1(g.node('Add', [input, attend(input)]));
    return norm2(g.node('Add', [x, feedForward(x)]));
  }

  /** PyTorch's child names (the dropouts hold no parameters). */
  override torchChildren(): [string, Module][] {
    return [['self_attn', this.selfAttn], ['linear1', this.linear1], ['linear2', this.linear2], ['norm1', this.norm1], ['norm2', this.norm2]];
  }
}

registerLayer(TransformerEncoderLayer);
