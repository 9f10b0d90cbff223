"""What the distributed estimators share: input conversion, the client, chunk reductions."""

from __future__ import annotations

import numpy as np

try:
    import dask
    import dask.array as da
except ImportError as error:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "pith.dask needs dask and distributed: pip install 'pith[dask]' (or dask[array,dataframe] "
        "and distributed)"
    ) from error


def is_dask(x) -> bool:
    return dask.is_dask_collection(x)


def require_client():
    """The active dask.distributed Client; a clear error if there is none."""
    try:
        from distributed import get_client

        return get_client()
    except (ImportError, ValueError) as error:
        raise RuntimeError(
            "pith.dask fits need an active dask.distributed Client, e.g. "
            "`from distributed import Client, LocalCluster; client = Client(LocalCluster())`"
        ) from error


def as_matrix(X):
    """A 2-D float32/float64 dask array with all columns in one chunk, and the column names of a
    dataframe (or None)."""
    names = None
    if hasattr(X, "columns") and hasattr(X, "to_dask_array"):  # a dask dataframe
        names = [str(c) for c in X.columns]
        X = X.to_dask_array(lengths=True)
    elif not isinstance(X, da.Array):
        raise TypeError(f"expected a dask array or dask dataframe, got {type(X).__name__}")
    if X.ndim != 2:
        raise ValueError(f"Expected a 2-D array of shape (n_samples, n_features), got {X.ndim}-D")
    if any(np.isnan(c) for c in X.chunks[0]):
        X = X.compute_chunk_sizes()
    if X.shape[1] == 0:
        raise ValueError("X has 0 features; expected at least 1")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    return X, names


def as_vector(v, X, name):
    """A 1-D dask array aligned with X's row chunks (from dask or numpy input)."""
    if hasattr(v, "to_dask_array"):
        v = v.to_dask_array(lengths=True)
    v = da.asarray(v) if not isinstance(v, da.Array) else v
    if v.ndim != 1 or v.shape[0] != X.shape[0]:
        raise ValueError(f"{name} must have shape ({X.shape[0]},), got {v.shape}")
    return v.rechunk((X.chunks[0],))


def row_offsets(X) -> np.ndarray:
    """The first row of every chunk."""
    return np.concatenate([[0], np.cumsum(X.chunks[0])[:-1]]).astype(np.int64)


def blocks(x) -> list:
    """One delayed object per row chunk (of a persisted array: no recomputation)."""
    return list(x.to_delayed().ravel())


def tree_reduce(parts, combine, arity: int = 8):
    """Combines delayed partial results pairwise-ish into one delayed result."""
    combine = dask.delayed(combine, pure=True)
    while len(parts) > 1:
        parts = [combine(*parts[i : i + arity]) for i in range(0, len(parts), arity)]
    return parts[0]


def compute(*objects):
    return dask.compute(*objects)


def finite_stats(X) -> tuple[int, np.ndarray]:
    """Row count and column means of X, after checking every value is finite (one pass)."""

    def chunk(b):
        if not np.all(np.isfinite(b)):
            bad = np.argwhere(~np.isfinite(b))[0]
            raise ValueError(
                "Input X contains NaN or infinity (chunk row %d, column %d); pith needs finite "
                "values (impute or drop them first)" % (bad[0], bad[1])
            )
        return b.shape[0], b.sum(axis=0, dtype=np.float64)

    def combine(*parts):
        return sum(p[0] for p in parts), sum(p[1] for p in parts)

    n, sums = compute(tree_reduce([dask.delayed(chunk)(b) for b in blocks(X)], combine))[0]
    return int(n), sums / max(n, 1)
