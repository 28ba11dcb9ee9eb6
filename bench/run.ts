// `npm run bench`: tensorgrad (bench/tensorgrad.ts) and the numpy baseline (bench/bench_numpy.py) on the workloads
// of bench/WORKLOADS.md, each in >= 3 separate processes, one at a time; prints medians against the targets and
// writes bench/results.json and bench/RESULTS.md.
//
//   npm run bench                      the full run (3-4 minutes on a 2-core machine); writes the results files
//   npm run bench -- --quick           short tensorgrad workloads, 1 process each; writes nothing unless --write
//   options: --runs=N  --no-numpy  --write  --no-write  --only=W1,W4  --w1-epochs=N  --w2-steps=N  --w3-sizes=64,256
//
// bench_numpy.py, common_data.py, common_data.mjs, spiral_300.json and WORKLOADS.md are copies of the shared
// cross-library benchmark and must stay identical to it (see tensorgrad.ts).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

class BenchError extends Error {
  override name = 'BenchError';
}

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

// ---------------------------------------------------------------- options

interface RunOptions {
  runs: number;
  quick: boolean;
  numpy: boolean;
  write: boolean;
  /** Passed through to tensorgrad.ts. */
  tgArgs: string[];
  partial: boolean;
}

function parseArgs(argv: readonly string[]): RunOptions {
  let runs: number | undefined;
  let quick = false;
  let numpy = true;
  let write: boolean | undefined;
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
    else if (flag === 'write') write = true;
    else if (flag === 'no-write') write = false;
    else if (['only', 'w1-epochs', 'w2-steps', 'w3-sizes'].includes(flag)) tgArgs.push(a);
    else throw new BenchError(`run.ts: unknown option '--${flag}' (known: --runs=N --quick --no-numpy --write --no-write --only= --w1-epochs= --w2-steps= --w3-sizes=)`);
  }
  if (quick) tgArgs.push('--quick'); // numpy's side cannot be shortened; it runs in full (about 10 s)
  const partial = quick || tgArgs.length > 0;
  return { runs: runs ?? (quick ? 1 : 3), quick, numpy, write: write ?? !partial, tgArgs, partial };
}

// ---------------------------------------------------------------- processes

type Json = { [key: string]: unknown };

