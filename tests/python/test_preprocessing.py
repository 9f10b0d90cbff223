"""pith.preprocessing against sklearn.preprocessing: fitted statistics, transforms, NaN, dtypes.

Tolerances: both compute the same sums in float64, in different orders; statistics agree to
1e-12 relative (observed: exact without weights, 1e-15 with), transforms to 1e-12 of the
data's scale. MinMaxScaler's statistics are exact (minimum, maximum and the same formulas).
float32: both keep float32 data in float32; 1e-6 relative.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import preprocessing as sk
from sklearn.datasets import load_wine

from pith.preprocessing import MinMaxScaler, StandardScaler

RNG = np.random.RandomState(0)
X = RNG.randn(60, 5) * [1, 10, 1e-3, 5, 1] + [0, 100, 5, -3, 0]
X[:, 3] = 7.0  # constant: scale 1, as scikit-learn
X_NAN = X.copy()
X_NAN[3, 0] = X_NAN[7, 1] = X_NAN[8, 1] = np.nan
WEIGHTS = RNG.rand(60)
DATA = {"random": X, "with NaN": X_NAN, "wine": load_wine().data}


def assert_same_attribute(ours, theirs, name, rtol=1e-12, atol=0.0):
    a, b = getattr(ours, name), getattr(theirs, name)
    if b is None:
        assert a is None, name
        return
    assert np.shape(a) == np.shape(b), name
    assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=name)


# scikit-learn takes the square root of its -1e-45 variance of the constant feature.
@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt:RuntimeWarning")
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize(
    "params",
    [{}, {"with_mean": False}, {"with_std": False}, {"with_mean": False, "with_std": False}],
)
@pytest.mark.parametrize("data", DATA)
def test_standard_scaler_matches_sklearn(data, params, weighted):
    X = DATA[data]
    sample_weight = WEIGHTS[: len(X)] if weighted and len(X) == len(WEIGHTS) else None
    ours = StandardScaler(**params).fit(X, sample_weight=sample_weight)
    theirs = sk.StandardScaler(**params).fit(X, sample_weight=sample_weight)
    assert_same_attribute(ours, theirs, "mean_")
    assert_same_attribute(ours, theirs, "scale_")
    # A constant feature's variance is rounding noise in both (1e-30 vs -1e-45).
    assert_same_attribute(ours, theirs, "var_", atol=1e-25)
    assert_same_attribute(ours, theirs, "n_samples_seen_")
    scale = np.nanmax(np.abs(X))
    expected = theirs.transform(X)
    assert_allclose(ours.transform(X), expected, rtol=1e-12, atol=1e-12 * scale)
    assert_allclose(ours.inverse_transform(expected), theirs.inverse_transform(expected),
                    rtol=1e-12, atol=1e-12 * scale)
    assert_array_equal(np.isnan(ours.transform(X)), np.isnan(X))


@pytest.mark.parametrize("params", [{}, {"feature_range": (-2, 3)}, {"clip": True}])
@pytest.mark.parametrize("data", DATA)
def test_min_max_scaler_matches_sklearn(data, params):
    X = DATA[data]
    ours = MinMaxScaler(**params).fit(X)
    theirs = sk.MinMaxScaler(**params).fit(X)
    for name in ("min_", "scale_", "data_min_", "data_max_", "data_range_", "n_samples_seen_"):
        assert_array_equal(getattr(ours, name), getattr(theirs, name), err_msg=name)
    new = X * 3 - 1  # outside the fitted range, where clip matters
    assert_allclose(ours.transform(new), theirs.transform(new), rtol=1e-14, atol=1e-14)
    assert_array_equal(np.isnan(ours.transform(new)), np.isnan(new))
    assert_allclose(ours.inverse_transform(new), theirs.inverse_transform(new), rtol=1e-14)


@pytest.mark.parametrize("cls, sk_cls", [(StandardScaler, sk.StandardScaler),
                                         (MinMaxScaler, sk.MinMaxScaler)])
def test_float32_stays_float32(cls, sk_cls):
    X32 = DATA["wine"].astype(np.float32)
    ours, theirs = cls().fit(X32), sk_cls().fit(X32)
    out = ours.transform(X32)
    assert out.dtype == theirs.transform(X32).dtype == np.float32
    assert_allclose(out, theirs.transform(X32), rtol=1e-5, atol=1e-6)
    assert ours.inverse_transform(out).dtype == np.float32
    assert ours.transform(X32.astype(np.float64)).dtype == np.float64
    for name in ("scale_", "mean_", "min_"):
        if hasattr(theirs, name):
            assert getattr(ours, name).dtype == getattr(theirs, name).dtype, name


def test_fit_transform_and_feature_names():
    import pandas as pd

    frame = pd.DataFrame(DATA["wine"][:, :3], columns=["alcohol", "malic_acid", "ash"])
    for scaler in (StandardScaler(), MinMaxScaler()):
        out = scaler.fit_transform(frame)
        assert_allclose(out, scaler.transform(frame))
        assert_array_equal(scaler.get_feature_names_out(), ["alcohol", "malic_acid", "ash"])


def test_min_max_scaler_bad_range():
    with pytest.raises(ValueError, match="Minimum of desired feature range must be smaller"):
        MinMaxScaler(feature_range=(1, 0)).fit(X)
