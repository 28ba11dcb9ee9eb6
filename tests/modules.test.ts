// Module infrastructure (issue 12, "Modules"): buffers, frozen parameters, containers that cannot be seen,
// ModuleList/ModuleDict, forward with several inputs, to/float/double and the module walks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tensor, tensor, zeros, ones, DTypeError, ShapeError } from '@tensorgrad/core';
import {
  Module, ModuleError, ModuleList, ModuleDict, Dense, ReLU, Tanh, Sequential, Model, MeanSquaredError, StateDictError,
  layerToJson, layerFromJson,
} from '@tensorgrad/nn';
import { SGD } from '@tensorgrad/optim';
import { saveModel, loadModel, parametersToBytes, parametersFromBytes, toTorchStateDict } from '@tensorgrad/io';

/** A module with a parameter, a persistent and a non-persistent buffer, and a child: PyTorch's state order. */
class Scaled extends Module {
  readonly fc = new Dense(2, 2, { dtype: 'float64' });
  readonly scale = ones([2], { dtype: 'float64', requiresGrad: true });
  declare count: Tensor;
  declare cache: Tensor | null;

  constructor() {
    super();
    this.registerBuffer('count', zeros([1], { dtype: 'int32' }));
    this.registerBuffer('cache', zeros([2], { dtype: 'float64' }), { persistent: false });
  }

  forward(x: Tensor): Tensor {
    return this.fc.forward(x).mul(this.scale);
  }
}

const names = (sd: Record<string, Tensor>) => Object.keys(sd);

describe('buffers', () => {
  it('persistent buffers are in stateDict after the parameters of their module (PyTorch order), non-persistent ones are not', () => {
    const m = new Scaled();
    expect(names(m.stateDict())).toEqual(['scale', 'count', 'fc.weights', 'fc.biases']);
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['count', 'cache']);
    expect(m.buffers()).toEqual([m.count, m.cache]);
    expect(m.parameters()).not.toContain(m.count);
  });

  it('loadStateDict writes buffers, and a reassigned buffer field is the buffer', () => {
    const a = new Scaled();
    a.count = tensor([7], { dtype: 'int32' });
    const b = new Scaled();
    b.loadStateDict(a.stateDict());
    expect(Array.from(b.count.data)).toEqual([7]);
    expect(Array.from(b.fc.weights.data)).toEqual(Array.from(a.fc.weights.data));
    const wrong = { ...a.stateDict(), count: zeros([2], { dtype: 'int32' }) };
    expect(() => b.loadStateDict(wrong)).toThrow(/'count' has shape \[2\], the buffer has \[1\]/);
  });

  it('a null buffer is left out; a buffer name cannot shadow a member', () => {
    const m = new Scaled();
    m.cache = null;
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['count']);
    expect(() => m.registerBuffer('fc', zeros([1]))).toThrow(ModuleError);
    expect(() => m.registerBuffer('forward', zeros([1]))).toThrow(/already has a member/);
    expect(() => m.registerBuffer('a.b', zeros([1]))).toThrow(/without '\.'/);
  });

  it('are saved and loaded through safetensors bytes', () => {
    const a = new Scaled();
    a.count.data[0] = 3;
    const b = new Scaled();
    parametersFromBytes(b, parametersToBytes(a));
    expect(b.count.data[0]).toBe(3);
  });
});

