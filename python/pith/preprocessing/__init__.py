"""Feature scalers with scikit-learn's API."""

from pith.preprocessing._data import MinMaxScaler, StandardScaler

__all__ = ["MinMaxScaler", "StandardScaler"]
