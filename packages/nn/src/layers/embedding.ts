// Embedding: a lookup table of learned vectors (torch.nn.Embedding over core's embedding).
import {
  type DType, type Generator, type Tensor, defaultGenerator, embedding, getDefaultDtype, randn, zeros, DTypeError,
} from '@tensorgrad/core';
import { Module } from '../module.js';
import { registerLayer, MODEL_LIMITS, type ConfigReader, type JsonObject, type OnnxGraphBuilder, type TorchParameter } from '../registry.js';
import { checkPositiveInts, torchNames } from './common.js';

export interface EmbeddingLayerOptions {
  /** This row starts at zero and gets no gradient (a negative index counts from the end). */
  paddingIdx?: number | null;
  dtype?: DType;
  generator?: Generator;
}

/** Row i of weight [numEmbeddings, embeddingDim] for each index i; the weight starts as N(0, 1). */
export class Embedding extends Module {
  static readonly typeName = 'Embedding';
  readonly weight: Tensor;
  /** In [0, numEmbeddings), or null. */
  readonly paddingIdx: number | null;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options: EmbeddingLayerOptions = {}) {
    super();
    checkPositiveInts('Embedding', { numEmbeddings, embeddingDim });
    const pad = options.paddingIdx ?? null;
    embedding([], zeros([numEmbeddings, 0]), { paddingIdx: pad }); // checks paddingIdx now, with an empty table of these rows
    this.paddingIdx = pad !== null && pad < 0 ? pad + numEmbeddings : pad;
    const dtype = options.dtype ?? getDefaultDtype();
    const w = randn([numEmbeddings, embeddingDim], { dtype, generator: options.generator ?? defaultGenerator });
    if (this.paddingIdx !== null) w.data.fill(0, this.paddingIdx * embeddingDim, (this.paddingIdx + 1) * embeddingDim);
    this.weight = w.requiresGrad_();
  }

  /**
   * indices: int32 of any shape, each in [0, numEmbeddings); gives [...indices.shape, embeddingDim]. A float tensor of
   * whole numbers (of another dtype) is cast (ONNX graphs and Model.predict feed floats).
   */
  forward(indices: Tensor): Tensor {
    if (indices.dtype !== 'int32') {
      const i = indices.data.findIndex((v) => !Number.isInteger(v));
      if (i >= 0) throw new DTypeError(`Embedding: indices must be int32 or whole numbers, got ${indices.data[i]} at flat position ${i}`);
      indices = indices.astype('int32');
    }
    return embedding(indices, this.weight, { paddingIdx: this.paddingIdx });
  }

  override config(): JsonObject {
    const out: JsonObject = { numEmbeddings: this.numEmbeddings, embeddingDim: this.embeddingDim, dtype: this.weight.dtype };
    if (this.paddingIdx !== null) out.paddingIdx = this.paddingIdx;
    return out;
  }

  static fromConfig(r: ConfigReader): Embedding {
    const max = MODEL_LIMITS.parameters;
    const numEmbeddings = r.int('numEmbeddings', 1, max);
    const embeddingDim = r.int('embeddingDim', 1, max);
    const paddingIdx = r.has('paddingIdx') ? r.int('paddingIdx', 0, numEmbeddings - 1) : null;
    const dtype = r.dtype();
    r.reserveParameters(numEmbeddings * embeddingDim, `Embedding ${numEmbeddings} x ${embeddingDim}`);
    return new Embedding(numEmbeddings, embeddingDim, { paddingIdx, dtype, generator: r.generator });
  }

  /** Gather of the weight's rows; the graph's input is of the float type, so its indices are cast to int64 first. */
  override toOnnx(g: OnnxGraphBuilder, input: string): string {
    return g.node('Gather', [g.parameter(this.weight), g.node('Cast', [input], { to: 7 })]);
  }

  override torchParameters(): TorchParameter[] {
    return torchNames([['weight', this.weight]]);
  }
}

registerLayer(Embedding);
