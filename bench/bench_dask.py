"""Distributed fits side by side on one LocalCluster: pith.dask against dask-ml.

Both libraries get the same dask arrays (persisted on the workers before timing), the same
cluster (--workers processes x 1 thread) and the same settings. Issue 7's shapes: K-Means on
10,000,000 x 16 float32 in 20 chunks, k=16; logistic regression on 5,000,000 x 20 (float64).
Local pith and scikit-learn run on the same data in memory (2 threads) for scale.

  kmeans-equal  KMeans from the same initial centers, tol=0, --iters Lloyd iterations
  kmeans-e2e    KMeans with each library's scalable init (k-means||) and defaults
                (the result column is the inertia of the returned centers, computed here)
  logreg        binary LogisticRegression, C=1, lbfgs, tol=1e-4, max_iter=100; the table shows
                scikit-learn's objective at each result (dask-ml penalises differently: compare)

Prints medians of --repeats runs, ratios to pith, and the client process's peak memory above
its size before the fits (the data live on the workers). Usage:

  .venv/bin/python bench/bench_dask.py            # docs/benchmarks.md's shapes
  .venv/bin/python bench/bench_dask.py --quick
  .venv/bin/python bench/bench_dask.py --scenarios kmeans-equal --repeats 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter

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
    p.add_argument("--no-local", action="store_true", help="skip the in-memory local fits")
    p.add_argument("--scenarios", default="kmeans-equal,kmeans-e2e,logreg",
                   help="comma-separated subset of kmeans-equal, kmeans-e2e, logreg")
    args = p.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # one thread per worker process

    import dask.array as da
    import dask_ml.cluster
    import dask_ml.linear_model
    from distributed import Client, LocalCluster

    import pith.dask

    n, d, k, n_chunks = (200_000, 16, 16, 20) if args.quick else (10_000_000, 16, 16, 20)
    n_lr, d_lr = (100_000, 20) if args.quick else (5_000_000, 20)
    chunk = n // n_chunks
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster):
        rng = da.random.default_rng(0)
        X = (rng.normal(size=(n, d), chunks=(chunk, d))
             + rng.integers(0, k, size=(n, 1), chunks=(chunk, 1)) * 3.0).astype(np.float32)
        X = X.persist()
        lr_chunk = n_lr // n_chunks
        XL = rng.normal(size=(n_lr, d_lr), chunks=(lr_chunk, d_lr)).persist()
        w_true = np.linspace(-1, 1, d_lr)
        y = ((XL @ w_true + rng.logistic(size=n_lr, chunks=lr_chunk)) > 0).astype(np.int64)
        y = y.persist()
        init = X[:k].compute()
        from distributed import futures_of, wait

        wait(futures_of(X))
        holders = Client.current().who_has(futures_of(X))
        per_worker = Counter(ws[0] if ws else None for ws in holders.values())
        print(f"# K-Means chunks per worker: {sorted(per_worker.values())}")
        # Warm-up: the workers import pith, dask-ml and scikit-learn once, outside the timings.
        small = X[: 20 * k].rechunk(10 * k).persist()
        pith.dask.KMeans(k, init=init, max_iter=1).fit(small)
        dask_ml.cluster.KMeans(k, init=init, max_iter=1).fit(small)
        pith.dask.LogisticRegression(max_iter=1).fit(XL[:1000].rechunk(500), y[:1000].rechunk(500))
        dask_ml.linear_model.LogisticRegression(max_iter=1).fit(XL[:1000].rechunk(500),
                                                                y[:1000].rechunk(500))
        # What travels per Lloyd iteration: the centers to each worker's task, and back per chunk
        # (k x d) sums, k weights and the inertia, all float64.
        per_iter = args.workers * k * d * 8 + n_chunks * (k * d + k + 1) * 8
        print(f"# K-Means {n} x {d} float32, k={k}, {len(X.chunks[0])} chunks; logistic {n_lr} x "
              f"{d_lr}; {args.workers} workers x 1 thread, repeats={args.repeats}, "
              f"cpu={os.cpu_count()}")
        print(f"# pith.dask K-Means moves {per_iter / 1024:.1f} KiB per iteration between the "
              f"client/scheduler and the workers (centers out, statistics back); logistic "
              f"regression {n_chunks * 2 * (d_lr + 1) * 8 / 1024:.1f} KiB per evaluation")
        print(f"{'scenario':13} {'library':8} {'median s':>9} {'vs pith':>8} {'n_iter':>6} "
              f"{'result':>16} {'client MB':>10}")

        def row(scenario, lib, med, base, n_iter, value, mem):
            ratio = f"{med / base:.2f}x" if base else "-"
            print(f"{scenario:13} {lib:8} {med:9.3f} {ratio:>8} {n_iter:6d} {value:16.10g} "
                  f"{mem:10.1f}", flush=True)

        scenarios = set(args.scenarios.split(","))
        unknown = scenarios - {"kmeans-equal", "kmeans-e2e", "logreg"}
        if unknown:
            p.error(f"unknown scenarios {sorted(unknown)}")
        # K-Means from the same centers.
        base = None
        # The in-memory copy is made after the distributed fits: with 640 MB gathered into the
        # client (whose process also runs the scheduler) the distributed fits ran 1.3-2x slower.
        local_X = None
        for lib in ("pith", "dask-ml", "pith-local", "sklearn") if "kmeans-equal" in scenarios else ():
            if lib in ("pith-local", "sklearn"):
                if args.no_local:
                    continue
                if local_X is None:
                    local_X = X.compute()
            if lib == "pith":
                def fit():
                    return pith.dask.KMeans(k, init=init, max_iter=args.iters, tol=0).fit(X)
            elif lib == "dask-ml":
                def fit():
                    return dask_ml.cluster.KMeans(k, init=init, max_iter=args.iters, tol=0,
                                                  random_state=0).fit(X)
            elif lib == "pith-local":
                from pith.cluster import KMeans as PithKMeans

                def fit():
                    return PithKMeans(k, init=init, n_init=1, max_iter=args.iters, tol=0,
                                      n_threads=args.workers).fit(local_X)
            else:
                from sklearn.cluster import KMeans as SkKMeans
                from threadpoolctl import threadpool_limits

                def fit():
                    with threadpool_limits(args.workers):
                        return SkKMeans(k, init=init, n_init=1, max_iter=args.iters,
                                        tol=0).fit(local_X)
            med, m, mem = timed(fit, args.repeats)
            base = med if lib == "pith" else base
            row("kmeans-equal", lib, med, base, int(m.n_iter_), inertia(X, m.cluster_centers_), mem)

        base = None
        for lib in ("pith", "dask-ml") if "kmeans-e2e" in scenarios else ():
            est = (pith.dask.KMeans(k, random_state=0, max_iter=args.iters) if lib == "pith"
                   else dask_ml.cluster.KMeans(k, random_state=0, max_iter=args.iters))
            med, m, mem = timed(lambda: est.fit(X), args.repeats)
            base = med if lib == "pith" else base
            row("kmeans-e2e", lib, med, base, int(m.n_iter_), inertia(X, m.cluster_centers_), mem)

        del local_X
        Xs, ys = (XL[:400_000].compute(), y[:400_000].compute()) if "logreg" in scenarios else (None, None)
        base = None
        for lib in ("pith", "dask-ml") if "logreg" in scenarios else ():
            if lib == "pith":
                est = pith.dask.LogisticRegression(C=1.0, tol=1e-4, max_iter=100)
            else:
                est = dask_ml.linear_model.LogisticRegression(C=1.0, solver="lbfgs", tol=1e-4,
                                                              max_iter=100)
            med, m, mem = timed(lambda: est.fit(XL, y), args.repeats)
            base = med if lib == "pith" else base
            n_iter = int(np.max(getattr(m, "n_iter_", 0)))
            row("logreg", lib, med, base, n_iter,
                logistic_objective(m.coef_, m.intercept_, Xs, ys), mem)

        from pith.dask import _common

        print(f"# pith.dask reductions: {_common.paths['direct']} as direct calls to the workers, "
              f"{_common.paths['tasks']} as tasks (a chunk not where the balance wants it, or a "
              "worker lost)")


if __name__ == "__main__":
    main()
