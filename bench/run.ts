// `npm run bench`: tensorgrad (bench/tensorgrad.ts, on every backend this machine has), the numpy baseline
// (bench/bench_numpy.py) and PyTorch (bench/bench_torch.py, when /usr/bin/python3 can import torch) on the
// workloads of bench/WORKLOADS.md, each in separate processes, one at a time, alternating; prints medians against
// issue 13's targets and writes bench/results.json and bench/RESULTS.md.
//
//   npm run bench                      the full run (about 7-8 minutes on an idle 2-core machine); writes the results files
//   npm run bench -- --from=results.json   RESULTS.md again from an earlier run's measurements (after a change here)
//   npm run bench -- --quick           short workloads, 1 process each; writes nothing unless --write
//   options: --runs=N  --no-numpy  --no-torch  --backends=wasm,js  --write  --no-write  --from=FILE  --only=W1,W5
//            --w1-epochs=N  --w2-steps=N  --w3-sizes=64,256  --w5-rows=N
//
// bench_numpy.py, common_data.py, common_data.mjs, spiral_300.json and WORKLOADS.md are copies of the shared
// cross-library benchmark and must stay identical to it (see tensorgrad.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

class BenchError extends Error {
  override name = 'BenchError';
}

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const TORCH_PYTHON = '/usr/bin/python3'; // Debian's python3-torch lives there, not in a pyenv python
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/**
 * The js backend is the scalar fallback, 20-100x slower than the others on W2, W3 and W5 (W5 alone would take
 * 15 minutes), so it runs once with these shortened workloads; its rows say so. W5's figure is then scaled from
 * the rows it ran to the 60,000 of an epoch.
 */
const SHORT_BACKENDS = new Set(['js']);
const SHORT_ARGS = ['--w1-epochs=1000', '--w2-steps=20', '--w3-sizes=64,256,512', '--w5-rows=640'];

// issue 13's targets
const TARGET = { w1: 0.8, w2: 1.0, w3: 0.8, w4: 0.85, w5: 1.2, w5Acc: 0.01, w6: 1.5 };

// ---------------------------------------------------------------- options

interface RunOptions {
  runs: number;
  quick: boolean;
  numpy: boolean;
  torch: boolean;
  /** only these backends (default: every one setBackend accepts) */
  backends: string[] | null;
  write: boolean;
  /** Passed through to tensorgrad.ts (and --only, --quick to bench_torch.py). */
  tgArgs: string[];
  partial: boolean;
  /** render RESULTS.md again from this results.json instead of measuring */
  from: string | null;
}

function parseArgs(argv: readonly string[]): RunOptions {
  let runs: number | undefined;
  let quick = false;
  let numpy = true;
  let torch = true;
  let backends: string[] | null = null;
  let write: boolean | undefined;
  let from: string | null = null;
  const tgArgs: string[] = [];
  for (const a of argv) {
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new BenchError(`run.ts: unknown argument '${a}'`);
    const [, flag, value] = m;
    if (flag === 'runs') {
      runs = Number(value);
      if (!Number.isInteger(runs) || runs < 1) throw new BenchError(`run.ts: --runs must be a positive integer, got '${value}'`);
    } else if (flag === 'quick') quick = true;
    else if (flag === 'no-numpy') numpy = false;
    else if (flag === 'no-torch') torch = false;
    else if (flag === 'backends') backends = (value ?? '').split(',').filter((s) => s !== '');
    else if (flag === 'write') write = true;
    else if (flag === 'no-write') write = false;
    else if (flag === 'from') from = value ?? '';
    else if (['only', 'w1-epochs', 'w2-steps', 'w3-sizes', 'w5-rows'].includes(flag)) tgArgs.push(a);
    else {
      throw new BenchError(
        `run.ts: unknown option '--${flag}' (known: --runs=N --quick --no-numpy --no-torch --backends=wasm,js --write --no-write --from=results.json --only= --w1-epochs= --w2-steps= --w3-sizes= --w5-rows=)`,
      );
    }
  }
  if (quick) tgArgs.push('--quick'); // numpy's side cannot be shortened; it runs in full (about 10 s)
  const partial = quick || tgArgs.length > 0 || backends !== null;
  return { runs: runs ?? (quick ? 1 : 3), quick, numpy, torch, backends, write: write ?? !partial, tgArgs, partial, from };
}

// ---------------------------------------------------------------- processes

type Json = { [key: string]: unknown };

function runChild(what: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): { result: Json; seconds: number } {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1e3;
  if (r.error) throw new BenchError(`${what}: could not start '${cmd}': ${r.error.message}`);
  if (r.status !== 0) throw new BenchError(`${what}: '${cmd} ${args.join(' ')}' exited with status ${r.status ?? r.signal}`);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return { result: JSON.parse(line) as Json, seconds };
  } catch {
    throw new BenchError(`${what}: the last line of its stdout is not JSON: '${line.slice(0, 200)}'`);
  }
}

/** Why `python` cannot import `module`, or null when it can. */
function pythonMissing(python: string, module: string): string | null {
  const r = spawnSync(python, ['-c', `import ${module}`], { encoding: 'utf8' });
  if (r.error) return `${python} not found (${r.error.message})`;
  if (r.status !== 0) return `${python} cannot import ${module}: ${r.stderr.trim().split('\n').pop()}`;
  return null;
}

/**
 * PyTorch's OpenMP threads wait passively (sleep) instead of spinning: on this shared 2-core machine a spinning
 * idle thread steals the core the other one needs (measured under load 12: W2 on 2 threads 200 ms/step spinning,
 * 27 passive, 28 on 1 thread). On an idle machine the two policies differ by little.
 */
const torchEnv = (): NodeJS.ProcessEnv => ({ ...process.env, OMP_WAIT_POLICY: 'PASSIVE' });

function numpyEnv(): NodeJS.ProcessEnv {
  // The shared bench runs numpy with these unset: OpenBLAS then picks its kernel and cache size itself.
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  return env;
}

// ---------------------------------------------------------------- medians

