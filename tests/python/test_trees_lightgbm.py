"""pith.from_lightgbm against LightGBM's own predictions.

Tolerance: 1e-12 relative for predictions (the importer's contract), and raw scores bit-equal:
pith walks the same trees with the same float64 comparisons and sums the leaf values in
LightGBM's order. Measured: every prediction bit-equal too, except random forests
(boosting="rf") with a sigmoid, softmax or exp objective, where pith folds LightGBM's division
by the iteration count into sigmoid_alpha or the leaf values (up to ~5e-15 relative; 1e-13 here).
"""

import numpy as np
import pytest
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
)

import pith

lgb = pytest.importorskip("lightgbm")

RTOL = 1e-12


def train(params, X, y, rounds=20, **dataset):
    params = {"verbose": -1, "num_threads": 1, "deterministic": True, **params}
    return lgb.train(params, lgb.Dataset(X, y, **dataset), num_boost_round=rounds)


def close(actual, expected, rtol=RTOL):
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=0)


def check_regressor(booster, X, rtol=RTOL):
    model = pith.from_lightgbm(booster)
    assert isinstance(model, pith.ensemble.TreeEnsembleRegressor)
    close(model.predict(X), booster.predict(X), rtol)
    return model


def check_classifier(booster, X, rtol=RTOL):
    """Probabilities, labels and raw scores of a binary or multiclass booster."""
    model = pith.from_lightgbm(booster)
    assert isinstance(model, pith.ensemble.TreeEnsembleClassifier)
    proba = booster.predict(X)
    if proba.ndim == 1:
        proba = np.column_stack([1.0 - proba, proba])
    close(model.predict_proba(X), proba, rtol)
    np.testing.assert_array_equal(model.predict(X), np.argmax(proba, axis=1))
    if rtol == RTOL:  # raw scores: the same float64 sums in the same order, so bit-equal
        np.testing.assert_array_equal(model.decision_function(X),
                                      booster.predict(X, raw_score=True))
    return model


