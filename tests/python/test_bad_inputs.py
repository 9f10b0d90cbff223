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


# ---- The linear models and scalers.

from pith.linear_model import LinearRegression, LogisticRegression, Ridge  # noqa: E402
from pith.pipeline import make_pipeline  # noqa: E402
from pith.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402

Y_CLASS = np.arange(20) % 2
Y_REAL = RNG.rand(20)
X_ALL_NAN_COLUMN = np.c_[X, np.full(20, np.nan)]

# (case, estimator, fit arguments (X, y, sample_weight), exception, message fragment)
LINEAR_FIT_CASES = [
    ("logistic: NaN", LogisticRegression(), (X_NAN, Y_CLASS), ValueError, "Input X contains NaN"),
    ("logistic: inf", LogisticRegression(), (X_INF, Y_CLASS), ValueError,
     "Input X contains infinity"),
    ("logistic: one class", LogisticRegression(), (X, np.zeros(20)), ValueError,
     "needs samples of at least 2 classes in the data, but the data contains only one class"),
    ("logistic: one class left by sample weights", LogisticRegression(class_weight="balanced"),
     (X, Y_CLASS, Y_CLASS.astype(float)), ValueError, "whose samples all have zero sample_weight"),
    ("logistic: empty X", LogisticRegression(), (np.empty((0, 3)), []), ValueError, "0 sample(s)"),
    ("logistic: continuous y", LogisticRegression(), (X, Y_REAL), ValueError,
     "Unknown label type: continuous"),
    ("logistic: NaN in y", LogisticRegression(), (X, np.where(Y_CLASS == 0, np.nan, 1.0)),
     ValueError, "Input y contains NaN"),
    ("logistic: y of the wrong length", LogisticRegression(), (X, Y_CLASS[:5]), ValueError,
     "inconsistent numbers of samples: [20, 5]"),
    ("logistic: class_weight without the classes", LogisticRegression(class_weight={5: 1.0}),
     (X, Y_CLASS), ValueError, "are not in class_weight"),
    ("logistic: negative sample weight", LogisticRegression(), (X, Y_CLASS, -np.ones(20)),
     ValueError, "Negative values in data passed to"),
    ("logistic: all-zero sample weights", LogisticRegression(), (X, Y_CLASS, np.zeros(20)),
     ValueError, "at least one non-zero"),
    ("logistic: C=0", LogisticRegression(C=0), (X, Y_CLASS), ValueError, "'C' parameter"),
    ("logistic: L1 penalty", LogisticRegression(penalty="l1"), (X, Y_CLASS), ValueError,
     "'penalty' parameter"),
    ("logistic: elastic-net", LogisticRegression(l1_ratio=0.5), (X, Y_CLASS), ValueError,
     "'l1_ratio' parameter"),
    ("logistic: liblinear", LogisticRegression(solver="liblinear"), (X, Y_CLASS), ValueError,
     "'solver' parameter"),
    ("logistic: tol < 0", LogisticRegression(tol=-1), (X, Y_CLASS), ValueError, "'tol' parameter"),
    ("logistic: n_threads=0", LogisticRegression(n_threads=0), (X, Y_CLASS), ValueError,
     "'n_threads' parameter"),
    ("linear: NaN", LinearRegression(), (X_NAN, Y_REAL), ValueError, "Input X contains NaN"),
    ("linear: NaN in y", LinearRegression(), (X, np.where(Y_CLASS == 0, np.nan, 1.0)), ValueError,
     "Input y contains NaN"),
    ("linear: empty X", LinearRegression(), (np.empty((0, 3)), []), ValueError, "0 sample(s)"),
    ("linear: no features", LinearRegression(), (np.empty((20, 0)), Y_REAL), ValueError,
     "0 feature(s)"),
    ("linear: 1-D X", LinearRegression(), (X[:, 0], Y_REAL), ValueError, "Expected 2D array"),
    ("linear: negative sample weight", LinearRegression(), (X, Y_REAL, -np.ones(20)), ValueError,
     "Negative values in data passed to"),
    ("ridge: alpha < 0", Ridge(alpha=-1), (X, Y_REAL), ValueError, "'alpha' parameter"),
    ("ridge: per-target alphas", Ridge(alpha=[1.0, 2.0]), (X, np.c_[Y_REAL, Y_REAL]), ValueError,
     "'alpha' parameter"),
    ("standard scaler: inf", StandardScaler(), (X_INF,), ValueError, "Input X contains infinity"),
    ("standard scaler: empty X", StandardScaler(), (np.empty((0, 3)),), ValueError, "0 sample(s)"),
    ("standard scaler: a column of NaN only", StandardScaler(), (X_ALL_NAN_COLUMN,), ValueError,
     "column 3 has no non-NaN value"),
    ("standard scaler: negative sample weight", StandardScaler(), (X, None, -np.ones(20)),
     ValueError, "Negative values in data passed to"),
    ("min-max scaler: a column of NaN only", MinMaxScaler(), (X_ALL_NAN_COLUMN,), ValueError,
     "column 3 has no non-NaN value"),
    ("min-max scaler: empty range", MinMaxScaler(feature_range=(1, 1)), (X,), ValueError,
     "Minimum of desired feature range must be smaller than maximum"),
    ("min-max scaler: range of 3", MinMaxScaler(feature_range=(0, 1, 2)), (X,), ValueError,
     "feature_range must be a (min, max) pair"),
    ("min-max scaler: range as a list", MinMaxScaler(feature_range=[0, 1]), (X,), ValueError,
     "'feature_range' parameter"),
]