function flatten(x: unknown, prefix: string, out: Map<string, number>): void {
  if (typeof x === 'number' && Number.isFinite(x)) out.set(prefix, x);
  else if (x !== null && typeof x === 'object' && !Array.isArray(x)) {
    for (const [k, v] of Object.entries(x)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out);
  }
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

type Medians = Record<string, number>;

/** Median of every numeric leaf over the processes, by dotted path (W3.threads_1.256.gflops_best). */
function medians(results: readonly Json[]): Medians {
  const all = new Map<string, number[]>();
  for (const r of results) {
    const flat = new Map<string, number>();
    flatten(r, '', flat);
    for (const [k, v] of flat) (all.get(k) ?? all.set(k, []).get(k)!).push(v);
  }
  const out: Medians = {};
  for (const [k, vs] of [...all].sort(([a], [b]) => a.localeCompare(b))) out[k] = median(vs);
  return out;
}

// ---------------------------------------------------------------- machine

function machineInfo() {
  let cpuModel: string | null = null;
  let mhz: number | null = null;
  let flags = '';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    cpuModel = /^model name\s*:\s*(.*)$/m.exec(info)?.[1].trim() ?? null;
    const m = /^cpu MHz\s*:\s*([\d.]+)$/m.exec(info);
    mhz = m ? Number(m[1]) : null;
    flags = /^flags\s*:\s*(.*)$/m.exec(info)?.[1] ?? '';
  } catch {
    cpuModel = cpus()[0]?.model ?? null;
  }
  const git = (args: string[]) => {
    const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const status = git(['status', '--porcelain']);
  const has = (f: string) => flags.split(' ').includes(f);
  return {
    nproc: cpus().length,
    cpu_model: cpuModel,
    cpu_mhz: mhz,
    simd: has('avx512f') ? 'AVX-512' : has('avx2') ? `AVX2${has('fma') ? ' + FMA' : ''}` : 'SSE',
    mem_gb: Math.round(totalmem() / 2 ** 30),
    os_release: release(),
    node: process.version,
    commit: git(['rev-parse', '--short', 'HEAD']),
    uncommitted_changes: status === null ? null : status !== '',
  };
}

// ---------------------------------------------------------------- the peers' figures

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

const fmt = (v: number | undefined, digits = 3): string => {
  if (v === undefined || !Number.isFinite(v)) return '—';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toPrecision(digits);
};

/**
 * A peer's figure for a metric measured on 1 and on 2 threads (lower is better): its 2-thread figure, or its
 * 1-thread figure when that was faster. On a 2-core machine shared with other work, a 2-thread BLAS or OpenMP run
 * can lose many times over to the load on the second core; taking the faster keeps that from flattering tensorgrad.
 */
function bestOfThreads(two: number | undefined, one: number | undefined): { v: number; oneThread: boolean } | undefined {
  if (two === undefined) return one === undefined ? undefined : { v: one, oneThread: true };
  return one !== undefined && one < two ? { v: one, oneThread: true } : { v: two, oneThread: false };
}

interface Peers {
  np: Medians | null;
  pt: Medians | null;
}

const numpyW2 = (p: Peers) => bestOfThreads(p.np?.['W2.ms_per_step'], p.np?.['W2_1thread.ms_per_step']);
const torchAt = (p: Peers, w: string, metric: string) => bestOfThreads(p.pt?.[`${w}.threads_2.${metric}`], p.pt?.[`${w}.threads_1.${metric}`]);

// ---------------------------------------------------------------- table

interface Backend {
  name: string;
  isDefault: boolean;
  short: boolean;
  tg: Medians;
  /** tensorgrad's own W6 state (not available yet: why) */
  w6Reason?: string;
}

interface Row {
  workload: string;
  metric: string;
  backend: string;
  tg: number | undefined;
  /** shown instead of the figure when there is none (W6 without Conv2d) */
  tgText?: string;
  np: number | undefined;
  pt: number | undefined;
  ptNote?: string;
  /** tensorgrad / numpy, tensorgrad / PyTorch (higher-is-better metrics: the same quotient, read the other way) */
  rNp: number | undefined;
  rPt: number | undefined;
  target: string;
  met: boolean | undefined;
  /** key of the where-the-time-goes paragraph for a miss */
  missed?: string;
}

const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a / b : undefined);
const test = (r: number | undefined, ok: (r: number) => boolean) => (r === undefined ? undefined : ok(r));

function backendLabel(b: Backend): string {
  return `${b.name}${b.isDefault ? ' (default)' : ''}${b.short ? ' (shortened)' : ''}`;
}

function buildRows(backends: readonly Backend[], p: Peers): Row[] {
  const rows: Row[] = [];
  const n = (path: string) => p.np?.[path];
  const t = (path: string) => p.pt?.[path];
  const each = (make: (b: Backend) => Row | undefined) => {
    for (const b of backends) {
      const r = make(b);
      if (r) rows.push(r);
    }
  };
  each((b) => {
    const v = b.tg['W1.ms_per_epoch'];
    if (v === undefined) return undefined;
    const rNp = ratio(v, n('W1.ms_per_epoch'));
    const pt = torchAt(p, 'W1', 'ms_per_epoch');
    return {
      workload: 'W1 spiral', metric: 'ms / epoch', backend: backendLabel(b), tg: v, np: n('W1.ms_per_epoch'), pt: pt?.v, ptNote: pt?.oneThread ? '1 thread, faster here' : undefined,
      rNp, rPt: ratio(v, pt?.v), target: `≤ ${TARGET.w1}× numpy`, met: test(rNp, (r) => r <= TARGET.w1), missed: 'W1',
    };
  });
  each((b) => {
    const v = b.tg['W2.ms_per_step'];
    if (v === undefined) return undefined;
    const npW2 = numpyW2(p);
    const ptW2 = torchAt(p, 'W2', 'ms_per_step');
    const rPt = ratio(v, ptW2?.v);
    return {
      workload: 'W2 mlp', metric: `ms / step${npW2?.oneThread ? ' (numpy: 1 thread, faster here)' : ''}`, backend: backendLabel(b), tg: v, np: npW2?.v, pt: ptW2?.v,
      ptNote: ptW2?.oneThread ? '1 thread, faster here' : undefined, rNp: ratio(v, npW2?.v), rPt, target: `≤ ${TARGET.w2}× PyTorch 2 thr.`, met: test(rPt, (r) => r <= TARGET.w2), missed: 'W2',
    };
  });
  for (const threads of [1, 2]) {
    for (const size of ['64', '256', '512', '1024']) {
      const key = `W3.threads_${threads}.${size}.gflops_best`;
      const targeted = Number(size) >= 256;
      // OpenBLAS on 2 threads is never rightly slower than on 1: when it was (load on the other core), the 1-thread figure
      const one = n(`W3.threads_1.${size}.gflops_best`);
      const npOneFaster = threads === 2 && one !== undefined && (n(key) === undefined || one > n(key)!);
      const npRef = npOneFaster ? one : n(key);
      each((b) => {
        const v = b.tg[key];
        if (v === undefined) return undefined;
        const rNp = ratio(v, npRef);
        return {
          workload: `W3 matmul N=${size}`, metric: `GFLOP/s, ${threads} thread${threads > 1 ? 's' : ''}${npOneFaster ? ' (numpy: 1 thread, faster here)' : ''}`,
          backend: backendLabel(b), tg: v, np: npRef, pt: t(key), rNp, rPt: ratio(v, t(key)),
          target: targeted ? `≥ ${TARGET.w3}× OpenBLAS (numpy)` : '(none)', met: targeted ? test(rNp, (r) => r >= TARGET.w3) : undefined, missed: targeted ? 'W3' : undefined,
        };
      });
    }
  }
  each((b) => {
    const v = b.tg['W4.us_per_op'];
    if (v === undefined) return undefined;
    const pt = torchAt(p, 'W4', 'us_per_op');
    return {
      workload: 'W4 graph', metric: 'µs / op (fwd+bwd)', backend: backendLabel(b), tg: v, np: undefined, pt: pt?.v, ptNote: pt?.oneThread ? '1 thread, faster here' : undefined,
      rNp: undefined, rPt: ratio(v, pt?.v), target: `≤ ${TARGET.w4} µs/op`, met: v <= TARGET.w4, missed: 'W4',
    };
  });
  each((b) => {
    const full = b.tg['W5.train_rows'] === 60000;
    const v = full ? b.tg['W5.s_per_epoch'] : b.tg['W5.s_per_full_epoch_estimate'];
    if (v === undefined) return undefined;
    const pt = torchAt(p, 'W5', 's_per_epoch');
    const rPt = ratio(v, pt?.v);
    return {
      workload: 'W5 fashion', metric: `s / epoch${full ? '' : ` (estimated from ${b.tg['W5.train_rows']} rows)`}`, backend: backendLabel(b), tg: v, np: undefined, pt: pt?.v,
      ptNote: pt?.oneThread ? '1 thread, faster here' : undefined, rNp: undefined, rPt, target: `≤ ${TARGET.w5}× PyTorch 2 thr.`, met: test(rPt, (r) => r <= TARGET.w5), missed: 'W5',
    };
  });
  each((b) => {
    if (b.tg['W5.train_rows'] !== 60000) return undefined; // accuracy after a shortened run means nothing
    const v = b.tg['W5.test_acc'];
    const pt = t('W5.threads_2.test_acc');
    const d = v !== undefined && pt !== undefined ? Math.abs(v - pt) : undefined;
    return { workload: 'W5 fashion', metric: 'test accuracy', backend: backendLabel(b), tg: v, np: undefined, pt, rNp: undefined, rPt: undefined, target: `within ${TARGET.w5Acc} of PyTorch`, met: test(d, (x) => x <= TARGET.w5Acc), missed: 'W5acc' };
  });
  each((b) => {
    if (b.tg['W6.init_checksum'] === undefined) return undefined; // W6 not run
    const v = b.tg['W6.ms_per_step'];
    const pt = torchAt(p, 'W6', 'ms_per_step');
    const rPt = ratio(v, pt?.v);
    return {
      workload: 'W6 cnn', metric: 'ms / step', backend: backendLabel(b), tg: v, tgText: v === undefined ? b.w6Reason ?? 'not run' : undefined, np: undefined, pt: pt?.v,
      ptNote: pt?.oneThread ? '1 thread, faster here' : undefined, rNp: undefined, rPt, target: `≤ ${TARGET.w6}× PyTorch 2 thr.`, met: test(rPt, (r) => r <= TARGET.w6), missed: 'W6',
    };
  });
  return rows;
}

