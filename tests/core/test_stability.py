"""Tests for softmax_core.stability: the naive formulas and where they break."""

import numpy as np
import pytest
from scipy.special import log_softmax as scipy_log_softmax
from scipy.special import softmax as scipy_softmax

import softmax_core as sc
from softmax_core.stability import COMPARED_DTYPES, max_abs_error

# --- thresholds ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtype", "expected"),
    # log(np.finfo(dtype).max) in float64, e.g. log(1.7976931348623157e308).
    [("float64", 709.782712893384), ("float32", 88.72283905206835),
     ("float16", 11.089866488461016)],
)  # fmt: skip
def test_overflow_threshold_pinned(dtype, expected):
    assert sc.overflow_threshold(dtype) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("dtype", COMPARED_DTYPES)
def test_overflow_threshold_is_where_exp_overflows(dtype):
    dt = np.dtype(dtype)
    threshold = sc.overflow_threshold(dt)
    below = dt.type(threshold * (1 - 1e-3))
    above = dt.type(threshold * (1 + 1e-3))
    with np.errstate(over="ignore"):
        assert np.isfinite(np.exp(below))
        assert np.isinf(np.exp(above))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_underflow_threshold_is_where_exp_rounds_to_zero(dtype):
    dt = np.dtype(dtype)
    threshold = sc.underflow_threshold(dt)
    with np.errstate(under="ignore"):
        assert np.exp(dt.type(threshold * (1 - 1e-4))) > 0
        assert np.exp(dt.type(threshold * (1 + 1e-4))) == 0


def test_underflow_threshold_float64_pinned():
    # log(5e-324 / 2) = log(2**-1075) = -1075 * log(2)
    assert sc.underflow_threshold() == pytest.approx(-1075 * np.log(2), rel=1e-12)


@pytest.mark.parametrize("bad", ["int64", np.int32, "complex128", "longdouble"])
def test_thresholds_refuse_non_float_dtypes(bad):
    with pytest.raises(TypeError, match="overflow_threshold: dtype"):
        sc.overflow_threshold(bad)


def test_threshold_refuses_non_dtype():
    with pytest.raises(TypeError, match="underflow_threshold: dtype"):
        sc.underflow_threshold("not a dtype")


# --- naive_softmax ------------------------------------------------------------


def test_naive_softmax_matches_scipy_for_moderate_logits():
    x = np.random.default_rng(0).standard_normal((3, 4, 5)) * 5
    for axis in (0, -1, (0, 2), None):
        np.testing.assert_allclose(
            sc.naive_softmax(x, axis), scipy_softmax(x, axis=axis), rtol=1e-13
        )


def test_naive_softmax_temperature_divides_logits():
    x = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, 1.0]])
    np.testing.assert_allclose(
        sc.naive_softmax(x, temperature=0.25), scipy_softmax(x / 0.25, axis=-1),
        rtol=1e-13,
    )


def test_naive_softmax_overflows_above_threshold_without_warning():
    # filterwarnings=error: any RuntimeWarning here would fail the test.
    y = sc.naive_softmax([[1000.0, 1001.0, 1002.0], [1.0, 2.0, 3.0]])
    assert np.isnan(y[0]).all()
    np.testing.assert_allclose(y[1], scipy_softmax([1.0, 2.0, 3.0]), rtol=1e-13)
    np.testing.assert_allclose(
        sc.softmax([1000.0, 1001.0, 1002.0]), scipy_softmax([1000.0, 1001.0, 1002.0])
    )


def test_naive_softmax_overflowed_entry_nan_others_zero():
    # exp(800) = inf, exp(600) finite: inf/inf = NaN and finite/inf = 0.
    y = sc.naive_softmax([600.0, 800.0])
    assert y[0] == 0.0
    assert np.isnan(y[1])


def test_naive_softmax_all_underflow_is_nan():
    # exp(-800) rounds to 0 for every entry: 0 / 0.
    assert np.isnan(sc.naive_softmax([-800.0, -801.0])).all()
    np.testing.assert_allclose(sc.softmax([-800.0, -801.0]), scipy_softmax([0.0, -1.0]))


