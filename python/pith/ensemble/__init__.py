"""Tree ensembles imported from scikit-learn, XGBoost and LightGBM (pith predicts, it does not
train them): see :func:`pith.from_sklearn`, :func:`pith.from_xgboost`, :func:`pith.from_lightgbm`."""

from pith.ensemble._trees import TreeEnsembleClassifier, TreeEnsembleRegressor

__all__ = ["TreeEnsembleClassifier", "TreeEnsembleRegressor"]
