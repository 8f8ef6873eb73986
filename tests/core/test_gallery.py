"""The bug gallery: each entry is right or wrong in exactly the way it claims."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softmax_core import (
    FUNCTIONS,
    IMPLEMENTATIONS,
    GalleryEntry,
    cross_entropy,
    cross_entropy_grad,
    gradcheck,
    implementations_for,
    log_softmax,
    log_softmax_vjp,
    slice_jacobians,
    softmax,
    softmax_vjp,
)
from softmax_core.gallery import Variant
from tests.strategies import axes_for, moved_slices, shapes, unmoved_slices

# name -> the functions it applies to, in teaching order (the list).
APPLIES = {
    "vectorized": ("softmax", "log_softmax", "cross_entropy"),
    "per_slice_loop": ("softmax", "log_softmax"),
    "stale_counter": ("softmax", "log_softmax"),
    "missing_diagonal": ("softmax",),
    "wrong_axis": ("softmax", "log_softmax"),
    "unshifted_exp": ("softmax", "log_softmax"),
    "transposed_jacobian": ("softmax", "log_softmax"),
    "double_softmax": ("cross_entropy",),
    "missing_mean": ("cross_entropy",),
    "log_of_softmax": ("log_softmax", "cross_entropy"),
}
ORDER = list(APPLIES)
# (name, function) pairs whose backward pass is right.
CORRECT = [
    ("vectorized", "softmax"),
    ("vectorized", "log_softmax"),
    ("vectorized", "cross_entropy"),
    ("per_slice_loop", "softmax"),
    ("per_slice_loop", "log_softmax"),
    ("transposed_jacobian", "softmax"),
]
PAIRS = [(name, f) for name, functions in APPLIES.items() for f in functions]
BUGS = [pair for pair in PAIRS if pair not in CORRECT]
MODES = ["sliced", "elementwise", "directional"]
FEW = settings(max_examples=30, deadline=None)

CLASSIC_X = np.array([[1.0, 2.0], [3.0, 4.0]])
CLASSIC_G = np.array([[1.0, 0.0], [0.0, 1.0]])


def example(entry: GalleryEntry) -> tuple[np.ndarray, np.ndarray]:
    return np.array(entry.x, dtype=float), np.array(entry.upstream, dtype=float)


def check_example(v: Variant, name: str, mode: str = "sliced"):
    """gradcheck on a variant's own documented example."""
    return gradcheck(
        v.x, v.upstream, v.axis, function=v.function, target=v.target,
        reduction=v.reduction, implementation=name, mode=mode,
    )


# --- the registry ---------------------------------------------------------------


def test_registry_order_functions_and_flags() -> None:
    assert list(IMPLEMENTATIONS) == ORDER
    assert [
        (n, v.function) for n, e in IMPLEMENTATIONS.items() for v in e.variants
        if v.correct
    ] == sorted(CORRECT, key=lambda p: (ORDER.index(p[0]), FUNCTIONS.index(p[1])))
    for name, entry in IMPLEMENTATIONS.items():
        assert entry.name == name
        assert entry.functions == APPLIES[name]
        assert entry.title
        assert "\n\n" not in entry.explanation  # one paragraph
        for v in entry.variants:
            assert v.symptom and "\n" not in v.symptom
            assert v.symptom.startswith("PASS" if v.correct else "FAIL")
            assert callable(v.forward) and callable(v.backward)
            if v.function == "cross_entropy":
                assert v.target is not None and v.reduction == "mean"
                assert np.shape(v.upstream) == ()
            else:
                assert v.target is None
                assert np.shape(v.x) == np.shape(v.upstream)


def test_entry_attributes_are_its_first_variants() -> None:
    # What callers written before log-softmax and cross-entropy read.
    for entry in IMPLEMENTATIONS.values():
        first = entry.variants[0]
        assert (entry.correct, entry.symptom, entry.x, entry.axis, entry.upstream) == (
            first.correct, first.symptom, first.x, first.axis, first.upstream
        )
        assert entry.forward == first.forward and entry.backward == first.backward
    assert IMPLEMENTATIONS["stale_counter"].variant("softmax") is (
        IMPLEMENTATIONS["stale_counter"].variants[0]
    )


def test_asking_for_a_function_an_entry_lacks_names_the_ones_it_has() -> None:
    with pytest.raises(ValueError, match="'missing_diagonal' has no cross_entropy "
                       "version; it applies to softmax"):
        IMPLEMENTATIONS["missing_diagonal"].variant("cross_entropy")


