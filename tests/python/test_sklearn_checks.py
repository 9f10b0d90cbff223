"""scikit-learn's own estimator checks (check_estimator) on pith's estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from pith.cluster import KMeans

# The parameters scikit-learn uses for its own KMeans (fast), the defaults, and random init.
ESTIMATORS = [
    KMeans(n_clusters=2, n_init=2, max_iter=5),
    KMeans(),
    KMeans(n_clusters=3, init="random", n_threads=1),
]

# Checks that cannot pass, with why. scikit-learn expects the same failure of its own KMeans.
EXPECTED_FAILED = {
    "check_sample_weight_equivalence_on_dense_data": (
        "compares a fit on weighted rows with a fit on repeated and shuffled rows: the random "
        "initialisation draws different points from the two datasets, so the fits start from "
        "different centers and reach different local optima or label orders. Weights are "
        "exactly equivalent to repeated rows from the same initial centers: "
        "test_kmeans_vs_sklearn.py::test_sample_weight_equals_repeated_rows."
    ),
}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda estimator: EXPECTED_FAILED)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
