"""pith.dask: pith's estimators fitted on a Dask cluster (``pip install .[dask]``).

The estimators take dask arrays or dask dataframes (and numpy arrays, which they fit locally) and
keep the interface of their local twins. Dask moves data and tasks; every partition's work is
pith's native per-chunk step (one Lloyd step's statistics, the logistic loss and gradient), and
only centers, gradients and small statistics travel to the client. The fitted estimator is the
ordinary pith model: it saves to the same .pith file, serves and compiles like any other.

A ``dask.distributed`` Client must be active (``Client(LocalCluster())`` on one machine).
"""

from pith.dask._kmeans import KMeans
from pith.dask._logistic import LogisticRegression

__all__ = ["KMeans", "LogisticRegression"]
