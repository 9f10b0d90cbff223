"""pith.from_xgboost against XGBoost's own predictions.

Raw scores are compared bit for bit with ``predict(output_margin=True)``: XGBoost rounds features
to float32, compares ``x < split_condition`` and sums float32 leaf values in tree order from the
base margin, and the imported model does the same. Probabilities and transformed predictions
differ only by XGBoost computing sigmoid / softmax / exp in float32 where pith uses float64:
``PROBA_RTOL`` bounds that (float32 rounding of exp of a float32 argument: a few ulp of 2^-24).
"""

import json
import os

import numpy as np
import pytest

import pith

xgb = pytest.importorskip("xgboost")
from sklearn.datasets import (  # noqa: E402
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
)

PROBA_RTOL = 1e-5
PROBA_ATOL = 1e-7


def margins(booster, X, **dmatrix_args):
    return booster.predict(xgb.DMatrix(X, **dmatrix_args), output_margin=True)


def raw_scores(estimator, X):
    """pith's raw scores: decision_function for classifiers, predict for identity regressors,
    and for regressors with a transform the same model with the transform removed."""
    if hasattr(estimator, "classes_"):
        return estimator.decision_function(X)
    model = estimator._model_dict()
    if model["transform"] != "identity":
        model = {**model, "transform": "identity"}
        estimator = pith.ensemble.TreeEnsembleRegressor._from_model_dict(model)
    return estimator.predict(X)


def assert_bit_equal(ours, theirs):
    ours = np.asarray(ours)
    theirs = np.asarray(theirs, dtype=np.float32).reshape(ours.shape)
    assert ours.dtype in (np.float32, np.float64)
    np.testing.assert_array_equal(ours.astype(np.float32), theirs)
    # float32 sums widened to float64 are exact: no information was lost on the way back.
    assert np.array_equal(ours.astype(np.float64), theirs.astype(np.float64))


def split_points(booster):
    """(feature, threshold) of every numerical split of the model."""
    model = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]
    model = model["gbtree"]["model"] if model["name"] == "dart" else model["model"]
    points = set()
    for tree in model["trees"]:
        for left, feature, cond, kind in zip(
            tree["left_children"], tree["split_indices"], tree["split_conditions"],
            tree["split_type"],
        ):
            if left != -1 and kind == 0:
                points.add((feature, np.float32(cond)))
    return sorted(points)


def threshold_rows(booster, X, rng):
    """Rows of X with one feature set exactly on a threshold, on its float32 neighbours, and on
    float64 values that round to it; the other features from random rows of X."""
    rows = []
    for feature, t in split_points(booster):
        for value in (
            t,
            np.nextafter(t, np.float32(np.inf)),
            np.nextafter(t, np.float32(-np.inf)),
        ):
            row = X[rng.integers(len(X))].astype(np.float64)
            row[feature] = value
            rows.append(row)
        row = X[rng.integers(len(X))].astype(np.float64)
        row[feature] = np.float64(t) * (1 + 1e-12) if t != 0 else 1e-300  # rounds to t (or 0)
        rows.append(row)
    return np.array(rows)


@pytest.fixture(scope="module")
def rng():
    return np.random.default_rng(0)


# ---- Differential tests on scikit-learn's datasets.


def test_binary_breast_cancer(rng):
    X, y = load_breast_cancer(return_X_y=True)
    clf = xgb.XGBClassifier(n_estimators=60, max_depth=4, learning_rate=0.3).fit(X, y)
    ours = pith.from_xgboost(clf)
    assert isinstance(ours, pith.ensemble.TreeEnsembleClassifier)
    assert_bit_equal(ours.decision_function(X), clf.predict(X, output_margin=True))
    np.testing.assert_allclose(ours.predict_proba(X), clf.predict_proba(X), rtol=PROBA_RTOL,
                               atol=PROBA_ATOL)
    proba = clf.predict_proba(X)[:, 1]
    clear = np.abs(proba - 0.5) > 1e-6
    np.testing.assert_array_equal(ours.predict(X)[clear], clf.predict(X)[clear])
    np.testing.assert_array_equal(ours.classes_, clf.classes_)
    Xt = threshold_rows(clf.get_booster(), X, rng)
    assert_bit_equal(ours.decision_function(Xt), clf.predict(Xt, output_margin=True))


