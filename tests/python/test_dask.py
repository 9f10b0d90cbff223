"""pith.dask on a real dask.distributed LocalCluster (2 worker processes): the distributed fits
equal the local ones, whatever the partitioning, and survive a worker lost mid-fit."""

import os
import subprocess
import sys

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

import pandas as pd  # noqa: E402
from sklearn.datasets import load_iris, load_wine, make_blobs  # noqa: E402

import pith  # noqa: E402
from pith.cluster import KMeans as LocalKMeans  # noqa: E402
from pith.dask import KMeans, LogisticRegression  # noqa: E402
from pith.linear_model import LogisticRegression as LocalLogisticRegression  # noqa: E402

# Uneven partitions, and one empty partition, of 300 rows.
PARTITIONS = {
    "one": (300,),
    "three": (100, 100, 100),
    "seventeen": tuple([17] * 16 + [28]),
    "uneven_with_empty": (1, 150, 0, 149),
}


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        with distributed.Client(cluster) as c:
            yield c


def chunked(X, rows):
    if X.ndim == 1:
        return da.from_array(X, chunks=(rows,))
    return da.from_array(X, chunks=(rows, X.shape[1]))


def blobs(n=300, d=4, k=3, dtype=np.float64):
    X, _ = make_blobs(n_samples=n, n_features=d, centers=k, cluster_std=2.0, random_state=0)
    return X.astype(dtype)


# ---- K-Means -----------------------------------------------------------------------------------


@pytest.mark.parametrize("partitions", PARTITIONS.values(), ids=PARTITIONS.keys())
def test_kmeans_equals_the_local_fit_from_the_same_centers(client, partitions):
    X = blobs()
    init = X[[0, 1, 2, 3]]
    local = LocalKMeans(4, init=init, n_init=1, tol=0).fit(X)
    dist = KMeans(4, init=init, tol=0).fit(chunked(X, partitions))
    np.testing.assert_allclose(dist.cluster_centers_, local.cluster_centers_, rtol=1e-9, atol=0)
    assert dist.n_iter_ == local.n_iter_
    assert dist.inertia_ == pytest.approx(local.inertia_, rel=1e-12)
    assert isinstance(dist.labels_, da.Array)
    np.testing.assert_array_equal(dist.labels_.compute(), local.labels_)


def test_kmeans_float32_and_sample_weight(client):
    X = blobs(dtype=np.float32)
    w = np.random.default_rng(1).uniform(0.1, 3.0, size=len(X)).astype(np.float32)
    init = X[[5, 100, 200]]
    local = LocalKMeans(3, init=init, n_init=1).fit(X, sample_weight=w)
    dist = KMeans(3, init=init).fit(chunked(X, PARTITIONS["three"]),
                                    sample_weight=chunked(w, PARTITIONS["three"]))
    assert dist.cluster_centers_.dtype == np.float32
    np.testing.assert_allclose(dist.cluster_centers_, local.cluster_centers_, rtol=1e-6)
    np.testing.assert_array_equal(dist.labels_.compute(), local.labels_)


def test_kmeans_relocates_empty_clusters_like_the_local_fit(client):
    X = blobs()
    init = np.vstack([X[:2], [[1e3] * 4]])  # the far center gets no rows in the first step
    local = LocalKMeans(3, init=init, n_init=1).fit(X)
    dist = KMeans(3, init=init).fit(chunked(X, PARTITIONS["uneven_with_empty"]))
    np.testing.assert_allclose(dist.cluster_centers_, local.cluster_centers_, rtol=1e-9)
    np.testing.assert_array_equal(dist.labels_.compute(), local.labels_)


def test_kmeans_scalable_init_finds_the_clusters_reproducibly(client):
    X, truth = make_blobs(n_samples=3000, n_features=3, centers=5, cluster_std=0.5,
                          random_state=3)
    dX = chunked(X, 500)
    a = KMeans(5, random_state=0).fit(dX)
    b = KMeans(5, random_state=0).fit(dX)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    best_local = LocalKMeans(5, n_init=10, random_state=0).fit(X)
    assert a.inertia_ <= best_local.inertia_ * 1.001
    # Every true blob is one cluster.
    labels = a.labels_.compute()
    for blob in range(5):
        assert len(np.unique(labels[truth == blob])) == 1


