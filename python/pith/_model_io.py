"""Loading .pith model files into fitted estimators; each estimator saves itself (`save`)."""

import os
import warnings

from pith import _core
from pith.cluster import KMeans
from pith.ensemble._trees import _TreeEnsemble
from pith.linear_model import LinearRegression, LogisticRegression, Ridge
from pith.pipeline import Pipeline
from pith.preprocessing import MinMaxScaler, StandardScaler


def _linear_regression(model):
    # One kind for both: a file fitted with a penalty is a Ridge.
    cls = Ridge if model["alpha"] > 0 else LinearRegression
    return cls._from_model_dict(model)


# Estimator kind in the file -> the function that rebuilds the estimator from a model dict.
_ESTIMATORS = {
    "kmeans": KMeans._from_model_dict,
    "linear_regression": _linear_regression,
    "logistic_regression": LogisticRegression._from_model_dict,
    "standard_scaler": StandardScaler._from_model_dict,
    "min_max_scaler": MinMaxScaler._from_model_dict,
    "tree_ensemble": _TreeEnsemble._from_model_dict,
}


class ModelFormatWarning(UserWarning):
    """A model file loaded with a caveat, e.g. written by a newer minor format version."""


def load(path):
    """Load a fitted estimator from a .pith model file.

    Parameters
    ----------
    path : str or os.PathLike
        The file, as written by an estimator's ``save`` (or any pith tool).

    Returns
    -------
    estimator : estimator instance
        A fitted estimator ready to predict, of the class that saved it:
        :class:`pith.cluster.KMeans`, :class:`pith.linear_model.LinearRegression` (or
        :class:`~pith.linear_model.Ridge` when fitted with ``alpha > 0``),
        :class:`~pith.linear_model.LogisticRegression`,
        :class:`pith.preprocessing.StandardScaler`, :class:`~pith.preprocessing.MinMaxScaler`
        or :class:`pith.pipeline.Pipeline`. Only what the file holds is restored: the fitted
        attributes prediction needs and the parameters they imply (such as ``n_clusters``);
        other constructor parameters keep their defaults, and training-only attributes
        (``labels_``, ``var_``, ``data_min_``, ...) are absent.

    Raises
    ------
    OSError
        The file cannot be read.
    pith.ModelFormatError
        The file is not a pith model, is truncated or corrupted, or has an incompatible
        format version.
    """
    return _from_model_dict(_core.load_model(os.fspath(path)))


def loads(data):
    """Load a fitted estimator from the bytes of a .pith file (see ``to_bytes``).

    Parameters
    ----------
    data : bytes-like
        The contents of a .pith file.

    Returns
    -------
    estimator : estimator instance
        As :func:`load`.
    """
    return _from_model_dict(_core.model_from_bytes(bytes(data)))


def _from_model_dict(model):
    for message in model["warnings"]:
        warnings.warn(message, ModelFormatWarning, stacklevel=3)
    if model["kind"] == "pipeline":
        for step in model["steps"]:
            _check_kind(step["kind"])
        return Pipeline._from_model_dict(model, lambda step: _ESTIMATORS[step["kind"]](step))
    return _ESTIMATORS[_check_kind(model["kind"])](model)


def _check_kind(kind):
    if kind not in _ESTIMATORS:
        raise NotImplementedError(f"this version of pith cannot load estimators of kind {kind!r}")
    return kind
