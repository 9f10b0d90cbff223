"""Tree ensembles side by side: pith against each model's own library, ONNX Runtime and TL2cgen.

Three models on the same 28-feature data (HIGGS-shaped: 28 float32 features, binary target):

  xgboost   XGBoost, 500 trees of depth 6 (binary:logistic)
  lightgbm  LightGBM, 500 trees, num_leaves 63, max_depth 6 (binary)
  forest    scikit-learn RandomForestClassifier, 100 trees, max_depth 12

For each model and each predictor (pith; the source library: XGBoost's inplace_predict,
LightGBM's predict, scikit-learn's predict_proba; ONNX Runtime on the model converted by
onnxmltools / skl2onnx; TL2cgen's compiled shared library), a fresh child process measures:

  batch   predict_proba (or the probability of class 1) of 1,000,000 rows with --threads threads:
          median seconds of --repeats runs, rows/s, peak memory above the loaded model and data
          (+MB) and the child's peak RSS over everything (RSS MB: library, model, data, batches)
  row     latency of one row through Python (median of 2,000 calls after a warm-up)

and the largest difference of its probabilities from the source library's. Ratios are to pith.

  .venv/bin/python bench/bench_trees.py             # the shapes of docs/benchmarks.md
  .venv/bin/python bench/bench_trees.py --quick     # small shapes, a smoke run

The peers are in bench/requirements.txt (not dependencies of pith).
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import measure, peak_rss_bytes, run_child  # noqa: E402

MODELS = ["xgboost", "lightgbm", "forest"]
PREDICTORS = {
    "xgboost": ["pith", "xgboost", "onnxruntime", "tl2cgen"],
    "lightgbm": ["pith", "lightgbm", "onnxruntime", "tl2cgen"],
    "forest": ["pith", "sklearn", "onnxruntime", "tl2cgen"],
}
N_FEATURES = 28


def make_data(n, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, N_FEATURES)).astype(np.float32)
    w = rng.normal(size=N_FEATURES)
    logits = X @ w * 0.3 + np.sin(2 * X[:, 0]) * X[:, 1] + X[:, 2] * X[:, 3]
    y = (logits + rng.normal(scale=0.5, size=n) > 0).astype(np.int32)
    return X, y


def train(model, X, y, quick, workdir):
    """Trains one model and saves it in its library's own format; returns the path."""
    if model == "xgboost":
        import xgboost as xgb

        booster = xgb.train(
            {"max_depth": 6, "eta": 0.1, "objective": "binary:logistic", "nthread": 2,
             "tree_method": "hist"},
            xgb.DMatrix(X, y), 50 if quick else 500)
        path = os.path.join(workdir, "model.json")
        booster.save_model(path)
        return path
    if model == "lightgbm":
        import lightgbm as lgb

        booster = lgb.train(
            {"objective": "binary", "num_leaves": 63, "max_depth": 6, "learning_rate": 0.1,
             "num_threads": 2, "verbose": -1},
            lgb.Dataset(X, y), 50 if quick else 500)
        path = os.path.join(workdir, "model.txt")
        booster.save_model(path)
        return path
    from sklearn.ensemble import RandomForestClassifier

    forest = RandomForestClassifier(n_estimators=10 if quick else 100, max_depth=12,
                                    random_state=0, n_jobs=2).fit(X, y)
    path = os.path.join(workdir, "model.pkl")
    with open(path, "wb") as f:
        pickle.dump(forest, f)
    return path


# ---- Child side: one predictor, one model.


def load_source(model, path):
    if model == "xgboost":
        import xgboost as xgb

        booster = xgb.Booster()
        booster.load_model(path)
        return booster
    if model == "lightgbm":
        import lightgbm as lgb

        return lgb.Booster(model_file=path)
    with open(path, "rb") as f:
        return pickle.load(f)


def source_proba1(model, source, threads):
    """P(class 1) of a float32 batch, with the source library's own predictor."""
    if model == "xgboost":
        source.set_param({"nthread": threads})
        return lambda X: source.inplace_predict(X)
    if model == "lightgbm":
        return lambda X: source.predict(X, num_threads=threads)
    source.set_params(n_jobs=threads)
    return lambda X: source.predict_proba(X)[:, 1]


