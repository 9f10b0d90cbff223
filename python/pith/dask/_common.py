"""What the distributed estimators share: input conversion, the client, chunk reductions."""

from __future__ import annotations

import asyncio
import threading

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
        from pandas.api.types import is_bool_dtype, is_numeric_dtype

        bad = [str(col) for col, dtype in X.dtypes.items()
               if not (is_numeric_dtype(dtype) or is_bool_dtype(dtype))]
        if bad:
            raise ValueError(
                f"the dataframe has non-numeric columns {bad} (dtypes "
                f"{[str(X.dtypes[b]) for b in bad]}); encode or drop them first"
            )
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


_direct = threading.local()  # set while a direct call (see map_reduce) runs on a worker


def worker_threads() -> int:
    """Threads for pith's kernels inside a task: the worker's own thread count (a worker
    process per core with one thread each must not start an OpenMP team per task)."""
    threads = getattr(_direct, "threads", None)
    if threads is not None:
        return threads
    try:
        from distributed import get_worker

        return max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):
        return 0  # not on a worker: all cores


def chunk_futures(x) -> list:
    """The futures of a persisted array's chunks, in row order. Tasks submitted on them run
    where the chunks live; a chunk lost with its worker is recomputed by the scheduler."""
    from dask.core import flatten
    from distributed import futures_of

    by_key = {f.key: f for f in futures_of(x)}
    return [by_key[key] for key in flatten(x.__dask_keys__())]


def map_chunks(fn, *columns, **broadcast):
    """fn(chunk_0[i], chunk_1[i], ..., **broadcast) for every chunk i, as futures (results stay
    on the workers). Columns are lists of futures (or of None)."""
    return require_client().map(fn, *columns, pure=False, **broadcast)


def map_gather(fn, *columns, **broadcast) -> list:
    """map_chunks, with the (small) results brought to the client."""
    return require_client().gather(map_chunks(fn, *columns, **broadcast))


def _run_group(fn, columns, broadcast):
    """fn over a group of chunks held by one worker: one task per worker."""
    return [fn(*args, **broadcast) for args in zip(*columns)]


def group_by_worker(futures) -> list[tuple[str | None, list[int]]]:
    """Chunk indices grouped into one group per worker, by where the chunks are and balanced by
    their bytes: each chunk goes to a worker holding it (the least loaded, if several), then,
    while moving a chunk from the most loaded worker to the least loaded one shortens the longest
    group, it moves (that worker fetches it; Dask keeps the copy while it is in use). Chunks no
    worker holds right now (still computing, or lost with a worker) form a group of their own."""
    client = require_client()
    who = client.who_has(futures)
    alive = set(client.scheduler_info()["workers"])
    load: dict = {w: 0 for w in alive}
    owner: list = [None] * len(futures)
    holders = [[h for h in who.get(f.key, ()) if h in alive] for f in futures]
    held = [f.key for f, h in zip(futures, holders) if h]
    try:
        size = client.nbytes(held, summary=False)
    except KeyError:  # a chunk lost since who_has: count chunks instead of bytes
        size = {key: 1 for key in held}
    for i in sorted(range(len(futures)), key=lambda i: len(holders[i])):  # pinned chunks first
        if holders[i]:
            owner[i] = min(holders[i], key=lambda w: (load[w], w))
            load[owner[i]] += size.get(futures[i].key, 0)
    while len(load) > 1:
        hi, lo = max(load, key=load.get), min(load, key=load.get)
        gap = load[hi] - load[lo]
        movable = [i for i, o in enumerate(owner)
                   if o == hi and 0 < size.get(futures[i].key, 0) < gap]
        if not movable:
            break
        i = min(movable, key=lambda i: (abs(gap - 2 * size[futures[i].key]), i))
        owner[i] = lo
        load[hi] -= size[futures[i].key]
        load[lo] += size[futures[i].key]
    groups: dict = {}
    for i, o in enumerate(owner):
        groups.setdefault(o, []).append(i)
    return list(groups.items())


# How many map_reduce rounds ran as direct calls and as tasks (for tests and benchmarks).
paths = {"direct": 0, "tasks": 0}


class _Held:
    """A chunk argument of a direct call: the key of data the worker holds."""

    __slots__ = ("key",)

    def __init__(self, key):
        self.key = key


async def _run_direct(fn, calls, broadcast, dask_worker=None):
    """Runs on a worker (Client.run): fn over this worker's calls, on the worker's own task
    threads (not the event loop), with chunk arguments taken from the data it holds. The data
    are looked up here, on the event loop, where the worker itself reads and writes them (its
    store is not thread-safe); the arrays stay alive for the call whatever the worker does next."""
    data = dask_worker.data
    try:
        resolved = [[data[a.key] if isinstance(a, _Held) else a for a in args]
                    for args in calls.get(dask_worker.address, [])]
    except KeyError:
        return None  # a chunk moved or was dropped since who_has: the caller uses tasks
    threads = max(1, int(dask_worker.state.nthreads))

    def work():
        _direct.threads = threads
        try:
            return [fn(*args, **broadcast) for args in resolved]
        finally:
            _direct.threads = None

    executor = dask_worker.executors["default"]
    return await asyncio.get_running_loop().run_in_executor(executor, work)


