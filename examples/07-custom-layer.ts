// A layer of your own: PReLU (a leaky ReLU whose negative slope, one per unit, is learned), written as a
// custom op with its own forward and backward, checked against numerical gradients, then trained inside a
// model. Run: npx tsx examples/07-custom-layer.ts
import { ShapeError, customOp, gradcheck, gradgradcheck, manualSeed, tensor, type Tensor } from '@tensorgrad/core';
import { Dense, Module, Sequential, SoftmaxCrossEntropy, accuracy, spiralData } from '@tensorgrad/nn';
import { Adam } from '@tensorgrad/optim';
import { check, epochs } from './_fast.js';

// prelu(x, alpha) = x where x > 0, alpha * x elsewhere; x is [samples, units], alpha is [1, units].
const prelu = customOp({
  name: 'prelu',
  forward(ctx, x, alpha) {
    if (x.ndim !== 2 || alpha.ndim !== 2 || alpha.shape[0] !== 1 || alpha.shape[1] !== x.shape[1]) {
      throw new ShapeError(`prelu: needs x [samples, units] and alpha [1, units], got [${x.shape}] and [${alpha.shape}]`);
    }
    ctx.save(x, alpha);
    // The forward may be a plain loop over the values: it runs with recording off.
    const [rows, units] = x.shape;
    const out = new Float64Array(x.size);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < units; j++) {
        const v = x.data[i * units + j];
        out[i * units + j] = v > 0 ? v : alpha.data[j] * v;
      }
    }
    return tensor(out, { dtype: x.dtype, shape: x.shape });
  },
  backward(ctx, g) {
    const [x, alpha] = ctx.saved;
    // Written with tensor ops, so the backward is itself differentiable (checked by gradgradcheck below).
    const positive = x.gt(0).astype(x.dtype); // 1 where x > 0; at x = 0 the slope is alpha
    const negative = positive.neg().add(1);
    const dx = g.mul(positive.add(negative.mul(alpha))); // slope 1 or alpha
    const dalpha = g.mul(x).mul(negative).sum(0, true); // alpha was broadcast over the rows: sum them back
    return [dx, dalpha];
  },
});

/** The layer: holds the slopes as a parameter (a field requiring grad), starting at 0.25. */
class PReLU extends Module {
  readonly alpha: Tensor;
  constructor(units: number) {
    super();
    this.alpha = tensor(new Array(units).fill(0.25), { shape: [1, units], requiresGrad: true });
  }
  forward(x: Tensor): Tensor {
    return prelu(x, this.alpha.astype(x.dtype));
  }
}

// --- Check the backward against central differences, in float64 (float32 keeps too few digits for this).
const x = tensor([[0.5, -1.2, 2.0], [-0.3, 0.8, -2.5]], { dtype: 'float64', requiresGrad: true });
const alpha = tensor([[0.1, 0.25, -0.4]], { dtype: 'float64', requiresGrad: true });
const report = gradcheck(prelu, [x, alpha]); // throws a GradcheckError naming the element if they differ
console.log(`gradcheck:     ok ${report.ok}, max abs error ${report.maxAbsError.toExponential(2)}`);
const report2 = gradgradcheck(prelu, [x, alpha]); // and the gradient of the backward itself
console.log(`gradgradcheck: ok ${report2.ok}, max abs error ${report2.maxAbsError.toExponential(2)}`);
check(report.ok && report2.ok, 'the custom op\'s gradients match central differences');

// A wrong backward is caught: the same op with the slope's gradient forgotten fails the check.
const broken = customOp({
  name: 'preluBroken',
  forward: (ctx, x, a) => { ctx.save(x, a); return x.relu().add(x.neg().relu().neg().mul(a)); },
  backward: (ctx, g) => [g.mul(ctx.saved[0].gt(0).astype('float64')), null],
});
const caught = gradcheck(broken, [x, alpha], { raiseException: false });
console.log(`a broken backward: ok ${caught.ok}, worst at input ${caught.worst?.input} index [${caught.worst?.index}]`);
check(!caught.ok, 'gradcheck catches a wrong backward');

// --- Use it in a model: Dense - PReLU - Dense on the spiral data, trained a little with Adam.
manualSeed(0);
const { X, y } = spiralData(100, 3);
const act = new PReLU(64);
const model = new Sequential([new Dense(2, 64), act, new Dense(64, 3)]);
console.log('parameters:', model.namedParameters().map(([name, p]) => `${name} [${p.shape}]`).join(', '));
const lossFn = new SoftmaxCrossEntropy();
const optimizer = new Adam(model.parameters(), { lr: 0.05, decay: 5e-7 });

const EPOCHS = epochs(1001, 201);
let firstLoss = NaN, lastLoss = NaN, acc = NaN;
for (let epoch = 0; epoch < EPOCHS; epoch++) {
  const logits = model.forward(X);
  const loss = lossFn.forward(logits, y);
  lastLoss = loss.item();
  acc = accuracy(logits, y);
  if (epoch === 0) firstLoss = lastLoss;
  if (epoch % Math.floor(EPOCHS / 4) === 0) console.log(`epoch ${epoch}: loss ${lastLoss.toFixed(3)}, acc ${acc.toFixed(3)}`);
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
}
const slopes = Array.from(act.alpha.data);
const moved = slopes.filter((a) => a !== 0.25).length;
console.log(`learned slopes: ${moved} of 64 moved from 0.25, range [${Math.min(...slopes).toFixed(3)}, ${Math.max(...slopes).toFixed(3)}]`);

check(lastLoss < firstLoss * 0.8 && acc > 0.5, 'the model with the custom layer trains');
check(moved > 0, 'the custom layer\'s own parameter receives gradients and is updated');
console.log('ok: the custom op passes gradcheck and trains inside a model');