def test_naive_softmax_fully_masked_row_is_nan_where_stable_gives_zero():
    x = [[0.0, 1.0], [-np.inf, -np.inf]]
    assert np.isnan(sc.naive_softmax(x)[1]).all()
    assert (sc.softmax(x)[1] == 0).all()


def test_naive_softmax_boundary_is_the_overflow_threshold():
    threshold = sc.overflow_threshold()
    assert np.isfinite(sc.naive_softmax([0.0, threshold - 1.0])).all()
    assert not np.isfinite(sc.naive_softmax([0.0, threshold + 1.0])).all()


def test_naive_softmax_float16_computed_in_float16():
    x = np.array([10.0, 12.0], dtype=np.float16)
    y = sc.naive_softmax(x)
    assert y.dtype == np.float16
    assert np.isnan(y[1])  # exp(12) = 162755 > 65504
    assert np.isfinite(sc.softmax(x)).all()  # the stable one is fine
    x32 = x.astype(np.float32)
    assert np.isfinite(sc.naive_softmax(x32)).all()
    assert sc.naive_softmax(x32).dtype == np.float32


def test_naive_softmax_ints_become_float64_and_input_untouched():
    x = np.array([[1, 2], [3, 4]])
    before = x.copy()
    y = sc.naive_softmax(x, axis=1)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y[0], [0.2689414213699951, 0.7310585786300049])
    np.testing.assert_array_equal(x, before)


def test_naive_softmax_zero_d_returns_array():
    y = sc.naive_softmax(np.float64(3.0), axis=None)
    assert isinstance(y, np.ndarray)
    assert y.shape == () and y == 1.0


def test_naive_softmax_validates_like_softmax():
    with pytest.raises(ValueError, match="naive_softmax: axis 2 is out of range"):
        sc.naive_softmax(np.zeros((2, 3)), axis=2)
    with pytest.raises(ValueError, match="naive_softmax: temperature"):
        sc.naive_softmax([1.0], temperature=0.0)
    with pytest.raises(TypeError, match="naive_softmax: x is complex"):
        sc.naive_softmax([1j])


# --- naive_log_softmax --------------------------------------------------------


def test_naive_log_softmax_matches_scipy_for_small_gaps():
    x = np.random.default_rng(1).standard_normal((4, 6))
    np.testing.assert_allclose(
        sc.naive_log_softmax(x, 0), scipy_log_softmax(x, axis=0), rtol=1e-12
    )


def test_naive_log_softmax_gives_minus_inf_where_log_softmax_is_finite():
    x = np.array([[0.0, -800.0, -10.0]])
    naive = sc.naive_log_softmax(x)
    assert naive[0, 1] == -np.inf
    stable = sc.log_softmax(x)
    assert np.isfinite(stable).all()
    np.testing.assert_allclose(stable, scipy_log_softmax(x, axis=-1), rtol=1e-13)


def test_naive_log_softmax_minus_inf_starts_at_underflow_threshold():
    gap = -sc.underflow_threshold()
    assert np.isfinite(sc.naive_log_softmax([0.0, -(gap - 1.0)])).all()
    assert sc.naive_log_softmax([0.0, -(gap + 1.0)])[1] == -np.inf


def test_naive_log_softmax_temperature_shrinks_the_gap():
    # A gap of 800 divided by T = 2 is 400: no underflow.
    assert np.isfinite(sc.naive_log_softmax([0.0, -800.0], temperature=2.0)).all()


# --- max_abs_error ------------------------------------------------------------


