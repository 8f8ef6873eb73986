"""The bug gallery: each entry is right or wrong in exactly the way it claims."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softmax_core import (
    IMPLEMENTATIONS,
    GalleryEntry,
    gradcheck,
    log_softmax,
    log_softmax_vjp,
    softmax,
    softmax_vjp,
)
from tests.strategies import axes_for, moved_slices, shapes

ORDER = [
    "vectorized",
    "per_slice_loop",
    "stale_counter",
    "missing_diagonal",
    "wrong_axis",
    "unshifted_exp",
    "transposed_jacobian",
]
CORRECT = ["vectorized", "per_slice_loop", "transposed_jacobian"]
BUGS = [name for name in ORDER if name not in CORRECT]
MODES = ["sliced", "elementwise", "directional"]
FEW = settings(max_examples=30, deadline=None)

CLASSIC_X = np.array([[1.0, 2.0], [3.0, 4.0]])
CLASSIC_G = np.array([[1.0, 0.0], [0.0, 1.0]])


def example(entry: GalleryEntry) -> tuple[np.ndarray, np.ndarray]:
    return np.array(entry.x, dtype=float), np.array(entry.upstream, dtype=float)


# --- the registry ---------------------------------------------------------------


def test_registry_order_and_flags() -> None:
    assert list(IMPLEMENTATIONS) == ORDER
    assert [n for n, e in IMPLEMENTATIONS.items() if e.correct] == CORRECT
    for name, entry in IMPLEMENTATIONS.items():
        assert entry.name == name
        assert entry.title and entry.symptom
        assert "\n" not in entry.symptom
        assert "\n\n" not in entry.explanation  # one paragraph
        x, g = example(entry)
        assert x.shape == g.shape
        assert callable(entry.forward) and callable(entry.backward)


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        IMPLEMENTATIONS["mine"] = IMPLEMENTATIONS["vectorized"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        IMPLEMENTATIONS["vectorized"].correct = False


@pytest.mark.parametrize("name", CORRECT)
@pytest.mark.parametrize("mode", MODES)
def test_correct_entries_pass_their_example(name: str, mode: str) -> None:
    entry = IMPLEMENTATIONS[name]
    x, g = example(entry)
    report = gradcheck(x, g, entry.axis, implementation=name, mode=mode)
    assert report.passed, report.verdict
    assert report.verdict.startswith("PASS")


@pytest.mark.parametrize("name", BUGS)
@pytest.mark.parametrize("mode", MODES)
def test_each_bug_fails_its_documented_example(name: str, mode: str) -> None:
    entry = IMPLEMENTATIONS[name]
    x, g = example(entry)
    report = gradcheck(x, g, entry.axis, implementation=name, mode=mode)
    assert not report.passed
    assert report.verdict.startswith("FAIL")


@pytest.mark.parametrize("name", BUGS)
@pytest.mark.parametrize(
    ("shape", "axis"),
    [((3, 4), 1), ((3, 4), 0), ((2, 3, 4), (0, 2)), ((2, 3, 2, 2), -1), ((5,), None)],
)
def test_bugs_fail_on_random_inputs(
    name: str, shape: tuple[int, ...], axis: int | tuple[int, ...] | None
) -> None:
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape)
    if name == "unshifted_exp":
        x += 1000.0  # on small logits its gradient is right (tested below)
    g = rng.standard_normal(shape)
    report = gradcheck(x, g, axis, implementation=name)
    if name == "stale_counter" and axis is None:
        # One slice only: the first slice's upstream is the right one.
        assert report.passed, report.verdict
        return
    assert not report.passed, report.verdict
    if name != "unshifted_exp":
        assert report.norm_rel_error > 0.1


# --- implementations against independent references ---------------------------


AxisArg = int | tuple[int, ...] | None


def vjp_reference(
    x: np.ndarray, g: np.ndarray, axis: AxisArg
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Jᵀg per slice from the closed-form Jacobian; also the slices and Jacobians."""
    y = softmax(x, axis)
    ys, gs = moved_slices(y, axis), moved_slices(g, axis)
    jac = np.einsum("...i,ij->...ij", ys, np.eye(ys.shape[-1])) - (
        ys[..., :, None] * ys[..., None, :]
    )
    out = np.einsum("...i,...ij->...j", gs, jac)
    return out, ys, gs, jac


@st.composite
def random_case(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, AxisArg]:
    shape = draw(shapes(max_side=3))
    axis = draw(axes_for(shape))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.normal(0, 3, shape), rng.standard_normal(shape), axis


@FEW
@given(random_case())
def test_correct_backwards_equal_the_jacobian_product(
    case: tuple[np.ndarray, np.ndarray, AxisArg],
) -> None:
    x, g, axis = case
    expected, *_ = vjp_reference(x, g, axis)
    for name in CORRECT:
        got = IMPLEMENTATIONS[name].backward(x, g, axis)
        assert got.shape == x.shape
        np.testing.assert_allclose(moved_slices(got, axis), expected, atol=1e-14)


@FEW
@given(random_case())
def test_stale_counter_uses_the_first_slices_upstream_everywhere(
    case: tuple[np.ndarray, np.ndarray, AxisArg],
) -> None:
    # The exact signature of the lost increment: slice s gets J_sᵀ g_0.
    x, g, axis = case
    _, ys, gs, jac = vjp_reference(x, g, axis)
    first = gs.reshape(-1, gs.shape[-1])[0]
    expected = np.einsum("i,...ij->...j", first, jac)
    got = IMPLEMENTATIONS["stale_counter"].backward(x, g, axis)
    np.testing.assert_allclose(moved_slices(got, axis), expected, atol=1e-14)