@pytest.mark.parametrize("loader", [load_iris, load_wine, load_digits])
def test_multiclass(loader, rng):
    X, y = loader(return_X_y=True)
    clf = xgb.XGBClassifier(n_estimators=25, max_depth=3).fit(X, y)
    ours = pith.from_xgboost(clf)
    assert_bit_equal(ours.decision_function(X), clf.predict(X, output_margin=True))
    theirs = clf.predict_proba(X)
    np.testing.assert_allclose(ours.predict_proba(X), theirs, rtol=PROBA_RTOL, atol=PROBA_ATOL)
    top2 = np.sort(theirs, axis=1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 1e-5
    np.testing.assert_array_equal(ours.predict(X)[clear], clf.predict(X)[clear])
    Xt = threshold_rows(clf.get_booster(), X, rng)
    assert_bit_equal(ours.decision_function(Xt), clf.predict(Xt, output_margin=True))


def test_multiclass_softmax_objective():
    X, y = load_iris(return_X_y=True)
    booster = xgb.train({"objective": "multi:softmax", "num_class": 3, "max_depth": 2},
                        xgb.DMatrix(X, y), num_boost_round=10)
    ours = pith.from_xgboost(booster)
    assert_bit_equal(ours.decision_function(X), margins(booster, X))
    np.testing.assert_array_equal(ours.predict(X), booster.predict(xgb.DMatrix(X)))


def test_regression_diabetes(rng):
    X, y = load_diabetes(return_X_y=True)
    reg = xgb.XGBRegressor(n_estimators=100, max_depth=4).fit(X, y)
    ours = pith.from_xgboost(reg)
    assert isinstance(ours, pith.ensemble.TreeEnsembleRegressor)
    assert_bit_equal(ours.predict(X), reg.predict(X))
    Xt = threshold_rows(reg.get_booster(), X, rng)
    assert_bit_equal(ours.predict(Xt), reg.predict(Xt))
    assert_bit_equal(ours.predict(Xt.astype(np.float32)), reg.predict(Xt.astype(np.float32)))


def test_random_data_with_missing_values(rng):
    X = rng.normal(size=(2000, 8))
    y = X[:, 0] - 2 * np.nan_to_num(X[:, 1]) + rng.normal(size=2000)
    X[rng.random(X.shape) < 0.2] = np.nan  # trained with NaN: default directions are learned
    booster = xgb.train({"max_depth": 6}, xgb.DMatrix(X, y), num_boost_round=50)
    ours = pith.from_xgboost(booster)
    X_test = rng.normal(size=(3000, 8)) * 3
    X_test[rng.random(X_test.shape) < 0.3] = np.nan
    X_test[:5] = np.nan  # all missing
    assert_bit_equal(ours.predict(X_test), margins(booster, X_test))
    trees = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]["trees"]
    default_left = [
        d for t in trees for d, left in zip(t["default_left"], t["left_children"]) if left != -1
    ]
    assert 0 < sum(default_left) < len(default_left)  # both directions are exercised


def test_single_tree_thousand_trees_and_no_tree(rng):
    X, y = load_diabetes(return_X_y=True)
    for rounds, depth in [(1, 6), (1000, 2), (0, 2)]:
        booster = xgb.train({"max_depth": depth, "learning_rate": 0.05}, xgb.DMatrix(X, y),
                            num_boost_round=rounds)
        ours = pith.from_xgboost(booster)
        assert ours.n_trees_ == max(rounds, 1)
        assert_bit_equal(ours.predict(X), margins(booster, X))
        if rounds:
            Xt = threshold_rows(booster, X, rng)
            assert_bit_equal(ours.predict(Xt), margins(booster, Xt))