def test_kmeans_model_saves_loads_and_predicts_lazily(client, tmp_path):
    X = blobs()
    frame = dd.from_pandas(pd.DataFrame(X, columns=["a", "b", "c", "d"]), npartitions=3)
    km = KMeans(3, random_state=0).fit(frame)
    assert list(km.feature_names_in_) == ["a", "b", "c", "d"]
    km.save(tmp_path / "km.pith")
    loaded = pith.load(tmp_path / "km.pith")
    assert type(loaded) is LocalKMeans
    np.testing.assert_array_equal(loaded.cluster_centers_, km.cluster_centers_)
    lazy = km.predict(chunked(X, PARTITIONS["seventeen"]))
    assert isinstance(lazy, da.Array)
    named = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    np.testing.assert_array_equal(lazy.compute(), loaded.predict(named))
    distances = km.transform(chunked(X, PARTITIONS["uneven_with_empty"]))
    np.testing.assert_allclose(distances.compute(), loaded.transform(named), rtol=1e-12)


def test_numpy_input_fits_locally(client):
    X = blobs()
    a = KMeans(3, random_state=0).fit(X)
    b = LocalKMeans(3, random_state=0).fit(X)
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert isinstance(a.labels_, np.ndarray)


def test_kmeans_survives_a_worker_lost_mid_fit(client):
    X = blobs(n=3000)
    init = X[[0, 1, 2]]
    expected = KMeans(3, init=init, tol=0).fit(chunked(X, 300))
    km = KMeans(3, init=init, tol=0)
    killed = []

    def kill_a_worker(iteration):
        if iteration == 2 and not killed:
            worker = sorted(client.scheduler_info()["workers"])[0]
            client.restart_workers([worker])  # its persisted chunks are gone
            killed.append(worker)

    km._iteration_hook = kill_a_worker
    km.fit(chunked(X, 300))
    assert killed, "the fit ended before a worker could be lost"
    np.testing.assert_array_equal(km.cluster_centers_, expected.cluster_centers_)
    assert km.n_iter_ == expected.n_iter_


def test_kmeans_survives_a_worker_killed_during_a_step(client):
    # SIGKILL a worker process a few milliseconds into a Lloyd step, while it runs a direct call
    # over its chunks (or just after): the step falls back to tasks, Dask recomputes the lost
    # chunks, and the fit ends with the undisturbed result.
    import signal
    import threading
    import time

    # Generated on the workers (a 32 MB array sent from here would be one large graph).
    dX = da.random.default_rng(3).normal(size=(1_000_000, 8), chunks=(100_000, 8))
    dX = dX.astype(np.float32).persist()
    init = dX[:5].compute().astype(np.float64)
    expected = KMeans(5, init=init, tol=0, max_iter=6).fit(dX)
    km = KMeans(5, init=init, tol=0, max_iter=6)
    killed = []

    def kill_soon(iteration):
        if iteration == 2 and not killed:
            pids = client.run(os.getpid)
            worker = sorted(pids)[0]

            def kill():
                time.sleep(0.005)
                os.kill(pids[worker], signal.SIGKILL)  # the nanny starts a new worker
                killed.append(worker)

            threading.Thread(target=kill).start()

    km._iteration_hook = kill_soon
    km.fit(dX)
    client.wait_for_workers(2, timeout=60)
    assert killed
    np.testing.assert_array_equal(km.cluster_centers_, expected.cluster_centers_)
    assert km.n_iter_ == expected.n_iter_


def test_chunks_all_on_one_worker_are_shared_out_and_the_fit_is_unchanged(client):
    from pith.dask import _common

    X = blobs(n=1200)
    init = X[[0, 1, 2, 3]]
    expected = LocalKMeans(4, init=init, n_init=1, tol=0).fit(X)
    workers = sorted(client.scheduler_info()["workers"])
    sizes = (100, 300, 200, 100, 400, 100)
    packed = client.persist(chunked(X, sizes), workers=workers[:1])
    futures = _common.chunk_futures(packed)
    distributed.wait(futures)
    assert {tuple(w) for w in client.who_has(futures).values()} == {(workers[0],)}

    groups = dict(_common.group_by_worker(futures))
    assert set(groups) == set(workers)
    rows = {w: sum(sizes[i] for i in idx) for w, idx in groups.items()}
    assert rows == {workers[0]: 600, workers[1]: 600}  # the 400- and 200-row chunks move
    assert sorted(i for idx in groups.values() for i in idx) == list(range(len(sizes)))

    dist = KMeans(4, init=init, tol=0).fit(packed)
    np.testing.assert_allclose(dist.cluster_centers_, expected.cluster_centers_, rtol=1e-9, atol=0)
    assert dist.n_iter_ == expected.n_iter_
    assert dist.inertia_ == pytest.approx(expected.inertia_, rel=1e-12)


