"""Differential tests: pith.linear_model against sklearn.linear_model on the same data.

Tolerances, and why:
- LinearRegression and Ridge solve the same least-squares problem exactly (no iterations): pith
  by Cholesky on the Gram matrix (orthogonal minimum-norm fallback when rank deficient),
  scikit-learn by lstsq / Cholesky. Coefficients agree to rounding; 1e-8 of the largest
  coefficient is asserted (observed: 1e-13 on diabetes, 1e-16 on random data).
- LogisticRegression: both minimise the same objective with L-BFGS to max |gradient| <= tol,
  and are also compared with the optimum itself (scikit-learn's Newton solver at tol=1e-14).
  At tol=1e-10 coefficients are within 1e-4 of the largest coefficient of both (observed:
  1.4e-6 on digits, 1e-13 on wine), labels equal, predict_proba within 1e-6 absolute of the
  optimum (observed: 8e-7 on digits). On ill-conditioned digits L-BFGS stops on the relative
  loss reduction at ~1e-6 from the optimum (scikit-learn's own: 1.2e-6, pith's: 5e-7), so
  pith and scikit-learn's lbfgs are compared at 2e-6. Features are standardised first, as
  scikit-learn needs to converge at all on breast_cancer, wine and digits.
- float32: pith keeps float32 X and coefficients float32, as scikit-learn does; both run in
  float32 arithmetic with different summation orders: 1e-4 of the largest coefficient.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import linear_model as sk
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from pith.linear_model import LinearRegression, LogisticRegression, Ridge


@pytest.fixture(autouse=True)
def one_blas_thread():
    """scikit-learn's lbfgs makes many tiny BLAS calls; with numpy's, scipy's and pith's BLAS
    thread pools on 2 shared cores they wait for each other (measured: 16 s instead of 0.3 s on
    digits). The comparisons are about results, not speed."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def standardized(load):
    X, y = load(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def random_classes(n_classes):
    X, y = make_classification(n_samples=300, n_features=8, n_informative=5,
                               n_classes=n_classes, random_state=n_classes)
    return X, y


CLASSIFICATION = {
    "breast_cancer": lambda: standardized(load_breast_cancer),
    "iris": lambda: standardized(load_iris),
    "wine": lambda: standardized(load_wine),
    "digits": lambda: standardized(load_digits),
    "random_binary": lambda: random_classes(2),
    "random_4_classes": lambda: random_classes(4),
}


def assert_coef_close(ours, theirs, rtol):
    """Elementwise within rtol of the largest coefficient (tiny coefficients have no relative
    precision to speak of)."""
    theirs = np.asarray(theirs)
    assert np.shape(ours) == theirs.shape
    assert_allclose(ours, theirs, rtol=0, atol=rtol * max(np.abs(theirs).max(), 1e-300))


@pytest.mark.parametrize("name", CLASSIFICATION)
@pytest.mark.parametrize("C", [1.0, 0.05])
def test_logistic_regression_matches_sklearn(name, C):
    X, y = CLASSIFICATION[name]()
    params = dict(C=C, tol=1e-10, max_iter=10_000)
    ours = LogisticRegression(**params).fit(X, y)
    theirs = sk.LogisticRegression(**params).fit(X, y)
    # The optimum itself, to 1e-14, by Newton's method.
    optimum = sk.LogisticRegression(C=C, solver="newton-cholesky", tol=1e-14, max_iter=100)
    optimum.fit(X, y)
    assert_array_equal(ours.classes_, theirs.classes_)
    for reference in (theirs, optimum):
        assert_coef_close(ours.coef_, reference.coef_, 1e-4)
        assert_coef_close(ours.intercept_, reference.intercept_, 1e-4)
        assert_array_equal(ours.predict(X), reference.predict(X))
    assert_allclose(ours.predict_proba(X), optimum.predict_proba(X), rtol=0, atol=1e-6)
    # Both L-BFGS runs stop within ~1e-6 of the optimum (on digits, C=1: pith 5e-7,
    # scikit-learn 1.2e-6), so they can be 2e-6 apart.
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=0, atol=2e-6)
    assert ours.decision_function(X).shape == theirs.decision_function(X).shape
    assert ours.n_iter_.shape == (1,) and ours.n_iter_.dtype == np.int32
    assert ours.score(X, y) == theirs.score(X, y)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_logistic_regression_options_match_sklearn(n_classes):
    X, y = random_classes(n_classes)
    weights = np.random.RandomState(1).rand(len(y)) * 2
    cases = [
        (dict(fit_intercept=False), None),
        (dict(class_weight="balanced"), None),
        (dict(class_weight={0: 3.0, 1: 0.5}), None),
        (dict(), weights),
        (dict(class_weight="balanced"), weights),
        (dict(C=np.inf), None),
    ]
    for params, sample_weight in cases:
        params = dict(tol=1e-10, max_iter=10_000, **params)
        ours = LogisticRegression(**params).fit(X, y, sample_weight=sample_weight)
        theirs = sk.LogisticRegression(**params).fit(X, y, sample_weight=sample_weight)
        assert_coef_close(ours.coef_, theirs.coef_, 1e-4)
        assert_coef_close(ours.intercept_, theirs.intercept_, 1e-4)
        assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=0, atol=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_reaches_tight_tolerance_like_sklearn(seed):
    # Near the optimum a step lowers the loss by less than its rounding; the line search must
    # still reach max |gradient| <= 1e-10 where scikit-learn's L-BFGS-B does (an earlier core
    # stopped at 3.8e-9 on the class-weighted case, with a ConvergenceWarning).
    X, y = make_classification(n_samples=300, n_features=8, n_informative=5,
                               n_classes=2 + seed % 3, random_state=seed)
    for class_weight in (None, {0: 3.0, 1: 0.5}):
        params = dict(tol=1e-10, max_iter=10_000, class_weight=class_weight)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            sk.LogisticRegression(**params).fit(X, y)
            LogisticRegression(**params).fit(X, y)