describe('frozen parameters are still the model\'s', () => {
  const model = () => new Model().add(new Dense(2, 3)).add(new ReLU()).add(new Dense(3, 1));

  it('requiresGrad_(false) on a layer keeps its weights in stateDict, out of parameters()', () => {
    const m = model();
    const first = m.layers[0] as Dense;
    first.requiresGrad_(false);
    expect(m.parameters()).toEqual([(m.layers[2] as Dense).weights, (m.layers[2] as Dense).biases]);
    expect(m.parameters({ includeFrozen: true })).toHaveLength(4);
    expect(names(m.stateDict())).toEqual(['layers.0.weights', 'layers.0.biases', 'layers.2.weights', 'layers.2.biases']);
    m.requiresGrad_(true);
    expect(m.parameters()).toHaveLength(4);
  });

  it('a tensor frozen after the module was first walked stays a parameter', () => {
    const m = model();
    m.parameters();
    (m.layers[0] as Dense).weights.requiresGrad = false;
    expect(names(m.stateDict())).toContain('layers.0.weights');
    expect(m.parameters()).not.toContain((m.layers[0] as Dense).weights);
  });

  it('a frozen layer is not trained: backward leaves it no grad and the optimizer skips it', () => {
    const m = model();
    const first = m.layers[0] as Dense;
    first.requiresGrad_(false);
    const before = Array.from(first.weights.data);
    const opt = new SGD(m.parameters({ includeFrozen: true }), { lr: 0.5 });
    const loss = m.forward(tensor([[1, 2]])).sum();
    loss.backward();
    opt.step();
    expect(first.weights.grad).toBeNull();
    expect(Array.from(first.weights.data)).toEqual(before);
  });

  it('saveModel / loadModel round-trip a frozen model (no "missing [layers.0.weights]")', () => {
    const m = model().set({ loss: new MeanSquaredError() });
    m.requiresGrad_(false);
    const dir = mkdtempSync(join(tmpdir(), 'tensorgrad-frozen-'));
    try {
      saveModel(m, dir);
      const back = loadModel(dir);
      const x = tensor([[0.5, -1]]);
      expect(Array.from(back.forward(x).data)).toEqual(Array.from(m.forward(x).data));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('modules that the walk cannot see are an error, not silently untrained', () => {
  class InMap extends Module {
    readonly blocks = new Map([['a', new Dense(2, 2)]]);
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  class InObject extends Module {
    readonly heads = { left: new Dense(2, 2) };
    forward(x: Tensor): Tensor {
      return x;
    }
  }
  class InSet extends Module {
    readonly weights = new Set([zeros([2], { requiresGrad: true })]);
    forward(x: Tensor): Tensor {
      return x;
    }
  }

  it('names the field and points to ModuleDict / ModuleList', () => {
    expect(() => new InMap().parameters()).toThrow(/InMap: field 'blocks' is a Map holding a module \(at a\).*ModuleList or ModuleDict/);
    expect(() => new InObject().stateDict()).toThrow(ModuleError);
    expect(() => new InObject().stateDict()).toThrow(/field 'heads' is a plain object holding a module \(at left\)/);
    expect(() => new InSet().parameters()).toThrow(/field 'weights' is a Set holding a parameter/);
  });

  it('a private #field needs registerModule', () => {
    class Private extends Module {
      readonly #fc = new Dense(2, 2);
      constructor(register: boolean) {
        super();
        if (register) this.registerModule('fc', this.#fc);
      }
      forward(x: Tensor): Tensor {
        return this.#fc.forward(x);
      }
    }
    expect(new Private(false).parameters()).toHaveLength(0);
    expect(new Private(true).namedParameters().map(([n]) => n)).toEqual(['fc.weights', 'fc.biases']);
  });
});

describe('ModuleList and ModuleDict', () => {
  it('ModuleList: push, at, length, iteration, names "0", "1", ...', () => {
    const list = new ModuleList<Module>([new Dense(2, 3)]);
    expect(list.push(new Tanh(), new Dense(3, 1))).toBe(3);
    expect(list.length).toBe(3);
    expect(list.at(-1)).toBeInstanceOf(Dense);
    expect([...list].map((m) => m.constructor.name)).toEqual(['Dense', 'Tanh', 'Dense']);
    expect(list.namedParameters().map(([n]) => n)).toEqual(['0.weights', '0.biases', '2.weights', '2.biases']);
    expect(() => list.push({} as Module)).toThrow(ModuleError);
    expect(() => list.forward()).toThrow(/ModuleList has no forward/);
  });

  it('ModuleDict: keys as names, a replaced module keeps its place', () => {
    const d = new ModuleDict<Module>({ enc: new Dense(2, 2), dec: new Dense(2, 1) });
    d.set('enc', new Dense(2, 2, { dtype: 'float64' }));
    expect([...d.keys()]).toEqual(['enc', 'dec']);
    expect((d.get('enc') as Dense).weights.dtype).toBe('float64');
    expect(names(d.stateDict())).toEqual(['enc.weights', 'enc.biases', 'dec.weights', 'dec.biases']);
    expect(() => d.set('a.b', new Tanh())).toThrow(/without '\.'/);
  });

  it('both round-trip through the model JSON and take PyTorch names', () => {
    const inner = new ModuleDict<Module>([['proj', new Dense(2, 2)], ['__proto__', new Tanh()]]);
    const list = new ModuleList<Module>([new Dense(2, 2), inner]);
    const json = JSON.parse(JSON.stringify(layerToJson(list, 'model')));
    const back = layerFromJson(json, 'model', { layers: 0, parameters: 0, dry: false }, undefined) as ModuleList;
    expect(back).toBeInstanceOf(ModuleList);
    expect([...(back.at(1) as ModuleDict).keys()]).toEqual(['proj', '__proto__']);
    expect(names(back.stateDict())).toEqual(names(list.stateDict()));
    expect(Object.keys(toTorchStateDict(list))).toEqual(['0.weight', '0.bias', '1.proj.weight', '1.proj.bias']);
  });
});

describe('forward with several inputs', () => {
  class Bilinear extends Module {
    readonly w = ones([2, 2], { requiresGrad: true });
    forward(a: Tensor, b: Tensor, options: { scale?: number } = {}): Tensor {
      return a.matmul(this.w).mul(b).sum().mul(options.scale ?? 1);
    }
  }

  it('a module takes (a, b, options); Sequential still passes one tensor', () => {
    const m: Module = new Bilinear();
    expect(m.forward(tensor([[1, 2]]), tensor([[1, 1]]), { scale: 2 }).item()).toBe(12);
    expect(new Sequential([new Dense(2, 2), new ReLU()]).forward(zeros([1, 2])).shape).toEqual([1, 2]);
  });
});

describe('walks and conversions', () => {
  const net = () => new Sequential([new Dense(2, 3), new Sequential([new Tanh(), new Dense(3, 1)])]);

  it('namedModules, children, namedChildren, modules', () => {
    const m = net();
    expect(m.namedModules().map(([n, x]) => `${n}:${x.constructor.name}`)).toEqual([
      ':Sequential', 'layers.0:Dense', 'layers.1:Sequential', 'layers.1.layers.0:Tanh', 'layers.1.layers.1:Dense',
    ]);
    expect(m.namedChildren().map(([n]) => n)).toEqual(['layers.0', 'layers.1']);
    expect(m.children()).toEqual([m.layers[0], m.layers[1]]);
    const shared = new Dense(1, 1);
    expect(new Sequential([shared, shared]).modules()).toHaveLength(2);
  });

  it('apply visits children before their parent', () => {
    const seen: string[] = [];
    const m = net();
    expect(m.apply((x) => seen.push(x.constructor.name))).toBe(m);
    expect(seen).toEqual(['Dense', 'Tanh', 'Dense', 'Sequential', 'Sequential']);
  });

  it('to / double / float convert parameters, buffers and grads in place; int buffers stay', () => {
    const m = new Scaled();
    const w = m.fc.weights;
    const before = Array.from(w.data);
    m.fc.weights.grad = ones([2, 2], { dtype: 'float64' });
    m.to('float32');
    expect(m.fc.weights).toBe(w);
    expect([w.dtype, w.grad!.dtype, m.scale.dtype, m.cache!.dtype, m.count.dtype]).toEqual(['float32', 'float32', 'float32', 'float32', 'int32']);
    expect(Array.from(w.data)).toEqual(before.map(Math.fround));
    expect(m.double().forward(ones([1, 2], { dtype: 'float64' })).dtype).toBe('float64');
    expect(m.float().scale.dtype).toBe('float32');
    expect(() => m.to('int32')).toThrow(DTypeError);
  });

  it('loadStateDict still refuses missing names and wrong shapes, changing nothing', () => {
    const m = net();
    const sd = m.stateDict();
    const before = Array.from((m.layers[0] as Dense).weights.data);
    expect(() => m.loadStateDict({ ...sd, 'layers.0.weights': zeros([3, 2]) })).toThrow(ShapeError);
    const { ['layers.0.biases']: _, ...missing } = sd;
    expect(() => m.loadStateDict(missing)).toThrow(StateDictError);
    expect(Array.from((m.layers[0] as Dense).weights.data)).toEqual(before);
  });
});