def random_data(n=400, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X[:, 0] - 2 * X[:, 1] * (X[:, 2] > 0) + 0.1 * rng.normal(size=n)
    return X, y


# ---- Objectives on scikit-learn's datasets and random data.


def test_regression_on_diabetes_is_bit_equal():
    X, y = load_diabetes(return_X_y=True)
    booster = train({"objective": "regression", "num_leaves": 15}, X, y, rounds=50)
    model = check_regressor(booster, X)
    np.testing.assert_array_equal(model.predict(X), booster.predict(X))


@pytest.mark.parametrize(
    "objective", ["regression_l1", "huber", "fair", "quantile", "mape", "poisson", "gamma",
                  "tweedie"]
)
def test_regression_objectives(objective):
    X, y = random_data()
    if objective in ("poisson", "gamma", "tweedie", "mape"):
        y = np.exp(y / 3)
    booster = train({"objective": objective, "num_leaves": 7}, X, y)
    check_regressor(booster, X)


def test_cross_entropy_is_a_sigmoid_regressor():
    X, y = random_data()
    booster = train({"objective": "cross_entropy"}, X, 1 / (1 + np.exp(-y)))
    check_regressor(booster, X)


def test_lambdarank_scores():
    X, y = random_data(n=300)
    relevance = np.digitize(y, [-1, 0, 1])
    booster = train({"objective": "lambdarank"}, X, relevance, group=[30] * 10)
    check_regressor(booster, X)


def test_binary_breast_cancer_with_sigmoid_not_one():
    X, y = load_breast_cancer(return_X_y=True)
    booster = train({"objective": "binary", "sigmoid": 0.7, "num_leaves": 15}, X, y, rounds=60)
    model = check_classifier(booster, X)
    assert model._trees["sigmoid_alpha"] == 0.7
    np.testing.assert_array_equal(model.decision_function(X), booster.predict(X, raw_score=True))


@pytest.mark.parametrize("loader", [load_iris, load_wine, load_digits])
def test_multiclass_datasets(loader):
    X, y = loader(return_X_y=True)
    k = len(np.unique(y))
    booster = train({"objective": "multiclass", "num_class": k, "num_leaves": 7}, X, y, rounds=15)
    model = check_classifier(booster, X)
    assert model.n_trees_ == 15 * k


def test_multiclassova_is_not_normalised():
    X, y = load_wine(return_X_y=True)
    booster = train({"objective": "multiclassova", "num_class": 3, "sigmoid": 1.3}, X, y)
    model = check_classifier(booster, X)
    assert not np.allclose(model.predict_proba(X).sum(axis=1), 1.0)


@pytest.mark.parametrize(
    "params", [{"boosting": "dart"}, {"data_sample_strategy": "goss"}], ids=["dart", "goss"]
)
def test_dart_and_goss_boosters(params):
    # DART rescales earlier trees as it drops them; the text holds the final leaf values.
    X, y = random_data()
    booster = train({"objective": "binary", "num_leaves": 7, **params}, X, y > 0, rounds=30)
    check_classifier(booster, X)


# ---- Random forests (average_output).


def test_random_forest_regression_is_bit_equal():
    X, y = random_data()
    params = {"objective": "regression", "boosting": "rf", "bagging_fraction": 0.6,
              "bagging_freq": 1, "num_leaves": 15}
    booster = train(params, X, y, rounds=25)
    model = check_regressor(booster, X)
    np.testing.assert_array_equal(model.predict(X), booster.predict(X))


@pytest.mark.parametrize("objective", ["binary", "multiclass", "poisson"])
def test_random_forest_with_a_transform(objective):
    X, y = random_data()
    params = {"objective": objective, "boosting": "rf", "bagging_fraction": 0.6,
              "bagging_freq": 1, "num_leaves": 15}
    if objective == "binary":
        booster = train(params, X, (y > 0).astype(int), rounds=25)
        model = check_classifier(booster, X, rtol=1e-13)
        # LightGBM's raw scores of a forest are the sums (only predict divides): kept exact.
        np.testing.assert_array_equal(model.decision_function(X),
                                      booster.predict(X, raw_score=True))
    elif objective == "multiclass":
        booster = train({**params, "num_class": 3}, X, np.digitize(y, [-1, 1]), rounds=25)
        check_classifier(booster, X, rtol=1e-13)
    else:
        booster = train(params, X, np.exp(y / 3), rounds=25)
        check_regressor(booster, X, rtol=1e-13)


# ---- Split rules: thresholds, missing values, categories.


def test_inputs_on_thresholds_and_their_neighbours():
    X, y = random_data(n=300, d=4)
    booster = train({"objective": "regression", "num_leaves": 15}, X, y, rounds=30)
    # The thresholds LightGBM compares with, from the text model (full precision).
    text = booster.model_to_string()
    rows = []
    rng = np.random.default_rng(1)
    for block in text.split("Tree=")[1:]:
        fields = dict(line.split("=", 1) for line in block.splitlines()[1:] if "=" in line)
        if not fields.get("threshold"):
            continue
        for f, t in zip(fields["split_feature"].split(), fields["threshold"].split()):
            t = float(t)
            for value in (t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf)):
                row = X[rng.integers(len(X))].copy()
                row[int(f)] = value
                rows.append(row)
    assert len(rows) > 300
    X_edge = np.array(rows)
    model = check_regressor(booster, X_edge)
    np.testing.assert_array_equal(model.predict(X_edge), booster.predict(X_edge))


def with_missing(X, seed=2):
    """X with NaN, zeros and values within LightGBM's zero threshold (1e-35)."""
    rng = np.random.default_rng(seed)
    X = X.copy()
    X[rng.random(X.shape) < 0.15] = np.nan
    X[rng.random(X.shape) < 0.15] = 0.0
    X[rng.random(X.shape) < 0.05] = 1e-36
    X[rng.random(X.shape) < 0.05] = -1e-36
    return X


@pytest.mark.parametrize(
    "params, missing_type",
    [({}, 2), ({"zero_as_missing": True}, 1), ({"use_missing": False}, 0)],
    ids=["missing-nan", "missing-zero", "missing-none"],
)
def test_missing_types(params, missing_type):
    X, y = random_data(n=600, d=5)
    X_train = with_missing(X)
    booster = train({"objective": "binary", "num_leaves": 15, **params}, X_train, (y > 0), 30)
    decision_types = {
        int(t)
        for line in booster.model_to_string().splitlines()
        if line.startswith("decision_type=")
        for t in line.split("=")[1].split()
    }
    X_test = with_missing(random_data(n=600, d=5, seed=3)[0], seed=4)
    model = check_classifier(booster, X_test)
    np.testing.assert_array_equal(model.decision_function(X_test),
                                  booster.predict(X_test, raw_score=True))
    assert {(t >> 2) & 3 for t in decision_types} == {missing_type}