@pytest.mark.parametrize(
    "estimator, args, exception, message",
    [case[1:] for case in LINEAR_FIT_CASES],
    ids=[case[0] for case in LINEAR_FIT_CASES],
)
def test_bad_fit_input_linear_and_scalers(estimator, args, exception, message):
    X_fit, *rest = args
    kwargs = {} if len(rest) < 2 else {"sample_weight": rest[1]}
    with pytest.raises(exception) as info:
        estimator.fit(X_fit, *rest[:1], **kwargs)
    assert message in str(info.value)


FITTED = {
    "LogisticRegression": lambda: LogisticRegression().fit(X, Y_CLASS),
    "LinearRegression": lambda: LinearRegression().fit(X, Y_REAL),
    "Ridge": lambda: Ridge().fit(X, Y_REAL),
    "StandardScaler": lambda: StandardScaler().fit(X),
    "MinMaxScaler": lambda: MinMaxScaler().fit(X),
    "Pipeline": lambda: make_pipeline(StandardScaler(), LogisticRegression()).fit(X, Y_CLASS),
}
METHODS = ["predict", "predict_proba", "predict_log_proba", "decision_function", "transform",
           "inverse_transform"]


@pytest.mark.parametrize("name", FITTED)
def test_bad_predict_input_linear_and_scalers(name):
    model = FITTED[name]()
    methods = [m for m in METHODS if hasattr(model, m)]
    assert methods
    for method in methods:
        call = getattr(model, method)
        with pytest.raises(ValueError, match="X has 2 features, but .* is expecting 3 features"):
            call(X[:, :2])
        with pytest.raises(ValueError, match="0 sample"):
            call(np.empty((0, 3)))
        with pytest.raises(ValueError, match="Expected 2D array"):
            call(X[0])
        if name in ("StandardScaler", "MinMaxScaler"):
            assert_array_equal(np.isnan(call(X_NAN)), np.isnan(X_NAN))  # NaN passes through
        elif method != "inverse_transform":
            with pytest.raises(ValueError, match="Input X contains NaN"):
                call(X_NAN)


@pytest.mark.parametrize("cls", [LogisticRegression, LinearRegression, Ridge, StandardScaler,
                                 MinMaxScaler])
def test_unfitted_linear_and_scalers(cls, tmp_path):
    estimator = cls()
    for method in METHODS + ["save", "to_bytes"]:
        if not hasattr(estimator, method):
            continue
        args = (tmp_path / "m.pith",) if method == "save" else () if method == "to_bytes" else (X,)
        with pytest.raises(NotFittedError, match="not fitted yet"):
            getattr(estimator, method)(*args)


def test_singular_design_still_fits():
    X_singular = np.c_[X, X[:, 0] + X[:, 1]]
    model = LinearRegression().fit(X_singular, Y_REAL)
    assert model.rank_ == 3
    assert np.all(np.isfinite(model.coef_))


def test_unsavable_class_labels():
    labels = np.array([0, 2**63 + 5], dtype=np.uint64)  # beyond the file's int64 labels
    model = LogisticRegression().fit(X, labels[Y_CLASS])
    assert_array_equal(model.predict(X), labels[(model.decision_function(X) > 0).astype(int)])
    with pytest.raises(ValueError, match="a .pith file holds integer or string class labels"):
        model.to_bytes()


CORE_LINEAR_TYPE_ERRORS = {
    "linear fit: Fortran X": lambda: _core.linear_regression_fit(
        np.asfortranarray(X), Y_REAL[:, None].copy(), None, 0.0, True, 0),
    "linear fit: 1-D y": lambda: _core.linear_regression_fit(X, Y_REAL, None, 0.0, True, 0),
    "logistic fit: int64 labels": lambda: _core.logistic_regression_fit(
        X, Y_CLASS.astype(np.int64), 2, None, 1.0, True, 100, 1e-4, 0, None),
    "scaler fit: float32 weights": lambda: _core.standard_scaler_fit(
        X, np.ones(20, dtype=np.float32), True, True, 0),
    "native model: int X": lambda: _core.NativeModel(
        StandardScaler().fit(X)._model_dict()).predict("transform", X.astype(int), 0),
}


@pytest.mark.parametrize("call", CORE_LINEAR_TYPE_ERRORS.values(),
                         ids=CORE_LINEAR_TYPE_ERRORS.keys())
def test_core_linear_refuses_arrays_it_would_have_to_copy(call):
    with pytest.raises(TypeError):
        call()
