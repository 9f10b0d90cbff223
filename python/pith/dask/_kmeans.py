"""pith.dask.KMeans: Lloyd's algorithm as a reduction over the chunks of a dask array."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from pith import _core
from pith.cluster import KMeans as LocalKMeans
from pith.dask import _common as c


def _step(block, weights, *, centers):
    """One Lloyd step's (sums, weights, inertia) on a chunk; an empty chunk adds nothing."""
    k, d = centers.shape
    if block.shape[0] == 0:
        return np.zeros((k, d)), np.zeros(k), 0.0
    w = None if weights is None else np.ascontiguousarray(weights, dtype=block.dtype)
    # The fit checked every chunk for NaN/inf once (finite_stats): no scan per iteration.
    return _core.kmeans_lloyd_step(np.ascontiguousarray(block), w, centers, c.worker_threads(),
                                   False)


def _add(*parts):
    return (sum(p[0] for p in parts), sum(p[1] for p in parts), sum(p[2] for p in parts))


def _farthest(block, weights, offset, *, centers, m):
    """The m rows of a chunk farthest from their closest center: (squared distance, global row,
    row, weight, label) each, for relocating empty clusters as scikit-learn does."""
    if block.shape[0] == 0:
        return []
    labels, dist = _core.kmeans_nearest(np.ascontiguousarray(block), centers,
                                        c.worker_threads(), False)
    order = np.lexsort((np.arange(len(dist)), -dist))[:m]
    w = np.ones(len(dist)) if weights is None else np.asarray(weights, dtype=np.float64)
    return [(dist[i], offset + i, block[i].astype(np.float64), w[i], labels[i]) for i in order]


def _nearest_d2(block, previous, *, centers):
    """Squared distance of every row to its closest center, given the previous minimum (or None):
    each k-means|| round only measures the rows against its new candidates."""
    if block.shape[0] == 0:
        return np.empty(0)
    _, d2 = _core.kmeans_nearest(np.ascontiguousarray(block), centers, c.worker_threads(), False)
    return d2 if previous is None else np.minimum(previous, d2)


def _weighted_sum(d2, weights):
    return float(d2.sum() if weights is None else np.dot(d2, np.asarray(weights, np.float64)))


def _sample_candidates(block, d2, weights, seed, *, factor, cost):
    """k-means||'s oversampling: each row independently with probability factor * w d^2 / cost."""
    if len(d2) == 0:
        return np.empty((0, block.shape[1]))
    w = 1.0 if weights is None else np.asarray(weights, dtype=np.float64)
    keep = np.random.default_rng(seed).random(len(d2)) < factor * w * d2 / cost
    return np.asarray(block)[keep].astype(np.float64)


def _pick_rows(block, rows):
    return np.asarray(block[rows], dtype=np.float64)


def _sum(*parts):
    return sum(parts)


