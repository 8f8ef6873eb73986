"""softmax_app.maskedcheck: gallery code checked under a mask.

References are independent of the wrapper: scipy's softmax of the logits with
masked entries at -inf, and the VJPs written out with NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import log_softmax as scipy_log_softmax
from scipy.special import softmax as scipy_softmax

import softmax_core as sc
from softmax_app.maskedcheck import (
    MaskedLoss,
    MaskedPass,
    checkable_target,
    masked_implementation,
    sliced_refusal,
)

X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
CAUSAL = np.tri(3, dtype=bool)


def test_masked_log_softmax_gradient_is_the_restricted_vjp() -> None:
    g = np.array([[1.0, 5.0, -2.0], [0.5, 1.0, 7.0], [1.0, -1.0, 2.0]])
    impl = masked_implementation("vectorized", "log_softmax", CAUSAL)
    assert isinstance(impl, MaskedPass)
    report = sc.gradcheck(X, g, 1, function="log_softmax", implementation=impl)
    assert report.passed
    # g - y Σg over the unmasked entries only; masked entries 0.
    y = scipy_softmax(np.where(CAUSAL, X, -np.inf), axis=1)
    gk = np.where(CAUSAL, g, 0.0)
    expected = np.where(CAUSAL, gk - y * gk.sum(axis=1, keepdims=True), 0.0)
    np.testing.assert_allclose(report.analytic, expected, atol=1e-12)
    np.testing.assert_allclose(report.numeric, expected, atol=1e-8)


def test_masked_forward_leaves_masked_outputs_out_of_the_loss() -> None:
    impl = masked_implementation("vectorized", "log_softmax", CAUSAL)
    out = impl.forward(X, 1)
    assert np.all(out[~CAUSAL] == 0.0)  # not -inf: L stays finite
    np.testing.assert_allclose(
        out[CAUSAL], scipy_log_softmax(np.where(CAUSAL, X, -np.inf), axis=1)[CAUSAL]
    )


@pytest.mark.parametrize("function", ["softmax", "log_softmax"])
def test_a_masked_stale_counter_still_fails(function: str) -> None:
    impl = masked_implementation("stale_counter", function, CAUSAL)
    g = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    assert not sc.gradcheck(X, g, 1, function=function, implementation=impl).passed


def test_masked_cross_entropy_is_the_mean_over_the_unmasked_classes() -> None:
    target = np.eye(3)
    impl = masked_implementation("vectorized", "cross_entropy", CAUSAL)
    assert isinstance(impl, MaskedLoss)
    report = sc.gradcheck(X, 1.0, 1, function="cross_entropy", target=target,
                          implementation=impl)  # fmt: skip
    assert report.passed
    y = scipy_softmax(np.where(CAUSAL, X, -np.inf), axis=1)
    np.testing.assert_allclose(report.analytic, (y - target) / 3, atol=1e-12)
    bug = masked_implementation("missing_mean", "cross_entropy", CAUSAL)
    assert not sc.gradcheck(X, 1.0, 1, function="cross_entropy", target=target,
                            implementation=bug).passed  # fmt: skip


def test_an_entry_without_the_function_is_refused() -> None:
    with pytest.raises(ValueError, match="no log_softmax version"):
        masked_implementation("missing_diagonal", "log_softmax", CAUSAL)


def test_a_fully_masked_slice_gets_a_target_that_takes_no_part() -> None:
    mask = np.array([[False, False], [True, True]])
    target = checkable_target(np.array([[0.0, 0.0], [0.0, 1.0]]), mask, (1,))
    np.testing.assert_array_equal(target, [[1.0, 0.0], [0.0, 1.0]])
    x = np.array([[5.0, 6.0], [1.0, 2.0]])
    impl = masked_implementation("vectorized", "cross_entropy", mask)
    for mode in ("elementwise", "directional"):
        report = sc.gradcheck(x, 1.0, 1, function="cross_entropy", target=target,
                              implementation=impl, mode=mode)  # fmt: skip
        assert report.passed, mode
    # One slice takes part: N = 1, gradient y - t there, 0 in the masked one.
    y = scipy_softmax([1.0, 2.0])
    np.testing.assert_allclose(report.analytic, [[0, 0], y - [0, 1]], atol=1e-12)


def test_sliced_mode_is_refused_only_for_cross_entropy_with_an_empty_slice() -> None:
    empty = np.array([[False, False], [True, True]])
    assert sliced_refusal("cross_entropy", empty, (1,), "sliced")
    assert sliced_refusal("cross_entropy", empty, (1,), "elementwise") is None
    assert sliced_refusal("log_softmax", empty, (1,), "sliced") is None
    assert sliced_refusal("cross_entropy", CAUSAL, (1,), "sliced") is None
    assert sliced_refusal("cross_entropy", None, (1,), "sliced") is None


@settings(max_examples=25, deadline=None)
@given(
    st.integers(2, 4),
    st.integers(2, 4),
    st.integers(0, 2**32 - 1),
)
def test_correct_entries_pass_under_any_mask(rows: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, n))
    g = rng.standard_normal((rows, n))
    mask = rng.random((rows, n)) < 0.7
    for function in ("softmax", "log_softmax"):
        for name in ("vectorized", "per_slice_loop"):
            impl = masked_implementation(name, function, mask)
            report = sc.gradcheck(x, g, 1, function=function, implementation=impl)
            assert report.passed, (function, name)
            assert np.all(report.analytic[~mask] == 0.0)