def test_implementations_for_each_function() -> None:
    for function in FUNCTIONS:
        expected = [n for n in ORDER if function in APPLIES[n]]
        assert list(implementations_for(function)) == expected
    with pytest.raises(ValueError, match="function must be one of"):
        implementations_for("sigmoid")


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        IMPLEMENTATIONS["mine"] = IMPLEMENTATIONS["vectorized"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        IMPLEMENTATIONS["vectorized"].title = "mine"
    with pytest.raises(dataclasses.FrozenInstanceError):
        IMPLEMENTATIONS["vectorized"].variants[0].correct = False


@pytest.mark.parametrize(("name", "function"), CORRECT)
@pytest.mark.parametrize("mode", MODES)
def test_correct_variants_pass_their_example(name: str, function: str, mode: str):
    report = check_example(IMPLEMENTATIONS[name].variant(function), name, mode)
    assert report.passed, report.verdict
    assert report.verdict.startswith("PASS")
    assert report.function == function


@pytest.mark.parametrize(("name", "function"), BUGS)
@pytest.mark.parametrize("mode", MODES)
def test_each_bug_fails_its_documented_example(name: str, function: str, mode: str):
    report = check_example(IMPLEMENTATIONS[name].variant(function), name, mode)
    assert not report.passed
    assert report.verdict.startswith("FAIL")


SOFTMAX_LIKE_BUGS = [p for p in BUGS if p[1] != "cross_entropy"]


@pytest.mark.parametrize(("name", "function"), SOFTMAX_LIKE_BUGS)
@pytest.mark.parametrize(
    ("shape", "axis"),
    [((3, 4), 1), ((3, 4), 0), ((2, 3, 4), (0, 2)), ((2, 3, 2, 2), -1), ((5,), None)],
)
def test_bugs_fail_on_random_inputs(
    name: str, function: str, shape: tuple[int, ...], axis: int | tuple[int, ...] | None
) -> None:
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape)
    if name == "unshifted_exp":
        x += 1000.0  # on small logits its gradient is right (tested below)
    if name == "log_of_softmax":
        x[(0,) * x.ndim] -= 800.0  # on small logits it is right (tested below)
    g = rng.standard_normal(shape)
    report = gradcheck(x, g, axis, function=function, implementation=name)
    if name == "stale_counter" and axis is None:
        # One slice only: the first slice's upstream is the right one.
        assert report.passed, report.verdict
        return
    assert not report.passed, report.verdict
    if name not in ("unshifted_exp", "log_of_softmax"):
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
    for name, function in CORRECT:
        if function != "softmax":
            continue
        got = IMPLEMENTATIONS[name].variant("softmax").backward(x, g, axis)
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


REFERENCE_FORWARD = {"softmax": softmax, "log_softmax": log_softmax}


@pytest.mark.parametrize(("name", "function"), PAIRS)
def test_variants_accept_int_tuple_and_none_axes(name: str, function: str) -> None:
    x = np.arange(24.0).reshape(2, 3, 4) / 10
    g = np.cos(np.arange(24.0)).reshape(2, 3, 4)
    v = IMPLEMENTATIONS[name].variant(function)
    for axis in (-1, 0, (0, 2), (2, 0), None):
        if function == "cross_entropy":
            n = moved_slices(x, axis).shape[-1]
            t = unmoved_slices(np.eye(n)[np.zeros(moved_slices(x, axis).shape[:-1],
                                                  int)], x.shape, axis)
            np.testing.assert_allclose(
                v.forward(x, t, axis, "mean"), cross_entropy(x, t, axis), rtol=1e-12
            )
            assert v.backward(x, t, axis, "mean", np.array(1.0)).shape == x.shape
            continue
        np.testing.assert_allclose(
            v.forward(x, axis), REFERENCE_FORWARD[function](x, axis), rtol=1e-12
        )
        assert v.backward(x, g, axis).shape == x.shape


# --- log-softmax variants ------------------------------------------------------


def log_softmax_reference(x: np.ndarray, g: np.ndarray, axis: AxisArg) -> np.ndarray:
    """Jᵀg per slice with J = I - 1yᵀ built here, in the slice layout."""
    ys, gs = moved_slices(softmax(x, axis), axis), moved_slices(g, axis)
    n = ys.shape[-1]
    jac = np.eye(n) - ys[..., None, :]
    return np.einsum("...i,...ij->...j", gs, jac)


@FEW
@given(random_case())
def test_correct_log_softmax_backwards_equal_the_jacobian_product(
    case: tuple[np.ndarray, np.ndarray, AxisArg],
) -> None:
    x, g, axis = case
    expected = log_softmax_reference(x, g, axis)
    for name in ("vectorized", "per_slice_loop"):
        got = IMPLEMENTATIONS[name].variant("log_softmax").backward(x, g, axis)
        np.testing.assert_allclose(moved_slices(got, axis), expected, atol=1e-13)


@FEW
@given(random_case())
def test_log_softmax_stale_counter_uses_the_first_slices_upstream(
    case: tuple[np.ndarray, np.ndarray, AxisArg],
) -> None:
    x, g, axis = case
    first = moved_slices(g, axis).reshape(-1, moved_slices(g, axis).shape[-1])[0]
    same = unmoved_slices(np.broadcast_to(first, moved_slices(g, axis).shape),
                          x.shape, axis)
    got = IMPLEMENTATIONS["stale_counter"].variant("log_softmax").backward(x, g, axis)
    np.testing.assert_allclose(got, log_softmax_vjp(log_softmax(x, axis), same, axis),
                               atol=1e-13)