function runChild(what: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): { result: Json; seconds: number } {
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

/** Why numpy cannot run here, or null when it can. */
function numpyMissing(): string | null {
  const r = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (r.error) return `python3 not found (${r.error.message})`;
  if (r.status !== 0) return `python3 cannot import numpy: ${r.stderr.trim().split('\n').pop()}`;
  return null;
}

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

/** Median of every numeric leaf over the processes, by dotted path (W3.threads_1.256.gflops_best). */
function medians(results: readonly Json[]): Record<string, number> {
  const all = new Map<string, number[]>();
  for (const r of results) {
    const flat = new Map<string, number>();
    flatten(r, '', flat);
    for (const [k, v] of flat) (all.get(k) ?? all.set(k, []).get(k)!).push(v);
  }
  const out: Record<string, number> = {};
  for (const [k, vs] of [...all].sort(([a], [b]) => a.localeCompare(b))) out[k] = median(vs);
  return out;
}

// ---------------------------------------------------------------- machine

function machineInfo(): Json {
  let cpuModel: string | null = null;
  let mhz: number | null = null;
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    cpuModel = /^model name\s*:\s*(.*)$/m.exec(info)?.[1].trim() ?? null;
    const m = /^cpu MHz\s*:\s*([\d.]+)$/m.exec(info);
    mhz = m ? Number(m[1]) : null;
  } catch {
    cpuModel = cpus()[0]?.model ?? null;
  }
  const git = (args: string[]) => {
    const r = spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const status = git(['status', '--porcelain']);
  return {
    nproc: cpus().length,
    cpu_model: cpuModel,
    cpu_mhz: mhz,
    mem_gb: Math.round(totalmem() / 2 ** 30),
    os_release: release(),
    node: process.version,
    commit: git(['rev-parse', '--short', 'HEAD']),
    uncommitted_changes: status === null ? null : status !== '',
  };
}

// ---------------------------------------------------------------- table

interface Row {
  workload: string;
  metric: string;
  tg: number | undefined;
  np: number | undefined;
  /** tensorgrad / numpy */
  ratio: number | undefined;
  target: string;
  met: boolean | undefined;
  missed?: string;
}

const fmt = (v: number | undefined, digits = 3): string => {
  if (v === undefined) return '—';
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toPrecision(digits);
};

/**
 * numpy's W2 figure to compare with: its default (2 BLAS threads here) run, or its 1-thread run when that was
 * faster. On a 2-core machine any other load on the second core can slow OpenBLAS's 2-thread run many times
 * over; taking the faster of the two keeps that from flattering tensorgrad.
 */
function numpyW2(np: Record<string, number> | null): { ms: number; oneThread: boolean } | undefined {
  const dflt = np?.['W2.ms_per_step'];
  const one = np?.['W2_1thread.ms_per_step'];
  if (dflt === undefined) return undefined;
  return one !== undefined && one < dflt ? { ms: one, oneThread: true } : { ms: dflt, oneThread: false };
}

function buildRows(tg: Record<string, number>, np: Record<string, number> | null): Row[] {
  const rows: Row[] = [];
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a / b : undefined);
  const n = (path: string) => (np ? np[path] : undefined);
  if (tg['W1.ms_per_epoch'] !== undefined) {
    const r = ratio(tg['W1.ms_per_epoch'], n('W1.ms_per_epoch'));
    rows.push({ workload: 'W1 spiral', metric: 'ms / epoch', tg: tg['W1.ms_per_epoch'], np: n('W1.ms_per_epoch'), ratio: r, target: '≤ 0.5× numpy', met: r === undefined ? undefined : r <= 0.5, missed: 'W1' });
  }
  if (tg['W2.ms_per_step'] !== undefined) {
    const npW2 = numpyW2(np);
    const r = ratio(tg['W2.ms_per_step'], npW2?.ms);
    rows.push({
      workload: 'W2 mlp', metric: npW2?.oneThread ? 'ms / step (numpy: 1 thread)' : 'ms / step', tg: tg['W2.ms_per_step'], np: npW2?.ms, ratio: r,
      target: '≤ 0.7× numpy', met: r === undefined ? undefined : r <= 0.7, missed: 'W2',
    });
  }
  for (const threads of [1, 2]) {
    for (const size of ['64', '256', '512', '1024']) {
      const key = `W3.threads_${threads}.${size}.gflops_best`;
      if (tg[key] === undefined) continue;
      const r = ratio(tg[key], n(key));
      const targeted = Number(size) >= 256;
      rows.push({
        workload: `W3 matmul N=${size}`, metric: `GFLOP/s, ${threads} thread${threads > 1 ? 's' : ''}`, tg: tg[key], np: n(key), ratio: r,
        target: targeted ? `≥ 0.45× numpy (${threads} thr.)` : '(none)', met: targeted && r !== undefined ? r >= 0.45 : undefined, missed: targeted ? 'W3' : undefined,
      });
    }
  }
  if (tg['W4.us_per_op'] !== undefined) {
    rows.push({ workload: 'W4 graph', metric: 'µs / op (fwd+bwd)', tg: tg['W4.us_per_op'], np: undefined, ratio: undefined, target: '≤ 3 µs/op', met: tg['W4.us_per_op'] <= 3, missed: 'W4' });
    rows.push({ workload: 'W4 graph', metric: 'µs / op (forward)', tg: tg['W4.us_per_op_forward'], np: undefined, ratio: undefined, target: '(none)', met: undefined });
  }
  return rows;
}