def test_num_parallel_tree_and_multi_target(rng):
    X = rng.normal(size=(500, 5))
    Y = np.c_[X[:, 0] + X[:, 1] ** 2, np.sin(X[:, 2])]
    forest = xgb.train({"num_parallel_tree": 4, "subsample": 0.7, "colsample_bynode": 0.6,
                        "max_depth": 4}, xgb.DMatrix(X, Y[:, 0]), num_boost_round=5)
    assert pith.from_xgboost(forest).n_trees_ == 20
    assert_bit_equal(pith.from_xgboost(forest).predict(X), margins(forest, X))
    two = xgb.XGBRegressor(n_estimators=20, max_depth=3).fit(X, Y)
    ours = pith.from_xgboost(two)
    assert ours.predict(X).shape == (500, 2)
    assert_bit_equal(ours.predict(X), two.predict(X))


@pytest.mark.parametrize(
    "objective, target",
    [
        ("reg:logistic", lambda y: 1 / (1 + np.exp(-y))),
        ("count:poisson", lambda y: np.round(np.exp(y / 2))),
        ("reg:gamma", lambda y: np.exp(y / 2)),
        ("reg:tweedie", lambda y: np.exp(y / 2)),
        ("survival:cox", lambda y: np.abs(y) + 1),
        ("reg:absoluteerror", lambda y: y),
        ("reg:pseudohubererror", lambda y: y),
        ("reg:quantileerror", lambda y: y),
        ("reg:squaredlogerror", lambda y: np.exp(y)),
        ("binary:logitraw", lambda y: (y > 0).astype(float)),
        ("rank:pairwise", lambda y: np.digitize(y, [-1, 0, 1])),
    ],
)
def test_objectives(objective, target, rng):
    X = rng.normal(size=(600, 4))
    y = target(X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=600))
    dtrain = xgb.DMatrix(X, y)
    if objective.startswith("rank:"):
        dtrain.set_group([100] * 6)
    params = {"objective": objective, "max_depth": 3}
    if objective == "reg:quantileerror":
        params["quantile_alpha"] = np.array([0.2, 0.5, 0.8])  # one output per quantile
    booster = xgb.train(params, dtrain, num_boost_round=30)
    ours = pith.from_xgboost(booster)
    assert_bit_equal(raw_scores(ours, X), margins(booster, X))
    np.testing.assert_allclose(ours.predict(X), booster.predict(xgb.DMatrix(X)),
                               rtol=PROBA_RTOL, atol=PROBA_ATOL)


def test_base_score_is_the_margin_of_a_model_without_trees():
    X = np.random.default_rng(1).normal(size=(10, 3))
    for objective, base_score in [("binary:logistic", 0.3), ("reg:logistic", 0.77),
                                  ("count:poisson", 2.5), ("reg:squarederror", -4.2)]:
        booster = xgb.train({"objective": objective, "base_score": base_score},
                            xgb.DMatrix(X, np.zeros(10) + 0.5), num_boost_round=0)
        assert_bit_equal(raw_scores(pith.from_xgboost(booster), X), margins(booster, X))


def test_dart(rng):
    X, y = load_diabetes(return_X_y=True)
    booster = xgb.train({"booster": "dart", "rate_drop": 0.3, "skip_drop": 0.2, "max_depth": 3,
                         "normalize_type": "forest"}, xgb.DMatrix(X, y), num_boost_round=40)
    weights = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["weight_drop"]
    assert len(set(weights)) > 1  # trees really are weighted
    ours = pith.from_xgboost(booster)
    assert_bit_equal(ours.predict(X), margins(booster, X))


# ---- Categorical features.


def test_categorical_numpy_codes(rng):
    n = 3000
    X = rng.normal(size=(n, 3))
    X[:, 0] = rng.integers(0, 40, n)
    X[:, 2] = rng.integers(0, 5, n)
    y = np.isin(X[:, 0], [1, 5, 7, 22, 31]) * 3.0 + (X[:, 2] == 3) + X[:, 1]
    X[rng.random(n) < 0.1, 0] = np.nan
    types = ["c", "q", "c"]
    booster = xgb.train({"tree_method": "hist", "max_cat_to_onehot": 1, "max_depth": 4},
                        xgb.DMatrix(X, y, feature_types=types, enable_categorical=True),
                        num_boost_round=30)
    model = pith.from_xgboost(booster)
    categorical = (model._trees["node_flags"] & 2) != 0
    assert categorical.sum() > 0
    X_test = rng.normal(size=(2000, 3))
    X_test[:, 0] = rng.integers(-3, 60, 2000)  # negative and unseen categories
    X_test[:, 2] = rng.integers(0, 5, 2000)
    X_test[rng.random(2000) < 0.1, 0] = np.nan
    X_test[:10, 0] = [0.5, 1.7, -0.5, 22.9, 2**24, 2**24 + 1, 1e30, 7.0, 31.0, -1e30]
    theirs = margins(booster, X_test, feature_types=types, enable_categorical=True)
    assert_bit_equal(model.predict(X_test), theirs)


