"""pith releases the GIL in native code: concurrent fits are correct and Python keeps running."""

import queue
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from numpy.testing import assert_array_equal

from pith import _core
from pith.cluster import KMeans


def test_concurrent_fits_equal_serial_fits():
    rng = np.random.RandomState(0)
    datasets = [rng.rand(3000, 8), rng.rand(3000, 8).astype(np.float32), rng.rand(2000, 5)]

    def fit(X):
        return KMeans(n_clusters=6, n_init=3, random_state=0, n_threads=2).fit(X)

    serial = [fit(X) for X in datasets]
    with ThreadPoolExecutor(max_workers=len(datasets)) as pool:
        concurrent = list(pool.map(fit, datasets * 2))
    for i, model in enumerate(concurrent):
        expected = serial[i % len(datasets)]
        assert_array_equal(model.cluster_centers_, expected.cluster_centers_)
        assert_array_equal(model.labels_, expected.labels_)
        assert model.inertia_ == expected.inertia_
        assert model.n_iter_ == expected.n_iter_


def test_python_runs_during_a_fit():
    # No timing. The fit reports each iteration by calling `iterations.put(run, iteration, inertia)`
    # (queued item `run`; the other two fill put's `block` and `timeout`, which SimpleQueue
    # ignores). put is C code: no Python bytecode runs in the fit, so the worker cannot hand over
    # the GIL there. The main
    # thread waits for the first iteration, then looks at how many have been reported. Had the fit
    # held the GIL, the main thread would only run again after the fit returned: it would see the
    # final count. With the GIL released it sees the fit still running.
    X = np.random.RandomState(0).rand(40000, 32)  # uniform: no convergence in 30 iterations
    iterations = queue.SimpleQueue()

    def fit():
        _core.kmeans_fit(X, None, None, 64, "random", 1, 30, 0.0, 0, 1, iterations.put)

    worker = threading.Thread(target=fit)
    worker.start()
    iterations.get(timeout=60)
    seen_during_fit = iterations.qsize()
    worker.join()
    assert iterations.qsize() == 29
    assert seen_during_fit < 29, "the main thread did not run while the fit was in native code"
