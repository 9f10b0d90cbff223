// Types of pith-wasm (pith.mjs): loading and running models compiled by `pith compile`.

export class PithError extends Error {}

export type Rows = number[][] | Float64Array | Float32Array | number[];
export type Label = number | string;

export interface OutputInfo {
  /** values per row */
  width: number;
  /** class labels, cluster indices, or real values */
  type: "class" | "index" | "real";
}

export class PithModel {
  readonly kind: string | null;
  readonly nFeatures: number;
  readonly nClasses: number;
  /** width of the default output (predict, or transform for a transformer) */
  readonly nOutputs: number;
  readonly dtype: "float32" | "float64";
  readonly featureNames: string[] | null;
  readonly classes: Label[] | null;
  /** true if NaN inputs are missing values the model handles (tree ensembles) */
  readonly acceptsNaN: boolean;
  readonly outputs: { [name: string]: OutputInfo };
  readonly memory: WebAssembly.Memory;

  predict(X: Rows): Label[] | Int32Array | Float64Array | Float32Array;
  predictProba(X: Rows): Float64Array | Float32Array;
  decisionFunction(X: Rows): Float64Array | Float32Array;
  transform(X: Rows): Float64Array | Float32Array;
  run(name: string, X: Rows): Label[] | Int32Array | Float64Array | Float32Array;
}

export function loadModel(
  source: string | URL | ArrayBuffer | ArrayBufferView | Response | WebAssembly.Module,
): Promise<PithModel>;
