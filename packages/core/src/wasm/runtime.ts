// Runs the WebAssembly matmul (wasm/matmul.ts) on ordinary typed arrays, on one thread or two.
//
// Tensor storage stays in ordinary typed arrays (storage.ts). The DESIGN planned buffers inside wasm memory,
// but freeing them would hang on a FinalizationRegistry, whose callbacks only run when the event loop turns:
// measured here, a synchronous 100,000-step loop got 0 callbacks (all 100,000 came after the loop), so a pool
// in wasm memory would grow without bound in a synchronous training loop. Instead each matmul copies its
// operands into a reused scratch region of one WebAssembly.Memory and copies the result out: O(n^2) copying
// against O(n^3) work, and below a FLOP threshold the JS kernel runs instead (wasm/backend.ts).
//
// Memory layout (bytes): [0, 128) control block shared with the worker | per-thread workspaces (packed A block,
// packed B block, an edge tile) | A | B | C. The memory only grows (to the largest matmul seen); it grows in
// ONE place, ensureCapacity, which also re-derives the typed-array views.
//
// Two threads: one worker_threads Worker, started on the first matmul big enough to split and unref'd (it never
// keeps the process alive), instantiates the same module on the same shared memory and waits on the control
// block. For a split matmul the main thread writes the worker's half of the arguments, bumps the request counter
// and notifies; both compute their rows (or columns) of C; the main thread spins briefly, then Atomics.waits,
// for the done counter. Every element sums in the same order whoever computes it, so the result is
// bit-identical to one thread. Until the worker reports ready (it boots in ~60 ms, without needing the main
// event loop), matmuls run on the main thread alone; if it fails to start they always do. In a browser the second
// thread is a Web Worker (the same program, from a Blob URL) when the page is cross-origin isolated (the only way
// a page gets SharedArrayBuffer); otherwise the memory is not shared and everything runs on one thread. A page's
// main thread may not Atomics.wait, so there the caller only spins for the worker's half.
import type { TypedArray } from '../dtype.js';
import type { MatmulPrecision } from '../kernels/backend.js';
import { builtinModule, numThreads, relaxedSimdWanted } from '../settings.js';
import { type WasmApi, type WasmMemory, type WasmModule, wasmApi } from './api.js';
import { KC, MC, MR, NC, matmulModule, nr, simdSupported } from './matmul.js';

const PAGE = 65536;
/** 2 GiB: addresses stay positive i32s in the kernels. Larger matmuls fall back to the JS kernel. */
const MAX_PAGES = 32768;
const CTRL_BYTES = 128;

/** What this engine supports (checked once, at load). */
export const wasmSupport = {
  simd: simdSupported(false),
  relaxed: simdSupported(true),
};

/**
 * Whether relaxed_madd is used. It is not by default: measured here (V8 with --experimental-wasm-relaxed-simd)
 * it gained nothing (46.5 vs 48 GFLOP/s), and a fused multiply-add would make results differ from the JS
 * kernel's and between machines. Opt in with TENSORGRAD_WASM_RELAXED=1 (read when the module is built).
 */
export function useRelaxed(): boolean {
  return wasmSupport.relaxed && relaxedSimdWanted();
}

type Gemm = (...args: number[]) => void;
interface Runtime {
  memory: WasmMemory;
  module: WasmModule;
  shared: boolean;
  gemm: { f32: Gemm; f64: Gemm };
  narrow: (p: number, n: number) => void;
  f32: Float32Array;
  f64: Float64Array;
  ctrl: Int32Array;
}

let rt: Runtime | null = null;
let rtFailed = false;

type WorkerThreads = typeof import('node:worker_threads');

/** node:worker_threads where it exists (Node), else null (browsers), without a static import. */
function workerThreads(): WorkerThreads | null {
  return builtinModule<WorkerThreads>('node:worker_threads') ?? null;
}

/** The Web Worker API with what it needs to share memory (a cross-origin isolated page or worker), else null. */
interface WebWorker {
  postMessage(message: unknown): void;
  addEventListener(type: 'error', listener: () => void): void;
}
interface WebHost {
  Worker?: new (url: string) => WebWorker;
  Blob?: new (parts: string[], options: { type: string }) => object;
  URL?: { createObjectURL(blob: object): string };
  crossOriginIsolated?: boolean;
}
function webHost(): Required<WebHost> | null {
  const g = globalThis as WebHost;
  return typeof g.Worker === 'function' && typeof g.Blob === 'function' && g.URL !== undefined && g.crossOriginIsolated === true
    ? (g as Required<WebHost>)
    : null;
}

