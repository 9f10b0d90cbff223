"""pith end to end on a built-in example: train, save, reload, predict with the CLI.

Generates 1,000,000 two-dimensional points around 3 centers (the classic experiment), fits
pith's KMeans and scikit-learn's side by side with the same settings, prints both times and
inertias, saves the pith model, reloads it, and predicts a CSV file with the `pith` command-line
tool. Run it with `bash scripts/dev.sh demo`, or directly inside the virtualenv:

    python examples/kmeans_end_to_end.py [--n 1000000] [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.cluster import KMeans as SklearnKMeans
from sklearn.datasets import make_blobs

import pith
from pith.cluster import KMeans


def find_cli() -> str:
    """The `pith` executable installed next to this Python (pip install .) or on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "pith")
    found = here if os.access(here, os.X_OK) else shutil.which("pith")
    if not found:
        sys.exit("error: the `pith` command-line tool is not installed (run scripts/dev.sh setup)")
    return found


def timed(fn):
    t0 = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="number of points")
    parser.add_argument("--out-dir", help="where to write the model and CSV (default: temp dir)")
    args = parser.parse_args()

    X, _ = make_blobs(n_samples=args.n, n_features=2, centers=3, random_state=0)
    print(f"data: {X.shape[0]:,} points x {X.shape[1]} features, k=3")

    # Same settings for both: k-means++ init, one run, scikit-learn's default tolerance.
    ours, t_pith = timed(lambda: KMeans(n_clusters=3, n_init=1, random_state=0).fit(X))
    theirs, t_sklearn = timed(lambda: SklearnKMeans(n_clusters=3, n_init=1, random_state=0).fit(X))
    print(f"pith         fit: {t_pith:8.3f} s   inertia {ours.inertia_:.6e}   n_iter {ours.n_iter_}")
    print(f"scikit-learn fit: {t_sklearn:8.3f} s   inertia {theirs.inertia_:.6e}   n_iter {theirs.n_iter_}")
    print(f"speed-up: {t_sklearn / t_pith:.1f}x   inertia ratio: {ours.inertia_ / theirs.inertia_:.6f}")

    out_dir = args.out_dir or tempfile.mkdtemp(prefix="pith-demo-")
    os.makedirs(out_dir, exist_ok=True)
    model_path = os.path.join(out_dir, "kmeans.pith")
    ours.save(model_path)
    print(f"saved {model_path} ({os.path.getsize(model_path)} bytes)")

    reloaded = pith.load(model_path)
    sample = X[:1000]
    assert np.array_equal(reloaded.predict(sample), ours.predict(sample)), "reloaded model differs"
    print("reloaded: predictions identical to the fitted model")

    csv_path = os.path.join(out_dir, "sample.csv")
    np.savetxt(csv_path, sample[:5], delimiter=",", fmt="%.17g")
    cli = find_cli()
    print(f"$ pith info {model_path}")
    subprocess.run([cli, "info", model_path], check=True)
    print(f"$ pith predict {model_path} {csv_path}")
    out = subprocess.run([cli, "predict", model_path, csv_path], check=True, capture_output=True,
                         text=True).stdout
    print(out, end="")
    cli_labels = np.array(out.split(), dtype=np.int32)
    assert np.array_equal(cli_labels, ours.predict(sample[:5])), "CLI labels differ from Python"
    print("CLI predictions match the Python model")


if __name__ == "__main__":
    main()