def test_max_abs_error_cases():
    assert max_abs_error([1.0, 2.0], [1.0, 2.5]) == 0.5
    assert max_abs_error([np.inf, 0.0], [0.3, 0.7]) == np.inf
    assert max_abs_error([np.nan, 0.0], [np.nan, 0.0]) == 0.0  # NaN input: skipped
    assert max_abs_error([-np.inf, 0.5], [-np.inf, 0.5]) == 0.0
    assert max_abs_error([np.inf], [-np.inf]) == np.inf
    assert max_abs_error(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0
    with pytest.raises(ValueError, match="a has shape"):
        max_abs_error([1.0], [1.0, 2.0])


# --- dtype_comparison ---------------------------------------------------------


def test_dtype_comparison_errors_shrink_with_precision():
    x = np.random.default_rng(2).standard_normal((3, 8)) * 3
    results = sc.dtype_comparison(x, axis=1)
    assert [r.dtype for r in results] == list(COMPARED_DTYPES)
    f16, f32, f64 = results
    assert f64.stable_error == 0.0  # it is the reference itself
    assert 0 < f32.stable_error < 1e-6
    assert f32.stable_error < f16.stable_error < 1e-2
    assert [r.stable.dtype.name for r in results] == list(COMPARED_DTYPES)
    assert [r.naive.dtype.name for r in results] == list(COMPARED_DTYPES)
    assert all(r.naive_finite for r in results)
    # the error reported is the real one, against scipy in float64
    ref = scipy_softmax(x, axis=1)
    assert f16.stable_error == pytest.approx(
        np.max(np.abs(f16.stable.astype(np.float64) - ref)), rel=1e-6
    )


def test_dtype_comparison_naive_float16_breaks_above_11():
    x = [10.0, 11.0, 12.0]
    f16, f32, f64 = sc.dtype_comparison(x)
    assert not f16.naive_finite and f16.naive_error == np.inf
    assert f16.stable_error < 1e-3
    assert f32.naive_finite and f32.naive_error < 1e-6
    assert f64.naive_error < 1e-15
    assert f16.overflow_threshold == pytest.approx(11.0898664)


def test_dtype_comparison_large_values_overflow_float16_cast():
    # 70000 > 65504 is inf in float16 before softmax even starts.
    f16, f32, _ = sc.dtype_comparison([70000.0, 0.0])
    assert f16.stable_error == np.inf
    assert f32.stable_error == 0.0


def test_dtype_comparison_validates():
    with pytest.raises(ValueError, match="dtype_comparison: axis"):
        sc.dtype_comparison([1.0, 2.0], axis=3)


# --- naive_sweep --------------------------------------------------------------


def test_naive_sweep_breaks_where_the_threshold_predicts():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    scales = np.geomspace(1, 1000, 301)
    sweep = sc.naive_sweep(x, 1, scales=scales)
    predicted = sc.overflow_threshold() / 4.0  # the largest logit is 4
    assert sweep.last_finite < predicted < sweep.first_nonfinite
    assert sweep.first_nonfinite / sweep.last_finite == pytest.approx(
        scales[1] / scales[0]
    )
    assert np.all(np.diff(sweep.broken_fraction) >= 0)
    assert sweep.broken_fraction[-1] == 1.0


def test_naive_sweep_float32_breaks_earlier():
    x = [[1.0, 2.0], [3.0, 4.0]]
    scales = np.geomspace(1, 1000, 121)
    f64 = sc.naive_sweep(x, scales=scales)
    f32 = sc.naive_sweep(x, scales=scales, dtype=np.float32)
    assert f32.first_nonfinite < f64.first_nonfinite
    assert f32.last_finite < sc.overflow_threshold(np.float32) / 4 < f32.first_nonfinite


def test_naive_sweep_never_breaks_for_zero_logits():
    sweep = sc.naive_sweep(np.zeros((2, 3)), scales=[1, 1000])
    assert sweep.first_nonfinite is None
    assert sweep.last_finite == 1000.0
    assert sweep.broken_fraction.tolist() == [0.0, 0.0]


def test_naive_sweep_masked_row_broken_from_the_start():
    sweep = sc.naive_sweep([[0.0, 1.0], [-np.inf, -np.inf]], scales=[2.0, 1.0])
    assert sweep.scales.tolist() == [1.0, 2.0]  # sorted
    assert sweep.first_nonfinite == 1.0 and sweep.last_finite is None
    assert sweep.broken_fraction.tolist() == [0.5, 0.5]


def test_naive_sweep_temperature_moves_the_break():
    x = [1.0, 3.0]
    scales = np.geomspace(1, 1000, 61)
    cold = sc.naive_sweep(x, scales=scales, temperature=1.0)
    hot = sc.naive_sweep(x, scales=scales, temperature=2.0)
    assert hot.first_nonfinite > cold.first_nonfinite


@pytest.mark.parametrize("scales", [[], [[1.0]], [-1.0], [np.inf]])
def test_naive_sweep_rejects_bad_scales(scales):
    with pytest.raises(ValueError, match="naive_sweep: scales"):
        sc.naive_sweep([1.0, 2.0], scales=scales)


def test_naive_sweep_rejects_int_dtype():
    with pytest.raises(TypeError, match="naive_sweep: dtype"):
        sc.naive_sweep([1.0], dtype=np.int64)


# --- slice_sums ---------------------------------------------------------------


def test_slice_sums_tuple_axis():
    x = np.random.default_rng(3).standard_normal((2, 3, 4))
    y = sc.softmax(x, (0, 2))
    check = sc.slice_sums(y, (0, 2))
    assert check.sums.shape == (3,)
    assert check.n_slices == 3 and check.n_zero == 0 and check.n_nan == 0
    np.testing.assert_allclose(check.sums, y.sum(axis=(0, 2)), rtol=1e-15)
    assert check.max_error == pytest.approx(np.max(np.abs(y.sum(axis=(0, 2)) - 1)))
    assert check.max_error < 1e-15


def test_slice_sums_detects_a_bad_slice():
    y = np.array([[0.25, 0.75], [0.5, 0.6]])
    check = sc.slice_sums(y)
    assert check.max_error == pytest.approx(0.1)
    assert check.sums.tolist() == [1.0, pytest.approx(1.1)]


def test_slice_sums_counts_masked_and_nan_slices():
    x = np.array([[0.5, -np.inf, 2.0], [-np.inf, -np.inf, -np.inf], [np.nan, 1, 2]])
    check = sc.slice_sums(sc.softmax(x))
    assert (check.n_slices, check.n_zero, check.n_nan) == (3, 1, 1)
    assert check.max_error < 1e-15


def test_slice_sums_all_empty_gives_zero_error():
    check = sc.slice_sums(np.zeros((2, 2)))
    assert check.max_error == 0.0 and check.n_zero == 2


def test_slice_sums_float16_error_is_measured_in_float64():
    y = sc.softmax(np.array([0.1, 0.2, 0.3], dtype=np.float16))
    check = sc.slice_sums(y)
    assert check.max_error == pytest.approx(abs(float(y.astype(np.float64).sum()) - 1))


# --- overflow_scale -----------------------------------------------------------


def test_overflow_scale_is_threshold_over_max():
    # 709.782712893384 / 4, the largest logit of the classic example
    classic = [[1.0, 2.0], [3.0, 4.0]]
    assert sc.overflow_scale(classic) == pytest.approx(177.445678223346)
    hot = sc.overflow_scale([1.0, 4.0], temperature=2.0)
    assert hot == pytest.approx(354.89135644669)
    f16 = sc.overflow_scale([1.0, 4.0], dtype="float16")
    assert f16 == pytest.approx(11.0898664 / 4)


def test_overflow_scale_agrees_with_the_sweep():
    x = np.random.default_rng(4).standard_normal((3, 5))
    scales = np.geomspace(1, 10_000, 401)
    sweep = sc.naive_sweep(x, scales=scales)
    assert sweep.last_finite < sc.overflow_scale(x) <= sweep.first_nonfinite


def test_overflow_scale_ignores_non_finite_and_needs_a_positive_logit():
    got = sc.overflow_scale([np.inf, np.nan, 2.0])
    assert got == pytest.approx(709.782712893384 / 2)
    assert sc.overflow_scale([-3.0, 0.0, -np.inf]) is None
    assert sc.overflow_scale(np.zeros((0,))) is None