def _chunk_sum_and_threads(block, scale, *, offset):
    from pith.dask import _common

    return float(np.asarray(block).sum()) * scale + offset, _common.worker_threads()


def test_direct_calls_give_the_tasks_results_and_fall_back_when_they_cannot(client):
    from pith.dask import _common

    X = chunked(blobs(n=600), (100, 250, 0, 250)).persist()
    futures = _common.chunk_futures(X)
    distributed.wait(futures)
    scales = [1.0, 2.0, 3.0, 4.0]
    expected = [(float(X.blocks[i].compute().sum()) * scales[i] + 0.5, 1) for i in range(4)]
    holders = client.who_has(futures)
    held: dict = {}
    for i, f in enumerate(futures):
        held.setdefault(holders[f.key][0], []).append(i)
    groups = list(held.items())
    parts = _common._map_direct(client, groups, _chunk_sum_and_threads, [futures, scales],
                                {"offset": 0.5})
    # Chunk arguments read on the worker that holds them; the worker's own thread count (1).
    assert [len(part) for part in parts] == [len(idx) for _, idx in groups]
    direct = {i: r for (_, idx), part in zip(groups, parts) for i, r in zip(idx, part)}
    assert [direct[i] for i in range(4)] == expected

    # map_reduce gives the same whichever way it runs (tasks when the balance moves a chunk).
    before = dict(_common.paths)
    total = _common.map_reduce(_chunk_sum_and_threads, lambda *r: list(r), futures, scales,
                               offset=0.5)
    assert total == expected
    assert sum(_common.paths.values()) == sum(before.values()) + 1

    # A chunk no live worker holds, or a worker asked for a chunk it does not hold: no direct
    # call (the ordinary tasks then run, fetching or recomputing the chunks).
    workers = sorted(client.scheduler_info()["workers"])
    unheld = [(None, list(range(4)))]
    assert _common._map_direct(client, unheld, _chunk_sum_and_threads, [futures, scales],
                               {"offset": 0.5}) is None
    only_on_first = client.scatter([np.ones((3, 2))], workers=workers[:1])
    assert _common._map_direct(client, [(workers[1], [0])], _chunk_sum_and_threads,
                               [only_on_first, [1.0]], {"offset": 0.5}) is None
    assert _common._map_direct(client, [(workers[0], [0])], _chunk_sum_and_threads,
                               [only_on_first, [1.0]], {"offset": 0.5}) == [[(6.5, 1)]]


# ---- Logistic regression -------------------------------------------------------------------------


def objective(model, X, y, C=1.0):
    """scikit-learn's lbfgs objective at a fitted model, in float64."""
    index = np.searchsorted(model.classes_, y)
    z = X @ np.atleast_2d(model.coef_).T + model.intercept_
    if z.shape[1] == 1:
        loss = np.logaddexp(0, z[:, 0]) - (index == 1) * z[:, 0]
    else:
        loss = np.logaddexp.reduce(z, axis=1) - z[np.arange(len(y)), index]
    return loss.mean() + (np.asarray(model.coef_, dtype=np.float64) ** 2).sum() / (2 * C * len(y))


