// The matmul kernels in WebAssembly SIMD, written with the emitter in emit.ts (see there why there is no .wasm
// file). The structure is the classic GotoBLAS/BLIS one:
//
//   for each block of NC columns of C            (jc)
//     for each block of KC steps of the sum      (pc)   pack op(B)[pc:+KC, jc:+NC] into column panels of NR
//       for each block of MC rows of C           (ic)   pack op(A)[ic:+MC, pc:+KC] into row panels of MR
//         for each panel of NR columns           (jr)   (a KC x NR panel of B stays in L1)
//           for each panel of MR rows            (ir)   (the MC x KC block of A stays in L2)
//             micro-kernel: C[MR x NR] += Apanel @ Bpanel, in 8 SIMD accumulators (2 rows x 4 vectors)
//
// Packing reads op(A) and op(B) through element strides, so transposed operands (matmul's backward computes
// a @ b.T and a.T @ b) are packed straight from their stored layout and never materialized. Panels at the
// edges are zero-padded, so the micro-kernel always runs whole MR x NR tiles; edge tiles go through a small
// scratch tile and only their valid part is copied to C.
//
// Summation order: every element of C is c = c + a_k * b_k for k = 0, 1, ..., K-1 in order, starting from 0
// (the micro-kernel reloads C between K blocks, which is exact). So the result does not depend on the blocking
// or on which thread computed which rows: a 2-thread split is bit-identical to one thread. With separate
// mul + add this is exactly the JS kernel's order, bit for bit: gemm_f64 sums in double (float64, and float32
// at 'highest' precision, whose operands runtime.ts widens to float64 as it copies them in), gemm_f32 rounds
// every step to float32 (float32 at 'high' precision, as BLAS does).
import { wasmApi } from './api.js';
import { Func, type Local, type ModuleSpec, emitModule } from './emit.js';

/**
 * The register tile is MR rows x V vectors: 2 x 16 floats (f32) or 2 x 8 doubles (f64). Measured on this
 * machine (AMD EPYC, Node 20 / V8 11.3, one thread, N=256..1024): f32 2x4 vectors 46-48 GFLOP/s, 4x2 vectors
 * 38-40, 1x6 35, 6x2 / 3x3 / 2x5 / 4x3 21-25 (more than 15 live vectors: V8 spills them); f64 (what float32
 * at 'highest' precision runs) 2x4 vectors 24, 5x2 24, 3x3 22, 4x2 20, 1x6 / 3x2 18.5, 6x2 / 2x6 / 4x3 13.5,
 * 2x5 11: half of f32, the two lanes of f64x2 against four.
 */
export const MR = 2;
const V = 4;
/** Steps of the sum per packed block: a KC x NR panel of B (16 KiB in f32) stays in L1. */
export const KC = 256;
/** Rows of C per packed block of A: MC x KC (128 KiB in f32) stays in L2. A multiple of MR. */
export const MC = 128;
/** Columns of C per packed block of B. A multiple of both NRs. */
export const NC = 2048;

/** An element type: the same kernels are emitted for float32 (4 lanes) and float64 (2 lanes). */
interface Elem {
  readonly name: 'f32' | 'f64';
  /** bytes per element, and its log2 */
  readonly size: 4 | 8;
  readonly shift: 2 | 3;
  /** lanes per v128 */
  readonly lanes: 4 | 2;
  loadSplat(f: Func, offset: number): void;
  add(f: Func): void;
  mul(f: Func): void;
  madd(f: Func): void;
  load(f: Func, offset: number): void;
  store(f: Func, offset: number): void;
  zero(f: Func): void;
}

const F32: Elem = {
  name: 'f32', size: 4, shift: 2, lanes: 4,
  loadSplat: (f, o) => f.v128Load32Splat(o),
  add: (f) => f.f32x4Add(),
  mul: (f) => f.f32x4Mul(),
  madd: (f) => f.f32x4RelaxedMadd(),
  load: (f, o) => f.f32Load(o),
  store: (f, o) => f.f32Store(o),
  zero: (f) => f.f32Const0(),
};

