"""pith.from_lightgbm: LightGBM models -> pith.ensemble estimators.

The model crosses as LightGBM's text format (``Booster.model_to_string()``), parsed by pith's
native importer (src/trees/lightgbm.cc) with LightGBM's split rules kept exactly: float64
comparisons ``x <= threshold``, its three missing-value types, categorical bitsets, leaf values
summed in float64 in LightGBM's order. lightgbm itself is imported only to recognise its objects
and is not a dependency of pith.
"""

import os
import warnings

import numpy as np

from pith import _core
from pith.ensemble._trees import _TreeEnsemble
from pith.linear_model._logistic import labels_for_file


def from_lightgbm(model):
    """Convert a LightGBM model into a pith tree ensemble.

    Parameters
    ----------
    model : lightgbm.Booster, fitted lightgbm.LGBMModel, str or os.PathLike
        A booster, a fitted scikit-learn-API model (``LGBMClassifier`` keeps its ``classes_``
        as the class labels), or the path of a text model file (``Booster.save_model``).
        Boosters are converted at their best iteration, as ``Booster.predict`` uses by default.

    Returns
    -------
    estimator : pith.ensemble.TreeEnsembleClassifier or TreeEnsembleRegressor
        A classifier for the binary, multiclass and multiclassova objectives (classes 0 .. K-1
        unless given by an ``LGBMClassifier``), a regressor otherwise. Its predictions are
        LightGBM's ``predict`` (probabilities for ``predict_proba``); NaN is a missing value.

    Raises
    ------
    TypeError
        ``model`` is none of the above.
    NotImplementedError
        A model pith cannot represent: linear trees, the cross_entropy_lambda objective,
        ``reg_sqrt``, custom or unknown objectives.
    pith.ModelFormatError
        Text that is not a well-formed LightGBM model (truncated, corrupted).
    """
    text, classes = _model_text(model)
    model_dict = _core.import_lightgbm(text)
    if classes is not None:
        if model_dict.get("classes") is None or len(model_dict["classes"]) != len(classes):
            raise ValueError(
                f"pith.from_lightgbm: the classifier has {len(classes)} classes_ but its booster's "
                f"objective predicts {len(model_dict.get('classes') or [])} classes"
            )
        model_dict["classes"] = labels_for_file(classes)
    estimator = _TreeEnsemble._from_model_dict(model_dict)
    if classes is not None:
        estimator.classes_ = np.asarray(classes)
    return estimator


def _model_text(model):
    """The text model and, for an LGBMClassifier, its classes_."""
    if isinstance(model, (str, os.PathLike)):
        with open(model, encoding="utf-8") as f:
            return f.read(), None
    if not type(model).__module__.startswith("lightgbm"):
        raise TypeError(
            "pith.from_lightgbm expects a lightgbm.Booster, a fitted lightgbm.LGBMModel or the "
            f"path of a LightGBM text model; got {type(model).__name__}"
        )
    import lightgbm  # only now: lightgbm is not a pith dependency

    classes = None
    if isinstance(model, lightgbm.LGBMModel):
        booster = model.booster_  # raises LightGBM's NotFittedError when not fitted
        if isinstance(model, lightgbm.LGBMClassifier):
            classes = model.classes_
    elif isinstance(model, lightgbm.Booster):
        booster = model
    else:
        raise TypeError(f"pith.from_lightgbm: unsupported LightGBM object {type(model).__name__}")
    if getattr(booster, "pandas_categorical", None):
        warnings.warn(
            "pith.from_lightgbm: the model was trained on pandas categorical columns; pith takes "
            "their integer category codes (LightGBM maps the categories to codes for you)",
            UserWarning,
            stacklevel=3,
        )
    return booster.model_to_string(), classes
