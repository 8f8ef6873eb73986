"""One slice step by step: log-softmax's VJP and the cross-entropy's gradient."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import special

from softmax_core import (
    cross_entropy_steps,
    log_softmax,
    log_softmax_vjp_steps,
)
from tests.strategies import FAST, temperatures

slices = hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(-20, 20))


@FAST
@given(slices, st.data(), temperatures())
def test_log_softmax_routes_agree_with_an_explicit_jacobian(x, data, t):
    g = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(-3, 3)))
    steps = log_softmax_vjp_steps(log_softmax(x, temperature=t), g, t)
    y = special.softmax(x / t)
    jac = (np.eye(x.size) - y[None, :]) / t  # [i, j] = d log y_i / d x_j
    np.testing.assert_allclose(steps.jacobian, jac, atol=1e-15 / t)
    np.testing.assert_allclose(steps.jacobian_product, jac.T @ g, atol=1e-13 / t)
    np.testing.assert_allclose(steps.transposed_product, jac @ g, atol=1e-13 / t)
    assert steps.total == pytest.approx(g.sum(), abs=1e-12)
    np.testing.assert_allclose(steps.scaled, y * g.sum(), atol=1e-13)
    assert steps.max_difference <= 1e-13 / t


def test_log_softmax_steps_pinned_to_pytorch():
    # torch 2.13.0: F.log_softmax(x, dim=1).backward([[2, 0], [0, 1]]) for
    # x = [[1, 2], [3, 4]]; slice 0 of the gradient is [1.46211716, -1.46211716].
    steps = log_softmax_vjp_steps(log_softmax([1.0, 2.0]), [2.0, 0.0])
    np.testing.assert_allclose(steps.vjp, [1.4621171572600098, -1.4621171572600098],
                               rtol=1e-15)
    # Jg instead of Jᵀg: [2 - 2 y_0, -2 y_0] with y_0 = σ(-1) = 0.2689414213699951.
    np.testing.assert_allclose(
        steps.transposed_product, [2 - 2 * 0.2689414213699951, -2 * 0.2689414213699951],
        rtol=1e-15,
    )


def test_log_softmax_steps_with_a_mask():
    where = np.array([True, False, True])
    log_y = log_softmax([1.0, 5.0, 2.0], where=where)
    steps = log_softmax_vjp_steps(log_y, [2.0, 7.0, 0.0], where=where)
    plain = log_softmax_vjp_steps(log_softmax([1.0, 2.0]), [2.0, 0.0])
    np.testing.assert_allclose(steps.vjp[[0, 2]], plain.vjp, rtol=1e-15)
    assert steps.vjp[1] == 0 and steps.total == 2.0
    np.testing.assert_array_equal(steps.jacobian[1], 0.0)


def test_cross_entropy_steps_pinned_to_pytorch():
    # torch 2.13.0: F.cross_entropy([[1, 2], [3, 4]], [1, 0]) (mean over 2):
    # slice 0 loss 0.31326168751822286 (reduction="none"), gradient row 0
    # [0.13447071068499755, -0.13447071068499755].
    steps = cross_entropy_steps([1.0, 2.0], 1, weight=0.5)
    assert steps.loss == pytest.approx(0.31326168751822286, rel=1e-15)
    np.testing.assert_allclose(
        steps.gradient, [0.13447071068499755, -0.13447071068499755], rtol=1e-14
    )
    np.testing.assert_allclose(steps.chain, steps.gradient, rtol=1e-14)
    np.testing.assert_array_equal(steps.target, [0.0, 1.0])
    np.testing.assert_array_equal(steps.log_y_upstream, [0.0, -0.5])


@FAST
@given(slices, st.data(), temperatures(), st.floats(-3, 3))
def test_cross_entropy_routes_agree(x, data, t, w):
    raw = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(0, 1)))
    raw[0] += 1.0
    probs = raw / raw.sum()
    steps = cross_entropy_steps(x, probs, t, weight=w)
    y = special.softmax(x / t)
    np.testing.assert_allclose(steps.y, y, atol=1e-15)
    assert steps.loss == pytest.approx(
        -np.sum(probs * special.log_softmax(x / t)), rel=1e-12
    )
    np.testing.assert_allclose(steps.difference, y - probs, atol=1e-15)
    np.testing.assert_allclose(steps.gradient, w * (y - probs) / t, atol=1e-14 / t)
    assert steps.max_difference <= 1e-13 * (1 + abs(w)) / t


def test_cross_entropy_steps_refuse_bad_input():
    with pytest.raises(ValueError, match="cross_entropy_steps: target: the slice "
                       "has class index 2, but the class axis has length 2"):
        cross_entropy_steps([1.0, 2.0], 2)
    with pytest.raises(ValueError, match="logits_slice must be 1-D"):
        cross_entropy_steps([[1.0, 2.0]], 0)
    with pytest.raises(ValueError, match="log_y_slice must be 1-D"):
        log_softmax_vjp_steps([[0.0]], [[1.0]])
    with pytest.raises(ValueError, match="g_slice has shape"):
        log_softmax_vjp_steps([0.0, 0.0], [1.0])
