"""Bad input to the Python API: the exception type and message for each, as a table.

Also: inputs that are merely inconvenient (Fortran order, strided views, ints, lists, DataFrames,
read-only memory) are converted by the facade and give the same results as clean float64; and the
private `pith._core` refuses anything it would have to copy or convert, with TypeError.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn.exceptions import ConvergenceWarning, NotFittedError

from pith import _core
from pith.cluster import KMeans

RNG = np.random.RandomState(0)
X = RNG.rand(20, 3)
X_NAN = X.copy()
X_NAN[3, 1] = np.nan
X_INF = X.copy()
X_INF[5, 2] = np.inf

# (case, estimator params, X, sample_weight, exception, message fragment)
FIT_CASES = [
    ("n_clusters > n_samples", {"n_clusters": 21}, X, None, ValueError,
     "n_samples=20 should be >= n_clusters=21"),
    ("empty X", {}, np.empty((0, 3)), None, ValueError, "0 sample(s)"),
    ("no features", {}, np.empty((20, 0)), None, ValueError, "0 feature(s)"),
    ("NaN", {}, X_NAN, None, ValueError, "Input X contains NaN"),
    ("inf", {}, X_INF, None, ValueError, "Input X contains infinity"),
    ("1-D X", {}, X[:, 0], None, ValueError, "Expected 2D array, got 1D array"),
    ("3-D X", {}, X[:, :, None], None, ValueError, "Found array with dim 3"),
    ("strings", {}, np.array([["a", "b"]] * 20), None, ValueError, "could not convert string"),
    ("complex", {}, X + 1j, None, ValueError, "Complex data not supported"),
    ("init: too few centers", {"n_clusters": 3, "init": X[:2]}, X, None, ValueError,
     "does not match the number of clusters 3"),
    ("init: wrong n_features", {"n_clusters": 2, "init": X[:2, :2]}, X, None, ValueError,
     "does not match the number of features of the data 3"),
    ("init: NaN", {"n_clusters": 2, "init": np.full((2, 3), np.nan)}, X, None, ValueError,
     "Input init contains NaN"),
    ("init: callable returns a bad shape", {"n_clusters": 2, "init": lambda X, k, random_state: X[:1]},
     X, None, ValueError, "does not match the number of clusters 2"),
    ("negative sample weight", {}, X, -np.ones(20), ValueError, "Negative values in data passed to"),
    ("all-zero sample weights", {}, X, np.zeros(20), ValueError, "at least one non-zero"),
    ("sample_weight of the wrong length", {}, X, np.ones(5), ValueError,
     "sample_weight.shape == (5,), expected (20,)"),
    ("n_clusters=0", {"n_clusters": 0}, X, None, ValueError, "'n_clusters' parameter"),
    ("n_init=0", {"n_init": 0}, X, None, ValueError, "'n_init' parameter"),
    ("n_init='many'", {"n_init": "many"}, X, None, ValueError, "'n_init' parameter"),
    ("max_iter=0", {"max_iter": 0}, X, None, ValueError, "'max_iter' parameter"),
    ("tol < 0", {"tol": -1e-4}, X, None, ValueError, "'tol' parameter"),
    ("bad init string", {"init": "kmeans++"}, X, None, ValueError, "'init' parameter"),
    ("bad algorithm", {"algorithm": "full"}, X, None, ValueError, "'algorithm' parameter"),
    ("n_threads=0", {"n_threads": 0}, X, None, ValueError, "'n_threads' parameter"),
    ("n_threads=-1", {"n_threads": -1}, X, None, ValueError, "'n_threads' parameter"),
    ("n_threads='all'", {"n_threads": "all"}, X, None, ValueError, "'n_threads' parameter"),
]


@pytest.mark.parametrize(
    "params, X, sample_weight, exception, message",
    [case[1:] for case in FIT_CASES],
    ids=[case[0] for case in FIT_CASES],
)
def test_bad_fit_input(params, X, sample_weight, exception, message):
    with pytest.raises(exception) as info:
        KMeans(**{"n_clusters": 2, **params}).fit(X, sample_weight=sample_weight)
    assert message in str(info.value)


@pytest.fixture(scope="module")
def fitted():
    return KMeans(n_clusters=2, random_state=0).fit(X)


# (case, method, X, exception, message fragment)
PREDICT_CASES = [
    ("predict: wrong feature count", "predict", X[:, :2], ValueError,
     "X has 2 features, but KMeans is expecting 3 features as input"),
    ("transform: wrong feature count", "transform", X[:, :2], ValueError, "X has 2 features"),
    ("score: wrong feature count", "score", X[:, :2], ValueError, "X has 2 features"),
    ("predict: NaN", "predict", X_NAN, ValueError, "Input X contains NaN"),
    ("predict: 1-D X", "predict", X[0], ValueError, "Expected 2D array, got 1D array"),
    ("predict: empty X", "predict", np.empty((0, 3)), ValueError, "0 sample(s)"),
]


@pytest.mark.parametrize(
    "method, X, exception, message",
    [case[1:] for case in PREDICT_CASES],
    ids=[case[0] for case in PREDICT_CASES],
)
def test_bad_predict_input(fitted, method, X, exception, message):
    with pytest.raises(exception) as info:
        getattr(fitted, method)(X)
    assert message in str(info.value)


@pytest.mark.parametrize("method", ["predict", "transform", "score", "save", "to_bytes"])
def test_unfitted(method, tmp_path):
    args = (tmp_path / "m.pith",) if method == "save" else () if method == "to_bytes" else (X,)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        getattr(KMeans(), method)(*args)


def test_explicit_init_with_n_init_warns_like_sklearn():
    with pytest.warns(RuntimeWarning, match="performing only one init in KMeans instead of n_init=3"):
        KMeans(n_clusters=2, init=X[:2], n_init=3).fit(X)


def test_explicit_init_with_auto_n_init_runs_once_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        KMeans(n_clusters=2, init=X[:2]).fit(X)


def test_fewer_distinct_points_than_clusters_warns():
    duplicated = np.repeat(X[:2], 5, axis=0)
    with pytest.warns(ConvergenceWarning, match=r"Number of distinct clusters \(2\) found smaller"):
        KMeans(n_clusters=3, random_state=0).fit(duplicated)


# Awkward but valid inputs: converted by the facade, results identical to clean float64 input.
CONVERTED = {
    "Fortran order": lambda X: np.asfortranarray(X),
    "strided view": lambda X: np.repeat(X, 2, axis=1)[:, ::2],
    "negative strides": lambda X: X[::-1],
    "int64": lambda X: (X * 1000).astype(np.int64),
    "big-endian": lambda X: X.astype(">f8"),
    "list of lists": lambda X: X.tolist(),
    "DataFrame": lambda X: pd.DataFrame(X),
    "read-only": lambda X: np.frombuffer(X.tobytes()).reshape(X.shape),
}


@pytest.mark.parametrize("convert", CONVERTED.values(), ids=CONVERTED.keys())
def test_converted_inputs_give_identical_results(convert):
    clean = np.ascontiguousarray(np.asarray(convert(X), dtype=np.float64))
    expected = KMeans(n_clusters=3, random_state=0).fit(clean)
    model = KMeans(n_clusters=3, random_state=0).fit(convert(X))
    assert model.cluster_centers_.dtype == np.float64
    assert_array_equal(model.cluster_centers_, expected.cluster_centers_)
    assert_array_equal(model.labels_, expected.labels_)
    assert_array_equal(model.predict(convert(X)), expected.predict(clean))
    assert_array_equal(model.transform(convert(X)), expected.transform(clean))


def test_float32_fortran_stays_float32():
    X32 = np.asfortranarray(X.astype(np.float32))
    model = KMeans(n_clusters=3, random_state=0).fit(X32)
    expected = KMeans(n_clusters=3, random_state=0).fit(np.ascontiguousarray(X32))
    assert model.cluster_centers_.dtype == np.float32
    assert_array_equal(model.cluster_centers_, expected.cluster_centers_)
    assert model.transform(X32).dtype == np.float32


# Direct calls to the private core: anything not exactly C-contiguous float32/float64 is refused.
CENTERS = np.ascontiguousarray(X[:2])
CORE_TYPE_ERRORS = {
    "int64 X": lambda: _core.kmeans_predict(CENTERS, X.astype(np.int64), 0),
    "float16 X": lambda: _core.kmeans_predict(CENTERS, X.astype(np.float16), 0),
    "Fortran X": lambda: _core.kmeans_transform(CENTERS, np.asfortranarray(X), 0),
    "strided X": lambda: _core.kmeans_predict(CENTERS, X[::2], 0),
    "1-D X": lambda: _core.kmeans_predict(CENTERS, X[0], 0),
    "list X": lambda: _core.kmeans_predict(CENTERS, X.tolist(), 0),
    "float32 centers": lambda: _core.kmeans_predict(CENTERS.astype(np.float32), X, 0),
    "float32 weights with float64 X": lambda: _core.kmeans_inertia(
        CENTERS, X, np.ones(20, dtype=np.float32), 0),
    "strided weights": lambda: _core.kmeans_inertia(CENTERS, X, np.ones(40)[::2], 0),
    "fit: Fortran X": lambda: _core.kmeans_fit(
        np.asfortranarray(X), None, None, 2, "random", 1, 10, 1e-4, 0, 0, None),
    "fit: float32 initial centers": lambda: _core.kmeans_fit(
        X, None, CENTERS.astype(np.float32), 2, "explicit", 1, 10, 1e-4, 0, 0, None),
}


@pytest.mark.parametrize("call", CORE_TYPE_ERRORS.values(), ids=CORE_TYPE_ERRORS.keys())
def test_core_refuses_arrays_it_would_have_to_copy(call):
    with pytest.raises(TypeError):
        call()


CORE_VALUE_ERRORS = {
    "centers of the wrong width": (
        lambda: _core.kmeans_predict(CENTERS[:, :2].copy(), X, 0), "centers have shape (2, 2)"),
    "weights of the wrong length": (
        lambda: _core.kmeans_inertia(CENTERS, X, np.ones(3), 0), "sample_weight has 3 values"),
    "initial centers of the wrong shape": (
        lambda: _core.kmeans_fit(X, None, CENTERS, 3, "explicit", 1, 10, 1e-4, 0, 0, None),
        "init_centers have shape (2, 3), expected (3, 3)"),
    "unknown init": (
        lambda: _core.kmeans_fit(X, None, None, 2, "kmeans||", 1, 10, 1e-4, 0, 0, None),
        "init must be"),
    "NaN in X": (
        lambda: _core.kmeans_fit(X_NAN, None, None, 2, "random", 1, 10, 1e-4, 0, 0, None),
        "non-finite value"),
    "max_iter=0": (
        lambda: _core.kmeans_fit(X, None, None, 2, "random", 1, 0, 1e-4, 0, 0, None), "max_iter"),
}


@pytest.mark.parametrize("call, message", CORE_VALUE_ERRORS.values(), ids=CORE_VALUE_ERRORS.keys())
def test_core_translates_errors_to_value_error(call, message):
    with pytest.raises(ValueError) as info:
        call()
    assert message in str(info.value)
