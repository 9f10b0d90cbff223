"""Linear models side by side: pith, scikit-learn and scikit-learn-intelex in one run.

Every measurement runs in a fresh child process on the same data file with the same thread
count (BLAS and OpenMP limited to --threads). Scenarios (issue 3's shapes):

  logreg2   LogisticRegression fit, 1,000,000 x 20, binary, C=1, tol=1e-4 (scikit-learn's defaults)
  logreg2t  the same with tol=1e-6: both libraries run to a tighter optimum, so the final
            objectives agree to more digits (the fair comparison "at equal final loss")
  logreg10  LogisticRegression fit, 200,000 x 50, 10 classes, same settings
  ridge     Ridge fit, 1,000,000 x 100, alpha=1
  predict   predict_proba of the binary model and Ridge predict on all rows

For fits the table shows each library's n_iter and its final objective, scikit-learn's
(1/n) sum loss_i + ||coef||^2 / (2 C n) computed here in float64 from the fitted coefficients
(for ridge: the mean squared residual plus the penalty), so ratios compare fits that reach the
same loss. Prints medians of --repeats runs, ratios to pith, and peak memory above the input.

  .venv/bin/python bench/bench_linear.py             # the shapes of docs/benchmarks.md
  .venv/bin/python bench/bench_linear.py --quick     # small shapes, a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import measure, run_child  # noqa: E402

SCENARIOS = {"logreg2": (1_000_000, 20, 2), "logreg2t": (1_000_000, 20, 2),
             "logreg10": (200_000, 50, 10),
             "ridge": (1_000_000, 100, 0), "predict": (1_000_000, 20, 2)}
QUICK = {"logreg2": (50_000, 20, 2), "logreg2t": (50_000, 20, 2), "logreg10": (20_000, 50, 10), "ridge": (50_000, 100, 0),
         "predict": (50_000, 20, 2)}
LIBRARIES = ["pith", "sklearn", "sklearnex"]


def make_data(n, d, n_classes, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 2.0, size=d) + rng.normal(size=d)
    if n_classes == 0:  # regression
        y = X @ rng.normal(size=d) + rng.normal(scale=0.5, size=n)
        return X, y
    W = rng.normal(size=(d, n_classes)) / np.sqrt(d)
    scores = X @ W + rng.gumbel(size=(n, n_classes))  # softmax-distributed labels
    return X, scores.argmax(axis=1)


def logistic_objective(X, y, coef, intercept, C):
    z = X @ coef.T + intercept
    n = X.shape[0]
    if coef.shape[0] == 1:
        z = z[:, 0]
        loss = np.logaddexp(0, z) - (y == 1) * z
    else:
        top = z.max(axis=1, keepdims=True)
        lse = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
        loss = lse - z[np.arange(n), y]
    return float(loss.mean() + (coef**2).sum() / (2 * C * n))


def estimator(lib, scenario, threads):
    if lib == "pith":
        from pith.linear_model import LogisticRegression, Ridge

        extra = {"n_threads": threads}
    elif lib == "sklearn":
        from sklearn.linear_model import LogisticRegression, Ridge

        extra = {}
    else:
        from sklearnex.linear_model import LogisticRegression, Ridge

        extra = {}
    if scenario == "ridge":
        return Ridge(alpha=1.0, **extra)
    if scenario == "logreg2t":
        return LogisticRegression(C=1.0, tol=1e-6, max_iter=1000, **extra)
    return LogisticRegression(C=1.0, tol=1e-4, max_iter=100, **extra)


def child(args) -> None:
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    X = np.load(args.data)
    y = np.load(args.target)
    scenario = args.scenario
    # Warm-up on a slice: imports and one-time set-up are not the fit's time or memory.
    estimator(args.lib, "ridge" if scenario == "ridge" else "logreg", args.threads).fit(
        X[:2000], y[:2000])
    if scenario == "predict":
        clf = estimator(args.lib, "logreg", args.threads).fit(X[:20000], y[:20000])
        reg = estimator(args.lib, "ridge", args.threads).fit(X[:20000], X[:20000, 0])

        def run():
            return float(clf.predict_proba(X)[:, 1].sum() + reg.predict(X).sum())
        r = measure(run, args.repeats)
        print(json.dumps({"times": r["times"], "n_iter": 0, "objective": r["result"],
                          "peak_extra_mb": r["peak_extra_mb"]}))
        return

    def run():
        return estimator(args.lib, scenario, args.threads).fit(X, y)
    r = measure(run, args.repeats)
    model = r["result"]
    if scenario == "ridge":
        resid = y - X @ model.coef_ - model.intercept_
        objective = float((resid**2).sum() + (model.coef_**2).sum()) / len(y)
        n_iter = 0
    else:
        objective = logistic_objective(X, y, np.atleast_2d(model.coef_), model.intercept_, 1.0)
        n_iter = int(np.max(model.n_iter_))
    print(json.dumps({"times": r["times"], "n_iter": n_iter, "objective": objective,
                      "peak_extra_mb": r["peak_extra_mb"]}))


def parent(args) -> None:
    shapes = QUICK if args.quick else SCENARIOS
    print(f"# threads={args.threads} repeats={args.repeats} cpu={os.cpu_count()} "
          f"python={sys.version.split()[0]}")
    print(f"{'scenario':9} {'shape':>20} {'library':9} {'median s':>9} {'vs pith':>8} "
          f"{'n_iter':>6} {'objective':>18} {'peak MB':>8}")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in args.scenarios.split(","):
            n, d, c = shapes[scenario]
            X, y = make_data(n, d, c)
            data, target = os.path.join(tmp, "X.npy"), os.path.join(tmp, "y.npy")
            np.save(data, X)
            np.save(target, y)
            shape = f"{n}x{d}" + (f" c={c}" if c else "")
            base = None
            for lib in args.libs.split(","):
                r = run_child(__file__, ["--child", lib, "--scenario", scenario, "--data", data,
                                         "--target", target, "--threads", str(args.threads),
                                         "--repeats", str(args.repeats)], args.threads)
                if "times" not in r:
                    print(f"{scenario:9} {shape:>20} {lib:9} {r.get('error')}", flush=True)
                    continue
                med = statistics.median(r["times"])
                base = med if lib == "pith" else base
                ratio = f"{med / base:.2f}x" if base else "-"
                print(f"{scenario:9} {shape:>20} {lib:9} {med:9.4f} {ratio:>8} {r['n_iter']:6d} "
                      f"{r['objective']:18.12g} {r['peak_extra_mb']:8.1f}", flush=True)
                rows.append(dict(scenario=scenario, n=n, d=d, classes=c, library=lib,
                                 median_s=med, **r))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small shapes (a smoke run)")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--libs", default=",".join(LIBRARIES))
    p.add_argument("--scenarios", default=",".join(SCENARIOS))
    p.add_argument("--out", help="write all measurements as JSON")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--scenario", help=argparse.SUPPRESS)
    p.add_argument("--data", help=argparse.SUPPRESS)
    p.add_argument("--target", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        args.lib = args.child
        child(args)
    else:
        parent(args)


if __name__ == "__main__":
    main()
