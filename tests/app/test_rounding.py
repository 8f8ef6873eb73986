"""softmax_app.rounding: zero up to rounding, and what gradcheck errors then mean."""

from __future__ import annotations

import numpy as np
import pytest

import softmax_core as sc
from softmax_app import rounding
from softmax_app.inputs import RandomSpec

CASES = [
    # (shape, axes, seed, scale, temperature)
    ((2, 3, 4), (1,), 7, 1.0, 1.0),
    ((50, 60), (1,), 0, 5.0, 1.0),
    ((64, 64), (0,), 1, 30.0, 0.5),
    ((3, 4, 5), (0, 2), 2, 2.0, 3.0),
]


@pytest.mark.parametrize(("shape", "axes", "seed", "scale", "t"), CASES)
def test_constant_g_gradients_are_noise_below_the_tolerance(
    shape, axes, seed, scale, t
):
    # g constant along each slice: the true gradient is exactly 0.
    x = RandomSpec(shape, seed, scale).generate()
    g = np.full(shape, 2.5)
    y = sc.softmax(x, axes, temperature=t)
    dx = sc.softmax_vjp(y, g, axes, temperature=t)
    assert np.max(np.abs(dx)) <= rounding.vjp_zero_tol(g, t)
    for mode in ("sliced", "elementwise", "directional"):
        if mode == "elementwise" and x.size > 1000:
            continue
        report = sc.gradcheck(x, g, axes, mode=mode, temperature=t)
        assert rounding.gradients_are_zero(report, g), mode


@pytest.mark.parametrize(("shape", "axes", "seed", "scale", "t"), CASES)
def test_real_gradients_are_not_zero(shape, axes, seed, scale, t):
    x = RandomSpec(shape, seed, min(scale, 3.0)).generate()
    g = np.random.default_rng(seed).standard_normal(shape)
    for mode in ("sliced", "directional"):
        report = sc.gradcheck(x, g, axes, mode=mode, temperature=t)
        assert not rounding.gradients_are_zero(report, g), mode


def test_gradcheck_with_ones_reads_not_meaningful_not_wrong_regression():
    # With g = ones the page showed PASS beside "norm relative error ... reads
    # as: wrong": both gradients are noise, and their ratio means nothing.
    x = RandomSpec((2, 3, 4), seed=7).generate()
    g = np.ones_like(x)
    report = sc.gradcheck(x, g, 1)
    assert report.passed
    readings = rounding.read_errors(report, g)
    assert [r.label for r in readings] == ["max relative error", "norm relative error"]
    assert all(r.reading == rounding.NOT_MEANINGFUL for r in readings)
    assert not any("wrong" in r.reading for r in readings)


def test_a_backward_pass_returning_zeros_is_still_wrong():
    # Analytic zero but numeric not: the errors are meaningful, and large.
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = np.eye(2)
    report = sc.gradcheck(x, g, 1)
    zeroed = type(report)(**{**report.__dict__, "analytic": np.zeros_like(x)})
    assert not rounding.gradients_are_zero(zeroed, g)


def test_correct_check_reads_fine():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = np.eye(2)
    readings = rounding.read_errors(sc.gradcheck(x, g, 1), g)
    assert [r.reading for r in readings] == ["fine", "fine"]


def test_non_finite_gradients_are_not_zero():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = np.eye(2)
    report = sc.gradcheck(x, g, 1)
    broken = type(report)(
        **{**report.__dict__, "analytic": np.array([[np.nan, 0.0], [0.0, 0.0]])}
    )
    assert not rounding.gradients_are_zero(broken, g)


def test_snap_to_zero_touches_only_noise_within_the_tolerance():
    a = np.array([5e-17, -1e-16, 0.25, np.nan, -np.inf, 0.0, 2e-14])
    snapped, count = rounding.snap_to_zero(a, 1.4e-14)
    np.testing.assert_array_equal(
        snapped, [0.0, 0.0, 0.25, np.nan, -np.inf, 0.0, 2e-14]
    )
    assert count == 2
    same, none = rounding.snap_to_zero(a, 0.0)  # no tolerance: nothing changes
    np.testing.assert_array_equal(same, a)
    assert none == 0
