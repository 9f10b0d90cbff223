#!/usr/bin/env node
// Runs a compiled pith model from the shell, for tests and scripts:
//   node js/cli.mjs MODEL.wasm OUTPUT < rows.json
// stdin: a JSON array of rows (null for a missing value, NaN); stdout: {"values": [...], "width": w, "type": t} (labels or values,
// row-major); a PithError: its message on stderr, exit 1.
import { readFileSync } from "node:fs";
import { loadModel, PithError } from "./pith.mjs";

const [modelPath, output = "predict"] = process.argv.slice(2);
try {
  const model = await loadModel(modelPath);
  const rows = JSON.parse(readFileSync(0, "utf8"), (key, v) => (v === null ? NaN : v));
  const values = model.run(output, rows);
  const info = model.outputs[output];
  process.stdout.write(
    JSON.stringify({ values: Array.from(values), width: info.width, type: info.type }) + "\n",
  );
} catch (e) {
  process.stderr.write(`${e instanceof PithError ? "" : "error: "}${e.message}\n`);
  process.exit(1);
}
