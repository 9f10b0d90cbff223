"""What every pith estimator shares: threads, saving, and prediction through the native model.

An estimator describes its fitted state as a model dict (`_to_model_dict`, the format of
`pith._core`, see python/src/model_binding.cc); saving, `to_bytes` and every prediction go through
that one dict, so what Python predicts is what a saved file predicts in the CLI or the server.
"""

import os
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted, validate_data

from pith import _core
from pith._wasm import WasmMixin

FLOAT_DTYPES = [np.float64, np.float32]

# The keys of a model dict that describe the input rather than the estimator.
INPUT_KEYS = ("n_features", "dtype", "feature_names")


class ModelFileMixin(WasmMixin):
    """``save``, ``to_bytes`` (and ``to_wasm``) for every estimator with a ``_model_dict``."""

    def save(self, path):
        """Write the fitted model to a .pith file, atomically.

        The file is read back by :func:`pith.load` and by pith's CLI, server and compiler.

        Parameters
        ----------
        path : str or os.PathLike
            Destination; an existing file is replaced only once the new one is complete.

        Raises
        ------
        OSError
            The file cannot be written (the previous file, if any, is left untouched).
        """
        check_is_fitted(self)
        _core.save_model(os.fspath(path), self._model_dict())

    def to_bytes(self):
        """The contents of the .pith file :meth:`save` would write (see :func:`pith.loads`).

        Returns
        -------
        data : bytes
        """
        check_is_fitted(self)
        return _core.model_to_bytes(self._model_dict())


class NativeModelMixin(ModelFileMixin):
    """save / to_bytes / native prediction for an estimator that defines `_to_model_dict`.

    `_to_model_dict` returns the estimator's fields; this mixin adds the input schema from the
    fitted `n_features_in_`, `feature_names_in_` and `_fit_dtype` (the dtype of X at fit).
    """

    # Prediction upcasts float32 X to float64 when the model was fitted on float64, as numpy does
    # with scikit-learn's float64 coefficients. Transformers keep X's dtype (as scikit-learn's).
    _upcast_X = True
    # Whether NaN is allowed at prediction (scalers pass NaN through, as scikit-learn's).
    _allow_nan = False

    def _n_threads(self):
        return 0 if self.n_threads is None else int(self.n_threads)

    def _fitted_dtype(self):
        return np.dtype(getattr(self, "_fit_dtype", np.float64)).name

    def _model_dict(self):
        """The full model dict: input schema plus the estimator's fields."""
        return {**self._input_dict(), **self._to_model_dict()}

    def _input_dict(self):
        names = getattr(self, "feature_names_in_", None)
        return {
            "n_features": int(self.n_features_in_),
            "dtype": self._fitted_dtype(),
            "feature_names": None if names is None else [str(name) for name in names],
        }

    def _check_test_data(self, X):
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            reset=False,
            dtype=FLOAT_DTYPES,
            order="C",
            ensure_all_finite="allow-nan" if self._allow_nan else True,
        )
        if self._upcast_X and X.dtype == np.float32 and self._fitted_dtype() == "float64":
            X = X.astype(np.float64)
        return X

    def _native_predict(self, output, X):
        """`output` ("predict", "predict_proba", ...) for validated X, from the native model."""
        return _core.NativeModel(self._prediction_dict()).predict(output, X, self._n_threads())

    def _prediction_dict(self):
        """The model dict prediction uses; may differ from the saved one where it does not
        matter to the numbers (a classifier's labels)."""
        return self._model_dict()



def restore_input(estimator, model):
    """Sets the fitted input attributes of `estimator` from a loaded model dict."""
    estimator.n_features_in_ = int(model["n_features"])
    estimator._fit_dtype = np.dtype(model["dtype"])
    if model.get("feature_names"):
        estimator.feature_names_in_ = np.asarray(model["feature_names"], dtype=object)
    return estimator


def n_threads_constraint():
    """The `_parameter_constraints` entry of `n_threads`: a positive int or None (all cores)."""
    return [Interval(Integral, 1, None, closed="left"), None]
