// Whole-model files: the architecture (layers, loss, accuracy) as JSON, the parameters as safetensors.
// The JSON may come from anywhere, so reading it treats it as hostile: the text is size- and depth-checked before
// JSON.parse, and every field is checked (type, range, unknown keys) by the registered layer classes as they read
// them (nn's registry.ts), with layer sizes capped so a file cannot make us allocate without bound.
import { type Generator, Generator as Rng } from '@tensorgrad/core';
import { isObject, jsonTooDeep, show } from '@tensorgrad/core/util';
import {
  Model, StateDictError, ModelFormatError, MODEL_LIMITS, layerToJson, layerFromJson, lossToJson, lossFromJson, checkJson,
  type AccuracyKind, type ReadBudget,
} from '@tensorgrad/nn';
import { decodeSafetensors } from './safetensors.js';
import { parametersToBytes } from './params.js';

export const MODEL_FORMAT = 'tensorgrad.model';
export const MODEL_FORMAT_VERSION = 1;

type Fields = Record<string, unknown>;


/**
 * The model's architecture as JSON: `{ format, version, layers, loss, accuracy }`, every layer as `{ type, ...its
 * config() }` (Dense: nIn, nOut, dtype, regularizers). Not saved: parameters (see modelToArtifacts), the optimizer,
 * Dense's initializer and Dropout's generator (loading uses the defaults), and a custom accuracy function (written as
 * null; the loaded model uses 'categorical' until you set yours again). Throws ModelFormatError for a layer or loss it
 * cannot write, and for a model over MODEL_LIMITS: it never writes a file it could not read back.
 */
export function modelToJson(model: Model): string {
  if (!(model instanceof Model)) throw new ModelFormatError(`modelToJson: expects a Model, got ${show(model)}`);
  const { loss, accuracy } = model.settings();
  const doc = {
    format: MODEL_FORMAT,
    version: MODEL_FORMAT_VERSION,
    layers: model.layers.map((l, i) => layerToJson(l, `layers[${i}]`)),
    loss: lossToJson(loss),
    accuracy: typeof accuracy === 'function' ? null : accuracy,
  };
  checkJson(doc, '');
  const text = JSON.stringify(doc, null, 2);
  checkModel(readDocument(text), new Rng(0)); // what we write must read back (e.g. a NaN regularizer or a Dense over the limits would not)
  return text;
}

/** The architecture JSON and the parameters as safetensors bytes: the two files of saveModel, usable in a browser. */
export function modelToArtifacts(model: Model): { json: string; weights: Uint8Array } {
  return { json: modelToJson(model), weights: parametersToBytes(model) };
}

// ---- reading ----

const fail = (path: string, msg: string): never => {
  throw new ModelFormatError(`model JSON: ${path} ${msg}`);
};

