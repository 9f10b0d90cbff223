"""pith.pipeline: scikit-learn's Pipeline over pith steps, saved as one .pith model.

scikit-learn's estimator checks do not apply to a Pipeline (scikit-learn exempts its own), so it
is tested here: it fits and predicts what the same chain of steps does by hand, and a saved
pipeline loads back as a Pipeline of the same classes that predicts exactly the same.
"""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris
from sklearn.decomposition import PCA

import pith
from pith.cluster import KMeans
from pith.linear_model import LinearRegression, LogisticRegression, Ridge
from pith.pipeline import Pipeline, make_pipeline
from pith.preprocessing import MinMaxScaler, StandardScaler

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_DIAB, Y_DIAB = load_diabetes(return_X_y=True)

PIPELINES = {
    "scaler + logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression()),
    "two scalers + logistic": lambda: make_pipeline(
        MinMaxScaler(), StandardScaler(with_mean=False), LogisticRegression(C=0.5)),
    "kmeans features + logistic": lambda: make_pipeline(
        StandardScaler(), KMeans(n_clusters=5, random_state=0), LogisticRegression()),
    "scaler + kmeans": lambda: make_pipeline(MinMaxScaler(), KMeans(n_clusters=3, random_state=0)),
    "scaler + scaler": lambda: make_pipeline(StandardScaler(), MinMaxScaler(clip=True)),
}
OUTPUTS = ["predict", "predict_proba", "predict_log_proba", "decision_function", "transform"]


def outputs(model, X):
    return {name: getattr(model, name)(X) for name in OUTPUTS if hasattr(model, name)}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("make", PIPELINES.values(), ids=PIPELINES.keys())
def test_pipeline_equals_steps_by_hand_and_round_trips(make, dtype, tmp_path):
    X = X_IRIS.astype(dtype)
    pipe = make().fit(X, Y_IRIS)
    assert isinstance(pipe, Pipeline)
    # By hand: fit each transformer, transform, fit the last step.
    steps = [clone(step) for _, step in pipe.steps]
    Xt, Xt_new = X, X[::7]
    for step in steps[:-1]:
        Xt = step.fit(Xt, Y_IRIS).transform(Xt)
        Xt_new = step.transform(Xt_new)
    last = steps[-1].fit(Xt, Y_IRIS)
    expected = outputs(last, Xt_new)
    got = outputs(pipe, X[::7])
    assert got.keys() == expected.keys()
    for name in expected:
        assert_array_equal(got[name], expected[name], err_msg=name)

    path = tmp_path / "pipe.pith"
    pipe.save(path)
    for loaded in (pith.load(path), pith.loads(pipe.to_bytes())):
        assert type(loaded) is Pipeline
        assert [name for name, _ in loaded.steps] == [name for name, _ in pipe.steps]
        assert [type(s) for _, s in loaded.steps] == [type(s) for _, s in pipe.steps]
        again = outputs(loaded, X[::7])
        for name in expected:
            assert_array_equal(again[name], got[name], err_msg=name)
            assert again[name].dtype == got[name].dtype, name


def test_regression_pipeline_round_trip():
    for last in (LinearRegression(), Ridge(alpha=0.3)):
        pipe = make_pipeline(StandardScaler(), last).fit(X_DIAB, Y_DIAB)
        loaded = pith.loads(pipe.to_bytes())
        assert type(loaded.steps[-1][1]) is type(last)
        assert_array_equal(loaded.predict(X_DIAB), pipe.predict(X_DIAB))
        assert loaded.score(X_DIAB, Y_DIAB) == pipe.score(X_DIAB, Y_DIAB)


def test_feature_names_are_kept():
    frame = pd.DataFrame(X_IRIS, columns=["sl", "sw", "pl", "pw"])
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(frame, Y_IRIS)
    loaded = pith.loads(pipe.to_bytes())
    assert_array_equal(loaded.feature_names_in_, ["sl", "sw", "pl", "pw"])
    assert_array_equal(loaded.predict(frame), pipe.predict(frame))
    with pytest.raises(ValueError, match="feature names should match"):
        loaded.predict(frame.rename(columns={"pw": "petal"}))


def test_string_labels_round_trip():
    y = np.array(["setosa", "versicolor", "virginica"])[Y_IRIS]
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X_IRIS, y)
    loaded = pith.loads(pipe.to_bytes())
    assert_array_equal(loaded.classes_, pipe.classes_)
    assert_array_equal(loaded.predict(X_IRIS), pipe.predict(X_IRIS))


def test_passthrough_steps_are_left_out_of_the_file():
    pipe = Pipeline([("scale", StandardScaler()), ("nothing", "passthrough"),
                     ("clf", LogisticRegression())]).fit(X_IRIS, Y_IRIS)
    loaded = pith.loads(pipe.to_bytes())
    assert [name for name, _ in loaded.steps] == ["scale", "clf"]
    assert_array_equal(loaded.predict_proba(X_IRIS), pipe.predict_proba(X_IRIS))


def test_one_estimator_pipeline_saves_the_estimator():
    pipe = Pipeline([("nothing", "passthrough"), ("clf", LogisticRegression())]).fit(X_IRIS, Y_IRIS)
    loaded = pith.loads(pipe.to_bytes())
    assert type(loaded) is LogisticRegression
    assert_array_equal(loaded.predict_proba(X_IRIS), pipe.predict_proba(X_IRIS))


def test_sklearn_api_works():
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    assert pipe.get_params()["logisticregression__C"] == 1.0
    pipe.set_params(logisticregression__C=0.1).fit(X_IRIS, Y_IRIS)
    assert pipe[-1].C == 0.1
    assert type(pipe[:1]) is Pipeline
    assert_allclose(pipe[:1].transform(X_IRIS), StandardScaler().fit_transform(X_IRIS))
    assert type(clone(pipe)) is Pipeline


def test_non_pith_step_fits_but_does_not_save():
    pipe = make_pipeline(PCA(n_components=2), LogisticRegression()).fit(X_IRIS, Y_IRIS)
    assert pipe.predict(X_IRIS).shape == (150,)
    with pytest.raises(TypeError, match="cannot save pipeline step 'pca'.*PCA is not a pith "
                                        "estimator.*pith.from_sklearn"):
        pipe.to_bytes()


def test_classifier_before_the_end_cannot_be_saved():
    pipe = Pipeline([("clf", LogisticRegression()), ("scale", StandardScaler())])
    pipe.steps[0][1].fit(X_IRIS, Y_IRIS)
    pipe.steps[1][1].fit(X_IRIS)
    with pytest.raises(ValueError, match="every step but the last must be a transformer"):
        pipe.to_bytes()


def test_unfitted_pipeline_cannot_be_saved(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        make_pipeline(StandardScaler(), LogisticRegression()).save(tmp_path / "p.pith")
