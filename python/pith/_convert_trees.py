"""Tree ensembles from scikit-learn: DecisionTree*, RandomForest*, ExtraTrees* (and, through
the same node arrays, the boosted ensembles) -> pith.ensemble estimators.

scikit-learn's trees compare ``float32(x) <= threshold`` in float64 (X is converted to float32
before prediction) and send NaN where ``missing_go_to_left`` says; the pith model keeps exactly
that (feature precision float32, comparison "<="). Leaf values are copied bit for bit, and the
forest average is the same sum in the same order, so probabilities are bit-equal.
"""

import numpy as np

from pith.ensemble._trees import _TreeEnsemble
from pith.linear_model._logistic import labels_for_file

DEFAULT_LEFT = 1


def node_arrays(tree, leaf_values):
    """The node fields of one fitted sklearn.tree._tree.Tree, with its leaves' values
    (n_nodes x leaf_width float64) given by the caller."""
    left = np.asarray(tree.children_left, dtype=np.int32)
    right = np.asarray(tree.children_right, dtype=np.int32)
    is_leaf = left < 0
    feature = np.where(is_leaf, 0, tree.feature).astype(np.uint32)
    threshold = np.where(is_leaf, 0.0, tree.threshold).astype(np.float64)
    missing_left = getattr(tree, "missing_go_to_left", None)
    if missing_left is None:  # scikit-learn < 1.3: NaN was refused at prediction
        missing_left = np.zeros(len(left), dtype=np.uint8)
    flags = np.where(is_leaf, 0, np.where(np.asarray(missing_left) != 0, DEFAULT_LEFT, 0))
    values = np.where(is_leaf[:, None], leaf_values, 0.0)
    return {
        "left_child": np.where(is_leaf, -1, left).astype(np.int32),
        "right_child": np.where(is_leaf, -1, right).astype(np.int32),
        "feature": feature,
        "threshold": threshold,
        "node_flags": flags.astype(np.uint8),
        "leaf_values": np.ascontiguousarray(values, dtype=np.float64),
    }


def ensemble_dict(trees, *, n_outputs, leaf_width, tree_output, base_score, transform,
                  classes=None, feature_precision="float32", comparison="<=",
                  score_precision="float64", sigmoid_alpha=1.0):
    """A tree_ensemble model dict (without the input schema) from per-tree node arrays (dicts
    of node_arrays' fields, plus "category_sets": {local node index: categories} for trees
    with categorical splits)."""
    sizes = [len(t["left_child"]) for t in trees]
    offsets = np.zeros(len(trees) + 1, dtype=np.uint64)
    offsets[1:] = np.cumsum(sizes)
    cat = lambda key, dtype: np.ascontiguousarray(  # noqa: E731
        np.concatenate([np.asarray(t[key]).ravel() for t in trees]), dtype=dtype)
    # Categorical splits: a tree's "category_sets" maps its (local) node index to the set.
    category_nodes, category_sets = [], []
    for offset, t in zip(offsets, trees):
        for node, values in sorted(t.get("category_sets", {}).items()):
            category_nodes.append(int(offset) + node)
            category_sets.append(np.unique(np.asarray(values, dtype=np.uint32)))
    category_offsets = np.zeros(len(category_sets) + 1, dtype=np.uint64)
    category_offsets[1:] = np.cumsum([len(c) for c in category_sets])
    return {
        "kind": "tree_ensemble",
        "classes": None if classes is None else labels_for_file(classes),
        "n_outputs": int(n_outputs),
        "leaf_width": int(leaf_width),
        "feature_precision": feature_precision,
        "comparison": comparison,
        "score_precision": score_precision,
        "transform": transform,
        "sigmoid_alpha": float(sigmoid_alpha),
        "base_score": np.ascontiguousarray(base_score, dtype=np.float64).ravel(),
        "tree_offsets": offsets,
        "tree_output": np.ascontiguousarray(tree_output, dtype=np.uint32),
        "left_child": cat("left_child", np.int32),
        "right_child": cat("right_child", np.int32),
        "feature": cat("feature", np.uint32),
        "threshold": cat("threshold", np.float64),
        "node_flags": cat("node_flags", np.uint8),
        "leaf_values": cat("leaf_values", np.float64),
        "category_nodes": np.asarray(category_nodes, dtype=np.uint64),
        "category_offsets": category_offsets,
        "categories": np.concatenate([np.zeros(0, dtype=np.uint32), *category_sets]),
    }


def to_estimator(sk, model):
    """The pith estimator for a model dict, with sk's input schema (float64: predictions are
    float64, as scikit-learn's)."""
    model = {
        **model,
        "n_features": int(sk.n_features_in_),
        "dtype": "float64",
        "feature_names": (
            [str(n) for n in sk.feature_names_in_] if hasattr(sk, "feature_names_in_") else None
        ),
    }
    if model["classes"] is not None and len(model["classes"]) < 2:
        raise ValueError(
            f"pith.from_sklearn: {type(sk).__name__} was fitted on a single class "
            f"({model['classes']!r}); pith's classifiers need at least 2 classes"
        )
    estimator = _TreeEnsemble._from_model_dict(model)
    if getattr(sk, "classes_", None) is not None:
        estimator.classes_ = np.asarray(sk.classes_)
    return estimator


def _check_single_output(sk):
    if getattr(sk, "n_outputs_", 1) != 1 and hasattr(sk, "classes_"):
        raise ValueError(
            f"pith.from_sklearn: {type(sk).__name__} has {sk.n_outputs_} outputs; pith supports "
            "single-output classifiers (multi-output regressors are supported)"
        )


def _classifier_leaves(tree, n_classes):
    # scikit-learn >= 1.4 stores class fractions in value, which predict_proba returns as is.
    return np.asarray(tree.value[:, 0, :n_classes], dtype=np.float64)


def _regressor_leaves(tree):
    return np.asarray(tree.value[:, :, 0], dtype=np.float64)


def decision_tree(sk):
    _check_single_output(sk)
    if hasattr(sk, "classes_"):
        k = len(sk.classes_)
        trees = [node_arrays(sk.tree_, _classifier_leaves(sk.tree_, k))]
        model = ensemble_dict(trees, n_outputs=k, leaf_width=k, tree_output=[0],
                              base_score=np.zeros(k), transform="identity", classes=sk.classes_)
    else:
        n_out = int(sk.n_outputs_)
        trees = [node_arrays(sk.tree_, _regressor_leaves(sk.tree_))]
        model = ensemble_dict(trees, n_outputs=n_out, leaf_width=n_out, tree_output=[0],
                              base_score=np.zeros(n_out), transform="identity")
    return to_estimator(sk, model)


def forest(sk):
    """RandomForest* and ExtraTrees*: the average of the trees' predictions."""
    _check_single_output(sk)
    estimators = sk.estimators_
    if hasattr(sk, "classes_"):
        k = len(sk.classes_)
        trees = [node_arrays(e.tree_, _classifier_leaves(e.tree_, k)) for e in estimators]
        model = ensemble_dict(trees, n_outputs=k, leaf_width=k, tree_output=[0] * len(trees),
                              base_score=np.zeros(k), transform="average", classes=sk.classes_)
    else:
        n_out = int(sk.n_outputs_)
        trees = [node_arrays(e.tree_, _regressor_leaves(e.tree_)) for e in estimators]
        model = ensemble_dict(trees, n_outputs=n_out, leaf_width=n_out,
                              tree_output=[0] * len(trees), base_score=np.zeros(n_out),
                              transform="average")
    return to_estimator(sk, model)