def _map_direct(client, groups, fn, columns, broadcast):
    """fn over every chunk through direct calls to the workers that hold the chunks: one
    scheduler broadcast (~2.5 ms here) instead of a task per worker (~12-20 ms). The results
    per group (in the groups' order), or None if any chunk is not held by a live worker or any
    call fails (a worker lost or restarting, a chunk moved meanwhile): the caller then runs
    ordinary tasks, which Dask recomputes and retries."""
    from distributed import Future

    if any(worker is None for worker, _ in groups):
        return None
    calls = {worker: [[_Held(col[i].key) if isinstance(col[i], Future) else col[i]
                       for col in columns] for i in idx] for worker, idx in groups}
    try:
        out = client.run(_run_direct, fn, calls, broadcast, workers=list(calls),
                         on_error="return")
    except Exception:  # noqa: BLE001 - the scheduler lost a worker mid-broadcast: use tasks
        return None
    parts = [out.get(worker) for worker, _ in groups]
    if any(not isinstance(part, list) or len(part) != len(idx)
           for part, (_, idx) in zip(parts, groups)):
        return None  # a chunk not there, an exception (the tasks raise it again), no reply
    return parts


def map_reduce(fn, combine, *columns, **broadcast):
    """fn over every chunk, the (small) results combined on the client in chunk order, so the
    result does not depend on where the chunks live. One round trip: a direct call to every
    worker over the chunks it holds (_map_direct); if that cannot be done, one task per worker
    (20 tasks of 20 ms cost more in scheduling than in work), and a worker lost meanwhile only
    moves its task: the scheduler recomputes the chunks elsewhere (`allow_other_workers`)."""
    client = require_client()
    groups = group_by_worker(columns[0])
    parts = _map_direct(client, groups, fn, columns, broadcast)
    paths["direct" if parts is not None else "tasks"] += 1
    if parts is None:
        futures = []
        for worker, idx in groups:
            group = [[col[i] for i in idx] for col in columns]
            where = {} if worker is None else {"workers": [worker], "allow_other_workers": True}
            futures.append(client.submit(_run_group, fn, group, broadcast, pure=False, **where))
        parts = client.gather(futures)
    results = [None] * len(columns[0])
    for (_, idx), part in zip(groups, parts):
        for i, r in zip(idx, part):
            results[i] = r
    return combine(*results)


def compute(*objects):
    return dask.compute(*objects)


def _chunk_moments(b, index, offset, *, d):
    """(rows, column means, column sums of squared deviations) of one partition, after checking
    its column count and that its values are finite."""
    from pith import _core

    b = np.asarray(b)
    if b.ndim != 2 or b.shape[1] != d:
        raise ValueError(
            f"partition {index} of X has shape {b.shape}, expected (rows, {d}) like the "
            "others; every partition must have the same columns"
        )
    if b.shape[0] == 0:
        return 0, np.zeros(d), np.zeros(d)
    b = np.ascontiguousarray(b)
    try:
        mean, m2 = _core.column_moments(b, worker_threads())
    except ValueError:
        row, col = np.argwhere(~np.isfinite(b))[0]
        raise ValueError(
            f"partition {index} of X contains {b[row, col]} at its row {row} (row "
            f"{offset + row} of X), column {col}; pith needs finite values (impute or drop "
            "them first)"
        ) from None
    return b.shape[0], mean, m2


def _combine_moments(*parts):
    """Chan, Golub and LeVeque's exact combination of the moments of disjoint row sets."""
    n, mean, m2 = 0, 0.0, 0.0
    for nb, mb, m2b in parts:
        if nb == 0:
            continue
        total = n + nb
        delta = mb - mean
        mean = mean + delta * (nb / total)
        m2 = m2 + m2b + delta * delta * (n * nb / total)
        n = total
    return n, mean, m2


def finite_stats(X, futures=None) -> tuple[int, np.ndarray, np.ndarray]:
    """Row count, column means and column sums of squared deviations (n x variance) of X, after
    checking every partition: its column count and finite values. One pass over the data (two
    within each chunk, in cache order); errors name the partition and the row within X.
    `futures`: X's chunk futures (default: those of the persisted X)."""
    futures = chunk_futures(X) if futures is None else futures
    d = X.shape[1]
    n, mean, m2 = map_reduce(_chunk_moments, _combine_moments, futures,
                             list(range(len(futures))), [int(o) for o in row_offsets(X)], d=d)
    if n == 0:
        return 0, np.zeros(d), np.zeros(d)
    return int(n), np.asarray(mean, dtype=np.float64), np.asarray(m2, dtype=np.float64)