class KMeans(LocalKMeans):
    """K-Means fitted on a Dask cluster; pith's :class:`pith.cluster.KMeans` everywhere else.

    Parameters are those of :class:`pith.cluster.KMeans`, with ``init`` defaulting to
    ``"k-means||"`` (scalable k-means++, Bahmani et al. 2012, as dask-ml's) and two more:

    oversampling_factor : float, default=2
        k-means||: expected candidates per round, as a multiple of ``n_clusters``.
    init_max_iter : int or None, default=None
        k-means|| rounds; None: ``log(initial cost)`` rounds, between 1 and 5 (Bahmani et al.
        find 5 rounds of 2k candidates enough).

    ``fit`` takes a dask array or dataframe (partitioned by rows; an active dask.distributed
    Client is required) or anything :class:`pith.cluster.KMeans` takes, which it fits locally.
    The data are persisted on the workers once; each Lloyd step sends the centers to every chunk
    and brings back only (k x d) sums, k weights and the inertia. With the same initial centers
    the result equals the local fit's (the same steps; sums added in another order). ``labels_``
    is a lazy dask array; ``predict``/``transform`` of dask input map over its chunks lazily.
    """

    _parameter_constraints = {
        **LocalKMeans._parameter_constraints,
        "init": [StrOptions({"k-means||", "k-means++", "random"}), "array-like"],
        "oversampling_factor": [Interval(Real, 0, None, closed="neither")],
        "init_max_iter": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, n_clusters=8, *, init="k-means||", n_init=1, max_iter=300, tol=1e-4,
                 verbose=0, random_state=None, copy_x=True, algorithm="lloyd", n_threads=None,
                 oversampling_factor=2.0, init_max_iter=None):
        super().__init__(n_clusters, init=init, n_init=n_init, max_iter=max_iter, tol=tol,
                         verbose=verbose, random_state=random_state, copy_x=copy_x,
                         algorithm=algorithm, n_threads=n_threads)
        self.oversampling_factor = oversampling_factor
        self.init_max_iter = init_max_iter

    # ---- fit ---------------------------------------------------------------------------------

    def fit(self, X, y=None, sample_weight=None):
        """Fit on a dask array/dataframe on the cluster, or locally on anything else."""
        self._validate_params()
        if not c.is_dask(X):
            return self._fit_local(X, sample_weight)
        c.require_client()
        X, names = c.as_matrix(X)
        weights = None if sample_weight is None else c.as_vector(sample_weight, X, "sample_weight")
        X = X.persist()
        weights = None if weights is None else weights.persist()
        xb = c.chunk_futures(X)
        wb = [None] * len(xb) if weights is None else c.chunk_futures(weights)
        n, _, m2 = c.finite_stats(X, xb)
        self._n_rows = n  # for the sampling helpers during this fit
        self._chunk_rows = np.asarray(X.chunks[0], dtype=np.int64)
        if n < self.n_clusters:
            raise ValueError(f"n_samples={n} should be >= n_clusters={self.n_clusters}.")
        self._reset_features(X, names)
        offsets = c.row_offsets(X)
        tol = float(self.tol * np.mean(m2 / n)) if n else 0.0  # scikit-learn's tol x mean variance
        rng = check_random_state(self.random_state)
        n_init = 1 if not isinstance(self.init, str) else int(self._n_init())
        best = None
        for run in range(n_init):
            centers = self._initial_centers(X, xb, wb, rng)
            result = self._lloyd(xb, wb, offsets, centers, tol, run)
            if best is None or result[1] < best[1]:
                best = result
        centers, inertia, n_iter = best
        self.cluster_centers_ = centers.astype(X.dtype)
        self._n_features_out = self.n_clusters
        self.inertia_ = float(inertia)
        self.n_iter_ = int(n_iter)
        self.labels_ = self._map_predict(X)
        return self

    def _fit_local(self, X, sample_weight):
        params = self.get_params()
        for extra in ("oversampling_factor", "init_max_iter"):
            params.pop(extra)
        if isinstance(params["init"], str) and params["init"] == "k-means||":
            params["init"] = "k-means++"
        local = LocalKMeans(**params).fit(X, sample_weight=sample_weight)
        for name, value in vars(local).items():
            if name.endswith("_") and not name.startswith("__"):
                setattr(self, name, value)
        return self

    def _reset_features(self, X, names):
        self.n_features_in_ = int(X.shape[1])
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def _initial_centers(self, X, xb, wb, rng):
        if not isinstance(self.init, str):
            centers = np.asarray(self.init, dtype=X.dtype)
            if centers.shape != (self.n_clusters, X.shape[1]):
                raise ValueError(
                    f"The shape of the initial centers {centers.shape} does not match "
                    f"(n_clusters, n_features) = ({self.n_clusters}, {X.shape[1]})."
                )
            if not np.all(np.isfinite(centers)):
                raise ValueError("The initial centers contain NaN or infinity")
            return np.ascontiguousarray(centers, dtype=np.float64)
        if self.init == "k-means||":
            return self._init_scalable(X, xb, wb, rng)
        # "k-means++" / "random": on a sample gathered to the client (small by construction).
        sample = self._sample_rows(xb, wb, rng, min(self._n_rows, max(10 * self.n_clusters, 10000)))
        local = LocalKMeans(self.n_clusters, init=self.init, n_init=1, max_iter=1,
                            random_state=rng.randint(2**31))
        return np.ascontiguousarray(local._fit_once(
            np.ascontiguousarray(sample, dtype=X.dtype), None, self.init, 1,
            int(rng.randint(2**31)))[0], dtype=np.float64)

    def _sample_rows(self, xb, wb, rng, m):
        sizes = self._chunk_rows
        picks = rng.choice(self._n_rows, size=m, replace=False)
        picks.sort()
        chunk = np.searchsorted(np.cumsum(sizes), picks, side="right")
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        used = np.unique(chunk)
        rows = [picks[chunk == b] - starts[b] for b in used]
        return np.concatenate(c.map_gather(_pick_rows, [xb[b] for b in used], rows))

    def _cost(self, xb, wb, centers):
        return c.map_reduce(_step, _add, xb, wb, centers=centers)

    def _init_scalable(self, X, xb, wb, rng):
        k = self.n_clusters
        # First center: one row, drawn with probability proportional to its weight.
        sizes = self._chunk_rows
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        first = int(rng.randint(self._n_rows))
        chunk = int(np.searchsorted(np.cumsum(sizes), first, side="right"))
        centers = c.map_gather(_pick_rows, [xb[chunk]], [np.array([first - starts[chunk]])])[0]
        # Every row's squared distance to its nearest candidate stays on the workers, updated
        # with each round's new candidates only.
        d2 = c.map_chunks(_nearest_d2, xb, [None] * len(xb), centers=centers)
        cost = c.map_reduce(_weighted_sum, _sum, d2, wb)
        rounds = self.init_max_iter or int(np.clip(np.round(np.log(max(cost, 1.0))), 1, 5))
        for _ in range(rounds):
            if cost <= 0:
                break
            seeds = rng.randint(2**31, size=len(xb))
            new = np.concatenate(c.map_gather(
                _sample_candidates, xb, d2, wb, [int(s) for s in seeds],
                factor=self.oversampling_factor * k, cost=cost))
            if len(new) == 0:
                continue
            centers = np.ascontiguousarray(np.vstack([centers, new]))
            d2 = c.map_chunks(_nearest_d2, xb, d2, centers=np.ascontiguousarray(new))
            cost = c.map_reduce(_weighted_sum, _sum, d2, wb)
        del d2
        if len(centers) < k:  # too few distinct candidates: add sampled rows
            extra = self._sample_rows(xb, wb, rng, min(self._n_rows, k))
            centers = np.ascontiguousarray(np.vstack([centers, extra]))
        # Weigh every candidate by the (weighted) rows closest to it; cluster them locally.
        weights = self._cost(xb, wb, centers)[1]
        local = LocalKMeans(k, init="k-means++", n_init=1, random_state=rng.randint(2**31))
        local.fit(centers.astype(X.dtype), sample_weight=np.maximum(weights, 0).astype(X.dtype)
                  if np.any(weights > 0) else None)
        return np.ascontiguousarray(local.cluster_centers_, dtype=np.float64)

    def _lloyd(self, xb, wb, offsets, centers, tol, run):
        k = self.n_clusters
        it = 0
        while it < self.max_iter:
            sums, weights, inertia = self._cost(xb, wb, centers)
            it += 1
            empty = np.flatnonzero(weights == 0)
            if len(empty):
                self._relocate(xb, wb, offsets, centers, empty, sums, weights)
            safe = np.where(weights > 0, weights, 1.0)[:, None]
            new = np.where(weights[:, None] > 0, sums / safe, centers)
            shift = float(((new - centers) ** 2).sum())
            centers = np.ascontiguousarray(new)
            if self.verbose:
                print(f"run {run}, iteration {it}: inertia {inertia:.6g}, center shift {shift:.3g}")
            if self._iteration_hook is not None:
                self._iteration_hook(it)
            # Labels that stop changing give exactly the same centers again (shift 0), so this
            # also stops where the local fit sees stable labels.
            if shift <= tol:
                break
        inertia = self._cost(xb, wb, centers)[2]  # scikit-learn's final E-step
        return centers, inertia, it

    _iteration_hook = None  # tests: called after every Lloyd step (e.g. to kill a worker)

    def _relocate(self, xb, wb, offsets, centers, empty, sums, weights):
        """scikit-learn's rule: each empty cluster takes one of the rows farthest from their
        closest center, in decreasing distance (ties: first row first)."""
        m = len(empty)
        parts = c.map_gather(_farthest, xb, wb, [int(o) for o in offsets], centers=centers, m=m)
        far = sorted((p for part in parts for p in part), key=lambda t: (-t[0], t[1]))
        for (dist, _, row, w, label), to in zip(far[:m], empty):
            sums[label] -= row * w
            weights[label] -= w
            sums[to] = row * w
            weights[to] = w

    # ---- predictions on dask input -------------------------------------------------------------

    def _map_predict(self, X):
        centers = self._centers()

        def labels(b):
            if b.shape[0] == 0:
                return np.empty(0, dtype=np.int32)
            return _core.kmeans_predict(centers, np.ascontiguousarray(b), c.worker_threads())

        return X.map_blocks(labels, dtype=np.int32, drop_axis=1)

    def predict(self, X):
        if not c.is_dask(X):
            return super().predict(X)
        X, _ = c.as_matrix(X)
        return self._map_predict(X)

    def transform(self, X):
        if not c.is_dask(X):
            return super().transform(X)
        X, _ = c.as_matrix(X)
        centers, k = self._centers(), self.n_clusters

        def distances(b):
            if b.shape[0] == 0:
                return np.empty((0, k), dtype=b.dtype)
            return _core.kmeans_transform(centers, np.ascontiguousarray(b), c.worker_threads())

        return X.map_blocks(distances, dtype=X.dtype, chunks=(X.chunks[0], (k,)))
