"""The Gradcheck page's masked check: compute.run_gradcheck(mask=), the core's where=.

The page passes the panel's mask and target as they are (a fully masked slice's
target is all zeros there). References are independent of the check: scipy's
softmax of the logits with masked entries at -inf, and the VJPs written out with
NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import softmax as scipy_softmax

from softmax_app import compute

X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
CAUSAL = np.tri(3, dtype=bool)
MODES = ("sliced", "elementwise", "directional")


@pytest.fixture(autouse=True)
def _empty_cache():
    compute.run_gradcheck.clear()
    yield
    compute.run_gradcheck.clear()


def _check(x, g, implementation="vectorized", mode="sliced", **kw):  # type: ignore[no-untyped-def]
    return compute.run_gradcheck(
        x, g, (1,), implementation, mode, 1.0, None, None, None, **kw
    )


def test_masked_log_softmax_gradient_is_the_restricted_vjp() -> None:
    g = np.array([[1.0, 5.0, -2.0], [0.5, 1.0, 7.0], [1.0, -1.0, 2.0]])
    report = _check(X, g, mask=CAUSAL, function="log_softmax")
    assert report.passed, report.verdict
    # g - y Σg over the unmasked entries only; masked entries 0.
    y = scipy_softmax(np.where(CAUSAL, X, -np.inf), axis=1)
    gk = np.where(CAUSAL, g, 0.0)
    expected = np.where(CAUSAL, gk - y * gk.sum(axis=1, keepdims=True), 0.0)
    np.testing.assert_allclose(report.analytic, expected, atol=1e-12)
    np.testing.assert_allclose(report.numeric, expected, atol=1e-8)
    np.testing.assert_array_equal(report.where, CAUSAL)


@pytest.mark.parametrize("function", ["softmax", "log_softmax"])
def test_a_masked_stale_counter_still_fails(function: str) -> None:
    g = np.eye(3)
    assert not _check(X, g, "stale_counter", mask=CAUSAL, function=function).passed


def test_masked_cross_entropy_is_the_mean_over_the_unmasked_classes() -> None:
    target = np.eye(3)
    kw = {"mask": CAUSAL, "function": "cross_entropy", "target": target}
    report = _check(X, None, **kw)
    assert report.passed, report.verdict
    y = scipy_softmax(np.where(CAUSAL, X, -np.inf), axis=1)
    np.testing.assert_allclose(report.analytic, (y - target) / 3, atol=1e-12)
    assert not _check(X, None, "missing_mean", **kw).passed


@pytest.mark.parametrize("mode", MODES)
def test_a_fully_masked_slice_takes_no_part_in_every_mode(mode: str) -> None:
    # The panel's target is all zeros in a fully masked slice. Sliced mode
    # used to be refused here: the core's sliced mean divided by every slice.
    mask = np.array([[False, False], [True, True]])
    x = np.array([[5.0, 6.0], [1.0, 2.0]])
    target = np.array([[0.0, 0.0], [0.0, 1.0]])
    kw = {"mask": mask, "function": "cross_entropy", "target": target}
    report = _check(x, None, mode=mode, **kw)
    assert report.passed, report.verdict
    assert report.n_counted == 1
    # One slice takes part: N = 1, gradient y - t there, 0 in the masked one.
    y = scipy_softmax([1.0, 2.0])
    np.testing.assert_allclose(report.analytic, [[0, 0], y - [0, 1]], atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 4), st.integers(2, 4), st.integers(0, 2**32 - 1))
def test_correct_entries_pass_under_any_mask(rows: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, n))
    g = rng.standard_normal((rows, n))
    mask = rng.random((rows, n)) < 0.7
    for function in ("softmax", "log_softmax"):
        for name in ("vectorized", "per_slice_loop"):
            report = _check(x, g, name, mask=mask, function=function)
            assert report.passed, (function, name)
            assert np.all(report.analytic[~mask] == 0.0)
