"""pith compile on tree ensembles: the two code shapes side by side, in one run.

  loop      node tables in a data segment, one traversal loop per tree (the default)
  unrolled  nested if/else per tree, thresholds and leaves as immediates (unroll_small)

For each model and shape: the module's size, and predict() time per row in Node (the export
called on rows already in memory: one row per call, and a batch) and in wasmtime (a batch), next
to pith's native prediction from Python (one thread, a batch: its lock-step SIMD walk).

Usage (from the repository root, pith installed):

  python bench/bench_wasm_trees.py [--calls 5000] [--batch 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from test_wasm_trees import XGB, hand_built  # noqa: E402
from wasm_runtimes import NODE, Wasmtime, compile_dict  # noqa: E402

import pith  # noqa: E402
from pith import _core  # noqa: E402

from bench_wasm import best_of  # noqa: E402


def models(issue_models=False):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5000, 20))
    y = (X[:, :5].sum(axis=1) > 0).astype(int)
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)
    yield "single depth-3 tree (sklearn)", pith.from_sklearn(tree)._model_dict()
    for n, depth in ((10, 4), (100, 6), (1000, 3)):
        d = hand_built(n_trees=n, depth=depth, n_features=20, n_classes=2, transform="sigmoid",
                       seed=n, **XGB)
        yield f"{n}-tree depth-{depth} boosted (XGBoost-like)", d
    forest = RandomForestClassifier(100, max_depth=8, random_state=0).fit(X, y)
    yield "100-tree depth-8 forest (sklearn)", pith.from_sklearn(forest)._model_dict()
    if issue_models:
        # The models of bench_trees.py (issue 8's): XGBoost, 500 trees of depth 6, and a
        # scikit-learn forest of 100 trees of depth 12, on 28 features.
        sys.path.insert(0, str(ROOT / "bench"))
        import xgboost as xgb
        from bench_trees import make_data

        X28, y28 = make_data(100_000)
        booster = xgb.train({"max_depth": 6, "eta": 0.1, "objective": "binary:logistic",
                             "nthread": 2}, xgb.DMatrix(X28, y28), 500)
        yield "XGBoost 500 trees, depth 6", pith.from_xgboost(booster)._model_dict()
        deep = RandomForestClassifier(100, max_depth=12, random_state=0, n_jobs=2).fit(X28, y28)
        yield "sklearn forest 100 trees, depth 12", pith.from_sklearn(deep)._model_dict()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000, help="single-row calls per timing")
    parser.add_argument("--batch", type=int, default=20000, help="rows in the batch timing")
    parser.add_argument("--issue-models", action="store_true",
                        help="also bench_trees.py's XGBoost and forest models (loop code only)")
    args = parser.parse_args()
    node_version = subprocess.run([NODE, "--version"], capture_output=True, text=True).stdout
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"node {node_version.strip()}; ns per row of predict (class index)\n")
    print("| model | nodes | code | module bytes | Node, 1 row/call | Node, batch | "
          "wasmtime, batch | native pith, batch |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        for name, d in models(args.issue_models):
            p = d["n_features"]
            Xb = rng.uniform(-2, 2, size=(args.batch, p))
            nm = _core.NativeModel(d)
            native_batch = best_of(lambda: nm.predict("predict", Xb, 1), 3) / args.batch
            big = len(d["left_child"]) > 100_000  # unrolled code of this size helps nobody
            for code, unroll in (("loop", 0),) + ((("unrolled", 10**9),) if not big else ()):
                wasm = compile_dict(d, max_unrolled_values=unroll)
                path = Path(tmp) / f"model_{code}.wasm"
                path.write_bytes(wasm)
                node = json.loads(subprocess.run(
                    [NODE, ROOT / "bench" / "wasm_node.mjs", path, "predict", str(p),
                     str(args.batch), str(args.calls)],
                    capture_output=True, text=True, check=True).stdout)
                rt = Wasmtime(wasm)
                rt.run("predict", Xb)  # grows the memory, writes the rows
                # The module's rows are in its dtype (float32 for an XGBoost model), as run() wrote.
                out_at = rt.input_offset + (Xb.astype(rt.dtype).nbytes + 7) // 8 * 8
                wt = best_of(lambda: rt.call("predict", rt.input_offset, out_at, args.batch), 3)
                print(f"| {name} | {len(d['left_child'])} | {code} | {len(wasm)} | "
                      f"{node['raw_row_ns']:.0f} | {node['raw_batch_row_ns']:.1f} | "
                      f"{wt / args.batch:.1f} | {native_batch:.1f} |", flush=True)


if __name__ == "__main__":
    main()
