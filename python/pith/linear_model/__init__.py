"""Linear models with scikit-learn's API: least squares, ridge, logistic regression."""

from pith.linear_model._linear import LinearRegression, Ridge
from pith.linear_model._logistic import LogisticRegression

__all__ = ["LinearRegression", "LogisticRegression", "Ridge"]
