"""pith.from_xgboost: XGBoost models (Booster, XGBClassifier, XGBRegressor, ... or a saved
.json/.ubj file) -> pith.ensemble estimators.

The conversion itself is native (src/trees/xgboost.cc, through ``_core.import_xgboost``): it
reads the model document XGBoost writes and keeps XGBoost's semantics exactly (float32
features, ``x < split_condition``, missing values to default_left, categorical splits, float32
sums in tree order from the base margin), so raw scores equal ``predict(output_margin=True)``.
xgboost is not a dependency of pith: its types are only recognised if it is already imported,
which it is whenever the caller holds an XGBoost object.
"""

import math
import os
import sys
import warnings

import numpy as np

from pith import _core
from pith.ensemble._trees import _TreeEnsemble
from pith.linear_model._logistic import labels_for_file


def from_xgboost(model):
    """A pith tree-ensemble estimator that predicts what an XGBoost model predicts.

    Parameters
    ----------
    model : xgboost.Booster, xgboost.XGBModel (XGBClassifier, XGBRegressor, XGBRanker, ...),
            or str / os.PathLike
        A trained model, or the path of one saved by ``save_model`` as JSON (``.json``) or
        UBJSON (``.ubj``). Like their own ``predict``, an XGBModel trained with early stopping
        keeps the trees up to ``best_iteration`` and a Booster or file keeps all its trees
        (slice a Booster, ``booster[:n]``, to keep fewer).

    Returns
    -------
    TreeEnsembleClassifier or TreeEnsembleRegressor
        A classifier for binary:logistic and multi:softprob / multi:softmax (with the
        XGBClassifier's ``classes_``), else a regressor whose ``predict`` applies the objective's
        transform (sigmoid for reg:logistic, exp for count:poisson, reg:gamma, reg:tweedie).
        Categorical features take their category codes, as the XGBoost model was trained on.

    Raises
    ------
    TypeError
        For anything else.
    NotImplementedError
        For a model pith cannot represent (gblinear, vector-leaf trees, survival:aft, ...).
    pith.ModelFormatError
        For bytes that are not a well-formed XGBoost model.
    """
    raw, classes = _model_bytes(model)
    model_dict = _core.import_xgboost(raw)
    if classes is not None and model_dict.get("classes") is not None:
        if len(classes) != len(model_dict["classes"]):
            raise ValueError(
                f"pith.from_xgboost: the classifier has {len(classes)} classes_ but its booster "
                f"has {len(model_dict['classes'])}"
            )
        model_dict["classes"] = labels_for_file(classes)
    return _TreeEnsemble._from_model_dict(model_dict)


def _model_bytes(model):
    """The model's UBJSON or JSON bytes, and the class labels of an XGBClassifier (else None)."""
    if isinstance(model, (str, os.PathLike)):
        with open(model, "rb") as f:
            return f.read(), None
    xgboost = sys.modules.get("xgboost")  # an XGBoost object means xgboost is imported
    if xgboost is not None:
        if isinstance(model, xgboost.Booster):
            return bytes(model.save_raw("ubj")), None
        if isinstance(model, xgboost.XGBModel):
            booster = model.get_booster()  # raises if the model is not fitted
            try:  # XGBModel.predict stops at best_iteration when there is one (early stopping)
                rounds = model.best_iteration + 1
            except AttributeError:
                rounds = None
            if rounds is not None and rounds < booster.num_boosted_rounds():
                booster = booster[:rounds]
            _warn_missing(model)
            classes = getattr(model, "classes_", None)
            return bytes(booster.save_raw("ubj")), None if classes is None else np.asarray(classes)
    raise TypeError(
        "pith.from_xgboost expects an xgboost.Booster, an xgboost.XGBModel (XGBClassifier, "
        "XGBRegressor, ...) or the path of a model saved as .json or .ubj; got "
        f"{type(model).__module__}.{type(model).__qualname__}"
    )


def _warn_missing(model):
    missing = getattr(model, "missing", math.nan)
    if missing is not None and not (isinstance(missing, float) and math.isnan(missing)):
        warnings.warn(
            f"{type(model).__name__}(missing={missing!r}) treats {missing!r} in X as a missing "
            "value; the pith model treats only NaN as missing: replace "
            f"{missing!r} by NaN in X before predicting",
            UserWarning,
            stacklevel=3,
        )