function markdownTable(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

function resultsTable(rows: readonly Row[], skipped: { numpy: boolean; torch: boolean }): string {
  const x = (r: number | undefined) => (r === undefined ? '—' : `${fmt(r, 2)}×`);
  return markdownTable(
    ['workload', 'metric', 'backend', 'tensorgrad', 'numpy', 'PyTorch', '÷ numpy', '÷ PyTorch', 'target', 'met'],
    rows.map((r) => [
      r.workload, r.metric, r.backend, r.tgText ?? fmt(r.tg), skipped.numpy ? 'skipped' : fmt(r.np),
      skipped.torch ? 'skipped' : `${fmt(r.pt)}${r.ptNote ? ` (${r.ptNote})` : ''}`, x(r.rNp), x(r.rPt), r.target,
      r.met === undefined ? (r.target === '(none)' ? '' : 'n/a') : r.met ? 'yes' : 'NO',
    ]),
  );
}

function crossChecks(def: Backend, p: Peers): string {
  const rows: string[][] = [];
  const tg = def.tg;
  const add = (label: string, tgPath: string | null, npPath: string | null, ptPath: string | null, digits = 6) => {
    const v = [tgPath === null ? undefined : tg[tgPath], npPath === null ? undefined : p.np?.[npPath], ptPath === null ? undefined : p.pt?.[ptPath]];
    if (v.every((x) => x === undefined)) return;
    rows.push([label, ...v.map((x) => fmt(x, digits))]);
  };
  add('W1 final loss (numpy: with nnfs decay 5e-7, see WORKLOADS.md)', 'W1.final_loss', 'W1.final_loss', 'W1.threads_2.final_loss');
  add('W1 final accuracy', 'W1.final_acc', 'W1.final_acc', 'W1.threads_2.final_acc');
  add('W1 ms / epoch, PyTorch on 2 threads', null, null, 'W1.threads_2.ms_per_epoch', 3);
  add('W1 ms / epoch, PyTorch on 1 thread', null, null, 'W1.threads_1.ms_per_epoch', 3);
  add('W2 loss of the last step', 'W2.last_step_loss', 'W2.last_step_loss', 'W2.threads_2.last_step_loss');
  add('W2 ms / step, 2 threads (numpy: its default BLAS threads)', null, 'W2.ms_per_step', 'W2.threads_2.ms_per_step', 3);
  add('W2 ms / step, 1 thread', null, 'W2_1thread.ms_per_step', 'W2.threads_1.ms_per_step', 3);
  add("W2 ms / step, tensorgrad at matmul precision 'high'", 'high.W2.ms_per_step', null, null, 3);
  for (const th of [1, 2]) {
    for (const size of ['256', '1024']) add(`W3 N=${size} GFLOP/s, ${th} thread${th > 1 ? 's' : ''}, tensorgrad at matmul precision 'high'`, `high.W3.threads_${th}.${size}.gflops_best`, null, null, 3);
  }
  add('W4 µs / op, PyTorch on 2 threads', null, null, 'W4.threads_2.us_per_op', 3);
  add('W4 µs / op, PyTorch on 1 thread', null, null, 'W4.threads_1.us_per_op', 3);
  add('W4 µs / op, forward only (PyTorch: 2 threads)', 'W4.us_per_op_forward', null, 'W4.threads_2.us_per_op_forward', 3);
  add('W4 µs / op, forward with recording off', 'W4.us_per_op_forward_nograd', null, null, 3);
  add('W4 µs / op, backward alone', 'W4.us_per_op_backward', null, null, 3);
  add('W4 µs / op, the arithmetic alone (preallocated loops)', 'W4.us_per_op_kernel_arithmetic', null, null, 3);
  add('W5 s / epoch, PyTorch on 2 threads', null, null, 'W5.threads_2.s_per_epoch', 3);
  add('W5 s / epoch, PyTorch on 1 thread', null, null, 'W5.threads_1.s_per_epoch', 3);
  add('W5 test loss after 2 epochs', 'W5.test_loss', null, 'W5.threads_2.test_loss');
  add('W5 test accuracy after 2 epochs', 'W5.test_acc', null, 'W5.threads_2.test_acc');
  add('W6 ms / step, PyTorch on 2 threads', null, null, 'W6.threads_2.ms_per_step', 3);
  add('W6 ms / step, PyTorch on 1 thread', null, null, 'W6.threads_1.ms_per_step', 3);
  add('W6 loss of the last step', 'W6.last_step_loss', null, 'W6.threads_2.last_step_loss');
  add('W6 sum of the input, labels and initial weights (same data?)', 'W6.init_checksum', null, 'W6.threads_2.init_checksum', 12);
  return rows.length === 0 ? '' : markdownTable([`cross-check / diagnostic (tensorgrad: ${def.name})`, 'tensorgrad', 'numpy', 'PyTorch'], rows);
}

// ---------------------------------------------------------------- where the time goes

interface KernelInfo {
  backend: string;
  precision?: string;
  numpyBlas: string;
  torchBlas: string;
  simd: string;
}

/** One short paragraph per missed target of the default backend (and W4), from this run's own measurements. */
function missedParagraphs(rows: readonly Row[], def: Backend, p: Peers, k: KernelInfo): string[] {
  const out: string[] = [];
  const tg = def.tg;
  const np = p.np;
  const mine = rows.filter((r) => r.backend === backendLabel(def));
  const missed = new Set(mine.filter((r) => r.met === false).map((r) => r.missed));
  const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)} %`;
  const w3 = (size: string, who: Medians | null, th = 1) => who?.[`W3.threads_${th}.${size}.gflops_best`];
  const wasm = k.backend === 'wasm';
  const ptW2 = torchAt(p, 'W2', 'ms_per_step');
  if (missed.has('W1') && np) {
    const ms = tg['W1.ms_per_epoch'];
    const ops = tg['W1.graph_ops_forward'];
    const perOp = tg['W4.us_per_op'];
    const book = perOp !== undefined ? ops * perOp * 1e-3 : undefined; // W4's figure covers an op's forward and its backward
    out.push(
      `**W1** (${fmt(ms)} ms/epoch, ${fmt(ms / np['W1.ms_per_epoch'], 2)}× numpy; target ${TARGET.w1}×). ` +
        `An epoch splits into forward+loss ${fmt(tg['W1.phase_ms.forward'])} ms, backward ${fmt(tg['W1.phase_ms.backward'])} ms, Adam ${fmt(tg['W1.phase_ms.optimizer'])} ms. ` +
        `The forward records only ${ops} ops, so at W4's ${fmt(perOp)} µs per op (forward and backward) the per-op overhead ` +
        (book !== undefined ? `is ≈ ${fmt(book * 1e3)} µs, ${pct(book, ms)} of the epoch. ` : 'is small. ') +
        `The rest is kernel time on [300,64] arrays. A CPU profile (bench/profile-w1.md) puts ~35 % of an epoch in the matmul path ` +
        (wasm ? `(copies into and out of wasm memory plus the kernels), ` : `(the ${k.backend} kernel), `) +
        `~13 % in allocating the three [300,64] buffers an epoch needs (V8 charges ~5 µs per 77 KB ArrayBuffer), ~7 % in the loss's 900 ` +
        `Math.exp calls and 5-8 % in GC. Meeting ${TARGET.w1}× numpy (${fmt(TARGET.w1 * np['W1.ms_per_epoch'])} ms) takes products and ` +
        `elementwise ops working in place on long-lived buffers a native kernel reaches without copies (issue 13, sections 1 and 3).`,
    );
  }
  if (missed.has('W2') && ptW2) {
    const ms = tg['W2.ms_per_step'];
    const mflop = tg['W2.matmul_mflop_per_step'];
    out.push(
      `**W2** (${fmt(ms)} ms/step, ${fmt(ms / ptW2.v, 2)}× PyTorch${ptW2.oneThread ? ' on 1 thread (faster here than its 2)' : ' on 2 threads'}; target ${TARGET.w2}×). ` +
        `A step is ${fmt(mflop)} MFLOP of matmuls; tensorgrad runs the whole step at an effective ${fmt(tg['W2.effective_gflops'])} GFLOP/s, ` +
        `PyTorch at ${fmt(mflop / ptW2.v)}. Forward+loss ${fmt(tg['W2.phase_ms.forward'])} ms, backward ${fmt(tg['W2.phase_ms.backward'])} ms, ` +
        `Adam ${fmt(tg['W2.phase_ms.optimizer'])} ms. The matmuls run at W3's kernel speed ` +
        `(${fmt(w3('256', tg))} GFLOP/s at N=256 against ${fmt(w3('256', p.pt))} for PyTorch's OpenBLAS on one thread` +
        (k.precision ? `, at matmul precision '${k.precision}'` : '') +
        `); Adam updates ~270k float32 parameters in plain JS with numpy's float32 rounding at each operation. ` +
        `Per-op overhead (${tg['W2.graph_ops_forward']} recorded ops per forward at ~${fmt(tg['W4.us_per_op'])} µs) is negligible here.`,
    );
  }
  if (missed.has('W3') && np) {
    const sizes = ['256', '512', '1024'].filter((s) => tg[`W3.threads_1.${s}.gflops_best`] !== undefined);
    const list = sizes.map((s) => `${fmt(w3(s, tg))} at N=${s}`).join(', ');
    const top = sizes[sizes.length - 1];
    const lanes = k.simd === 'AVX-512' ? '512-bit vectors (16 float32 lanes)' : '256-bit vectors (8 float32 lanes)';
    out.push(
      `**W3** (tensorgrad ${list} GFLOP/s on one thread; numpy's OpenBLAS ${sizes.map((s) => fmt(w3(s, np))).join(', ')}; ` +
        `on two threads ${fmt(w3(top, tg, 2))} against ${fmt(w3(top, np, 2))} at N=${top}; target ${TARGET.w3}×). ` +
        (wasm
          ? `The wasm kernel packs panels and runs a register tile of 128-bit SIMD vectors: 4 float32 lanes, a multiply and a separate add ` +
            `(Node 20's V8 does not enable relaxed SIMD's fused multiply-add). OpenBLAS's ${k.numpyBlas} kernel uses ${lanes} with fused ` +
            `multiply-add on this ${k.simd} CPU, ${fmt((w3(top, np) ?? 0) / (w3(top, tg) ?? 1), 3)}× our speed on the same core: ${TARGET.w3}× of it ` +
            `(${fmt(TARGET.w3 * (w3(top, np) ?? NaN))} GFLOP/s on one thread) is above what 128-bit wasm SIMD can reach (DESIGN.md measured ` +
            `about 42 on one core here). ` +
            (k.precision === 'highest'
              ? `This run used matmul precision 'highest' (float32 products summed in float64, the book's dot) on 2 float64 lanes, half ` +
                `the speed again; 'high' is in the cross-checks above. Meeting the target takes the native backend (issue 13, section 1).`
              : `This run used matmul precision '${k.precision}'. Meeting the target takes the native backend (issue 13, section 1).`)
          : k.backend === 'js'
            ? `The js kernel is a scalar i-k-j loop: no cache blocking, no SIMD, one thread.`
            : `See the '${k.backend}' backend's backendInfo() in results.json for the kernel that ran.`),
    );
  }
  if (tg['W4.us_per_op'] !== undefined) {
    out.push(
      `**W4** (${fmt(tg['W4.us_per_op'])} µs/op; target ${TARGET.w4}, ${missed.has('W4') ? 'missed' : 'met'}; PyTorch ${fmt(torchAt(p, 'W4', 'us_per_op')?.v)}). Forward ${fmt(tg['W4.us_per_op_forward'])} µs/op ` +
        `(${fmt(tg['W4.us_per_op_forward_nograd'])} with recording off), backward ${fmt(tg['W4.us_per_op_backward'])} µs/op; ` +
        `the arithmetic itself (the same loops into preallocated buffers) is ${fmt(tg['W4.us_per_op_kernel_arithmetic'])} µs/op. ` +
        `So the kernels are ~${pct(tg['W4.us_per_op_kernel_arithmetic'], tg['W4.us_per_op'])} of an op; the rest is the eager op itself ` +
        `(output allocation, the Tensor and its graph node, dtype and shape checks, GC of all of it) ` +
        `and, in backward, the graph walk plus the gradient ops it runs (a mul per mul node).`,
    );
  }
  const ptW5 = torchAt(p, 'W5', 's_per_epoch');
  const w5Row = mine.find((r) => r.missed === 'W5');
  if (missed.has('W5') && ptW5 && w5Row?.tg !== undefined) {
    const s = w5Row.tg;
    const ph = (name: string) => tg[`W5.phase_ms.${name}`];
    const stepMs = ph('forward') + ph('backward') + ph('optimizer') + ph('gather');
    // matmul FLOPs of one 64-row step: x@W forward, x^T@g for every layer, g@W^T for the layers above the first
    const flop = [[784, 512], [512, 512], [512, 10]].reduce((a, [fi, fo], i) => a + 2 * 64 * fi * fo * (i === 0 ? 2 : 3), 0);
    out.push(
      `**W5** (${fmt(s)} s/epoch, ${fmt(s / ptW5.v, 2)}× PyTorch${ptW5.oneThread ? ' on 1 thread (faster here than its 2)' : ' on 2 threads'}; target ${TARGET.w5}×). ` +
        `An epoch is ${Math.ceil(60000 / 64)} steps of ${fmt(stepMs)} ms: forward+loss ${fmt(ph('forward'))} ms, backward ${fmt(ph('backward'))} ms, ` +
        `Adam ${fmt(ph('optimizer'))} ms, gathering the batch rows ${fmt(ph('gather'))} ms. A step is ${fmt(flop / 1e6)} MFLOP of matmuls, ` +
        `${fmt(flop / ((ph('forward') + ph('backward')) * 1e6))} GFLOP/s over forward and backward, and Adam updates 670k parameters ` +
        `(${fmt((ph('optimizer') * 1e6) / 669706, 2)} ns each). The CPU profile (bench/profile-w5.md) says where: the matmul kernels and ` +
        `their copies into wasm memory, then Adam's float32-exact loop and the elementwise ops (relu, its backward, the bias gradient's ` +
        `column sums) in plain JS. Meeting ${TARGET.w5}× takes the matmuls at BLAS speed (the native backend) and Adam vectorized beside them.`,
    );
  }
  if (missed.has('W5acc')) {
    out.push(
      `**W5 accuracy** (${fmt(tg['W5.test_acc'], 4)} against PyTorch's ${fmt(p.pt?.['W5.threads_2.test_acc'], 4)}): both start from the ` +
        'same weights and see the same batches, so a gap beyond 0.01 means the arithmetic differs (check the test loss beside it).',
    );
  }
  const ptW6 = torchAt(p, 'W6', 'ms_per_step');
  if (missed.has('W6') && ptW6 && tg['W6.ms_per_step'] !== undefined) {
    const ms = tg['W6.ms_per_step'];
    // matmul FLOPs of one 64-image step: conv1 (1->32, 3x3, 26x26 outputs), conv2 (32->64, 3x3 over 32 channels, 11x11), the
    // Linear 1600->10; forward once, backward twice (input and weight gradients), except conv1's input gradient
    const conv1 = 2 * 64 * 32 * 9 * 26 * 26, conv2 = 2 * 64 * 64 * 288 * 11 * 11, linear = 2 * 64 * 1600 * 10;
    const flop = 2 * conv1 + 3 * conv2 + 3 * linear;
    out.push(
      `**W6** (${fmt(ms)} ms/step, ${fmt(ms / ptW6.v, 2)}× PyTorch${ptW6.oneThread ? ' on 1 thread (faster here than its 2)' : ' on 2 threads'}; target ${TARGET.w6}×). ` +
        `Forward+loss ${fmt(tg['W6.phase_ms.forward'])} ms, backward ${fmt(tg['W6.phase_ms.backward'])} ms, Adam ${fmt(tg['W6.phase_ms.optimizer'])} ms. ` +
        `A step is ${fmt(flop / 1e6)} MFLOP of products: ${fmt(flop / (ms * 1e6))} GFLOP/s over the step, PyTorch (oneDNN) ` +
        `${fmt(flop / (ptW6.v * 1e6))}. A convolution here is im2col (native), then one small product per image ([32 or 64, 9 or 288] by ` +
        `[9 or 288, 676 or 121], one addon call for the batch whose products the two threads share, each packing the weight again), ` +
        `then the bias; its backward is ` +
        `col2im; max pooling keeps arg-max indices. bench/native-notes.md has the profile: allocation and GC (the weight gradient's ` +
        `[N, O, C·kh·kw] per-image products before their sum, fresh im2col columns every step) about a quarter, im2col/col2im about ` +
        `a fifth, the small products most of the rest. Meeting ${TARGET.w6}× takes one native convolution entry (im2col into ` +
        `the [C·kh·kw, N·L] layout and one GEMM for the whole batch writing [N, O, L], with the summation order of the weight gradient ` +
        `fixed so every backend keeps its bits) and max pooling as one native kernel.`,
    );
  }
  if (def.w6Reason !== undefined) {
    out.push(`**W6**: tensorgrad's W6 is ${def.w6Reason}; PyTorch's figure is measured so the target has its reference. Adding it is one function in bench/tensorgrad.ts (w6Cnn).`);
  }
  return out;
}

