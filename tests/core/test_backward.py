"""VJPs and JVP against explicit Jacobians and central finite differences.

The finite-difference helper below is written here on purpose, independent of
the project's gradcheck module: it perturbs one element at a time in float64.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from softmax_core import (
    log_softmax,
    log_softmax_jvp,
    log_softmax_vjp,
    slice_jacobians,
    softmax,
    softmax_jvp,
    softmax_vjp,
)
from tests.strategies import FAST, cases, masks_for, moved_slices

CLASSIC_X = np.array([[1.0, 2.0], [3.0, 4.0]])
# sigma(1) * sigma(-1) = e / (1 + e)^2 = 0.196611933241481852537... (mpmath,
# 30 digits); by hand: 2.718281828 / 3.718281828^2 = 0.19661193.
SIGMA_PRODUCT = 0.19661193324148185


def numeric_gradient(loss, x: np.ndarray, t: float = 1.0) -> np.ndarray:
    """Central differences of a scalar `loss` at `x`, one element at a time.

    The step is cbrt(eps) * max(T, |x_i|): the functions only see x / T, so the
    step scales with T, and we divide by the realised step (x + h) - (x - h).
    """
    x = x.astype(np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        h = np.cbrt(np.finfo(np.float64).eps) * max(t, abs(x[i]))
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (loss(up) - loss(down)) / (up[i] - down[i])
    return grad


def _upstream(x: np.ndarray, data: st.DataObject) -> np.ndarray:
    return data.draw(
        hnp.arrays(x.dtype, x.shape, elements=st.floats(-1, 1, width=8 * x.itemsize))
    )


def _atol(dtype: np.dtype, g: np.ndarray, t: float) -> float:
    """Tolerance for a gradient of size up to max|g| / T computed in `dtype`."""
    rel = {2: 2e-3, 4: 2e-6, 8: 1e-13}[np.dtype(dtype).itemsize]
    return rel * (1.0 + float(np.abs(g.astype(np.float64)).max(initial=0.0))) / t


# --- VJP = J^T g, JVP = J t --------------------------------------------------------


@FAST
@given(cases(), st.data())
def test_softmax_vjp_equals_transposed_jacobian_times_upstream(case, data):
    x, axis, t = case
    g = _upstream(x, data)
    y = softmax(x, axis, temperature=t)
    grad = softmax_vjp(y, g, axis, temperature=t)
    assert grad.shape == x.shape and grad.dtype == x.dtype
    jac = slice_jacobians(y, axis, temperature=t).astype(np.float64)
    ref = np.einsum("...ij,...i->...j", jac, moved_slices(g.astype(np.float64), axis))
    np.testing.assert_allclose(
        moved_slices(grad.astype(np.float64), axis), ref, rtol=0,
        atol=_atol(x.dtype, g, t),
    )


@FAST
@given(cases(), st.data())
def test_softmax_jvp_equals_jacobian_times_tangent(case, data):
    x, axis, t = case
    tangent = _upstream(x, data)
    y = softmax(x, axis, temperature=t)
    out = softmax_jvp(y, tangent, axis, temperature=t)
    assert out.shape == x.shape and out.dtype == x.dtype
    jac = slice_jacobians(y, axis, temperature=t).astype(np.float64)
    ref = np.einsum(
        "...ij,...j->...i", jac, moved_slices(tangent.astype(np.float64), axis)
    )
    np.testing.assert_allclose(
        moved_slices(out.astype(np.float64), axis), ref, rtol=0,
        atol=_atol(x.dtype, tangent, t),
    )


@FAST
@given(cases(), st.data())
def test_log_softmax_vjp_equals_explicit_jacobian(case, data):
    x, axis, t = case
    g = _upstream(x, data)
    log_y = log_softmax(x, axis, temperature=t)
    grad = log_softmax_vjp(log_y, g, axis, temperature=t)
    assert grad.shape == x.shape and grad.dtype == x.dtype
    # d log y_i / d x_j = (delta_ij - y_j) / T, built here slice by slice.
    ys = np.exp(moved_slices(log_y.astype(np.float64), axis))
    n = ys.shape[-1]
    jac = (np.eye(n) - ys[..., None, :]) / t
    ref = np.einsum("...ij,...i->...j", jac, moved_slices(g.astype(np.float64), axis))
    # Each entry sums n terms of size up to |g| / T.
    np.testing.assert_allclose(
        moved_slices(grad.astype(np.float64), axis), ref, rtol=0,
        atol=n * _atol(x.dtype, g, t),
    )


@FAST
@given(cases(), st.data())
def test_log_softmax_jvp_equals_explicit_jacobian_times_tangent(case, data):
    x, axis, t = case
    tangent = _upstream(x, data)
    log_y = log_softmax(x, axis, temperature=t)
    out = log_softmax_jvp(log_y, tangent, axis, temperature=t)
    assert out.shape == x.shape and out.dtype == x.dtype
    # d log y_i / d x_j = (delta_ij - y_j) / T, built here slice by slice; the
    # JVP contracts over j (the VJP above over i: J is not symmetric).
    ys = np.exp(moved_slices(log_y.astype(np.float64), axis))
    n = ys.shape[-1]
    jac = (np.eye(n) - ys[..., None, :]) / t
    ref = np.einsum(
        "...ij,...j->...i", jac, moved_slices(tangent.astype(np.float64), axis)
    )
    np.testing.assert_allclose(
        moved_slices(out.astype(np.float64), axis), ref, rtol=0,
        atol=n * _atol(x.dtype, tangent, t),
    )


def test_log_softmax_jvp_and_vjp_differ_where_the_jacobian_is_not_symmetric():
    # J = I - 1 yᵀ for log_softmax([1, 2]) = [[σ(1), -σ(1)], [-σ(-1), σ(-1)]]:
    # J e_0 is its first column, Jᵀ e_0 its first row. σ(1) = 0.7310585786300049
    # and σ(-1) = 0.2689414213699951 (mpmath).
    log_y = log_softmax([1.0, 2.0])
    s1, s_1 = 0.7310585786300049, 0.2689414213699951
    np.testing.assert_allclose(log_softmax_jvp(log_y, [1.0, 0.0]), [s1, -s_1])
    np.testing.assert_allclose(log_softmax_vjp(log_y, [1.0, 0.0]), [s1, -s1])


# --- against finite differences ------------------------------------------------------


@FAST
@given(cases(dtype=np.float64, bound=5.0, max_side=3), st.data())
def test_softmax_vjp_matches_finite_differences(case, data):
    x, axis, t = case
    g = _upstream(x, data)
    grad = softmax_vjp(softmax(x, axis, temperature=t), g, axis, temperature=t)
    numeric = numeric_gradient(
        lambda z: np.sum(g * softmax(z, axis, temperature=t)), x, t
    )
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8 / t)


@FAST
@given(cases(dtype=np.float64, bound=5.0, max_side=3), st.data())
def test_log_softmax_vjp_matches_finite_differences(case, data):
    x, axis, t = case
    g = _upstream(x, data)
    grad = log_softmax_vjp(log_softmax(x, axis, temperature=t), g, axis, temperature=t)
    numeric = numeric_gradient(
        lambda z: np.sum(g * log_softmax(z, axis, temperature=t)), x, t
    )
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7 / t)


@FAST
@given(cases(dtype=np.float64, bound=5.0, max_side=3), st.data())
def test_softmax_jvp_matches_a_directional_difference(case, data):
    x, axis, t = case
    tangent = _upstream(x, data)
    out = softmax_jvp(softmax(x, axis, temperature=t), tangent, axis, temperature=t)
    h = np.cbrt(np.finfo(np.float64).eps) * t
    numeric = (
        softmax(x + h * tangent, axis, temperature=t)
        - softmax(x - h * tangent, axis, temperature=t)
    ) / (2 * h)
    np.testing.assert_allclose(out, numeric, rtol=1e-6, atol=1e-8 / t)


@FAST
@given(cases(dtype=np.float64, bound=5.0, max_side=3), st.data())
def test_log_softmax_jvp_matches_a_directional_difference(case, data):
    x, axis, t = case
    tangent = _upstream(x, data)
    out = log_softmax_jvp(
        log_softmax(x, axis, temperature=t), tangent, axis, temperature=t
    )
    h = np.cbrt(np.finfo(np.float64).eps) * t
    numeric = (
        log_softmax(x + h * tangent, axis, temperature=t)
        - log_softmax(x - h * tangent, axis, temperature=t)
    ) / (2 * h)
    np.testing.assert_allclose(out, numeric, rtol=1e-6, atol=1e-7 / t)


@FAST
@given(cases(dtype=np.float64, bound=5.0, max_side=3), st.data())
def test_masked_log_softmax_jvp_matches_a_directional_difference(case, data):
    x, axis, t = case
    tangent = _upstream(x, data)
    mask = data.draw(masks_for(x.shape))
    log_y = log_softmax(x, axis, temperature=t, where=mask)
    out = log_softmax_jvp(log_y, tangent, axis, temperature=t, where=mask)
    h = np.cbrt(np.finfo(np.float64).eps) * t
    up = log_softmax(x + h * tangent, axis, temperature=t, where=mask)
    down = log_softmax(x - h * tangent, axis, temperature=t, where=mask)
    # Masked log-probabilities are -inf at both points: constants, derivative 0.
    numeric = (np.where(mask, up, 0.0) - np.where(mask, down, 0.0)) / (2 * h)
    np.testing.assert_allclose(out, numeric, rtol=1e-6, atol=1e-7 / t)
    assert np.all(out[~mask] == 0)


@FAST
@given(cases(dtype=np.float64, bound=5.0, max_side=3), st.data())
def test_masked_vjps_match_finite_differences(case, data):
    x, axis, t = case
    g = _upstream(x, data)
    mask = data.draw(masks_for(x.shape))
    y = softmax(x, axis, temperature=t, where=mask)
    grad = softmax_vjp(y, g, axis, temperature=t, where=mask)
    numeric = numeric_gradient(
        lambda z: np.sum(g * softmax(z, axis, temperature=t, where=mask)), x, t
    )
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8 / t)
    assert np.all(grad[~mask] == 0)
    # Masked log-probabilities are -inf whatever x is: leave them out of the loss.
    log_y = log_softmax(x, axis, temperature=t, where=mask)
    lgrad = log_softmax_vjp(log_y, g, axis, temperature=t, where=mask)

    def masked_loss(z):
        return np.sum(g[mask] * log_softmax(z, axis, temperature=t, where=mask)[mask])

    lnumeric = numeric_gradient(masked_loss, x, t)
    np.testing.assert_allclose(lgrad, lnumeric, rtol=1e-6, atol=1e-7 / t)
    assert np.all(lgrad[~mask] == 0)


def test_log_softmax_vjp_leaves_masked_upstream_out_of_the_sum():
    # Regression: sum(g) included the upstream of masked entries, so x = [0, 0]
    # with only entry 1 unmasked (log y = [-inf, 0], a constant) and g = [1, 1]
    # got gradient [0, -1] instead of [0, 0].
    # The mask travels explicitly, as the forward's where=.
    where = [False, True]
    log_y = log_softmax([0.0, 0.0], where=where)
    np.testing.assert_array_equal(
        log_softmax_vjp(log_y, [1.0, 1.0], where=where), [0.0, 0.0]
    )
    # In general it equals the unmasked slice's gradient, padded with 0.
    where = [True, True, False]
    log_y = log_softmax([1.0, 2.0, 3.0], where=where)
    np.testing.assert_allclose(
        log_softmax_vjp(log_y, [1.0, 0.0, 5.0], where=where),
        np.append(log_softmax_vjp(log_softmax([1.0, 2.0]), [1.0, 0.0]), 0.0),
        rtol=1e-15,
    )


# --- the classic example -----------------------------------------------------------


def test_classic_constant_upstream_gives_exactly_zero():
    # Each Jacobian row sums to 0, so g = ones gives dL/dx = 0: correct, not a bug.
    y = softmax(CLASSIC_X, axis=1)
    grad = softmax_vjp(y, np.ones((2, 2)), axis=1)
    np.testing.assert_array_equal(grad, np.zeros((2, 2)))


def test_classic_identity_upstream_pinned():
    # Slice [1, 2] has y = [sigma(-1), sigma(1)]; with g = [1, 0] the gradient is
    # y * (g - y_0) = [y_0 y_1, -y_0 y_1] = [+-] sigma(1) sigma(-1).
    y = softmax(CLASSIC_X, axis=1)
    grad = softmax_vjp(y, [[1.0, 0.0], [0.0, 1.0]], axis=1)
    expected = SIGMA_PRODUCT * np.array([[1.0, -1.0], [-1.0, 1.0]])
    np.testing.assert_allclose(grad, expected, rtol=1e-15)
    # The same numbers to 8 digits, as the issue and the docs quote them.
    np.testing.assert_array_equal(grad.round(8), [[0.19661193, -0.19661193],
                                                  [-0.19661193, 0.19661193]])


def test_classic_log_softmax_vjp_pinned():
    # g - y * sum(g) with sum(g) = 1: [1 - sigma(-1), -sigma(1)] and
    # [-sigma(-1), 1 - sigma(1)]; sigma(1) = 0.7310585786300049 (mpmath).
    log_y = log_softmax(CLASSIC_X, axis=1)
    grad = log_softmax_vjp(log_y, [[1.0, 0.0], [0.0, 1.0]], axis=1)
    s1 = 0.7310585786300049
    np.testing.assert_allclose(grad, [[s1, -s1], [s1 - 1, 1 - s1]], rtol=1e-15)


def test_log_softmax_derivatives_pinned_to_pytorch():
    # torch 2.13.0, float64: x = torch.tensor([[1., 2.], [3., 4.]]),
    # F.log_softmax(x, dim=1).backward(g) with g = [[2, 0], [0, 1]] for the VJP;
    # torch.func.jvp(lambda z: F.log_softmax(z, dim=1), (x,), (e,)) with
    # e = [[1, 0], [0, 1]] for the JVP.
    log_y = log_softmax(CLASSIC_X, axis=1)
    np.testing.assert_allclose(
        log_softmax_vjp(log_y, [[2.0, 0.0], [0.0, 1.0]], axis=1),
        [[1.4621171572600098, -1.4621171572600098],
         [-0.2689414213699951, 0.2689414213699951]],
        rtol=1e-15,
    )
    np.testing.assert_allclose(
        log_softmax_jvp(log_y, [[1.0, 0.0], [0.0, 1.0]], axis=1),
        [[0.7310585786300049, -0.2689414213699951],
         [-0.7310585786300049, 0.2689414213699951]],
        rtol=1e-15,
    )


def test_log_softmax_jvp_of_an_all_minus_inf_slice_is_zero():
    log_y = log_softmax([[-np.inf, -np.inf], [1.0, 2.0]])
    out = log_softmax_jvp(log_y, [[1.0, 3.0], [1.0, 0.0]])
    np.testing.assert_array_equal(out[0], [0.0, 0.0])
    assert np.all(out[1] != 0)


@FAST
@given(cases(dtype=np.float32), st.floats(-10, 10))
def test_constant_upstream_gives_zero_up_to_rounding(case, c):
    x, axis, t = case
    for dtype in (np.float32, np.float64):
        y = softmax(x.astype(dtype), axis, temperature=t)
        grad = softmax_vjp(y, np.full(x.shape, c, dtype=dtype), axis, temperature=t)
        # Exactly y * c * (1 - sum(y)) / T; sum(y) is 1 up to rounding.
        n = moved_slices(x, axis).shape[-1]
        eps = np.finfo(dtype).eps
        off = np.abs(1 - np.sum(y.astype(np.float64), axis=axis, keepdims=True))
        bound = np.abs(y) * abs(c) * (off + (n + 2) * eps) / t
        assert np.all(np.abs(grad) <= bound + np.finfo(dtype).tiny)


# --- temperature ---------------------------------------------------------------------


@FAST
@given(cases(dtype=np.float64), st.data())
def test_temperature_scales_every_derivative_by_one_over_t(case, data):
    x, axis, t = case
    g = _upstream(x, data)
    y = softmax(x, axis, temperature=t)
    log_y = log_softmax(x, axis, temperature=t)
    for func, first in (
        (softmax_vjp, y),
        (softmax_jvp, y),
        (log_softmax_vjp, log_y),
        (log_softmax_jvp, log_y),
    ):
        np.testing.assert_allclose(
            func(first, g, axis, temperature=t), func(first, g, axis) / t,
            rtol=1e-14, atol=1e-300,
        )


# --- edge cases ----------------------------------------------------------------------


@FAST
@given(cases(), st.data())
def test_length_one_axis_gives_zero_gradients(case, data):
    x, _, t = case
    axis = data.draw(st.integers(-x.ndim - 1, x.ndim))
    x1 = np.expand_dims(x, axis)
    g = _upstream(x1, data)
    zeros = np.zeros(x1.shape, dtype=x.dtype)
    y = softmax(x1, axis, temperature=t)
    np.testing.assert_array_equal(softmax_vjp(y, g, axis, temperature=t), zeros)
    np.testing.assert_array_equal(softmax_jvp(y, g, axis, temperature=t), zeros)
    log_y = log_softmax(x1, axis, temperature=t)
    np.testing.assert_array_equal(log_softmax_vjp(log_y, g, axis, temperature=t), zeros)
    np.testing.assert_array_equal(log_softmax_jvp(log_y, g, axis, temperature=t), zeros)


@pytest.mark.parametrize(
    ("shape", "axis"),
    [((0,), -1), ((3, 0), -1), ((3, 0), 0), ((0, 3), None), ((2, 0, 3), (0, 2))],
)
@pytest.mark.parametrize(
    "func", [softmax_vjp, log_softmax_vjp, softmax_jvp, log_softmax_jvp]
)
def test_empty_arrays_give_empty_gradients(func, shape, axis):
    out = func(np.zeros(shape), np.zeros(shape), axis)
    assert out.shape == shape and out.dtype == np.float64


@pytest.mark.parametrize(
    "func", [softmax_vjp, log_softmax_vjp, softmax_jvp, log_softmax_jvp]
)
def test_zero_dim_inputs_with_axis_none(func):
    # Regression: for 0-d inputs the ufuncs returned NumPy scalars and the
    # in-place steps raised "return arrays must be of ArrayType".
    log = func in (log_softmax_vjp, log_softmax_jvp)
    y = np.array(0.0) if log else np.array(1.0)
    out = func(y, np.array(2.5), None, temperature=3.0)
    assert isinstance(out, np.ndarray) and out.shape == () and out == 0.0


def test_nan_slice_gives_nan_gradient_only_there():
    x = np.array([[np.nan, 1.0], [1.0, 2.0]])
    g = np.array([[1.0, 2.0], [1.0, 0.0]])
    grad = softmax_vjp(softmax(x), g)
    assert np.isnan(grad[0]).all()
    np.testing.assert_allclose(grad[1], [SIGMA_PRODUCT, -SIGMA_PRODUCT], rtol=1e-15)
    lgrad = log_softmax_vjp(log_softmax(x), g)
    assert np.isnan(lgrad[0]).all() and np.isfinite(lgrad[1]).all()
    ljvp = log_softmax_jvp(log_softmax(x), g)
    assert np.isnan(ljvp[0]).all() and np.isfinite(ljvp[1]).all()


@pytest.mark.parametrize(
    "func", [softmax_vjp, log_softmax_vjp, softmax_jvp, log_softmax_jvp]
)
def test_dtypes_of_derivatives(func):
    for dtype in (np.float16, np.float32, np.float64):
        a = np.array([0.25, 0.75], dtype=dtype)
        assert func(a, a).dtype == dtype
    # Mixed floats promote; integers and bools count as float64.
    f32 = np.array([0.25, 0.75], dtype=np.float32)
    assert func(f32, np.array([1.0, 0.0])).dtype == np.float64
    assert func(f32, np.array([1, 0])).dtype == np.float64
    f16 = np.array([0.5, 0.5], dtype=np.float16)
    assert func(f16, [True, False]).dtype == np.float64