@pytest.mark.parametrize("partitions", PARTITIONS.values(), ids=PARTITIONS.keys())
@pytest.mark.parametrize("binary", [True, False], ids=["binary", "multinomial"])
def test_logistic_reaches_the_local_loss(client, partitions, binary):
    X, y = load_wine(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    X = np.vstack([X, X[:122]])[:300]  # 300 rows for the partitions above
    y = np.concatenate([y, y[:122]])[:300]
    if binary:
        y = np.where(y == 1, "yes", "no")
    local = LocalLogisticRegression(tol=1e-10, max_iter=1000).fit(X, y)
    dist = LogisticRegression(tol=1e-10, max_iter=1000).fit(chunked(X, partitions),
                                                            chunked(y, partitions))
    assert objective(dist, X, y) == pytest.approx(objective(local, X, y), rel=1e-8)
    np.testing.assert_array_equal(dist.classes_, local.classes_)
    predicted = dist.predict(chunked(X, partitions))
    assert isinstance(predicted, da.Array)
    np.testing.assert_array_equal(predicted.compute(), local.predict(X))
    np.testing.assert_allclose(dist.predict_proba(chunked(X, partitions)).compute(),
                               local.predict_proba(X), atol=1e-6)


def test_logistic_weights_and_dataframes(client, tmp_path):
    X, y = load_iris(return_X_y=True)
    w = np.random.default_rng(0).uniform(0.2, 2.0, size=len(y))
    frame = dd.from_pandas(pd.DataFrame(X, columns=list("abcd")), npartitions=4)
    labels = dd.from_pandas(pd.Series(y), npartitions=4)
    weights = dd.from_pandas(pd.Series(w), npartitions=4)
    kwargs = dict(tol=1e-10, max_iter=1000, class_weight="balanced")
    local = LocalLogisticRegression(**kwargs).fit(X, y, sample_weight=w)
    dist = LogisticRegression(**kwargs).fit(frame, labels, sample_weight=weights)
    np.testing.assert_allclose(dist.coef_, local.coef_, rtol=1e-4, atol=1e-6)
    assert list(dist.feature_names_in_) == list("abcd")
    dist.save(tmp_path / "lr.pith")
    loaded = pith.load(tmp_path / "lr.pith")
    named = pd.DataFrame(X, columns=list("abcd"))
    np.testing.assert_array_equal(loaded.predict(named), dist.predict(frame).compute())


def test_logistic_single_class_is_refused(client):
    X = np.random.default_rng(0).normal(size=(50, 2))
    with pytest.raises(ValueError, match="at least 2 classes"):
        LogisticRegression().fit(chunked(X, 10), chunked(np.zeros(50), 10))


def test_logistic_survives_a_worker_lost_mid_fit(client):
    X, y = load_iris(return_X_y=True)
    expected = LogisticRegression(tol=1e-8, max_iter=1000).fit(chunked(X, 30), chunked(y, 30))
    lr = LogisticRegression(tol=1e-8, max_iter=1000)
    killed = []

    def kill_a_worker(iteration):
        if iteration == 3 and not killed:
            worker = sorted(client.scheduler_info()["workers"])[0]
            client.restart_workers([worker])
            killed.append(worker)

    lr._iteration_hook = kill_a_worker
    lr.fit(chunked(X, 30), chunked(y, 30))
    assert killed
    np.testing.assert_array_equal(lr.coef_, expected.coef_)


def test_without_a_client_the_error_says_what_to_do():
    code = ("import numpy as np, dask.array as da; from pith.dask import KMeans; "
            "KMeans(2).fit(da.from_array(np.random.rand(20, 2), chunks=10))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, OMP_WAIT_POLICY="passive"))
    assert out.returncode != 0
    assert "need an active dask.distributed Client" in out.stderr


# ---- Bad input -------------------------------------------------------------------------------


def test_nan_in_one_partition_names_it(client):
    X = blobs()
    X[205, 2] = np.nan
    with pytest.raises(ValueError, match=r"partition 2 of X contains nan at its row 5 \(row 205 "
                                         r"of X\), column 2"):
        KMeans(3).fit(chunked(X, PARTITIONS["three"]))
    y = np.arange(300) % 2
    with pytest.raises(ValueError, match="partition 2 of X contains nan"):
        LogisticRegression().fit(chunked(X, PARTITIONS["three"]), chunked(y, PARTITIONS["three"]))


def test_non_numeric_dataframe_columns_are_named(client):
    frame = pd.DataFrame({"a": np.arange(20.0), "city": ["x"] * 20, "b": np.ones(20)})
    with pytest.raises(ValueError, match=r"non-numeric columns \['city'\]"):
        KMeans(2).fit(dd.from_pandas(frame, npartitions=2))


def test_partitions_with_different_columns_are_refused(client):
    def frame_of(width):
        return pd.DataFrame(np.ones((10, width)), columns=list("abcd")[:width])

    frame = dd.from_map(frame_of, [3, 4], meta=frame_of(3).iloc[:0], enforce_metadata=False)
    with pytest.raises(ValueError, match=r"partition 1 of X has shape \(10, 4\), expected"):
        KMeans(2).fit(frame)


def test_unknown_chunk_sizes_are_computed(client):
    X = blobs()
    dX = chunked(X, PARTITIONS["three"])
    unknown = dX[dX[:, 0] > -np.inf]  # boolean indexing: chunk sizes unknown (nan)
    assert np.isnan(unknown.chunks[0][0])
    init = X[[0, 1, 2]]
    np.testing.assert_allclose(KMeans(3, init=init).fit(unknown).cluster_centers_,
                               LocalKMeans(3, init=init, n_init=1).fit(X).cluster_centers_,
                               rtol=1e-9)


def test_mismatched_labels_are_refused(client):
    X = blobs()
    with pytest.raises(ValueError, match=r"y must have shape \(300,\)"):
        LogisticRegression().fit(chunked(X, 100), chunked(np.zeros(299), 100))