const F64: Elem = {
  name: 'f64', size: 8, shift: 3, lanes: 2,
  loadSplat: (f, o) => f.v128Load64Splat(o),
  add: (f) => f.f64x2Add(),
  mul: (f) => f.f64x2Mul(),
  madd: (f) => f.f64x2RelaxedMadd(),
  load: (f, o) => f.f64Load(o),
  store: (f, o) => f.f64Store(o),
  zero: (f) => f.f64Const0(),
};

/** Columns of the register tile: V vectors per row (16 for float32, 8 for float64). */
const NR_OF = (e: Elem): number => V * e.lanes;
export const nr = (dtype: 'float32' | 'float64'): number => NR_OF(dtype === 'float32' ? F32 : F64);

/**
 * kernel(pa, aRow, aStep, pb, kc, c, ldc, accumulate): C[MR x NR] (rows ldc bytes apart) = (accumulate ? C : 0)
 * + A @ Bpanel, where A's row r at step k is at pa + r*aRow + k*aStep (bytes: a packed panel has aRow = element
 * size, aStep = MR elements; an unpacked op(A) its own strides) and Bpanel holds NR elements per k.
 * 8 v128 accumulators (2 rows x 4 vectors) + 4 B vectors + 1 broadcast A value: 13 of the 16 SIMD registers.
 * The k loop is not unrolled: V8's scheduler hoists the loads of unrolled steps to the top and spills
 * (unrolled by 4 it ran at 29 GFLOP/s, not unrolled at 47).
 * Narrow variants (V = 1..3 vectors of the panel's 4) serve the last column panel of thin products:
 * [300,64]@[64,3] computes 4 columns, not 16. Panels keep their NR-wide layout; only the first V vectors
 * of each step are read.
 */
function microKernel(e: Elem, relaxed: boolean, V: number): Func {
  const f = new Func(`kernel${V}_${e.name}`, Array(8).fill('i32'), false);
  const [pa, aRow, aStep, pb, kc, c, ldc, accumulate] = f.params;
  const NR = NR_OF(e);
  const acc = Array.from({ length: MR }, () => f.locals(V, 'v128'));
  const a = f.local('v128');
  const bv = f.locals(V, 'v128');
  const row = f.locals(MR, 'i32');
  const ap = f.locals(MR, 'i32');
  const k = f.local('i32');

  // addresses of A's rows
  f.get(pa).set(ap[0]);
  for (let r = 1; r < MR; r++) f.get(ap[r - 1]).get(aRow).i32Add().set(ap[r]);
  // addresses of the tile's rows in C
  f.get(c).set(row[0]);
  for (let r = 1; r < MR; r++) f.get(row[r - 1]).get(ldc).i32Add().set(row[r]);
  f.if(
    (f) => f.get(accumulate),
    () => { for (let r = 0; r < MR; r++) for (let v = 0; v < V; v++) f.get(row[r]).v128Load(16 * v).set(acc[r][v]); },
    () => { for (let r = 0; r < MR; r++) for (let v = 0; v < V; v++) f.v128Zero().set(acc[r][v]); },
  );

  f.for(k, 0, kc, 1, () => {
    // one step of the sum: acc[r][v] += A[r] * B[v]
    for (let v = 0; v < V; v++) f.get(pb).v128Load(16 * v).set(bv[v]);
    for (let r = 0; r < MR; r++) {
      f.get(ap[r]);
      e.loadSplat(f, 0);
      f.set(a);
      for (let v = 0; v < V; v++) {
        if (relaxed) {
          f.get(a).get(bv[v]).get(acc[r][v]);
          e.madd(f);
        } else {
          f.get(acc[r][v]).get(a).get(bv[v]);
          e.mul(f);
          e.add(f);
        }
        f.set(acc[r][v]);
      }
    }
    for (let r = 0; r < MR; r++) f.inc(ap[r], aStep);
    f.inc(pb, NR * e.size);
  });

  for (let r = 0; r < MR; r++) for (let v = 0; v < V; v++) f.get(row[r]).get(acc[r][v]).v128Store(16 * v);
  return f;
}