export type SecondThread = 'worker_threads' | 'web-worker' | 'none';

/** What the second thread would be here: Node's worker_threads, a Web Worker, or none (one thread). */
export function secondThread(): SecondThread {
  if (typeof SharedArrayBuffer !== 'function') return 'none';
  return workerThreads() !== null ? 'worker_threads' : webHost() !== null ? 'web-worker' : 'none';
}

/** The instance, created on first use; null if this engine cannot run it. */
function runtime(): Runtime | null {
  if (rt !== null || rtFailed) return rt;
  try {
    if (!wasmSupport.simd || wasmApi === undefined) throw new Error('no wasm SIMD');
    // shared memory only where a worker can use it (and SharedArrayBuffer exists)
    const shared = secondThread() !== 'none';
    const memory = new wasmApi.Memory({ initial: 1, maximum: MAX_PAGES, shared });
    const module = new wasmApi.Module(matmulModule({ shared, relaxed: useRelaxed(), initialPages: 1, maximumPages: MAX_PAGES }));
    const exports = new wasmApi.Instance(module, { env: { memory } }).exports as Record<string, Gemm>;
    rt = { memory, module, shared, gemm: { f32: exports.gemm_f32, f64: exports.gemm_f64 }, narrow: exports.narrow_f64_f32, f32: new Float32Array(0), f64: new Float64Array(0), ctrl: new Int32Array(0) };
    deriveViews(rt);
  } catch {
    rtFailed = true; // e.g. a browser that refuses to compile synchronously: the JS kernel it is
  }
  return rt;
}

function deriveViews(r: Runtime): void {
  const buf = r.memory.buffer;
  r.f32 = new Float32Array(buf);
  r.f64 = new Float64Array(buf);
  r.ctrl = new Int32Array(buf, 0, CTRL_BYTES / 4);
}

/**
 * The most bytes a matmul may use in wasm memory (2 GiB, MAX_PAGES); bigger ones run on the JS kernel.
 * @internal lowered by tests to send a moderate matmul down that fallback path.
 */
export const wasmLimits = { maxBytes: MAX_PAGES * PAGE };

/** Make the memory at least `bytes` long and the views cover it. The only place the memory grows. */
function ensureCapacity(r: Runtime, bytes: number): boolean {
  if (!(bytes <= wasmLimits.maxBytes)) return false;
  const have = r.memory.buffer.byteLength;
  if (bytes > have) {
    // grow by at least a quarter, so that slowly increasing sizes do not grow it every call
    const want = Math.min(MAX_PAGES, Math.max(Math.ceil(bytes / PAGE), Math.ceil((have * 1.25) / PAGE)));
    try {
      r.memory.grow(want - have / PAGE);
    } catch {
      return false; // the system refused the memory: the JS kernel runs instead
    }
  }
  if (r.f32.byteLength !== r.memory.buffer.byteLength) deriveViews(r);
  return true;
}

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;
// in doubles, not with 32-bit bitwise ops: a 2^31-byte operand must stay 2^31, not wrap negative
const align64 = (n: number): number => roundUp(n, 64);

// ---------------------------------------------------------------- threads

/** Matmuls of at least this many FLOPs (2*M*N*K) are split over two threads when two are enabled. */
export const THREAD_MIN_FLOPS = 4e6;

// control block (Int32 slots)
const REQ = 0, DONE = 1, STATUS = 2, ERROR = 3, DTYPE = 4, ARGS = 5; // ARGS..ARGS+16: gemm's 17 arguments

type WorkerState = 'off' | 'starting' | 'ready' | 'failed';
let workerState: WorkerState = 'off';
let jobSeq = 0;

/** 'ready' once the second thread is running; 'failed' if it could not start (then one thread is used). */
export function getWorkerState(): WorkerState {
  if (workerState === 'starting' && rt !== null && Atomics.load(rt.ctrl, STATUS) === 1) workerState = 'ready';
  if (workerState !== 'failed' && rt !== null && Atomics.load(rt.ctrl, STATUS) === -1) workerState = 'failed';
  return workerState;
}

/** What a worker receives: the module and memory it shares with this thread, and where the slots are. */
interface WorkerData {
  module: WasmModule;
  memory: WasmMemory;
  slots: typeof SLOTS;
}

const SLOTS = { REQ, DONE, STATUS, ERROR, DTYPE, ARGS, words: CTRL_BYTES / 4 };

/**
 * The worker's whole program. The worker runs its source text (Node by eval, a browser from a Blob URL), so
 * it uses nothing of this module but what arrives in WorkerData, and no TypeScript loader is needed there.
 */