/** The document's top level, checked before any layer is read. */
function readDocument(json: unknown): Fields {
  if (typeof json !== 'string') throw new ModelFormatError(`model JSON: expected a string, got ${json === null ? 'null' : typeof json}`);
  const { jsonChars, depth: maxDepth } = MODEL_LIMITS;
  if (json.length > jsonChars) throw new ModelFormatError(`model JSON: the text is ${json.length} characters, over the limit of ${jsonChars}`);
  // JSON.parse recurses once per level: count the brackets (outside strings) first.
  const deep = jsonTooDeep(json, maxDepth);
  if (deep >= 0) throw new ModelFormatError(`model JSON: nested more than ${maxDepth} levels deep at character ${deep}`);
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new ModelFormatError(`model JSON: not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(doc)) throw new ModelFormatError(`model JSON: must be a JSON object, got ${show(doc)}`);
  const allowed = ['format', 'version', 'layers', 'loss', 'accuracy', 'weights'];
  const extra = Object.keys(doc).filter((k) => !allowed.includes(k));
  if (extra.length > 0) {
    fail('the top level', `has unknown key${extra.length > 1 ? 's' : ''} ${extra.slice(0, 5).map((k) => show(k)).join(', ')} (allowed: ${allowed.join(', ')})`);
  }
  const get = (key: string) => (Object.hasOwn(doc, key) ? doc[key] : undefined);
  if (get('format') !== MODEL_FORMAT) fail('format', `must be '${MODEL_FORMAT}', got ${show(get('format'))}`);
  if (get('version') !== MODEL_FORMAT_VERSION) {
    fail('version', `${show(get('version'))} is not a version this tensorgrad reads (it reads version ${MODEL_FORMAT_VERSION})`);
  }
  const accuracy = get('accuracy');
  if (accuracy !== undefined && accuracy !== null && accuracy !== 'categorical' && accuracy !== 'regression') {
    fail('accuracy', `must be one of 'categorical', 'regression', got ${show(accuracy)}`);
  }
  if (!Array.isArray(get('layers'))) fail('layers', `must be an array of layers, got ${show(get('layers'))}`);
  const weights = get('weights');
  if (weights !== undefined) {
    const ok = isObject(weights) && Object.keys(weights).length === 1 && typeof weights.sha256 === 'string' && /^[0-9a-f]{64}$/.test(weights.sha256);
    if (!ok) fail('weights', `must be { "sha256": <64 lowercase hex digits> } (written by saveModel), got ${show(weights)}`);
  }
  return doc;
}

/** Builds the model the document describes: each layer is checked by its class as it is read (see ConfigReader). */
function buildModel(doc: Fields, budget: ReadBudget, generator: Generator | undefined): Model {
  const model = new Model();
  (doc.layers as unknown[]).forEach((raw, i) => model.add(layerFromJson(raw, `layers[${i}]`, budget, generator)));
  const loss = lossFromJson(Object.hasOwn(doc, 'loss') ? doc.loss : undefined);
  if (loss !== null) model.set({ loss });
  if (doc.accuracy !== undefined && doc.accuracy !== null) model.set({ accuracy: doc.accuracy as AccuracyKind });
  return model;
}

/**
 * Checks every field of the document in a dry read (layers with parameters stop before allocating them): returns the
 * budget, with the parameters the layers need and the layers it could already build, for the real read.
 */
function checkModel(doc: Fields, generator: Generator | undefined): ReadBudget {
  const budget: ReadBudget = { layers: 0, parameters: 0, dry: true };
  buildModel(doc, budget, generator);
  return budget;
}

/** The real read after checkModel: builds the rest. */
const realRead = (dry: ReadBudget): ReadBudget => ({ layers: 0, parameters: 0, dry: false, built: dry.built });

/** The SHA-256 (hex) of the weights that saveModel recorded in a model JSON, or null when it records none; checks the document. */
export function weightsHashOf(json: string): string | null {
  const weights = readDocument(json).weights as { sha256: string } | undefined;
  return weights?.sha256 ?? null;
}

/** A new Model from modelToJson's text, with freshly initialised parameters (as `new Dense` initialises them). */
export function modelFromJson(json: string): Model {
  const doc = readDocument(json);
  return buildModel(doc, realRead(checkModel(doc, undefined)), undefined);
}

/**
 * A new Model from the architecture JSON and the safetensors bytes of modelToArtifacts. A bad JSON throws
 * ModelFormatError; bad weights throw SafetensorsError, and weights that do not fit the layers StateDictError,
 * ShapeError or DTypeError. It never touches an existing model, and it draws nothing from the global random stream.
 */
export function modelFromArtifacts(json: string, weights: Uint8Array): Model {
  const doc = readDocument(json);
  const generator = new Rng(0); // the layers' initial values are overwritten by the weights
  const checked = checkModel(doc, generator);
  const needed = checked.parameters;
  const { tensors } = decodeSafetensors(weights);
  // A cheap check before allocating layers, so a hostile JSON cannot make us build 2^26 parameters for a tiny file.
  // Small shortfalls are left to loadStateDict, whose messages name the missing tensors and shapes.
  let held = 0;
  for (const t of Object.values(tensors)) held += t.size;
  if (needed > held + 2 ** 20) {
    throw new StateDictError(`modelFromArtifacts: the weights hold ${held} values, but the model's layers need ${needed}`);
  }
  const model = buildModel(doc, realRead(checked), generator);
  model.loadStateDict(tensors);
  return model;
}