/**
 * Copy `count` elements src, src+stride, ... (stride in bytes, in `t` as it walks) to dst[0..count); with
 * `valid`, elements at positions >= valid are written as 0 instead (the zero padding of an edge panel).
 */
function gather(f: Func, e: Elem, src: Local, strideBytes: Local, dst: Local, count: number, t: Local, valid: Local | null): void {
  f.get(src).set(t);
  for (let q = 0; q < count; q++) {
    const copy = () => { f.get(dst).get(t); e.load(f, 0); e.store(f, q * e.size); };
    if (valid === null) copy();
    else f.if((f) => f.get(valid).i32(q).i32GtS(), copy, () => { f.get(dst); e.zero(f); e.store(f, q * e.size); });
    if (q + 1 < count) f.get(t).get(strideBytes).i32Add().set(t);
  }
}

/**
 * pack(src, rs, cs, p0, pEnd, k0, kc, dst) packs panels of P (MR rows of op(A), or NR columns of op(B)):
 * for each panel starting at p in p0, p0+P, ... < pEnd, and k in 0..kc: the P elements at
 * src + (p+q)*rs + (k0+k)*cs (strides in elements), q = 0..P-1, zero past pEnd. Element (i, k) of op(A) is
 * at i*rs + k*cs, so op(A) packs with (rs, cs) and op(B) with (its column stride, its row stride).
 * When the P elements are adjacent in memory (rs = 1) they are copied as whole vectors.
 */
function pack(e: Elem, P: number, name: string): Func {
  const f = new Func(name, Array(8).fill('i32'), false);
  const [src, rs, cs, p0, pEnd, k0, kc, dst] = f.params;
  const [p, k, s, t, valid, rsB, csB] = f.locals(7, 'i32');
  f.get(rs).i32(e.shift).i32Shl().set(rsB);
  f.get(cs).i32(e.shift).i32Shl().set(csB);
  const vectors = (P * e.size) / 16;
  f.for(p, p0, pEnd, P, () => {
    f.get(pEnd).get(p).i32Sub().set(valid);
    // s = src + p*rs + k0*cs, in bytes
    f.get(src).get(p).get(rsB).i32Mul().i32Add().get(k0).get(csB).i32Mul().i32Add().set(s);
    const eachK = (body: () => void) =>
      f.for(k, 0, kc, 1, () => {
        body();
        f.inc(s, csB);
        f.inc(dst, P * e.size);
      });
    f.if(
      (f) => f.get(valid).i32(P).i32GeS(),
      () =>
        (P * e.size) % 16 !== 0 ? eachK(() => gather(f, e, s, rsB, dst, P, t, null)) : f.if(
          (f) => f.get(rs).i32(1).i32Eq(),
          () => eachK(() => { for (let v = 0; v < vectors; v++) f.get(dst).get(s).v128Load(16 * v).v128Store(16 * v); }),
          () => eachK(() => gather(f, e, s, rsB, dst, P, t, null)),
        ),
      () => eachK(() => gather(f, e, s, rsB, dst, P, t, valid)),
    );
  });
  return f;
}

/**
 * gemm(M, N, K, a, ars, acs, b, brs, bcs, c, r0, r1, c0, c1, wsA, wsB, tile): rows [r0, r1) x columns [c0, c1)
 * of C = op(A) @ op(B), C row-major [M, N] at byte address c. op(A)(i, k) is the element at a + (i*ars + k*acs),
 * op(B)(k, j) at b + (k*brs + j*bcs) (strides in elements). r0 is a multiple of MR and c0 of NR (thread splits).
 * wsA holds min(MC, rows) x min(KC, K) packed A, wsB min(NC, cols) x min(KC, K) packed B (both rounded up to
 * whole panels), tile MR x NR elements: per thread. M is unused (the strides carry it), kept for symmetry.
 * With at most two column panels (thin products such as [128,256]@[256,10]) A is not packed: the kernel
 * reads it in place.
 */
