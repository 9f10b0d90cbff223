"""Differential tests: pith.cluster.KMeans against sklearn.cluster.KMeans on the same data.

Tolerances, and why:
- float64, same initial centers: both run the same Lloyd iterations and differ only in rounding
  (scikit-learn centers X and expands |x - c|^2 = |x|^2 - 2 x.c + |c|^2; pith does neither), so
  centers agree to 1e-6 relative (observed: 1e-15), labels and n_iter exactly.
  Data on a grid (iris in steps of 0.1, digits in integers) has exact distance ties, which the two
  roundings break differently; one flipped label changes the rest of the run. The exact
  comparison therefore runs on the datasets plus a jitter of 1e-6 standard deviations (far below
  their precision), which leaves no ties. On the raw datasets only the inertia is compared, with
  a tolerance that covers different tie-breaking (observed: up to 0.4% on iris, 1e-15 on wine).
- float32: scikit-learn keeps centers and their running sums in float32, pith sums in float64, so
  centers differ by ~1e-6 relative after each iteration and a point that close to the boundary
  between two clusters can flip. Jitter 1e-4 standard deviations keeps points off such
  boundaries; centers agree to 1e-5 of the data's scale (observed: 2e-6), inertia to 1e-5
  (observed: 1e-6), labels and n_iter exactly.
- k-means++ with n_init=10: the two libraries draw different random numbers, so runs differ; the
  best of 10 reaches the same optimum or one as good: inertia within 0.5% for every seed
  (observed: within 0.01%).
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import load_digits, load_iris, load_wine, make_blobs

from pith.cluster import KMeans

DATASETS = {
    "blobs": lambda: make_blobs(n_samples=2000, n_features=8, centers=5, random_state=0)[0],
    "iris": lambda: load_iris().data,
    "wine": lambda: load_wine().data,
    "digits": lambda: load_digits().data,
}
N_CLUSTERS = {"iris": 3, "wine": 3, "digits": 10}


def jittered(X, scale, seed=0):
    """X plus `scale` standard deviations of noise per feature: breaks exact distance ties."""
    return X + scale * X.std(axis=0) * np.random.RandomState(seed).standard_normal(X.shape)


def random_rows(X, k, seed):
    return X[np.random.RandomState(seed).choice(X.shape[0], k, replace=False)]


def fit_both(X, init, **params):
    k = init.shape[0]
    ours = KMeans(n_clusters=k, init=init, n_init=1, **params).fit(X)
    theirs = SkKMeans(n_clusters=k, init=init, n_init=1, **params).fit(X)
    return ours, theirs


@pytest.mark.parametrize("k", [2, 5, 10])
@pytest.mark.parametrize("name", DATASETS)
def test_same_init_same_result_float64(name, k):
    X = jittered(DATASETS[name](), 1e-6)
    scale = np.abs(X).max()
    for seed in range(3):
        ours, theirs = fit_both(X, random_rows(X, k, seed))
        assert ours.cluster_centers_.dtype == np.float64
        assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, rtol=1e-6, atol=1e-9 * scale)
        assert_array_equal(ours.labels_, theirs.labels_)
        assert ours.n_iter_ == theirs.n_iter_
        assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-6)


@pytest.mark.parametrize("k", [2, 5, 10])
@pytest.mark.parametrize("name", DATASETS)
def test_same_init_same_result_float32(name, k):
    X = jittered(DATASETS[name](), 1e-4).astype(np.float32)
    scale = np.abs(X).max()
    for seed in range(3):
        ours, theirs = fit_both(X, random_rows(X, k, seed))
        assert ours.cluster_centers_.dtype == np.float32
        assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, rtol=0, atol=1e-5 * scale)
        assert_array_equal(ours.labels_, theirs.labels_)
        assert ours.n_iter_ == theirs.n_iter_
        assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-5)


@pytest.mark.parametrize("name", ["iris", "wine", "digits"])
def test_same_init_raw_grid_data(name):
    X = DATASETS[name]()
    for k in (2, 5, 10):
        for seed in range(3):
            ours, theirs = fit_both(X, random_rows(X, k, seed))
            assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=5e-3)


@pytest.mark.parametrize("init", ["k-means++", "random"])
@pytest.mark.parametrize("name", ["iris", "wine", "digits"])
def test_best_of_10_inits_as_good_as_sklearn(name, init):
    X = DATASETS[name]()
    k = N_CLUSTERS[name]
    for seed in range(5):
        ours = KMeans(n_clusters=k, init=init, n_init=10, random_state=seed).fit(X)
        theirs = SkKMeans(n_clusters=k, init=init, n_init=10, random_state=seed).fit(X)
        assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=5e-3), f"seed {seed}"


def test_fixed_random_state_is_reproducible():
    X = DATASETS["digits"]()
    a = KMeans(n_clusters=10, random_state=3).fit(X)
    b = KMeans(n_clusters=10, random_state=3).fit(X)
    assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert_array_equal(a.labels_, b.labels_)


def test_sample_weight_equals_repeated_rows():
    X = DATASETS["blobs"]()[:500]
    weights = np.random.RandomState(0).randint(0, 4, size=X.shape[0])
    init = random_rows(X[weights > 0], 5, seed=1)
    weighted = KMeans(n_clusters=5, init=init, n_init=1).fit(X, sample_weight=weights)
    repeated = KMeans(n_clusters=5, init=init, n_init=1).fit(np.repeat(X, weights, axis=0))
    assert_allclose(weighted.cluster_centers_, repeated.cluster_centers_, rtol=1e-12)
    assert_array_equal(np.repeat(weighted.labels_, weights), repeated.labels_)
    assert weighted.n_iter_ == repeated.n_iter_
    assert weighted.inertia_ == pytest.approx(repeated.inertia_, rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sample_weight_matches_sklearn(dtype):
    X = jittered(DATASETS["wine"](), 1e-4).astype(dtype)
    weights = np.random.RandomState(0).uniform(0.1, 3.0, size=X.shape[0])
    init = random_rows(X, 4, seed=2)
    ours = KMeans(n_clusters=4, init=init, n_init=1).fit(X, sample_weight=weights)
    theirs = SkKMeans(n_clusters=4, init=init, n_init=1).fit(X, sample_weight=weights)
    rtol = 1e-6 if dtype == np.float64 else 1e-4
    assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, rtol=rtol)
    assert_array_equal(ours.labels_, theirs.labels_)
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=rtol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predict_transform_score_match_sklearn(dtype):
    X = DATASETS["blobs"]().astype(dtype)
    X_train, X_test = X[:1500], X[1500:]
    ours = KMeans(n_clusters=6, random_state=0).fit(X_train)
    # scikit-learn's estimator, fitted, then given pith's centers.
    theirs = SkKMeans(n_clusters=6, n_init=1, max_iter=1).fit(X_train)
    theirs.cluster_centers_ = ours.cluster_centers_.copy()
    weights = np.random.RandomState(1).uniform(0, 2, size=X_test.shape[0]).astype(dtype)
    rtol = 1e-10 if dtype == np.float64 else 1e-5

    assert_array_equal(ours.predict(X_test), theirs.predict(X_test))
    distances = ours.transform(X_test)
    assert distances.dtype == dtype
    assert_allclose(distances, theirs.transform(X_test), rtol=rtol)
    assert ours.score(X_test) == pytest.approx(theirs.score(X_test), rel=rtol)
    assert ours.score(X_test, sample_weight=weights) == pytest.approx(
        theirs.score(X_test, sample_weight=weights), rel=rtol
    )


def test_predict_transform_score_match_numpy():
    X = DATASETS["blobs"]()
    model = KMeans(n_clusters=5, random_state=0).fit(X)
    distances = np.sqrt(((X[:, None, :] - model.cluster_centers_[None]) ** 2).sum(axis=2))
    assert_allclose(model.transform(X), distances, rtol=1e-12)
    assert_array_equal(model.predict(X), distances.argmin(axis=1))
    assert_array_equal(model.labels_, distances.argmin(axis=1))
    assert model.score(X) == pytest.approx(-(distances.min(axis=1) ** 2).sum(), rel=1e-12)
    assert model.inertia_ == pytest.approx(-model.score(X), rel=1e-12)
    assert_allclose(model.fit_transform(X), distances, rtol=1e-12)


def test_callable_init_is_called_once_per_run():
    X = DATASETS["wine"]()
    calls = []

    def init(X, n_clusters, random_state):
        calls.append(n_clusters)
        return X[random_state.choice(X.shape[0], n_clusters, replace=False)]

    ours = KMeans(n_clusters=3, init=init, n_init=4, random_state=0).fit(X)
    theirs = SkKMeans(n_clusters=3, init=init, n_init=4, random_state=0).fit(X)
    assert calls == [3] * 8
    # Same random state, same calls: the same initial centers in the same order.
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-6)


def test_verbose_prints_iterations(capsys):
    KMeans(n_clusters=3, n_init=2, init="random", verbose=1, random_state=0).fit(
        DATASETS["iris"]()
    )
    out = capsys.readouterr().out
    assert out.count("Initialization complete") == 2
    assert "Iteration 1, inertia" in out
