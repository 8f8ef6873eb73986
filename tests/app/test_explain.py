"""The step-by-step backward pass and the small questions the app asks.

References are independent of the core: scipy's softmax, Jacobians written out
as ``diag(y) - outer(y, y)``, and labels built with ``np.indices``.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.special import softmax as scipy_softmax

from softmax_app.render.explain import (
    batch_labels,
    latex_matrix,
    latex_number,
    latex_vector,
    read_rel_error,
    slice_expression,
    slice_labels,
    vjp_latex,
)
from softmax_core import softmax, softmax_vjp
from softmax_core.slices import to_slices
from softmax_core.steps import (
    FINE_REL_ERROR,
    WRONG_REL_ERROR,
    constant_along_slices,
    jacobian_summary,
    vjp_steps,
    worst_slices,
)

# sigma(1) * sigma(-1) = e / (1 + e)^2 (mpmath, 30 digits: 0.196611933241481852537),
# the classic example's Jacobian entry and gradient.
SIGMA_PRODUCT = 0.19661193324148185

finite_slices = hnp.arrays(
    np.float64,
    st.integers(1, 12),
    elements=st.floats(-30, 30, allow_nan=False, allow_infinity=False),
)


def _reference_jacobian(y: np.ndarray, t: float) -> np.ndarray:
    return (np.diag(y) - np.outer(y, y)) / t


# --- vjp_steps ------------------------------------------------------------------


def test_classic_first_slice_pinned() -> None:
    y = scipy_softmax([1.0, 2.0])
    steps = vjp_steps(y, [1.0, 0.0])
    expected = np.array([SIGMA_PRODUCT, -SIGMA_PRODUCT])
    np.testing.assert_allclose(steps.jacobian_product, expected, rtol=1e-14)
    np.testing.assert_allclose(steps.vjp, expected, rtol=1e-14)
    s = SIGMA_PRODUCT
    np.testing.assert_allclose(steps.jacobian, [[s, -s], [-s, s]], rtol=1e-14)
    # <g, y> = y_0 = sigma(-1) = 1 / (1 + e)
    assert steps.dot == pytest.approx(1 / (1 + np.e), rel=1e-14)
    np.testing.assert_allclose(steps.centered, [1 - 1 / (1 + np.e), -1 / (1 + np.e)])
    assert steps.n == 2
    assert steps.max_difference < 1e-16


@settings(max_examples=60, deadline=None)
@given(
    x=finite_slices,
    data=st.data(),
    t=st.sampled_from([0.05, 0.5, 1.0, 3.0]),
)
def test_both_routes_agree_with_reference(
    x: np.ndarray, data: st.DataObject, t: float
) -> None:
    g = data.draw(
        hnp.arrays(np.float64, x.shape, elements=st.floats(-5, 5, allow_nan=False))
    )
    y = scipy_softmax(x / t)
    steps = vjp_steps(y, g, temperature=t)
    jac = _reference_jacobian(y, t)
    scale = (1 + np.abs(g).max()) / t
    np.testing.assert_allclose(steps.jacobian, jac, atol=1e-15 / t)
    np.testing.assert_allclose(steps.jacobian_product, jac.T @ g, atol=1e-14 * scale)
    np.testing.assert_allclose(steps.vjp, jac.T @ g, atol=1e-14 * scale)
    assert steps.dot == pytest.approx(float(np.dot(g, y)), abs=1e-14 * scale)
    np.testing.assert_allclose(steps.centered, g - np.dot(g, y), atol=1e-14 * scale)
    assert steps.max_difference <= 1e-14 * scale
    assert steps.max_difference == np.max(np.abs(steps.jacobian_product - steps.vjp))


def test_inputs_not_modified_and_float32_accepted() -> None:
    y = scipy_softmax([0.5, 1.0, -2.0]).astype(np.float32)
    g = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    y0, g0 = y.copy(), g.copy()
    steps = vjp_steps(y, g)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(g, g0)
    assert steps.vjp.dtype == np.float64


def test_nan_slice_gives_nan_quietly() -> None:
    steps = vjp_steps([np.nan, np.nan], [1.0, 0.0])
    assert np.isnan(steps.vjp).all()
    assert np.isnan(steps.max_difference)


@pytest.mark.parametrize(
    ("y", "g", "t", "error", "match"),
    [
        ([[0.5, 0.5]], [[1.0, 0.0]], 1.0, ValueError, "must be 1-D"),
        ([0.5, 0.5], [1.0, 0.0, 0.0], 1.0, ValueError, r"shape \(3,\).*\(2,\)"),
        ([0.5, 0.5], [1.0, 0.0], 0.0, ValueError, "temperature"),
        (["a", "b"], [1.0, 0.0], 1.0, TypeError, "y_slice"),
    ],
)
def test_vjp_steps_rejects(y, g, t, error, match) -> None:
    with pytest.raises(error, match=match):
        vjp_steps(y, g, temperature=t)


# --- LaTeX ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (SIGMA_PRODUCT, 6, "0.196612"),
        (SIGMA_PRODUCT, 8, "0.19661193"),
        (-SIGMA_PRODUCT, 4, "-0.1966"),
        (1.0, 6, "1"),
        (123456789.0, 4, r"1.235 \times 10^{8}"),
        (1e-20, 6, "10^{-20}"),
        (-1e-20, 6, "-10^{-20}"),
        (0.0, 6, "0"),
        (-0.0, 6, "0"),
        (np.inf, 6, r"\infty"),
        (np.nan, 6, r"\mathrm{NaN}"),
    ],
)
def test_latex_number(value: float, digits: int, text: str) -> None:
    assert latex_number(value, digits) == text


def _pmatrix_cells(tex: str) -> list[list[str]]:
    body = re.fullmatch(r"\\begin\{pmatrix\} (.*) \\end\{pmatrix\}", tex)
    assert body is not None, tex
    return [row.split(" & ") for row in body.group(1).split(r" \\ ")]


def test_latex_vector_short_and_long() -> None:
    assert _pmatrix_cells(latex_vector([0.25, -1.5, 2.0])) == [
        ["0.25"],
        ["-1.5"],
        ["2"],
    ]
    cells = _pmatrix_cells(latex_vector(np.arange(100.0), max_entries=8))
    assert len(cells) == 8
    flat = [c[0] for c in cells]
    assert flat[:5] == ["0", "1", "2", "3", "4"]
    assert flat[5] == r"\vdots"
    assert flat[-2:] == ["98", "99"]


def test_latex_matrix_abbreviates_rows_and_columns() -> None:
    m = np.arange(400.0).reshape(20, 20)
    cells = _pmatrix_cells(latex_matrix(m, max_entries=8))
    assert len(cells) == 8 and all(len(row) == 8 for row in cells)
    assert cells[0][:2] == ["0", "1"] and cells[0][-1] == "19"
    assert cells[-1][-1] == "399"
    assert cells[5][5] == r"\ddots" and cells[5][0] == r"\vdots"
    assert cells[0][5] == r"\cdots"
    small = _pmatrix_cells(latex_matrix(np.eye(8), max_entries=8))
    assert len(small) == 8 and r"\cdots" not in str(small)


def test_latex_matrix_rejects_1d() -> None:
    with pytest.raises(ValueError, match="2-D"):
        latex_matrix([1.0, 2.0])


def test_vjp_latex_carries_the_numbers() -> None:
    steps = vjp_steps(scipy_softmax([1.0, 2.0]), [1.0, 0.0])
    tex = vjp_latex(steps)
    assert r"\begin{pmatrix} 0.196612 & -0.196612 \\ -0.196612 & 0.196612" in (
        tex.jacobian
    )
    # J g and the formula end with the same vector.
    result = r"= \begin{pmatrix} 0.196612 \\ -0.196612 \end{pmatrix}"
    assert tex.jacobian_product.endswith(result)
    assert tex.formula.endswith(result)
    assert tex.dot.endswith("= 0.268941")
    assert "1 \\cdot 0.268941 + 0 \\cdot 0.731059" in tex.dot
    assert r"\frac{1}{T}" not in tex.formula  # T = 1 leaves the factor out
    assert len(tex.as_tuple()) == 7
    assert all(s.count("{") == s.count("}") for s in tex.as_tuple())


def test_vjp_latex_temperature_and_long_slices() -> None:
    y = scipy_softmax(np.linspace(0, 3, 30) / 2.0)
    steps = vjp_steps(y, np.linspace(-1, 1, 30), temperature=2.0)
    tex = vjp_latex(steps, digits=4)
    assert r"T = 2" in tex.inputs
    assert r"\frac{1}{2}" in tex.formula and r"\frac{1}{T}" in tex.jacobian
    assert r"\ddots" in tex.jacobian and r"\vdots" in tex.formula
    # The Jacobian is cut to 6 x 6, and J g names J instead of repeating it.
    rows = tex.jacobian.split(r"\begin{pmatrix} ")[1].split(r" \\ ")
    assert len(rows) == 6 and rows[0].count(" & ") == 5
    assert tex.jacobian_product.startswith(r"J^\top g = J g = J\, \begin{pmatrix}")
    assert "\\cdot" not in tex.dot  # no term-by-term sum for n = 30
    last = latex_number(steps.vjp[-1], 4)
    assert tex.formula.endswith(f"{last} \\end{{pmatrix}}")


# --- labels ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "axis"),
    [((5,), 0), ((2, 3), 1), ((2, 3), 0), ((2, 3, 4), (0, 2)), ((2, 3, 2), None)],
)
def test_labels_follow_the_slice_order(shape: tuple[int, ...], axis) -> None:
    axes = tuple(range(len(shape))) if axis is None else np.atleast_1d(axis).tolist()
    rest = [d for d in range(len(shape)) if d not in axes]
    # Each element's own multi-index, flattened the way the core flattens slices.
    index = np.stack(np.indices(shape), axis=-1)  # shape + (ndim,)
    per_slice = to_slices(np.moveaxis(index, -1, 0), tuple(a + 1 for a in axes))
    first = per_slice[(slice(None),) + (0,) * len(rest)]  # (ndim, n): slice 0
    expected = [
        str(int(first[axes[0], k]))
        if len(axes) == 1
        else "(" + ", ".join(str(int(first[a, k])) for a in axes) + ")"
        for k in range(first.shape[1])
    ]
    assert slice_labels(shape, axis) == expected
    batch = batch_labels(shape, axis)
    assert len(batch) == int(np.prod([shape[d] for d in rest]))
    if len(rest) == 1:
        assert batch == [str(i) for i in range(shape[rest[0]])]


def test_slice_expression_selects_the_slice() -> None:
    x = np.arange(24.0).reshape(2, 3, 4)
    for axis, index in [((0, 2), (1,)), (1, (1, 3)), (2, (0, 2)), (None, ())]:
        text = slice_expression(3, axis, index)
        parts = text[2:-1].split(", ")
        key = tuple(slice(None) if p == ":" else int(p) for p in parts)
        axes = (0, 1, 2) if axis is None else np.atleast_1d(axis).tolist()
        expected = to_slices(x, tuple(axes))[index]
        np.testing.assert_array_equal(x[key].ravel(), expected)


# --- constant upstream ----------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(
    x=hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=1, max_dims=3, max_side=5),
        elements=st.floats(-20, 20),
    ),
    data=st.data(),
)
def test_constant_upstream_means_zero_gradient(
    x: np.ndarray, data: st.DataObject
) -> None:
    axis = data.draw(st.integers(0, x.ndim - 1))
    c = data.draw(st.floats(-10, 10))
    g = np.full_like(x, c)
    # Make g vary across slices but stay constant within each one.
    other = [d for d in range(x.ndim) if d != axis]
    if other:
        g = g + np.arange(x.shape[other[0]]).reshape(
            [-1 if d == other[0] else 1 for d in range(x.ndim)]
        )
    assert constant_along_slices(g, axis)
    dx = softmax_vjp(softmax(x, axis), g, axis)
    # Zero up to rounding: sum(y) is 1 only to within a few ulps.
    assert np.abs(dx).max() <= 1e-14 * (1 + np.abs(g).max())


def test_non_constant_upstream_detected() -> None:
    g = np.array([[1.0, 1.0], [5.0, 5.0]])
    assert constant_along_slices(g, 1)
    assert not constant_along_slices(g, 0)
    assert not constant_along_slices(g, None)
    assert not constant_along_slices(np.eye(2), 1)
    g3 = np.ones((2, 3, 4))
    g3[1, 2, 3] = 2.0
    assert not constant_along_slices(g3, (0, 2))
    assert constant_along_slices(np.ones((2, 3, 4)), (0, 2))
    assert constant_along_slices(np.zeros((0, 3)), 1)


# --- Jacobian summary -----------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(x=finite_slices, t=st.sampled_from([0.1, 1.0, 4.0]))
def test_summary_matches_explicit_jacobian(x: np.ndarray, t: float) -> None:
    y = scipy_softmax(x / t)
    jac = _reference_jacobian(y, t)
    s = jacobian_summary(y, t)
    n = y.size
    assert s.n == n
    assert s.diagonal_min == pytest.approx(np.diag(jac).min(), abs=1e-15)
    assert s.diagonal_max == pytest.approx(np.diag(jac).max(), abs=1e-15)
    off = np.abs(jac[~np.eye(n, dtype=bool)]).max(initial=0.0)
    assert s.max_abs_off_diagonal == pytest.approx(off, abs=1e-15)
    assert s.trace == pytest.approx(np.trace(jac), abs=1e-14)
    assert s.diagonal_max <= 0.25 / t + 1e-15


def test_summary_of_a_huge_slice_needs_no_jacobian() -> None:
    y = scipy_softmax(np.random.default_rng(0).standard_normal(1_000_000))
    s = jacobian_summary(y)  # a Jacobian would be 8 TB
    top = np.sort(y)[-2:]
    assert s.max_abs_off_diagonal == pytest.approx(top[0] * top[1])
    assert s.trace == pytest.approx(1 - np.sum(y**2))


# --- reading a gradient check ---------------------------------------------------


def test_worst_slices_orders_by_error() -> None:
    rng = np.random.default_rng(1)
    errors = rng.random((3, 4))
    got = worst_slices(errors, count=5)
    flat = sorted(
        ((float(errors[i, j]), (i, j)) for i in range(3) for j in range(4)),
        reverse=True,
    )[:5]
    assert got == [(index, value) for value, index in flat]
    assert worst_slices(errors, count=100)[-1][1] == errors.min()
    assert len(worst_slices(errors, count=100)) == 12
    assert worst_slices(np.array(0.5)) == [((), 0.5)]


def test_stale_counter_worst_slice_is_the_second() -> None:
    # The classic failure: slice 0 right (error 0), slice 1 off by 2 * 0.19661193.
    got = worst_slices([0.0, 2 * SIGMA_PRODUCT])
    assert got[0][0] == (1,) and got[1] == ((0,), 0.0)


@pytest.mark.parametrize(
    ("value", "reading"),
    [
        (0.0, "fine"),
        (3e-10, "fine"),
        (FINE_REL_ERROR, "fine"),
        (2 * FINE_REL_ERROR, "suspicious"),
        (WRONG_REL_ERROR, "suspicious"),
        (0.0101, "wrong"),
        (0.7071, "wrong"),
        (np.inf, "not finite"),
        (np.nan, "not finite"),
    ],
)
def test_read_rel_error(value: float, reading: str) -> None:
    assert read_rel_error(value) == reading
