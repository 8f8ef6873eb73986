"""Forward functions: softmax and log_softmax against scipy, properties, edge cases.

scipy.special is the independent reference for values; the edge-case policy
(masks, all -inf slices, NaN / +inf, empty arrays) is the one in
``softmax_core/functions.py``'s module docstring.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special

from softmax_core import log_softmax, log_softmax_vjp, softmax, softmax_vjp
from tests.strategies import (
    FAST,
    arrays_and_axes,
    cases,
    masks_for,
    moved_slices,
    normalized,
    tolerance,
)


def _scipy_softmax(x: np.ndarray, axis, t: float) -> np.ndarray:
    return special.softmax(x.astype(np.float64) / t, axis=axis)


def _scipy_log_softmax(x: np.ndarray, axis, t: float) -> np.ndarray:
    return special.log_softmax(x.astype(np.float64) / t, axis=axis)


def _slice_sums(y: np.ndarray, axis) -> np.ndarray:
    return np.sum(y.astype(np.float64), axis=axis)


# --- values against scipy -----------------------------------------------------


@FAST
@given(cases())
def test_softmax_matches_scipy(case):
    x, axis, t = case
    y = softmax(x, axis, temperature=t)
    assert y.shape == x.shape
    assert y.dtype == x.dtype
    np.testing.assert_allclose(
        y.astype(np.float64), _scipy_softmax(x, axis, t), rtol=0,
        atol=tolerance(x.dtype),
    )


@FAST
@given(cases())
def test_log_softmax_matches_scipy(case):
    x, axis, t = case
    ly = log_softmax(x, axis, temperature=t)
    ref = _scipy_log_softmax(x, axis, t)
    assert ly.shape == x.shape
    assert ly.dtype == x.dtype
    # Log-probabilities reach -60 / 0.05 = -1200: scale the tolerance with them.
    tol = tolerance(x.dtype) * max(1.0, float(np.abs(ref).max(initial=0.0)))
    np.testing.assert_allclose(ly.astype(np.float64), ref, rtol=0, atol=tol)


@FAST
@given(cases(dtype=np.float64))
def test_log_softmax_is_log_of_softmax_where_softmax_does_not_underflow(case):
    x, axis, t = case
    y = softmax(x, axis, temperature=t)
    ly = log_softmax(x, axis, temperature=t)
    ok = y > 1e-300
    np.testing.assert_allclose(ly[ok], np.log(y[ok]), rtol=1e-12, atol=1e-12)


# --- properties -----------------------------------------------------------------


@FAST
@given(cases())
def test_slices_sum_to_one(case):
    x, axis, t = case
    y = softmax(x, axis, temperature=t)
    assert np.all(y >= 0)
    np.testing.assert_allclose(
        _slice_sums(y, axis), 1.0, rtol=0, atol=tolerance(x.dtype)
    )


@FAST
@given(cases(dtype=np.float64), st.data())
def test_adding_a_constant_per_slice_changes_nothing(case, data):
    x, axis, t = case
    axes = normalized(axis, x.ndim)
    shift_shape = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    shift = data.draw(
        st.lists(st.floats(-1e3, 1e3), min_size=math.prod(shift_shape),
                 max_size=math.prod(shift_shape))
    )
    c = np.reshape(shift, shift_shape)
    # Rounding x + c perturbs each logit by up to ulp(1e3) ~ 1e-13, which the
    # softmax scales by 1/T <= 20.
    np.testing.assert_allclose(
        softmax(x + c, axis, temperature=t), softmax(x, axis, temperature=t),
        rtol=1e-10, atol=1e-12,
    )
    np.testing.assert_allclose(
        log_softmax(x + c, axis, temperature=t), log_softmax(x, axis, temperature=t),
        rtol=1e-10, atol=1e-10,
    )


@FAST
@given(arrays_and_axes(dtype=np.float64), st.floats(0.05, 20.0))
def test_temperature_equals_dividing_the_logits(xa, t):
    x, axis = xa
    np.testing.assert_allclose(
        softmax(x, axis, temperature=t), softmax(x / t, axis), rtol=1e-12, atol=1e-15
    )


def test_low_temperature_tends_to_one_hot_and_high_to_uniform():
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(softmax(x, temperature=0.01), [0, 0, 1], atol=1e-40)
    np.testing.assert_allclose(softmax(x, temperature=1e6), [1 / 3] * 3, rtol=1e-5)


def test_axis_none_normalises_over_the_whole_array():
    x = np.arange(6.0).reshape(2, 3)
    y = softmax(x, axis=None)
    np.testing.assert_allclose(y, special.softmax(x, axis=None))
    assert math.isclose(float(y.sum()), 1.0)


def test_tuple_axis_is_order_independent():
    x = np.random.default_rng(0).standard_normal((2, 3, 4))
    np.testing.assert_array_equal(softmax(x, (2, 0)), softmax(x, (0, -1)))
    np.testing.assert_allclose(softmax(x, (0, 2)), special.softmax(x, axis=(0, 2)))


# --- huge and tiny logits ----------------------------------------------------------

MAX64 = np.finfo(np.float64).max


@FAST
@given(
    st.lists(st.sampled_from([1e308, -1e308, MAX64, -MAX64, 0.0, 1.0, -5e307]),
             min_size=1, max_size=6),
    st.sampled_from([0.05, 1.0, 20.0]),
)
def test_huge_logits_give_finite_probabilities_without_warnings(values, t):
    x = np.array(values)
    y = softmax(x, temperature=t)
    assert np.all(np.isfinite(y))
    assert math.isclose(float(y.sum()), 1.0, rel_tol=1e-15)
    # When the others trail by more than 1e300 (halved: the gap itself may
    # overflow), all the mass sits on the largest logits, shared between ties.
    top = x == x.max()
    if np.all(x.max() / 2 - x[~top] / 2 > 5e299):
        np.testing.assert_array_equal(y[top], 1.0 / top.sum())
        np.testing.assert_array_equal(y[~top], 0.0)


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        ([1e308, -1e308], [1.0, 0.0]),
        ([-1e308, -1e308], [0.5, 0.5]),
        ([MAX64, MAX64, 0.0], [0.5, 0.5, 0.0]),
    ],
)
def test_huge_logits_pinned(x, expected):
    np.testing.assert_array_equal(softmax(x), expected)


def test_log_softmax_of_huge_logits_stays_finite_when_the_answer_is_representable():
    # log_softmax([1e308, 1e308, 5e307]) = [-log 2, -log 2, -5e307 - log 2]; the
    # last rounds to -5e307 in float64.
    ly = log_softmax([1e308, 1e308, 5e307])
    assert np.all(np.isfinite(ly))
    np.testing.assert_allclose(ly, [-math.log(2), -math.log(2), -5e307], rtol=1e-15)


@pytest.mark.parametrize(
    ("dtype", "big"), [(np.float32, 3e38), (np.float16, 65504.0)]
)
def test_huge_logits_in_narrow_dtypes(dtype, big):
    x = np.array([[big, -big], [-big, -big]], dtype=dtype)
    y = softmax(x, temperature=0.05)
    assert y.dtype == dtype
    np.testing.assert_array_equal(y, np.array([[1, 0], [0.5, 0.5]], dtype=dtype))


def test_log_softmax_of_equal_huge_logits_pytorch_11752():
    # PyTorch issue 11752: x - (m + lse) gave 0 for logits of 1e8 (1e8 + log 2
    # rounds to 1e8). (x - m) - lse gives -log 2 = -0.6931471805599453.
    ly = log_softmax([1e8, 1e8])
    np.testing.assert_allclose(ly, [-math.log(2)] * 2, rtol=1e-15)


def test_log_softmax_keeps_probabilities_that_underflow():
    # softmax([0, -800])[1] = e^-800 underflows to 0, so log(softmax) is -inf;
    # log_softmax gives -800 - log(1 + e^-800) = -800 exactly in float64.
    with np.errstate(divide="ignore"):
        naive = np.log(softmax([0.0, -800.0]))
    assert naive[1] == -np.inf
    np.testing.assert_array_equal(log_softmax([0.0, -800.0]), [0.0, -800.0])


def test_classic_example_pinned():
    # softmax([1, 2]) = [sigma(-1), sigma(1)] with sigma(1) = e / (1 + e)
    # = 0.7310585786300049 (mpmath, 30 digits, rounded).
    y = softmax([[1.0, 2.0], [3.0, 4.0]], axis=1)
    np.testing.assert_allclose(
        y, [[0.2689414213699951, 0.7310585786300049]] * 2, rtol=1e-15
    )


# --- where masks -----------------------------------------------------------------


def _masked_reference(x, mask, axis, t, log):
    """Per-slice loop: scipy on the unmasked entries only."""
    xs = moved_slices(x.astype(np.float64), axis)
    ms = moved_slices(mask, axis)
    out = np.full(xs.shape, -np.inf if log else 0.0)
    func = special.log_softmax if log else special.softmax
    for idx in np.ndindex(xs.shape[:-1]):
        keep = ms[idx]
        if keep.any():
            out[idx][keep] = func(xs[idx][keep] / t)
    return out


@FAST
@given(cases(), st.data())
def test_where_matches_softmax_of_the_unmasked_entries(case, data):
    x, axis, t = case
    mask = data.draw(masks_for(x.shape))
    for log in (False, True):
        func = log_softmax if log else softmax
        out = func(x, axis, temperature=t, where=mask)
        assert out.dtype == x.dtype
        ref = _masked_reference(x, mask, axis, t, log)
        got = moved_slices(out.astype(np.float64), axis)
        finite = np.isfinite(ref)
        np.testing.assert_array_equal(np.isfinite(got), finite)
        scale = max(1.0, float(np.abs(ref[finite]).max(initial=0.0))) if log else 1.0
        np.testing.assert_allclose(
            got[finite], ref[finite], rtol=0, atol=tolerance(x.dtype) * scale
        )
        if not log:
            assert np.all(out[~mask] == 0)
        else:
            assert np.all(out[~mask] == -np.inf)


def test_causal_mask_pinned_to_pytorch():
    # torch 2.13.0, float64: torch.softmax(x.masked_fill(~torch.tril(ones(3, 3)
    # .bool()), -inf), dim=1) for x = [[1, 2, 3], [4, 5, 6], [7, 8, 9]].
    x = np.arange(1.0, 10.0).reshape(3, 3)
    causal = np.tril(np.ones((3, 3), dtype=bool))
    np.testing.assert_allclose(
        softmax(x, axis=1, where=causal),
        [[1.0, 0.0, 0.0],
         [0.26894142136999516, 0.7310585786300049, 0.0],
         [0.09003057317038045, 0.2447284710547976, 0.6652409557748218]],
        rtol=1e-15,
    )


def test_fully_masked_slice_gives_zeros_and_zero_gradient():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    mask = np.array([[True, False, True], [False, False, False]])
    y = softmax(x, where=mask)
    p = special.softmax([1.0, 3.0])
    np.testing.assert_allclose(y[0], [p[0], 0.0, p[1]], rtol=1e-15)
    np.testing.assert_array_equal(y[1], [0.0, 0.0, 0.0])
    g = np.array([[0.5, -1.0, 2.0], [1.0, 2.0, 3.0]])
    grad = softmax_vjp(y, g)
    np.testing.assert_array_equal(grad[1], [0.0, 0.0, 0.0])
    assert grad[0, 1] == 0.0
    ly = log_softmax(x, where=mask)
    np.testing.assert_array_equal(ly[1], [-np.inf] * 3)
    # Masks travel explicitly: with the forward's where=, the masked entry
    # gets exactly 0; without it, log y = -inf gets the limit g_i, and only
    # the slice that is -inf everywhere gets zeros.
    lgrad = log_softmax_vjp(ly, g, where=mask)
    np.testing.assert_array_equal(lgrad[1], [0.0, 0.0, 0.0])
    assert lgrad[0, 1] == 0.0
    unmasked = log_softmax_vjp(ly, g)
    np.testing.assert_array_equal(unmasked[1], [0.0, 0.0, 0.0])
    assert unmasked[0, 1] == g[0, 1]
    assert not np.isnan(grad).any() and not np.isnan(lgrad).any()


def test_where_broadcasts_against_x():
    x = np.arange(6.0).reshape(2, 3)
    mask = np.array([True, False, True])
    np.testing.assert_allclose(
        softmax(x, where=mask), softmax(x, where=np.broadcast_to(mask, (2, 3)))
    )
    assert np.all(softmax(x, where=mask)[:, 1] == 0)


def test_where_that_does_not_broadcast_is_a_value_error():
    with pytest.raises(ValueError, match=r"where has shape \(2,\).*\(2, 3\)"):
        softmax(np.zeros((2, 3)), where=np.array([True, False]))


def test_non_boolean_where_is_a_type_error():
    with pytest.raises(TypeError, match="where must be a boolean array"):
        softmax(np.zeros(3), where=np.array([1, 0, 1]))


def test_masked_nan_does_not_poison_its_slice():
    y = softmax([np.nan, 0.0, 0.0], where=[False, True, True])
    np.testing.assert_array_equal(y, [0.0, 0.5, 0.5])


# --- -inf, NaN and +inf -------------------------------------------------------------


def test_all_minus_inf_slice_gives_zeros_without_nan():
    x = np.array([[-np.inf, -np.inf], [0.0, -np.inf]])
    np.testing.assert_array_equal(softmax(x), [[0.0, 0.0], [1.0, 0.0]])
    np.testing.assert_array_equal(log_softmax(x), [[-np.inf, -np.inf], [0.0, -np.inf]])
    g = np.array([[1.0, -2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(softmax_vjp(softmax(x), g), np.zeros((2, 2)))
    # Row 1 without a mask follows the limit, as PyTorch's autograd does:
    # g - y * sum(g) = [3 - 1 * 7, 4 - 0 * 7] = [-4, 4]. Row 0 is -inf
    # everywhere, took no part in the forward pass, and gets zeros.
    np.testing.assert_array_equal(
        log_softmax_vjp(log_softmax(x), g), [[0.0, 0.0], [-4.0, 4.0]]
    )
    # With the mask that made the -inf explicit, the masked entry gets 0 and
    # its upstream 4 is left out of the sum: [3 - 1 * 3, 0].
    where = np.isfinite(x)
    np.testing.assert_array_equal(
        log_softmax_vjp(log_softmax(x, where=where), g, where=where),
        np.zeros((2, 2)),
    )


@FAST
@given(
    arrays_and_axes(dtype=np.float64, bound=1e3),
    st.sampled_from([np.nan, np.inf]),
    st.data(),
)
def test_nan_and_inf_poison_only_their_own_slice(xa, poison, data):
    x, axis = xa
    flat = data.draw(st.integers(0, x.size - 1))
    bad = x.copy()
    bad.flat[flat] = poison
    marker = np.zeros(x.shape, dtype=bool)
    marker.flat[flat] = True
    in_slice = moved_slices(marker, axis).any(axis=-1)
    t = data.draw(st.sampled_from([0.05, 1.0, 3.0]))
    for func in (softmax, log_softmax):
        clean = moved_slices(func(x, axis, temperature=t), axis)
        got = moved_slices(func(bad, axis, temperature=t), axis)
        assert np.isnan(got[in_slice]).all()
        np.testing.assert_array_equal(got[~in_slice], clean[~in_slice])


@pytest.mark.parametrize("poison", [np.nan, np.inf])
@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_poisoned_slice_with_large_logits_raises_no_overflow_warning(func, poison):
    # Regression: a NaN / +inf slice was shifted by 0, so exp(1000) overflowed
    # and NumPy warned (an error under pytest) before the slice was set to NaN.
    x = np.array([[poison, 1000.0], [1.0, 2.0]])
    out = func(x)
    assert np.isnan(out[0]).all()
    np.testing.assert_allclose(out[1], func([1.0, 2.0]))


# --- empty arrays, length-1 axes and 0-d arrays ----------------------------------


@pytest.mark.parametrize(
    ("shape", "axis"),
    [((0,), -1), ((3, 0), -1), ((3, 0), 0), ((0, 3), -1), ((0, 3), None),
     ((2, 0, 3), (0, 2)), ((2, 0, 3), 1)],
)
@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_empty_arrays_give_empty_results(func, shape, axis):
    out = func(np.zeros(shape), axis)
    assert out.shape == shape
    assert out.dtype == np.float64


@FAST
@given(arrays_and_axes(dtype=np.float64, bound=1e308), st.data())
def test_length_one_axis_gives_ones(xa, data):
    x, _ = xa
    axis = data.draw(st.integers(-x.ndim - 1, x.ndim))
    x1 = np.expand_dims(x, axis)
    t = data.draw(st.floats(0.05, 20.0))
    np.testing.assert_array_equal(softmax(x1, axis, temperature=t), np.ones(x1.shape))
    np.testing.assert_array_equal(
        log_softmax(x1, axis, temperature=t), np.zeros(x1.shape)
    )


def test_zero_dim_input_with_axis_none_returns_a_one():
    # Regression: a 0-d input made NumPy return scalars from the ufuncs, and
    # np.exp(..., out=scalar) raised "return arrays must be of ArrayType".
    for t in (1.0, 2.0):
        y = softmax(np.float64(3.0), axis=None, temperature=t)
        ly = log_softmax(np.array(3.0), axis=None, temperature=t)
        assert isinstance(y, np.ndarray) and y.shape == () and y == 1.0
        assert isinstance(ly, np.ndarray) and ly.shape == () and ly == 0.0


def test_empty_axis_tuple_means_slices_of_length_one():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(softmax(x, ()), special.softmax(x, axis=()))
    np.testing.assert_array_equal(softmax(x, ()), np.ones((2, 3)))


# --- dtypes -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_float_dtypes_are_kept(func, dtype):
    assert func(np.array([1.0, 2.0], dtype=dtype)).dtype == dtype
    assert func(np.array([1.0, 2.0], dtype=dtype), where=[True, False]).dtype == dtype


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint8, np.int32, np.int64])
@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_bool_and_integers_become_float64(func, dtype):
    x = np.array([1, 0, 1], dtype=dtype)
    out = func(x)
    assert out.dtype == np.float64
    ref = special.log_softmax if func is log_softmax else special.softmax
    np.testing.assert_allclose(out, ref(x.astype(np.float64)), rtol=1e-15)


def test_python_lists_become_float64():
    assert softmax([1, 2, 3]).dtype == np.float64
    assert softmax([1.0, 2.0]).dtype == np.float64


def test_float16_is_computed_in_float32_and_beats_naive_float16():
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((64, 16)) * 3).astype(np.float16)
    ref = special.softmax(x.astype(np.float64), axis=-1)
    ulp = np.spacing(ref.astype(np.float16)).astype(np.float64)

    def ulps(y):
        return np.abs(y.astype(np.float64) - ref) / ulp

    ours = softmax(x)
    assert ours.dtype == np.float16
    # The naive way: every step rounded to float16.
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    naive = e / e.sum(axis=-1, keepdims=True)
    assert naive.dtype == np.float16
    # Computed in float32 and rounded once, ours is within half an ulp (plus a
    # hair for double rounding); the naive version is off by several ulps.
    assert ulps(ours).max() <= 0.501
    assert ulps(naive).max() > 2.0
    assert ulps(ours).mean() < ulps(naive).mean() / 2


@pytest.mark.parametrize(
    "x",
    [np.array([1 + 2j, 3j]), np.array([1.0, "a"], dtype=object), np.array(["1", "2"]),
     np.array([1, 2], dtype="datetime64[s]")],
    ids=["complex", "object", "str", "datetime"],
)
@pytest.mark.parametrize("func", [softmax, log_softmax])
def test_non_real_inputs_are_type_errors(func, x):
    with pytest.raises(TypeError, match=rf"{func.__name__}: x"):
        func(x)
