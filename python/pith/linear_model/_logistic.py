"""pith.linear_model.LogisticRegression: L2-penalised binary and multinomial logistic regression.

scikit-learn's objective and stopping rule for its default lbfgs solver, minimised by pith's
native L-BFGS: (1/S) sum_i s_i loss_i + ||coef||^2 / (2 C S), S the sum of the sample weights,
stopping when max |gradient| <= tol. Class weights are folded into the sample weights here, with
scikit-learn's compute_class_weight.
"""

import inspect
import sys
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from pith import _core
from pith._base import FLOAT_DTYPES, NativeModelMixin, n_threads_constraint, restore_input

# scikit-learn >= 1.8 passes sample weights to compute_class_weight("balanced", ...).
_CLASS_WEIGHT_TAKES_SAMPLE_WEIGHT = (
    "sample_weight" in inspect.signature(compute_class_weight).parameters
)


class LogisticRegression(NativeModelMixin, ClassifierMixin, BaseEstimator):
    """Logistic regression (L2 or no penalty), a drop-in for scikit-learn's with ``solver="lbfgs"``.

    Two classes give one coefficient row (``P(classes_[1]) = sigmoid(x . coef_[0] +
    intercept_[0])``); more give the multinomial (softmax) model with one row per class, as
    scikit-learn's lbfgs. Same objective and stopping rule as scikit-learn, so both reach the
    same coefficients (to the tolerance).

    Parameters
    ----------
    penalty : {"l2", None}, default="l2"
        L2 penalty, or none (same as ``C=np.inf``). L1 and elastic-net are not supported.

    C : float, default=1.0
        Inverse of the regularisation strength, > 0; ``np.inf`` means no penalty.

    l1_ratio : 0 or None, default=0.0
        Accepted for compatibility with scikit-learn; only the pure L2 penalty (0) is supported.

    tol : float, default=1e-4
        Stop when the largest absolute entry of the gradient of the (scaled) objective is <= tol.

    fit_intercept : bool, default=True
        Whether to fit an (unpenalised) intercept.

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into the sample weights (scikit-learn's semantics).

    random_state : int, RandomState instance or None, default=None
        Accepted for compatibility with scikit-learn; the solver is deterministic.

    solver : {"lbfgs"}, default="lbfgs"
        Only L-BFGS (with a strong-Wolfe line search).

    max_iter : int, default=100
        Maximum number of L-BFGS iterations.

    verbose : int, default=0
        If non-zero, print the loss and gradient after every iteration.

    n_threads : int or None, default=None
        Threads used by fit and predict. None uses all available cores.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted (``np.unique(y)``). Any labels scikit-learn accepts work in
        Python; a .pith file holds integer or string labels, so booleans and integral floats are
        saved as integers (and load back as int64), and other labels cannot be saved.

    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        Coefficients, in X's dtype (float32 stays float32, as scikit-learn >= 1.8).

    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts (zeros when ``fit_intercept=False``).

    n_iter_ : ndarray of shape (1,), dtype=int32
        Number of L-BFGS iterations, as scikit-learn reports it.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when X had string column names.
    """

    _parameter_constraints: dict = {
        "penalty": [StrOptions({"l2"}), None],
        "C": [Interval(Real, 0, None, closed="right")],
        "l1_ratio": [Options(Real, {0.0}), None],
        "tol": [Interval(Real, 0, None, closed="left")],
        "fit_intercept": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "random_state": ["random_state"],
        "solver": [StrOptions({"lbfgs"})],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
        "n_threads": n_threads_constraint(),
    }

    def __init__(
        self,
        penalty="l2",
        *,
        C=1.0,
        l1_ratio=0.0,
        tol=1e-4,
        fit_intercept=True,
        class_weight=None,
        random_state=None,
        solver="lbfgs",
        max_iter=100,
        verbose=0,
        n_threads=None,
    ):
        self.penalty = penalty
        self.C = C
        self.l1_ratio = l1_ratio
        self.tol = tol
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.random_state = random_state
        self.solver = solver
        self.max_iter = max_iter
        self.verbose = verbose
        self.n_threads = n_threads

    def fit(self, X, y, sample_weight=None):
        """Fit the model to the training data.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data; float32 stays float32, anything else becomes float64.
        y : array-like of shape (n_samples,)
            Class labels (at least two distinct ones).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each sample, multiplied by the class weights.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        self._validate_params()
        X, y = validate_data(self, X, y, dtype=FLOAT_DTYPES, order="C")
        check_classification_targets(y)
        classes, y_index = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but the data "
                f"contains only one class: {classes[0]!r}"
            )
        sample_weight = self._sample_weight(X, y, classes, y_index, sample_weight)
        C = np.inf if self.penalty is None else float(self.C)
        coef, intercept, n_iter, converged, status, _ = _core.logistic_regression_fit(
            X,
            np.ascontiguousarray(y_index, dtype=np.int32),
            len(classes),
            sample_weight,
            C,
            bool(self.fit_intercept),
            int(self.max_iter),
            float(self.tol),
            self._n_threads(),
            _print_iteration if self.verbose else None,
        )
        if not converged and self.max_iter > 0:
            warnings.warn(
                f"lbfgs failed to converge after {n_iter} iteration(s): {status}\n\n"
                f"Increase the number of iterations to improve the convergence "
                f"(max_iter={self.max_iter}).\nYou might also want to scale the data as shown "
                "in:\n    https://scikit-learn.org/stable/modules/preprocessing.html",
                ConvergenceWarning,
                stacklevel=2,
            )
        self.classes_ = classes
        self._fit_dtype = X.dtype
        self.coef_ = coef.astype(X.dtype)
        self.intercept_ = intercept.astype(X.dtype)
        self.n_iter_ = np.asarray([n_iter], dtype=np.int32)
        return self

    def _sample_weight(self, X, y, classes, y_index, sample_weight):
        """float64 weights with the class weights folded in, or None for unit weights."""
        if sample_weight is None and self.class_weight is None:
            return None
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, copy=True, ensure_non_negative=True
        )
        if self.class_weight is not None:
            extra = {"sample_weight": sample_weight} if _CLASS_WEIGHT_TAKES_SAMPLE_WEIGHT else {}
            with np.errstate(divide="ignore"):
                weights = compute_class_weight(self.class_weight, classes=classes, y=y, **extra)
            if not np.all(np.isfinite(weights)):
                raise ValueError(
                    f"class_weight={self.class_weight!r} gives infinite weights to the classes "
                    f"{classes[~np.isfinite(weights)].tolist()!r}, whose samples all have zero "
                    "sample_weight"
                )
            sample_weight = sample_weight * weights[y_index].astype(X.dtype)
        return np.ascontiguousarray(sample_weight, dtype=np.float64)

    def decision_function(self, X):
        """Confidence scores: the linear function of each class (one column if binary).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            ``X @ coef_.T + intercept_``; 1-D for two classes (positive: ``classes_[1]``).
        """
        X = self._check_test_data(X)
        scores = self._native_predict("decision_function", X)
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            The most probable class of each sample, from ``classes_``.
        """
        X = self._check_test_data(X)
        return self.classes_[self._native_predict("predict", X)]

    def predict_proba(self, X):
        """Probability of each class.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``; sigmoid (binary) or softmax (multinomial).
        """
        X = self._check_test_data(X)
        return self._native_predict("predict_proba", X)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        return np.log(self.predict_proba(X))

    def _to_model_dict(self):
        check_is_fitted(self)
        return self._fields(labels_for_file(self.classes_))

    def _prediction_dict(self):
        # Predictions are class indices: any labels (even ones a file cannot hold) will do.
        return {**self._input_dict(), **self._fields(list(range(len(self.classes_))))}

    def _fields(self, classes):
        return {
            "kind": "logistic_regression",
            "classes": classes,
            "coef": np.ascontiguousarray(self.coef_, dtype=np.float64),
            "intercept": np.ascontiguousarray(self.intercept_, dtype=np.float64),
            # The format holds a finite C; no penalty (C = inf) is stored as the largest double.
            "C": float(min(self._effective_C(), sys.float_info.max)),
            "n_iter": int(np.max(getattr(self, "n_iter_", 0))),
        }

    def _effective_C(self):
        return np.inf if self.penalty is None else float(self.C)

    @classmethod
    def _from_model_dict(cls, model):
        C = float(model["C"])
        estimator = restore_input(cls(C=np.inf if C >= sys.float_info.max else C), model)
        dtype = estimator._fit_dtype
        estimator.classes_ = np.asarray(model["classes"])
        estimator.coef_ = model["coef"].astype(dtype)
        estimator.intercept_ = model["intercept"].astype(dtype)
        estimator.n_iter_ = np.asarray([model["n_iter"]], dtype=np.int32)
        return estimator


def labels_for_file(classes):
    """classes_ as the .pith format holds them: a list of all-int or all-str labels."""
    classes = np.asarray(classes)
    integral = classes.dtype.kind in "iub" or (
        classes.dtype.kind == "f" and np.all(classes == np.round(classes))
    )
    if integral:
        labels = [int(c) for c in classes]
        if all(-(2**63) <= label < 2**63 for label in labels):
            return labels
    if classes.dtype.kind in "US" or (
        classes.dtype.kind == "O" and all(isinstance(c, str) for c in classes)
    ):
        return [str(c) for c in classes]
    raise ValueError(
        "a .pith file holds integer or string class labels; cannot save classes_ "
        f"{classes.tolist()!r} of dtype {classes.dtype}"
    )


def _print_iteration(iteration, loss, gradient):
    print(f"Iteration {iteration}, loss {loss:.10g}, max |gradient| {gradient:.3g}")
