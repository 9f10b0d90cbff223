"""pith.ensemble.TreeEnsembleClassifier / TreeEnsembleRegressor: imported tree ensembles.

An instance holds the ensemble as a model dict of kind "tree_ensemble" (see
python/src/tree_dict.cc and docs/model-format.md) and predicts through the native model, which
it builds once and keeps (the trees never change after import). NaN in X is a missing value and
follows each split's default direction, as in the source library.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils._available_if import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from pith import _core
from pith._base import FLOAT_DTYPES, NativeModelMixin, restore_input

_FAST_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_UPCAST_BLOCK = 1 << 16  # rows upcast to float64 at a time

# The fields of a tree-ensemble model dict besides the input schema, "kind" and "classes".
TREE_FIELDS = (
    "n_outputs",
    "leaf_width",
    "feature_precision",
    "comparison",
    "score_precision",
    "transform",
    "sigmoid_alpha",
    "base_score",
    "tree_offsets",
    "tree_output",
    "left_child",
    "right_child",
    "feature",
    "threshold",
    "node_flags",
    "leaf_values",
    "category_nodes",
    "category_offsets",
    "categories",
)


class _TreeEnsemble(NativeModelMixin, BaseEstimator):
    """What both tree-ensemble estimators share: the model dict and native prediction."""

    _allow_nan = True

    def __init__(self, n_threads=None):
        self.n_threads = n_threads

    def fit(self, X, y=None):
        raise NotImplementedError(
            f"{type(self).__name__} does not train: fit the model with scikit-learn, XGBoost or "
            "LightGBM and import it with pith.from_sklearn, pith.from_xgboost or "
            "pith.from_lightgbm"
        )

    def __sklearn_is_fitted__(self):
        return hasattr(self, "_trees")

    @classmethod
    def _from_model_dict(cls, model):
        """An estimator from a model dict of kind "tree_ensemble" (validated on first use)."""
        classes = model.get("classes")
        target = TreeEnsembleClassifier if classes is not None else TreeEnsembleRegressor
        if cls is not _TreeEnsemble and cls is not target:
            raise ValueError(f"a {target.__name__} model cannot load as {cls.__name__}")
        estimator = restore_input(target(), model)
        estimator._trees = {key: model[key] for key in TREE_FIELDS}
        if classes is not None:
            estimator.classes_ = np.asarray(classes)
            estimator._trees["classes"] = list(classes)
        else:
            estimator._trees["classes"] = None
        estimator._native = _core.NativeModel(estimator._model_dict())
        return estimator

    def _to_model_dict(self):
        return {"kind": "tree_ensemble", **self._trees}

    def _check_test_data(self, X):
        # Single rows are where serving-style callers live: scikit-learn's validate_data costs
        # tens of microseconds, more than the trees. A plain C-contiguous float array of the
        # right width without feature names to check is what validate_data would return as is.
        # NaN is a missing value and +-inf a value like any other (trees compare it; scikit-learn's
        # HistGradientBoosting accepts it too), so neither is refused here.
        if (
            type(X) is np.ndarray
            and X.ndim == 2
            and X.dtype in _FAST_DTYPES
            and X.flags.c_contiguous
            and X.shape[0] > 0
            and X.shape[1] == getattr(self, "n_features_in_", -1)
            and not hasattr(self, "feature_names_in_")
            and hasattr(self, "_trees")
        ):
            return X
        check_is_fitted(self)
        return validate_data(self, X, reset=False, dtype=FLOAT_DTYPES, order="C",
                             ensure_all_finite=False)

    def _native_predict(self, output, X):
        native = getattr(self, "_native", None)
        if native is None:
            native = self._native = _core.NativeModel(self._model_dict())
        threads = self._n_threads()
        # (_fit_dtype is a numpy dtype: comparing it costs far less than _fitted_dtype()'s name.)
        if X.dtype == np.float64 or getattr(self, "_fit_dtype", None) == np.float32:
            return native.predict(output, X, threads)
        # float32 rows for a float64 model (scikit-learn, LightGBM): predictions are float64, as
        # the source library's, from float64 rows (the same splits: a float32 value is exact in
        # float64). Upcast a block at a time rather than copying all of X at twice its size.
        if len(X) <= _UPCAST_BLOCK:
            return native.predict(output, X.astype(np.float64), threads)
        first = native.predict(output, X[:_UPCAST_BLOCK].astype(np.float64), threads)
        out = np.empty((len(X),) + first.shape[1:], dtype=first.dtype)
        out[:_UPCAST_BLOCK] = first
        for start in range(_UPCAST_BLOCK, len(X), _UPCAST_BLOCK):
            block = X[start : start + _UPCAST_BLOCK].astype(np.float64)
            out[start : start + len(block)] = native.predict(output, block, threads)
        return out

    @property
    def n_trees_(self):
        """The number of trees."""
        check_is_fitted(self)
        return len(self._trees["tree_output"])

    @property
    def n_nodes_(self):
        """The number of nodes, all trees together."""
        check_is_fitted(self)
        return len(self._trees["left_child"])

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_native", None)  # rebuilt on first use
        return state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.requires_fit = True
        return tags


class TreeEnsembleRegressor(RegressorMixin, _TreeEnsemble):
    """A regression tree ensemble imported from scikit-learn, XGBoost or LightGBM.

    Built by :func:`pith.from_sklearn`, :func:`pith.from_xgboost`, :func:`pith.from_lightgbm`
    or :func:`pith.load`; it predicts what the source model predicts (see docs/model-format.md
    for the tolerances) and saves to a .pith file that ``pith serve`` and ``pith compile`` take.

    Parameters
    ----------
    n_threads : int or None, default=None
        Threads used by predict. None uses all available cores.

    Attributes
    ----------
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when the source model had feature names.
    n_trees_ : int
    n_nodes_ : int
    """

    def predict(self, X):
        """Predicted values; NaN in X is a missing value.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        values = self._native_predict("predict", self._check_test_data(X))
        return values[:, 0] if values.shape[1] == 1 else values