// ---------------------------------------------------------------- main

type Probe = { default: string; backends: { name: string; available: boolean; reason?: string }[] };

/** What one run measured: everything RESULTS.md is rendered from (and what results.json keeps of it). */
interface Measured {
  started: Date;
  minutes: number;
  machine: ReturnType<typeof machineInfo>;
  loadBefore: number[];
  loadAfter: number[];
  runs: number;
  tgArgs: string[];
  probe: Probe;
  names: string[];
  defName: string;
  tgRuns: Map<string, Json[]>;
  highRuns: Json[];
  npRuns: Json[];
  ptRuns: Json[];
  seconds: Record<string, number[]>;
  missingNumpy: string | null;
  missingTorch: string | null;
}

function measure(o: RunOptions): Measured {
  const started = new Date();
  const t0 = performance.now();
  const missingNumpy = o.numpy ? pythonMissing('python3', 'numpy') : 'disabled by --no-numpy';
  const missingTorch = o.torch ? pythonMissing(TORCH_PYTHON, 'torch') : 'disabled by --no-torch';
  if (missingNumpy) log(`numpy skipped: ${missingNumpy}`);
  if (missingTorch) log(`PyTorch skipped: ${missingTorch}`);
  if (o.runs < 3) log(`only ${o.runs} process(es) per peer: WORKLOADS.md asks for medians of at least 3`);
  const machine = machineInfo();
  const loadBefore = loadavg();

  // which backends: every one setBackend accepts here (the list grows as core gains backends)
  const tgScript = join('bench', 'tensorgrad.ts');
  const probe = runChild('tensorgrad --probe', process.execPath, ['--import', 'tsx', tgScript, '--probe']).result as Probe;
  const unavailable = probe.backends.filter((b) => !b.available);
  const names = probe.backends.filter((b) => b.available && (o.backends === null || o.backends.includes(b.name))).map((b) => b.name);
  for (const b of unavailable) log(`backend '${b.name}' not available: ${b.reason}`);
  if (names.length === 0) throw new BenchError(`run.ts: no backend to run (available: ${probe.backends.filter((b) => b.available).map((b) => b.name).join(', ')})`);

  const tgRuns = new Map<string, Json[]>(names.map((n) => [n, []]));
  const seconds: Record<string, number[]> = { numpy: [], torch: [], ...Object.fromEntries(names.map((n) => [n, []])) };
  const npRuns: Json[] = [];
  const ptRuns: Json[] = [];
  const onlyArg = o.tgArgs.filter((a) => a.startsWith('--only') || a === '--quick');
  const tgArgsFor = (name: string) => ['--import', 'tsx', tgScript, `--backend=${name}`, ...(SHORT_BACKENDS.has(name) ? SHORT_ARGS : []), ...o.tgArgs];
  for (let i = 0; i < o.runs; i++) {
    // alternate the peers, so that drift in the machine's state hits all alike
    for (const name of names) {
      if (SHORT_BACKENDS.has(name) && i > 0) continue; // once (see SHORT_BACKENDS)
      log(`tensorgrad (${name}) process ${i + 1}/${o.runs}`);
      const r = runChild(`tensorgrad (${name})`, process.execPath, tgArgsFor(name));
      tgRuns.get(name)!.push(r.result);
      seconds[name].push(r.seconds);
      log(`tensorgrad (${name}) process ${i + 1}/${o.runs}: ${r.seconds.toFixed(1)} s`);
    }
    if (!missingNumpy) {
      log(`numpy process ${i + 1}/${o.runs}`);
      const r = runChild('numpy', 'python3', [join('bench', 'bench_numpy.py')], numpyEnv());
      npRuns.push(r.result);
      seconds.numpy.push(r.seconds);
      log(`numpy process ${i + 1}/${o.runs}: ${r.seconds.toFixed(1)} s`);
    }
    if (!missingTorch) {
      log(`PyTorch process ${i + 1}/${o.runs}`);
      const r = runChild('PyTorch', TORCH_PYTHON, [join('bench', 'bench_torch.py'), ...onlyArg], torchEnv());
      ptRuns.push(r.result);
      seconds.torch.push(r.seconds);
      log(`PyTorch process ${i + 1}/${o.runs}: ${r.seconds.toFixed(1)} s`);
    }
  }
  // The default backend's matmul-bound workloads at matmul precision 'high' (float32 sums, as BLAS), a diagnostic
  // beside the book's 'highest' while that is the default.
  const defName = names.includes(probe.default) ? probe.default : names[0];
  const defFirst = tgRuns.get(defName)![0] as { matmul_precision?: string };
  const highRuns: Json[] = [];
  if (defFirst.matmul_precision === 'highest' && !o.tgArgs.some((a) => a.startsWith('--only'))) {
    for (let i = 0; i < o.runs; i++) {
      log(`tensorgrad (${defName}) at matmul precision 'high', W2 and W3, process ${i + 1}/${o.runs}`);
      const args = [...tgArgsFor(defName), '--only=W2,W3', '--w3-sizes=256,1024'];
      highRuns.push(runChild('tensorgrad', process.execPath, args, { ...process.env, TENSORGRAD_MATMUL_PRECISION: 'high' }).result);
    }
  }
  const loadAfter = loadavg();
  return {
    started, minutes: (performance.now() - t0) / 60e3, machine, loadBefore, loadAfter, runs: o.runs, tgArgs: o.tgArgs, probe, names, defName,
    tgRuns, highRuns, npRuns, ptRuns, seconds, missingNumpy, missingTorch,
  };
}

