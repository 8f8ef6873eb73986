"""Per-slice Jacobians: layout, values, properties and the memory cap.

Also checks the slice layout helpers in ``softmax_core.slices`` that define it
(batch axes in order, softmax axes flattened in C order over increasing axes).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from softmax_core import (
    DEFAULT_MAX_JACOBIAN_BYTES,
    log_softmax,
    log_softmax_vjp,
    slice_jacobians,
    softmax,
)
from softmax_core.slices import batch_shape, from_slices, slice_length, to_slices
from tests.strategies import (
    FAST,
    arrays_and_axes,
    axes_for,
    cases,
    moved_slices,
    normalized,
    shapes,
    tolerance,
)


def _reference_jacobians(y: np.ndarray, axis, t: float) -> np.ndarray:
    """(diag(y_s) - y_s y_s^T) / T, one slice at a time, in float64."""
    ys = moved_slices(y.astype(np.float64), axis)
    n = ys.shape[-1]
    out = np.empty(ys.shape[:-1] + (n, n))
    for idx in np.ndindex(ys.shape[:-1]):
        s = ys[idx]
        out[idx] = (np.diag(s) - np.outer(s, s)) / t
    return out


@FAST
@given(cases())
def test_shape_is_batch_shape_plus_n_by_n(case):
    x, axis, t = case
    axes = normalized(axis, x.ndim)
    batch = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    n = int(np.prod([x.shape[i] for i in axes]))
    jac = slice_jacobians(softmax(x, axis, temperature=t), axis, temperature=t)
    assert jac.shape == batch + (n, n)
    assert jac.dtype == x.dtype


@FAST
@given(cases())
def test_values_match_a_per_slice_loop(case):
    x, axis, t = case
    y = softmax(x, axis, temperature=t)
    jac = slice_jacobians(y, axis, temperature=t)
    np.testing.assert_allclose(
        jac.astype(np.float64), _reference_jacobians(y, axis, t), rtol=0,
        atol=tolerance(x.dtype) / t,
    )


@FAST
@given(cases())
def test_symmetric_with_rows_summing_to_zero(case):
    x, axis, t = case
    y = softmax(x, axis, temperature=t)
    jac = slice_jacobians(y, axis, temperature=t)
    np.testing.assert_array_equal(jac, np.swapaxes(jac, -1, -2))
    # Rows sum to (y_i - y_i * sum(y)) / T: zero up to how far sum(y) is from 1.
    n = jac.shape[-1]
    np.testing.assert_allclose(
        jac.astype(np.float64).sum(axis=-1), 0.0, rtol=0,
        atol=n * tolerance(x.dtype) / t,
    )


def _finite_difference_jacobians(x: np.ndarray, axis, t: float) -> np.ndarray:
    """Numeric d y / d x for every slice, by central differences on x."""
    h = 1e-6
    ys = moved_slices(x, axis)
    out = np.empty(ys.shape[:-1] + (ys.shape[-1],) * 2)
    for j in range(ys.shape[-1]):
        e = np.zeros_like(ys)
        e[..., j] = h
        # Build the perturbed x with numpy only: move the softmax axes back.
        up = x + _unslice(e, x.shape, axis)
        down = x - _unslice(e, x.shape, axis)
        diff = moved_slices(softmax(up, axis, temperature=t), axis) - moved_slices(
            softmax(down, axis, temperature=t), axis
        )
        out[..., :, j] = diff / (2 * h)
    return out


def _unslice(s: np.ndarray, shape: tuple[int, ...], axis) -> np.ndarray:
    """Inverse of moved_slices, with np.moveaxis only."""
    axes = normalized(axis, len(shape))
    last = list(range(len(shape) - len(axes), len(shape)))
    moved_shape = tuple(shape[i] for i in range(len(shape)) if i not in axes) + tuple(
        shape[i] for i in axes
    )
    return np.moveaxis(s.reshape(moved_shape), last, axes)


def test_tuple_axes_flatten_in_c_order_checked_by_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 2))
    t = 0.7
    jac = slice_jacobians(softmax(x, (0, 2), temperature=t), (0, 2), temperature=t)
    assert jac.shape == (3, 4, 4)
    # One entry by hand: batch b = 1 (axis 1). Flat index k = 2 * i0 + i2 (C order
    # over axes 0 then 2), so i = 1 is y[0, 1, 1] and j = 2 is x[1, 1, 0].
    h = 1e-6
    up, down = x.copy(), x.copy()
    up[1, 1, 0] += h
    down[1, 1, 0] -= h
    numeric = (
        softmax(up, (0, 2), temperature=t)[0, 1, 1]
        - softmax(down, (0, 2), temperature=t)[0, 1, 1]
    ) / (up[1, 1, 0] - down[1, 1, 0])
    assert jac[1, 1, 2] == pytest.approx(numeric, rel=1e-7)
    # Diagonal entries tell C order from Fortran order (which would swap k = 1, 2):
    # d y[0, 1, 1] / d x[0, 1, 1] sits at [1, 1, 1].
    y = softmax(x, (0, 2), temperature=t)
    assert jac[1, 1, 1] == pytest.approx(y[0, 1, 1] * (1 - y[0, 1, 1]) / t, rel=1e-12)
    assert jac[1, 2, 2] == pytest.approx(y[1, 1, 0] * (1 - y[1, 1, 0]) / t, rel=1e-12)
    # And the whole stack against finite differences.
    np.testing.assert_allclose(
        jac, _finite_difference_jacobians(x, (0, 2), t), rtol=1e-6, atol=1e-9
    )


@FAST
@given(cases(dtype=np.float64, bound=5.0, max_side=3, t_low=0.2))
def test_matches_finite_differences(case):
    x, axis, t = case
    jac = slice_jacobians(softmax(x, axis, temperature=t), axis, temperature=t)
    np.testing.assert_allclose(
        jac, _finite_difference_jacobians(x, axis, t), rtol=1e-5, atol=1e-8
    )


def test_axis_none_gives_one_slice_of_the_whole_array():
    x = np.arange(6.0).reshape(2, 3)
    y = softmax(x, axis=None)
    jac = slice_jacobians(y, axis=None)
    assert jac.shape == (6, 6)
    flat = y.ravel()
    np.testing.assert_allclose(jac, np.diag(flat) - np.outer(flat, flat), rtol=1e-15)


def test_classic_example_pinned():
    # sigma(1) sigma(-1) = e / (1 + e)^2 = 0.19661193324148185 (mpmath).
    y = softmax([[1.0, 2.0], [3.0, 4.0]], axis=1)
    block = 0.19661193324148185 * np.array([[1.0, -1.0], [-1.0, 1.0]])
    np.testing.assert_allclose(slice_jacobians(y, axis=1), [block, block], rtol=1e-15)
    np.testing.assert_allclose(
        slice_jacobians(y, axis=1, temperature=4.0), [block / 4, block / 4],
        rtol=1e-15,
    )


@FAST
@given(cases(dtype=np.float64))
def test_temperature_divides_the_jacobian(case):
    x, axis, t = case
    y = softmax(x, axis, temperature=t)
    np.testing.assert_allclose(
        slice_jacobians(y, axis, temperature=t), slice_jacobians(y, axis) / t,
        rtol=1e-15, atol=1e-300,
    )


def test_masked_and_minus_inf_entries_have_zero_rows_and_columns():
    mask = np.array([[True, True, True], [True, True, False]])
    y = softmax([[1.0, -np.inf, 2.0], [1.0, 2.0, 3.0]], where=mask)
    jac = slice_jacobians(y)
    np.testing.assert_array_equal(jac[0, 1], 0.0)
    np.testing.assert_array_equal(jac[0, :, 1], 0.0)
    np.testing.assert_array_equal(jac[1, 2], 0.0)
    np.testing.assert_array_equal(jac[1, :, 2], 0.0)


def test_length_one_axis_gives_zero_jacobians():
    y = softmax(np.random.default_rng(1).standard_normal((3, 1, 2)), axis=1)
    jac = slice_jacobians(y, axis=1)
    assert jac.shape == (3, 2, 1, 1)
    np.testing.assert_array_equal(jac, 0.0)


@pytest.mark.parametrize(
    ("shape", "axis", "expected"),
    [((3, 0), -1, (3, 0, 0)), ((0, 3), -1, (0, 3, 3)), ((0, 3), None, (0, 0)),
     ((2, 0, 3), (0, 2), (0, 6, 6)), ((), None, (1, 1))],
)
def test_empty_and_0d_shapes(shape, axis, expected):
    assert slice_jacobians(np.zeros(shape), axis).shape == expected


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_is_kept(dtype):
    assert slice_jacobians(np.array([0.5, 0.5], dtype=dtype)).dtype == dtype


def test_integer_input_becomes_float64():
    assert slice_jacobians(np.array([0, 1])).dtype == np.float64


# --- log-softmax -------------------------------------------------------------------


@FAST
@given(cases())
def test_log_softmax_jacobian_is_identity_minus_ones_times_y(case):
    x, axis, t = case
    log_y = log_softmax(x, axis, temperature=t)
    jac = slice_jacobians(log_y, axis, temperature=t, function="log_softmax")
    assert jac.dtype == x.dtype
    # (I - 1 yᵀ) / T, slice by slice from scipy-free NumPy: row i is e_i - y.
    ys = np.exp(moved_slices(log_y.astype(np.float64), axis))
    n = ys.shape[-1]
    ref = (np.eye(n) - ys[..., None, :]) / t
    np.testing.assert_allclose(
        jac.astype(np.float64), ref, rtol=0, atol=tolerance(x.dtype) / t
    )


@FAST
@given(cases(dtype=np.float64, bound=5.0, max_side=3, t_low=0.2), st.data())
def test_log_softmax_jacobian_matches_finite_differences_and_the_vjp(case, data):
    x, axis, t = case
    log_y = log_softmax(x, axis, temperature=t)
    jac = slice_jacobians(log_y, axis, temperature=t, function="log_softmax")
    numeric = np.empty_like(jac)
    xs = moved_slices(x, axis)
    h = 1e-6
    for j in range(xs.shape[-1]):
        e = np.zeros_like(xs)
        e[..., j] = h
        step = _unslice(e, x.shape, axis)
        diff = moved_slices(
            log_softmax(x + step, axis, temperature=t)
            - log_softmax(x - step, axis, temperature=t),
            axis,
        )
        numeric[..., :, j] = diff / (2 * h)
    np.testing.assert_allclose(jac, numeric, rtol=1e-5, atol=1e-8)
    # The VJP contracts the rows: Jᵀ g.
    g = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(-1, 1)))
    vjp = log_softmax_vjp(log_y, g, axis, temperature=t)
    np.testing.assert_allclose(
        moved_slices(vjp, axis),
        np.einsum("...ij,...i->...j", jac, moved_slices(g, axis)),
        rtol=1e-12, atol=1e-12,
    )


def test_log_softmax_jacobian_is_not_symmetric_and_rows_sum_to_zero():
    log_y = log_softmax([0.5, -1.0, 2.0])
    jac = slice_jacobians(log_y, function="log_softmax")
    assert not np.allclose(jac, jac.T)
    np.testing.assert_allclose(jac.sum(axis=-1), 0.0, atol=1e-15)


def test_log_softmax_jacobian_classic_pinned():
    # Row i is e_i - y with y = [σ(-1), σ(1)]; σ(1) = 0.7310585786300049 (mpmath).
    s1, s_1 = 0.7310585786300049, 0.2689414213699951
    jac = slice_jacobians(
        log_softmax([[1.0, 2.0], [3.0, 4.0]], axis=1), 1, function="log_softmax"
    )
    np.testing.assert_allclose(jac, [[[s1, -s1], [-s_1, s_1]]] * 2, rtol=1e-15)


def test_where_zeroes_masked_rows_and_columns_for_both_functions():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    mask = np.array([[True, False, True], [False, False, False]])
    log_y = log_softmax(x, where=mask)
    jac = slice_jacobians(log_y, function="log_softmax", where=mask)
    # The unmasked entries get the Jacobian of the slice without the masked one.
    sub = slice_jacobians(log_softmax([1.0, 3.0]), function="log_softmax")
    np.testing.assert_allclose(jac[0][np.ix_([0, 2], [0, 2])], sub, rtol=1e-15)
    np.testing.assert_array_equal(jac[0, 1], 0.0)
    np.testing.assert_array_equal(jac[0, :, 1], 0.0)
    np.testing.assert_array_equal(jac[1], 0.0)  # fully masked: zeros, not I
    y = softmax(x, where=mask)
    np.testing.assert_array_equal(
        slice_jacobians(y, where=mask), slice_jacobians(y)
    )


def test_log_softmax_jacobian_without_where_keeps_the_limit():
    # A finite logit whose log-probability rounds to -inf is not a mask: its
    # row is e_i - y (the limit), as log_softmax_vjp gives; an all -inf slice
    # (nothing took part) gets zeros.
    log_y = log_softmax([[1e308, -1e308], [-np.inf, -np.inf]])
    jac = slice_jacobians(log_y, function="log_softmax")
    np.testing.assert_array_equal(jac[0], [[0.0, 0.0], [-1.0, 1.0]])
    np.testing.assert_array_equal(jac[1], 0.0)


def test_unknown_function_is_refused():
    with pytest.raises(ValueError, match="function must be one of 'softmax', "
                       "'log_softmax'; got 'cross_entropy'"):
        slice_jacobians([0.5, 0.5], function="cross_entropy")


# --- the memory cap ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("dtype", "size"), [(np.float64, 8), (np.float32, 4), (np.float16, 2)]
)
def test_memory_cap_is_exact_and_names_shape_and_sizes(dtype, size):
    y = np.full((4, 10), 0.1, dtype=dtype)
    need = 4 * 10 * 10 * size
    assert slice_jacobians(y, max_bytes=need).shape == (4, 10, 10)
    with pytest.raises(ValueError) as info:
        slice_jacobians(y, max_bytes=need - 1)
    message = str(info.value)
    assert message.startswith("slice_jacobians:")
    assert "(4, 10, 10)" in message
    assert "MiB" in message and "cap" in message


def test_default_cap_refuses_a_large_stack_before_allocating():
    # One slice of 2**13 entries: 2**26 float64 = 512 MiB > 256 MiB default.
    y = np.zeros(2**13)
    assert DEFAULT_MAX_JACOBIAN_BYTES == 256 * 2**20
    with pytest.raises(ValueError, match=r"512\.0 MiB.*cap of 256\.0 MiB"):
        slice_jacobians(y)


# --- the slice layout (softmax_core.slices) ----------------------------------------


@FAST
@given(arrays_and_axes(dtype=np.float64))
def test_to_slices_matches_moveaxis_reference_and_round_trips(xa):
    x, axis = xa
    axes = normalized(axis, x.ndim)
    s = to_slices(x, axes)
    np.testing.assert_array_equal(s, moved_slices(x, axis))
    assert s.shape == batch_shape(x.shape, axes) + (slice_length(x.shape, axes),)
    np.testing.assert_array_equal(from_slices(s, x.shape, axes), x)


@FAST
@given(shapes(min_side=0).flatmap(lambda shape: st.tuples(
    hnp.arrays(np.int64, shape), axes_for(shape))))
def test_to_slices_handles_empty_shapes(xa):
    x, axis = xa
    axes = normalized(axis, x.ndim)
    s = to_slices(x, axes)
    assert s.shape == moved_slices(x, axis).shape
    assert from_slices(s, x.shape, axes).shape == x.shape