def _has_raw_scores(estimator):
    # Unfitted: unknown yet, so available (as scikit-learn's available_if checks usually are).
    trees = getattr(estimator, "_trees", None)
    if trees is not None and trees["transform"] in ("average", "identity"):
        raise AttributeError("a forest averages probabilities: it has no decision_function")
    return True


class TreeEnsembleClassifier(ClassifierMixin, _TreeEnsemble):
    """A classification tree ensemble imported from scikit-learn, XGBoost or LightGBM.

    Built by :func:`pith.from_sklearn`, :func:`pith.from_xgboost`, :func:`pith.from_lightgbm`
    or :func:`pith.load`; it predicts what the source model predicts (see docs/model-format.md
    for the tolerances) and saves to a .pith file that ``pith serve`` and ``pith compile`` take.

    Parameters
    ----------
    n_threads : int or None, default=None
        Threads used by predict. None uses all available cores.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Only when the source model had feature names.
    n_trees_ : int
    n_nodes_ : int
    """

    def predict(self, X):
        """The most probable class of each row (the first on ties)."""
        index = self._native_predict("predict", self._check_test_data(X))
        return self.classes_[index]

    def predict_proba(self, X):
        """Class probabilities, one column per class of ``classes_``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
        """
        return self._native_predict("predict_proba", self._check_test_data(X))

    @available_if(_has_raw_scores)
    def decision_function(self, X):
        """Raw scores before the sigmoid or softmax (boosted ensembles only; forests average
        probabilities and have none: ``hasattr(model, "decision_function")`` is False, as for
        scikit-learn's forests, so pipelines ending in one have none either).

        Returns
        -------
        scores : ndarray of shape (n_samples,) for one score, else (n_samples, n_scores)
        """
        check_is_fitted(self)
        scores = self._native_predict("decision_function", self._check_test_data(X))
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