def test_categorical_pandas_classifier(rng):
    pd = pytest.importorskip("pandas")
    n = 2000
    colors = np.array(["red", "green", "blue", "cyan", "black", "white", "pink"])
    df = pd.DataFrame({
        "color": pd.Categorical(colors[rng.integers(0, 7, n)], categories=colors),
        "x": rng.normal(size=n),
    })
    y = (df["color"].isin(["green", "pink", "cyan"]) ^ (df["x"] > 0.5)).astype(int)
    clf = xgb.XGBClassifier(n_estimators=20, max_depth=3, enable_categorical=True,
                            tree_method="hist", max_cat_to_onehot=1).fit(df, y)
    ours = pith.from_xgboost(clf)
    codes = np.c_[df["color"].cat.codes.to_numpy(np.float64), df["x"].to_numpy()]
    with pytest.warns(UserWarning, match="feature names"):  # fitted on named columns
        assert_bit_equal(ours.decision_function(codes), clf.predict(df, output_margin=True))
    np.testing.assert_array_equal(ours.feature_names_in_, ["color", "x"])


# ---- Files, formats and estimators.


def test_json_ubjson_files_and_pith_round_trip(tmp_path):
    X, y = load_wine(return_X_y=True)
    clf = xgb.XGBClassifier(n_estimators=15, max_depth=3).fit(X, y)
    booster = clf.get_booster()
    booster.save_model(tmp_path / "m.json")
    booster.save_model(tmp_path / "m.ubj")
    expected = clf.predict(X, output_margin=True)
    for source in (clf, booster, str(tmp_path / "m.json"), tmp_path / "m.ubj"):
        ours = pith.from_xgboost(source)
        assert_bit_equal(ours.decision_function(X), expected)
    ours.save(tmp_path / "m.pith")
    loaded = pith.load(tmp_path / "m.pith")
    assert type(loaded) is type(ours)
    np.testing.assert_array_equal(loaded.predict_proba(X), ours.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), ours.predict(X))
    assert_bit_equal(loaded.decision_function(X), expected)


