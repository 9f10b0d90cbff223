"""pith compile on tree ensembles: modules from scikit-learn's trees and forests (pith.from_sklearn)
and from hand-built model dicts with every split semantics of the XGBoost and LightGBM importers
(< and <=, float32 or float64 features and sums, NaN defaults both ways, categorical sets both
directions, truncation of negative categories, zero-is-missing) and every transform, run in
wasmtime and Node on random rows, rows exactly on (and next to) thresholds, NaN and near-zero rows,
in float64 and float32, against pith's native prediction.

Both code shapes are checked: node tables walked by a loop, and nested if/else per tree.
Raw scores, averages, identity outputs and classes are compared bit for bit (the module does the
same operations in the same order); outputs through exp (sigmoid, softmax, exp) within 4 ulps:
the module's exp is fdlibm's, the native one the C library's (docs/wasm-abi.md).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn import datasets
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import pith
from pith import _core
from pith._convert_trees import ensemble_dict

sys.path.insert(0, str(Path(__file__).parent))
from wasm_runtimes import NODE, Wasmtime, compile_dict, metadata, native, run_node  # noqa: E402

needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")

DEFAULT_LEFT, CATEGORICAL, ZERO_IS_MISSING, GO_LEFT, TRUNCATE = 1, 2, 4, 8, 16
THRESHOLDS = np.array([-2.5, -1.0, -0.1, 0.0, 0.1, 1 / 3, 0.5, 1.5, 2.75])


# ---- models ------------------------------------------------------------------------------------


def _sklearn(name):
    rng = np.random.default_rng(0)
    if name == "decision tree (iris)":
        X, y = datasets.load_iris(return_X_y=True)
        return DecisionTreeClassifier(max_depth=6, random_state=0).fit(X, y), X
    if name == "random forest (breast cancer)":
        X, y = datasets.load_breast_cancer(return_X_y=True)
        return RandomForestClassifier(30, max_depth=8, random_state=0).fit(X, y), X
    if name == "random forest regressor (diabetes)":
        X, y = datasets.load_diabetes(return_X_y=True)
        return RandomForestRegressor(20, max_depth=6, random_state=0).fit(X, y), X
    if name == "forest trained with NaN (3 classes)":
        X = rng.normal(size=(400, 4))
        y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
        X[rng.random(X.shape) < 0.15] = np.nan  # learns where missing values go
        return RandomForestClassifier(10, max_depth=6, random_state=0).fit(X, y), X
    if name == "pipeline: scaler + forest (wine)":
        X, y = datasets.load_wine(return_X_y=True)
        est = make_pipeline(StandardScaler(), RandomForestClassifier(10, max_depth=5, random_state=0))
        return est.fit(X, y), X
    if name == "tree regressor trained with NaN, 2 targets":
        X = rng.normal(size=(300, 3))
        y = np.c_[X[:, 0] * 2 + X[:, 1], np.sin(X[:, 2])]
        X[rng.random(X.shape) < 0.2] = np.nan
        return DecisionTreeRegressor(max_depth=7, random_state=0).fit(X, y), X
    raise KeyError(name)


SKLEARN = [
    "decision tree (iris)",
    "random forest (breast cancer)",
    "random forest regressor (diabetes)",
    "forest trained with NaN (3 classes)",
    "tree regressor trained with NaN, 2 targets",
    "pipeline: scaler + forest (wine)",
]


def _random_trees(rng, n_trees, depth, n_features, leaf_width, categorical, zero_is_missing):
    """Per-tree node arrays (ensemble_dict's input) and the category sets by global node."""
    trees, sets, offset = [], [], 0
    for _ in range(n_trees):
        t = {k: [] for k in ("left_child", "right_child", "feature", "threshold", "node_flags")}
        t["leaf_values"] = []

        def grow(d):
            i = len(t["left_child"])
            for k, v in (("left_child", -1), ("right_child", -1), ("feature", 0),
                         ("threshold", 0.0), ("node_flags", 0)):
                t[k].append(v)
            t["leaf_values"].append(np.zeros(leaf_width))
            if d == 0 or (d < depth and rng.random() < 0.2):
                t["leaf_values"][i] = rng.normal(size=leaf_width)
                return i
            t["feature"][i] = int(rng.integers(n_features))
            flags = DEFAULT_LEFT if rng.random() < 0.5 else 0
            if zero_is_missing and rng.random() < 0.3:
                flags |= ZERO_IS_MISSING
            if categorical and rng.random() < 0.4:
                flags |= CATEGORICAL | (GO_LEFT if rng.random() < 0.5 else 0)
                flags |= TRUNCATE if rng.random() < 0.5 else 0
                cats = rng.choice(40, size=int(rng.integers(1, 12)), replace=False)
                sets.append((offset + i, sorted(int(c) for c in cats)))
            else:
                t["threshold"][i] = float(rng.choice(THRESHOLDS))
            t["node_flags"][i] = flags
            t["left_child"][i] = grow(d - 1)
            t["right_child"][i] = grow(d - 1)
            return i

        grow(depth)
        t["leaf_values"] = np.array(t["leaf_values"])
        trees.append(t)
        offset += len(t["left_child"])
    return trees, sets


def hand_built(n_trees=6, depth=4, n_features=5, n_classes=0, n_outputs=1, leaf_width=1,
               transform="identity", sigmoid_alpha=1.0, categorical=False, zero_is_missing=False,
               seed=0, **semantics):
    """A random tree_ensemble model dict (XGBoost- or LightGBM-like by `semantics`)."""
    rng = np.random.default_rng(seed)
    trees, sets = _random_trees(rng, n_trees, depth, n_features, leaf_width, categorical,
                                zero_is_missing)
    d = ensemble_dict(
        trees, n_outputs=n_outputs, leaf_width=leaf_width,
        tree_output=[0 if leaf_width == n_outputs else t % n_outputs for t in range(n_trees)],
        base_score=0.1 * np.arange(1, n_outputs + 1), transform=transform,
        classes=list(range(n_classes)) if n_classes else None, sigmoid_alpha=sigmoid_alpha,
        **semantics)
    if sets:
        d["category_nodes"] = np.array([n for n, _ in sets], np.uint64)
        d["category_offsets"] = np.cumsum([0] + [len(c) for _, c in sets]).astype(np.uint64)
        d["categories"] = np.array([c for _, cs in sets for c in cs], np.uint32)
    d.update(n_features=n_features, dtype="float64", feature_names=None)
    return d


XGB = dict(comparison="<", feature_precision="float32", score_precision="float32")
LGB = dict(comparison="<=", feature_precision="float64", score_precision="float64")
HAND_BUILT = {
    "xgboost binary:logistic": dict(n_classes=2, transform="sigmoid", n_trees=20, **XGB),
    "xgboost multi:softprob": dict(n_classes=3, n_outputs=3, transform="softmax", n_trees=12,
                                   **XGB),
    "xgboost reg:squarederror": dict(transform="identity", **XGB),
    "xgboost count:poisson, < in float64": dict(
        transform="exp", comparison="<", feature_precision="float64", score_precision="float64"),
    "lightgbm binary, sigmoid 0.7, categorical, zero-is-missing": dict(
        n_classes=2, transform="sigmoid", sigmoid_alpha=0.7, categorical=True,
        zero_is_missing=True, n_trees=15, **LGB),
    "lightgbm multiclassova (per-class sigmoid)": dict(
        n_classes=3, n_outputs=3, transform="sigmoid", sigmoid_alpha=1.5, categorical=True,
        n_trees=9, **LGB),
    "lightgbm multiclass, float32 features": dict(
        n_classes=4, n_outputs=4, transform="softmax", categorical=True, zero_is_missing=True,
        n_trees=8, comparison="<=", feature_precision="float32", score_precision="float64"),
    "lightgbm regression, zero-is-missing": dict(zero_is_missing=True, **LGB),
    "xgboost regression, 3 targets": dict(n_outputs=3, n_trees=9, **XGB),
}


DATA = Path(__file__).resolve().parents[1] / "data"


def _imported(name):
    """Models of the XGBoost and LightGBM importers: files written by those libraries (kept in
    tests/data) and models trained here, with NaN and categorical splits."""
    if name == "xgboost file: multiclass, categorical, NaN":
        return _core.import_xgboost((DATA / "xgboost" / "multiclass_categorical.ubj").read_bytes())
    if name == "xgboost file: dart regression":
        return _core.import_xgboost((DATA / "xgboost" / "dart_regression.json").read_bytes())
    if name == "lightgbm file: multiclass, categorical, NaN":
        text = (DATA / "lightgbm" / "multiclass_nan_categorical.txt").read_text()
        return _core.import_lightgbm(text)
    X, y = datasets.load_breast_cancer(return_X_y=True)
    X = X.copy()
    X[::6, 1] = np.nan
    if name == "xgboost binary (breast cancer)":
        import xgboost

        return pith.from_xgboost(xgboost.XGBClassifier(n_estimators=40, max_depth=4).fit(X, y))
    import lightgbm

    model = lightgbm.LGBMClassifier(n_estimators=40, num_leaves=12, verbose=-1).fit(X, y)
    return pith.from_lightgbm(model)


IMPORTED = [
    "xgboost file: multiclass, categorical, NaN",
    "xgboost file: dart regression",
    "lightgbm file: multiclass, categorical, NaN",
    "xgboost binary (breast cancer)",
    "lightgbm binary (breast cancer)",
]


def _model(name):
    """(model dict, rows the model was fitted on or None)."""
    if name in HAND_BUILT:
        return hand_built(**HAND_BUILT[name]), None
    if name in IMPORTED:
        imported = _imported(name)
        d = imported if isinstance(imported, dict) else imported._model_dict()
        return {k: v for k, v in d.items() if k not in ("warnings", "producer")}, None
    sk, X = _sklearn(name)
    return pith.from_sklearn(sk)._model_dict(), X


def make_rows(d, X=None, n=60, seed=1):
    """Random rows (from X if given); rows with features on thresholds and next to them; NaN,
    zeros, tiny values, category numbers and negative fractions."""
    rng = np.random.default_rng(seed)
    p = d["n_features"]
    if X is None:
        R = rng.normal(scale=2.0, size=(n, p))
    else:
        R = X[rng.integers(len(X), size=n)].copy()
    t = _trees(d)  # (a pipeline's thresholds apply to scaled values: these rows are just more)
    thresholds = np.asarray(t["threshold"])[np.asarray(t["left_child"]) >= 0]
    features = np.asarray(t["feature"])[np.asarray(t["left_child"]) >= 0]
    T = R.copy()
    for row in T:
        k = rng.integers(len(thresholds), size=p)
        on = rng.random(p) < 0.7
        row[features[k][on]] = thresholds[k][on]
    F32 = T.copy()  # the float32 value next to a threshold, where float32 rounding decides
    F32[:] = np.nextafter(T.astype(np.float32), np.float32(np.inf)).astype(np.float64)
    S = rng.normal(size=(n, p))
    r = rng.random(S.shape)
    S[r < 0.25] = np.nan
    S[(r >= 0.25) & (r < 0.35)] = 1e-36
    S[(r >= 0.35) & (r < 0.4)] = -0.0
    S[(r >= 0.4) & (r < 0.6)] = rng.integers(0, 45, size=S.shape)[(r >= 0.4) & (r < 0.6)]
    S[(r >= 0.6) & (r < 0.65)] = -0.5
    return np.ascontiguousarray(np.vstack([R, T, F32, S]))


def _trees(d):
    return d["steps"][-1] if d["kind"] == "pipeline" else d


def _through_exp(d, output):
    return output != "decision_function" and _trees(d)["transform"] in ("sigmoid", "softmax", "exp")


def check_equal(d, output, got, want, dtype):
    want = want.reshape(got.shape)
    if got.dtype.kind == "i" or not _through_exp(d, output):
        bits = np.int32 if got.dtype.itemsize == 4 else np.int64
        bad = got.view(bits) != want.astype(got.dtype).view(bits)
        assert not bad.any(), f"{output}: {bad.sum()} values differ: {got[bad][:4]} vs {want[bad][:4]}"
        return
    eps = np.finfo(dtype).eps
    bound = 4 * eps * np.maximum(np.abs(want), 1.0)
    bad = np.abs(got.astype(np.float64) - want) > bound
    assert not bad.any(), f"{output}: {bad.sum()} values differ: {got[bad][:4]} vs {want[bad][:4]}"


ALL = SKLEARN + list(HAND_BUILT) + IMPORTED


# ---- tests -------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["loop", "unrolled"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", ALL)
def test_matches_native_prediction(name, dtype, code):
    """Tables and a loop, or (numeric splits only) nested if/else with immediates."""
    d, X = _model(name)
    rows = make_rows(d, X).astype(dtype)
    unroll = 0 if code == "loop" else 10**6
    runtime = Wasmtime(compile_dict(d, dtype, max_unrolled_values=unroll))
    for output in _core.NativeModel(d).outputs():
        got = runtime.run(output, rows)
        want = native(dict(d, dtype=dtype), output, rows)
        check_equal(d, output, got, want, dtype)


@needs_node
@pytest.mark.parametrize("name", ALL)
def test_node_agrees_with_wasmtime(name, tmp_path):
    """The JS loader passes NaN through for trees and gets wasmtime's values bit for bit."""
    d, X = _model(name)
    rows = make_rows(d, X, n=15)
    rows[np.isinf(rows)] = np.copysign(1e300, rows[np.isinf(rows)])  # JSON has no infinities
    wasm = compile_dict(d)
    assert metadata(wasm)["accepts_nan"] is True
    path = tmp_path / "trees.wasm"
    path.write_bytes(wasm)
    runtime = Wasmtime(wasm)
    classes = metadata(wasm).get("classes")
    json_rows = [[None if np.isnan(v) else float(v) for v in row] for row in rows]
    for output in _core.NativeModel(d).outputs():
        expected = runtime.run(output, rows)
        values, kind = run_node(path, output, json_rows)
        if kind == "class":
            np.testing.assert_array_equal(values.ravel(), np.array(classes)[expected.ravel()])
        else:
            got = np.asarray(values, np.float64)
            assert got.tobytes() == expected.astype(np.float64).tobytes(), output


def test_matches_scikit_learn():
    """Forest probabilities are scikit-learn's bit for bit (pith's import is exact), classes too."""
    for name in SKLEARN[:3]:
        sk, X = _sklearn(name)
        runtime = Wasmtime(pith.from_sklearn(sk).to_wasm())
        if hasattr(sk, "classes_"):
            np.testing.assert_array_equal(
                sk.classes_[runtime.run("predict", X).ravel()], sk.predict(X))
            np.testing.assert_array_equal(runtime.run("predict_proba", X), sk.predict_proba(X))
        else:
            np.testing.assert_array_equal(runtime.run("predict", X).ravel(), sk.predict(X))


@pytest.mark.skipif(shutil.which("pith") is None, reason="the pith CLI is not on PATH")
def test_cli_compiles_a_saved_forest(tmp_path):
    sk, X = _sklearn("random forest (breast cancer)")
    est = pith.from_sklearn(sk)
    est.save(tmp_path / "forest.pith")
    out = tmp_path / "forest.wasm"
    done = subprocess.run([shutil.which("pith"), "compile", tmp_path / "forest.pith", "-o", out],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == est.to_wasm()
    ir = subprocess.run([shutil.which("pith"), "compile", tmp_path / "forest.pith", "--dump", "ir"],
                        capture_output=True, text=True).stdout
    assert "tree_ensemble input[30] trees=30" in ir and "divide" in ir and "argmax" in ir


@pytest.mark.parametrize("name", ["xgboost binary:logistic", "xgboost multi:softprob",
                                  "lightgbm multiclassova (per-class sigmoid)"])
def test_one_output_alone(name):
    """A module with one output: the tree op writes the caller's float32 row itself."""
    d, _ = _model(name)
    rows = make_rows(d).astype(np.float32)
    for output in ("decision_function", "predict_proba", "predict"):
        runtime = Wasmtime(_core.compile_wasm(_core.model_to_bytes(d), "float32", [output]))
        want = native(dict(d, dtype="float32"), output, rows)
        check_equal(d, output, runtime.run(output, rows), want, "float32")


def test_exact_thresholds_and_defaults():
    """One split by hand: x <= 0.1 (float32 features: float32(0.1) > 0.1 goes right), NaN left."""
    tree = {"left_child": [1, -1, -1], "right_child": [2, -1, -1], "feature": [0, 0, 0],
            "threshold": [0.1, 0.0, 0.0], "node_flags": [DEFAULT_LEFT, 0, 0],
            "leaf_values": np.array([[0.0], [1.0], [2.0]])}
    rows = np.array([[0.1], [np.nextafter(0.1, 1)], [float(np.float32(0.1))], [np.nan], [-1.0]])
    for semantics, want in (
        (dict(feature_precision="float64", comparison="<="), [1, 2, 2, 1, 1]),
        (dict(feature_precision="float32", comparison="<="), [2, 2, 2, 1, 1]),
        (dict(feature_precision="float64", comparison="<"), [2, 2, 2, 1, 1]),
    ):
        d = ensemble_dict([tree], n_outputs=1, leaf_width=1, tree_output=[0], base_score=[0.0],
                          transform="identity", **semantics)
        d.update(n_features=1, dtype="float64", feature_names=None)
        got = Wasmtime(compile_dict(d)).run("predict", rows).ravel()
        np.testing.assert_array_equal(got, want, err_msg=str(semantics))
        np.testing.assert_array_equal(native(d, "predict", rows).ravel(), want)


def test_sizes(capsys):
    """Module sizes: compact node records (8 bytes a node for float32 thresholds), code that does
    not grow with the model."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5000, 20))
    y = (X[:, :5].sum(axis=1) > 0).astype(int)
    single = pith.from_sklearn(DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y))
    forest = pith.from_sklearn(RandomForestClassifier(100, max_depth=8, random_state=0).fit(X, y))
    boosted = hand_built(n_trees=1000, depth=3, n_features=20, n_classes=2, transform="sigmoid",
                         seed=3, **XGB)
    sizes = {
        "single depth-3 tree": len(single.to_wasm()),
        "100-tree depth-8 forest": len(forest.to_wasm()),
        "1,000-tree depth-3 boosted": len(compile_dict(boosted)),
    }
    nodes = {
        "single depth-3 tree": len(single._trees["left_child"]),
        "100-tree depth-8 forest": len(forest._trees["left_child"]),
        "1,000-tree depth-3 boosted": len(boosted["left_child"]),
    }
    with capsys.disabled():
        for k, v in sizes.items():
            print(f"\n  {k}: {v} bytes, {nodes[k]} nodes ({v / nodes[k]:.1f} B/node)", end="")
    assert sizes["single depth-3 tree"] < 1500
    # 8 B per record, the forest's 2 class fractions per leaf (16 B), 4 B per tree, ~2 KB code.
    assert sizes["1,000-tree depth-3 boosted"] < 8 * nodes["1,000-tree depth-3 boosted"] + 4000 + 3000
    assert sizes["100-tree depth-8 forest"] < 16 * nodes["100-tree depth-8 forest"] + 3000
    rows = make_rows(boosted, n=50)
    runtime = Wasmtime(compile_dict(boosted))
    for output in ("predict", "predict_proba", "decision_function"):
        check_equal(boosted, output, runtime.run(output, rows), native(boosted, output, rows),
                    "float64")