function workerMain({ module, memory, slots }: WorkerData): void {
  const { REQ, DONE, STATUS, ERROR, DTYPE, ARGS, words } = slots;
  const ctrl = new Int32Array(memory.buffer, 0, words);
  let gemm: Gemm[];
  try {
    const webAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const x = new webAssembly.Instance(module, { env: { memory } }).exports as Record<string, Gemm>;
    gemm = [x.gemm_f32!, x.gemm_f64!];
    Atomics.store(ctrl, STATUS, 1);
  } catch (e) {
    Atomics.store(ctrl, STATUS, -1);
    throw e;
  }
  let seen = Atomics.load(ctrl, REQ);
  for (;;) {
    Atomics.wait(ctrl, REQ, seen);
    const seq = Atomics.load(ctrl, REQ);
    if (seq === seen) continue;
    seen = seq;
    try {
      gemm[ctrl[DTYPE]!]!(...ctrl.subarray(ARGS, ARGS + 17));
      ctrl[ERROR] = 0;
    } catch {
      ctrl[ERROR] = 1;
    }
    Atomics.store(ctrl, DONE, seq);
    Atomics.notify(ctrl, DONE);
  }
}
const NODE_WORKER_SOURCE = `(${workerMain})(require('node:worker_threads').workerData);`;
const WEB_WORKER_SOURCE = `self.onmessage = (e) => (${workerMain})(e.data);`;

/** Whether this thread may block in Atomics.wait (not a page's main thread); asked once. */
let mayBlock: boolean | undefined;
function canBlock(ctrl: Int32Array): boolean {
  if (mayBlock === undefined) {
    try {
      Atomics.wait(ctrl, STATUS, -2, 0); // returns at once; throws where blocking is not allowed
      mayBlock = true;
    } catch {
      mayBlock = false;
    }
  }
  return mayBlock;
}

function startWorker(r: Runtime): void {
  workerState = 'failed'; // unless it starts
  // the memory is shared only where secondThread() found a worker_threads or a Web Worker to share it with
  if (!r.shared) return;
  const fail = () => {
    workerState = 'failed';
    Atomics.store(r.ctrl, STATUS, -1);
  };
  try {
    Atomics.store(r.ctrl, STATUS, 0);
    Atomics.store(r.ctrl, DONE, Atomics.load(r.ctrl, REQ));
    jobSeq = Atomics.load(r.ctrl, REQ);
    const wt = workerThreads();
    if (wt !== null) {
      // execArgv [] : the worker runs plain JS and needs none of the parent's flags (e.g. a TypeScript loader)
      const w = new wt.Worker(NODE_WORKER_SOURCE, { eval: true, workerData: { module: r.module, memory: r.memory, slots: SLOTS } satisfies WorkerData, execArgv: [], stdout: true, stderr: true });
      w.unref();
      w.on('error', fail);
      w.on('exit', fail);
    } else {
      const web = webHost()!;
      const w = new web.Worker(web.URL.createObjectURL(new web.Blob([WEB_WORKER_SOURCE], { type: 'text/javascript' })));
      w.addEventListener('error', fail);
      w.postMessage({ module: r.module, memory: r.memory, slots: SLOTS } satisfies WorkerData);
    }
    workerState = 'starting';
  } catch {
    workerState = 'failed';
  }
}

// ---------------------------------------------------------------- the matmul

/**
 * Where a matmul's pieces go in wasm memory: control | workspace(s) | A | B | C, and the end of it all in
 * bytes. Plain double arithmetic, exact far beyond 2^31, so a matmul too big for the memory is seen as such.
 */
export function matmulLayout(M: number, K: number, N: number, es: number, NR: number, split: boolean) {
  const kc = Math.min(K, KC);
  const wsABytes = align64(Math.min(MC, roundUp(M, MR)) * kc * es);
  const wsBBytes = align64(Math.min(NC, roundUp(N, NR)) * kc * es);
  const tileBytes = align64(MR * NR * es);
  const ws = wsABytes + wsBBytes + tileBytes;
  const aPtr = CTRL_BYTES + ws * (split ? 2 : 1);
  const bPtr = aPtr + align64(M * K * es);
  const cPtr = bPtr + align64(K * N * es);
  // + 64: the kernel may read a little past the operands (rows of an edge panel, dropped): stay in memory
  return { wsABytes, wsBBytes, ws, aPtr, bPtr, cPtr, end: cPtr + M * N * es + 64 };
}

