"""Writes the XGBoost models tests/cpp/trees/test_xgboost_import.cc checks against XGBoost's own
margins (run once with XGBoost 3.2.0; the files are kept, never regenerated):

    python tests/data/xgboost/make_models.py tests/data/xgboost

For each model NAME: NAME.json and NAME.ubj (save_raw), and NAME.expected.json with rows X and
XGBoost's predict(output_margin=True), both as float32 bit patterns (uint32) so that the test
compares bits, NaN included.
"""

import json
import sys
from pathlib import Path

import numpy as np
import xgboost as xgb


def rows(rng, n, n_categories):
    X = rng.normal(size=(n, 4)).astype(np.float32)
    X[:, 0] = rng.integers(0, n_categories, n)
    X[rng.random(X.shape) < 0.15] = np.nan
    return X


def test_rows(booster, rng):
    X = rows(rng, 150, 14)  # categories 10 .. 13 were never seen
    X[:6, 0] = [-1.0, -0.5, 2.5, 2**24, 1e30, 9.0]
    model = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]
    model = model["gbtree"]["model"] if model["name"] == "dart" else model["model"]
    extra = []
    for tree in model["trees"]:
        for left, f, c, kind in zip(tree["left_children"], tree["split_indices"],
                                    tree["split_conditions"], tree["split_type"]):
            if left != -1 and kind == 0:
                for v in (np.float32(c), np.nextafter(np.float32(c), np.float32(-np.inf))):
                    row = X[len(extra) % len(X)].copy()
                    row[f] = v
                    extra.append(row)
    return np.vstack([X, np.array(extra, dtype=np.float32)])


def write(out, name, booster, X):
    types = ["c", "q", "q", "q"]
    margins = booster.predict(
        xgb.DMatrix(X, feature_types=types, enable_categorical=True), output_margin=True
    ).astype(np.float32)
    (out / f"{name}.json").write_bytes(bytes(booster.save_raw("json")))
    (out / f"{name}.ubj").write_bytes(bytes(booster.save_raw("ubj")))
    expected = {
        "xgboost": xgb.__version__,
        "rows": len(X),
        "X": X.view(np.uint32).ravel().tolist(),
        "margins": margins.view(np.uint32).ravel().tolist(),
    }
    (out / f"{name}.expected.json").write_text(json.dumps(expected) + "\n")


def main(out):
    out = Path(out)
    rng = np.random.default_rng(42)
    X = rows(rng, 800, 10)
    label = ((np.nan_to_num(X[:, 0]) % 3) + (np.nan_to_num(X[:, 1]) > 0)) % 3
    types = ["c", "q", "q", "q"]
    train = xgb.DMatrix(X, label, feature_types=types, enable_categorical=True)
    multi = xgb.train({"objective": "multi:softprob", "num_class": 3, "max_depth": 3,
                       "tree_method": "hist", "max_cat_to_onehot": 1}, train, num_boost_round=4)
    write(out, "multiclass_categorical", multi, test_rows(multi, rng))
    train = xgb.DMatrix(X, np.nan_to_num(X[:, 1]) * 3 + (X[:, 0] == 4), feature_types=types,
                        enable_categorical=True)
    dart = xgb.train({"booster": "dart", "rate_drop": 0.4, "max_depth": 3, "tree_method": "hist",
                      "base_score": 0.25, "seed": 3}, train, num_boost_round=8)
    write(out, "dart_regression", dart, test_rows(dart, rng))


if __name__ == "__main__":
    main(sys.argv[1])
