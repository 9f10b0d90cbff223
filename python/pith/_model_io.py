"""Loading .pith model files into fitted estimators; each estimator saves itself (`save`)."""

import os
import warnings

from pith import _core
from pith.cluster import KMeans

# Estimator kind in the file -> the class that rebuilds it from a model dict.
_ESTIMATORS = {"kmeans": KMeans}


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
        A fitted estimator (e.g. :class:`pith.cluster.KMeans`) ready to predict. Only what the
        file holds is restored: the fitted attributes and the parameters they imply (such as
        ``n_clusters``); other constructor parameters keep their defaults.

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
    kind = model["kind"]
    if kind not in _ESTIMATORS:
        raise NotImplementedError(f"this version of pith cannot load estimators of kind {kind!r}")
    return _ESTIMATORS[kind]._from_model_dict(model)