/**
 * out[M,N] = op(a) @ op(b) as kernels/matmul.ts defines it, in wasm. a, b and out are all Float32Array or all
 * Float64Array. Returns false (having written nothing) when it cannot run: no wasm, or too big for its memory.
 *
 * Float32 at 'highest' precision runs the float64 kernel: the operands are widened to float64 as they are
 * copied in (exact), every product and sum is a double (the product of two float32s is exact in double), C
 * stays float64 in wasm memory between K blocks, and narrow_f64_f32 rounds each element once to float32. That
 * is the JS kernel's double accumulation, bit for bit. Widening on the way in (O(n^2), Float64Array.set from a
 * Float32Array: 0.16 ns per element) instead of in the micro-kernel (O(n^3)) keeps the inner loop the plain
 * f64x2 one: load64_splat of A, whole f64x2 vectors of B, no promote instructions.
 */
export function wasmMatmul(
  a: TypedArray, aOff: number, transA: boolean,
  b: TypedArray, bOff: number, transB: boolean,
  out: TypedArray, outOff: number,
  M: number, K: number, N: number,
  precision: MatmulPrecision,
): boolean {
  const r = runtime();
  if (r === null) return false;
  // sums in double: float64, and float32 at 'highest' (see above)
  const f64 = out instanceof Float64Array || precision === 'highest';
  const es = f64 ? 8 : 4;
  const NR = nr(f64 ? 'float64' : 'float32');
  const flops = 2 * M * N * K;

  let split = false;
  if (flops >= THREAD_MIN_FLOPS && r.shared && numThreads() === 2) {
    if (workerState === 'off') startWorker(r);
    split = getWorkerState() === 'ready' && (M >= 2 * MR || N >= 2 * NR);
  }

  const { wsABytes, wsBBytes, ws, aPtr, bPtr, cPtr, end } = matmulLayout(M, K, N, es, NR, split);
  const ws0 = CTRL_BYTES;
  if (!ensureCapacity(r, end)) return false;

  const view = f64 ? r.f64 : r.f32;
  view.set(a.subarray(aOff, aOff + M * K), aPtr / es);
  view.set(b.subarray(bOff, bOff + K * N), bPtr / es);
  // element strides of op(A)(i, k) and op(B)(k, j) in their stored layouts
  const ars = transA ? 1 : K, acs = transA ? M : 1;
  const brs = transB ? 1 : N, bcs = transB ? K : 1;
  const gemm = f64 ? r.gemm.f64 : r.gemm.f32;
  const common = [M, N, K, aPtr, ars, acs, bPtr, brs, bcs, cPtr] as const;
  const wsArgs = (base: number) => [base, base + wsABytes, base + wsABytes + wsBBytes] as const;

  if (!split) {
    gemm(...common, 0, M, 0, N, ...wsArgs(ws0));
  } else {
    // the longer side is split; the main thread takes the first part, whole tiles only
    let mine: number[], theirs: number[];
    if (M >= N || N < 2 * NR) {
      const h = roundUp(Math.ceil(M / 2), MR);
      mine = [0, h, 0, N];
      theirs = [h, M, 0, N];
    } else {
      const h = roundUp(Math.ceil(N / 2), NR);
      mine = [0, M, 0, h];
      theirs = [0, M, h, N];
    }
    const c = r.ctrl;
    c[DTYPE] = f64 ? 1 : 0;
    c.set([...common, ...theirs, ...wsArgs(ws0 + ws)], ARGS);
    const seq = (jobSeq = (jobSeq + 1) | 0);
    Atomics.store(c, REQ, seq);
    Atomics.notify(c, REQ, 1);
    gemm(...common, ...mine, ...wsArgs(ws0));
    // the worker usually finishes about when we do: spin a little before sleeping
    const block = canBlock(c);
    for (let spin = 0; Atomics.load(c, DONE) !== seq; spin++) {
      if (spin > 2000 && block) Atomics.wait(c, DONE, (seq - 1) | 0, 50);
    }
    if (c[ERROR] !== 0) {
      // cannot happen short of a bug; recompute the worker's part here and stop using it
      workerState = 'failed';
      gemm(...common, ...theirs, ...wsArgs(ws0));
    }
  }
  if (f64 && out instanceof Float32Array) {
    r.narrow(cPtr, M * N); // 'highest': each double sum rounded once to float32, in place
    out.set(r.f32.subarray(cPtr / 4, cPtr / 4 + M * N), outOff);
  } else {
    out.set(view.subarray(cPtr / es, cPtr / es + M * N), outOff);
  }
  return true;
}
