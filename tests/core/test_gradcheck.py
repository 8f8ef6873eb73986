"""gradcheck: finite differences against backward passes, in three modes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softmax_core import (
    IMPLEMENTATIONS,
    GradcheckReport,
    cross_entropy,
    cross_entropy_grad,
    gradcheck,
    log_softmax,
    log_softmax_vjp,
    slice_jacobians,
    softmax,
    softmax_vjp,
)
from tests.strategies import (
    axes_for,
    cross_entropy_cases,
    moved_slices,
    normalized,
    shapes,
    unmoved_slices,
)

AxisArg = int | tuple[int, ...] | None
MODES = ["sliced", "elementwise", "directional"]
CORRECT = [name for name, entry in IMPLEMENTATIONS.items() if entry.correct]
FEW = settings(max_examples=30, deadline=None)
BASE_STEP = np.finfo(np.float64).eps ** (1 / 3)

CLASSIC_X = np.array([[1.0, 2.0], [3.0, 4.0]])
CLASSIC_G = np.array([[1.0, 0.0], [0.0, 1.0]])


@st.composite
def cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, AxisArg, float]:
    """Random (x, upstream, axis, temperature): up to 4-D, sides up to 3."""
    shape = draw(shapes(max_side=3))
    axis = draw(axes_for(shape))
    temperature = draw(st.floats(0.1, 10.0))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.normal(0.0, 3.0, shape), rng.standard_normal(shape), axis, temperature


# --- pinned values ------------------------------------------------------------


def test_classic_example_pinned_values() -> None:
    # Closed form for a 2-element slice [a, a + 1]: softmax = [σ(−1), σ(1)] with
    # σ(−1) = 1/(1+e) ≈ 0.26894142, and the Jacobian is ±σ(1)σ(−1) = e/(1+e)²
    # ≈ 0.19661193; with g = the rows of I each slice's gradient is ±0.19661193.
    lo = 1 / (1 + math.e)
    s = math.e / (1 + math.e) ** 2
    assert lo == pytest.approx(0.26894142, abs=5e-9)
    assert s == pytest.approx(0.19661193, abs=5e-9)
    expected = np.array([[s, -s], [-s, s]])
    for mode in ("sliced", "elementwise"):
        report = gradcheck(CLASSIC_X, CLASSIC_G, 1, mode=mode)
        np.testing.assert_allclose(report.analytic, expected, rtol=1e-12)
        np.testing.assert_allclose(report.numeric, expected, rtol=1e-9)
        assert report.passed
        assert 1e-13 < report.norm_rel_error < 1e-8  # a correct VJP
    bug = gradcheck(CLASSIC_X, CLASSIC_G, 1, implementation="stale_counter")
    assert bug.norm_rel_error > 0.3
    np.testing.assert_allclose(bug.numeric, expected, rtol=1e-9)  # numeric is truth


def test_report_fields_on_the_classic_example() -> None:
    report = gradcheck(CLASSIC_X, CLASSIC_G, axis=1)
    assert isinstance(report, GradcheckReport)
    assert report.mode == "sliced"
    assert report.implementation == "vectorized"
    assert report.axes == (1,)
    assert report.temperature == 1.0
    assert (report.atol, report.rtol) == (1e-5, 1e-3)  # torch gradcheck defaults
    assert report.abs_error.shape == report.rel_error.shape == (2, 2)
    assert report.slice_max_error is not None
    assert report.slice_max_error.shape == (2,)
    assert report.max_abs_error == report.abs_error.max()
    assert report.max_rel_error == report.rel_error.max()
    assert report.verdict.startswith("PASS") and str(report) == report.verdict
    assert "\n" not in report.verdict
    with pytest.raises(AttributeError):
        report.passed = False  # type: ignore[misc]


# --- correct implementations pass, in every mode ------------------------------


@FEW
@given(cases(), st.sampled_from(CORRECT), st.sampled_from(MODES))
def test_correct_implementations_pass_on_random_inputs(
    case: tuple[np.ndarray, np.ndarray, AxisArg, float], name: str, mode: str
) -> None:
    x, g, axis, temperature = case
    report = gradcheck(
        x, g, axis, implementation=name, mode=mode, temperature=temperature
    )
    assert report.passed, report.verdict
    assert report.verdict.startswith("PASS")
    assert report.norm_rel_error < 1e-5 or report.max_abs_error < 1e-9


@FEW
@given(cases())
def test_sliced_numeric_equals_elementwise_numeric(
    case: tuple[np.ndarray, np.ndarray, AxisArg, float],
) -> None:
    x, g, axis, temperature = case
    sliced = gradcheck(x, g, axis, temperature=temperature)
    elementwise = gradcheck(x, g, axis, temperature=temperature, mode="elementwise")
    assert sliced.numeric is not None and elementwise.numeric is not None
    np.testing.assert_allclose(sliced.numeric, elementwise.numeric, atol=1e-9)


@FEW
@given(cases())
def test_numeric_jacobians_match_slice_jacobians(
    case: tuple[np.ndarray, np.ndarray, AxisArg, float],
) -> None:
    x, g, axis, temperature = case
    report = gradcheck(x, g, axis, temperature=temperature)
    exact = slice_jacobians(
        softmax(x, axis, temperature=temperature), axis, temperature=temperature
    )
    assert report.numeric_jacobians is not None
    assert report.numeric_jacobians.shape == exact.shape
    np.testing.assert_allclose(report.numeric_jacobians, exact, atol=1e-7)


@FEW
@given(cases(), st.sampled_from(["vectorized", "stale_counter", "per_slice_loop"]))
def test_batched_evaluation_equals_point_by_point(
    case: tuple[np.ndarray, np.ndarray, AxisArg, float], name: str
) -> None:
    # The gallery's forwards get all 2n points in one stacked call; any other
    # object gets them one at a time. Same numbers either way.
    x, g, axis, temperature = case
    entry = IMPLEMENTATIONS[name]

    class SameButNotTheGallery:
        def forward(self, p: np.ndarray, ax: AxisArg) -> np.ndarray:
            assert p.shape == x.shape  # really one point at a time
            return entry.forward(p, ax)

        def backward(self, p: np.ndarray, up: np.ndarray, ax: AxisArg) -> np.ndarray:
            return entry.backward(p, up, ax)

    batched = gradcheck(x, g, axis, implementation=name, temperature=temperature)
    single = gradcheck(
        x, g, axis, implementation=SameButNotTheGallery(), temperature=temperature
    )
    assert batched.numeric is not None and single.numeric is not None
    np.testing.assert_allclose(batched.numeric, single.numeric, rtol=1e-9, atol=1e-9)
    if single.numeric_jacobians is not None:
        assert batched.numeric_jacobians is not None
        np.testing.assert_allclose(
            batched.numeric_jacobians, single.numeric_jacobians, rtol=1e-9, atol=1e-9
        )
    assert batched.passed == single.passed
    assert batched.n_evaluations == single.n_evaluations


@FEW
@given(cases())
def test_evaluation_counts(case: tuple[np.ndarray, np.ndarray, AxisArg, float]) -> None:
    x, g, axis, _ = case
    n = moved_slices(x, axis).shape[-1]
    assert gradcheck(x, g, axis).n_evaluations == 2 * n
    assert gradcheck(x, g, axis, mode="elementwise").n_evaluations == 2 * x.size
    directional = gradcheck(x, g, axis, mode="directional", n_directions=4)
    assert directional.n_evaluations == 8


# --- the bugs fail ------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_bug_scores_on_random_input(mode: str) -> None:
    rng = np.random.default_rng(3)
    x, g = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    good = gradcheck(x, g, mode=mode)
    assert 1e-13 < good.norm_rel_error < 1e-8
    for name in ("stale_counter", "missing_diagonal", "wrong_axis"):
        report = gradcheck(x, g, implementation=name, mode=mode)
        assert not report.passed
        assert report.norm_rel_error > 0.3, name
        assert report.verdict.startswith("FAIL") and "wrong" in report.verdict


def test_non_finite_values_fail_with_a_clear_verdict() -> None:
    x = [[1000.0, 1001.0, 1002.0]]
    for mode in MODES:
        report = gradcheck(
            x, [[1.0, 0.0, 0.0]], implementation="unshifted_exp", mode=mode
        )
        assert not report.passed
        assert report.verdict.startswith("FAIL: non-finite values")
        assert math.isnan(report.max_abs_error)


def test_stale_counter_worst_slice_is_named() -> None:
    x = np.arange(12.0).reshape(4, 3) / 4
    g = np.eye(4, 3)
    report = gradcheck(x, g, 1, implementation="stale_counter")
    assert report.slice_max_error is not None
    assert report.slice_max_error[0] < 1e-9  # the first slice is right
    assert (report.slice_max_error[1:] > 0.01).all()


# --- steps --------------------------------------------------------------------


def test_divides_by_the_realised_step() -> None:
    # Logits near 1e9 are spaced 2**-23 ≈ 1.2e-7 apart; h ≈ 6.06e-6 is about 50.8
    # of those, so x ± h rounds and the realised (x + h) - (x - h) differs from
    # 2h by about 0.4 %, more than rtol. Dividing by it keeps the check exact.
    x = np.array([[1e9, 1e9 + 1.0, 1e9 + 2.0]])
    g = np.array([[1.0, -2.0, 0.5]])
    for mode in ("sliced", "elementwise"):
        report = gradcheck(x, g, 1, mode=mode)
        realised = (x + report.step) - (x - report.step)
        assert np.abs(realised / (2 * report.step) - 1).max() > 2e-3
        assert report.passed, report.verdict
        assert report.max_rel_error < 1e-8
        assert report.numeric is not None
        naive = report.numeric * realised / (2 * report.step)
        assert not np.allclose(naive, report.analytic, atol=1e-5, rtol=1e-3)


def test_step_follows_the_slice_max_not_the_logits() -> None:
    # h = eps · max(1, |x - max(slice)|): softmax only sees differences, so a
    # slice near 1e8 gets the same steps as one near 0 (torch's eps·|x| would
    # be ≈ 600 there and fail a correct backward pass).
    x = np.array([[1e8, 1e8 + 3.0, 1e8 + 1.0], [0.0, 3.0, 1.0]])
    report = gradcheck(x, np.cos(x), 1)
    np.testing.assert_array_equal(report.step[0], report.step[1])
    np.testing.assert_allclose(report.step[1], BASE_STEP * np.array([3.0, 1.0, 2.0]))
    assert report.passed
    custom = gradcheck(x, np.cos(x), 1, eps=1e-4)
    np.testing.assert_allclose(custom.step[1], 1e-4 * np.array([3.0, 1.0, 2.0]))
    assert custom.passed


def test_huge_logits_keep_a_nonzero_step() -> None:
    x = np.array([1e12, 1e12 + 1.0])
    report = gradcheck(x, np.array([1.0, 0.0]))
    assert ((x + report.step) - (x - report.step) > 0).all()
    assert report.passed


# --- modes --------------------------------------------------------------------


def test_directional_mode_reports_per_direction() -> None:
    rng = np.random.default_rng(0)
    x, g = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    report = gradcheck(x, g, mode="directional", n_directions=5)
    assert report.numeric is None and report.numeric_jacobians is None
    assert report.slice_max_error is None
    assert report.abs_error.shape == report.rel_error.shape == (5,)
    assert report.directional_analytic is not None
    assert report.directional_numeric is not None
    # The directional numbers are wᵀ∇L for w ≈ max(1, |x - max|) ⊙ u: check them
    # against the exact VJP with the same seeded directions.
    u = np.random.default_rng(0).standard_normal((5, 3, 4))
    w = ((x + report.step * u) - (x - report.step * u)) / (2 * BASE_STEP)
    exact = np.einsum("dij,ij->d", w, softmax_vjp(softmax(x), g))
    np.testing.assert_allclose(report.directional_numeric, exact, rtol=1e-7)
    again = gradcheck(x, g, mode="directional", n_directions=5)
    np.testing.assert_array_equal(again.directional_numeric, report.directional_numeric)
    other = gradcheck(x, g, mode="directional", n_directions=5, seed=1)
    assert not np.allclose(other.directional_numeric, report.directional_numeric)


def test_sliced_mode_assumes_a_per_slice_forward() -> None:
    # A forward that normalises over *all* axes while checked with axis=1 mixes
    # slices: sliced mode (documented assumption) is fooled, elementwise is not.
    class WholeArray:
        def forward(self, x: np.ndarray, axis: AxisArg) -> np.ndarray:
            return softmax(x, None)

        def backward(self, x: np.ndarray, up: np.ndarray, axis: AxisArg) -> np.ndarray:
            return softmax_vjp(softmax(x, None), up, None)

    x = np.array([[0.1, 0.5], [0.3, -0.2]])
    g = np.array([[1.0, 0.0], [0.0, 2.0]])
    assert gradcheck(x, g, 1, implementation=WholeArray(), mode="elementwise").passed
    assert not gradcheck(x, g, 1, implementation=WholeArray(), mode="sliced").passed


# --- implementations, dtypes, temperature -------------------------------------


def test_user_defined_objects() -> None:
    class MyVJP:
        def forward(self, x: np.ndarray, axis: AxisArg) -> np.ndarray:
            e = np.exp(x - x.max(axis=axis, keepdims=True))
            return e / e.sum(axis=axis, keepdims=True)

        def backward(self, x: np.ndarray, up: np.ndarray, axis: AxisArg) -> np.ndarray:
            y = self.forward(x, axis)
            return y * (up - (up * y).sum(axis=axis, keepdims=True))

    class Forgetful(MyVJP):
        def backward(self, x: np.ndarray, up: np.ndarray, axis: AxisArg) -> np.ndarray:
            return self.forward(x, axis) * up  # forgot the <g, y> term

    rng = np.random.default_rng(5)
    x, g = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    report = gradcheck(x, g, 0, implementation=MyVJP(), temperature=2.0)
    assert report.passed and report.implementation == "MyVJP"
    bad = gradcheck(x, g, 0, implementation=Forgetful())
    assert not bad.passed and bad.implementation == "Forgetful"
    # A gallery entry can be passed as an object too.
    entry = IMPLEMENTATIONS["stale_counter"]
    assert gradcheck(CLASSIC_X, CLASSIC_G, 1, implementation=entry).implementation == (
        "stale_counter"
    )


def test_temperature_wraps_the_implementation() -> None:
    # gradient of sum(g · softmax(x / T)) is (1/T) · backward(x / T): compare with
    # the core's temperature-aware VJP.
    rng = np.random.default_rng(11)
    x, g = rng.standard_normal((2, 5)), rng.standard_normal((2, 5))
    report = gradcheck(x, g, temperature=0.25, implementation="per_slice_loop")
    expected = softmax_vjp(softmax(x, temperature=0.25), g, temperature=0.25)
    np.testing.assert_allclose(report.analytic, expected, rtol=1e-12)
    assert report.passed and report.temperature == 0.25


@pytest.mark.parametrize(
    ("dtype", "tol"), [(np.float32, 2e-3), (np.float16, 1e-2), (np.int64, 1e-5)]
)
def test_dtypes_get_their_own_tolerances(dtype: type, tol: float) -> None:
    x = (np.arange(12).reshape(3, 4) % 5).astype(dtype)
    g = np.linspace(-1, 1, 12).reshape(3, 4)
    report = gradcheck(x, g, 1)
    assert report.atol == report.rtol or dtype is np.int64
    assert report.atol == tol
    assert report.analytic.dtype == (np.float64 if dtype is np.int64 else dtype)
    assert report.numeric is not None and report.numeric.dtype == np.float64
    assert report.passed, report.verdict
    assert not gradcheck(x, g, 1, implementation="missing_diagonal").passed


def test_inputs_are_not_modified() -> None:
    x, g = CLASSIC_X.copy(), CLASSIC_G.copy()
    for mode in MODES:
        gradcheck(x, g, 1, mode=mode, temperature=3.0)
    np.testing.assert_array_equal(x, CLASSIC_X)
    np.testing.assert_array_equal(g, CLASSIC_G)


@pytest.mark.parametrize("name", ["vectorized", "per_slice_loop"])
@pytest.mark.parametrize(
    ("shape", "evaluations"), [((0, 3), 6), ((3, 0), 0), ((2, 0, 4), 8)]
)
def test_empty_array(name: str, shape: tuple[int, ...], evaluations: int) -> None:
    # Empty slices (3, 0) as well as no slices (0, 3); batched or not.
    class NotTheGallery:
        forward = staticmethod(IMPLEMENTATIONS[name].forward)
        backward = staticmethod(IMPLEMENTATIONS[name].backward)

    for implementation in (name, NotTheGallery()):
        zeros = np.zeros(shape)
        report = gradcheck(zeros, zeros, implementation=implementation)
        assert report.passed and report.n_evaluations == evaluations
        assert "nothing to compare" in report.verdict
        assert report.numeric_jacobians is not None
        assert report.numeric_jacobians.shape == shape + (shape[-1],)


def test_all_zero_gradient_is_explained() -> None:
    report = gradcheck(CLASSIC_X, np.ones((2, 2)), 1)
    assert report.passed
    assert "gradient is zero" in report.verdict


# --- errors -------------------------------------------------------------------


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="'vectorized', 'per_slice_loop'"):
        gradcheck(CLASSIC_X, CLASSIC_G, implementation="vectorised")


def test_objects_without_the_methods_are_refused() -> None:
    class OnlyForward:
        def forward(self, x: np.ndarray, axis: AxisArg) -> np.ndarray:
            return x

    with pytest.raises(TypeError, match="OnlyForward has no backward"):
        gradcheck(CLASSIC_X, CLASSIC_G, implementation=OnlyForward())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="forward or backward"):
        gradcheck(CLASSIC_X, CLASSIC_G, implementation=42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"mode": "fast"}, ValueError, "mode must be one of 'sliced'"),
        ({"temperature": 0.0}, ValueError, "temperature must be finite and > 0"),
        ({"eps": 0.0}, ValueError, "eps must be finite and > 0"),
        ({"atol": -1.0}, ValueError, "atol must be finite and >= 0"),
        ({"rtol": float("nan")}, ValueError, "rtol must be finite"),
        ({"n_directions": 0}, ValueError, "n_directions must be >= 1"),
        ({"n_directions": 2.5}, TypeError, "n_directions must be an int"),
        ({"axis": 2}, ValueError, "axis 2 is out of range"),
    ],
)
def test_bad_arguments(kwargs: dict[str, object], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        gradcheck(CLASSIC_X, CLASSIC_G, **kwargs)  # type: ignore[arg-type]


def test_shape_mismatch_names_both_shapes() -> None:
    with pytest.raises(ValueError, match=r"upstream has shape \(2, 3\).*\(2, 2\)"):
        gradcheck(CLASSIC_X, np.ones((2, 3)))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_are_refused(bad: float) -> None:
    x = CLASSIC_X.copy()
    x[0, 1] = bad
    with pytest.raises(ValueError, match="x holds NaN or inf"):
        gradcheck(x, CLASSIC_G)
    with pytest.raises(ValueError, match="upstream holds NaN or inf"):
        gradcheck(CLASSIC_X, x)


def test_wrong_output_shapes_are_reported() -> None:
    class Flat:
        def forward(self, x: np.ndarray, axis: AxisArg) -> np.ndarray:
            return softmax(x, axis)

        def backward(self, x: np.ndarray, up: np.ndarray, axis: AxisArg) -> np.ndarray:
            return softmax_vjp(softmax(x, axis), up, axis).ravel()

    with pytest.raises(ValueError, match=r"Flat.backward returned shape \(4,\)"):
        gradcheck(CLASSIC_X, CLASSIC_G, implementation=Flat())


# --- log-softmax and cross-entropy ---------------------------------------------


@FEW
@given(cases(), st.sampled_from(["vectorized", "per_slice_loop"]),
       st.sampled_from(MODES))
def test_correct_log_softmax_passes_on_random_inputs(
    case: tuple[np.ndarray, np.ndarray, AxisArg, float], name: str, mode: str
) -> None:
    x, g, axis, temperature = case
    report = gradcheck(x, g, axis, function="log_softmax", implementation=name,
                       mode=mode, temperature=temperature)
    assert report.passed, report.verdict
    assert report.function == "log_softmax" and report.reduction is None


@FEW
@given(cases())
def test_log_softmax_numeric_jacobians_match_slice_jacobians(
    case: tuple[np.ndarray, np.ndarray, AxisArg, float],
) -> None:
    x, g, axis, t = case
    report = gradcheck(x, g, axis, function="log_softmax", temperature=t)
    exact = slice_jacobians(log_softmax(x, axis, temperature=t), axis,
                            temperature=t, function="log_softmax")
    assert report.numeric_jacobians is not None
    np.testing.assert_allclose(report.numeric_jacobians, exact, atol=1e-7)
    np.testing.assert_allclose(
        report.analytic, log_softmax_vjp(log_softmax(x, axis, temperature=t), g, axis,
                                         temperature=t), rtol=1e-12, atol=1e-15,
    )


def _upstream_for(reduction: str, x: np.ndarray, axis: AxisArg) -> np.ndarray:
    if reduction != "none":
        return np.array(-1.5)
    batch = moved_slices(x, axis).shape[:-1]
    return np.linspace(-1.0, 2.0, int(np.prod(batch))).reshape(batch)


@FEW
@given(cross_entropy_cases(bound=10.0), st.sampled_from(["mean", "sum", "none"]),
       st.sampled_from(MODES))
def test_cross_entropy_passes_on_random_inputs(
    case: tuple[np.ndarray, AxisArg, float, np.ndarray], reduction: str, mode: str
) -> None:
    x, axis, t, target = case
    u = _upstream_for(reduction, x, axis)
    report = gradcheck(x, u, axis, function="cross_entropy", target=target,
                       reduction=reduction, mode=mode, temperature=t)
    assert report.passed, report.verdict
    assert (report.function, report.reduction) == ("cross_entropy", reduction)
    expected = cross_entropy_grad(x, target, axis, temperature=t,
                                  reduction=reduction, upstream=u)
    np.testing.assert_allclose(report.analytic, expected, rtol=1e-12, atol=1e-15)


@FEW
@given(cross_entropy_cases(bound=10.0), st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_sliced_numeric_equals_elementwise(
    case: tuple[np.ndarray, AxisArg, float, np.ndarray], reduction: str
) -> None:
    x, axis, t, target = case
    u = _upstream_for(reduction, x, axis)
    kw = {"function": "cross_entropy", "target": target, "reduction": reduction,
          "temperature": t}
    sliced = gradcheck(x, u, axis, **kw)
    elementwise = gradcheck(x, u, axis, mode="elementwise", **kw)
    assert sliced.numeric is not None and elementwise.numeric is not None
    np.testing.assert_allclose(sliced.numeric, elementwise.numeric, atol=1e-8)
    assert sliced.numeric_jacobians is None
    n = moved_slices(x, axis).shape[-1]
    assert sliced.n_evaluations == 2 * n
    assert elementwise.n_evaluations == 2 * x.size


def test_cross_entropy_classic_example_pinned_to_pytorch() -> None:
    # torch 2.13.0, float64: F.cross_entropy(x, torch.tensor([1, 0])) for
    # x = [[1, 2], [3, 4]]; loss.backward() gives x.grad below.
    expected = [[0.13447071068499755, -0.13447071068499755],
                [-0.36552928931500245, 0.36552928931500245]]
    for mode in ("sliced", "elementwise"):
        report = gradcheck(CLASSIC_X, 1.0, 1, function="cross_entropy",
                           target=[1, 0], mode=mode)
        np.testing.assert_allclose(report.analytic, expected, rtol=1e-14)
        np.testing.assert_allclose(report.numeric, expected, rtol=1e-9)
        assert report.passed


def test_sliced_cross_entropy_applies_the_reduction_itself() -> None:
    # Regression guard for the design: a loss whose own "mean" is wrong the
    # same way as its gradient would fool a check that differentiates
    # loss(reduction="mean"); sliced mode reduces loss(reduction="none").
    class MeanIsSum:
        def loss(self, x, target, axis, reduction):
            r = "sum" if reduction == "mean" else reduction
            return cross_entropy(x, target, axis, reduction=r)

        def grad(self, x, target, axis, reduction, upstream):
            r = "sum" if reduction == "mean" else reduction
            return cross_entropy_grad(x, target, axis, reduction=r, upstream=upstream)

    kw = {"function": "cross_entropy", "target": [1, 0], "implementation": MeanIsSum()}
    assert not gradcheck(CLASSIC_X, 1.0, 1, **kw).passed
    assert gradcheck(CLASSIC_X, 1.0, 1, mode="elementwise", **kw).passed


def test_user_cross_entropy_objects_are_called_point_by_point() -> None:
    calls: list[tuple[int, ...]] = []

    class Mine:
        def loss(self, x, target, axis, reduction):
            calls.append(x.shape)
            return cross_entropy(x, target, axis, reduction=reduction)

        def grad(self, x, target, axis, reduction, upstream):
            assert target.shape == x.shape  # probabilities, whatever was given
            return cross_entropy_grad(x, target, axis, reduction=reduction,
                                      upstream=upstream)

    x = np.random.default_rng(2).standard_normal((3, 4))
    report = gradcheck(x, 1.0, 1, function="cross_entropy", target=[0, 3, 1],
                       implementation=Mine(), temperature=0.5)
    assert report.passed and report.implementation == "Mine"
    assert calls == [(3, 4)] * 8
    batched = gradcheck(x, 1.0, 1, function="cross_entropy", target=[0, 3, 1],
                        temperature=0.5)
    np.testing.assert_array_equal(batched.numeric, report.numeric)


def test_cross_entropy_argument_errors() -> None:
    ce = {"function": "cross_entropy"}
    with pytest.raises(ValueError, match=r"needs a target: class indices of the "
                       r"batch shape \(2,\) or probabilities of x's shape"):
        gradcheck(CLASSIC_X, 1.0, 1, **ce)
    with pytest.raises(ValueError, match="target is for function='cross_entropy' "
                       "only; log_softmax has no target"):
        gradcheck(CLASSIC_X, CLASSIC_G, 1, function="log_softmax", target=[1, 0])
    with pytest.raises(ValueError, match=r"upstream has shape \(2, 2\) but for "
                       r"cross_entropy with reduction 'mean' it must be a scalar"):
        gradcheck(CLASSIC_X, CLASSIC_G, 1, target=[1, 0], **ce)
    with pytest.raises(ValueError, match=r"reduction 'none' it must have the batch "
                       r"shape \(2,\), one number per slice"):
        gradcheck(CLASSIC_X, 1.0, 1, target=[1, 0], reduction="none", **ce)
    with pytest.raises(ValueError, match="reduction must be one of 'mean', 'sum', "
                       "'none'; got 'avg'"):
        gradcheck(CLASSIC_X, 1.0, 1, target=[1, 0], reduction="avg", **ce)
    with pytest.raises(ValueError, match=r"gradcheck: target: slice \(1,\) has "
                       "class index 2, but the class axis has length 2"):
        gradcheck(CLASSIC_X, 1.0, 1, target=[1, 2], **ce)
    with pytest.raises(ValueError, match="function must be one of 'softmax', "
                       "'log_softmax', 'cross_entropy'; got 'sigmoid'"):
        gradcheck(CLASSIC_X, CLASSIC_G, 1, function="sigmoid")


def test_names_must_apply_to_the_function() -> None:
    with pytest.raises(ValueError, match="'missing_diagonal' has no log_softmax "
                       "version \\(it applies to softmax\\); valid names for "
                       "log_softmax are 'vectorized', 'per_slice_loop'"):
        gradcheck(CLASSIC_X, CLASSIC_G, 1, function="log_softmax",
                  implementation="missing_diagonal")
    with pytest.raises(ValueError, match="'double_softmax' has no softmax version"):
        gradcheck(CLASSIC_X, CLASSIC_G, 1, implementation="double_softmax")

    class OnlyForwardBackward:
        forward = staticmethod(softmax)
        backward = staticmethod(softmax_vjp)

    with pytest.raises(TypeError, match="for cross_entropy, an object with methods "
                       "loss\\(x, target, axis, reduction\\).*has no loss or grad"):
        gradcheck(CLASSIC_X, 1.0, 1, function="cross_entropy", target=[1, 0],
                  implementation=OnlyForwardBackward())  # type: ignore[arg-type]


def test_loss_of_the_wrong_shape_is_reported() -> None:
    class Unreduced:
        def loss(self, x, target, axis, reduction):
            return cross_entropy(x, target, axis, reduction="none")

        def grad(self, x, target, axis, reduction, upstream):
            return cross_entropy_grad(x, target, axis, reduction=reduction,
                                      upstream=upstream)

    with pytest.raises(ValueError, match=r"Unreduced.loss returned shape \(2,\) for "
                       r"an input of shape \(2, 2\); expected \(\)"):
        gradcheck(CLASSIC_X, 1.0, 1, function="cross_entropy", target=[1, 0],
                  implementation=Unreduced(), mode="elementwise")


# --- masks: where= ---------------------------------------------------------------

MASKED_CORRECT = [
    (name, f) for name, entry in IMPLEMENTATIONS.items() for f in entry.functions
    if entry.variant(f).correct
]
FEWER = settings(max_examples=15, deadline=None)


@st.composite
def masked_cases(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, AxisArg, float,
                                           np.ndarray]:
    """(x, g, axis, T, mask): a random or causal mask, often with empty slices."""
    x, g, axis, t = draw(cases())
    kind = draw(st.sampled_from(["random", "causal", "empty slice"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    mask = rng.random(x.shape) < 0.6
    if kind == "causal" and x.ndim >= 2:
        mask = np.broadcast_to(np.tri(*x.shape[-2:], dtype=bool), x.shape).copy()
    slices = moved_slices(mask, axis)  # a view's copy: write back below
    if kind == "empty slice" and slices.ndim > 1 and slices.shape[0]:
        slices[0] = False  # the first slice loses every entry
        mask = unmoved_slices(slices, x.shape, axis)
    return x, g, axis, t, mask


def _masked_target(x: np.ndarray, axis: AxisArg, mask: np.ndarray,
                   probabilities: bool, seed: int) -> np.ndarray:
    """A target that puts nothing on masked classes (anything on empty slices)."""
    rng = np.random.default_rng(seed)
    kept = moved_slices(mask, axis)
    if not probabilities:
        return np.argmax(np.where(kept, rng.random(kept.shape), -1.0), axis=-1)
    raw = rng.random(kept.shape) * kept
    total = raw.sum(axis=-1, keepdims=True)
    probs = np.divide(raw, total, out=np.zeros_like(raw), where=total > 0)
    return unmoved_slices(probs, x.shape, axis)


def _n_counted(mask: np.ndarray, axis: AxisArg) -> int:
    return int(np.count_nonzero(moved_slices(mask, axis).any(axis=-1)))


@FEWER
@given(masked_cases(), st.sampled_from(MASKED_CORRECT), st.sampled_from(MODES))
def test_correct_variants_pass_under_any_mask(
    case: tuple[np.ndarray, np.ndarray, AxisArg, float, np.ndarray],
    variant: tuple[str, str], mode: str,
) -> None:
    x, g, axis, t, mask = case
    name, function = variant
    if function == "cross_entropy":
        if not normalized(axis, x.ndim):
            return  # a cross-entropy needs a class axis
        target = _masked_target(x, axis, mask, probabilities=x.size % 2 == 0, seed=1)
        report = gradcheck(x, 0.7, axis, function=function, target=target,
                           implementation=name, mode=mode, temperature=t, where=mask)
        expected = cross_entropy_grad(x, target, axis, temperature=t, where=mask,
                                      upstream=0.7)
        assert report.n_counted == _n_counted(mask, axis)
    else:
        report = gradcheck(x, g, axis, function=function, implementation=name,
                           mode=mode, temperature=t, where=mask)
        forward, vjp = ((softmax, softmax_vjp) if function == "softmax"
                        else (log_softmax, log_softmax_vjp))
        y = forward(x, axis, temperature=t, where=mask)
        expected = vjp(y, g, axis, temperature=t, where=mask)
        assert report.n_counted is None
    assert report.passed, report.verdict
    # The core's where= backward passes are the reference: exactly 0 at masked.
    np.testing.assert_allclose(report.analytic, expected, rtol=1e-9, atol=1e-12)
    assert np.all(report.analytic[~mask] == 0)
    if report.numeric is not None:
        assert np.all(report.numeric[~mask] == 0)
    np.testing.assert_array_equal(report.where, mask)


@FEWER
@given(masked_cases())
def test_masked_entries_take_no_part(
    case: tuple[np.ndarray, np.ndarray, AxisArg, float, np.ndarray],
) -> None:
    # Whatever x and g hold at masked entries, the check is the same.
    x, g, axis, t, mask = case
    other_x, other_g = np.where(mask, x, 1e3), np.where(mask, g, -7.0)
    for mode in MODES:
        a = gradcheck(x, g, axis, mode=mode, temperature=t, where=mask)
        b = gradcheck(other_x, other_g, axis, mode=mode, temperature=t, where=mask)
        np.testing.assert_array_equal(a.analytic, b.analytic)
        np.testing.assert_allclose(a.abs_error, b.abs_error, atol=1e-10)
        assert a.passed and b.passed, (a.verdict, b.verdict)


def _pad(variant_x: list, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray,
                                                            list[np.ndarray]]:
    """Hide the example's rows among masked entries, plus one fully masked row.

    Returns the padded x, its mask and each padded row's kept positions.
    """
    x = np.asarray(variant_x, dtype=float)
    rows, n = x.shape
    empty = int(rng.integers(0, rows + 1))  # where the fully masked row goes
    padded = rng.normal(0.0, 3.0, (rows + 1, n + 2))
    mask = np.zeros(padded.shape, dtype=bool)
    kept: list[np.ndarray] = []
    for r in range(rows):
        row = r + (r >= empty)
        cols = np.sort(rng.choice(n + 2, n, replace=False))
        padded[row, cols], mask[row, cols] = x[r], True
        kept.append(cols)
    return padded, mask, kept


def _padded_like(values: list, kept: list[np.ndarray], mask: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """Spread per-row values of the example into the padded rows (noise elsewhere)."""
    out = rng.normal(size=mask.shape)
    rows = [r for r in range(mask.shape[0]) if mask[r].any()]
    for row, cols, v in zip(rows, kept, np.asarray(values, dtype=float), strict=True):
        out[row, cols] = v
    return out


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("name", "function"),
    [(n, f) for n, e in IMPLEMENTATIONS.items() for f in e.functions],
)
def test_gallery_keeps_its_verdict_among_masked_padding(
    name: str, function: str, mode: str
) -> None:
    # Masks exist for padding: the documented example, its rows hidden among
    # masked entries at random places and a fully masked row added, must get
    # the documented verdict, and a correct variant the same numeric gradient.
    variant = IMPLEMENTATIONS[name].variant(function)
    rng = np.random.default_rng(sum(map(ord, name + function)))
    x, mask, kept = _pad(variant.x, rng)
    if function == "cross_entropy":
        rows = [r for r in range(mask.shape[0]) if mask[r].any()]
        target = np.zeros(mask.shape[0])  # the fully masked row's: any class
        target[rows] = [cols[t] for cols, t in zip(kept, variant.target, strict=True)]
        report = gradcheck(x, variant.upstream, 1, function=function, target=target,
                           implementation=name, mode=mode, where=mask)
        plain = gradcheck(variant.x, variant.upstream, 1, function=function,
                          target=variant.target, implementation=name, mode=mode)
    else:
        g = _padded_like(variant.upstream, kept, mask, rng)
        report = gradcheck(x, g, 1, function=function, implementation=name,
                           mode=mode, where=mask)
        plain = gradcheck(variant.x, variant.upstream, 1, function=function,
                          implementation=name, mode=mode)
    assert report.passed is variant.correct, report.verdict
    if variant.correct and mode != "directional":
        assert report.numeric is not None and plain.numeric is not None
        np.testing.assert_allclose(report.numeric[mask], plain.numeric.ravel(),
                                   atol=1e-9)


# logits [[-inf, -inf], [1, 2], [3, 4]] as a mask: the first slice has no class.
EMPTY_FIRST_X = np.array([[5.0, -2.0], [1.0, 2.0], [3.0, 4.0]])
EMPTY_FIRST = np.array([[False, False], [True, True], [True, True]])


@pytest.mark.parametrize("mode", MODES)
def test_regression_sliced_mean_divided_by_every_slice(mode: str) -> None:
    # The sliced check divided the mean by all 3 slices while sc.cross_entropy
    # leaves the fully masked one out of N: even the correct gradient failed
    # (numeric 0.0896 against analytic 0.1345). The kept rows are the classic
    # example, so the values are those pinned to torch 2.13.0 above
    # (F.cross_entropy(x, torch.tensor([1, 0])) on [[1, 2], [3, 4]], x.grad).
    expected = [[0.0, 0.0],
                [0.13447071068499755, -0.13447071068499755],
                [-0.36552928931500245, 0.36552928931500245]]
    report = gradcheck(EMPTY_FIRST_X, 1.0, 1, function="cross_entropy",
                       target=[0, 1, 0], mode=mode, where=EMPTY_FIRST)
    assert report.passed, report.verdict
    assert report.n_counted == 2
    np.testing.assert_allclose(report.analytic, expected, rtol=1e-14)
    if mode != "directional":
        np.testing.assert_allclose(report.numeric, expected, rtol=1e-9, atol=1e-12)


def test_missing_mean_under_a_mask_is_off_by_the_counted_n() -> None:
    # missing_mean forgets 1/N: norm rel error (N - 1) / (N + 1). N is 2 (the
    # fully masked slice is not counted), not 3: 1/3, not 1/2.
    report = gradcheck(EMPTY_FIRST_X, 1.0, 1, function="cross_entropy",
                       target=[0, 1, 0], implementation="missing_mean",
                       where=EMPTY_FIRST)
    assert not report.passed
    assert report.norm_rel_error == pytest.approx(1 / 3, rel=1e-8)


def test_elementwise_moves_only_the_kept_logits() -> None:
    mask = np.tri(3, dtype=bool)
    report = gradcheck(np.arange(9.0).reshape(3, 3), np.ones((3, 3)), 1,
                       mode="elementwise", where=mask)
    assert report.passed and report.n_evaluations == 2 * 6


def test_where_broadcasts_and_steps_follow_the_kept_max() -> None:
    x = np.array([[0.0, 1.0, 900.0], [2.0, 3.0, 800.0]])
    report = gradcheck(x, np.ones_like(x), 1, where=[True, True, False])
    np.testing.assert_array_equal(report.where, [[True, True, False]] * 2)
    # The masked 900 and 800 do not widen the steps of the kept logits.
    np.testing.assert_allclose(report.step[:, :2], BASE_STEP * np.array(
        [[1.0, 1.0], [1.0, 1.0]]))
    assert report.passed


def test_bad_where_is_refused_with_a_clear_message() -> None:
    with pytest.raises(TypeError, match=r"gradcheck: where must be a boolean array "
                       r"\(True: the logit takes part\); got dtype int64\. For 0/1 "
                       r"values pass np\.asarray\(mask, dtype=bool\)"):
        gradcheck(CLASSIC_X, CLASSIC_G, 1, where=np.array([[1, 0], [1, 1]]))
    with pytest.raises(ValueError, match=r"gradcheck: where has shape \(3,\), which "
                       r"does not broadcast to x's shape \(2, 2\)"):
        gradcheck(CLASSIC_X, CLASSIC_G, 1, where=[True, False, True])
    with pytest.raises(TypeError, match="where must be a boolean array"):
        gradcheck(CLASSIC_X, CLASSIC_G, 1, where=[["yes", "no"], ["no", "no"]])
    ce = {"function": "cross_entropy", "where": [[True, False], [True, True]]}
    with pytest.raises(ValueError, match=r"gradcheck: target: slice \(0,\) has "
                       "class index 1, which is masked"):
        gradcheck(CLASSIC_X, 1.0, 1, target=[1, 0], **ce)
    with pytest.raises(ValueError, match=r"slice \(0,\) puts probability 0.5 on "
                       "class 1, which is masked"):
        gradcheck(CLASSIC_X, 1.0, 1, target=[[0.5, 0.5], [1.0, 0.0]], **ce)


class _NaNWhereEmpty:
    """PyTorch-like code: an all -inf slice gives NaN, and masked entries junk."""

    def forward(self, x, axis):
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))  # NaN on all -inf
        return e / np.sum(e, axis=axis, keepdims=True)

    def backward(self, x, upstream, axis):
        y = self.forward(x, axis)
        grad = y * (upstream - np.sum(upstream * y, axis=axis, keepdims=True))
        return np.where(np.isneginf(x), 5.0, grad)  # junk at masked logits

    def _log_y(self, x, axis):
        return np.log(self.forward(x, axis))

    def loss(self, x, target, axis, reduction):
        losses = -np.sum(target * self._log_y(x, axis), axis=axis)
        kept = np.isfinite(losses)  # as PyTorch's ignore_index leaves rows out
        if reduction == "none":
            return losses
        total = np.sum(losses[kept])
        return total / np.count_nonzero(kept) if reduction == "mean" else total

    def grad(self, x, target, axis, reduction, upstream):
        n = np.count_nonzero(np.isfinite(self.loss(x, target, axis, "none")))
        u = np.expand_dims(upstream, axis) if reduction == "none" else upstream
        return (self.forward(x, axis) - target) * u / (n if reduction == "mean" else 1)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("function", ["softmax", "cross_entropy"])
def test_what_code_returns_at_masked_entries_is_left_out(function: str,
                                                         mode: str) -> None:
    # Masked gradients are taken as 0 and a fully masked slice's loss as a
    # constant: NaN or junk there is not the code's gradient of the kept logits.
    impl = _NaNWhereEmpty()
    if function == "softmax":
        g = np.arange(6.0).reshape(3, 2)
        report = gradcheck(EMPTY_FIRST_X, g, 1, implementation=impl, mode=mode,
                           where=EMPTY_FIRST)
    else:
        reduction = "none" if mode == "sliced" else "mean"
        u = np.array([2.0, -1.0, 0.5]) if reduction == "none" else 1.0
        report = gradcheck(EMPTY_FIRST_X, u, 1, function=function, target=[0, 1, 0],
                           reduction=reduction, implementation=impl, mode=mode,
                           where=EMPTY_FIRST)
    assert report.passed, report.verdict
    assert np.all(report.analytic[0] == 0)