def test_categorical_features_with_unseen_negative_fractional_and_huge_values():
    rng = np.random.default_rng(5)
    n = 800
    X = rng.normal(size=(n, 4))
    X[:, 0] = rng.integers(0, 12, n)
    X[:, 2] = rng.integers(0, 40, n)
    y = np.isin(X[:, 0], [1, 3, 5, 7]) * 2.0 + (X[:, 2] % 3 == 0) + X[:, 1]
    booster = train({"objective": "regression", "num_leaves": 15, "min_data_per_group": 5,
                     "cat_smooth": 1, "max_cat_to_onehot": 2}, X, y, rounds=30,
                    categorical_feature=[0, 2])
    assert "num_cat=0" not in booster.model_to_string().split("Tree=1")[0]
    odd = [-0.5, -0.999, -1.0, -7.0, 0.5, 1.5, 2.9999, 12.0, 39.5, 1000.0, 2.0**31 - 1, 2.0**31,
           3e9, 2.0**32, 1e10, 1e300, -1e300, np.nan, 0.0, -0.0]
    X_test = np.repeat(X[:len(odd)], 2, axis=0)
    X_test[: len(odd), 0] = odd
    X_test[len(odd):, 2] = odd
    X_test = np.vstack([X_test, X[:200]])
    model = check_regressor(booster, X_test)
    np.testing.assert_array_equal(model.predict(X_test), booster.predict(X_test))
    assert pith.from_lightgbm(booster)._trees["category_nodes"].size > 0


# ---- Sizes, inputs, files.


def test_single_tree_and_single_leaf_models():
    X, y = random_data()
    check_regressor(train({"objective": "regression"}, X, y, rounds=1), X)
    stump = train({"objective": "regression", "min_data_in_leaf": 1000}, X, y, rounds=1)
    model = check_regressor(stump, X)
    assert model.n_nodes_ == 1


def test_a_thousand_trees():
    X, y = random_data(n=300)
    booster = train({"objective": "binary", "num_leaves": 7, "learning_rate": 0.05}, X, y > 0,
                    rounds=1000)
    model = check_classifier(booster, X)
    assert model.n_trees_ == 1000


def test_save_load_and_float32_input(tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    booster = train({"objective": "binary", "num_leaves": 15}, X, y, rounds=40)
    model = pith.from_lightgbm(booster)
    model.save(tmp_path / "m.pith")
    loaded = pith.load(tmp_path / "m.pith")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    # LightGBM widens float32 input to float64 before comparing; so does pith.
    X32 = X.astype(np.float32)
    close(loaded.predict_proba(X32)[:, 1], booster.predict(X32), 1e-6)
    np.testing.assert_array_equal(loaded.predict(X32), (booster.predict(X32) > 0.5).astype(int))
    np.testing.assert_array_equal(
        loaded.predict_proba(X32.astype(np.float64)), model.predict_proba(X32.astype(np.float64))
    )


def test_sklearn_api_models_and_text_files(tmp_path):
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])
    clf = lgb.LGBMClassifier(n_estimators=10, num_leaves=7, verbose=-1).fit(X, names[y])
    model = pith.from_lightgbm(clf)
    np.testing.assert_array_equal(model.classes_, clf.classes_)
    np.testing.assert_array_equal(model.predict(X), clf.predict(X))
    close(model.predict_proba(X), clf.predict_proba(X))

    reg = lgb.LGBMRegressor(n_estimators=10, verbose=-1).fit(X, y + 0.5)
    close(pith.from_lightgbm(reg).predict(X), reg.predict(X))

    reg.booster_.save_model(tmp_path / "model.txt")
    from_file = pith.from_lightgbm(tmp_path / "model.txt")
    close(from_file.predict(X), reg.predict(X))
    assert not hasattr(from_file, "feature_names_in_")  # LightGBM's Column_i defaults dropped


# ---- Refused inputs.


def model_text():
    X, y = random_data()
    return train({"objective": "regression", "num_leaves": 7}, X, y, rounds=3).model_to_string()


