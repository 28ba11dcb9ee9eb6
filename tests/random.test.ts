import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  Generator,
  RandomArgumentError,
  RandomStateError,
  defaultGenerator,
  manualSeed,
  type GeneratorState,
} from '@tensorgrad/core';
import { LOG_INVC, LOG_LOGC } from '../packages/core/src/random.js';

// numpy's outputs, from tests/fixtures/make_random.py.
interface Call {
  op: 'rand' | 'randn' | 'uniform' | 'randint' | 'permutation' | 'shuffle';
  args: number[];
  out: number[];
}
interface Fixture {
  seeds: Record<string, {
    first_u32: number[];
    rand: number[];
    randn: number[];
    calls: Call[];
    randint: Call[];
    perm: Call[];
    uniform: Call[];
    mixed: Call[];
  }>;
  state: GeneratorState & { then_randn5: number[]; then_rand3: number[] };
  notebook_weights: { randn: number[]; weights: number[] };
  nnfs: Record<string, { draws: number[][]; t?: number[][] }>;
  streams: Record<string, string>;
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/random.json', import.meta.url), 'utf8')) as Fixture;

/** Element-wise Object.is comparison, reporting the indices that differ. */
function expectSame(got: ArrayLike<number>, want: readonly number[], label = ''): void {
  expect(got.length, label).toBe(want.length);
  const bad: string[] = [];
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) bad.push(`[${i}] got ${got[i]}, numpy ${want[i]}`);
  }
  expect(bad, label).toEqual([]);
}

