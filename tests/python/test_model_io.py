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
