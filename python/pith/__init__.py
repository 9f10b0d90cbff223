"""pith: fast, exact scikit-learn-compatible estimators in C++, with one model file format.

>>> from pith.cluster import KMeans
>>> model = KMeans(n_clusters=3).fit(X)        # doctest: +SKIP
>>> model.save("model.pith")                   # doctest: +SKIP
>>> pith.load("model.pith").predict(X)         # doctest: +SKIP

Also: pith.linear_model (LinearRegression, Ridge, LogisticRegression), pith.preprocessing
(StandardScaler, MinMaxScaler), pith.pipeline (Pipeline, make_pipeline), and pith.from_sklearn to
take over fitted scikit-learn models.
"""

import os

# Before the native module loads its OpenMP runtime (which reads this once): idle pith threads
# sleep instead of spinning. numpy/scikit-learn wheels bundle their own OpenMP runtimes; with
# spinning threads from two runtimes on a small machine, each library's threads wait for CPUs the
# other's idle threads hold (measured: up to 20x slower when alternating). Waking a sleeping
# thread costs microseconds per parallel region, nothing next to a fit. Set OMP_WAIT_POLICY
# yourself to choose otherwise.
os.environ.setdefault("OMP_WAIT_POLICY", "passive")

from pith._core import ModelFormatError, __version__  # noqa: E402
from pith._model_io import ModelFormatWarning, load, loads  # noqa: E402
from pith import cluster, ensemble, linear_model, pipeline, preprocessing  # noqa: E402
from pith._convert import from_sklearn  # noqa: E402
from pith._convert_lightgbm import from_lightgbm  # noqa: E402
from pith._convert_xgboost import from_xgboost  # noqa: E402

__all__ = [
    "ModelFormatError",
    "ModelFormatWarning",
    "__version__",
    "cluster",
    "ensemble",
    "from_lightgbm",
    "from_sklearn",
    "from_xgboost",
    "linear_model",
    "load",
    "loads",
    "pipeline",
    "preprocessing",
]
