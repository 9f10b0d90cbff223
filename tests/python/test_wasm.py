"""pith compile: modules for every model kind, differential against pith's native prediction and
scikit-learn on its bundled datasets and random data, in three runtimes (wasmtime, Node, wabt's
wasm-interp) and in headless Chromium; rows exactly on decision boundaries; the exp
implementation's error; bad inputs.

Stated bounds (docs/wasm-abi.md), against pith's native prediction: labels equal; scaler outputs
and K-Means distances within 4 units in the last place (of max(|value|, 1)); scores and
regression values within 2 (m + 1) eps (sum |w_i z_i| + |b|), m terms (the native dot product
sums in SIMD order); probabilities within twice that plus 4 ulps. Against scikit-learn (BLAS
sums in yet another order): within 1e-12 relative in float64, labels equal.
"""

import json
import math
import shutil
import subprocess
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from sklearn import datasets
from sklearn.cluster import KMeans as SkKMeans
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import pith
from pith import _core
from pith.cluster import KMeans

sys.path.insert(0, str(Path(__file__).parent))
from wasm_runtimes import (  # noqa: E402
    NODE,
    ROOT,
    WASM_INTERP,
    WASM_VALIDATE,
    Wasmtime,
    compile_dict,
    metadata,
    model_dict,
    native,
    run_interp,
    run_node,
)

needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")
needs_wabt = pytest.mark.skipif(
    WASM_INTERP is None or WASM_VALIDATE is None, reason="wabt is not installed"
)
CLI = shutil.which("pith")


def ulps_close(got, want, dtype, ulps=4):
    """|got - want| <= ulps * eps * max(|want|, 1), elementwise."""
    eps = np.finfo(dtype).eps
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64)
    bound = ulps * eps * np.maximum(np.abs(want), 1.0)
    with np.errstate(invalid="ignore"):  # inf - inf: equal infinities are fine, NaN is not
        bad = (got != want) & ~(np.abs(got - want) <= bound)
    assert not bad.any(), f"{bad.sum()} values differ: got {got[bad][:5]}, want {want[bad][:5]}"


def score_scale(d, X):
    """Per row and score of a model ending in a linear step: sum_i |w_i z_i| + |b| (z: the
    row after the pipeline's other steps), the size that rounding errors of the dot product
    scale with, and the number of terms; None for other models."""
    steps = d["steps"] if d["kind"] == "pipeline" else [d]
    last = steps[-1]
    if last["kind"] not in ("linear_regression", "logistic_regression"):
        return None
    Z = X
    if len(steps) > 1:
        prefix = {"kind": "pipeline", "steps": steps[:-1]} if len(steps) > 2 else dict(steps[0])
        prefix.update(n_features=d["n_features"], dtype=d["dtype"])
        Z = native(prefix, "transform", X)
    magnitude = dict(last, coef=np.abs(last["coef"]), intercept=np.abs(last["intercept"]))
    magnitude.update(n_features=Z.shape[1], dtype=d["dtype"])
    output = "predict" if last["kind"] == "linear_regression" else "decision_function"
    scale = native(magnitude, output, np.abs(Z).astype(X.dtype)).astype(np.float64)
    return scale, Z.shape[1]


def check_values(output, got, want, d, X, dtype):
    """The bounds of docs/wasm-abi.md for real outputs against pith's native prediction."""
    got, want = np.asarray(got, np.float64), np.asarray(want, np.float64).reshape(got.shape)
    eps_t = np.finfo(dtype).eps
    scaled = score_scale(d, X)
    if scaled is None:  # K-Means distances, scalers: a few ulps
        return ulps_close(got, want, dtype)
    scale, m = scaled
    # Native sums the dot product in another order (SIMD): each side within (m+1) eps * scale.
    score_error = 2 * (m + 1) * np.finfo(np.float64).eps * scale
    if d["kind"] == "pipeline" and any(s["kind"] == "kmeans" for s in d["steps"][:-1]):
        score_error += 4 * eps_t * scale  # the distances' few ulps carry through the last step
    if output == "predict_proba":
        # dp_k <= p_k (|dz_k| + max |dz|) <= 2 max |dz|, plus exp's and the division's ulps.
        bound = 2 * score_error.max(axis=1, keepdims=True) + 4 * eps_t
    else:
        bound = score_error + eps_t * np.abs(want)  # + one float32 rounding of the result
    with np.errstate(invalid="ignore"):
        bad = (got != want) & ~(np.abs(got - want) <= bound)
    assert not bad.any(), f"{output}: {bad.sum()} values differ, e.g. {got[bad][:3]} vs {want[bad][:3]}"


