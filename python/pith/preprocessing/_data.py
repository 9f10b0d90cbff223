"""pith.preprocessing.StandardScaler and MinMaxScaler: the fit statistics come from pith's core.

Both ignore NaN at fit and pass it through at transform, like scikit-learn's; both keep float32
data in float32. `transform` runs in the native model (the one a saved file runs);
`inverse_transform` is plain numpy, exactly as scikit-learn computes it.
"""

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import (
    _check_sample_weight,
    check_array,
    check_is_fitted,
    validate_data,
)

from pith import _core
from pith._base import FLOAT_DTYPES, NativeModelMixin, n_threads_constraint, restore_input


class _Scaler(NativeModelMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    _upcast_X = False
    _allow_nan = True

    def _validate_fit_data(self, X):
        return validate_data(self, X, dtype=FLOAT_DTYPES, order="C", ensure_all_finite="allow-nan")

    def transform(self, X, copy=None):
        """Scale X with the fitted statistics (NaN stays NaN).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data to scale.
        copy : bool, default=None
            Accepted for compatibility with scikit-learn: the result is always a new array.

        Returns
        -------
        X_tr : ndarray of shape (n_samples, n_features)
            Scaled data, in X's dtype (float32 or float64).
        """
        return self._native_predict("transform", self._check_test_data(X))

    def _check_inverse_input(self, X):
        check_is_fitted(self)
        X = check_array(X, dtype=FLOAT_DTYPES, copy=True, ensure_all_finite="allow-nan")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


class StandardScaler(_Scaler):
    """Standardize features: ``(x - mean_) / scale_``, a drop-in for scikit-learn's.

    Parameters
    ----------
    copy : bool, default=True
        Accepted for compatibility with scikit-learn: pith never scales in place.

    with_mean : bool, default=True
        Whether to subtract the mean.

    with_std : bool, default=True
        Whether to divide by the standard deviation (population, ``ddof=0``).

    n_threads : int or None, default=None
        Threads used by fit and transform. None uses all available cores.

    Attributes
    ----------
    scale_ : ndarray of shape (n_features,) or None
        Per-feature standard deviation, 1 for constant features; None without ``with_std``.

    mean_ : ndarray of shape (n_features,) or None
        Per-feature (weighted) mean; None when both ``with_mean`` and ``with_std`` are False.

    var_ : ndarray of shape (n_features,) or None
        Per-feature variance; None without ``with_std``.

    n_samples_seen_ : int or ndarray of shape (n_features,)
        Samples (or total weight) used per feature; an array only when NaNs make them differ.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when X had string column names.
    """

    _parameter_constraints: dict = {
        "copy": ["boolean"],
        "with_mean": ["boolean"],
        "with_std": ["boolean"],
        "n_threads": n_threads_constraint(),
    }

    def __init__(self, *, copy=True, with_mean=True, with_std=True, n_threads=None):
        self.copy = copy
        self.with_mean = with_mean
        self.with_std = with_std
        self.n_threads = n_threads

    def fit(self, X, y=None, sample_weight=None):
        """Compute the mean and standard deviation of each feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data; NaNs are ignored.
        y : Ignored
            Not used, present for API consistency.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample.

        Returns
        -------
        self : object
            Fitted scaler.
        """
        self._validate_params()
        X = self._validate_fit_data(X)
        if sample_weight is not None:
            sample_weight = np.ascontiguousarray(
                _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True),
                dtype=np.float64,
            )
        # The mean is needed for the variance even without centring (scikit-learn reports it).
        mean, scale = _core.standard_scaler_fit(
            X, sample_weight, True, bool(self.with_std), self._n_threads()
        )
        self._fit_dtype = X.dtype
        # scikit-learn counts samples, not weights, when it computes no statistics.
        weighted = self.with_mean or self.with_std
        self.n_samples_seen_ = _samples_seen(X, sample_weight if weighted else None)
        self.mean_ = mean if (self.with_mean or self.with_std) else None
        if self.with_std:
            self.var_ = scale**2
            # The core reports scale 1 for (near-)constant features; their variance is not 1.
            constant = np.flatnonzero(scale == 1.0)
            if constant.size:
                self.var_[constant] = _variance(X[:, constant], mean[constant], sample_weight)
            self.scale_ = scale
        else:
            self.var_ = None
            self.scale_ = None
        return self

    def inverse_transform(self, X, copy=None):
        """Undo the scaling: ``X * scale_ + mean_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Scaled data.
        copy : bool, default=None
            Accepted for compatibility: the result is always a new array.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
        """
        X = self._check_inverse_input(X)
        if self.with_std:
            X *= self.scale_
        if self.with_mean:
            X += self.mean_
        return X

    def _to_model_dict(self):
        d = self.n_features_in_
        mean = self.mean_ if self.with_mean else np.zeros(d)
        scale = self.scale_ if self.with_std else np.ones(d)
        return {
            "kind": "standard_scaler",
            "mean": np.ascontiguousarray(mean, dtype=np.float64),
            "scale": np.ascontiguousarray(scale, dtype=np.float64),
            "with_mean": bool(self.with_mean),
            "with_std": bool(self.with_std),
        }

    @classmethod
    def _from_model_dict(cls, model):
        with_mean, with_std = bool(model["with_mean"]), bool(model["with_std"])
        estimator = restore_input(cls(with_mean=with_mean, with_std=with_std), model)
        # The file holds what transform needs; the variance and sample count are not stored.
        estimator.mean_ = model["mean"] if with_mean else None
        estimator.scale_ = model["scale"] if with_std else None
        estimator.var_ = model["scale"] ** 2 if with_std else None
        return estimator


