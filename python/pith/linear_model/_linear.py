"""pith.linear_model.LinearRegression and Ridge: least squares over pith's native solver.

The core solves the normal equations (Gram matrix by blocked BLAS, Cholesky) and falls back to a
minimum-norm orthogonal solve when the design is rank deficient, so a singular X gives the same
minimum-norm solution as scikit-learn's `scipy.linalg.lstsq`. Shapes follow scikit-learn: a 1-D y
gives a 1-D `coef_` and a scalar `intercept_`.
"""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_sample_weight, validate_data

from pith import _core
from pith._base import FLOAT_DTYPES, NativeModelMixin, n_threads_constraint, restore_input


class _LeastSquares(NativeModelMixin, MultiOutputMixin, RegressorMixin, BaseEstimator):
    """Fit and prediction shared by LinearRegression (alpha = 0) and Ridge."""

    def _alpha(self):
        raise NotImplementedError

    def _fit(self, X, y, sample_weight):
        X, y = validate_data(
            self, X, y, dtype=FLOAT_DTYPES, order="C", multi_output=True, y_numeric=True
        )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
            sample_weight = np.ascontiguousarray(sample_weight, dtype=np.float64)
        y2d = np.ascontiguousarray(y.reshape(len(y), -1), dtype=np.float64)
        coef, intercept, rank = _core.linear_regression_fit(
            X, y2d, sample_weight, float(self._alpha()), bool(self.fit_intercept), self._n_threads()
        )
        self._fit_dtype = X.dtype
        self._set_coef(coef.astype(X.dtype), intercept.astype(X.dtype), one_target_1d=y.ndim == 1)
        return rank

    def _set_coef(self, coef, intercept, one_target_1d):
        """coef (t, d) and intercept (t,) as scikit-learn shapes them (see the subclasses)."""
        raise NotImplementedError

    def predict(self, X):
        """Predict using the linear model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_targets)
            Predicted values, in float64 unless both X and the model are float32.
        """
        X = self._check_test_data(X)
        out = self._native_predict("predict", X)
        return out.ravel() if np.ndim(self.coef_) == 1 else out

    def _to_model_dict(self):
        coef = np.ascontiguousarray(np.atleast_2d(self.coef_), dtype=np.float64)
        intercept = np.ascontiguousarray(
            np.broadcast_to(np.asarray(self.intercept_, dtype=np.float64), coef.shape[:1])
        )
        return {
            "kind": "linear_regression",
            "coef": coef,
            "intercept": intercept,
            "alpha": float(np.mean(self._alpha())),
            "rank": int(getattr(self, "rank_", -1)),
        }

    @classmethod
    def _from_model_dict(cls, model):
        estimator = restore_input(cls(), model)
        dtype = estimator._fit_dtype
        coef = model["coef"].astype(dtype)
        intercept = model["intercept"].astype(dtype)
        # A file does not say whether y was 1-D: one target is restored as a 1-D y's shapes.
        if coef.shape[0] == 1:
            estimator.coef_, estimator.intercept_ = coef[0], intercept[0]
        else:
            estimator.coef_, estimator.intercept_ = coef, intercept
        return estimator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


class LinearRegression(_LeastSquares):
    """Ordinary least squares, a drop-in for :class:`sklearn.linear_model.LinearRegression`.

    Minimises the (weighted) residual sum of squares. A rank-deficient design gives the
    minimum-norm solution, as scikit-learn's ``lstsq`` does; ``rank_`` says when that happened.

    Parameters
    ----------
    fit_intercept : bool, default=True
        Whether to fit an intercept (X and y are centred internally, never in place).

    copy_X : bool, default=True
        Accepted for compatibility with scikit-learn and ignored: pith never modifies X.

    n_threads : int or None, default=None
        Threads used by fit and predict. None uses all available cores.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients; 1-D when y was 1-D. In X's dtype (float32 stays float32).

    intercept_ : float or ndarray of shape (n_targets,)
        Independent term; 0.0 when ``fit_intercept=False``.

    rank_ : int
        Rank of the (centred, weighted) design matrix. ``singular_`` is not computed.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when X had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from pith.linear_model import LinearRegression
    >>> X = np.array([[1, 1], [1, 2], [2, 2], [2, 3]])
    >>> reg = LinearRegression().fit(X, np.dot(X, np.array([1, 2])) + 3)
    >>> np.round(reg.coef_, 6).tolist(), round(float(reg.intercept_), 6)
    ([1.0, 2.0], 3.0)
    """

    _parameter_constraints: dict = {
        "fit_intercept": ["boolean"],
        "copy_X": ["boolean"],
        "n_threads": n_threads_constraint(),
    }

    def __init__(self, *, fit_intercept=True, copy_X=True, n_threads=None):
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.n_threads = n_threads

    def _alpha(self):
        return 0.0

    def fit(self, X, y, sample_weight=None):
        """Fit the linear model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; float32 stays float32, anything else becomes float64.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._validate_params()
        self.rank_ = int(self._fit(X, y, sample_weight))
        return self

    def _set_coef(self, coef, intercept, one_target_1d):
        # scikit-learn: coef_ is 1-D only for a 1-D y; a (n, 1) y keeps (1, n_features).
        self.coef_ = coef[0] if one_target_1d else coef
        if not self.fit_intercept:
            self.intercept_ = 0.0
        else:
            self.intercept_ = intercept[0] if one_target_1d else intercept

    @classmethod
    def _from_model_dict(cls, model):
        estimator = super()._from_model_dict(model)
        estimator.rank_ = int(model["rank"])
        return estimator


class Ridge(_LeastSquares):
    """Least squares with an L2 penalty, a drop-in for :class:`sklearn.linear_model.Ridge`.

    Minimises ``||y - Xw||^2_W + alpha * ||w||^2`` (W: the sample weights), solved exactly
    (Cholesky on the Gram matrix) like scikit-learn's ``solver="cholesky"``; the intercept is
    not penalised.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty strength, >= 0. One alpha for all targets (per-target arrays are not supported).

    fit_intercept : bool, default=True
        Whether to fit an intercept.

    copy_X : bool, default=True
        Accepted for compatibility with scikit-learn and ignored: pith never modifies X.

    n_threads : int or None, default=None
        Threads used by fit and predict. None uses all available cores.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
        Coefficients; 1-D when there is one target (as scikit-learn's Ridge, even for a
        (n_samples, 1) y).

    intercept_ : float or ndarray of shape (n_targets,)
        Independent term; 0.0 when ``fit_intercept=False``.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when X had string column names.
    """

    _parameter_constraints: dict = {
        "alpha": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
        "copy_X": ["boolean"],
        "n_threads": n_threads_constraint(),
    }

    def __init__(self, alpha=1.0, *, fit_intercept=True, copy_X=True, n_threads=None):
        self.alpha = alpha
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.n_threads = n_threads

    def _alpha(self):
        return self.alpha

    def fit(self, X, y, sample_weight=None):
        """Fit the ridge regression model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; float32 stays float32, anything else becomes float64.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._validate_params()
        self._fit(X, y, sample_weight)
        return self

    def _set_coef(self, coef, intercept, one_target_1d):
        # scikit-learn: coef_ is 1-D for any single target; intercept_ follows y's shape.
        self.coef_ = coef[0] if coef.shape[0] == 1 else coef
        if not self.fit_intercept:
            self.intercept_ = 0.0
        else:
            self.intercept_ = intercept[0] if one_target_1d else intercept

    @classmethod
    def _from_model_dict(cls, model):
        estimator = super()._from_model_dict(model)
        estimator.alpha = float(model["alpha"])
        return estimator