def test_penalty_none_is_c_inf():
    X, y = random_classes(2)
    a = LogisticRegression(penalty=None, tol=1e-10, max_iter=10_000).fit(X, y)
    b = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(X, y)
    assert_array_equal(a.coef_, b.coef_)


@pytest.mark.parametrize(
    "labels",
    [np.array(["spam", "ham"]), np.array(["b", "a", "c"], dtype=object), np.array([-5, 7]),
     np.array([10, 20, 30]), np.array([False, True]), np.array([1.0, 2.0, 3.0])],
    ids=["str", "object str", "negative int", "int", "bool", "integral float"],
)
def test_class_labels_like_sklearn(labels):
    X, y = random_classes(len(labels))
    y = labels[y]
    ours = LogisticRegression().fit(X, y)
    theirs = sk.LogisticRegression().fit(X, y)
    assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.classes_.dtype == theirs.classes_.dtype
    assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.predict(X).dtype == theirs.predict(X).dtype


def test_predict_log_proba_and_decision_function():
    X, y = CLASSIFICATION["iris"]()
    model = LogisticRegression().fit(X, y)
    assert_allclose(model.predict_log_proba(X), np.log(model.predict_proba(X)))
    assert_allclose(model.decision_function(X), X @ model.coef_.T + model.intercept_, rtol=1e-12)
    assert_array_equal(model.predict(X), model.classes_[model.decision_function(X).argmax(1)])
    Xb, yb = CLASSIFICATION["random_binary"]()
    binary = LogisticRegression().fit(Xb, yb)
    scores = binary.decision_function(Xb)
    assert scores.shape == (len(Xb),)
    assert_allclose(binary.predict_proba(Xb)[:, 1], 1 / (1 + np.exp(-scores)), rtol=1e-12)
    assert_array_equal(binary.predict(Xb), (scores > 0).astype(int))


def test_convergence_warning_like_sklearn():
    X, y = load_digits(return_X_y=True)  # unscaled: lbfgs needs many iterations
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge after 3 iteration"):
        model = LogisticRegression(max_iter=3).fit(X, y)
    assert model.n_iter_.tolist() == [3]


def test_verbose_prints_iterations(capsys):
    X, y = CLASSIFICATION["iris"]()
    LogisticRegression(verbose=1).fit(X, y)
    assert "Iteration 1, loss" in capsys.readouterr().out


@pytest.mark.parametrize("n_classes", [2, 3])
def test_logistic_regression_float32(n_classes):
    # In float32 both stop where float32 gradients stop being informative, at different
    # points: each is compared with the float64 optimum (observed: pith 2e-6, scikit-learn
    # 2e-4 away on 3 classes at tol=1e-6).
    X, y = random_classes(n_classes)
    X32 = X.astype(np.float32)
    optimum = sk.LogisticRegression(tol=1e-12, max_iter=10_000).fit(X, y)
    ours = LogisticRegression(tol=1e-6, max_iter=1000).fit(X32, y)
    theirs = sk.LogisticRegression(tol=1e-6, max_iter=1000).fit(X32, y)
    assert ours.coef_.dtype == theirs.coef_.dtype == np.float32
    assert ours.predict_proba(X32).dtype == theirs.predict_proba(X32).dtype == np.float32
    assert_coef_close(ours.coef_, optimum.coef_, 1e-4)
    assert_allclose(ours.predict_proba(X32), optimum.predict_proba(X), atol=1e-5)
    assert_array_equal(ours.predict(X32), theirs.predict(X32))


# ---- Least squares.

def random_regression(n=200, d=6, targets=None, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, d)
    coef = rng.randn(d) if targets is None else rng.randn(d, targets)
    return X, X @ coef + 3 + 0.1 * rng.randn(*((n,) if targets is None else (n, targets)))