@FEW
@given(random_case())
def test_log_softmax_transposed_jacobian_computes_j_times_g(
    case: tuple[np.ndarray, np.ndarray, AxisArg],
) -> None:
    x, g, axis = case
    jac = slice_jacobians(log_softmax(x, axis), axis, function="log_softmax")
    expected = np.einsum("...ij,...j->...i", jac, moved_slices(g, axis))
    got = IMPLEMENTATIONS["transposed_jacobian"].variant("log_softmax").backward(
        x, g, axis
    )
    np.testing.assert_allclose(moved_slices(got, axis), expected, atol=1e-13)


def test_log_softmax_wrong_axis_hides_behind_a_diagonal_upstream() -> None:
    # Row sums equal column sums for g = I, so the wrong sum is the right one
    # there; the documented example uses g = [[1, 0], [1, 0]].
    v = IMPLEMENTATIONS["wrong_axis"].variant("log_softmax")
    assert gradcheck(CLASSIC_X, CLASSIC_G, 1, function="log_softmax",
                     implementation="wrong_axis").passed
    assert v.upstream == [[1.0, 0.0], [1.0, 0.0]]
    assert not check_example(v, "wrong_axis").passed


@pytest.mark.parametrize("function", ["log_softmax", "cross_entropy"])
def test_log_of_softmax_is_right_until_a_probability_underflows(function: str):
    v = IMPLEMENTATIONS["log_of_softmax"].variant(function)
    rng = np.random.default_rng(3)
    x = rng.normal(0, 3, (3, 4))
    kw = {"function": function, "implementation": "log_of_softmax"}
    if function == "cross_entropy":
        kw["target"] = [0, 1, 3]
        small = gradcheck(x, 1.0, **kw)
    else:
        small = gradcheck(x, rng.standard_normal((3, 4)), **kw)
    assert small.passed, small.verdict
    report = check_example(v, "log_of_softmax")
    assert "non-finite" in report.verdict
    # The core's version is finite on the same logits.
    assert np.isfinite(log_softmax(v.x, v.axis)).all()
    with np.errstate(divide="ignore"):
        assert np.log(softmax(v.x, v.axis))[1, 0] == -np.inf


# --- cross-entropy variants ----------------------------------------------------


def test_missing_mean_is_n_times_too_large_and_right_for_the_sum() -> None:
    v = IMPLEMENTATIONS["missing_mean"].variant("cross_entropy")
    t = np.eye(2)[[1, 0]]
    got = v.backward(CLASSIC_X, t, 1, "mean", np.array(1.0))
    np.testing.assert_allclose(got, 2 * cross_entropy_grad(CLASSIC_X, t, 1),
                               rtol=1e-15)
    # ‖2a − a‖ / (‖2a‖ + ‖a‖) = 1/3, in every mode (sliced reduces by itself).
    for mode in MODES:
        report = check_example(v, "missing_mean", mode)
        assert report.norm_rel_error == pytest.approx(1 / 3, rel=1e-6)
    for reduction, upstream in (("sum", 1.5), ("none", [1.0, -2.0])):
        assert gradcheck(CLASSIC_X, upstream, 1, function="cross_entropy",
                         target=[1, 0], reduction=reduction,
                         implementation="missing_mean").passed


def test_double_softmax_backpropagates_through_the_extra_softmax() -> None:
    # Its gradient is softmax's VJP of the cross-entropy gradient at p =
    # softmax(x), computed here by hand: p, then softmax(p) - t over N = 2.
    v = IMPLEMENTATIONS["double_softmax"].variant("cross_entropy")
    t = np.eye(2)[[1, 0]]
    p = softmax(CLASSIC_X, 1)
    g_p = (softmax(p, 1) - t) / 2
    expected = p * (g_p - np.sum(g_p * p, axis=1, keepdims=True))
    got = v.backward(CLASSIC_X, t, 1, "mean", np.array(1.0))
    np.testing.assert_allclose(got, expected, rtol=1e-14)
    np.testing.assert_allclose(got, softmax_vjp(p, g_p, 1), rtol=1e-14)
    right = cross_entropy_grad(CLASSIC_X, t, 1)
    assert np.linalg.norm(got) < 0.4 * np.linalg.norm(right)  # too small
    report = check_example(v, "double_softmax")
    assert report.norm_rel_error == pytest.approx(0.47, abs=0.005)
    # Its loss is the cross-entropy of the logits: the check's truth.
    np.testing.assert_allclose(report.numeric, right, rtol=1e-8)


@FEW
@given(random_case(), st.sampled_from(["mean", "sum"]))
def test_double_softmax_fails_on_random_inputs(
    case: tuple[np.ndarray, np.ndarray, AxisArg], reduction: str
) -> None:
    x, _, axis = case
    n = moved_slices(x, axis).shape[-1]
    if n < 2:
        return  # one class: every gradient is 0
    rng = np.random.default_rng(0)
    target = rng.integers(0, n, moved_slices(x, axis).shape[:-1])
    report = gradcheck(x, 1.0, axis, function="cross_entropy", target=target,
                       reduction=reduction, implementation="double_softmax")
    assert not report.passed, report.verdict
