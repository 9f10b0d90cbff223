// pith-wasm: loads a model compiled by `pith compile` (docs/wasm-abi.md) and runs it on rows.
// An ES module without dependencies, for Node (>= 18) and browsers.
//
//   import { loadModel } from "./pith.mjs";
//   const model = await loadModel("model.wasm");   // a path or URL, bytes, or a WebAssembly.Module
//   model.predict([[1, 2], [3, 4]]);              // labels (classes, or cluster indices), or values

/** An error of the loader: a module that is not a pith model, or input of the wrong shape. */
export class PithError extends Error {
  constructor(message) {
    super(message);
    this.name = "PithError";
  }
}

const ABI_VERSION = 1;
const SCHEMA_EXPORTS = ["n_features", "n_outputs", "n_classes", "element_size", "input_offset"];
const OUTPUT_NAMES = ["predict", "predict_proba", "decision_function", "transform"];
const PAGE = 65536;

async function readSource(source) {
  if (source instanceof WebAssembly.Module) return source;
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    return WebAssembly.compile(source);
  }
  if (typeof Response !== "undefined" && source instanceof Response) {
    return WebAssembly.compile(await source.arrayBuffer());
  }
  const isNode = typeof process !== "undefined" && process.versions && process.versions.node;
  const text = String(source);
  if (isNode && !/^(https?|data|blob):/.test(text)) {
    const { readFile } = await import("node:fs/promises");
    const path = source instanceof URL ? source : text;
    return WebAssembly.compile(await readFile(path));
  }
  const response = await fetch(source);
  if (!response.ok) throw new PithError(`cannot fetch ${text}: HTTP ${response.status}`);
  return WebAssembly.compile(await response.arrayBuffer());
}

function readMetadata(module) {
  const sections = WebAssembly.Module.customSections(module, "pith");
  if (sections.length === 0) return {};
  try {
    return JSON.parse(new TextDecoder().decode(sections[0]));
  } catch (e) {
    throw new PithError(`the module's "pith" section is not valid JSON: ${e.message}`);
  }
}

/**
 * Loads a compiled pith model.
 * @param source a path (Node) or URL, an ArrayBuffer or typed array of the .wasm bytes, a
 *   fetch Response, or a compiled WebAssembly.Module.
 */
export async function loadModel(source) {
  let module;
  try {
    module = await readSource(source);
  } catch (e) {
    if (e instanceof PithError) throw e;
    throw new PithError(`not a WebAssembly module: ${e.message}`);
  }
  const instance = await WebAssembly.instantiate(module, {});
  return new PithModel(module, instance);
}

export class PithModel {
  constructor(module, instance) {
    const exports = instance.exports;
    if (!(exports.memory instanceof WebAssembly.Memory)) {
      throw new PithError("not a pith model: the module exports no memory");
    }
    for (const name of SCHEMA_EXPORTS) {
      if (typeof exports[name] !== "function") {
        throw new PithError(`not a pith model: the module does not export '${name}'`);
      }
    }
    const meta = readMetadata(module);
    if (meta.abi !== undefined && meta.abi !== ABI_VERSION) {
      throw new PithError(`pith wasm ABI ${meta.abi}; this loader reads ABI ${ABI_VERSION}`);
    }
    this.exports = exports;
    this.memory = exports.memory;
    this.kind = meta.kind ?? null;
    this.nFeatures = exports.n_features();
    this.nClasses = exports.n_classes();
    this.nOutputs = exports.n_outputs();
    this.elementSize = exports.element_size();
    if (this.elementSize !== 4 && this.elementSize !== 8) {
      throw new PithError(`element_size() is ${this.elementSize}; expected 4 or 8`);
    }
    this.dtype = this.elementSize === 4 ? "float32" : "float64";
    this.inputOffset = exports.input_offset();
    this.featureNames = meta.feature_names ?? null;
    this.classes = meta.classes ?? null;
    /** NaN is a missing value the model routes (tree ensembles); else inputs must be finite. */
    this.acceptsNaN = meta.accepts_nan === true;
    const intOutputs = new Set(meta.int_outputs ?? []);
    /** name -> { width, type: "class" | "index" | "real" } for every output the module exports */
    this.outputs = {};
    for (const name of OUTPUT_NAMES) {
      if (typeof exports[name] !== "function") continue;
      const type = intOutputs.has(name) ? (this.classes ? "class" : "index") : "real";
      this.outputs[name] = { width: exports[`${name}_width`](), type };
    }
  }