def test_regressor_pith_round_trip(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    ours = pith.from_xgboost(xgb.XGBRegressor(n_estimators=30, objective="count:poisson",
                                              max_depth=3).fit(X, np.round(y / 10)))
    ours.save(tmp_path / "r.pith")
    np.testing.assert_array_equal(pith.load(tmp_path / "r.pith").predict(X), ours.predict(X))


def test_early_stopping_keeps_what_each_predict_uses():
    X, y = load_diabetes(return_X_y=True)
    reg = xgb.XGBRegressor(n_estimators=200, max_depth=4, learning_rate=0.3,
                           early_stopping_rounds=3)
    reg.fit(X[:300], y[:300], eval_set=[(X[300:], y[300:])], verbose=False)
    booster = reg.get_booster()
    assert reg.best_iteration + 1 < booster.num_boosted_rounds()
    ours = pith.from_xgboost(reg)  # XGBRegressor.predict stops at best_iteration
    assert ours.n_trees_ == reg.best_iteration + 1
    assert_bit_equal(ours.predict(X), reg.predict(X))
    assert_bit_equal(pith.from_xgboost(booster).predict(X), margins(booster, X))  # all trees


def test_missing_sentinel_other_than_nan_warns():
    X = np.random.default_rng(5).normal(size=(200, 3))
    X[::7, 1] = -999.0
    reg = xgb.XGBRegressor(n_estimators=5, missing=-999.0).fit(X, X[:, 0])
    with pytest.warns(UserWarning, match=r"missing=-999.0\) treats -999.0 in X as a missing"):
        ours = pith.from_xgboost(reg)
    X_nan = np.where(X == -999.0, np.nan, X)
    assert_bit_equal(ours.predict(X_nan), reg.predict(X))


def test_string_labels_are_refused_by_xgboost():
    X = np.random.default_rng(2).normal(size=(50, 2))
    try:
        clf = xgb.XGBClassifier(n_estimators=2).fit(X, np.where(X[:, 0] > 0, "yes", "no"))
    except ValueError as e:
        pytest.skip(f"XGBoost {xgb.__version__} refuses string labels: {e}")
    np.testing.assert_array_equal(pith.from_xgboost(clf).classes_, clf.classes_)


# ---- Bad inputs.


@pytest.fixture(scope="module")
def small_booster():
    X, y = load_breast_cancer(return_X_y=True)
    return xgb.train({"objective": "binary:logistic", "max_depth": 3}, xgb.DMatrix(X, y),
                     num_boost_round=5)


@pytest.mark.parametrize("fmt", ["json", "ubj"])
def test_truncated_and_corrupted_documents(small_booster, fmt, tmp_path):
    raw = bytes(small_booster.save_raw(fmt))
    for size in list(range(0, 200)) + list(range(200, len(raw), 97)):
        path = tmp_path / f"t.{fmt}"
        path.write_bytes(raw[:size])
        with pytest.raises(pith.ModelFormatError, match="XGBoost model: "):
            pith.from_xgboost(path)
    rng = np.random.default_rng(3)
    outcomes = set()
    for trial in range(300):
        corrupted = bytearray(raw)
        for position in rng.integers(0, len(raw), 1 + trial % 4):
            corrupted[position] = rng.integers(0, 256)
        path = tmp_path / f"c.{fmt}"
        path.write_bytes(bytes(corrupted))
        try:
            pith.from_xgboost(path)
            outcomes.add("loaded")
        except (pith.ModelFormatError, NotImplementedError) as e:
            assert "XGBoost model: " in str(e) or "tree_ensemble." in str(e)
            outcomes.add(type(e).__name__)
    assert "ModelFormatError" in outcomes


def test_unsupported_models():
    X = np.random.default_rng(4).normal(size=(200, 3))
    y = X[:, 0]
    linear = xgb.train({"booster": "gblinear"}, xgb.DMatrix(X, y), num_boost_round=2)
    with pytest.raises(NotImplementedError, match="gblinear booster"):
        pith.from_xgboost(linear)
    vector = xgb.train({"multi_strategy": "multi_output_tree", "tree_method": "hist"},
                       xgb.DMatrix(X, np.c_[y, -y]), num_boost_round=2)
    with pytest.raises(NotImplementedError, match="multi_output_tree"):
        pith.from_xgboost(vector)
    aft = xgb.DMatrix(X)
    aft.set_float_info("label_lower_bound", np.abs(y) + 1)
    aft.set_float_info("label_upper_bound", np.abs(y) + 2)
    booster = xgb.train({"objective": "survival:aft"}, aft, num_boost_round=2)
    with pytest.raises(NotImplementedError, match="survival:aft"):
        pith.from_xgboost(booster)


def test_wrong_types_and_shapes(small_booster, tmp_path):
    with pytest.raises(TypeError, match="xgboost.Booster"):
        pith.from_xgboost({"learner": {}})
    with pytest.raises(TypeError, match="got builtins.bytes"):
        pith.from_xgboost(bytes(small_booster.save_raw("json")))
    with pytest.raises(FileNotFoundError):
        pith.from_xgboost(tmp_path / "missing.json")
    ours = pith.from_xgboost(small_booster)
    with pytest.raises(ValueError, match="30 features"):
        ours.predict(np.zeros((2, 29)))
    (tmp_path / "linear.json").write_bytes(
        bytes(xgb.train({"booster": "gblinear"}, xgb.DMatrix(np.zeros((4, 2)), np.zeros(4)),
                        num_boost_round=1).save_raw("json")))
    with pytest.raises(NotImplementedError, match="gblinear"):
        pith.from_xgboost(os.fspath(tmp_path / "linear.json"))