function arange(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

function replay(g: Generator, c: Call): Float64Array | Int32Array {
  const a = c.args as [number, number, number];
  switch (c.op) {
    case 'rand': return g.random(a[0]);
    case 'randn': return g.standardNormal(a[0]);
    case 'uniform': return g.uniform(a[0], a[1], a[2]);
    case 'randint': return g.randint(a[0], a[1], a[2]);
    case 'permutation': return g.permutation(a[0]);
    case 'shuffle': return g.shuffle(arange(a[0]));
  }
}

function checkCalls(seed: number, calls: Call[]): void {
  const g = new Generator(seed);
  calls.forEach((c, k) => {
    const got = replay(g, c);
    expect(got instanceof (c.op === 'rand' || c.op === 'randn' || c.op === 'uniform' ? Float64Array : Int32Array)).toBe(true);
    expectSame(got, c.out, `seed ${seed} call ${k}: ${c.op}(${c.args.join(', ')})`);
  });
}

function sha256(a: Float64Array | Int32Array): string {
  return createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
}

describe('Generator reproduces numpy legacy streams', () => {
  for (const key of Object.keys(fx.seeds)) {
    const seed = Number(key);
    const c = fx.seeds[key]!;
    describe(`seed ${seed}`, () => {
      it('raw MT19937 outputs', () => {
        const g = new Generator(seed);
        expectSame(Array.from({ length: 8 }, () => g.nextUint32()), c.first_u32);
      });
      it('rand / randomDouble', () => {
        expectSame(new Generator(seed).random(10), c.rand);
        const g = new Generator(seed);
        expectSame(Array.from({ length: 10 }, () => g.randomDouble()), c.rand);
      });
      it('randn', () => expectSame(new Generator(seed).standardNormal(10), c.randn));
      it('randn odd/even counts interleaved with rand (cached normal)', () => checkCalls(seed, c.calls));
      it('randint ranges, including [0,1), [0,2^31-1) and the full int32 range', () => checkCalls(seed, c.randint));
      it('permutation and shuffle', () => checkCalls(seed, c.perm));
      it('uniform', () => checkCalls(seed, c.uniform));
      it('a mixed sequence of calls', () => checkCalls(seed, c.mixed));
      it('seed() resets the stream and the cached normal', () => {
        const g = new Generator(12345);
        g.standardNormal(3); // leaves a cached normal
        g.seed(seed);
        expectSame(g.standardNormal(10), c.randn);
      });
    });
  }

  it("the notebook's np.random.seed(0); 0.01 * np.random.randn(2, 64)", () => {
    manualSeed(0);
    const g = defaultGenerator.standardNormal(2 * 64);
    expectSame(g, fx.notebook_weights.randn);
    const w = new Float64Array(g.length);
    for (let i = 0; i < g.length; i++) w[i] = 0.01 * g[i]!;
    expectSame(w, fx.notebook_weights.weights);
  });

  it('the nnfs spiral and vertical data draw sequences', () => {
    for (const [name, samples] of [['spiral_100x3', 100], ['spiral_5x2', 5], ['vertical_100x3', 100]] as const) {
      const g = new Generator(0);
      fx.nnfs[name]!.draws.forEach((want, k) => expectSame(g.standardNormal(samples), want, `${name} draw ${k}`));
    }
    // spiral_data(100, 3): t = linspace(4c, 4c + 4, 100) + randn(100) * 0.2, in float64
    const g = new Generator(0);
    fx.nnfs['spiral_100x3']!.t!.forEach((want, c) => {
      const noise = g.standardNormal(100);
      const t = new Float64Array(100);
      const step = 4 / 99;
      for (let i = 0; i < 100; i++) t[i] = (i === 99 ? 4 * (c + 1) : i * step + 4 * c) + noise[i]! * 0.2;
      expectSame(t, want, `spiral t, class ${c}`);
    });
  });

  it('long streams (10^5 values) match numpy byte for byte', () => {
    const s = fx.streams;
    expect(sha256(new Generator(123).standardNormal(100000))).toBe(s['randn_100000_seed123']);
    expect(sha256(new Generator(123).random(100000))).toBe(s['rand_100000_seed123']);
    expect(sha256(new Generator(123).randint(-7, 1000003, 100000))).toBe(s['randint_-7_1000003_100000_seed123']);
    expect(sha256(new Generator(123).permutation(100000))).toBe(s['permutation_100000_seed123']);
    expect(sha256(new Generator(2 ** 32 - 1).standardNormal(99999))).toBe(s['randn_99999_seed4294967295']);
  });

  it('shuffle works on plain arrays and float arrays the same way', () => {
    const perm = new Generator(7).permutation(20);
    const arr = Array.from({ length: 20 }, (_, i) => i);
    expect(new Generator(7).shuffle(arr)).toBe(arr);
    expectSame(arr, Array.from(perm));
    const f = Float64Array.from(arr.map((_, i) => i + 0.5));
    new Generator(7).shuffle(f);
    expectSame(f, Array.from(perm, (v) => v + 0.5));
  });

  it('randn of 10^6 values continues the numpy stream and has standard-normal moments', () => {
    const x = new Generator(123).standardNormal(1_000_000);
    expect(x.length).toBe(1_000_000);
    expect(sha256(x.subarray(0, 100000))).toBe(fx.streams['randn_100000_seed123']);
    let sum = 0;
    let sq = 0;
    for (const v of x) {
      sum += v;
      sq += v * v;
    }
    const mean = sum / x.length;
    // 5 standard errors: 5 / sqrt(10^6) for the mean, 5 * sqrt(2 / 10^6) for the variance
    expect(Math.abs(mean)).toBeLessThan(0.005);
    expect(Math.abs(sq / x.length - mean * mean - 1)).toBeLessThan(0.0071);
  });

  it('without a seed, draws values in [0, 1)', () => {
    const x = new Generator().random(1000);
    for (const v of x) expect(v >= 0 && v < 1).toBe(true);
  });
});

describe('getState / setState', () => {
  it("matches numpy's get_state() and continues like numpy after setState", () => {
    const g = new Generator(0);
    g.random(3);
    g.standardNormal(3);
    const { key, pos, hasGauss, gauss } = fx.state;
    expect(g.getState()).toEqual({ key, pos, hasGauss, gauss });

    const h = new Generator(99);
    h.standardNormal(1);
    h.setState({ key, pos, hasGauss, gauss });
    expectSame(h.standardNormal(5), fx.state.then_randn5);
    expectSame(h.random(3), fx.state.then_rand3);
  });

  it('round trips through JSON with the same continuation, cached normal included', () => {
    const g = new Generator(3);
    g.standardNormal(3);
    g.randint(0, 10, 4);
    const s = JSON.parse(JSON.stringify(g.getState())) as GeneratorState;
    expect(s.hasGauss).toBe(true);
    const a = [g.standardNormal(7), g.random(5), g.permutation(9), g.uniform(-1, 1, 3)];
    const h = new Generator(4);
    h.setState(s);
    const b = [h.standardNormal(7), h.random(5), h.permutation(9), h.uniform(-1, 1, 3)];
    a.forEach((x, i) => expectSame(b[i]!, Array.from(x)));
  });

  it('rejects bad states with RandomStateError and leaves the generator unchanged', () => {
    const good = new Generator(5).getState();
    const bad: unknown[] = [
      null,
      42,
      { ...good, key: good.key.slice(1) },
      { ...good, key: [...good.key.slice(0, 623), 2 ** 32] },
      { ...good, key: [-1, ...good.key.slice(1)] },
      { ...good, key: [0.5, ...good.key.slice(1)] },
      { ...good, key: new Array(624).fill(0) },
      { ...good, pos: 625 },
      { ...good, pos: -1 },
      { ...good, pos: 1.5 },
      { ...good, hasGauss: 1 },
      { ...good, gauss: NaN },
      { ...good, gauss: '0' },
      { key: good.key, pos: good.pos },
    ];
    const g = new Generator(8);
    g.standardNormal(1);
    const before = g.getState();
    for (const s of bad) {
      expect(() => g.setState(s as GeneratorState)).toThrow(RandomStateError);
      expect(g.getState()).toEqual(before);
    }
    const ref = new Generator(8);
    ref.standardNormal(1);
    expectSame(g.standardNormal(5), Array.from(ref.standardNormal(5)));
  });

  it('getState returns a copy', () => {
    const g = new Generator(1);
    const s = g.getState();
    s.key[0] = 123;
    expect(g.getState().key[0]).toBe(1);
  });
});

describe('argument validation', () => {
  const g = new Generator(0);

  it('seed must be an integer in [0, 2**32 - 1]', () => {
    for (const s of [-1, 2 ** 32, 1.5, NaN, Infinity]) {
      expect(() => g.seed(s)).toThrow(RandomArgumentError);
      expect(() => g.seed(s)).toThrow(String(s));
      expect(() => new Generator(s)).toThrow(RandomArgumentError);
      expect(() => manualSeed(s)).toThrow(RandomArgumentError);
    }
    expect(() => g.seed('3' as unknown as number)).toThrow(RandomArgumentError);
  });

  it('counts must be non-negative integers', () => {
    for (const n of [-1, 1.5, NaN, Infinity]) {
      expect(() => g.random(n)).toThrow(RandomArgumentError);
      expect(() => g.standardNormal(n)).toThrow(RandomArgumentError);
      expect(() => g.uniform(0, 1, n)).toThrow(RandomArgumentError);
      expect(() => g.randint(0, 5, n)).toThrow(RandomArgumentError);
      expect(() => g.permutation(n)).toThrow(RandomArgumentError);
    }
    expect(g.random(0).length).toBe(0);
    expect(g.permutation(0).length).toBe(0);
  });

  it('randint bounds: integers, low < high, inside int32', () => {
    expect(() => g.randint(3, 3, 1)).toThrow(/low must be < high.*low=3, high=3/);
    expect(() => g.randint(5, 2, 1)).toThrow(RandomArgumentError);
    expect(() => g.randint(0.5, 2, 1)).toThrow(RandomArgumentError);
    expect(() => g.randint(0, NaN, 1)).toThrow(RandomArgumentError);
    expect(() => g.randint(-(2 ** 31) - 1, 0, 1)).toThrow(RandomArgumentError);
    expect(() => g.randint(0, 2 ** 31 + 1, 1)).toThrow(RandomArgumentError);
  });

  it('uniform bounds must be finite', () => {
    expect(() => g.uniform(0, Infinity, 1)).toThrow(RandomArgumentError);
    expect(() => g.uniform(NaN, 1, 1)).toThrow(RandomArgumentError);
    expect(() => g.uniform(-1.7e308, 1.7e308, 1)).toThrow(/finite range/);
  });

  it('shuffle needs an array-like', () => {
    expect(() => g.shuffle(null as unknown as number[])).toThrow(RandomArgumentError);
  });
});

// glibc's log table (libm's __log_data.tab, as glibc 2.28+ ships it), which random.ts rebuilds from smaller data.
const GLIBC_INVC = [
  1.4504249240398293, 1.442253508327276, 1.4341736174350004, 1.426183816329995, 1.4182825527052965,
  1.4104682921759335, 1.4027396147468003, 1.3950954438932313, 1.3875338232485754, 1.3800539211058593,
  1.3726542695419708, 1.3653332798446802, 1.358090204587874, 1.3509234892132138, 1.3438320840699889,
  1.3368146974742003, 1.329870114677736, 1.322997339161106, 1.316195352741367, 1.3094628125672239,
  1.3027990455471041, 1.2962024229438942, 1.2896726275815547, 1.2832080305745537, 1.276807885983376,
  1.2704714060687552, 1.2641976054949482, 1.257985357514882, 1.2518337750655457, 1.2457421919097305,
  1.2397094966625508, 1.2337348463589233, 1.2278176973028803, 1.2219570190618474, 1.2161519732977757,
  1.2104018095009725, 1.204705805718973, 1.1990631185441964, 1.1934733004462308, 1.1879350812847385,
  1.1824481322833125, 1.1770114976921955, 1.1716248121809465, 1.1662869231674715, 1.1609977486762766,
  1.1557563220795803, 1.1505619105480347, 1.1454138888505974, 1.140311877374656, 1.1352550225747513,
  1.1302429094831266, 1.1252747693068048, 1.1203501571039876, 1.1154683327680124, 1.1106291463292157,
  1.1058315813301596, 1.1010752177696026, 1.0963597137952512, 1.0916844827550398, 1.0870487291277784,
  1.082452357388312, 1.0778948225025884, 1.0733751731601076, 1.068893585073351, 1.0644491706655506,
  1.0600414846328305, 1.0556701316181605, 1.051334750556926, 1.0470347288442157, 1.0427699229652954,
  1.0385395013738175, 1.034343418940345, 1.0301811073173315, 1.026052043621297, 1.0219561082336197,
  1.0178926505784922, 1.0138614436244586, 1.0098620186501341, 1.0058938559734134, 1.00195696235014,
  0.9961089923088509, 0.9884170338185201, 0.9808429191005297, 0.9733840169987446, 0.9660377568876556,
  0.9588014945307369, 0.9516728569073111, 0.9446494635965822, 0.9377288993026223, 0.9309091073790681,
  0.924187681612722, 0.9175626765599192, 0.9110320403624034, 0.9045935839762024, 0.8982456375922825,
  0.8919860966782501, 0.8858131121185129, 0.879725075760676, 0.8737201372634685, 0.8677966405782273,
  0.8619528050060739, 0.8561872354420692, 0.8504983927816893, 0.8448844572790304, 0.8393442741575965,
  0.8338762249349438, 0.8284789320557778, 0.8231510800065832, 0.8178913903778707, 0.8126984007245374,
  0.8075710029460227, 0.8025078881160415, 0.7975077379364331, 0.792569604966373, 0.7876923641254114,
  0.7828746724940998, 0.7781155388790811, 0.7734139557869777, 0.7687687179914933, 0.7641790698041854,
  0.7596438763692399, 0.7551621951078668, 0.7507331780216866, 0.7463557196361751, 0.7420289364869653,
  0.7377521537065876, 0.7335242966002608, 0.729344777457841,
];
const GLIBC_LOGC = [
  -0.3718565645633589, -0.36620682668944937, -0.3605888069791945, -0.3550022171419869, -0.34944666968829097,
  -0.3439217713603284, -0.3384271921261188, -0.332962831494342, -0.32752794345742586, -0.32212257167088865,
  -0.3167462884799761, -0.3113985598928366, -0.3060794515165526, -0.300788424667644, -0.2955252968476998,
  -0.29028969275850613, -0.2850812793277555, -0.27989987391470095, -0.27474526621870154, -0.2696169863701243,
  -0.26451506180308115, -0.2594387762767383, -0.2543884090981692, -0.24936321635129843, -0.24436312405975968,
  -0.23938801747897287, -0.23443761696705678, -0.22951151871518505, -0.2246094963439873, -0.21973149037705753,
  -0.2148770752847895, -0.210046029103637, -0.20523836373934046, -0.20045368751368642, -0.1956917537758045,
  -0.19095237845203883, -0.18623539250290833, -0.18154051731551135, -0.1768677957431919, -0.17221657406412305,
  -0.16758697765942543, -0.16297859687290384, -0.15839151377804228, -0.15382513241456763, -0.14927976358922024,
  -0.14475495398119165, -0.14025044090817573, -0.1357660466685502, -0.1313018016355727, -0.12685731518763532,
  -0.1224325737671279, -0.11802724521862729, -0.11364127671663482, -0.10927434611278386, -0.10492665324943573,
  -0.10059761422644442, -0.09628717309055901, -0.09199534069557558, -0.08772190036688698, -0.08346643613867855,
  -0.07922916827544668, -0.0750099004750382, -0.07080805133352897, -0.06662408085151128, -0.06245745471915143,
  -0.0583080438042316, -0.05417576112313327, -0.050060547896805474, -0.045962101199052086, -0.04188056008865715,
  -0.03781540056183985, -0.03376684757915882, -0.029734619131772888, -0.025718470239212365, -0.021718543925430822,
  -0.01773446126981071, -0.013766252464051831, -0.009813706322574944, -0.005876555150052809, -0.0019550499938532084,
  0.0038985973556009412, 0.011650571286395461, 0.019342955478919066, 0.0269766014846482, 0.034552359728422744,
  0.04207121767183253, 0.049533940950141186, 0.056941358295944156, 0.06429439168346107, 0.0715936354946507,
  0.07884010933776153, 0.08603438905970506, 0.09317721180013905, 0.10026951462748457, 0.10731170956330516,
  0.11430473320717738, 0.12124928503033061, 0.12814583422959913, 0.1349951636851756, 0.1417978768189414,
  0.14855476039031146, 0.1552661937658968, 0.16193275688146969, 0.16855539792220497, 0.1751343179947753,
  0.1816702989864325, 0.18816387146023317, 0.1946155228479256, 0.20102572579389744, 0.2073952090795501,
  0.21372429840596396, 0.2200135945981856, 0.22626374162859975, 0.23247494747693054, 0.23864766620658884,
  0.24478265647405806, 0.25088025827324145, 0.2569408552510595, 0.26296511155101143, 0.2689531327189343,
  0.27490553924610595, 0.2808227248478943, 0.286704979267256, 0.29255295645509705, 0.2983670386142876,
  0.30414734587282055, 0.30989455774829366, 0.31560871301871884,
];

describe('the log behind randn', () => {
  it('rebuilds glibc\'s table exactly: invc from its distance to 1/center, logc from invc', () => {
    expect(GLIBC_INVC).toHaveLength(128);
    expect(GLIBC_LOGC).toHaveLength(128);
    expect(Array.from(LOG_INVC)).toEqual(GLIBC_INVC);
    expect(Array.from(LOG_LOGC)).toEqual(GLIBC_LOGC);
  });
});