  /** Labels (classes of a classifier, cluster indices) or regression values, one row each. */
  predict(X) {
    return this.run("predict", X);
  }
  predictProba(X) {
    return this.run("predict_proba", X);
  }
  decisionFunction(X) {
    return this.run("decision_function", X);
  }
  transform(X) {
    return this.run("transform", X);
  }

  /**
   * Runs one output on a batch. X: rows as number[][], or row-major values as a Float64Array,
   * Float32Array or number[] (a multiple of nFeatures long). Returns class labels (Array) for a
   * classifier's predict, an Int32Array of indices for K-Means, else a Float64Array (float64
   * module) or Float32Array of rows * width values, row-major.
   */
  run(name, X) {
    const output = this.outputs[name];
    if (!output) {
      const names = Object.keys(this.outputs).join(", ");
      throw new PithError(`this model has no output '${name}'; it has: ${names}`);
    }
    const d = this.nFeatures;
    const flat = this.#flatten(X);
    const rows = flat.length / d;
    const es = this.elementSize;
    const outSize = output.type === "real" ? es : 4;
    const inBytes = rows * d * es;
    const outOffset = this.inputOffset + Math.ceil(inBytes / 8) * 8;
    const end = outOffset + rows * output.width * outSize;
    const pages = Math.ceil(end / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (pages > 0) this.memory.grow(pages);
    const buffer = this.memory.buffer;
    const Input = es === 4 ? Float32Array : Float64Array;
    new Input(buffer, this.inputOffset, rows * d).set(flat);
    this.exports[name](this.inputOffset, outOffset, rows);
    const n = rows * output.width;
    // Copies out of the module's memory (which the next call overwrites). new + set: TypedArray
    // slice() over wasm memory was 6x slower in Node 20.
    const Output = output.type === "real" ? Input : Int32Array;
    const result = new Output(n);
    result.set(new Output(buffer, outOffset, n));
    if (output.type === "real") return result;
    const indices = result;
    if (output.type === "class") {
      const labels = new Array(n);
      for (let i = 0; i < n; ++i) labels[i] = this.classes[indices[i]];
      return labels;
    }
    return indices;
  }

  #flatten(X) {
    const d = this.nFeatures;
    let flat;
    if (X instanceof Float64Array || X instanceof Float32Array) {
      flat = X;
    } else if (Array.isArray(X) && (X.length === 0 || Array.isArray(X[0]) || ArrayBuffer.isView(X[0]))) {
      flat = new Float64Array(X.length * d);
      X.forEach((row, i) => {
        if (!(Array.isArray(row) || ArrayBuffer.isView(row)) || row.length !== d) {
          const got = row && row.length !== undefined ? `${row.length} values` : typeof row;
          throw new PithError(`row ${i} has ${got}; the model expects ${d} features`);
        }
        flat.set(row, i * d);
      });
    } else if (Array.isArray(X)) {
      flat = Float64Array.from(X);
    } else {
      throw new PithError("X must be number[][], a Float64Array, a Float32Array or number[]");
    }
    if (flat.length % d !== 0) {
      throw new PithError(`X has ${flat.length} values, not a multiple of the ${d} features`);
    }
    if (this.acceptsNaN) return flat;
    // x - x is NaN exactly for NaN and infinities: one cheap pass, the search only on failure.
    let check = 0;
    for (let k = 0; k < flat.length; ++k) check += flat[k] - flat[k];
    if (check !== 0) {
      const k = flat.findIndex((v) => !Number.isFinite(v));
      throw new PithError(
        `row ${Math.floor(k / d)}, column ${k % d} is ${flat[k]}; the model needs finite numbers`,
      );
    }
    return flat;
  }
}