def test_truncated_and_corrupted_text_is_refused(tmp_path):
    text = model_text()
    end = text.index("end of trees")
    for n in list(range(0, 200, 7)) + list(range(200, end, max(1, end // 150))):
        with pytest.raises(pith.ModelFormatError):
            pith.from_lightgbm(_write(tmp_path, text[:n]))
    corrupt = text.replace("leaf_value=", "leaf_value=x", 1)
    with pytest.raises(pith.ModelFormatError, match=r"leaf_value\) value 0"):
        pith.from_lightgbm(_write(tmp_path, corrupt))
    counts = text.replace("num_leaves=7", "num_leaves=8", 1)
    with pytest.raises(pith.ModelFormatError, match="expected 8 values"):
        pith.from_lightgbm(_write(tmp_path, counts))
    with pytest.raises(pith.ModelFormatError, match="expected \"tree\""):
        pith.from_lightgbm(_write(tmp_path, "not a model"))


def _write(tmp_path, text):
    path = tmp_path / "model.txt"
    path.write_text(text)
    return str(path)


def test_unsupported_models_are_refused_by_name():
    X, y = random_data()
    linear = train({"objective": "regression", "linear_tree": True}, X, y, rounds=2)
    with pytest.raises(NotImplementedError, match="linear tree"):
        pith.from_lightgbm(linear)
    xentlambda = train({"objective": "cross_entropy_lambda"}, X, 1 / (1 + np.exp(-y)), rounds=2)
    with pytest.raises(NotImplementedError, match="cross_entropy_lambda"):
        pith.from_lightgbm(xentlambda)
    sqrt = train({"objective": "regression", "reg_sqrt": True}, X, y, rounds=2)
    with pytest.raises(NotImplementedError, match="sqrt"):
        pith.from_lightgbm(sqrt)

    def squared_error(y_true, y_pred):
        return y_pred - y_true, np.ones_like(y_true)

    custom = lgb.LGBMRegressor(objective=squared_error, n_estimators=2, verbose=-1).fit(X, y)
    with pytest.raises(NotImplementedError, match="custom objective"):
        pith.from_lightgbm(custom)
    with pytest.raises(TypeError, match="lightgbm.Booster"):
        pith.from_lightgbm(object())


def test_feature_count_mismatch_is_refused():
    X, y = random_data(d=6)
    model = pith.from_lightgbm(train({"objective": "regression"}, X, y, rounds=2))
    with pytest.raises(ValueError, match="expecting 6 features"):
        model.predict(X[:, :5])


def test_feature_names_and_pandas_categories():
    pd = pytest.importorskip("pandas")
    X, y = random_data(n=300, d=3)
    frame = pd.DataFrame(X, columns=["alpha", "beta", "gamma"])
    booster = train({"objective": "regression"}, frame, y, rounds=5)
    model = pith.from_lightgbm(booster)
    np.testing.assert_array_equal(model.feature_names_in_, ["alpha", "beta", "gamma"])
    np.testing.assert_array_equal(model.predict(frame), booster.predict(frame))

    frame["gamma"] = pd.Categorical(np.where(X[:, 2] > 0, "up", "down"))
    booster = train({"objective": "regression", "min_data_per_group": 5}, frame, y, rounds=5)
    with pytest.warns(UserWarning, match="category codes"):
        model = pith.from_lightgbm(booster)
    codes = frame.assign(gamma=frame["gamma"].cat.codes.astype(float))
    np.testing.assert_array_equal(model.predict(codes), booster.predict(frame))


def test_unfitted_sklearn_model_is_refused():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        pith.from_lightgbm(lgb.LGBMRegressor())


def test_early_stopped_booster_is_taken_at_its_best_iteration():
    X, y = random_data(n=600)
    train_set = lgb.Dataset(X[:400], y[:400])
    valid = lgb.Dataset(X[400:], y[400:] + 5 * np.sin(X[400:, 3]), reference=train_set)
    booster = lgb.train(
        {"objective": "regression", "verbose": -1, "num_threads": 1}, train_set,
        num_boost_round=200, valid_sets=[valid], callbacks=[lgb.early_stopping(5, verbose=False)],
        keep_training_booster=True,  # keeps the trees past the best iteration
    )
    assert 0 < booster.best_iteration < booster.current_iteration()
    model = check_regressor(booster, X)  # Booster.predict uses best_iteration by default
    assert model.n_trees_ == booster.best_iteration