class MinMaxScaler(_Scaler):
    """Scale each feature to ``feature_range``: ``x * scale_ + min_``, a drop-in for scikit-learn's.

    Parameters
    ----------
    feature_range : tuple (min, max), default=(0, 1)
        Desired range of the transformed data.

    copy : bool, default=True
        Accepted for compatibility with scikit-learn: pith never scales in place.

    clip : bool, default=False
        Clip transformed values of held-out data to ``feature_range``.

    n_threads : int or None, default=None
        Threads used by fit and transform. None uses all available cores.

    Attributes
    ----------
    min_ : ndarray of shape (n_features,)
        Per-feature offset, ``feature_range[0] - data_min_ * scale_``.

    scale_ : ndarray of shape (n_features,)
        Per-feature factor, ``(feature_range[1] - feature_range[0]) / data_range_`` (a zero
        range counts as 1).

    data_min_, data_max_, data_range_ : ndarray of shape (n_features,)
        Per-feature minimum, maximum and their difference, NaNs ignored.

    n_samples_seen_ : int
        Number of samples seen during fit.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when X had string column names.
    """

    _parameter_constraints: dict = {
        "feature_range": [tuple],
        "copy": ["boolean"],
        "clip": ["boolean"],
        "n_threads": n_threads_constraint(),
    }

    def __init__(self, feature_range=(0, 1), *, copy=True, clip=False, n_threads=None):
        self.feature_range = feature_range
        self.copy = copy
        self.clip = clip
        self.n_threads = n_threads

    def fit(self, X, y=None):
        """Compute the per-feature minimum and maximum.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The data; NaNs are ignored.
        y : Ignored
            Not used, present for API consistency.

        Returns
        -------
        self : object
            Fitted scaler.
        """
        self._validate_params()
        if len(self.feature_range) != 2:
            raise ValueError(
                f"feature_range must be a (min, max) pair, got {self.feature_range!r}"
            )
        low, high = self.feature_range
        if not low < high:
            raise ValueError(
                "Minimum of desired feature range must be smaller than maximum. Got "
                f"{self.feature_range!r}."
            )
        X = self._validate_fit_data(X)
        scale, offset = _core.min_max_scaler_fit(
            X, float(low), float(high), bool(self.clip), self._n_threads()
        )
        self._fit_dtype = X.dtype
        # The core returns what transform needs; the range itself is reported from numpy.
        self.data_min_ = np.nanmin(X, axis=0)
        self.data_max_ = np.nanmax(X, axis=0)
        self.data_range_ = self.data_max_ - self.data_min_
        self.scale_ = scale.astype(X.dtype)
        self.min_ = offset.astype(X.dtype)
        self.n_samples_seen_ = X.shape[0]
        return self

    def inverse_transform(self, X):
        """Undo the scaling: ``(X - min_) / scale_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Scaled data.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
        """
        X = self._check_inverse_input(X)
        X -= self.min_
        X /= self.scale_
        return X

    def _to_model_dict(self):
        low, high = self.feature_range
        return {
            "kind": "min_max_scaler",
            "scale": np.ascontiguousarray(self.scale_, dtype=np.float64),
            "min": np.ascontiguousarray(self.min_, dtype=np.float64),
            "range_min": float(low),
            "range_max": float(high),
            "clip": bool(self.clip),
        }

    @classmethod
    def _from_model_dict(cls, model):
        feature_range = (model["range_min"], model["range_max"])
        estimator = restore_input(cls(feature_range=feature_range, clip=model["clip"]), model)
        # The file holds what transform needs; the data range is not stored.
        estimator.scale_ = model["scale"].astype(estimator._fit_dtype)
        estimator.min_ = model["min"].astype(estimator._fit_dtype)
        return estimator


def _samples_seen(X, sample_weight):
    """scikit-learn's n_samples_seen_: per feature when NaNs make the counts differ."""
    present = ~np.isnan(X)
    if sample_weight is None:
        counts = present.sum(axis=0, dtype=np.int64)
    else:
        counts = sample_weight @ present
    return counts[0] if counts.size and np.ptp(counts) == 0 else counts


def _variance(X, mean, sample_weight):
    """Population variance of the columns of X around `mean`, NaNs ignored."""
    X = X.astype(np.float64)
    present = ~np.isnan(X)
    weights = present * (1.0 if sample_weight is None else sample_weight[:, None])
    squares = np.where(present, X - mean, 0.0) ** 2
    total = weights.sum(axis=0)
    return np.divide((weights * squares).sum(axis=0), total, out=np.zeros_like(total),
                     where=total > 0)
