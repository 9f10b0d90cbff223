"""pith linear models end to end: a scaler + logistic regression pipeline, trained, saved,
reloaded, run by the CLI, and a scikit-learn pipeline taken over with pith.from_sklearn.

On scikit-learn's bundled breast-cancer data (569 samples, 30 named features): fits
StandardScaler + LogisticRegression with pith, saves the pipeline to one .pith file, reloads it,
runs `pith predict --proba` on a CSV of held-out rows and checks the probabilities against
Python's; then fits the same pipeline with scikit-learn, converts it with pith.from_sklearn and
checks that both predict the same. Run it inside the virtualenv:

    python examples/linear_end_to_end.py [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from sklearn import linear_model as sklearn_linear
from sklearn import pipeline as sklearn_pipeline
from sklearn import preprocessing as sklearn_preprocessing
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

import pith
from pith.linear_model import LogisticRegression
from pith.pipeline import make_pipeline
from pith.preprocessing import StandardScaler


def find_cli() -> str:
    """The `pith` executable installed next to this Python (pip install .) or on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "pith")
    found = here if os.access(here, os.X_OK) else shutil.which("pith")
    if not found:
        sys.exit("error: the `pith` command-line tool is not installed (run scripts/dev.sh setup)")
    return found


def run_cli(*args: str) -> str:
    return subprocess.run([find_cli(), *args], check=True, capture_output=True, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", help="where to write the models and CSV (default: temp dir)")
    args = parser.parse_args()
    out_dir = args.out_dir or tempfile.mkdtemp(prefix="pith-linear-")
    os.makedirs(out_dir, exist_ok=True)

    data = load_breast_cancer(as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target, test_size=0.2, random_state=0, stratify=data.target
    )
    print(f"data: {len(X_train)} training and {len(X_test)} test rows "
          f"x {X_train.shape[1]} features")

    # 1. Train with pith: the same API as scikit-learn.
    model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0))
    model.fit(X_train, y_train)
    print(f"pith pipeline: test accuracy {model.score(X_test, y_test):.4f}, "
          f"{model[-1].n_iter_[0]} L-BFGS iterations")

    # 2. Save the whole pipeline to one file and reload it.
    path = os.path.join(out_dir, "breast_cancer.pith")
    model.save(path)
    reloaded = pith.load(path)
    assert type(reloaded) is type(model)
    assert np.array_equal(reloaded.predict_proba(X_test), model.predict_proba(X_test))
    print(f"saved {path} ({os.path.getsize(path)} bytes); reloaded: identical probabilities")

    # 3. The CLI reads the same file, matching CSV columns to the model's feature names.
    csv_path = os.path.join(out_dir, "test_rows.csv")
    X_test.head(5).to_csv(csv_path, index=False, float_format="%.17g")
    print(f"$ pith predict --proba {path} {csv_path}")
    out = run_cli("predict", "--proba", path, csv_path)
    print(out, end="")
    cli_proba = np.loadtxt(io.StringIO(out), delimiter=",", ndmin=2)
    np.testing.assert_allclose(cli_proba, model.predict_proba(X_test.head(5)), rtol=1e-12)
    cli_labels = np.array(run_cli("predict", path, csv_path).split(), dtype=np.int64)
    assert np.array_equal(cli_labels, model.predict(X_test.head(5)))
    print("CLI probabilities and labels match the Python model")

    # 4. Take over a pipeline fitted with scikit-learn.
    theirs = sklearn_pipeline.make_pipeline(
        sklearn_preprocessing.StandardScaler(), sklearn_linear.LogisticRegression()
    ).fit(X_train, y_train)
    ours = pith.from_sklearn(theirs)
    assert np.array_equal(ours.predict(X_test), theirs.predict(X_test))
    np.testing.assert_allclose(ours.predict_proba(X_test), theirs.predict_proba(X_test),
                               rtol=1e-12)
    converted_path = os.path.join(out_dir, "from_sklearn.pith")
    ours.save(converted_path)
    cli_labels = np.array(run_cli("predict", converted_path, csv_path).split(), dtype=np.int64)
    assert np.array_equal(cli_labels, theirs.predict(X_test.head(5)))
    print(f"pith.from_sklearn: same labels and probabilities (1e-12) as scikit-learn; "
          f"saved {converted_path}, the CLI agrees")

    # Both fits reach the same optimum (same objective and stopping rule).
    gap = np.abs(model[-1].coef_ - theirs[-1].coef_).max() / np.abs(theirs[-1].coef_).max()
    print(f"pith vs scikit-learn coefficients: max difference {gap:.1e} of the largest")


if __name__ == "__main__":
    main()
