"""pith.from_sklearn: fitted scikit-learn estimators and pipelines -> the pith equivalents.

The fitted parameters are copied as they are (float64 stays float64, float32 stays float32), so
the pith model predicts what the scikit-learn one predicts, and can be saved to a .pith file.
"""

import numpy as np
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from pith.cluster import KMeans
from pith.linear_model import LinearRegression, LogisticRegression, Ridge
from pith.pipeline import Pipeline
from pith.preprocessing import MinMaxScaler, StandardScaler

SUPPORTED = (
    "sklearn.cluster.KMeans, sklearn.linear_model.LinearRegression, sklearn.linear_model.Ridge, "
    "sklearn.linear_model.LogisticRegression (binary or multinomial), "
    "sklearn.preprocessing.StandardScaler, sklearn.preprocessing.MinMaxScaler, "
    "sklearn.tree.DecisionTree{Classifier,Regressor}, "
    "sklearn.tree.ExtraTree{Classifier,Regressor}, "
    "sklearn.ensemble.{RandomForest,ExtraTrees,GradientBoosting,HistGradientBoosting}"
    "{Classifier,Regressor}, and sklearn.pipeline.Pipeline of these"
)


def from_sklearn(estimator):
    """Convert a fitted scikit-learn estimator or pipeline into the pith equivalent.

    Parameters
    ----------
    estimator : fitted scikit-learn estimator
        One of ``KMeans``, ``LinearRegression``, ``Ridge``, ``LogisticRegression`` (binary, or
        multinomial: one-vs-rest models are refused), ``StandardScaler``, ``MinMaxScaler``, a
        tree model (``DecisionTree*``, ``ExtraTree*``, ``RandomForest*``, ``ExtraTrees*``,
        ``GradientBoosting*``, ``HistGradientBoosting*``; classifiers single-output), or a
        ``Pipeline`` of them (``"passthrough"`` steps are kept).

    Returns
    -------
    pith_estimator : fitted pith estimator
        Of the matching pith class, with the same fitted attributes (copies) and the
        constructor parameters that pith shares; it predicts what ``estimator`` predicts and
        can be saved with ``save``.

    Raises
    ------
    TypeError
        The estimator (or a pipeline step, named in the message) is not supported.
    sklearn.exceptions.NotFittedError
        The estimator (or a step) is not fitted.
    ValueError
        A fitted model that pith cannot represent (e.g. a one-vs-rest logistic regression, a
        multi-output classifier, a gradient-boosting model with a non-constant init estimator,
        or a HistGradientBoosting model with non-numeric categories).
    """
    return _convert(estimator, where="")


def _convert(estimator, where):
    from sklearn import cluster, ensemble, linear_model, pipeline, preprocessing, tree

    from pith import _convert_boosting as boosting
    from pith import _convert_trees as trees

    if isinstance(estimator, str) and estimator == "passthrough" or estimator is None:
        return estimator
    converters = {
        cluster.KMeans: _kmeans,
        linear_model.LinearRegression: _linear_regression,
        linear_model.Ridge: _ridge,
        linear_model.LogisticRegression: _logistic_regression,
        preprocessing.StandardScaler: _standard_scaler,
        preprocessing.MinMaxScaler: _min_max_scaler,
        pipeline.Pipeline: _pipeline,
        tree.DecisionTreeClassifier: trees.decision_tree,
        tree.DecisionTreeRegressor: trees.decision_tree,
        tree.ExtraTreeClassifier: trees.decision_tree,
        tree.ExtraTreeRegressor: trees.decision_tree,
        ensemble.RandomForestClassifier: trees.forest,
        ensemble.RandomForestRegressor: trees.forest,
        ensemble.ExtraTreesClassifier: trees.forest,
        ensemble.ExtraTreesRegressor: trees.forest,
        ensemble.GradientBoostingClassifier: boosting.gradient_boosting,
        ensemble.GradientBoostingRegressor: boosting.gradient_boosting,
        ensemble.HistGradientBoostingClassifier: boosting.hist_gradient_boosting,
        ensemble.HistGradientBoostingRegressor: boosting.hist_gradient_boosting,
    }
    converter = converters.get(type(estimator))  # exact types: subclasses may predict otherwise
    if converter is None:
        cls = type(estimator)
        raise TypeError(
            f"pith.from_sklearn: {where}{cls.__module__}.{cls.__qualname__} is not supported; "
            f"supported: {SUPPORTED}"
        )
    if converter is not _pipeline:
        try:
            check_is_fitted(estimator)
        except NotFittedError as error:
            raise NotFittedError(
                f"pith.from_sklearn: {where}{type(estimator).__name__} is not fitted yet; "
                "fit it before converting"
            ) from error
    return converter(estimator)


