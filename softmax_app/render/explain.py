r"""One slice's backward pass written out: LaTeX with the numbers, and labels.

:func:`vjp_latex` writes the intermediate values of
:func:`softmax_core.steps.vjp_steps` as LaTeX with the numbers filled in; the
label helpers name the positions in a slice and the slices themselves; and
:func:`read_rel_error` says how to read a relative error. The step-by-step
maths itself lives in :mod:`softmax_core.steps`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike

from softmax_app.inputs import FloatArray
from softmax_core.slices import batch_shape, normalize_axes
from softmax_core.steps import (
    FINE_REL_ERROR,
    WRONG_REL_ERROR,
    VjpSteps,
)

#: An axis argument: one int, a tuple of distinct ints, or None for all axes.
Axis: TypeAlias = int | Sequence[int] | None

__all__ = [
    "VjpLatex",
    "batch_labels",
    "latex_matrix",
    "latex_number",
    "latex_vector",
    "read_rel_error",
    "slice_expression",
    "slice_labels",
    "vjp_latex",
]


# --- LaTeX with numbers -------------------------------------------------------


def latex_number(value: float, digits: int = 6) -> str:
    r"""Format one number for LaTeX with `digits` significant digits.

    Examples
    --------
    >>> latex_number(0.19661193324148185)
    '0.196612'
    >>> latex_number(-2.5e-17)
    '-2.5 \\times 10^{-17}'
    >>> latex_number(float("-inf")), latex_number(float("nan")), latex_number(-0.0)
    ('-\\infty', '\\mathrm{NaN}', '0')
    """
    v = float(value)
    if math.isnan(v):
        return r"\mathrm{NaN}"
    if math.isinf(v):
        return r"\infty" if v > 0 else r"-\infty"
    if v == 0.0:
        return "0"  # also for -0.0
    text = f"{v:.{digits}g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    power = f"10^{{{int(exponent)}}}"
    if mantissa in ("1", "-1"):
        return power if mantissa == "1" else f"-{power}"
    return rf"{mantissa} \times {power}"


def _shown(n: int, max_entries: int) -> list[int | None]:
    """Pick the indices to show out of `n`; None marks the gap."""
    if n <= max_entries:
        return list(range(n))
    head = max(1, max_entries - 3)
    return [*range(head), None, n - 2, n - 1]


def latex_vector(v: ArrayLike, digits: int = 6, max_entries: int = 8) -> str:
    r"""Write a column vector as a LaTeX ``pmatrix``, with dots when long.

    Examples
    --------
    >>> latex_vector([0.5, -0.25])
    '\\begin{pmatrix} 0.5 \\\\ -0.25 \\end{pmatrix}'
    >>> latex_vector(np.arange(10.0), max_entries=6).count(r"\vdots")
    1
    """
    a = np.asarray(v, dtype=np.float64).ravel()
    if a.size == 0:
        return r"\begin{pmatrix} \end{pmatrix}"
    cells = [
        r"\vdots" if i is None else latex_number(a[i], digits)
        for i in _shown(a.size, max_entries)
    ]
    return r"\begin{pmatrix} " + r" \\ ".join(cells) + r" \end{pmatrix}"


def latex_matrix(m: ArrayLike, digits: int = 6, max_entries: int = 8) -> str:
    r"""Write a matrix as a LaTeX ``pmatrix``, with dots when large.

    Examples
    --------
    >>> latex_matrix([[1.0, -0.5], [0.0, 2.0]])
    '\\begin{pmatrix} 1 & -0.5 \\\\ 0 & 2 \\end{pmatrix}'
    >>> big = latex_matrix(np.eye(20))
    >>> big.count(r"\ddots"), big.count(" & ") // big.count(r"\\") > 0
    (1, True)
    """
    a = np.asarray(m, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"latex_matrix: m must be 2-D; got shape {a.shape}")
    if a.size == 0:
        return r"\begin{pmatrix} \end{pmatrix}"
    rows = _shown(a.shape[0], max_entries)
    cols = _shown(a.shape[1], max_entries)
    lines = []
    for i in rows:
        if i is None:
            cells = [r"\vdots" if j is not None else r"\ddots" for j in cols]
        else:
            cells = [
                r"\cdots" if j is None else latex_number(a[i, j], digits) for j in cols
            ]
        lines.append(" & ".join(cells))
    return r"\begin{pmatrix} " + r" \\ ".join(lines) + r" \end{pmatrix}"


@dataclass(frozen=True)
class VjpLatex:
    r"""The steps of :class:`VjpSteps` as LaTeX strings, numbers filled in.

    Attributes
    ----------
    inputs : str
        :math:`y` and :math:`g`.
    jacobian : str
        :math:`J = (\operatorname{diag}(y) - y y^\top)/T` and its entries.
    jacobian_product : str
        :math:`J g` as matrix times vector, and the result.
    dot : str
        :math:`\langle g, y\rangle` (with its terms when the slice is short).
    centered : str
        :math:`g - \langle g, y \rangle`.
    formula : str
        :math:`y \odot (g - \langle g, y\rangle)/T` and the result.
    agreement : str
        The largest difference between the two routes.
    """

    inputs: str
    jacobian: str
    jacobian_product: str
    dot: str
    centered: str
    formula: str
    agreement: str

    def as_tuple(self) -> tuple[str, ...]:
        """All steps in reading order."""
        return (
            self.inputs,
            self.jacobian,
            self.jacobian_product,
            self.dot,
            self.centered,
            self.formula,
            self.agreement,
        )


def vjp_latex(
    steps: VjpSteps, digits: int = 6, max_entries: int = 8, max_columns: int = 6
) -> VjpLatex:
    r"""Write the steps of one slice's backward pass as LaTeX with its numbers.

    Parameters
    ----------
    steps : VjpSteps
        From :func:`vjp_steps`.
    digits : int, default 6
        Significant digits of every number.
    max_entries : int, default 8
        Vectors longer than this are abbreviated with dots.
    max_columns : int, default 6
        Jacobians with more rows or columns than this are abbreviated with dots,
        so the matrix fits a page. The product :math:`J g` is written with the
        matrix itself only for ``n <= 4`` (else as ``J`` times the vector), and
        the dot product lists its terms only for ``n <= 4``.

    Returns
    -------
    VjpLatex
        One string per step, each ready for ``st.latex``.

    Examples
    --------
    >>> tex = vjp_latex(vjp_steps(softmax([1.0, 2.0]), [1.0, 0.0]))
    >>> print(tex.dot.replace(" = ", "\n= "))
    \langle g, y \rangle
    = \sum_i g_i y_i
    = 1 \cdot 0.268941 + 0 \cdot 0.731059
    = 0.268941
    >>> "0.196612" in tex.formula and "0.196612" in tex.jacobian_product
    True
    """

    def vec(v: FloatArray) -> str:
        return latex_vector(v, digits, max_entries)

    def mat(m: FloatArray) -> str:
        return latex_matrix(m, digits, max_columns)

    def num(v: float) -> str:
        return latex_number(v, digits)

    t = steps.temperature
    over_t = "" if t == 1.0 else rf"\frac{{1}}{{{num(t)}}}"
    t_factor = "" if t == 1.0 else r"\frac{1}{T}"
    inputs = rf"y = {vec(steps.y)}, \qquad g = {vec(steps.g)}"
    if t != 1.0:
        inputs += rf", \qquad T = {num(t)}"
    jacobian = (
        rf"J = {t_factor}\left(\operatorname{{diag}}(y) - y y^\top\right) "
        rf"= {mat(steps.jacobian)}"
    )
    matrix = mat(steps.jacobian) if steps.n <= 4 else r"J\,"
    product = (
        rf"J^\top g = J g = {matrix} {vec(steps.g)} "
        rf"= {vec(steps.jacobian_product)}"
    )
    if 0 < steps.n <= 4:
        terms = " + ".join(
            rf"{num(gi)} \cdot {num(yi)}"
            for gi, yi in zip(steps.g, steps.y, strict=True)
        )
        dot = rf"\langle g, y \rangle = \sum_i g_i y_i = {terms} = {num(steps.dot)}"
    else:
        dot = rf"\langle g, y \rangle = \sum_i g_i y_i = {num(steps.dot)}"
    centered = (
        rf"g - \langle g, y \rangle = {vec(steps.g)} - {num(steps.dot)} "
        rf"= {vec(steps.centered)}"
    )
    formula = (
        rf"{t_factor} y \odot (g - \langle g, y \rangle) = {over_t}"
        rf"{vec(steps.y)} \odot {vec(steps.centered)} = {vec(steps.vjp)}"
    )
    agreement = (
        rf"\max_i \left| (J g)_i - {t_factor} y_i (g_i - \langle g, y \rangle) "
        rf"\right| = {num(steps.max_difference)}"
    )
    return VjpLatex(inputs, jacobian, product, dot, centered, formula, agreement)


# --- questions about an input -------------------------------------------------


def _index_labels(dims: tuple[int, ...]) -> list[str]:
    """``"0", "1", ...`` for one dimension; ``"(0, 1)"``-style multi-indices else."""
    if len(dims) == 1:
        return [str(i) for i in range(dims[0])]
    return [
        "(" + ", ".join(map(str, index)) + ")"
        for index in itertools.product(*(range(d) for d in dims))
    ]


def slice_labels(shape: tuple[int, ...], axis: Axis) -> list[str]:
    """Name the ``n`` positions inside one slice, in the order slices are flattened.

    A single softmax axis gives ``"0" .. "n-1"``; several axes give their
    multi-index, e.g. ``"(1, 0)"`` for axes ``(0, 2)``.

    Examples
    --------
    >>> slice_labels((2, 3), 1)
    ['0', '1', '2']
    >>> slice_labels((2, 3, 2), (0, 2))
    ['(0, 0)', '(0, 1)', '(1, 0)', '(1, 1)']
    """
    axes = normalize_axes(axis, tuple(shape), "slice_labels")
    return _index_labels(tuple(shape[a] for a in axes))


def batch_labels(shape: tuple[int, ...], axis: Axis) -> list[str]:
    """Name the slices, in C order over the remaining (batch) dimensions.

    Examples
    --------
    >>> batch_labels((2, 3), 1)
    ['0', '1']
    >>> batch_labels((2, 3, 2), (0, 2))
    ['0', '1', '2']
    >>> batch_labels((2, 2, 3), 2)
    ['(0, 0)', '(0, 1)', '(1, 0)', '(1, 1)']
    >>> batch_labels((4,), 0)
    ['()']
    """
    axes = normalize_axes(axis, tuple(shape), "batch_labels")
    return _index_labels(batch_shape(tuple(shape), axes))


def slice_expression(
    ndim: int, axis: Axis, index: tuple[int, ...], name: str = "x"
) -> str:
    """Return the NumPy expression that selects one slice, e.g. ``x[0, :]``.

    `index` gives one position per non-softmax dimension, in order.

    Examples
    --------
    >>> slice_expression(2, 1, (0,))
    'x[0, :]'
    >>> slice_expression(3, (0, 2), (1,))
    'x[:, 1, :]'
    >>> slice_expression(1, None, ())
    'x[:]'
    """
    axes = normalize_axes(axis, (1,) * ndim, "slice_expression")
    batch = iter(index)
    parts = [":" if d in axes else str(next(batch)) for d in range(ndim)]
    return f"{name}[{', '.join(parts)}]"


# --- reading a gradient check -------------------------------------------------


def read_rel_error(value: float) -> str:
    """Read a relative error by the CS231n rule of thumb, in a few words.

    Examples
    --------
    >>> read_rel_error(3e-10), read_rel_error(1e-4), read_rel_error(0.7)
    ('fine', 'suspicious', 'wrong')
    >>> read_rel_error(float("nan"))
    'not finite'
    """
    v = float(value)
    if not math.isfinite(v):
        return "not finite"
    if v <= FINE_REL_ERROR:
        return "fine"
    if v > WRONG_REL_ERROR:
        return "wrong"
    return "suspicious"
