// Types for common_data.mjs (the shared workload data, copied verbatim from the cross-library bench; see tensorgrad.ts).
export declare const HERE: URL;
export declare function mulberry32U32(seed: number, n: number): Uint32Array;
export declare function mulberry32F32(seed: number, n: number): Float32Array;
export declare function glorotUniform(seed: number, fanIn: number, fanOut: number): Float32Array;

export interface LayerInit {
  W: Float32Array;
  b: Float32Array;
  shape: [number, number];
}

export declare const W2: {
  N: number;
  D: number;
  C: number;
  layers: [number, number][];
  seeds: { X: number; y: number; W: number[] };
  batch: number;
  warmup: number;
  steps: number;
};

export declare function mlpData(): { X: Float32Array; y: Int32Array; params: LayerInit[] };
export declare function spiralData(): { X: Float32Array; y: Int32Array; params: LayerInit[]; n: number };
export declare function oneHot(y: Int32Array, C: number): Float32Array;
export declare function median(a: readonly number[]): number;
export declare const now: () => number;
export declare function quietStdout(): void;