def _input(source, target):
    """Copies n_features_in_, feature_names_in_; the dtype comes from the fitted arrays."""
    target.n_features_in_ = int(source.n_features_in_)
    if hasattr(source, "feature_names_in_"):
        target.feature_names_in_ = np.array(source.feature_names_in_, dtype=object)
    return target


def _shared_params(source, cls, **extra):
    """cls's constructor parameters that source shares, plus extra."""
    theirs = source.get_params(deep=False)
    ours = cls().get_params(deep=False)
    params = {name: theirs[name] for name in ours if name in theirs and name != "n_threads"}
    return cls(**{**params, **extra})


def _dtype(array):
    return np.float32 if np.asarray(array).dtype == np.float32 else np.float64


def _kmeans(sk):
    est = _input(sk, _shared_params(sk, KMeans))
    est.cluster_centers_ = np.array(sk.cluster_centers_)
    est._n_features_out = est.cluster_centers_.shape[0]
    if hasattr(sk, "labels_"):
        est.labels_ = np.asarray(sk.labels_, dtype=np.int32)
    est.inertia_ = float(sk.inertia_)
    est.n_iter_ = int(sk.n_iter_)
    return est


def _linear(sk, cls):
    est = _input(sk, _shared_params(sk, cls))
    est.coef_ = np.array(sk.coef_)
    est.intercept_ = np.array(sk.intercept_) if np.ndim(sk.intercept_) else sk.intercept_
    est._fit_dtype = _dtype(est.coef_)
    return est


def _linear_regression(sk):
    est = _linear(sk, LinearRegression)
    est.rank_ = int(getattr(sk, "rank_", -1))
    return est


def _ridge(sk):
    est = _linear(sk, Ridge)
    if np.ndim(sk.alpha) != 0:
        # Per-target alphas: pith's Ridge takes one (informative once fitted; prediction needs
        # only the coefficients), so it records their mean.
        est.alpha = float(np.mean(sk.alpha))
    return est


def _logistic_regression(sk):
    n_classes = len(sk.classes_)
    rows = sk.coef_.shape[0]
    multi_class = getattr(sk, "multi_class", "auto")
    one_vs_rest = n_classes > 2 and (
        multi_class == "ovr" or (multi_class == "auto" and sk.solver == "liblinear")
    )
    if one_vs_rest or rows != (1 if n_classes == 2 else n_classes):
        raise ValueError(
            f"pith.from_sklearn: this LogisticRegression is one-vs-rest ({n_classes} classes, "
            f"coef_ of shape {sk.coef_.shape}, solver={sk.solver!r}); pith supports binary and "
            "multinomial (softmax) models. Refit with solver='lbfgs' (multinomial)."
        )
    C = np.inf if sk.get_params().get("penalty") is None else float(sk.C)
    est = _input(sk, LogisticRegression(C=C, tol=sk.tol, fit_intercept=sk.fit_intercept,
                                        class_weight=sk.class_weight, max_iter=sk.max_iter))
    est.classes_ = np.array(sk.classes_)
    est.coef_ = np.array(sk.coef_)
    est.intercept_ = np.array(np.broadcast_to(sk.intercept_, (rows,)), dtype=est.coef_.dtype)
    est.n_iter_ = np.asarray(np.max(sk.n_iter_), dtype=np.int32).reshape(1)
    est._fit_dtype = _dtype(est.coef_)
    return est


def _standard_scaler(sk):
    est = _input(sk, _shared_params(sk, StandardScaler))
    est.mean_ = None if sk.mean_ is None else np.array(sk.mean_)
    est.var_ = None if sk.var_ is None else np.array(sk.var_)
    est.scale_ = None if sk.scale_ is None else np.array(sk.scale_)
    est.n_samples_seen_ = sk.n_samples_seen_
    # scikit-learn keeps the statistics in float64 whatever X was: saved as a float64 model.
    est._fit_dtype = np.float64
    return est


def _min_max_scaler(sk):
    est = _input(sk, _shared_params(sk, MinMaxScaler))
    est.feature_range = tuple(sk.feature_range)
    for name in ("scale_", "min_", "data_min_", "data_max_", "data_range_"):
        setattr(est, name, np.array(getattr(sk, name)))
    est.n_samples_seen_ = sk.n_samples_seen_
    est._fit_dtype = _dtype(est.scale_)
    return est


def _pipeline(sk):
    steps = [(name, _convert(step, where=f"pipeline step {name!r}: ")) for name, step in sk.steps]
    return Pipeline(steps, memory=sk.memory, verbose=sk.verbose)
