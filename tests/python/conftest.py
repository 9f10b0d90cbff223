"""Shared settings for pith's Python tests; environment variables must be set before imports."""

import os

# scikit-learn's array API estimator check only runs when SciPy's array API support is on, and
# SciPy reads this once, at import.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# These tests alternate scikit-learn and pith, which load two OpenMP runtimes (scikit-learn's wheel
# bundles its own libgomp). By default each one's idle threads spin for a while after a parallel
# region, and on a small machine the other one's threads wait for the CPU: up to 20x slower.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")
