// A tiny WebAssembly binary emitter: just what the matmul kernels (wasm/matmul.ts) need.
//
// Why emit the module from TypeScript at load time instead of committing a .wasm file or adding a compiler:
// a fresh clone needs no toolchain and no build step, the kernels stay readable source next to the code that
// calls them, and emitting + compiling the 7 KB module takes a few milliseconds (10 ms cold, once, on the
// first matmul that uses it).
//
// Binary format reference: the WebAssembly core spec (sections, LEB128 integers) and the SIMD and relaxed-SIMD
// proposals (opcodes prefixed by 0xfd, then the opcode as an unsigned LEB128).

/** The value types the kernels use: addresses and counts, and SIMD vectors. */
export type ValType = 'i32' | 'v128';

const VALTYPE: Record<ValType, number> = { i32: 0x7f, v128: 0x7b };

/** Unsigned LEB128. */
function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v !== 0 ? byte | 0x80 : byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer (i32.const immediates). */
function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A local variable (or parameter) of a function under construction. */
export type Local = { readonly index: number; readonly type: ValType };

/** A stack-machine expression: something that, emitted into `f`, pushes values. */
export type Expr = (f: Func) => void;

/**
 * One function. Instructions are methods that append their bytes and return `this`, so code reads as the
 * stack machine runs it: `f.get(x).get(y).i32Add().set(z)` is `z = x + y`.
 */
export class Func {
  readonly body: number[] = [];
  readonly params: Local[];
  private readonly extra: ValType[] = [];

  /** A function of `params` that returns nothing (the kernels write their results to memory). */
  constructor(readonly name: string, params: readonly ValType[], readonly exported = true) {
    this.params = params.map((type, index) => ({ index, type }));
  }

  /** A new local variable. */
  local(type: ValType): Local {
    this.extra.push(type);
    return { index: this.params.length + this.extra.length - 1, type };
  }

  /** `count` new local variables of one type. */
  locals(count: number, type: ValType): Local[] {
    return Array.from({ length: count }, () => this.local(type));
  }

  /** Append raw bytes. */
  raw(...bytes: number[]): this {
    this.body.push(...bytes);
    return this;
  }

  // ---- variables and constants
  get(l: Local): this { return this.raw(0x20, ...uleb(l.index)); }
  set(l: Local): this { return this.raw(0x21, ...uleb(l.index)); }
  tee(l: Local): this { return this.raw(0x22, ...uleb(l.index)); }
  i32(n: number): this { return this.raw(0x41, ...sleb(n)); }
  /** Push an expression: a Local, a constant, or a function emitting code. */
  push(e: Expr | Local | number): this {
    if (typeof e === 'number') return this.i32(e);
    if (typeof e === 'function') e(this);
    else this.get(e);
    return this;
  }

  // ---- i32 / i64 arithmetic and comparisons
  i32Add(): this { return this.raw(0x6a); }
  i32Sub(): this { return this.raw(0x6b); }
  i32Mul(): this { return this.raw(0x6c); }
  i32Shl(): this { return this.raw(0x74); }
  i32Eqz(): this { return this.raw(0x45); }
  i32Eq(): this { return this.raw(0x46); }
  i32LtS(): this { return this.raw(0x48); }
  i32GtS(): this { return this.raw(0x4a); }
  i32LeS(): this { return this.raw(0x4c); }
  i32GeS(): this { return this.raw(0x4e); }
  i32And(): this { return this.raw(0x71); }
  select(): this { return this.raw(0x1b); }

  // ---- memory (address on the stack; `offset` is the constant byte offset of the memarg)
  private mem(op: number, align: number, offset: number): this {
    return this.raw(op, align, ...uleb(offset));
  }
  f32Load(offset = 0): this { return this.mem(0x2a, 2, offset); }
  f64Load(offset = 0): this { return this.mem(0x2b, 3, offset); }
  f32Store(offset = 0): this { return this.mem(0x38, 2, offset); }
  f64Store(offset = 0): this { return this.mem(0x39, 3, offset); }
  f32Const0(): this { return this.raw(0x43, 0, 0, 0, 0); }
  f64Const0(): this { return this.raw(0x44, 0, 0, 0, 0, 0, 0, 0, 0); }

