"""Distributed fits side by side on one LocalCluster: pith.dask against dask-ml.

Both libraries get the same dask arrays (persisted on the workers before timing), the same
cluster (--workers processes x 1 thread) and the same settings:

  kmeans-equal  KMeans from the same initial centers, tol=0, --iters Lloyd iterations
  kmeans-e2e    KMeans with each library's scalable init (k-means||) and defaults
                (the result column is the inertia of the returned centers, computed here)
  logreg        binary LogisticRegression, C=1, lbfgs, tol=1e-4, max_iter=100; the table shows
                scikit-learn's objective at each result (dask-ml penalises differently: compare)

Prints medians of --repeats runs, ratios to pith, and the client process's peak memory above
its size before the fits (the data live on the workers). Usage:

  .venv/bin/python bench/bench_dask.py            # docs/benchmarks.md's shapes
  .venv/bin/python bench/bench_dask.py --quick
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import peak_rss_bytes, reset_peak_rss, rss_bytes  # noqa: E402


def logistic_objective(coef, intercept, X, y, C=1.0):
    z = X @ np.ravel(coef) + np.ravel(intercept)[0]
    return float((np.logaddexp(0, z) - y * z).mean() + (np.ravel(coef) ** 2).sum() / (2 * C * len(y)))


def inertia(X, centers):
    """Sum of squared distances to the closest center, the same computation for every library."""
    import dask.array as da

    C = np.asarray(centers, dtype=np.float64)
    d2 = X.map_blocks(lambda b: ((b[:, None, :] - C[None]) ** 2).sum(-1).min(axis=1),
                      drop_axis=1, dtype=np.float64)
    return float(da.sum(d2).compute())


def timed(fit, repeats):
    times, result = [], None
    reset_peak_rss()
    before = rss_bytes()
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fit()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result, max(0, peak_rss_bytes() - before) / 2**20


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--iters", type=int, default=10)
    args = p.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread per worker process

    import dask.array as da
    import dask_ml.cluster
    import dask_ml.linear_model
    from distributed import Client, LocalCluster

    import pith.dask

    n, d, k = (200_000, 10, 8) if args.quick else (2_000_000, 10, 8)
    chunk = n // 8
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster):
        rng = da.random.default_rng(0)
        X = rng.normal(size=(n, d), chunks=(chunk, d)) + (rng.integers(0, k, size=(n, 1),
                                                                      chunks=(chunk, 1)) * 3.0)
        X = X.persist()
        w_true = np.linspace(-1, 1, d)
        y = ((X @ w_true + rng.logistic(size=n, chunks=chunk)) > 0).astype(np.int64).persist()
        init = X[:k].compute()
        print(f"# {n} x {d}, k={k}, {len(X.chunks[0])} chunks, {args.workers} workers x 1 thread, "
              f"repeats={args.repeats}, cpu={os.cpu_count()}")
        print(f"{'scenario':13} {'library':8} {'median s':>9} {'vs pith':>8} {'n_iter':>6} "
              f"{'result':>16} {'client MB':>10}")

        def row(scenario, lib, med, base, n_iter, value, mem):
            ratio = f"{med / base:.2f}x" if base else "-"
            print(f"{scenario:13} {lib:8} {med:9.3f} {ratio:>8} {n_iter:6d} {value:16.10g} "
                  f"{mem:10.1f}", flush=True)

        # K-Means from the same centers.
        base = None
        for lib in ("pith", "dask-ml"):
            if lib == "pith":
                def fit():
                    return pith.dask.KMeans(k, init=init, max_iter=args.iters, tol=0).fit(X)
            else:
                def fit():
                    return dask_ml.cluster.KMeans(k, init=init, max_iter=args.iters, tol=0,
                                                  random_state=0).fit(X)
            med, m, mem = timed(fit, args.repeats)
            base = med if lib == "pith" else base
            row("kmeans-equal", lib, med, base, int(m.n_iter_), inertia(X, m.cluster_centers_), mem)

        base = None
        for lib in ("pith", "dask-ml"):
            est = (pith.dask.KMeans(k, random_state=0) if lib == "pith"
                   else dask_ml.cluster.KMeans(k, random_state=0))
            med, m, mem = timed(lambda: est.fit(X), args.repeats)
            base = med if lib == "pith" else base
            row("kmeans-e2e", lib, med, base, int(m.n_iter_), inertia(X, m.cluster_centers_), mem)

        Xs, ys = X[: min(n, 400_000)].compute(), y[: min(n, 400_000)].compute()
        base = None
        for lib in ("pith", "dask-ml"):
            if lib == "pith":
                est = pith.dask.LogisticRegression(C=1.0, tol=1e-4, max_iter=100)
            else:
                est = dask_ml.linear_model.LogisticRegression(C=1.0, solver="lbfgs", tol=1e-4,
                                                              max_iter=100)
            med, m, mem = timed(lambda: est.fit(X, y), args.repeats)
            base = med if lib == "pith" else base
            n_iter = int(np.max(getattr(m, "n_iter_", 0)))
            row("logreg", lib, med, base, n_iter,
                logistic_objective(m.coef_, m.intercept_, Xs, ys), mem)


if __name__ == "__main__":
    main()
