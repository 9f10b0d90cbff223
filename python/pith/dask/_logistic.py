"""pith.dask.LogisticRegression: pith's L-BFGS over losses and gradients summed across chunks."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from pith import _core
from pith.dask import _common as c
from pith.linear_model import LogisticRegression as LocalLogisticRegression


def _encode(block, classes):
    """Labels -> class indices (int32); unseen labels cannot happen: classes come from y."""
    return np.searchsorted(classes, np.asarray(block)).astype(np.int32)


def _loss_gradient(block, y, weights, *, n_classes, W):
    w = None if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
    return _core.logistic_chunk_loss_gradient(np.ascontiguousarray(block), y, w, n_classes, W,
                                              c.worker_threads())


def _add(*parts):
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


def _sum(*parts):
    return sum(parts)


def _fold_class_weights(y, weights, *, per_class):
    extra = per_class[y]
    return extra if weights is None else np.asarray(weights, dtype=np.float64) * extra


def _class_totals(y, weights, *, n_classes):
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    return np.bincount(y, weights=w, minlength=n_classes).astype(np.float64)


class LogisticRegression(LocalLogisticRegression):
    """Logistic regression fitted on a Dask cluster; :class:`pith.linear_model.LogisticRegression`
    everywhere else.

    Same parameters, objective and solver as the local estimator (pith's L-BFGS from zero, with
    scikit-learn's objective and stopping rule); only the loss and gradient are computed on the
    cluster, each chunk by pith's native kernel, and summed. ``fit`` takes a dask array or
    dataframe with labels as a dask array/series (or numpy arrays, fitted locally); the fitted
    estimator predicts like the local one, lazily chunk by chunk on dask input.
    """

    def fit(self, X, y, sample_weight=None):
        """Fit on dask arrays/dataframes on the cluster, or locally on anything else."""
        self._validate_params()
        if not c.is_dask(X):
            return super().fit(X, y, sample_weight=sample_weight)
        c.require_client()
        X, names = c.as_matrix(X)
        y = c.as_vector(y, X, "y")
        sw = None if sample_weight is None else c.as_vector(sample_weight, X, "sample_weight")
        classes = np.unique(c.compute(c.dask.array.unique(y))[0])
        if len(classes) < 2:
            raise ValueError(
                "This solver needs samples of at least 2 classes in the data, but the data "
                f"contains only one class: {classes[0]!r}"
            )
        n_classes = len(classes)
        y_index = y.map_blocks(_encode, classes, dtype=np.int32)
        X, y_index = c.dask.persist(X, y_index)
        sw = None if sw is None else sw.astype(np.float64).persist()
        xb, yb = c.chunk_futures(X), c.chunk_futures(y_index)
        wb = [None] * len(xb) if sw is None else c.chunk_futures(sw)
        n = c.finite_stats(X, xb)[0]
        if sw is not None and c.compute(c.dask.array.min(sw))[0] < 0:
            raise ValueError("sample_weight must be non-negative")
        wb = self._with_class_weights(xb, yb, wb, n, classes)
        weight_sum = float(n) if wb[0] is None else float(c.map_reduce(np.sum, _sum, wb))
        if not weight_sum > 0:
            raise ValueError("the sample weights sum to 0")

        d = X.shape[1]
        rows = 1 if n_classes == 2 else n_classes
        C = np.inf if self.penalty is None else float(self.C)
        l2 = 1.0 / (C * weight_sum)
        fit_intercept = bool(self.fit_intercept)

        def objective(w):
            W = w.reshape(rows, d + 1)
            loss, grad = c.map_reduce(_loss_gradient, _add, xb, yb, wb, n_classes=n_classes, W=W)
            coef = W[:, :d]
            f = loss / weight_sum + 0.5 * l2 * float((coef * coef).sum())
            g = grad / weight_sum
            g[:, :d] += l2 * coef
            if not fit_intercept:
                g[:, d] = 0.0
            return f, np.ascontiguousarray(g.ravel())

        on_iteration = None
        if self.verbose or self._iteration_hook is not None:
            def on_iteration(it, loss, gradient):
                if self.verbose:
                    print(f"iteration {it}: loss {loss:.12g}, max |gradient| {gradient:.3g}")
                if self._iteration_hook is not None:
                    self._iteration_hook(it)

        w, _, n_iter, converged, status = _core.minimize_lbfgs(
            objective, np.zeros(rows * (d + 1)), int(self.max_iter), float(self.tol), on_iteration)
        if not converged and self.max_iter > 0:
            warnings.warn(f"lbfgs failed to converge after {n_iter} iteration(s): {status}",
                          ConvergenceWarning, stacklevel=2)
        W = w.reshape(rows, d + 1)
        self.classes_ = classes
        self._fit_dtype = X.dtype
        self.coef_ = np.ascontiguousarray(W[:, :d]).astype(X.dtype)
        self.intercept_ = np.ascontiguousarray(W[:, d]).astype(X.dtype)
        self.n_iter_ = np.asarray([n_iter], dtype=np.int32)
        self.n_features_in_ = int(d)
        if names is not None:
            self.feature_names_in_ = np.asarray(names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        return self

    _iteration_hook = None  # tests: called after every L-BFGS iteration

    def _with_class_weights(self, xb, yb, wb, n, classes):
        """Folds class_weight into the per-chunk weights (scikit-learn's 'balanced':
        n / (n_classes * weighted count of the class))."""
        if self.class_weight is None:
            return wb
        n_classes = len(classes)
        if self.class_weight == "balanced":
            counts = c.map_reduce(_class_totals, _sum, yb, wb, n_classes=n_classes)
            total = counts.sum()
            with np.errstate(divide="ignore"):
                per_class = total / (n_classes * counts)
        else:
            per_class = np.array([float(self.class_weight.get(k, 1.0)) for k in classes])
        if not np.all(np.isfinite(per_class)):
            raise ValueError(f"class_weight={self.class_weight!r} gives infinite class weights")

        return c.map_chunks(_fold_class_weights, yb, wb, per_class=per_class)

    # ---- predictions on dask input -------------------------------------------------------------

    def _map(self, X, method, **kwargs):
        X, _ = c.as_matrix(X)
        local = getattr(super(), method)
        width = len(self.classes_)
        dtype = kwargs["dtype"]

        def run(b):
            if b.shape[0] == 0:  # the local estimators refuse empty input
                shape = (0,) if kwargs.get("drop_axis") is not None else (0, width)
                return np.empty(shape, dtype=dtype)
            with warnings.catch_warnings():  # dataframe columns were turned into array chunks
                warnings.filterwarnings("ignore", "X does not have valid feature names")
                return local(np.asarray(b))

        return X.map_blocks(run, **kwargs)

    def predict(self, X):
        if not c.is_dask(X):
            return super().predict(X)
        return self._map(X, "predict", dtype=self.classes_.dtype, drop_axis=1)

    def predict_proba(self, X):
        if not c.is_dask(X):
            return super().predict_proba(X)
        X2, _ = c.as_matrix(X)
        return self._map(X, "predict_proba", dtype=X2.dtype,
                         chunks=(X2.chunks[0], (len(self.classes_),)))

    def decision_function(self, X):
        if not c.is_dask(X):
            return super().decision_function(X)
        X2, _ = c.as_matrix(X)
        if len(self.classes_) == 2:
            return self._map(X, "decision_function", dtype=X2.dtype, drop_axis=1)
        return self._map(X, "decision_function", dtype=X2.dtype,
                         chunks=(X2.chunks[0], (len(self.classes_),)))
