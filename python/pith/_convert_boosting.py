"""Gradient-boosted trees from scikit-learn: GradientBoosting* and HistGradientBoosting* ->
pith.ensemble estimators.

GradientBoosting* predicts ``init + sum over stages of learning_rate * leaf`` (predict_stages),
in float64, stage after stage, with X rounded to float32 and ``x <= threshold``: the pith model
stores each leaf already multiplied by the learning rate (the same float64 product), the init
estimator's constant as the base score, and the trees in stage order, so raw scores are the same
sums in the same order. HistGradientBoosting* compares float64 X with ``<=`` and sums the trees
of each iteration (leaf values already shrunk) onto its baseline, in float64, in order.
"""

import numpy as np

from pith._convert_trees import (
    DEFAULT_LEFT,
    _check_single_output,
    ensemble_dict,
    node_arrays,
    to_estimator,
)

CATEGORICAL = 2
CATEGORIES_GO_LEFT = 8
WHOLE_CATEGORIES = 32  # 2.5 is no category: HGB's encoder matches values exactly

# scikit-learn's inverse link -> the pith transform and its sigmoid_alpha.
_LINKS = {
    "IdentityLink": ("identity", 1.0),
    "LogLink": ("exp", 1.0),
    "LogitLink": ("sigmoid", 1.0),  # expit(raw)
    "HalfLogitLink": ("sigmoid", 2.0),  # expit(2 * raw): the exponential loss
    "MultinomialLogit": ("softmax", 1.0),
}


def _transform(sk):
    link = type(sk._loss.link).__name__
    if link not in _LINKS:
        raise ValueError(
            f"pith.from_sklearn: {type(sk).__name__} with loss={sk.loss!r} (link {link}) is not "
            f"supported; supported links: {', '.join(_LINKS)}"
        )
    return _LINKS[link]


def _classes(sk):
    return np.asarray(sk.classes_) if hasattr(sk, "classes_") else None


def gradient_boosting(sk):
    """GradientBoostingClassifier / GradientBoostingRegressor."""
    _check_single_output(sk)
    stages = sk.estimators_  # (n_stages, K) DecisionTreeRegressor
    n_scores = stages.shape[1]
    rate = float(sk.learning_rate)
    trees, tree_output = [], []
    for stage in stages:
        for k, tree in enumerate(stage):
            # predict_stages adds `learning_rate * value` (one float64 product) to the raw score.
            leaves = rate * np.asarray(tree.tree_.value[:, 0, :1], dtype=np.float64)
            trees.append(node_arrays(tree.tree_, leaves))
            tree_output.append(k)
    transform, alpha = _transform(sk)
    model = ensemble_dict(trees, n_outputs=n_scores, leaf_width=1, tree_output=tree_output,
                          base_score=_init_raw_scores(sk, n_scores), transform=transform,
                          sigmoid_alpha=alpha, classes=_classes(sk))
    return to_estimator(sk, model)


def _init_raw_scores(sk, n_scores):
    """The init estimator's raw prediction, a constant for the supported init estimators,
    computed by scikit-learn itself."""
    from sklearn.dummy import DummyClassifier, DummyRegressor

    init = sk.init_
    if isinstance(init, str) and init == "zero":
        return np.zeros(n_scores)
    constant = (type(init) is DummyRegressor) or (
        type(init) is DummyClassifier and init.strategy != "stratified"  # stratified: random
    )
    if not constant:
        detail = f"strategy={init.strategy!r}, " if type(init) is DummyClassifier else ""
        raise ValueError(
            f"pith.from_sklearn: {type(sk).__name__} has init={type(init).__name__}({detail}...); "
            "pith supports init=None (the default DummyClassifier / DummyRegressor), "
            "init='zero' and constant Dummy estimators, whose raw prediction is the same for "
            "every row"
        )
    row = np.zeros((1, sk.n_features_in_), dtype=np.float32)
    raw = np.asarray(sk._raw_predict_init(row), dtype=np.float64)
    if raw.shape != (1, n_scores):
        raise ValueError(
            f"pith.from_sklearn: {type(sk).__name__}'s init estimator gives raw predictions of "
            f"shape {raw.shape[1:]}; expected ({n_scores},)"
        )
    return raw[0]


def hist_gradient_boosting(sk):
    """HistGradientBoostingClassifier / HistGradientBoostingRegressor."""
    columns, category_values = _hgb_input(sk)
    known_bitsets, known_index = sk._bin_mapper.make_known_categories_bitsets()
    trees, tree_output = [], []
    for iteration in sk._predictors:
        for k, predictor in enumerate(iteration):
            trees.append(_hgb_tree(predictor, columns, category_values, known_bitsets,
                                   known_index))
            tree_output.append(k)
    transform, alpha = _transform(sk)
    base = np.asarray(sk._baseline_prediction, dtype=np.float64).ravel()
    model = ensemble_dict(trees, n_outputs=len(base), leaf_width=1, tree_output=tree_output,
                          base_score=base, transform=transform, sigmoid_alpha=alpha,
                          classes=_classes(sk), feature_precision="float64")
    return to_estimator(sk, model)


