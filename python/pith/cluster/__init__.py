"""Clustering estimators with scikit-learn's API."""

from pith.cluster._kmeans import KMeans

__all__ = ["KMeans"]
