"""pith.cluster.KMeans: scikit-learn's KMeans API over pith's native Lloyd K-Means.

Input is validated and converted here, the way scikit-learn does it; `pith._core` only accepts
C-contiguous float32/float64 arrays and does the numerical work without copying them.
"""

import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    ClusterMixin,
    TransformerMixin,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    validate_data,
)

from pith import _core
from pith._base import ModelFileMixin

_DTYPES = [np.float64, np.float32]


class KMeans(
    ModelFileMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator
):
    """K-Means clustering (Lloyd), a drop-in for :class:`sklearn.cluster.KMeans`.

    Same parameters, attributes and results as scikit-learn's ``KMeans(algorithm="lloyd")``:
    from the same initial centers both run the same iterations, to rounding. The work runs in
    pith's native core on ``n_threads`` threads, without the GIL.

    Parameters
    ----------
    n_clusters : int, default=8
        The number of clusters to form and of centroids to generate.

    init : {"k-means++", "random"}, callable or array-like of shape \
            (n_clusters, n_features), default="k-means++"
        How to choose the initial centers: greedy k-means++ (as scikit-learn), ``n_clusters``
        rows of X drawn at random (with probability proportional to ``sample_weight``), the given
        array, or a callable ``init(X, n_clusters, random_state)`` returning such an array.

    n_init : "auto" or int, default="auto"
        Number of runs from different initial centers; the run with the lowest inertia is kept.
        ``"auto"`` is 1 for ``init="k-means++"`` or an array, and 10 for ``"random"`` or a
        callable. An explicit array always runs once (with a ``RuntimeWarning`` if
        ``n_init`` asks for more).

    max_iter : int, default=300
        Maximum number of Lloyd iterations per run.

    tol : float, default=1e-4
        Convergence tolerance on the squared shift of the centers between two iterations,
        relative to the mean per-feature variance of X. A run also stops as soon as no label
        changes.

    verbose : int, default=0
        If non-zero, print the inertia after every iteration.

    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation. Pass an int for reproducible results.

    copy_x : bool, default=True
        Accepted for compatibility with scikit-learn and ignored: pith never modifies X (it
        does not center X in place), so no copy is needed either way.

    algorithm : {"lloyd", "elkan"}, default="lloyd"
        Both compute Lloyd's iterations and give the same labels and centers. pith decides per
        fit whether per-sample distance bounds (Hamerly's acceleration, the bounds idea behind
        Elkan's algorithm) skip work: with many clusters and data whose samples keep their
        cluster, most distance computations are proven unnecessary; on data without cluster
        structure the bounds are dropped again. ``"elkan"`` is accepted for compatibility.

    n_threads : int or None, default=None
        Threads used by fit, predict, transform and score. None uses all available cores.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        Coordinates of the cluster centers, in the dtype of the training data.

    labels_ : ndarray of shape (n_samples,), dtype=int32
        Label of each training point. Not stored in .pith files: absent from a loaded model.

    inertia_ : float
        Weighted sum of squared distances of the training samples to their closest center.

    n_iter_ : int
        Number of iterations of the kept run.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when X had string column names.

    See Also
    --------
    pith.load : Load a model saved with :meth:`save`.
    sklearn.cluster.KMeans : The scikit-learn estimator this one mirrors.

    Examples
    --------
    >>> import numpy as np
    >>> from pith.cluster import KMeans
    >>> X = np.array([[1, 2], [1, 4], [1, 0], [10, 2], [10, 4], [10, 0]])
    >>> kmeans = KMeans(n_clusters=2, random_state=0).fit(X)
    >>> sorted(kmeans.cluster_centers_.tolist())
    [[1.0, 2.0], [10.0, 2.0]]
    """

    _parameter_constraints: dict = {
        "n_clusters": [Interval(Integral, 1, None, closed="left")],
        "init": [StrOptions({"k-means++", "random"}), callable, "array-like"],
        "n_init": [StrOptions({"auto"}), Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
        "copy_x": ["boolean"],
        "algorithm": [StrOptions({"lloyd", "elkan"})],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        n_clusters=8,
        *,
        init="k-means++",
        n_init="auto",
        max_iter=300,
        tol=1e-4,
        verbose=0,
        random_state=None,
        copy_x=True,
        algorithm="lloyd",
        n_threads=None,
    ):
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose
        self.random_state = random_state
        self.copy_x = copy_x
        self.algorithm = algorithm
        self.n_threads = n_threads

    def fit(self, X, y=None, sample_weight=None):
        """Compute k-means clustering.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training instances. float32 and float64 C-contiguous arrays are used without a copy;
            anything else is converted (to float64 unless it is float32).
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample; None gives every sample weight 1. Not used to
            initialise from an array or a callable ``init``.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._validate_params()
        X = validate_data(self, X, dtype=_DTYPES, order="C")
        if X.shape[0] < self.n_clusters:
            raise ValueError(f"n_samples={X.shape[0]} should be >= n_clusters={self.n_clusters}.")
        if sample_weight is not None:  # None: unit weights, without an array of n ones
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
        random_state = check_random_state(self.random_state)
        n_init = self._n_init()

        if callable(self.init):
            # As scikit-learn: init is called anew (sharing the random state) for every run.
            best = None
            for _ in range(n_init):
                init = self._init_from_callable(X, random_state)
                run = self._fit_once(X, sample_weight, init, n_init=1, seed=0)
                if best is None or run[2] < best[2]:
                    best = run
            centers, labels, inertia, n_iter = best
        else:
            init = self._check_init_array(self.init, X) if self._init_is_array() else self.init
            seed = int(random_state.randint(np.iinfo(np.uint64).max, dtype=np.uint64))
            centers, labels, inertia, n_iter = self._fit_once(X, sample_weight, init, n_init, seed)

        distinct = np.count_nonzero(np.bincount(labels, minlength=self.n_clusters))
        if distinct < self.n_clusters:
            warnings.warn(
                f"Number of distinct clusters ({distinct}) found smaller than "
                f"n_clusters ({self.n_clusters}). Possibly due to duplicate points in X.",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.cluster_centers_ = centers.astype(X.dtype, copy=False)
        self._n_features_out = self.cluster_centers_.shape[0]
        self.labels_ = labels
        self.inertia_ = float(inertia)
        self.n_iter_ = int(n_iter)
        return self

    def _fit_once(self, X, sample_weight, init, n_init, seed):
        """One call into the core; `init` is a method name or float64 initial centers."""
        explicit = not isinstance(init, str)
        return _core.kmeans_fit(
            X,
            sample_weight,
            init if explicit else None,
            self.n_clusters,
            "explicit" if explicit else init,
            n_init,
            self.max_iter,
            float(self.tol),
            seed,
            self._n_threads(),
            _VerbosePrinter() if self.verbose else None,
        )

    def _init_is_array(self):
        # _validate_params has checked that init is one of the two strings, a callable or an array.
        return not (isinstance(self.init, str) or callable(self.init))

    def _n_init(self):
        if self.n_init == "auto":
            random = callable(self.init) or (isinstance(self.init, str) and self.init == "random")
            return 10 if random else 1
        if self._init_is_array() and self.n_init != 1:
            warnings.warn(
                "Explicit initial center position passed: performing only one init in "
                f"{self.__class__.__name__} instead of n_init={self.n_init}.",
                RuntimeWarning,
                stacklevel=3,
            )
            return 1
        return self.n_init

    def _n_threads(self):
        return 0 if self.n_threads is None else int(self.n_threads)

    def _check_init_array(self, init, X):
        """Initial centers as scikit-learn takes them (X's dtype, finite), passed as float64."""
        centers = check_array(init, dtype=X.dtype, order="C", input_name="init")
        if centers.shape[0] != self.n_clusters:
            raise ValueError(
                f"The shape of the initial centers {centers.shape} does not match "
                f"the number of clusters {self.n_clusters}."
            )
        if centers.shape[1] != X.shape[1]:
            raise ValueError(
                f"The shape of the initial centers {centers.shape} does not match "
                f"the number of features of the data {X.shape[1]}."
            )
        return np.ascontiguousarray(centers, dtype=np.float64)

    def _init_from_callable(self, X, random_state):
        return self._check_init_array(self.init(X, self.n_clusters, random_state=random_state), X)

    def _check_test_data(self, X):
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=_DTYPES, order="C")

    def _centers(self):
        return np.ascontiguousarray(self.cluster_centers_, dtype=np.float64)

    def predict(self, X):
        """Predict the closest cluster each sample in X belongs to.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            New data.

        Returns
        -------
        labels : ndarray of shape (n_samples,), dtype=int32
            Index of the closest cluster center.
        """
        X = self._check_test_data(X)
        return _core.kmeans_predict(self._centers(), X, self._n_threads())

    def fit_predict(self, X, y=None, sample_weight=None):
        """Compute cluster centers and return the label of each training sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training instances.
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            As in :meth:`fit`.

        Returns
        -------
        labels : ndarray of shape (n_samples,), dtype=int32
            Index of the cluster each sample belongs to.
        """
        return self.fit(X, sample_weight=sample_weight).labels_

    def transform(self, X):
        """Transform X to a cluster-distance space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            New data.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_clusters)
            Euclidean distance of each sample to each center, in X's dtype (float32 or float64).
        """
        X = self._check_test_data(X)
        return _core.kmeans_transform(self._centers(), X, self._n_threads())

    def fit_transform(self, X, y=None, sample_weight=None):
        """Compute clustering and transform X to cluster-distance space.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training instances.
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            As in :meth:`fit`.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_clusters)
            As :meth:`transform`.
        """
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def score(self, X, y=None, sample_weight=None):
        """Opposite of the value of X on the K-means objective.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            New data.
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample; None gives every sample weight 1.

        Returns
        -------
        score : float
            Minus the weighted sum of squared distances of X to the closest center.
        """
        X = self._check_test_data(X)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=X.dtype)
        return -_core.kmeans_inertia(self._centers(), X, sample_weight, self._n_threads())

    def _model_dict(self):  # what save/to_bytes write (ModelFileMixin)
        return self._to_model_dict()

    def _to_model_dict(self):
        names = getattr(self, "feature_names_in_", None)
        return {
            "kind": "kmeans",
            "n_features": int(self.cluster_centers_.shape[1]),
            "cluster_centers": self._centers(),
            "inertia": float(self.inertia_),
            "n_iter": int(self.n_iter_),
            "dtype": np.dtype(self.cluster_centers_.dtype).name,
            "feature_names": None if names is None else [str(name) for name in names],
        }

    @classmethod
    def _from_model_dict(cls, model):
        estimator = cls(n_clusters=int(model["n_clusters"]))
        estimator.cluster_centers_ = model["cluster_centers"].astype(model["dtype"], copy=False)
        estimator.inertia_ = float(model["inertia"])
        estimator.n_iter_ = int(model["n_iter"])
        estimator.n_features_in_ = int(model["n_features"])
        estimator._n_features_out = estimator.cluster_centers_.shape[0]
        if model["feature_names"]:
            estimator.feature_names_in_ = np.asarray(model["feature_names"], dtype=object)
        return estimator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class _VerbosePrinter:
    """Prints each Lloyd iteration the way scikit-learn's verbose KMeans does."""

    def __init__(self):
        self._run = None

    def __call__(self, run, iteration, inertia):
        if run != self._run:
            self._run = run
            print("Initialization complete")
        print(f"Iteration {iteration}, inertia {inertia}.")