@FEW
@given(random_case())
def test_missing_diagonal_lacks_exactly_y_times_g(
    case: tuple[np.ndarray, np.ndarray, AxisArg],
) -> None:
    x, g, axis = case
    y = softmax(x, axis)
    got = IMPLEMENTATIONS["missing_diagonal"].backward(x, g, axis)
    correct = softmax_vjp(y, g, axis)
    np.testing.assert_allclose(got, correct - y * g, atol=1e-14)


def test_stale_counter_classic_numbers() -> None:
    # By hand: the correct gradient is ±s with s = σ(1)σ(−1) = e/(1+e)² ≈ 0.19661193
    # per slice. The stale counter gives slice 1 the first slice's g = [1, 0],
    # so its row is [s, −s] instead of [−s, s]: |a − n| = 2s on 2 of 4 entries,
    # ‖a − n‖ = 2√2 s, ‖a‖ + ‖n‖ = 2s + 2s, ratio 1/√2; max rel error 2s/s = 2.
    s = math.e / (1 + math.e) ** 2
    report = gradcheck(CLASSIC_X, CLASSIC_G, 1, implementation="stale_counter")
    assert report.norm_rel_error >= 0.5
    assert report.norm_rel_error == pytest.approx(1 / math.sqrt(2), rel=1e-9)
    assert report.max_rel_error == pytest.approx(2.0, rel=1e-9)
    np.testing.assert_allclose(report.analytic, [[s, -s], [s, -s]], rtol=1e-12)
    np.testing.assert_allclose(report.slice_max_error, [0.0, 2 * s], atol=1e-9)


def test_all_ones_upstream_is_exactly_zero_and_hides_the_stale_counter() -> None:
    # The second lesson: each Jacobian row sums to 0, so the correct gradient for
    # an all-ones upstream is zero; the stale counter gives every slice the same
    # (all-ones) upstream, which is what it should get, so it is zero too.
    ones = np.ones((2, 2))
    right = IMPLEMENTATIONS["vectorized"].backward(CLASSIC_X, ones, 1)
    stale = IMPLEMENTATIONS["stale_counter"].backward(CLASSIC_X, ones, 1)
    np.testing.assert_array_equal(right, np.zeros((2, 2)))
    np.testing.assert_allclose(stale, np.zeros((2, 2)), atol=1e-16)
    report = gradcheck(CLASSIC_X, ones, 1, implementation="stale_counter")
    assert report.passed  # the bug looks right here
    assert "gradient is zero" in report.verdict
    assert not gradcheck(CLASSIC_X, CLASSIC_G, 1, implementation="stale_counter").passed


def test_wrong_axis_is_wrong_for_1d_and_coincides_for_one_element() -> None:
    x, g = np.array([1.0, 2.0, 3.0]), np.array([1.0, 0.0, -1.0])
    assert not gradcheck(x, g, implementation="wrong_axis").passed
    one = np.array([[2.0]])
    report = gradcheck(one, np.array([[3.0]]), 1, implementation="wrong_axis")
    assert report.passed  # the accident the explanation mentions


def test_unshifted_exp_is_right_on_small_logits_and_nan_on_large() -> None:
    rng = np.random.default_rng(7)
    x, g = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    assert gradcheck(x, g, implementation="unshifted_exp").passed
    entry = IMPLEMENTATIONS["unshifted_exp"]
    big, up = example(entry)
    # Outside gradcheck NumPy complains, as it would in the learner's own code.
    with np.errstate(invalid="ignore"), pytest.warns(RuntimeWarning, match="overflow"):
        y = entry.forward(big, entry.axis)
    assert np.isnan(y).all()
    # The core's shifted softmax is fine on the same logits.
    np.testing.assert_allclose(softmax(big, entry.axis).sum(), 1.0)
    report = gradcheck(big, up, entry.axis, implementation="unshifted_exp")
    assert not report.passed
    assert "non-finite" in report.verdict


def test_transposition_matters_once_the_jacobian_is_not_symmetric() -> None:
    # The transposed_jacobian lesson, for log-softmax: J = I - 1 yᵀ (entry [i, j]
    # = δ_ij - y_j) is not symmetric, so Jg differs from the true gradient Jᵀg.
    x, g = np.array([0.5, -1.0, 2.0]), np.array([1.0, 0.0, -2.0])
    y = softmax(x)
    jac = np.eye(3) - np.outer(np.ones(3), y)
    assert not np.allclose(jac, jac.T)
    np.testing.assert_allclose(log_softmax_vjp(log_softmax(x), g), jac.T @ g)
    assert np.abs(jac @ g - jac.T @ g).max() > 0.5


@pytest.mark.parametrize("name", ORDER)
def test_entries_accept_int_tuple_and_none_axes(name: str) -> None:
    x = np.arange(24.0).reshape(2, 3, 4) / 10
    g = np.cos(np.arange(24.0)).reshape(2, 3, 4)
    entry = IMPLEMENTATIONS[name]
    for axis in (-1, 0, (0, 2), (2, 0), None):
        np.testing.assert_allclose(entry.forward(x, axis), softmax(x, axis))
        assert entry.backward(x, g, axis).shape == x.shape
