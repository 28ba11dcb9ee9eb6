// The tensorgrad command: flags and CSV errors (exit 2, one line naming the row and column), a train -> eval ->
// predict round trip through a model directory, and the real bin in a subprocess.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { spiralData } from '@tensorgrad/nn';
import { Generator } from '@tensorgrad/core';
import { run, parseCsv, COMMANDS, globalHelp, formatCommandHelp, CsvError } from '../packages/cli/src/index.js';

interface Result {
  code: number;
  out: string;
  err: string;
}

async function cli(...argv: string[]): Promise<Result> {
  let out = '';
  let err = '';
  const code = await run(argv, { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  return { code, out, err };
}

/** Asserts a usage error: exit 2 and exactly one line on stderr, containing every fragment. */
function expectUsageError(r: Result, ...fragments: string[]) {
  expect(r.code).toBe(2);
  expect(r.out).toBe('');
  const lines = r.err.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0].startsWith('tensorgrad: ')).toBe(true);
  for (const f of fragments) expect(lines[0]).toContain(f);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tensorgrad-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

// tiny settings so a training run takes milliseconds
const FAST = ['--epochs', '3', '--layers', '4', '--quiet', '--val', '0'];

describe('flags', () => {
  it('--help documents every flag of every command with its default, and exits 0', async () => {
    const top = await cli('--help');
    expect(top.code).toBe(0);
    for (const command of COMMANDS) {
      const own = await cli(command.name, '--help');
      expect(own.code).toBe(0);
      expect(own.out).toBe(formatCommandHelp(command));
      for (const flag of command.flags) {
        for (const text of [top.out, own.out]) {
          const line = text.split('\n').findIndex((l) => l.startsWith(`  --${flag.name} `) || l === `  --${flag.name}`);
          expect(line, `--${flag.name} in the help of ${command.name}`).toBeGreaterThanOrEqual(0);
          // the description (same line or the next) names the default, or says the flag is required
          const entry = text.split('\n').slice(line, line + 2).join(' ');
          expect(entry).toMatch(/\((default: [^)]|required)/);
        }
      }
    }
    expect(top.out).toBe(globalHelp());
  });

  it.each([
    [['train', '--bogus', '1'], ['unknown flag --bogus']],
    [['train', '--lr'], ['--lr', 'missing value']],
    [['train', '--lr', '--epochs', '3'], ['--lr', 'missing value']],
    [['train', '--lr', 'abc'], ['--lr', "'abc' is not a number"]],
    [['train', '--lr', '0x10'], ['--lr', 'not a number']],
    [['train', '--lr', '0'], ['--lr', 'out of range']],
    [['train', '--val', '1.5'], ['--val', '1.5', 'out of range']],
    [['train', '--val=-0.1'], ['--val', 'out of range']],
    [['train', '--epochs', '2.5'], ['--epochs', 'not an integer']],
    [['train', '--epochs', '0'], ['--epochs', 'out of range']],
    [['train', '--layers', '64,x'], ['--layers', "'x'"]],
    [['train', '--layers', '64,0'], ['--layers', 'out of range']],
    [['train', '--optimizer', 'lbfgs'], ['--optimizer', "'lbfgs'", 'adam']],
    [['train', '--activation', 'swish'], ['--activation', "'swish'"]],
    [['train', '--momentum', '0.9'], ['--momentum', 'sgd']],
    [['train', '--lr', '0.1', '--lr', '0.2'], ['--lr', 'twice']],
    [['train', '--quiet=yes'], ['--quiet', 'takes no value']],
    [['train', 'spiral'], ["unexpected argument 'spiral'"]],
    [['train', '--data', 'sine', '--task', 'classify'], ['sine', 'regression']],
    [['train', '--seed', '-1'], ['--seed', 'out of range']],
    [['eval', '--data', 'spiral'], ['--model', 'required']],
    [['predict', '--model', 'm'], ['--data', 'required']],
    [['train', '--samples', '1000000000'], ['--samples', '1000000000 samples x 3 classes', 'more than a tensor can hold']],
    [['train', '--data', 'sine', '--samples', '3000000000'], ['--samples', 'sineData: 3000000000 samples']],
    [['fit'], ["unknown command 'fit'"]],
    [[], ['no command']],
  ])('%j is a usage error (exit 2, one line)', async (argv, fragments) => {
    expectUsageError(await cli(...argv), ...fragments);
  });
});

describe('CSV', () => {
  it('reads numbers, a header, CRLF, quotes and blank lines, numbering rows as lines of the file', () => {
    const t = parseCsv('x,"y 1",label\r\n1,2.5,0\r\n\r\n-3e-2, "4" ,1\r\n', 'a.csv');
    expect(t.header).toEqual(['x', 'y 1', 'label']);
    expect([t.rows, t.cols]).toEqual([2, 3]);
    expect(Array.from(t.data)).toEqual([1, 2.5, 0, -0.03, 4, 1]);
    expect(Array.from(t.lines)).toEqual([2, 4]);
    const plain = parseCsv('1,2\n3,4', 'b.csv');
    expect(plain.header).toBeNull();
    expect(Array.from(plain.data)).toEqual([1, 2, 3, 4]);
  });

  it.each([
    ['non-numeric cell', 'a,b,c\n1,2,0\n3,abc,1\n', ['row 3, column 2', '"abc" is not a number']],
    ['empty cell', '1,2,0\n3,,1\n', ['row 2, column 2', 'empty cell']],
    ['wrong column count', '1,2,0\n1,2,1\n\n4,5\n', ['row 4', '2 columns, expected 3']],
    ['fractional label', '1,2,0\n1,2,1.5\n', ['row 2, column 3', 'label 1.5', '--task regress']],
    ['negative label', '1,2,0\n1,2,1\n1,2,-1\n', ['row 3, column 3', 'label -1']],
    ['label above --classes', '1,2,0\n1,2,5\n', ['row 2, column 3', 'out of range for 2 classes'], ['--classes', '2']],
    ['huge label', '1,2,0\n1,2,1e9\n', ['row 2, column 3', 'too large']],
    ['a single class', '1,2,0\n1,3,0\n', ['at least 2 classes']],
    ['empty file', '', ['empty file']],
    ['header only', 'x,y,label\n', ['no data rows']],
    ['Infinity', '1,Infinity,0\n', ['row 1, column 2', '"Infinity" is not a number']],
    // finite as float64 but not as float32 (they became Infinity: a NaN loss, and a saved model)
    ['a feature beyond float32', '1,2,0\n1,1e39,1\n', ['row 2, column 2', "1e+39 is beyond float32's range"]],
    ['a feature just beyond float32', 'a,b,y\n-3.5e38,2,0\n1,2,1\n', ['row 2, column 1', "-3.5e+38 is beyond float32's range"]],
    ['a regression target beyond float32', '1,2,0.5\n1,2,3.5e38\n', ['row 2, column 3', "beyond float32's range"], ['--task', 'regress']],
  ])('%s: exit 2 and one line naming the place', async (_name, text, fragments, extra: string[] = []) => {
    const path = file('bad.csv', text);
    const r = await cli('train', '--data', path, ...FAST, ...extra);
    expectUsageError(r, ...fragments);
    expect(r.err.startsWith(`tensorgrad: ${path}`)).toBe(true);
  });

  it('parseCsv throws CsvError with the row and column', () => {
    expect(() => parseCsv('1,2\n3,x\n', 'c.csv')).toThrow(CsvError);
    expect(() => parseCsv('1,2\n3,x\n', 'c.csv')).toThrow('c.csv row 2, column 2: "x" is not a number');
  });

  it('a missing data file or model directory is a failure (exit 1), not a usage error', async () => {
    const noFile = await cli('train', '--data', join(dir, 'missing.csv'), ...FAST);
    expect(noFile.code).toBe(1);
    expect(noFile.err.trim().split('\n')).toHaveLength(1);
    expect(noFile.err).toContain('missing.csv');
    const noModel = await cli('eval', '--model', join(dir, 'no-model'), '--data', 'spiral');
    expect(noModel.code).toBe(1);
    expect(noModel.err.trim().split('\n')).toHaveLength(1);
    expect(noModel.err).toContain('no-model');
  });
});

const number = (text: string, key: string): number => {
  const m = new RegExp(`^${key}: (\\S+)$`, 'm').exec(text);
  expect(m, `${key} in ${text}`).not.toBeNull();
  return Number(m![1]);
};

describe('train -> eval -> predict', () => {
  it('classification on spiral: the saved model evaluates and predicts as it trained', async () => {
    const model = join(dir, 'spiral-model');
    const args = ['--data', 'spiral', '--samples', '20', '--layers', '16', '--epochs', '60', '--val', '0', '--seed', '3'];
    const t = await cli('train', ...args, '--out', model, '--print-every', '20');
    expect(t.err).toBe('');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/^epoch: 20, /m);
    // it learned: the loss after training is below the first epoch's
    const first = Number(/^epoch: 1, acc: \S+, loss: (\S+)/m.exec(t.out)![1]);
    expect(Number(/train: loss (\S+),/.exec(t.out)![1])).toBeLessThan(first);
    for (const f of ['model.json', 'model.safetensors', 'training.json']) expect(existsSync(join(model, f))).toBe(true);
    const meta = JSON.parse(readFileSync(join(model, 'training.json'), 'utf8'));
    expect(meta).toMatchObject({ task: 'classify', features: 2, outputs: 3 });

    // the same seed draws the same rows: eval reproduces the accuracy train reported after training
    const e = await cli('eval', '--model', model, '--data', 'spiral', '--samples', '20', '--seed', '3');
    expect(e.code).toBe(0);
    const accuracy = number(e.out, 'accuracy');
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(1);
    expect(number(e.out, 'rows')).toBe(60);
    const trained = /train: loss (\S+), accuracy (\S+)/.exec(t.out)!;
    expect(number(e.out, 'loss')).toBe(Number(trained[1]));
    expect(accuracy).toBe(Number(trained[2]));

    // predict: one class per row, agreeing with eval's accuracy
    const p = await cli('predict', '--model', model, '--data', 'spiral', '--samples', '20', '--seed', '3');
    expect(p.code).toBe(0);
    const classes = p.out.trimEnd().split('\n').map(Number);
    expect(classes).toHaveLength(60);
    const { y } = spiralData(20, 3, { generator: new Generator(3) });
    expect(classes.every((c) => [0, 1, 2].includes(c))).toBe(true);
    expect(classes.filter((c, i) => c === y.data[i]).length / 60).toBeCloseTo(accuracy, 5); // eval prints 6 digits

    const proba = await cli('predict', '--model', model, '--data', 'spiral', '--samples', '20', '--seed', '3', '--proba');
    const rows = proba.out.trimEnd().split('\n').map((l) => l.split(',').map(Number));
    expect(rows).toHaveLength(60);
    for (const [i, r] of rows.entries()) {
      expect(r).toHaveLength(3);
      expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(r.indexOf(Math.max(...r))).toBe(classes[i]);
    }

    // a different --classes than the model's is a usage error
    expectUsageError(await cli('eval', '--model', model, '--data', 'spiral', '--classes', '4'), '--classes', '3 classes');
  });

  it('the same seed trains the same model; another seed another', async () => {
    const args = ['train', '--data', 'vertical', '--samples', '10', ...FAST];
    const a = await cli(...args, '--seed', '5');
    const b = await cli(...args, '--seed', '5');
    const c = await cli(...args, '--seed', '6');
    expect(a.code).toBe(0);
    expect(b.out).toBe(a.out);
    expect(c.out).not.toBe(a.out);
  });

  it('regression on a CSV with a header; predict with and without the target column, to a file', async () => {
    let text = 'x1,x2,target\n';
    const noTarget: string[] = [];
    for (let i = 0; i < 30; i++) {
      const x1 = (i % 7) / 7, x2 = (i % 5) / 5;
      text += `${x1},${x2},${2 * x1 - x2 + 0.5}\n`;
      noTarget.push(`${x1},${x2}`);
    }
    const data = file('reg.csv', text);
    const model = join(dir, 'reg-model');
    const t = await cli('train', '--data', data, '--task', 'regress', '--layers', '8', '--epochs', '30', '--lr', '0.01', '--val', '0.2', '--quiet', '--out', model);
    expect(t.err).toBe('');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/validation: loss \S+, accuracy \S+/);
    expect(t.out).not.toMatch(/^epoch/m); // --quiet
    const meta = JSON.parse(readFileSync(join(model, 'training.json'), 'utf8'));
    expect(meta).toMatchObject({ task: 'regress', features: 2, outputs: 1, featureNames: ['x1', 'x2'], targetName: 'target' });

    const e = await cli('eval', '--model', model, '--data', data);
    expect(e.code).toBe(0);
    const accuracy = number(e.out, 'accuracy');
    expect(accuracy >= 0 && accuracy <= 1).toBe(true);
    expect(Number.isFinite(number(e.out, 'loss'))).toBe(true);

    const withTarget = await cli('predict', '--model', model, '--data', data);
    const values = withTarget.out.trimEnd().split('\n');
    expect(values).toHaveLength(30);
    expect(values.every((v) => Number.isFinite(Number(v)))).toBe(true);
    const out = join(dir, 'pred.csv');
    const without = await cli('predict', '--model', model, '--data', file('x.csv', noTarget.join('\n') + '\n'), '--output', out);
    expect(without.code).toBe(0);
    expect(readFileSync(out, 'utf8').trimEnd().split('\n')).toEqual(values);

    // eval needs the target; predict needs 2 or 3 columns; --proba is for classifiers
    expectUsageError(await cli('eval', '--model', model, '--data', file('x2.csv', noTarget.join('\n'))), '2 columns', 'needs 3');
    expectUsageError(await cli('predict', '--model', model, '--data', file('one.csv', '1\n2\n')), '1 column', '2 (features) or 3');
    expectUsageError(await cli('predict', '--model', model, '--data', data, '--proba'), '--proba');
  });

  it('eval refuses a model file or data file that is a FIFO, a /dev/zero link or a directory, at once (exit 1)', async () => {
    const model = join(dir, 'special-model');
    expect((await cli('train', '--data', 'spiral', ...FAST, '--out', model)).code).toBe(0);
    const makers: [string, (p: string) => void, string][] = [
      ['fifo', (p) => void spawnSync('mkfifo', [p]), 'FIFO'],
      ['zero', (p) => symlinkSync('/dev/zero', p), 'character device'],
      ['dir', (p) => mkdirSync(p), 'directory'],
    ];
    for (const [name, make, kind] of makers) {
      for (const file of ['model.json', 'model.safetensors', 'training.json']) {
        const copy = join(dir, `special-${name}-${file}`);
        cpSync(model, copy, { recursive: true });
        rmSync(join(copy, file));
        make(join(copy, file));
        const r = await cli('eval', '--model', copy, '--data', 'spiral');
        expect(r.code, `${name} ${file}: ${r.err}`).toBe(1);
        expect(r.err).toContain(kind);
      }
      const data = join(dir, `special-${name}.csv`);
      make(data);
      const r = await cli('eval', '--model', model, '--data', data);
      expect(r.code).toBe(1);
      expect(r.err).toContain(name === 'dir' ? 'is a directory' : kind);
    }
  });

  it('eval checks CSV labels against the model classes, naming row and column', async () => {
    const model = join(dir, 'csv-class-model');
    const train = file('cls.csv', '0,0,0\n1,1,1\n0,1,2\n1,0,1\n');
    expect((await cli('train', '--data', train, ...FAST, '--out', model)).code).toBe(0);
    const r = await cli('eval', '--model', model, '--data', file('cls-bad.csv', '0,0,0\n1,1,3\n'));
    expectUsageError(r, 'row 2, column 3', 'label 3', '3 classes');
  });
});

describe('the bin', () => {
  const bin = join(process.cwd(), 'node_modules', '.bin', 'tensorgrad');

  it('tensorgrad --help exits 0; a bad flag exits 2 with one line on stderr', () => {
    const help = spawnSync(bin, ['train', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--batch-size');
    const bad = spawnSync(bin, ['train', '--val', '1.5'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe("tensorgrad: --val: 1.5 is out of range (must be >= 0 and < 1)\n");
  }, 30_000);
});
