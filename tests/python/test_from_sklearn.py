"""pith.from_sklearn: fitted scikit-learn models become pith models that predict the same.

Converted models hold the same parameters, so predictions agree to rounding: labels exactly,
values to 1e-12 relative in float64 (the two differ only in the order of a dot product's sums;
observed: 1e-15), log-probabilities to 1e-15 absolute. K-Means distances are compared at 1e-9
of the data's scale, because scikit-learn computes them as sqrt(|x|^2 - 2 x.c + |c|^2), which
loses digits near a center.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import cluster, linear_model, pipeline, preprocessing
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

import pith
from pith.cluster import KMeans
from pith.linear_model import LinearRegression, LogisticRegression, Ridge
from pith.pipeline import Pipeline
from pith.preprocessing import MinMaxScaler, StandardScaler


# Some of the scikit-learn models converted here stop at max_iter; that does not matter here.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(autouse=True)
def one_blas_thread():
    # As in test_linear_model.py: scikit-learn's many small BLAS calls on 2 shared cores.
    with threadpool_limits(limits=1, user_api="blas"):
        yield


X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_CANCER, Y_CANCER = load_breast_cancer(return_X_y=True)
X_WINE, Y_WINE = load_wine(return_X_y=True)
X_DIAB, Y_DIAB = load_diabetes(return_X_y=True)
Y_MULTI = np.c_[Y_DIAB, np.log(Y_DIAB)]
NAMES = np.array(["setosa", "versicolor", "virginica"])

# (sklearn estimator, X, y, the pith class expected)
CASES = {
    "KMeans": (lambda: cluster.KMeans(n_clusters=4, n_init=1, random_state=0), X_WINE, None,
               KMeans),
    "LinearRegression": (linear_model.LinearRegression, X_DIAB, Y_DIAB, LinearRegression),
    "LinearRegression 2 targets": (linear_model.LinearRegression, X_DIAB, Y_MULTI,
                                   LinearRegression),
    "LinearRegression no intercept": (lambda: linear_model.LinearRegression(fit_intercept=False),
                                      X_DIAB, Y_DIAB, LinearRegression),
    "Ridge": (lambda: linear_model.Ridge(alpha=0.1), X_DIAB, Y_DIAB, Ridge),
    "Ridge per-target alpha": (lambda: linear_model.Ridge(alpha=[0.1, 2.0]), X_DIAB, Y_MULTI,
                               Ridge),
    "LogisticRegression binary": (lambda: linear_model.LogisticRegression(max_iter=5000),
                                  X_CANCER, Y_CANCER, LogisticRegression),
    "LogisticRegression multinomial": (lambda: linear_model.LogisticRegression(max_iter=5000),
                                       X_WINE, Y_WINE, LogisticRegression),
    "LogisticRegression string labels": (linear_model.LogisticRegression, X_IRIS, NAMES[Y_IRIS],
                                         LogisticRegression),
    "LogisticRegression liblinear binary": (
        lambda: linear_model.LogisticRegression(solver="liblinear"), X_CANCER, Y_CANCER,
        LogisticRegression),
    "LogisticRegression no intercept": (
        lambda: linear_model.LogisticRegression(fit_intercept=False, max_iter=5000), X_WINE,
        Y_WINE, LogisticRegression),
    "StandardScaler": (preprocessing.StandardScaler, X_WINE, None, StandardScaler),
    "StandardScaler no mean": (lambda: preprocessing.StandardScaler(with_mean=False), X_WINE, None,
                               StandardScaler),
    "StandardScaler no std": (lambda: preprocessing.StandardScaler(with_std=False), X_WINE, None,
                              StandardScaler),
    "MinMaxScaler": (lambda: preprocessing.MinMaxScaler((-1, 1), clip=True), X_WINE, None,
                     MinMaxScaler),
    "Pipeline scaler + logistic": (
        lambda: pipeline.make_pipeline(preprocessing.StandardScaler(),
                                       linear_model.LogisticRegression()),
        X_WINE, Y_WINE, Pipeline),
    "Pipeline scalers + ridge": (
        lambda: pipeline.make_pipeline(preprocessing.MinMaxScaler(),
                                       preprocessing.StandardScaler(), linear_model.Ridge()),
        X_DIAB, Y_DIAB, Pipeline),
    "Pipeline scaler + kmeans + logistic": (
        lambda: pipeline.make_pipeline(preprocessing.StandardScaler(),
                                       cluster.KMeans(n_clusters=5, n_init=1, random_state=0),
                                       linear_model.LogisticRegression()),
        X_IRIS, Y_IRIS, Pipeline),
}
EXACT = ["predict", "predict_proba", "predict_log_proba", "decision_function"]


def fitted_case(name, dtype=np.float64):
    make, X, y, expected_cls = CASES[name]
    X = X.astype(dtype)
    return make().fit(X, y), X, expected_cls


@pytest.mark.parametrize("name", CASES)
def test_converted_model_predicts_exactly_the_same(name, tmp_path):
    theirs, X, expected_cls = fitted_case(name)
    ours = pith.from_sklearn(theirs)
    assert type(ours) is expected_cls
    for method in EXACT + ["transform", "score"]:
        if not hasattr(theirs, method):
            continue
        assert hasattr(ours, method), method
        if method == "score":
            continue
        expected, got = getattr(theirs, method)(X), getattr(ours, method)(X)
        assert got.shape == expected.shape, method
        assert got.dtype == expected.dtype, method
        if got.dtype.kind in "iuUOb":
            assert_array_equal(got, expected, err_msg=method)
        elif method == "transform" and "KMeans" in name:
            assert_allclose(got, expected, rtol=0, atol=1e-9 * np.abs(X).max())
        elif method == "predict_log_proba":
            # log(p) for p within 1e-4 of 1 turns p's last-bit rounding (1e-16 absolute) into
            # a relative error above 1e-12; the error stays 1e-16 absolute.
            assert_allclose(got, expected, rtol=1e-12, atol=1e-15, err_msg=method)
        else:
            assert_allclose(got, expected, rtol=1e-12, atol=1e-300, err_msg=method)
    # The converted model saves, and the file predicts the same.
    ours.save(tmp_path / "model.pith")
    loaded = pith.load(tmp_path / "model.pith")
    assert type(loaded) is expected_cls
    for method in EXACT + ["transform"]:
        if hasattr(theirs, method):
            assert_array_equal(getattr(loaded, method)(X), getattr(ours, method)(X), err_msg=method)


@pytest.mark.parametrize("name", ["LinearRegression", "LogisticRegression multinomial",
                                  "MinMaxScaler", "KMeans", "StandardScaler"])
def test_float32_models_convert(name):
    theirs, X, _ = fitted_case(name, np.float32)
    ours = pith.from_sklearn(theirs)
    method = "transform" if hasattr(theirs, "transform") and "KMeans" not in name else "predict"
    got, expected = getattr(ours, method)(X), getattr(theirs, method)(X)
    assert got.dtype == expected.dtype
    assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    assert pith.loads(ours.to_bytes()).to_bytes() == ours.to_bytes()


def test_attributes_and_params_are_copied():
    theirs = linear_model.LogisticRegression(C=0.3, tol=1e-6, max_iter=500).fit(X_WINE, Y_WINE)
    ours = pith.from_sklearn(theirs)
    assert (ours.C, ours.tol, ours.max_iter) == (0.3, 1e-6, 500)
    assert_array_equal(ours.coef_, theirs.coef_)
    assert_array_equal(ours.n_iter_, theirs.n_iter_)
    assert ours.coef_ is not theirs.coef_  # copies: refitting one leaves the other
    scaler = pith.from_sklearn(preprocessing.StandardScaler().fit(X_WINE))
    assert_array_equal(scaler.var_, preprocessing.StandardScaler().fit(X_WINE).var_)


def test_feature_names_are_copied():
    frame = pd.DataFrame(X_IRIS, columns=["a", "b", "c", "d"])
    theirs = pipeline.make_pipeline(preprocessing.StandardScaler(),
                                    linear_model.LogisticRegression()).fit(frame, Y_IRIS)
    ours = pith.from_sklearn(theirs)
    assert_array_equal(ours.feature_names_in_, ["a", "b", "c", "d"])
    loaded = pith.loads(ours.to_bytes())
    assert_array_equal(loaded.feature_names_in_, ["a", "b", "c", "d"])
    assert_array_equal(loaded.predict(frame), theirs.predict(frame))


def test_passthrough_steps_convert():
    theirs = pipeline.Pipeline([("scale", preprocessing.StandardScaler()), ("skip", "passthrough"),
                                ("clf", linear_model.LogisticRegression())]).fit(X_IRIS, Y_IRIS)
    ours = pith.from_sklearn(theirs)
    assert ours.steps[1] == ("skip", "passthrough")
    assert_allclose(ours.predict_proba(X_IRIS), theirs.predict_proba(X_IRIS), rtol=1e-12)


SUPPORTED = "supported: sklearn.cluster.KMeans, sklearn.linear_model.LinearRegression"


def test_unsupported_estimator_is_named():
    with pytest.raises(TypeError, match=r"sklearn\.svm\._classes\.SVC is not supported; "
                                        + SUPPORTED):
        pith.from_sklearn(SVC().fit(X_IRIS, Y_IRIS))
    with pytest.raises(TypeError, match="is not supported"):
        pith.from_sklearn("not a model")


def test_unsupported_pipeline_step_is_named():
    theirs = pipeline.make_pipeline(preprocessing.StandardScaler(), PCA(n_components=2),
                                    linear_model.LogisticRegression()).fit(X_IRIS, Y_IRIS)
    with pytest.raises(TypeError, match=r"pipeline step 'pca': sklearn\.decomposition\._pca\.PCA "
                                        r"is not supported; " + SUPPORTED):
        pith.from_sklearn(theirs)


def test_one_vs_rest_is_refused():
    theirs = OneVsRestClassifier(linear_model.LogisticRegression()).fit(X_IRIS, Y_IRIS)
    with pytest.raises(TypeError, match="OneVsRestClassifier is not supported"):
        pith.from_sklearn(theirs)
    # A one-vs-rest model in a LogisticRegression's clothes (as liblinear fitted them).
    ovr = linear_model.LogisticRegression().fit(X_IRIS, Y_IRIS)
    ovr.solver = "liblinear"
    with pytest.raises(ValueError, match="one-vs-rest.*pith supports binary and multinomial"):
        pith.from_sklearn(ovr)
    bad_shape = linear_model.LogisticRegression().fit(X_IRIS, Y_IRIS)
    bad_shape.coef_ = bad_shape.coef_[:2]
    with pytest.raises(ValueError, match=r"coef_ of shape \(2, 4\)"):
        pith.from_sklearn(bad_shape)


@pytest.mark.parametrize("unfitted", [
    cluster.KMeans(), linear_model.LinearRegression(), linear_model.Ridge(),
    linear_model.LogisticRegression(), preprocessing.StandardScaler(),
    preprocessing.MinMaxScaler(),
], ids=lambda e: type(e).__name__)
def test_unfitted_estimator_is_refused(unfitted):
    with pytest.raises(NotFittedError, match=f"{type(unfitted).__name__} is not fitted yet"):
        pith.from_sklearn(unfitted)


def test_unfitted_pipeline_step_is_named():
    with pytest.raises(NotFittedError, match="pipeline step 'standardscaler': StandardScaler is "
                                             "not fitted"):
        pith.from_sklearn(pipeline.make_pipeline(preprocessing.StandardScaler(),
                                                 linear_model.LogisticRegression()))
