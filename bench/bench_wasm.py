"""pith compile: module sizes and prediction times in Node and wasmtime, side by side with native
pith (C++ and Python) and scikit-learn, in one run.

For every model kind: the module's size, the bytes of its parameters (8 per float64 number)
and the rest ("overhead": code, exports, schema), the memory pages it starts with and needs for
a 1,000-row batch; then predict() time per row, one row per call and in a batch of --batch rows:

  native C++      pith::predict (pith/predict.h) from C++ (bench/wasm_native_latency.cc)
  Node            the module through the JS loader (js/pith.mjs), and its export called directly
  wasmtime        the module from Python (wasmtime's package): write row, call, read result;
                  and the export alone on rows already in memory
  pith Python     the native model from Python (pith._core.NativeModel.predict)
  scikit-learn    the fitted scikit-learn estimator's predict

Usage (after scripts/dev.sh setup, from the repository root):

  .venv/bin/python bench/bench_wasm.py [--calls 20000] [--batch 100000] [--build-dir build]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from sklearn import datasets
from sklearn.cluster import KMeans as SkKMeans
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from wasm_runtimes import NODE, Wasmtime, compile_dict, metadata, model_dict  # noqa: E402

from pith import _core  # noqa: E402


def models():
    """(name, fitted scikit-learn estimator, n_features), the kinds a module can hold."""
    rng = np.random.default_rng(0)
    X3 = rng.normal(size=(500, 3))
    y3 = (X3 @ [1.0, -2.0, 0.5] > 0).astype(int)
    yield "logistic, 3 coefficients", LogisticRegression().fit(X3, y3), 3
    X2 = rng.normal(size=(300, 2)) + rng.integers(0, 3, 300)[:, None] * 4
    yield "K-Means 3x2", SkKMeans(3, n_init=1, random_state=0).fit(X2), 2
    Xi, yi = datasets.load_iris(return_X_y=True)
    yield "iris: scaler + logistic (3 classes)", make_pipeline(
        StandardScaler(), LogisticRegression(max_iter=1000)
    ).fit(Xi, yi), 4
    Xd, yd = datasets.load_diabetes(return_X_y=True)
    yield "diabetes: linear regression", LinearRegression().fit(Xd, yd), 10
    Xb, _ = datasets.load_breast_cancer(return_X_y=True)
    yield "breast_cancer: standard scaler", StandardScaler().fit(Xb), 30
    Xg, yg = datasets.load_digits(return_X_y=True)
    yield "digits: logistic (64x10)", LogisticRegression(max_iter=3000, C=0.1).fit(Xg / 16, yg), 64
    yield "digits: K-Means 10x64", SkKMeans(10, n_init=1, random_state=0).fit(Xg), 64


def n_parameters(d):
    keys = ("cluster_centers", "coef", "intercept", "mean", "scale", "min")
    steps = d["steps"] if d["kind"] == "pipeline" else [d]
    return sum(np.asarray(s[k]).size for s in steps for k in keys if k in s)


def best_of(fn, repeats=5):
    best = math.inf
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        fn()
        best = min(best, time.perf_counter_ns() - t0)
    return best


def per_call_ns(fn, calls):
    fn()
    return best_of(lambda: [fn() for _ in range(calls)]) / calls


def native_tool(build_dir: Path) -> Path:
    exe = build_dir / "wasm_native_latency"
    src = ROOT / "bench" / "wasm_native_latency.cc"
    if not exe.exists() or exe.stat().st_mtime < src.stat().st_mtime:
        protos = [p for p in (build_dir / "libpith_proto.a", build_dir / "proto" / "libpith_proto.a") if p.exists()]
        cmd = ["c++", "-O2", "-std=c++20", f"-I{ROOT / 'include'}", str(src),
               str(build_dir / "src" / "libpith.a"), *map(str, protos), "-lprotobuf", "-fopenmp",
               "-o", str(exe)]
        subprocess.run(cmd, check=True)
    return exe


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000, help="single-row calls per timing")
    parser.add_argument("--batch", type=int, default=100000, help="rows in the batch timing")
    parser.add_argument("--build-dir", default=str(ROOT / "build"), help="the CMake build")
    args = parser.parse_args()
    native_exe = native_tool(Path(args.build_dir))
    tmp = Path(args.build_dir) / "bench_wasm"
    tmp.mkdir(exist_ok=True)

    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"node {subprocess.run([NODE, '--version'], capture_output=True, text=True).stdout.strip()}")
    print("\n| model | module bytes | parameters | overhead | pages (start / 1k rows) |")
    print("|---|---:|---:|---:|---:|")
    rows = []
    for name, est, d in models():
        md = model_dict(est, d)
        wasm = compile_dict(md)
        params = 8 * n_parameters(md)
        rt = Wasmtime(wasm)
        output = _core.NativeModel(md).outputs()[0]  # predict, or transform for a transformer
        width = rt.call(f"{output}_width")
        out_size = 4 if output in metadata(wasm).get("int_outputs", []) else 8
        start_pages = rt.memory.size(rt.store)
        need = rt.input_offset + 1000 * (d * 8 + width * out_size)
        print(f"| {name} | {len(wasm)} | {params} | {len(wasm) - params} | "
              f"{start_pages} / {max(start_pages, math.ceil(need / 65536))} |")
        rows.append((name, est, d, md, wasm, output))

    print(f"\npredict() (transform() for the scaler) time per row, ns: one row per call ({args.calls} calls), and in a batch of "
          f"{args.batch} rows. Ratios: over native C++ per row.\n")
    print("| model | native C++ | Node (loader) | Node (export) | wasmtime (Python) | wasmtime (export) | "
          "pith Python | scikit-learn | Node/native | batch: native | batch: Node | batch: Node (export) | "
          "batch: wasmtime (export) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    rng = np.random.default_rng(1)
    for name, est, d, md, wasm, output in rows:
        stem = tmp / name.split(":")[0].replace(" ", "_").replace(",", "")
        wasm_path = stem.with_suffix(".wasm")
        wasm_path.write_bytes(wasm)
        pith_path = stem.with_suffix(".pith")
        pith_path.write_bytes(_core.model_to_bytes(md))
        native = json.loads(subprocess.run(
            [native_exe, pith_path, output, str(args.batch), str(args.calls)],
            capture_output=True, text=True, check=True).stdout)
        node = json.loads(subprocess.run(
            [NODE, ROOT / "bench" / "wasm_node.mjs", wasm_path, output, str(d), str(args.batch),
             str(args.calls)], capture_output=True, text=True, check=True).stdout)
        rt = Wasmtime(wasm)
        x1 = rng.normal(size=(1, d))
        wt_row = per_call_ns(lambda: rt.run(output, x1), args.calls // 10)
        Xb = rng.normal(size=(args.batch, d))
        wt_batch = best_of(lambda: rt.run(output, Xb), 3) / args.batch
        # The export alone, the rows already in memory (what the runtime itself costs).
        out_at = rt.input_offset + Xb.nbytes
        wt_raw_row = per_call_ns(lambda: rt.call(output, rt.input_offset, out_at, 1), args.calls // 10)
        wt_raw_batch = best_of(lambda: rt.call(output, rt.input_offset, out_at, args.batch), 3) / args.batch
        nm = _core.NativeModel(md)
        py_row = per_call_ns(lambda: nm.predict(output, x1, 1), args.calls // 10)
        sk_row = per_call_ns(lambda: getattr(est, output)(x1), max(100, args.calls // 100))
        print(f"| {name} | {native['row_ns']:.0f} | {node['loader_row_ns']:.0f} | "
              f"{node['raw_row_ns']:.0f} | {wt_row:.0f} | {wt_raw_row:.0f} | {py_row:.0f} | "
              f"{sk_row:.0f} | {node['loader_row_ns'] / native['row_ns']:.2f}x | "
              f"{native['batch_row_ns']:.1f} | {node['batch_row_ns']:.1f} | "
              f"{node['raw_batch_row_ns']:.1f} | {wt_raw_batch:.1f} |")


if __name__ == "__main__":
    main()
