"""pith.pipeline.Pipeline: scikit-learn's Pipeline that saves pith steps to one .pith file.

Fitting and prediction are scikit-learn's (step by step, each step a pith estimator running in
the core). `save` / `to_bytes` write the whole chain as one model of kind "pipeline", which
`pith.load`, the CLI and the server run in one pass: transformers (StandardScaler, MinMaxScaler,
KMeans) followed by any pith estimator. "passthrough" steps are left out of the file.
"""


from sklearn.pipeline import Pipeline as _SklearnPipeline
from sklearn.pipeline import _name_estimators
from sklearn.utils.validation import check_is_fitted

from pith._base import INPUT_KEYS, ModelFileMixin


class Pipeline(ModelFileMixin, _SklearnPipeline):
    """A chain of transformers ending in an estimator; :class:`sklearn.pipeline.Pipeline` plus
    :meth:`save` and :meth:`to_bytes`.

    Any scikit-learn-compatible steps fit and predict; saving needs pith estimators (every step
    but the last a transformer). Parameters and attributes are scikit-learn's.

    Examples
    --------
    >>> from pith.pipeline import make_pipeline
    >>> from pith.preprocessing import StandardScaler
    >>> from pith.linear_model import LogisticRegression
    >>> model = make_pipeline(StandardScaler(), LogisticRegression())  # doctest: +SKIP
    >>> model.fit(X, y).save("model.pith")                              # doctest: +SKIP
    """

    def _model_dict(self):
        check_is_fitted(self)
        steps = [(name, step) for name, step in self.steps if step not in (None, "passthrough")]
        if not steps:
            raise ValueError("this pipeline has no estimator to save (only 'passthrough' steps)")
        dicts = []
        for name, step in steps:
            if not hasattr(step, "_to_model_dict"):
                raise TypeError(
                    f"cannot save pipeline step {name!r}: {type(step).__module__}."
                    f"{type(step).__name__} is not a pith estimator (use pith.from_sklearn to "
                    "convert scikit-learn steps)"
                )
            dicts.append(full_model_dict(step))
        if len(dicts) == 1:
            return dicts[0]  # a single estimator is saved as itself
        model = {key: dicts[0][key] for key in INPUT_KEYS}
        model["kind"] = "pipeline"
        model["steps"] = [
            {"name": name, **{k: v for k, v in d.items() if k not in INPUT_KEYS}}
            for (name, _), d in zip(steps, dicts)
        ]
        return model

    @classmethod
    def _from_model_dict(cls, model, load_step):
        """A fitted Pipeline from a loaded pipeline dict; `load_step(dict)` rebuilds a step."""
        steps = []
        n_features, names = model["n_features"], model["feature_names"]
        for step in model["steps"]:
            step_model = {**step, "n_features": n_features, "dtype": model["dtype"],
                          "feature_names": names}
            steps.append((step["name"], load_step(step_model)))
            n_features = _output_width(step, n_features)
            names = None  # later steps see the previous step's output columns
        return cls(steps)


def make_pipeline(*steps, memory=None, verbose=False):
    """Construct a :class:`Pipeline` from the given estimators, named after their classes.

    Parameters
    ----------
    *steps : list of estimators
        Transformers then a final estimator.
    memory : str or object with the joblib.Memory interface, default=None
        As scikit-learn's: caches fitted transformers.
    verbose : bool, default=False
        Print the time elapsed fitting each step.

    Returns
    -------
    p : Pipeline
    """
    return Pipeline(_name_estimators(steps), memory=memory, verbose=verbose)


def full_model_dict(estimator):
    """The model dict (input schema included) of a fitted pith estimator."""
    if hasattr(estimator, "_model_dict"):
        return estimator._model_dict()
    return estimator._to_model_dict()  # KMeans builds the whole dict itself


def _output_width(step, n_features):
    if step["kind"] == "kmeans":
        return int(step["cluster_centers"].shape[0])
    return n_features