function gemm(e: Elem, kernelIndex: (vectors: number) => number, packAIndex: number, packBIndex: number): Func {
  const f = new Func(`gemm_${e.name}`, Array(17).fill('i32'));
  const [M, N, K, a, ars, acs, b, brs, bcs, c, r0, r1, c0, c1, wsA, wsB, tile] = f.params;
  void M;
  const NR = NR_OF(e);
  const [jc, jEnd, pc, kc, ic, iEnd, jr, ir, pbp, pap, cp, ldc, rows, cols, x, y, direct, aRow, aStep] = f.locals(19, 'i32');
  const min = (p: Local | ((f: Func) => void), q: Local | ((f: Func) => void)) => (f: Func) =>
    f.push(p).push(q).push(p).push(q).i32LtS().select();

  f.get(N).i32(e.shift).i32Shl().set(ldc);
  // At most two column panels: A is used once or twice, so packing it costs more than it saves; the kernel
  // then reads op(A) where it is, through its strides.
  f.get(c1).get(c0).i32Sub().i32(2 * NR).i32LeS().set(direct);
  f.if((f) => f.get(direct),
    () => { f.get(ars).i32(e.shift).i32Shl().set(aRow); f.get(acs).i32(e.shift).i32Shl().set(aStep); },
    () => { f.i32(e.size).set(aRow); f.i32(MR * e.size).set(aStep); });
  // Copy the valid rows x cols of an edge tile between C (at cp) and the scratch tile, either way.
  const copyTile = (toTile: boolean) =>
    f.for(y, 0, rows, 1, () =>
      f.for(x, 0, cols, 1, () => {
        const inC = (f: Func) => f.get(cp).get(y).get(ldc).i32Mul().i32Add().get(x).i32(e.shift).i32Shl().i32Add();
        const inTile = (f: Func) => f.get(tile).get(y).i32(NR).i32Mul().get(x).i32Add().i32(e.shift).i32Shl().i32Add();
        f.push(toTile ? inTile : inC).push(toTile ? inC : inTile);
        e.load(f, 0);
        e.store(f, 0);
      }),
    );

  f.for(jc, c0, c1, NC, () => {
    f.push(min((f) => f.get(jc).i32(NC).i32Add(), c1)).set(jEnd);
    f.for(pc, 0, K, KC, () => {
      f.push(min((f) => f.get(K).get(pc).i32Sub(), (f) => f.i32(KC))).set(kc);
      f.get(b).get(bcs).get(brs).get(jc).get(jEnd).get(pc).get(kc).get(wsB).call(packBIndex);
      f.for(ic, r0, r1, MC, () => {
        f.push(min((f) => f.get(ic).i32(MC).i32Add(), r1)).set(iEnd);
        f.if((f) => f.get(direct).i32Eqz(), () => f.get(a).get(ars).get(acs).get(ic).get(iEnd).get(pc).get(kc).get(wsA).call(packAIndex));
        f.for(jr, jc, jEnd, NR, () => {
          // the B panel of columns jr..: panels are kc*NR elements each
          f.get(wsB).get(jr).get(jc).i32Sub().get(kc).i32Mul().i32(e.shift).i32Shl().i32Add().set(pbp);
          f.push(min((f) => f.get(jEnd).get(jr).i32Sub(), (f) => f.i32(NR))).set(cols);
          f.for(ir, ic, iEnd, MR, () => {
            f.if((f) => f.get(direct),
              // rows past the end of A (an edge panel) read whatever follows A in memory: their results are dropped
              () => f.get(a).get(ir).get(ars).i32Mul().get(pc).get(acs).i32Mul().i32Add().i32(e.shift).i32Shl().i32Add().set(pap),
              () => f.get(wsA).get(ir).get(ic).i32Sub().get(kc).i32Mul().i32(e.shift).i32Shl().i32Add().set(pap));
            f.get(c).get(ir).get(N).i32Mul().get(jr).i32Add().i32(e.shift).i32Shl().i32Add().set(cp);
            f.push(min((f) => f.get(iEnd).get(ir).i32Sub(), (f) => f.i32(MR))).set(rows);
            // the micro-kernel of v vectors on this tile, into C (at `out`, rows `ld` bytes apart)
            const kernel = (v: number, out: Local, ld: Local | number) =>
              f.get(pap).get(aRow).get(aStep).get(pbp).get(kc).get(out).push(ld).get(pc).call(kernelIndex(v));
            f.if(
              (f) => f.get(rows).i32(MR).i32Eq().get(cols).i32(NR).i32Eq().i32And(),
              // a whole tile: straight into C
              () => kernel(V, cp, ldc),
              // an edge tile: through the scratch tile (its padding rows/columns are computed and dropped)
              () => {
                f.if((f) => f.get(pc), () => copyTile(true));
                // as many vectors as the valid columns need
                const narrow = (v: number) => {
                  if (v === V) kernel(V, tile, NR * e.size);
                  else f.if((f) => f.get(cols).i32(v * e.lanes).i32LeS(), () => kernel(v, tile, NR * e.size), () => narrow(v + 1));
                };
                narrow(1);
                copyTile(false);
              },
            );
          });
        });
      });
    });
  });
  return f;
}