def _hgb_input(sk):
    """How the predictors' columns map to X: (columns, category_values) with columns[j] the
    column of X that the predictors' feature j reads, and category_values[j] the category
    value of each code of categorical feature j (None for numerical features).

    With categorical features, scikit-learn encodes X before prediction (`_preprocessor`, a
    ColumnTransformer putting the OrdinalEncoder's columns first): known category values become
    their codes 0 .. n - 1, unknown values NaN (missing).
    """
    n = int(sk.n_features_in_)
    preprocessor = getattr(sk, "_preprocessor", None)
    if preprocessor is None:
        return np.arange(n), [None] * n
    columns, category_values = [], []
    for name, transformer, selection in preprocessor.transformers_:
        selected = np.arange(n)[np.asarray(_selection_mask(selection, n))]
        if name == "remainder":
            if transformer != "drop" and len(selected):
                raise ValueError("pith.from_sklearn: unexpected HistGradientBoosting "
                                 "preprocessor (a remainder that is kept)")
            continue
        columns.extend(selected)
        if name == "encoder":
            for column, values in zip(selected, transformer.categories_):
                category_values.append(_category_values(sk, column, values))
        else:
            category_values.extend([None] * len(selected))
    return np.asarray(columns), category_values


def _selection_mask(selection, n):
    selection = np.asarray(selection)
    if selection.dtype == bool:
        return selection
    mask = np.zeros(n, dtype=bool)
    mask[selection.astype(int)] = True
    return mask


def _category_values(sk, column, values):
    """The numeric category value of each code of one encoded column; refuses what pith's
    integer category sets cannot hold."""
    name = (repr(str(sk.feature_names_in_[column])) if hasattr(sk, "feature_names_in_")
            else f"at index {column}")
    values = np.asarray(values)
    if values.dtype.kind not in "iuf":
        raise ValueError(
            f"pith.from_sklearn: {type(sk).__name__} encodes categorical feature {name} from "
            f"non-numeric categories ({values[:5].tolist()!r}...); pith needs the numeric "
            "category codes: encode the column as non-negative integers (e.g. with an "
            "OrdinalEncoder) before fitting, or give pandas categories integer values"
        )
    values = values.astype(np.float64)
    values = values[~np.isnan(values)]  # a trailing NaN category is the missing value
    if not np.all((values >= 0) & (values == np.floor(values)) & (values < 2**32)):
        raise ValueError(
            f"pith.from_sklearn: {type(sk).__name__}'s categorical feature {name} has category "
            f"values {values.tolist()!r}; pith supports non-negative integer categories < 2^32"
        )
    return values.astype(np.uint32)


def _in_bitset(bitset, values):
    values = np.asarray(values, dtype=np.int64)
    return (bitset[values // 32] >> (values % 32).astype(np.uint32)) & 1 == 1


def _hgb_tree(predictor, columns, category_values, known_bitsets, known_index):
    """One TreePredictor as pith node arrays (and category sets).

    scikit-learn's categorical split (_predictor.pyx): NaN, negative values and unknown
    categories go where missing values go; known categories in the left bitset go left, the
    other known categories right. pith's category set is the categories that go to the
    non-default child; everything else, unknown and negative values included, reaches the
    default one.
    """
    nodes = predictor.nodes
    is_leaf = nodes["is_leaf"] != 0
    missing_left = nodes["missing_go_to_left"] != 0
    feature = np.where(is_leaf, 0, columns[np.where(is_leaf, 0, nodes["feature_idx"])])
    flags = np.where(is_leaf, 0, np.where(missing_left, DEFAULT_LEFT, 0)).astype(np.uint8)
    threshold = np.where(is_leaf | (nodes["is_categorical"] != 0), 0.0, nodes["num_threshold"])
    category_sets = {}
    for i in np.flatnonzero(~is_leaf & (nodes["is_categorical"] != 0)):
        j = int(nodes["feature_idx"][i])
        values = category_values[j]
        if values is None:  # no encoder: the codes are the values (at most 256 bins)
            values = np.arange(256, dtype=np.uint32)
        codes = np.arange(len(values))
        left = _in_bitset(predictor.raw_left_cat_bitsets[nodes["bitset_idx"][i]], codes)
        known = _in_bitset(known_bitsets[known_index[j]], codes)
        goes_right = known & ~left
        if missing_left[i]:
            category_sets[int(i)] = values[goes_right]
        else:
            category_sets[int(i)] = values[left]
            flags[i] |= CATEGORIES_GO_LEFT
        flags[i] |= CATEGORICAL | WHOLE_CATEGORIES
    value = np.where(is_leaf, nodes["value"], 0.0).reshape(-1, 1)
    return {
        "left_child": np.where(is_leaf, -1, nodes["left"].astype(np.int64)).astype(np.int32),
        "right_child": np.where(is_leaf, -1, nodes["right"].astype(np.int64)).astype(np.int32),
        "feature": feature.astype(np.uint32),
        "threshold": threshold.astype(np.float64),
        "node_flags": flags,
        "leaf_values": np.ascontiguousarray(value, dtype=np.float64),
        "category_sets": category_sets,
    }