function markdownTable(header: string[], body: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

function resultsTable(rows: readonly Row[], numpySkipped: boolean): string {
  return markdownTable(
    ['workload', 'metric', 'tensorgrad', 'numpy', 'ratio', 'target', 'met'],
    rows.map((r) => [
      r.workload, r.metric, fmt(r.tg), numpySkipped ? 'skipped' : fmt(r.np), r.ratio === undefined ? '—' : `${fmt(r.ratio, 2)}×`, r.target,
      r.met === undefined ? (r.target === '(none)' ? '' : 'n/a') : r.met ? 'yes' : 'NO',
    ]),
  );
}

function crossChecks(tg: Record<string, number>, np: Record<string, number> | null): string {
  const rows: string[][] = [];
  // tgPath null: a numpy-only figure
  const add = (label: string, tgPath: string | null, npPath = tgPath) => {
    const t = tgPath === null ? undefined : tg[tgPath];
    const n = npPath === null ? undefined : np?.[npPath];
    if (t === undefined && n === undefined) return;
    rows.push([label, fmt(t, 6), fmt(n, 6)]);
  };
  add('W1 final loss (after the last epoch)', 'W1.final_loss');
  add('W1 final accuracy', 'W1.final_acc');
  add('W2 loss of the last step', 'W2.last_step_loss');
  add('W2 ms / step, numpy with its default BLAS threads', null, 'W2.ms_per_step');
  add('W2 ms / step, numpy on 1 BLAS thread', null, 'W2_1thread.ms_per_step');
  add("W2 ms / step, tensorgrad at matmul precision 'high'", 'high.W2.ms_per_step', null);
  for (const t of [1, 2]) {
    for (const size of ['256', '1024']) add(`W3 N=${size} GFLOP/s, ${t} thread${t > 1 ? 's' : ''}, tensorgrad at matmul precision 'high'`, `high.W3.threads_${t}.${size}.gflops_best`, null);
  }
  add('W4 µs / op, forward with recording off', 'W4.us_per_op_forward_nograd');
  add('W4 µs / op, backward alone', 'W4.us_per_op_backward');
  add('W4 µs / op, the arithmetic alone (preallocated loops)', 'W4.us_per_op_kernel_arithmetic');
  return rows.length === 0 ? '' : markdownTable(['cross-check / diagnostic', 'tensorgrad', 'numpy'], rows);
}

/** One short paragraph per missed target, from this run's own measurements. */
function missedParagraphs(
  rows: readonly Row[], tg: Record<string, number>, np: Record<string, number> | null, blasCore: string,
  kernel: { backend?: string; precision?: string; minFlops?: number },
): string[] {
  const out: string[] = [];
  const missed = new Set(rows.filter((r) => r.met === false).map((r) => r.missed));
  const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(0)} %`;
  const w3 = (size: string, who: Record<string, number> | null) => who?.[`W3.threads_1.${size}.gflops_best`];
  const wasm = kernel.backend === 'wasm';
  if (missed.has('W1') && np) {
    const ms = tg['W1.ms_per_epoch'];
    const ops = tg['W1.graph_ops_forward'];
    const perOp = tg['W4.us_per_op'];
    const book = perOp !== undefined ? ops * perOp * 1e-3 : undefined; // W4's figure covers an op's forward and its backward
    out.push(
      `**W1** (${fmt(ms)} ms/epoch, ${fmt(ms / np['W1.ms_per_epoch'], 2)}× numpy; target 0.5×). ` +
        `An epoch splits into forward+loss ${fmt(tg['W1.phase_ms.forward'])} ms, backward ${fmt(tg['W1.phase_ms.backward'])} ms, Adam ${fmt(tg['W1.phase_ms.optimizer'])} ms. ` +
        `The forward records only ${ops} ops, so at W4's ${fmt(perOp)} µs per op (forward and backward) the per-op overhead ` +
        (book !== undefined ? `is ≈ ${fmt(book * 1e3)} µs, ${pct(book, ms)} of the epoch. ` : 'is small. ') +
        `The rest is kernel time on [300,64] arrays. A CPU profile (bench/profile-w1.md) puts ~35 % of an epoch in the matmul path ` +
        (wasm ? `(copies into and out of wasm memory plus the kernels), ` : '(the JS kernel), ') +
        `~13 % in allocating the three [300,64] buffers an epoch needs (V8 charges ~5 µs per 77 KB ArrayBuffer), ~7 % in the loss's 900 ` +
        `Math.exp calls and 5-8 % in GC. The matmul path alone is then ≈ ${fmt(0.35 * ms)} ms, against a target of ${fmt(0.5 * np['W1.ms_per_epoch'])} ms ` +
        `for the whole epoch: meeting it would take products and elementwise ops working in place, without copies, on buffers that live in ` +
        `wasm memory, and the buffers stay ordinary typed arrays because, without dispose() calls, nothing frees wasm memory during a ` +
        `synchronous loop (no FinalizationRegistry callback runs until it returns; measured in packages/core/src/wasm/runtime.ts).`,
    );
  }
  const npW2 = numpyW2(np);
  if (missed.has('W2') && np && npW2) {
    const ms = tg['W2.ms_per_step'];
    const mflop = tg['W2.matmul_mflop_per_step'];
    out.push(
      `**W2** (${fmt(ms)} ms/step, ${fmt(ms / npW2.ms, 2)}× numpy${npW2.oneThread ? ' on 1 thread' : ''}; target 0.7×). ` +
        `A step is ${fmt(mflop)} MFLOP of matmuls; tensorgrad runs the whole step at an effective ${fmt(tg['W2.effective_gflops'])} GFLOP/s, ` +
        `numpy at ${fmt(mflop / npW2.ms)} GFLOP/s. Forward+loss ${fmt(tg['W2.phase_ms.forward'])} ms, backward ${fmt(tg['W2.phase_ms.backward'])} ms, ` +
        `Adam ${fmt(tg['W2.phase_ms.optimizer'])} ms. The matmuls run at W3's kernel speed ` +
        `(${fmt(w3('256', tg))} GFLOP/s at N=256 against ${fmt(w3('256', np))} for OpenBLAS on one thread` +
        (wasm ? `, at matmul precision '${kernel.precision}'` : '') +
        `); Adam updates ~270k float32 parameters in plain JS with numpy's float32 rounding at each operation. ` +
        `Per-op overhead (${tg['W2.graph_ops_forward']} recorded ops per forward at ~${fmt(tg['W4.us_per_op'])} µs) is negligible here.`,
    );
  }
  if (missed.has('W3') && np) {
    const sizes = ['256', '512', '1024'].filter((s) => tg[`W3.threads_1.${s}.gflops_best`] !== undefined);
    const list = sizes.map((s) => `${fmt(w3(s, tg))} at N=${s}`).join(', ');
    const top = sizes[sizes.length - 1];
    out.push(
      `**W3** (tensorgrad ${list} GFLOP/s on one thread; OpenBLAS ${sizes.map((s) => fmt(w3(s, np))).join(', ')}; target 0.45×). ` +
        (wasm
          ? `The wasm kernel packs panels and runs a 2x16 register tile of 128-bit SIMD vectors: 4 float32 lanes, a multiply and a separate add ` +
            `(Node 20's V8 does not enable relaxed SIMD's fused multiply-add). OpenBLAS's ${blasCore} kernel uses 512-bit vectors (16 lanes) ` +
            `with fused multiply-add, ${fmt((w3(top, np) ?? 0) / (w3(top, tg) ?? 1), 3)}× our speed on the same core. DESIGN.md measured what ` +
            `wasm SIMD reaches here: about 42 GFLOP/s on one core (51 with relaxed SIMD) and about 100 on two, while 0.45× of OpenBLAS is ` +
            `${fmt(0.45 * (w3(top, np) ?? NaN))} on one thread and ${fmt(0.45 * (np[`W3.threads_2.${top}.gflops_best`] ?? NaN))} on two: above that ceiling. ` +
            (kernel.precision === 'highest'
              ? `This run used matmul precision 'highest' (the default: float32 products summed in float64, the book's dot), which runs on ` +
                `2 float64 lanes and halves the speed again; 'high' (float32 sums, as BLAS) doubles it (README, Speed).`
              : `This run used matmul precision '${kernel.precision}'.`)
          : `The js kernel is a scalar i-k-j loop: no cache blocking, no SIMD, one thread. ` +
            `OpenBLAS's ${blasCore} kernel does ${fmt((w3(top, np) ?? 0) / (w3(top, tg) ?? 1), 3)}× as much work per second on the same core.`),
    );
  }
  if (tg['W4.us_per_op'] !== undefined) {
    out.push(
      `**W4** (${fmt(tg['W4.us_per_op'])} µs/op; target 3, ${missed.has('W4') ? 'missed' : 'met'}). Forward ${fmt(tg['W4.us_per_op_forward'])} µs/op ` +
        `(${fmt(tg['W4.us_per_op_forward_nograd'])} with recording off), backward ${fmt(tg['W4.us_per_op_backward'])} µs/op; ` +
        `the arithmetic itself (the same loops into preallocated buffers) is ${fmt(tg['W4.us_per_op_kernel_arithmetic'])} µs/op. ` +
        `So the kernels are ~${pct(tg['W4.us_per_op_kernel_arithmetic'], tg['W4.us_per_op'])} of an op; recording the forward costs ` +
        `~${fmt(Math.max(0, tg['W4.us_per_op_forward'] - tg['W4.us_per_op_forward_nograd']))} µs/op; the rest is the eager op itself ` +
        `(output allocation, a Tensor with a frozen shape copy, a 0-d tensor for the scalar operand, shape checks, GC of all of it) ` +
        `and, in backward, the graph walk plus the gradient ops it runs (a mul per mul node).`,
    );
  }
  if (!np && rows.some((r) => r.met === undefined && r.target !== '(none)')) {
    out.push('The targets relative to numpy were not evaluated: numpy was skipped.');
  }
  return out;
}

