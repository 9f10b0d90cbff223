"""K-Means side by side: pith, scikit-learn, scikit-learn-intelex and faiss in one run.

Every measurement runs in a fresh child process (so peak memory is the fit's own), on the same
data file, with the same thread count. Three scenarios:

  equal  same initial centers, tol=0, at most --iters Lloyd iterations on uniform noise (no
         cluster structure: no library converges early, and distance bounds prove nothing,
         the worst case for pith's bound-based steps); n_iter is printed and must agree
  blobs  the same on Gaussian blobs (make_blobs, k centers, cluster_std=3): data with clusters,
         where every library runs the same number of iterations as the others
  e2e    end to end with each library's defaults: k-means++, n_init=1, tol=1e-4 (faiss: its own
         random init and 25 iterations, shown for reference only)
  predict  labels for all rows from fixed centers

Prints medians of --repeats runs, the ratio of each peer's median to pith's, and the fit's peak
memory above the loaded input. Usage:

  .venv/bin/python bench/bench_kmeans.py                 # the shapes of docs/benchmarks.md
  .venv/bin/python bench/bench_kmeans.py --quick         # small shapes, a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from _harness import peak_rss_bytes, reset_peak_rss, rss_bytes

SHAPES = [(1_000_000, 2, 3), (1_000_000, 16, 16), (200_000, 64, 256)]
QUICK_SHAPES = [(50_000, 2, 3), (20_000, 16, 16), (5_000, 64, 32)]
LIBRARIES = ["pith", "sklearn", "sklearnex", "faiss"]


# ---- child: one library, one scenario -------------------------------------------------------


def make_runner(lib: str, scenario: str, X: np.ndarray, init: np.ndarray, iters: int, threads: int):
    """Returns a function that runs the measured work once and returns (n_iter, inertia)."""
    k = init.shape[0]
    if lib == "pith":
        from pith.cluster import KMeans

        def est():
            if scenario == "e2e":
                return KMeans(k, n_init=1, random_state=0, n_threads=threads)
            # "equal" and "blobs": fixed initial centers and iteration budget
            return KMeans(k, init=init, n_init=1, max_iter=iters, tol=0, n_threads=threads)
    elif lib in ("sklearn", "sklearnex"):
        if lib == "sklearn":
            from sklearn.cluster import KMeans
        else:
            from sklearnex.cluster import KMeans

        def est():
            if scenario == "e2e":
                return KMeans(k, n_init=1, random_state=0)
            return KMeans(k, init=init, n_init=1, max_iter=iters, tol=0)
    elif lib == "faiss":
        import faiss

        faiss.omp_set_num_threads(threads)
        if X.dtype != np.float32:
            return None  # faiss clusters float32 only
        d = X.shape[1]

        def run_faiss():
            niter = 25 if scenario == "e2e" else iters
            km = faiss.Kmeans(d, k, niter=niter, nredo=1, seed=0, max_points_per_centroid=10**9)
            if scenario == "e2e":
                km.train(X)
            else:
                km.train(X, init_centroids=init.astype(np.float32))
            dist, _ = km.index.search(X, 1)
            return niter, float(dist.sum())

        if scenario == "predict":
            km = faiss.Kmeans(d, k, niter=1, nredo=1, seed=0, max_points_per_centroid=10**9)
            km.train(X, init_centroids=init.astype(np.float32))
            index = km.index
            return lambda: (0, float(index.search(X, 1)[0].sum()))
        return run_faiss
    else:
        raise ValueError(lib)

    if scenario == "predict":
        # One Lloyd step from the shared initial centers (not timed): the same centers everywhere.
        model = est().set_params(init=init, max_iter=1).fit(X)
        return lambda: (0, float(np.bincount(model.predict(X), minlength=k)[0]))

    def run():
        m = est().fit(X)
        return int(m.n_iter_), float(m.inertia_)

    return run


def child(args) -> None:
    if args.lib in ("sklearn", "sklearnex"):
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    X = np.load(args.data)
    init = np.load(args.init)
    run = make_runner(args.lib, args.scenario, X, init, args.iters, args.threads)
    if run is None:
        print(json.dumps({"skipped": "float32 only"}))
        return
    # Warm up on a small slice first, so lazy imports and one-time allocations of the library are
    # not counted as the fit's memory (and the first timed run pays no start-up cost).
    small = np.ascontiguousarray(X[: max(1000, 4 * init.shape[0])])
    warm = make_runner(args.lib, args.scenario, small, init, 2, args.threads)
    warm()
    del warm
    times, result = [], None
    reset_peak_rss()  # what setting up the data and the warm-up took is not the fit's
    rss_before = rss_bytes()
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t0)
    peak = max(0, peak_rss_bytes() - rss_before)
    print(json.dumps({"times": times, "n_iter": result[0], "inertia": result[1],
                      "peak_extra_mb": peak / 2**20, "input_mb": X.nbytes / 2**20}))


# ---- parent: data, children, table ----------------------------------------------------------


def run_child(lib, scenario, data, init, args) -> dict:
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1")
    cmd = [sys.executable, __file__, "--child", lib, "--scenario", scenario, "--data", data,
           "--init", init, "--iters", str(args.iters), "--threads", str(args.threads),
           "--repeats", str(args.repeats)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def make_data(n, d, k, dtype, scenario, tmp):
    rng = np.random.default_rng(0)
    if scenario in ("e2e", "blobs"):
        from sklearn.datasets import make_blobs

        std = 1.0 if scenario == "e2e" else 3.0
        X, _ = make_blobs(n_samples=n, n_features=d, centers=k, cluster_std=std, random_state=0)
        X = X.astype(dtype)
    else:
        X = rng.random((n, d)).astype(dtype)  # uniform noise: Lloyd keeps moving for many steps
    init = X[rng.choice(n, size=k, replace=False)].copy()
    tag = f"{n}x{d}_k{k}_{np.dtype(dtype).name}_{scenario}"
    data, init_path = os.path.join(tmp, tag + ".npy"), os.path.join(tmp, tag + "_init.npy")
    np.save(data, X)
    np.save(init_path, init)
    return data, init_path


def parent(args) -> None:
    shapes = QUICK_SHAPES if args.quick else SHAPES
    libs = args.libs.split(",")
    rows = []
    print(f"# threads={args.threads} repeats={args.repeats} iters={args.iters} "
          f"cpu={os.cpu_count()} python={sys.version.split()[0]}")
    header = f"{'scenario':8} {'shape':>22} {'dtype':7} {'library':9} {'median s':>9} " \
             f"{'vs pith':>8} {'n_iter':>6} {'inertia':>14} {'peak MB':>8}"
    print(header)
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in args.scenarios.split(","):
            for n, d, k in shapes:
                for dtype in (np.float64, np.float32):
                    data, init = make_data(n, d, k, dtype, scenario, tmp)
                    base = None
                    for lib in libs:
                        r = run_child(lib, scenario, data, init, args)
                        shape = f"{n}x{d} k={k}"
                        if "times" not in r:
                            print(f"{scenario:8} {shape:>22} {np.dtype(dtype).name:7} {lib:9} "
                                  f"{r.get('skipped') or r.get('error')}")
                            continue
                        med = statistics.median(r["times"])
                        if lib == "pith":
                            base = med
                        ratio = f"{med / base:.2f}x" if base else "-"
                        print(f"{scenario:8} {shape:>22} {np.dtype(dtype).name:7} {lib:9} "
                              f"{med:9.4f} {ratio:>8} {r['n_iter']:6d} {r['inertia']:14.6g} "
                              f"{r['peak_extra_mb']:8.1f}", flush=True)
                        rows.append(dict(scenario=scenario, n=n, d=d, k=k,
                                         dtype=np.dtype(dtype).name, library=lib, median_s=med,
                                         **r))
                    os.unlink(data)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small shapes (a smoke run)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--libs", default=",".join(LIBRARIES))
    p.add_argument("--scenarios", default="equal,blobs,e2e,predict")
    p.add_argument("--out", help="write all measurements as JSON")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--scenario", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--init", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        args.lib = args.child
        child(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()