  // ---- SIMD: 0xfd, then the opcode as unsigned LEB128
  simd(op: number): this {
    return this.raw(0xfd, ...uleb(op));
  }
  private simdMem(op: number, align: number, offset: number): this {
    return this.simd(op).raw(align, ...uleb(offset));
  }
  v128Load(offset = 0): this { return this.simdMem(0x00, 4, offset); }
  /** Load one 32-bit lane and splat it to all four (f32x4 broadcast straight from memory). */
  v128Load32Splat(offset = 0): this { return this.simdMem(0x09, 2, offset); }
  /** Load one 64-bit lane and splat it to both (f64x2 broadcast straight from memory). */
  v128Load64Splat(offset = 0): this { return this.simdMem(0x0a, 3, offset); }
  v128Store(offset = 0): this { return this.simdMem(0x0b, 4, offset); }
  /** v128.const with 16 zero bytes. */
  v128Zero(): this {
    return this.simd(0x0c).raw(...new Array<number>(16).fill(0));
  }
  f32x4Add(): this { return this.simd(0xe4); }
  f32x4Mul(): this { return this.simd(0xe6); }
  f64x2Add(): this { return this.simd(0xf0); }
  f64x2Mul(): this { return this.simd(0xf2); }
  /** f64x2 -> f32x4: both lanes rounded to float32 into lanes 0-1, lanes 2-3 zero. */
  f32x4DemoteF64x2Zero(): this { return this.simd(0x5e); }
  /** Bytes of two vectors (0-15 the first, 16-31 the second) picked by 16 constant lane indices. */
  i8x16Shuffle(lanes: readonly number[]): this {
    return this.simd(0x0d).raw(...lanes);
  }
  f32DemoteF64(): this { return this.raw(0xb6); }
  /** Relaxed SIMD: a * b + c, fused or not as the hardware prefers (stack: a b c). */
  f32x4RelaxedMadd(): this { return this.simd(0x105); }
  f64x2RelaxedMadd(): this { return this.simd(0x107); }

  // ---- structured control flow. Branch depths are relative, so the helpers below hide them.
  // block, loop and if open with their opcode and 0x40 (no result) and close with end (0x0b)
  block(body: () => void): this { this.raw(0x02, 0x40); body(); return this.raw(0x0b); }
  loop(body: () => void): this { this.raw(0x03, 0x40); body(); return this.raw(0x0b); }
  br(depth: number): this { return this.raw(0x0c, ...uleb(depth)); }
  brIf(depth: number): this { return this.raw(0x0d, ...uleb(depth)); }
  /** call the function at `index` in the module's function list */
  call(index: number): this { return this.raw(0x10, ...uleb(index)); }

  /** if (cond) { then } else { otherwise } */
  if(cond: Expr, then: () => void, otherwise?: () => void): this {
    cond(this);
    this.raw(0x04, 0x40);
    then();
    if (otherwise) {
      this.raw(0x05);
      otherwise();
    }
    return this.raw(0x0b);
  }

  /** while (cond) { body } — the body must not branch out by depth (it only sees its own blocks). */
  while(cond: Expr, body: () => void): this {
    return this.block(() =>
      this.loop(() => {
        cond(this);
        this.i32Eqz().brIf(1);
        body();
        this.br(0);
      }),
    );
  }

  /** for (i = from; i < to; i += step) body() — signed i32 compare, `to` re-evaluated each turn. */
  for(i: Local, from: Expr | Local | number, to: Expr | Local | number, step: Expr | Local | number, body: () => void): this {
    this.push(from).set(i);
    return this.block(() =>
      this.loop(() => {
        this.get(i).push(to).i32GeS().brIf(1);
        body();
        this.get(i).push(step).i32Add().set(i).br(0);
      }),
    );
  }

  /** x += step (i32) */
  inc(x: Local, step: Expr | Local | number): this {
    return this.get(x).push(step).i32Add().set(x);
  }

  /** The function's code entry: locals (run-length encoded by type) and body. */
  encode(): number[] {
    const groups: [number, ValType][] = [];
    for (const t of this.extra) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    return [...vec(groups.map(([n, t]) => [...uleb(n), VALTYPE[t]])), ...this.body, 0x0b];
  }
}

export interface ModuleSpec {
  /** The imported memory env.memory: page counts, and whether it is shared between threads. */
  memory: { initial: number; maximum: number; shared: boolean };
  funcs: readonly Func[];
}

/** A vector: its length, then its items. */
function vec(items: readonly number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/**
 * The module's bytes: sections type (one signature per function), import (env.memory), function, export
 * (the functions marked exported, by name) and code. Functions call each other by their index in `funcs`.
 */
export function emitModule({ memory: m, funcs }: ModuleSpec): Uint8Array<ArrayBuffer> {
  const types = funcs.map((f) => [0x60, ...vec(f.params.map((p) => [VALTYPE[p.type]])), 0x00]); // no results
  const memory = [...name('env'), ...name('memory'), 0x02, m.shared ? 0x03 : 0x01, ...uleb(m.initial), ...uleb(m.maximum)];
  const exports = funcs.flatMap((f, i) => (f.exported ? [[...name(f.name), 0x00, ...uleb(i)]] : []));
  const bodies = funcs.map((f) => {
    const code = f.encode();
    return [...uleb(code.length), ...code];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, vec(types)),
    ...section(2, vec([memory])),
    ...section(3, vec(funcs.map((_, i) => uleb(i)))),
    ...section(7, vec(exports)),
    ...section(10, vec(bodies)),
  ]);
}