def build_predictor(model, predictor, path, threads, workdir):
    """A function X (float32, C order) -> P(class 1) for `predictor`."""
    source = load_source(model, path)
    if predictor in ("xgboost", "lightgbm", "sklearn"):
        return source_proba1(model, source, threads)
    if predictor == "pith":
        import pith

        converted = {"xgboost": pith.from_xgboost, "lightgbm": pith.from_lightgbm,
                     "forest": pith.from_sklearn}[model](source)
        converted.n_threads = threads
        return lambda X: converted.predict_proba(X)[:, 1]
    if predictor == "onnxruntime":
        import onnxruntime as ort

        if model in ("xgboost", "lightgbm"):
            from onnxmltools import convert_lightgbm, convert_xgboost
            from onnxmltools.convert.common.data_types import FloatTensorType

            initial = [("input", FloatTensorType([None, N_FEATURES]))]
            if model == "xgboost":
                onx = convert_xgboost(source, initial_types=initial, target_opset=15)
            else:
                onx = convert_lightgbm(source, initial_types=initial, target_opset=15,
                                       zipmap=False)
        else:
            from skl2onnx import to_onnx
            from skl2onnx.common.data_types import FloatTensorType

            initial = [("input", FloatTensorType([None, N_FEATURES]))]
            onx = to_onnx(source, initial_types=initial, options={"zipmap": False},
                          target_opset=15)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(onx.SerializeToString(), options,
                                       providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        proba_output = session.get_outputs()[1].name

        def run(X):
            proba = session.run([proba_output], {name: X})[0]
            return np.asarray(proba)[:, 1]

        return run
    if predictor == "tl2cgen":
        import tl2cgen
        import treelite

        if model == "xgboost":
            tl_model = treelite.frontend.load_xgboost_model(path)
        elif model == "lightgbm":
            tl_model = treelite.frontend.load_lightgbm_model(path)
        else:
            tl_model = treelite.sklearn.import_model(source)
        libpath = os.path.join(workdir, f"{model}_tl2cgen.so")
        if not os.path.exists(libpath):
            tl2cgen.export_lib(tl_model, toolchain="gcc", libpath=libpath,
                               params={"parallel_comp": 2}, nthread=2)
        lib = tl2cgen.Predictor(libpath, nthread=threads)

        def run(X):
            out = np.asarray(lib.predict(tl2cgen.DMatrix(X)))
            out = out.reshape(X.shape[0], -1)
            return out[:, -1]

        return run
    raise ValueError(predictor)


def child(args):
    X = np.ascontiguousarray(np.load(args.data)[: args.rows])  # in memory before measuring
    run = build_predictor(args.model, args.predictor, args.model_path, args.threads,
                          os.path.dirname(args.data))
    reference = source_proba1(args.model, load_source(args.model, args.model_path), args.threads)
    run(X[:100])  # warm up (lazy compilation, thread pools)
    batch = measure(lambda: run(X), args.repeats)
    expected = np.asarray(reference(X[:20000]), dtype=np.float64)
    got = np.asarray(run(X[:20000]), dtype=np.float64)
    row = np.ascontiguousarray(X[:1])
    for _ in range(200):
        run(row)
    latencies = []
    for i in range(2000):
        r = np.ascontiguousarray(X[i % 1000 : i % 1000 + 1])
        t0 = time.perf_counter()
        run(r)
        latencies.append(time.perf_counter() - t0)
    print(json.dumps({
        "batch_s": statistics.median(batch["times"]),
        "peak_mb": batch["peak_extra_mb"],
        "row_us": statistics.median(latencies) * 1e6,
        "max_diff": float(np.max(np.abs(got - expected))),
        "rss_mb": peak_rss_bytes() / 2**20,  # the whole process: library, model, data, batches
    }))


# ---- Parent side.


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small models and data")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--skip", default="",
                        help="model:predictor pairs to leave out, e.g. forest:tl2cgen (gcc needs "
                             "more than 15 minutes for the depth-12 forest's C code)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--predictor", help=argparse.SUPPRESS)
    parser.add_argument("--model-path", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    rows = 50_000 if args.quick else 1_000_000
    train_rows = 20_000 if args.quick else 200_000
    workdir = tempfile.mkdtemp(prefix="pith-bench-trees-")
    X, y = make_data(rows + train_rows)
    data = os.path.join(workdir, "X.npy")
    np.save(data, X[train_rows:])
    print(f"data: {rows:,} x {N_FEATURES} float32 rows to predict; threads {args.threads}; "
          f"repeats {args.repeats}; workdir {workdir}")
    for model in args.models.split(","):
        path = train(model, X[:train_rows], y[:train_rows], args.quick, workdir)
        results = {}
        for predictor in PREDICTORS[model]:
            if f"{model}:{predictor}" in args.skip.split(","):
                results[predictor] = {"error": "skipped (--skip)"}
                continue
            results[predictor] = run_child(
                os.path.abspath(__file__),
                ["--child", "--model", model, "--predictor", predictor, "--model-path", path,
                 "--data", data, "--rows", str(rows), "--threads", str(args.threads),
                 "--repeats", str(args.repeats)],
                args.threads)
        print(f"\n{model}")
        print(f"  {'predictor':<12} {'batch s':>9} {'M rows/s':>9} {'vs pith':>8} "
              f"{'row us':>8} {'vs pith':>8} {'+MB':>6} {'RSS MB':>7} {'max |diff|':>11}")
        base = results.get("pith", {})
        for predictor, r in results.items():
            if "error" in r:
                print(f"  {predictor:<12} error: {r['error']}")
                continue
            batch_ratio = r["batch_s"] / base["batch_s"] if "batch_s" in base else float("nan")
            row_ratio = r["row_us"] / base["row_us"] if "row_us" in base else float("nan")
            print(f"  {predictor:<12} {r['batch_s']:9.3f} {rows / r['batch_s'] / 1e6:9.2f} "
                  f"{batch_ratio:7.2f}x {r['row_us']:8.1f} {row_ratio:7.2f}x "
                  f"{r['peak_mb']:6.0f} {r['rss_mb']:7.0f} {r['max_diff']:11.2e}")


if __name__ == "__main__":
    main()