REGRESSION = {
    "diabetes": lambda: load_diabetes(return_X_y=True),
    "random": lambda: random_regression(),
    "random_3_targets": lambda: random_regression(targets=3),
    "random_column_y": lambda: (lambda X, y: (X, y[:, None]))(*random_regression()),
}
REGRESSORS = {
    "LinearRegression": (LinearRegression, sk.LinearRegression, {}),
    "Ridge": (Ridge, sk.Ridge, {"alpha": 1.0}),
    "Ridge_alpha_0.01": (Ridge, sk.Ridge, {"alpha": 0.01}),
}


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("regressor", REGRESSORS)
@pytest.mark.parametrize("name", REGRESSION)
def test_least_squares_match_sklearn(name, regressor, fit_intercept):
    X, y = REGRESSION[name]()
    ours_cls, theirs_cls, params = REGRESSORS[regressor]
    weights = np.random.RandomState(2).rand(len(y))
    for sample_weight in (None, weights):
        ours = ours_cls(fit_intercept=fit_intercept, **params).fit(X, y, sample_weight)
        theirs = theirs_cls(fit_intercept=fit_intercept, **params).fit(X, y, sample_weight)
        assert_coef_close(ours.coef_, theirs.coef_, 1e-8)
        assert np.shape(ours.intercept_) == np.shape(theirs.intercept_)
        assert type(ours.intercept_) is type(theirs.intercept_)
        assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-8, atol=1e-8)
        assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-8, atol=1e-8)
        assert ours.score(X, y) == pytest.approx(theirs.score(X, y), rel=1e-10)
        if hasattr(theirs, "rank_"):
            assert ours.rank_ == theirs.rank_


SINGULAR = {
    "duplicate column": lambda X: np.c_[X, X[:, 0]],
    "linear combination": lambda X: np.c_[X, X[:, 0] - 2 * X[:, 1]],
    "constant column": lambda X: np.c_[X, np.full(len(X), 4.0)],
    "more features than samples": lambda X: X[:4],
}


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("make", SINGULAR.values(), ids=SINGULAR.keys())
def test_singular_design_gives_minimum_norm_solution(make, fit_intercept):
    X, _ = random_regression(n=40, d=5)
    X = make(X)
    y = np.random.RandomState(3).randn(len(X))
    ours = LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    theirs = sk.LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    assert ours.rank_ == theirs.rank_
    assert_coef_close(ours.coef_, theirs.coef_, 1e-8)
    assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("cls, sk_cls", [(LinearRegression, sk.LinearRegression),
                                         (Ridge, sk.Ridge)])
def test_least_squares_float32(cls, sk_cls):
    X, y = random_regression()
    X32 = X.astype(np.float32)
    ours, theirs = cls().fit(X32, y), sk_cls().fit(X32, y)
    assert ours.coef_.dtype == theirs.coef_.dtype == np.float32
    assert ours.predict(X32).dtype == theirs.predict(X32).dtype == np.float32
    assert ours.predict(X).dtype == theirs.predict(X).dtype == np.float64
    assert_coef_close(ours.coef_, theirs.coef_, 1e-4)


def test_sample_weight_equals_repeated_rows():
    X, y = random_regression(n=30)
    repeats = np.random.RandomState(4).randint(0, 4, size=len(y))
    for model in (LinearRegression(), Ridge(alpha=2.0)):
        weighted = model.fit(X, y, sample_weight=repeats).coef_.copy()
        repeated = model.fit(np.repeat(X, repeats, axis=0), np.repeat(y, repeats)).coef_
        assert_allclose(weighted, repeated, rtol=1e-9)


# ---- Threads.

def test_thread_count_changes_only_rounding():
    # Sums are split per thread, so the thread count changes the order of additions only
    # (observed: 1.5e-12 of the largest coefficient for Ridge, 3e-14 for LogisticRegression).
    X, y = make_classification(n_samples=5000, n_features=10, n_informative=5, n_classes=3,
                               random_state=0)
    for model, target in ((LogisticRegression(), y), (Ridge(), X[:, 0] + y),
                          (LinearRegression(), y * 1.0)):
        one = model.set_params(n_threads=1).fit(X, target).coef_.copy()
        two = model.set_params(n_threads=2).fit(X, target).coef_
        assert_coef_close(two, one, 1e-10)


def test_concurrent_fits_equal_serial_fits():
    from concurrent.futures import ThreadPoolExecutor

    from sklearn.base import clone

    X, y = make_classification(n_samples=2000, n_features=10, n_informative=5, n_classes=3,
                               random_state=1)
    tasks = [(LogisticRegression(n_threads=2), y), (Ridge(n_threads=2), X[:, 0]),
             (LinearRegression(n_threads=1), y * 1.0)] * 2

    def fit(task):
        model, target = task
        return clone(model).fit(X, target).coef_

    serial = [fit(task) for task in tasks]
    with ThreadPoolExecutor(max_workers=3) as pool:
        concurrent = list(pool.map(fit, tasks))
    for got, expected in zip(concurrent, serial):
        assert_array_equal(got, expected)