/**
 * narrow(p, n): the n float64s at byte address p, rounded to float32 (round to nearest, ties to even: what a
 * store into a Float32Array does) and written as n float32s at p, in place. The result of float32 at 'highest'
 * precision leaves wasm memory this way: Float32Array.set from a Float64Array converts 3.5x slower (measured:
 * 0.59 ns per element, against 0.17 for this and the float32 copy out).
 */
function narrow(): Func {
  const f = new Func('narrow_f64_f32', ['i32', 'i32']);
  const [p, n] = f.params;
  const [src, dst, end] = f.locals(3, 'i32');
  f.get(p).tee(src).set(dst);
  f.get(p).get(n).i32(3).i32Shl().i32Add().set(end);
  // 4 at a time: 32 bytes read from src before 16 are written at dst <= src, so in place is safe
  f.while((f) => f.get(src).i32(32).i32Add().get(end).i32LeS(), () => {
    f.get(dst).get(src).v128Load(0).f32x4DemoteF64x2Zero().get(src).v128Load(16).f32x4DemoteF64x2Zero();
    f.i8x16Shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]).v128Store(0);
    f.inc(src, 32).inc(dst, 16);
  });
  f.while((f) => f.get(src).get(end).i32LtS(), () => {
    f.get(dst).get(src).f64Load(0).f32DemoteF64().f32Store(0);
    f.inc(src, 8).inc(dst, 4);
  });
  return f;
}

/**
 * The module: gemm_f32, gemm_f64 and narrow_f64_f32 exported, the micro-kernels and packers internal. `shared` must match
 * the memory it will be instantiated with; `relaxed` uses relaxed_madd (only where the engine validates it).
 */
export function matmulModule(opts: { shared: boolean; relaxed: boolean; initialPages: number; maximumPages: number }): Uint8Array<ArrayBuffer> {
  const funcs: Func[] = [];
  for (const e of [F32, F64]) {
    const base = funcs.length; // kernels with 1..V vectors, then the packers, then gemm
    for (let v = 1; v <= V; v++) funcs.push(microKernel(e, opts.relaxed, v));
    funcs.push(pack(e, MR, `packA_${e.name}`), pack(e, NR_OF(e), `packB_${e.name}`));
    funcs.push(gemm(e, (v) => base + v - 1, base + V, base + V + 1));
  }
  funcs.push(narrow());
  const spec: ModuleSpec = { memory: { initial: opts.initialPages, maximum: opts.maximumPages, shared: opts.shared }, funcs };
  return emitModule(spec);
}

/** A one-instruction module using f32x4 (relaxed: f32x4.relaxed_madd): does this engine accept it? */
export function simdSupported(relaxed: boolean): boolean {
  if (wasmApi === undefined || typeof wasmApi.validate !== 'function') return false;
  const f = new Func('probe', ['i32']);
  const [p] = f.params;
  f.get(p).get(p).v128Load().get(p).v128Load32Splat().v128Zero();
  if (relaxed) f.f32x4RelaxedMadd();
  else f.f32x4Mul().f32x4Add();
  f.v128Store();
  try {
    return wasmApi.validate(emitModule({ memory: { initial: 1, maximum: 1, shared: false }, funcs: [f] }));
  } catch {
    return false;
  }
}
