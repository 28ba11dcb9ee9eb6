// Long-run memory check: trains a small classifier (2-16-3, ReLU, softmax cross-entropy, Adam lr 0.05)
// full-batch on the nnfs spiral data (300 points) for many steps and samples the process's memory every
// `every` steps, after a garbage collection when one can be forced. A leak (graphs, gradients or buffers kept
// alive across steps) shows as a steady growth of heapUsed / arrayBuffers; a healthy run is flat after the
// first samples.
//
//   node --import tsx --expose-gc bench/memory.ts                   100,000 steps, a line every 10,000
//   node --import tsx --expose-gc bench/memory.ts --steps=3000 --every=1000 --json
//
// Without --expose-gc it still runs (npx tsx bench/memory.ts), but the samples then include garbage not yet
// collected and the slope is noisy. --json prints one JSON object { gc, steps, every, samples, slope } instead
// of the table (tests/memory.test.ts reads it).
import { manualSeed } from '@tensorgrad/core';
import { Dense, ReLU, Sequential, SoftmaxCrossEntropy, spiralData } from '@tensorgrad/nn';
import { Adam } from '@tensorgrad/optim';

interface Sample {
  step: number;
  heapUsed: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  loss: number;
}

function option(name: string, dflt: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  if (arg === undefined) return dflt;
  const v = Number(arg.slice(name.length + 3));
  if (!Number.isInteger(v) || v < 1) throw new Error(`memory bench: --${name} must be a positive integer, got ${arg}`);
  return v;
}

const steps = option('steps', 100_000);
const every = option('every', 10_000);
const json = process.argv.includes('--json');
const gc = (globalThis as { gc?: () => void }).gc;

function sample(step: number, loss: number): Sample {
  if (gc) {
    gc();
    gc(); // a second pass collects what the first one's finalizers released
  }
  const m = process.memoryUsage();
  return { step, heapUsed: m.heapUsed, rss: m.rss, external: m.external, arrayBuffers: m.arrayBuffers, loss };
}

/** Least-squares slope of key over step, in bytes per 1000 steps. */
function slope(samples: readonly Sample[], key: 'heapUsed' | 'rss' | 'arrayBuffers'): number {
  const n = samples.length;
  if (n < 2) return NaN;
  const mx = samples.reduce((s, p) => s + p.step, 0) / n;
  const my = samples.reduce((s, p) => s + p[key], 0) / n;
  let num = 0, den = 0;
  for (const p of samples) {
    num += (p.step - mx) * (p[key] - my);
    den += (p.step - mx) ** 2;
  }
  return (num / den) * 1000;
}

manualSeed(0);
const { X, y } = spiralData(100, 3);
const model = new Sequential([new Dense(2, 16), new ReLU(), new Dense(16, 3)]);
const lossFn = new SoftmaxCrossEntropy();
const optimizer = new Adam(model.parameters(), { lr: 0.05, decay: 5e-7 });

const samples: Sample[] = [];
const mb = (b: number) => (b / 2 ** 20).toFixed(2);
const started = Date.now();
if (!json) {
  console.log(`memory bench: ${steps} steps of a 2-16-3 Adam classifier on 300 points; gc ${gc ? 'forced before each sample' : 'NOT exposed (run with node --expose-gc)'}`);
  console.log('   step   heapUsed MB   arrayBuffers MB   rss MB   loss');
}
for (let step = 1; step <= steps; step++) {
  const loss = lossFn.forward(model.forward(X), y);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  if (step % every === 0) {
    const s = sample(step, loss.item());
    samples.push(s);
    if (!json) {
      console.log(`${String(step).padStart(7)}   ${mb(s.heapUsed).padStart(11)}   ${mb(s.arrayBuffers).padStart(15)}   ${mb(s.rss).padStart(6)}   ${s.loss.toFixed(4)}`);
    }
  }
}
// The first sample still holds one-off allocations (JIT, caches); the slope is fitted over the rest.
const steady = samples.length > 2 ? samples.slice(1) : samples;
const slopes = { heapUsed: slope(steady, 'heapUsed'), arrayBuffers: slope(steady, 'arrayBuffers'), rss: slope(steady, 'rss') };
if (json) {
  console.log(JSON.stringify({ gc: gc !== undefined, steps, every, samples, slope: slopes }));
} else {
  const perK = (b: number) => `${(b / 1024).toFixed(2)} KB`;
  console.log(
    `slope per 1000 steps (from step ${steady[0]?.step}): heapUsed ${perK(slopes.heapUsed)}, arrayBuffers ${perK(slopes.arrayBuffers)}, rss ${perK(slopes.rss)}`,
  );
  console.log(`${((Date.now() - started) / steps).toFixed(3)} ms/step`);
}
