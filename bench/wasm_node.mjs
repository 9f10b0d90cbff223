// Node side of bench/bench_wasm.py: per-row and batch time of one compiled model's predict,
// through the JS loader (js/pith.mjs) and through the raw ABI (memory + export, no loader).
//   node bench/wasm_node.mjs MODEL.wasm OUTPUT N_FEATURES BATCH_ROWS SINGLE_CALLS -> JSON on stdout
import { loadModel } from "../js/pith.mjs";

const [path, output] = process.argv.slice(2, 4);
const [d, batchRows, calls] = process.argv.slice(4).map(Number);
const model = await loadModel(path);
const rng = (() => {
  let s = 42;
  return () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 4 - 2;
})();
const Input = model.dtype === "float32" ? Float32Array : Float64Array;
const row = Input.from({ length: d }, rng);
const batch = Input.from({ length: d * batchRows }, rng);

function best(fn, repeats = 5) {
  let t = Infinity;
  for (let r = 0; r < repeats; ++r) {
    const t0 = process.hrtime.bigint();
    fn();
    t = Math.min(t, Number(process.hrtime.bigint() - t0));
  }
  return t;
}

// Warm up the JIT tiers (Liftoff -> TurboFan) before timing.
for (let i = 0; i < 20000; ++i) model.run(output, row);
model.run(output, batch);

const loaderRow = best(() => {
  for (let i = 0; i < calls; ++i) model.run(output, row);
}) / calls;

// The raw ABI: the row already in memory, one call per prediction.
const ex = model.exports;
const at = ex.input_offset();
new Input(model.memory.buffer, at, d).set(row);
const out = at + 64 * 1024;
for (let i = 0; i < 20000; ++i) ex[output](at, out, 1);
const rawRow = best(() => {
  for (let i = 0; i < calls; ++i) ex[output](at, out, 1);
}) / calls;

const batchTime = best(() => model.run(output, batch), 5) / batchRows;
// The export alone on a batch already in memory.
const batchAt = model.inputOffset;
const batchOut = batchAt + batch.length * batch.BYTES_PER_ELEMENT;
model.run(output, batch); // leaves the batch in memory, and the memory large enough
const rawBatch = best(() => ex[output](batchAt, batchOut, batchRows), 5) / batchRows;
process.stdout.write(
  JSON.stringify({
    loader_row_ns: loaderRow,
    raw_row_ns: rawRow,
    batch_row_ns: batchTime,
    raw_batch_row_ns: rawBatch,
  }) + "\n",
);