# ---- the differential cases: (dataset, estimator) ----------------------------------------------


def _load(name):
    if name == "random":
        rng = np.random.default_rng(0)
        X = rng.normal(scale=3.0, size=(300, 6))
        y = (X[:, 0] + X[:, 1] ** 2 > 4).astype(int) + (X[:, 2] > 1)
        return X, np.array(["low", "mid", "high"])[y]
    loader = getattr(datasets, f"load_{name}")
    return loader(return_X_y=True)


def _cases():
    classifier = partial(LogisticRegression, max_iter=5000)
    yield "iris", lambda: make_pipeline(StandardScaler(), classifier())
    yield "iris", lambda: KMeans(n_clusters=3, random_state=0)
    yield "iris", lambda: MinMaxScaler()
    yield "wine", lambda: make_pipeline(StandardScaler(), classifier(C=0.5))
    yield "wine", lambda: SkKMeans(n_clusters=3, n_init=1, random_state=0)
    yield "breast_cancer", lambda: make_pipeline(StandardScaler(), classifier())
    yield "breast_cancer", lambda: StandardScaler(with_mean=False)
    yield "diabetes", lambda: LinearRegression()
    yield "diabetes", lambda: Ridge(alpha=1.0)
    yield "digits", lambda: make_pipeline(MinMaxScaler(), classifier(C=0.1))
    yield "digits", lambda: KMeans(n_clusters=10, random_state=0)
    yield "random", lambda: make_pipeline(StandardScaler(), MinMaxScaler(clip=True), SkKMeans(4, n_init=1, random_state=0))
    yield "random", lambda: classifier()  # string class labels (see _load)
    yield "iris", lambda: make_pipeline(SkKMeans(5, n_init=1, random_state=0), classifier())


CASES = list(_cases())


def _fit(name, make):
    X, y = _load(name)
    est = make()
    if isinstance(est, (StandardScaler, MinMaxScaler, KMeans, SkKMeans)) or (
        hasattr(est, "steps") and isinstance(est.steps[-1][1], (SkKMeans, KMeans))
    ):
        est.fit(X)
    else:
        est.fit(X, y)
    return est, np.ascontiguousarray(X, np.float64)


def _outputs(d):
    return _core.NativeModel(d).outputs()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", range(len(CASES)), ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_matches_native_prediction(case, dtype):
    name, make = CASES[case]
    est, X = _fit(name, make)
    d = model_dict(est, X.shape[1], dtype)
    runtime = Wasmtime(compile_dict(d))
    Xt = X.astype(dtype)
    for output in _outputs(d):
        got = runtime.run(output, Xt)
        want = native(d, output, Xt)
        if output in runtime.int_outputs:
            np.testing.assert_array_equal(got, want.reshape(got.shape), err_msg=output)
        else:
            check_values(output, got, want, d, Xt, dtype)


@pytest.mark.parametrize("case", range(len(CASES)), ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_matches_scikit_learn(case):
    name, make = CASES[case]
    est, X = _fit(name, make)
    d = model_dict(est, X.shape[1])
    wasm = compile_dict(d)
    runtime = Wasmtime(wasm)
    classes = metadata(wasm).get("classes")
    for output in _outputs(d):
        got = runtime.run(output, X)
        want = np.asarray(getattr(est, output)(X)).reshape(len(X), -1)
        if output == "predict" and output in runtime.int_outputs:
            labels = np.array(classes)[got.ravel()] if classes else got.ravel()
            np.testing.assert_array_equal(labels, want.ravel(), err_msg=output)
        else:
            scale = max(1.0, np.abs(want).max())
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12 * scale, err_msg=output)