/** The Measured of an earlier run, from its results.json (to render RESULTS.md again after a change to this file). */
function fromResults(path: string): Measured {
  const j = JSON.parse(readFileSync(path, 'utf8'));
  const names = Object.keys(j.tensorgrad);
  const { load_average_before: loadBefore, load_average_after: loadAfter, ...machine } = j.machine;
  return {
    started: new Date(j.date), minutes: j.minutes, machine, loadBefore, loadAfter, runs: j.config.processes_per_peer, tgArgs: j.config.tensorgrad_args,
    probe: j.backends_probe, names, defName: names.find((n) => j.tensorgrad[n].default) ?? names[0],
    tgRuns: new Map(names.map((n) => [n, j.tensorgrad[n].processes])), highRuns: j.tensorgrad_precision_high,
    npRuns: j.numpy?.processes ?? [], ptRuns: j.torch?.processes ?? [],
    seconds: { numpy: j.numpy?.process_seconds ?? [], torch: j.torch?.process_seconds ?? [], ...Object.fromEntries(names.map((n) => [n, j.tensorgrad[n].process_seconds])) },
    missingNumpy: j.config.numpy === 'ran' ? null : j.config.numpy, missingTorch: j.config.torch === 'ran' ? null : j.config.torch,
  };
}

function render(o: RunOptions, ms: Measured): void {
  const { started, machine, loadBefore, loadAfter, runs, tgArgs, probe, names, defName, tgRuns, highRuns, npRuns, ptRuns, seconds, missingNumpy, missingTorch } = ms;
  const quick = tgArgs.includes('--quick');
  const totalMin = ms.minutes;
  const unavailable = probe.backends.filter((b) => !b.available);
  const backends: Backend[] = names.map((name) => {
    const runs = tgRuns.get(name)!;
    const tg = medians(runs);
    if (name === defName) for (const [path, v] of Object.entries(highRuns.length ? medians(highRuns) : {})) tg[`high.${path}`] = v;
    const w6 = (runs[0] as { W6?: { available?: boolean; reason?: string } }).W6;
    return { name, isDefault: name === probe.default, short: SHORT_BACKENDS.has(name), tg, w6Reason: w6 && w6.available === false ? w6.reason : undefined };
  });
  const def = backends.find((b) => b.name === defName)!;
  const peers: Peers = { np: missingNumpy ? null : medians(npRuns), pt: missingTorch ? null : medians(ptRuns) };
  const npFirst = npRuns[0] as { numpy?: string; python?: string; blas?: { corename?: string; config?: string; num_threads?: number } } | undefined;
  const ptFirst = ptRuns[0] as { torch?: string; python?: string; numpy?: string; default_threads?: number; cpu_capability?: string; mkldnn?: boolean; blas?: { config?: string; corename?: string; parallel?: string } } | undefined;
  const tgFirst = (name: string) => tgRuns.get(name)![0] as { kernels?: string; threads?: number; version?: string; matmul_precision?: string; W1?: { epochs?: number } };

  const rows = buildRows(backends, peers);
  const skipped = { numpy: missingNumpy !== null, torch: missingTorch !== null };
  const table = resultsTable(rows, skipped);
  const checks = crossChecks(def, peers);
  const paragraphs = missedParagraphs(rows, def, peers, {
    backend: def.name, precision: tgFirst(def.name).matmul_precision, numpyBlas: npFirst?.blas?.corename ?? 'SIMD',
    torchBlas: ptFirst?.blas?.corename ?? 'SIMD', simd: machine.simd,
  });

  const notes: string[] = [];
  const w1Epochs = tgFirst(def.name).W1?.epochs;
  if (w1Epochs !== undefined && w1Epochs !== 10000) notes.push(`W1 ran ${w1Epochs} epochs, not the 10,000 WORKLOADS.md defines (its final loss/accuracy are not comparable with numpy's).`);
  if (quick) notes.push('Quick run: shortened workloads; not comparable with the definitions in WORKLOADS.md.');
  for (const b of backends.filter((x) => x.short)) {
    notes.push(`The ${b.name} backend ran once with shortened workloads (${SHORT_ARGS.join(' ')}): rates comparable, final losses not; its W5 is scaled from ${b.tg['W5.train_rows']} rows to 60,000.`);
  }
  if (loadBefore[0] > 2 * machine.nproc) {
    notes.push(
      `The machine was heavily loaded by other work (load average ${loadBefore[0].toFixed(1)} on ${machine.nproc} CPUs): every figure is several times ` +
        'what an idle machine gives (W5 on wasm: 17 s per epoch idle in issue 13), so compare ratios within this run, not with other runs. ' +
        'On an idle machine the full run (3 processes per peer) takes an estimated 7-8 minutes.',
    );
  }
  if (runs < 3) notes.push(`Each peer ran ${plural(runs, 'process', 'processes')}, not the 3 WORKLOADS.md asks for (the load made 3 take over an hour).`);
  for (const b of unavailable) notes.push(`Backend '${b.name}' is not available here: ${b.reason}`);
  if (missingNumpy) notes.push(`numpy was skipped: ${missingNumpy}.`);
  if (missingTorch) notes.push(`PyTorch was skipped: ${missingTorch}.`);
  const slow2 = (who: string, two: number | undefined, one: number | undefined, what: string) => {
    if (two !== undefined && one !== undefined && two > 1.2 * one) {
      notes.push(`${who}'s 2-thread ${what} (${fmt(two)}) was slower than its 1-thread run (${fmt(one)}): its threads lost time to other load on the 2 cores, so the table compares with the 1-thread figure.`);
    }
  };
  slow2('numpy', peers.np?.['W2.ms_per_step'], peers.np?.['W2_1thread.ms_per_step'], 'W2 (ms/step)');
  for (const [w, m, what] of [['W1', 'ms_per_epoch', 'W1 (ms/epoch)'], ['W2', 'ms_per_step', 'W2 (ms/step)'], ['W4', 'us_per_op', 'W4 (µs/op)'], ['W5', 's_per_epoch', 'W5 (s/epoch)'], ['W6', 'ms_per_step', 'W6 (ms/step)']]) {
    slow2('PyTorch', peers.pt?.[`${w}.threads_2.${m}`], peers.pt?.[`${w}.threads_1.${m}`], what);
  }
  const ck = [def.tg['W6.init_checksum'], peers.pt?.['W6.threads_2.init_checksum']];
  if (ck[0] !== undefined && ck[1] !== undefined && Math.abs(ck[0] - ck[1]) > 1e-9 * Math.abs(ck[1])) {
    notes.push(`W6's data differs between tensorgrad (sum ${ck[0]}) and PyTorch (${ck[1]}): check w6Init against bench_torch.py.`);
  }
  process.stdout.write(`\n${table}\n\n${checks}\n\n`);
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
  for (const para of paragraphs) process.stdout.write(`${para.replace(/\*\*/g, '')}\n\n`);
  log(`the whole run took ${totalMin.toFixed(1)} minutes`);

  if (!o.write) {
    log('results not written (partial or quick run; pass --write to write bench/results.json and bench/RESULTS.md)');
    return;
  }
  const npInfo = npFirst
    ? { numpy: npFirst.numpy, python: npFirst.python, blas_corename: npFirst.blas?.corename, blas_config: npFirst.blas?.config, blas_default_threads: npFirst.blas?.num_threads }
    : null;
  const summary = {
    date: started.toISOString(),
    minutes: totalMin,
    machine: { ...machine, load_average_before: loadBefore, load_average_after: loadAfter },
    config: { processes_per_peer: runs, tensorgrad_args: tgArgs, short_backends: [...SHORT_BACKENDS], short_args: SHORT_ARGS, numpy: missingNumpy ?? 'ran', torch: missingTorch ?? 'ran' },
    backends_probe: probe,
    tensorgrad: Object.fromEntries(backends.map((b) => [b.name, { default: b.isDefault, process_seconds: seconds[b.name], medians: b.tg, processes: tgRuns.get(b.name) }])),
    tensorgrad_precision_high: highRuns,
    numpy: peers.np ? { ...npInfo, process_seconds: seconds.numpy, medians: peers.np, processes: npRuns } : null,
    torch: peers.pt ? { process_seconds: seconds.torch, medians: peers.pt, processes: ptRuns } : null,
    targets: rows.map(({ workload, metric, backend, tg, tgText, np, pt, rNp, rPt, target, met }) => ({
      workload, metric, backend, tensorgrad: tg ?? tgText, numpy: np, torch: pt, ratio_numpy: rNp, ratio_torch: rPt, target, met,
    })),
  };
  writeFileSync(join(BENCH, 'results.json'), JSON.stringify(summary, null, 2) + '\n');

  const m = machine;
  const secs = (xs: number[]) => xs.map((s) => s.toFixed(0)).join(', ');
  const md = [
    '# Benchmark results',
    '',
    `Generated by \`npm run bench\` (bench/run.ts) on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC; the whole run took ` +
      `${totalMin.toFixed(1)} minutes. Workload definitions: [WORKLOADS.md](WORKLOADS.md); every median and every process's raw output: [results.json](results.json).`,
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpu_model ?? 'unknown'} (${m.simd}), ${m.nproc} logical CPUs${m.cpu_mhz ? ` (cpu MHz ${m.cpu_mhz.toFixed(0)} as /proc/cpuinfo reports it)` : ''}, ${m.mem_gb} GB RAM, Linux ${m.os_release}`,
    `- Node ${m.node}${npInfo ? `; Python ${npInfo.python}, numpy ${npInfo.numpy}, ${npInfo.blas_config ?? 'BLAS unknown'}` : ''}`,
    ptFirst ? `- PyTorch ${ptFirst.torch} (Debian python3-torch, Python ${ptFirst.python}, numpy ${ptFirst.numpy}), CPU capability ${ptFirst.cpu_capability}, BLAS ${ptFirst.blas?.config ?? 'unknown'} (${ptFirst.blas?.parallel ?? '?'}), oneDNN ${ptFirst.mkldnn ? 'on' : 'off'}` : '- PyTorch: skipped',
    `- Load average (1/5/15 min) before ${loadBefore.map((v) => v.toFixed(2)).join(' / ')}, after ${loadAfter.map((v) => v.toFixed(2)).join(' / ')}` +
      ' (the machine was not otherwise reserved: other processes may have run alongside)',
    `- tensorgrad ${tgFirst(def.name).version ?? ''} at commit ${m.commit ?? 'unknown'}${m.uncommitted_changes ? ' with uncommitted changes' : ''}`,
    '',
    '## What ran',
    '',
    ...backends.map((b) => {
      const f = tgFirst(b.name);
      return `- tensorgrad, backend \`${b.name}\`${b.isDefault ? ' (the default here)' : ''}: ${f.kernels}, matmul precision \`${f.matmul_precision ?? 'n/a'}\`, ` +
        `${f.threads} thread${f.threads === 1 ? '' : 's'} for W1/W2/W5 (W3 ${b.name === 'js' ? 'on 1 thread' : 'runs 1 and 2 separately'}); ${seconds[b.name].length} process${seconds[b.name].length > 1 ? 'es' : ''} ` +
        `of \`node --import tsx bench/tensorgrad.ts --backend=${b.name}${b.short ? ' ' + SHORT_ARGS.join(' ') : ''}${tgArgs.length ? ' ' + tgArgs.join(' ') : ''}\` (${secs(seconds[b.name])} s).`;
    }),
    peers.np && npInfo
      ? `- numpy: \`python3 bench/bench_numpy.py\` (the nnfs reference code; W1-W3, WORKLOADS.md defines no numpy W4-W6), ${plural(runs, 'process', 'processes')} (${secs(seconds.numpy)} s), ` +
        `OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset; OpenBLAS kernel ${npInfo.blas_corename}, ${npInfo.blas_default_threads} threads for W1/W2; W3 on 1 and on 2 threads.`
      : `- numpy: skipped (${missingNumpy}).`,
    peers.pt && ptFirst
      ? `- PyTorch: \`${TORCH_PYTHON} bench/bench_torch.py\`, ${plural(runs, 'process', 'processes')} (${secs(seconds.torch)} s); every workload on 2 and on 1 thread, OMP_WAIT_POLICY=PASSIVE (see run.ts) ` +
        `(torch.set_num_threads; its default here is ${ptFirst.default_threads}). The same data, initial weights and batch orders as tensorgrad.`
      : `- PyTorch: skipped (${missingTorch}).`,
    ...notes.map((n) => `- ${n}`),
    '',
    `## Results (${runs > 1 ? `medians of ${runs} processes` : 'one process per peer, not the 3 WORKLOADS.md asks for'}; ÷ = tensorgrad / peer)`,
    '',
    `Targets are issue 13's, for the default backend; the other backends' rows apply the same test for information. ` +
      'PyTorch means 2 threads unless the cell says otherwise; W3 compares at the same thread count.',
    '',
    table,
    '',
    checks,
    '',
    '## Where the time goes',
    '',
    `One paragraph per missed target of the default backend (\`${def.name}\`) and W4, from this run's own measurements (phase ` +
      'timers around forward, backward, the optimizer step and the batch gather; op counts from the recorded graph; the diagnostics above).',
    '',
    ...paragraphs.flatMap((para) => [para, '']),
    // a hand-written comparison with an older commit (bench/before-after.sh writes its measurements; a person writes the file)
    ...(existsSync(`${BENCH}/before-after.md`) ? [readFileSync(`${BENCH}/before-after.md`, 'utf8').trim(), ''] : []),
    '## Reproduce',
    '',
    '```sh',
    `npm run bench                                        # this file, ${Math.ceil(totalMin)} minutes here`,
    'npm run bench -- --quick --no-write                  # every peer and backend, shortened, about 2 minutes',
    'npx tsx bench/tensorgrad.ts --only=W1,W4 --quick     # one quick tensorgrad process (--backend=js|wasm|native)',
    '/usr/bin/python3 bench/bench_torch.py --only=W5       # one PyTorch process',
    'node --import tsx --cpu-prof bench/tensorgrad.ts --only=W5 --w5-rows=6400   # a CPU profile of W5',
    '```',
    '',
  ].join('\n');
  writeFileSync(join(BENCH, 'RESULTS.md'), md);
  log('wrote bench/results.json and bench/RESULTS.md');
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  render(o, o.from !== null ? fromResults(o.from) : measure(o));
}

try {
  main();
} catch (e) {
  if (e instanceof BenchError) {
    log(e.message);
    process.exit(1);
  }
  throw e;
}
