"""Tree ensembles end to end: train XGBoost, LightGBM and scikit-learn models (with missing
values), take them over with pith (same predictions), convert the XGBoost file with the CLI alone,
predict a CSV with an empty cell, serve one model, compile it to WebAssembly and run it.

    python examples/trees_end_to_end.py [--out-dir DIR]
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import lightgbm as lgb
import numpy as np
import xgboost as xgb
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import HistGradientBoostingClassifier

import pith

ROOT = Path(__file__).resolve().parents[1]


def find_cli():
    """The `pith` executable installed next to this Python (pip install .) or on PATH."""
    here = Path(sys.executable).parent / "pith"
    found = str(here) if os.access(here, os.X_OK) else shutil.which("pith")
    if not found:
        sys.exit("error: the `pith` command-line tool is not installed (run scripts/dev.sh setup)")
    return found


PITH = find_cli()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=None)
    args = parser.parse_args()
    out = args.out_dir or Path(tempfile.mkdtemp(prefix="pith-trees-"))
    out.mkdir(parents=True, exist_ok=True)

    X, y = load_breast_cancer(return_X_y=True)
    X = X.copy()
    X[::5, 0] = np.nan  # missing values: each library routes them its own way; pith follows

    # 1. Three libraries, one kind of pith model, the same predictions.
    sources = {
        "xgboost": xgb.XGBClassifier(n_estimators=50, max_depth=4).fit(X, y),
        "lightgbm": lgb.LGBMClassifier(n_estimators=50, num_leaves=15, verbose=-1).fit(X, y),
        "sklearn": HistGradientBoostingClassifier(max_iter=50).fit(X, y),
    }
    convert = {"xgboost": pith.from_xgboost, "lightgbm": pith.from_lightgbm,
               "sklearn": pith.from_sklearn}
    for name, source in sources.items():
        model = convert[name](source)
        gap = np.abs(model.predict_proba(X) - source.predict_proba(X)).max()
        print(f"{name:8s}: {model.n_trees_} trees, labels equal: "
              f"{np.array_equal(model.predict(X), source.predict(X))}, max |proba diff| {gap:.1e}")
        assert np.array_equal(model.predict(X), source.predict(X)) and gap < 1e-6
        model.save(out / f"{name}.pith")

    # 2. No Python needed for the conversion: XGBoost's own file -> .pith with the CLI.
    sources["xgboost"].get_booster().save_model(out / "xgboost.json")
    subprocess.run([PITH, "convert", str(out / "xgboost.json"), "-o", str(out / "cli.pith")],
                   check=True)
    rows = X[np.r_[np.flatnonzero(y == 0)[:2], np.flatnonzero(y == 1)[:1]]].copy()
    rows[1, 2] = np.nan
    csv = "\n".join(",".join("" if np.isnan(v) else repr(float(v)) for v in row) for row in rows)
    (out / "rows.csv").write_text(csv + "\n")
    labels = subprocess.run([PITH, "predict", str(out / "cli.pith"), str(out / "rows.csv")],
                            check=True, capture_output=True, text=True).stdout.split()
    print("pith predict (an empty cell is a missing value):", labels)
    assert [int(v) for v in labels] == sources["xgboost"].predict(rows).tolist()

    # 3. Serve it: REST, with null for the missing value.
    server = subprocess.Popen(
        [PITH, "serve", "--model", f"cancer={out / 'cli.pith'}", "--host", "127.0.0.1",
         "--grpc-port", "0", "--http-port", "0"], stderr=subprocess.PIPE, text=True)
    try:
        for line in server.stderr:
            entry = json.loads(line)
            if entry["msg"] == "serving":
                break
        data = [[None if np.isnan(v) else v for v in row] for row in rows.tolist()]
        body = {"inputs": [{"name": "input", "shape": list(rows.shape), "datatype": "FP64",
                            "data": data}], "outputs": [{"name": "predict_proba"}]}
        request = urllib.request.Request(
            f"http://127.0.0.1:{entry['http_port']}/v2/models/cancer/infer",
            data=json.dumps(body).encode(), method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            proba = np.reshape(json.load(response)["outputs"][0]["data"], (3, 2))
        print("pith serve predict_proba:", proba[:, 1].round(4).tolist())
        assert np.allclose(proba, sources["xgboost"].predict_proba(rows), rtol=1e-6)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)

    # 4. Compile it: a standalone WebAssembly module, run in Node with pith's JS loader (JSON
    #    null is a missing value there too).
    wasm = out / "cancer.wasm"
    subprocess.run([PITH, "compile", str(out / "cli.pith"), "-o", str(wasm)], check=True)
    print(f"cancer.wasm: {wasm.stat().st_size:,} bytes, no imports")
    node = shutil.which("node")
    if node:
        done = subprocess.run([node, str(ROOT / "js" / "cli.mjs"), str(wasm), "predict"],
                              input=json.dumps(data), capture_output=True, text=True, check=True)
        wasm_labels = json.loads(done.stdout)["values"]
        print("Node + cancer.wasm labels:", wasm_labels)
        assert wasm_labels == sources["xgboost"].predict(rows).tolist()
    print("files in", out)


if __name__ == "__main__":
    main()
