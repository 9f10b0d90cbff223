"""pith on a Dask cluster: K-Means and logistic regression fitted chunk by chunk on the workers,
equal to the local fits, saved as ordinary .pith models.

Starts a LocalCluster of two worker processes (on a real cluster, connect a Client to its
scheduler instead), makes a dask array of --n rows in 8 chunks, fits pith.dask.KMeans from given
initial centers and pith.dask.LogisticRegression, checks both against the local estimators, and
saves the K-Means model. Run it inside the virtualenv:

    python examples/dask_fit.py [--n ROWS] [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import tempfile

import dask.array as da
import numpy as np
from distributed import Client, LocalCluster

import pith
import pith.dask
from pith.cluster import KMeans
from pith.linear_model import LogisticRegression


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="rows (default 200,000)")
    parser.add_argument("--out-dir", default=None, help="where to write the model")
    args = parser.parse_args()
    out_dir = args.out_dir or tempfile.mkdtemp(prefix="pith-dask-")

    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(loc=c, size=(args.n // 4, 5)) for c in (0, 4, 8, 12)])
    y = (X.sum(axis=1) + rng.logistic(size=len(X)) > 30).astype(np.int64)

    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster, \
            Client(cluster) as client:
        print(f"cluster: {len(client.scheduler_info()['workers'])} workers")
        dX = da.from_array(X, chunks=(len(X) // 8, 5))
        dy = da.from_array(y, chunks=len(X) // 8)

        init = X[[0, len(X) // 4, len(X) // 2, 3 * len(X) // 4]]
        km = pith.dask.KMeans(4, init=init).fit(dX)
        local = KMeans(4, init=init, n_init=1).fit(X)
        gap = np.abs(km.cluster_centers_ - local.cluster_centers_).max()
        print(f"KMeans: {km.n_iter_} iterations, inertia {km.inertia_:.6g}; "
              f"largest difference from the local fit {gap:.2g}")
        assert np.array_equal(km.labels_.compute(), local.labels_)

        lr = pith.dask.LogisticRegression(C=1.0).fit(dX, dy)
        local_lr = LogisticRegression(C=1.0).fit(X, y)
        agree = np.mean(lr.predict(dX).compute() == local_lr.predict(X))
        print(f"LogisticRegression: {lr.n_iter_[0]} iterations; predictions agree with the "
              f"local fit on {agree:.4%} of rows")
        assert agree > 0.999

    path = os.path.join(out_dir, "kmeans_dask.pith")
    km.save(path)
    print(f"saved {path}: loads as {type(pith.load(path)).__name__}, like any pith model")


if __name__ == "__main__":
    main()