// ---------------------------------------------------------------- main

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const missing = o.numpy ? numpyMissing() : 'disabled by --no-numpy';
  const doNumpy = missing === null;
  if (!doNumpy) log(`numpy skipped: ${missing}`);
  if (o.runs < 3) log(`only ${o.runs} process(es) per peer: WORKLOADS.md asks for medians of at least 3`);
  const machine = machineInfo();
  const loadBefore = loadavg();
  const started = new Date();

  const tgRuns: Json[] = [];
  const npRuns: Json[] = [];
  const seconds: { tensorgrad: number[]; numpy: number[] } = { tensorgrad: [], numpy: [] };
  const tsxArgs = ['--import', 'tsx', join('bench', 'tensorgrad.ts'), ...o.tgArgs];
  for (let i = 0; i < o.runs; i++) {
    // alternate the peers, so that drift in the machine's state hits both alike
    log(`tensorgrad process ${i + 1}/${o.runs}`);
    const tg = runChild('tensorgrad', process.execPath, tsxArgs, process.env);
    tgRuns.push(tg.result);
    seconds.tensorgrad.push(tg.seconds);
    log(`tensorgrad process ${i + 1}/${o.runs}: ${tg.seconds.toFixed(1)} s`);
    if (doNumpy) {
      log(`numpy process ${i + 1}/${o.runs}`);
      const np = runChild('numpy', 'python3', [join('bench', 'bench_numpy.py')], numpyEnv());
      npRuns.push(np.result);
      seconds.numpy.push(np.seconds);
      log(`numpy process ${i + 1}/${o.runs}: ${np.seconds.toFixed(1)} s`);
    }
  }
  // The same matmul-bound workloads at matmul precision 'high' (float32 sums, as BLAS): a diagnostic beside the
  // default 'highest' (the book's float64 sums) that the table compares.
  const highRuns: Json[] = [];
  if (!o.tgArgs.some((a) => a.startsWith('--only'))) {
    for (let i = 0; i < o.runs; i++) {
      log(`tensorgrad at matmul precision 'high', W2 and W3, process ${i + 1}/${o.runs}`);
      const args = [...tsxArgs, '--only=W2,W3', '--w3-sizes=256,1024'];
      highRuns.push(runChild('tensorgrad', process.execPath, args, { ...process.env, TENSORGRAD_MATMUL_PRECISION: 'high' }).result);
    }
  }
  const loadAfter = loadavg();

  const tg = medians(tgRuns);
  for (const [path, v] of Object.entries(highRuns.length ? medians(highRuns) : {})) tg[`high.${path}`] = v;
  const np = doNumpy ? medians(npRuns) : null;
  const npFirst = npRuns[0] as { numpy?: string; python?: string; blas?: { corename?: string; config?: string; num_threads?: number } } | undefined;
  const tgFirst = tgRuns[0] as {
    backend?: string; kernels?: string; threads?: number; version?: string; matmul_precision?: string;
    backend_info?: { minFlops?: number }; W1?: { epochs?: number };
  };
  const npInfo = npFirst
    ? { numpy: npFirst.numpy, python: npFirst.python, blas_corename: npFirst.blas?.corename, blas_config: npFirst.blas?.config, blas_default_threads: npFirst.blas?.num_threads }
    : null;

  const rows = buildRows(tg, np);
  const table = resultsTable(rows, !doNumpy);
  const checks = crossChecks(tg, np);
  const paragraphs = missedParagraphs(rows, tg, np, npInfo?.blas_corename ?? 'SIMD', {
    backend: tgFirst.backend, precision: tgFirst.matmul_precision, minFlops: tgFirst.backend_info?.minFlops,
  });

  const w1Epochs = tgFirst.W1?.epochs;
  const notes: string[] = [];
  if (w1Epochs !== undefined && w1Epochs !== 10000) notes.push(`W1 ran ${w1Epochs} epochs, not the 10,000 WORKLOADS.md defines (its final loss/accuracy are not comparable with numpy's).`);
  if (o.quick) notes.push('Quick run: shortened workloads; not comparable with the definitions in WORKLOADS.md.');
  if (!doNumpy) notes.push(`numpy was skipped: ${missing}.`);
  if (np && np['W2.ms_per_step'] > 1.5 * np['W2_1thread.ms_per_step']) {
    notes.push(
      `numpy's default ${npInfo?.blas_default_threads ?? 2}-thread W2 (${fmt(np['W2.ms_per_step'])} ms/step) was slower than its 1-thread run ` +
        `(${fmt(np['W2_1thread.ms_per_step'])}): OpenBLAS's threads lost time here (to other load, or to how the VM schedules its vCPUs), ` +
        'so W2 is compared with the 1-thread figure.',
    );
  }

  process.stdout.write(`\n${table}\n\n${checks}\n\n`);
  for (const n of notes) process.stdout.write(`note: ${n}\n`);
  for (const p of paragraphs) process.stdout.write(`${p.replace(/\*\*/g, '')}\n\n`);

  if (!o.write) {
    log('results not written (partial or quick run; pass --write to write bench/results.json and bench/RESULTS.md)');
    return;
  }
  const summary = {
    date: started.toISOString(),
    machine: { ...machine, load_average_before: loadBefore, load_average_after: loadAfter },
    config: { processes_per_peer: o.runs, tensorgrad_args: o.tgArgs, numpy: doNumpy ? 'ran' : `skipped: ${missing}` },
    tensorgrad: { backend: tgFirst.backend, kernels: tgFirst.kernels, threads: tgFirst.threads, version: tgFirst.version, process_seconds: seconds.tensorgrad, medians: tg, processes: tgRuns, processes_precision_high: highRuns },
    numpy: doNumpy ? { ...npInfo, process_seconds: seconds.numpy, medians: np, processes: npRuns } : null,
    targets: rows.map(({ workload, metric, tg: t, np: n, ratio, target, met }) => ({ workload, metric, tensorgrad: t, numpy: n, ratio, target, met })),
  };
  writeFileSync(join(BENCH, 'results.json'), JSON.stringify(summary, null, 2) + '\n');

  const m = machine;
  const md = [
    '# Benchmark results',
    '',
    `Generated by \`npm run bench\` (bench/run.ts) on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC. ` +
      'Workload definitions: [WORKLOADS.md](WORKLOADS.md); every median and every process\'s raw output: [results.json](results.json).',
    '',
    '## Machine',
    '',
    `- CPU: ${m.cpu_model ?? 'unknown'}, ${m.nproc} logical CPUs${m.cpu_mhz ? ` (cpu MHz ${(m.cpu_mhz as number).toFixed(0)} as /proc/cpuinfo reports it)` : ''}, ${m.mem_gb} GB RAM, Linux ${m.os_release}`,
    `- Node ${m.node}${npInfo ? `; Python ${npInfo.python}, numpy ${npInfo.numpy}, ${npInfo.blas_config ?? 'BLAS unknown'}` : ''}`,
    `- Load average (1/5/15 min) before ${loadBefore.map((v) => v.toFixed(2)).join(' / ')}, after ${loadAfter.map((v) => v.toFixed(2)).join(' / ')}` +
      ' (the machine was not otherwise reserved: other processes may have run alongside)',
    `- tensorgrad ${tgFirst.version ?? ''} at commit ${m.commit ?? 'unknown'}${m.uncommitted_changes ? ' with uncommitted changes' : ''}`,
    '',
    '## What ran',
    '',
    `- tensorgrad: backend \`${tgFirst.backend}\` (${tgFirst.kernels}), matmul precision \`${tgFirst.matmul_precision ?? 'n/a'}\`, ` +
      `${tgFirst.threads} thread${tgFirst.threads === 1 ? '' : 's'} for W1/W2 (W3 runs 1 and 2 separately); ` +
      `${o.runs} processes of \`node --import tsx bench/tensorgrad.ts${o.tgArgs.length ? ' ' + o.tgArgs.join(' ') : ''}\` ` +
      `(${seconds.tensorgrad.map((s) => s.toFixed(0)).join(', ')} s).`,
    doNumpy && npInfo
      ? `- numpy: \`python3 bench/bench_numpy.py\` (the nnfs reference code), ${o.runs} processes (${seconds.numpy.map((s) => s.toFixed(0)).join(', ')} s), ` +
        `OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset; OpenBLAS kernel ${npInfo.blas_corename}, ${npInfo.blas_default_threads} threads for W1/W2; W3 on 1 and on 2 threads.`
      : `- numpy: skipped (${missing}).`,
    ...notes.map((n) => `- ${n}`),
    '',
    `## Results (medians of ${o.runs} processes; ratio = tensorgrad / numpy)`,
    '',
    table,
    '',
    checks,
    '',
    '## Where the time goes',
    '',
    'One paragraph per missed target (and W4), from this run\'s own measurements (phase timers around forward, backward and ' +
      'the optimizer step; op counts from the recorded graph; the W4 diagnostics in the table above).',
    '',
    ...paragraphs.flatMap((p) => [p, '']),
    '## Reproduce',
    '',
    '```sh',
    'npm run bench                                        # this file, 3 to 4 minutes on 2 cores',
    'npx tsx bench/tensorgrad.ts --only=W1,W4 --quick     # one quick tensorgrad process',
    'node --import tsx --cpu-prof bench/tensorgrad.ts --only=W1 --w1-epochs=3000   # a CPU profile of W1',
    '```',
    '',
  ].join('\n');
  writeFileSync(join(BENCH, 'RESULTS.md'), md);
  log('wrote bench/results.json and bench/RESULTS.md');
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