@needs_node
@needs_wabt
@pytest.mark.parametrize("case", [0, 1, 4, 5, 7, 9, 11, 12, 13], ids=lambda c: f"{CASES[c][0]}-{c}")
def test_three_runtimes_agree(case, tmp_path):
    """wasmtime, Node (the JS loader) and wasm-interp give the very same values."""
    name, make = CASES[case]
    est, X = _fit(name, make)
    X = X[:: max(1, len(X) // 40)][:40]
    d = model_dict(est, X.shape[1])
    wasm = compile_dict(d)
    path = tmp_path / "model.wasm"
    path.write_bytes(wasm)
    done = subprocess.run([WASM_VALIDATE, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    runtime = Wasmtime(wasm)
    classes = metadata(wasm).get("classes")
    for output in _outputs(d):
        expected = runtime.run(output, X)
        values, kind = run_node(path, output, X)
        if kind == "class":
            np.testing.assert_array_equal(values.ravel(), np.array(classes)[expected.ravel()])
        else:
            np.testing.assert_array_equal(values, expected)
        rows = X[: max(1, 900 // expected.shape[1] // 1)][:20]
        np.testing.assert_array_equal(run_interp(d, output, rows), expected[: len(rows)])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_rows_on_decision_boundaries(dtype):
    """Exact ties: the first center / class wins, a zero score is the negative class, as
    scikit-learn (and pith) decide; in every runtime."""
    kmeans = {
        "kind": "kmeans",
        "cluster_centers": np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]]),
        "inertia": 0.0,
        "n_iter": 1,
        "n_features": 2,
        "dtype": dtype,
    }
    rows = np.array([[5, 0], [0, 5], [5, 5], [10, 5], [5, 10], [2.5, 2.5]], dtype)
    assert Wasmtime(compile_dict(kmeans)).run("predict", rows).ravel().tolist() == [0, 0, 0, 1, 2, 0]

    binary = {
        "kind": "logistic_regression",
        "classes": ["no", "yes"],
        "coef": np.array([[0.5, -0.5, 0.25]]),
        "intercept": np.array([-0.25]),
        "C": 1.0,
        "n_iter": 1,
        "n_features": 3,
        "dtype": dtype,
    }
    rows = np.array([[1, 0.5, 0], [0, 0, 1], [1, 1, 1], [1, 1, 1.0000001]], dtype)
    runtime = Wasmtime(compile_dict(binary))
    np.testing.assert_array_equal(runtime.run("decision_function", rows)[:3].ravel(), 0.0)
    np.testing.assert_array_equal(runtime.run("predict", rows).ravel(), [0, 0, 0, 1])
    np.testing.assert_array_equal(runtime.run("predict_proba", rows)[:3], 0.5)
    np.testing.assert_array_equal(native(binary, "predict", rows).ravel(), [0, 0, 0, 1])

    multinomial = dict(binary, classes=[3, 5, 7])
    multinomial["coef"] = np.array([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0]])
    multinomial["intercept"] = np.zeros(3)
    rows = np.array([[1, 1, 1], [0, 2, 2], [-1, -1, -3], [1, 2, 2.5]], dtype)
    runtime = Wasmtime(compile_dict(multinomial))
    np.testing.assert_array_equal(runtime.run("predict", rows).ravel(), [0, 1, 0, 2])
    np.testing.assert_array_equal(native(multinomial, "predict", rows).ravel(), [0, 1, 0, 2])
    ulps_close(runtime.run("predict_proba", rows)[0], [1 / 3] * 3, dtype)


def test_exp_error_bound():
    """The emitted exp is within 1 ulp of the C library's (itself < 1 ulp of exact), and exact
    or right at the edges: 0, overflow, underflow, subnormals, infinities, NaN."""
    kmeans = {
        "kind": "kmeans",
        "cluster_centers": np.zeros((1, 1)),
        "inertia": 0.0,
        "n_iter": 1,
        "n_features": 1,
        "dtype": "float64",
    }
    runtime = Wasmtime(_core.compile_wasm(_core.model_to_bytes(kmeans), None, export_exp=True))
    rng = np.random.default_rng(1)
    xs = np.concatenate(
        [rng.uniform(-745.2, 709.8, 4000), rng.uniform(-1, 1, 2000), rng.uniform(-40, 40, 2000)]
    )
    worst = 0.0
    for x in xs:
        got, want = runtime.call("exp", float(x)), math.exp(x)
        worst = max(worst, abs(got - want) / np.spacing(want) if want > 0 else abs(got))
    assert worst <= 1.0, worst
    assert runtime.call("exp", 0.0) == 1.0
    assert runtime.call("exp", 709.78) == math.exp(709.78)
    assert runtime.call("exp", 709.8) == math.inf and runtime.call("exp", math.inf) == math.inf
    assert runtime.call("exp", -745.2) == 0.0 and runtime.call("exp", -math.inf) == 0.0
    assert runtime.call("exp", -745.0) == math.exp(-745.0) == 5e-324
    assert runtime.call("exp", -740.0) == math.exp(-740.0)  # subnormal, rounded once
    assert math.isnan(runtime.call("exp", math.nan))


def test_to_wasm_on_a_pith_estimator(tmp_path):
    X = np.random.default_rng(3).normal(size=(200, 3))
    model = KMeans(n_clusters=4, random_state=0).fit(X)
    path = tmp_path / "kmeans.wasm"
    wasm = model.to_wasm(path)
    assert path.read_bytes() == wasm
    runtime = Wasmtime(wasm)
    np.testing.assert_array_equal(runtime.run("predict", X).ravel(), model.predict(X))
    ulps_close(runtime.run("transform", X), model.transform(X), np.float64)
    wasm32 = model.to_wasm(dtype="float32", outputs=["predict"])
    assert Wasmtime(wasm32).dtype == np.float32
    assert "transform" not in Wasmtime(wasm32).exports


def test_sizes_and_no_imports():
    X, y = datasets.load_breast_cancer(return_X_y=True)
    lr = LogisticRegression(max_iter=5000).fit(X[:, :3], y)
    wasm = compile_dict(model_dict(lr, 3))
    assert len(wasm) < 1024  # the target for a 3-coefficient logistic regression
    import wasmtime

    module = wasmtime.Module(wasmtime.Engine(), wasm)
    assert module.imports == []
    assert [e.name for e in module.exports][0] == "memory"


@pytest.mark.skipif(CLI is None, reason="the pith CLI is not on PATH")
def test_cli_compile_and_dumps(tmp_path):
    X = np.random.default_rng(4).normal(size=(100, 2))
    model = KMeans(n_clusters=3, random_state=0).fit(X)
    model.save(tmp_path / "m.pith")
    done = subprocess.run([CLI, "compile", tmp_path / "m.pith", "-o", tmp_path / "m.wasm"])
    assert done.returncode == 0
    assert (tmp_path / "m.wasm").read_bytes() == model.to_wasm()
    ir = subprocess.run(
        [CLI, "compile", tmp_path / "m.pith", "--dump", "ir"], capture_output=True, text=True
    )
    assert "squared_distances" in ir.stdout and "argmin" in ir.stdout
    wat = subprocess.run(
        [CLI, "compile", tmp_path / "m.pith", "--dump", "wat", "--float32"],
        capture_output=True,
        text=True,
    )
    assert wat.stdout.startswith("(module") and "f32.load" in wat.stdout


# ---- bad inputs ---------------------------------------------------------------------------------


def test_corrupt_and_unsupported_models(tmp_path):
    good = KMeans(n_clusters=2, random_state=0).fit(np.eye(4)).to_bytes()
    with pytest.raises(pith.ModelFormatError):
        _core.compile_wasm(good[:-7], None)
    with pytest.raises(pith.ModelFormatError):
        _core.compile_wasm(b"not a model at all", None)
    with pytest.raises(ValueError, match="has no output 'predict_proba'"):
        _core.compile_wasm(good, None, ["predict_proba"])
    if CLI is not None:
        bad = tmp_path / "bad.pith"
        bad.write_bytes(good[:20])
        done = subprocess.run(
            [CLI, "compile", bad, "-o", tmp_path / "x.wasm"], capture_output=True, text=True
        )
        assert done.returncode == 1
        assert "bad.pith" in done.stderr and "error" in done.stderr
        assert not (tmp_path / "x.wasm").exists()
        (tmp_path / "ok.pith").write_bytes(good)
        done = subprocess.run(
            [CLI, "compile", tmp_path / "ok.pith", "-o", tmp_path / "x.wasm", "--wasi"],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 1 and "not implemented" in done.stderr


@needs_node
def test_loader_errors(tmp_path):
    d = model_dict(LinearRegression().fit(np.eye(3), [1.0, 2.0, 3.0]), 3)
    path = tmp_path / "lr.wasm"
    path.write_bytes(compile_dict(d))
    with pytest.raises(RuntimeError, match="row 1 has 2 values; the model expects 3 features"):
        run_node(path, "predict", [[1, 2, 3], [1, 2]])
    with pytest.raises(RuntimeError, match="no output 'predict_proba'; it has: predict"):
        run_node(path, "predict_proba", [[1, 2, 3]])
    (tmp_path / "junk.wasm").write_bytes(b"\x00asm junk")
    with pytest.raises(RuntimeError, match="not a WebAssembly module"):
        run_node(tmp_path / "junk.wasm", "predict", [[1, 2, 3]])
    # A valid module that is not a pith model.
    empty = bytes([0, 0x61, 0x73, 0x6D, 1, 0, 0, 0])
    (tmp_path / "empty.wasm").write_bytes(empty)
    with pytest.raises(RuntimeError, match="not a pith model"):
        run_node(tmp_path / "empty.wasm", "predict", [[1, 2, 3]])
    done = subprocess.run(
        [NODE, "--input-type=module", "-e",
         f"import {{ loadModel }} from '{(ROOT / 'js' / 'pith.mjs').as_uri()}';"
         f"const m = await loadModel('{path}');"
         "try { m.predict([[1, NaN, 3]]); } catch (e) { console.log(e.name + ': ' + e.message); }"
         "try { m.predict(new Float64Array(4)); } catch (e) { console.log(e.message); }"],
        capture_output=True, text=True, timeout=60,
    )
    assert "PithError: row 0, column 1 is NaN" in done.stdout, done.stdout + done.stderr
    assert "X has 4 values, not a multiple of the 3 features" in done.stdout


# ---- the example page in headless Chromium ------------------------------------------------------


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (scripts/dev.sh setup)")
def test_example_page_in_headless_chromium(tmp_path):
    X, y = datasets.load_iris(return_X_y=True)
    est = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    site = tmp_path / "site"
    (site / "examples" / "web").mkdir(parents=True)
    (site / "js").mkdir()
    shutil.copy(ROOT / "js" / "pith.mjs", site / "js")
    shutil.copy(ROOT / "examples" / "web" / "index.html", site / "examples" / "web")
    (site / "examples" / "web" / "model.wasm").write_bytes(compile_dict(model_dict(est, 4)))
    rows = X[::15]
    handler = partial(SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = (
            f"http://127.0.0.1:{server.server_address[1]}/examples/web/index.html"
            f"?output=predict&rows={json.dumps(rows.tolist()).replace(' ', '')}"
        )
        done = subprocess.run(
            [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
             "--virtual-time-budget=10000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120,
        )
    finally:
        server.shutdown()
    dom = done.stdout
    assert 'data-ready="1"' in dom, dom[-2000:] + done.stderr[-2000:]
    result = dom.split('<pre id="result"', 1)[1].split(">", 1)[1].split("</pre>", 1)[0]
    assert json.loads(result) == est.predict(rows).tolist()
    assert "kind: pipeline" in dom and "features: 4" in dom


# ---- random shapes: every size path (unrolled or looped, one feature, one cluster) -------------


def _random_model(rng, dtype):
    d = int(rng.choice([1, 2, 3, 7, 33, 80]))
    kind = rng.choice(["kmeans", "linear", "logistic", "pipeline"])
    if kind == "kmeans":
        k = int(rng.choice([1, 2, 5, 40]))
        step = {"kind": "kmeans", "cluster_centers": rng.normal(size=(k, d)), "inertia": 0.0,
                "n_iter": 1}
    elif kind == "linear":
        t = int(rng.choice([1, 3]))
        step = {"kind": "linear_regression", "coef": rng.normal(size=(t, d)),
                "intercept": rng.normal(size=t), "alpha": 0.0, "rank": -1}
    else:
        k = int(rng.choice([2, 3, 12]))
        rows = 1 if k == 2 else k
        step = {"kind": "logistic_regression", "classes": list(range(k)),
                "coef": rng.normal(size=(rows, d)) * 3, "intercept": rng.normal(size=rows),
                "C": 1.0, "n_iter": 1}
    if kind == "pipeline":
        scaler = {"kind": "min_max_scaler", "scale": rng.uniform(0.1, 2, d), "min": rng.normal(size=d),
                  "range_min": -1.0, "range_max": 1.0, "clip": bool(rng.integers(2))}
        standard = {"kind": "standard_scaler", "mean": rng.normal(size=d),
                    "scale": rng.uniform(0.5, 3, d), "with_mean": True, "with_std": True}
        steps = [dict(standard, name="s"), dict(scaler, name="m"), dict(step, name="last")]
        return {"kind": "pipeline", "steps": steps, "n_features": d, "dtype": dtype}
    return dict(step, n_features=d, dtype=dtype)


@pytest.mark.parametrize("seed", range(12))
def test_random_shapes_match_native(seed):
    rng = np.random.default_rng(seed)
    for dtype in ("float64", "float32"):
        d = _random_model(rng, dtype)
        X = rng.normal(scale=2.0, size=(50, d["n_features"])).astype(dtype)
        runtime = Wasmtime(compile_dict(d))
        for output in _outputs(d):
            got, want = runtime.run(output, X), native(d, output, X)
            if output in runtime.int_outputs:
                np.testing.assert_array_equal(got, want.reshape(got.shape), err_msg=output)
            else:
                check_values(output, got, want, d, X, dtype)


def test_to_wasm_on_pith_linear_models_and_pipelines():
    """WasmMixin.to_wasm works on every pith estimator that has to_bytes (the linear models,
    scalers and pipelines get the mixin from their own modules)."""
    from pith._wasm import WasmMixin
    from pith.linear_model import LinearRegression as PithLinear
    from pith.linear_model import LogisticRegression as PithLogistic
    from pith.pipeline import make_pipeline as pith_pipeline
    from pith.preprocessing import StandardScaler as PithScaler

    X, y = datasets.load_wine(return_X_y=True)
    for est, output in [
        (pith_pipeline(PithScaler(), PithLogistic(max_iter=1000)).fit(X, y), "predict_proba"),
        (PithLinear().fit(X, y.astype(float)), "predict"),
        (PithScaler().fit(X), "transform"),
    ]:
        wasm = WasmMixin.to_wasm(est)
        got = Wasmtime(wasm).run(output, X)
        want = np.asarray(getattr(est, output)(X)).reshape(got.shape)
        d = _core.model_from_bytes(est.to_bytes())
        check_values(output, got, want, d, X, np.float64)


GOLDEN = ROOT / "tests" / "data" / "golden"


@pytest.mark.skipif(CLI is None, reason="the pith CLI is not on PATH")
@pytest.mark.parametrize("name", sorted(p.name for p in GOLDEN.glob("*.pith")))
def test_golden_files_compile(name, tmp_path):
    """Every model file the format tests keep (each kind, old and future versions) compiles with
    the CLI and predicts as pith does; another major version is a clear error."""
    out = tmp_path / "model.wasm"
    done = subprocess.run([CLI, "compile", GOLDEN / name, "-o", out], capture_output=True, text=True)
    if "v2_0" in name:
        assert done.returncode == 1 and "format 2.0" in done.stderr and not out.exists()
        return
    assert done.returncode == 0, done.stderr
    if "future" in name:
        assert "warning" in done.stderr
    d = _core.load_model(str(GOLDEN / name))
    dtype = d["dtype"]
    X = np.random.default_rng(5).normal(scale=3, size=(64, d["n_features"])).astype(dtype)
    runtime = Wasmtime(out.read_bytes())
    for output in _outputs(d):
        got, want = runtime.run(output, X), native(d, output, X)
        if output in runtime.int_outputs:
            np.testing.assert_array_equal(got, want.reshape(got.shape), err_msg=output)
        else:
            check_values(output, got, want, d, X, dtype)
