"""Saving and loading fitted estimators: .pith files, bytes, pickle, and files that are not models."""

import pickle
import struct

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

import pith
from pith.cluster import KMeans

X = np.random.RandomState(0).rand(200, 4)


def fitted(dtype=np.float64, **params):
    return KMeans(n_clusters=3, random_state=0, **params).fit(X.astype(dtype))


def assert_same_model(loaded, original, X_new):
    assert type(loaded) is KMeans
    assert loaded.n_clusters == original.n_clusters
    assert loaded.cluster_centers_.dtype == original.cluster_centers_.dtype
    assert_array_equal(loaded.cluster_centers_, original.cluster_centers_)
    assert loaded.inertia_ == original.inertia_
    assert loaded.n_iter_ == original.n_iter_
    assert loaded.n_features_in_ == original.n_features_in_
    assert_array_equal(loaded.predict(X_new), original.predict(X_new))
    assert_array_equal(loaded.transform(X_new), original.transform(X_new))
    assert loaded.score(X_new) == original.score(X_new)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_save_load_round_trip(tmp_path, dtype):
    model = fitted(dtype)
    path = tmp_path / "model.pith"
    model.save(path)
    loaded = pith.load(path)
    assert_same_model(loaded, model, X.astype(dtype))
    assert not hasattr(loaded, "feature_names_in_")
    assert_same_model(pith.load(str(path)), model, X.astype(dtype))


def test_round_trip_keeps_feature_names(tmp_path):
    frame = pd.DataFrame(X, columns=["sepal", "petal", "stem", "leaf"])
    model = KMeans(n_clusters=3, random_state=0).fit(frame)
    model.save(tmp_path / "model.pith")
    loaded = pith.load(tmp_path / "model.pith")
    assert_array_equal(loaded.feature_names_in_, ["sepal", "petal", "stem", "leaf"])
    assert_same_model(loaded, model, frame)
    assert_array_equal(loaded.get_feature_names_out(), ["kmeans0", "kmeans1", "kmeans2"])
    # The loaded model checks names as the fitted one does.
    with pytest.raises(ValueError, match="feature names should match"):
        loaded.predict(frame.rename(columns={"leaf": "root"}))


def test_bytes_round_trip(tmp_path):
    model = fitted()
    data = model.to_bytes()
    assert isinstance(data, bytes)
    assert_same_model(pith.loads(data), model, X)
    model.save(tmp_path / "model.pith")
    assert (tmp_path / "model.pith").read_bytes() == data


def test_save_replaces_an_existing_file(tmp_path):
    path = tmp_path / "model.pith"
    fitted(n_init=1).save(path)
    other = KMeans(n_clusters=5, random_state=1).fit(X)
    other.save(path)
    assert pith.load(path).n_clusters == 5
    assert [p.name for p in tmp_path.iterdir()] == ["model.pith"]


def test_pickle_round_trip():
    model = fitted()
    loaded = pickle.loads(pickle.dumps(model))
    assert_same_model(loaded, model, X)
    assert_array_equal(loaded.labels_, model.labels_)
    # A model loaded from a file pickles too.
    reloaded = pickle.loads(pickle.dumps(pith.loads(model.to_bytes())))
    assert_same_model(reloaded, model, X)


def test_loaded_model_has_default_params_except_n_clusters():
    loaded = pith.loads(fitted(tol=1e-2, max_iter=50).to_bytes())
    assert loaded.get_params() == KMeans(n_clusters=3).get_params()
    assert not hasattr(loaded, "labels_")  # training labels are not part of the model


# Bytes that are not a pith model, each with a fragment of the message explaining why.
GOOD = fitted().to_bytes()
HEADER = 32


def with_byte(data, offset, value):
    return data[:offset] + bytes([value]) + data[offset + 1:]


def with_version(data, major, minor):
    return data[:8] + struct.pack("<HH", major, minor) + data[12:]


NOT_MODELS = {
    "empty file": (b"", "empty file"),
    "truncated inside the header": (GOOD[:20], "truncated"),
    "truncated payload": (GOOD[:-5], "truncated"),
    "trailing data": (GOOD + b"\0", "trailing data"),
    "flipped payload byte": (with_byte(GOOD, HEADER + 5, GOOD[HEADER + 5] ^ 0x40), "CRC-32"),
    "CSV text": (b"a,b,c\n1,2,3\n", "text file"),
    "pickle": (pickle.dumps(fitted()), "pickle"),
    "damaged signature": (with_byte(GOOD, 0, ord("x")), "signature"),
    "random bytes": (np.random.RandomState(0).bytes(300), "not a pith model file"),
    "newer major version": (with_version(GOOD, 2, 0), "upgrade pith"),
}


@pytest.mark.parametrize("data, message", NOT_MODELS.values(), ids=NOT_MODELS.keys())
def test_not_a_model_raises_model_format_error(tmp_path, data, message):
    with pytest.raises(pith.ModelFormatError, match=message):
        pith.loads(data)
    path = tmp_path / "bad.pith"
    path.write_bytes(data)
    with pytest.raises(pith.ModelFormatError) as info:
        pith.load(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)  # says which file


def test_model_format_error_is_a_value_error():
    assert issubclass(pith.ModelFormatError, ValueError)
    assert pith.ModelFormatError.__module__ == "pith"


def test_newer_minor_version_loads_with_a_warning():
    with pytest.warns(pith.ModelFormatWarning, match="newer than"):
        loaded = pith.loads(with_version(GOOD, 1, 7))
    assert_array_equal(loaded.cluster_centers_, fitted().cluster_centers_)


def test_missing_file_raises_os_error(tmp_path):
    with pytest.raises(OSError, match="No such file"):
        pith.load(tmp_path / "missing.pith")


@pytest.mark.parametrize("target", ["missing_dir/model.pith", "a_directory"])
def test_save_to_a_bad_path_raises_os_error_and_leaves_no_temp_file(tmp_path, target):
    (tmp_path / "a_directory").mkdir()
    with pytest.raises(OSError):
        fitted().save(tmp_path / target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_directory"]
    assert list((tmp_path / "a_directory").iterdir()) == []


# ---- Every estimator kind: save, load, the right class, the same predictions.

from pathlib import Path  # noqa: E402

from sklearn.datasets import load_iris  # noqa: E402

from pith.linear_model import LinearRegression, LogisticRegression, Ridge  # noqa: E402
from pith.pipeline import Pipeline, make_pipeline  # noqa: E402
from pith.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
NAMES = np.array(["setosa", "versicolor", "virginica"])
ESTIMATORS = {
    "LinearRegression": (lambda: LinearRegression(), lambda: Y_IRIS + X_IRIS[:, 0]),
    "LinearRegression 2 targets": (lambda: LinearRegression(fit_intercept=False),
                                   lambda: np.c_[Y_IRIS, X_IRIS[:, 0]]),
    "Ridge": (lambda: Ridge(alpha=2.0), lambda: X_IRIS[:, 0]),
    "LogisticRegression binary": (lambda: LogisticRegression(C=0.5), lambda: (Y_IRIS == 2) * 5),
    "LogisticRegression strings": (lambda: LogisticRegression(), lambda: NAMES[Y_IRIS]),
    "LogisticRegression no penalty": (lambda: LogisticRegression(C=np.inf, max_iter=30),
                                      lambda: Y_IRIS + 10),
    "StandardScaler": (lambda: StandardScaler(with_mean=False), lambda: None),
    "MinMaxScaler": (lambda: MinMaxScaler((-3, 3), clip=True), lambda: None),
    "Pipeline": (lambda: make_pipeline(MinMaxScaler(), StandardScaler(), LogisticRegression()),
                 lambda: NAMES[Y_IRIS]),
}
PREDICTIONS = ["predict", "predict_proba", "decision_function", "transform"]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ESTIMATORS)
def test_every_kind_round_trips(name, dtype, tmp_path):
    make, target = ESTIMATORS[name]
    X_fit = X_IRIS.astype(dtype)
    model = make().fit(X_fit, target())
    model.save(tmp_path / "model.pith")
    loaded = pith.load(tmp_path / "model.pith")
    assert type(loaded) is type(model)
    assert pith.loads(model.to_bytes()).to_bytes() == model.to_bytes()
    for method in PREDICTIONS:
        if hasattr(model, method):
            got, expected = getattr(loaded, method)(X_fit), getattr(model, method)(X_fit)
            assert got.dtype == expected.dtype, method
            assert got.shape == expected.shape, method
            assert_array_equal(got, expected, err_msg=method)
    for attribute in ("coef_", "intercept_", "classes_", "n_iter_", "rank_", "mean_", "scale_",
                      "min_", "C", "alpha", "with_mean", "with_std", "feature_range", "clip"):
        # A scaler without centring does not store its mean: None once loaded.
        if hasattr(model, attribute) and getattr(loaded, attribute) is not None:
            assert_array_equal(getattr(loaded, attribute), getattr(model, attribute), attribute)


def test_boolean_labels_load_as_integers():
    model = LogisticRegression().fit(X_IRIS, Y_IRIS == 2)
    loaded = pith.loads(model.to_bytes())
    assert loaded.classes_.dtype == np.int64
    assert_array_equal(loaded.predict(X_IRIS), model.predict(X_IRIS).astype(int))


def test_pipeline_of_pith_steps_loads_as_pipeline(tmp_path):
    model = make_pipeline(StandardScaler(), KMeans(n_clusters=3, random_state=0)).fit(X_IRIS)
    model.save(tmp_path / "p.pith")
    loaded = pith.load(tmp_path / "p.pith")
    assert type(loaded) is Pipeline
    assert [type(step) for _, step in loaded.steps] == [StandardScaler, KMeans]
    assert_array_equal(loaded.predict(X_IRIS), model.predict(X_IRIS))


GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"


def test_golden_1_1_files_load_as_estimators():
    logistic = pith.load(GOLDEN / "logistic_binary_v1_1.pith")
    assert type(logistic) is LogisticRegression
    assert_array_equal(logistic.classes_, [-1, 7])
    assert_array_equal(logistic.feature_names_in_, ["x", "y"])
    ridge = pith.load(GOLDEN / "ridge_float32_v1_1.pith")
    assert type(ridge) is Ridge and ridge.coef_.dtype == np.float32
    pipeline = pith.load(GOLDEN / "pipeline_logistic_v1_1.pith")
    assert [type(step) for _, step in pipeline.steps] == [StandardScaler, LogisticRegression]
    assert_array_equal(pipeline.classes_, ["cat", "dog", "émeu"])
    pipeline_kmeans = pith.load(GOLDEN / "pipeline_kmeans_v1_1.pith")
    assert [type(step) for _, step in pipeline_kmeans.steps] == [MinMaxScaler, KMeans]
    for model in (logistic, ridge, pipeline, pipeline_kmeans):
        X = np.zeros((2, model.n_features_in_), dtype=np.float32 if model is ridge else np.float64)
        if hasattr(model, "feature_names_in_"):
            X = pd.DataFrame(X, columns=model.feature_names_in_)
        assert len(model.predict(X)) == 2
