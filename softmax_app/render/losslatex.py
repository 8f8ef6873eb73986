r"""One slice's log-softmax or cross-entropy backward pass, as LaTeX with numbers.

The softmax steps are :func:`softmax_app.render.explain.vjp_latex`; these are
the other two functions' steps from :class:`softmax_app.losses.SliceSteps`,
as (sentence, LaTeX) pairs in reading order. No Streamlit here.
"""

from __future__ import annotations

import numpy as np

from softmax_app.inputs import FloatArray
from softmax_app.losses import SliceSteps
from softmax_app.render.explain import latex_matrix, latex_number, latex_vector

__all__ = ["cross_entropy_latex", "log_softmax_latex", "steps_latex"]

Steps = list[tuple[str, str]]


class _Writer:
    """Numbers to LaTeX with a fixed number of digits."""

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def vec(self, v: FloatArray) -> str:
        return latex_vector(v, self.digits, 8)

    def mat(self, m: FloatArray) -> str:
        return latex_matrix(m, self.digits, 6)

    def num(self, v: float) -> str:
        return latex_number(v, self.digits)


def _t(steps: SliceSteps) -> str:
    return "" if steps.temperature == 1.0 else r"\frac{1}{T}"


def log_softmax_latex(steps: SliceSteps, digits: int = 6) -> Steps:
    """Write the log-softmax VJP ``(g - y·Σg)/T`` through J and by the formula.

    Examples
    --------
    >>> from softmax_app.losses import slice_steps
    >>> y = np.array([0.26894142, 0.73105858])
    >>> steps = slice_steps("log_softmax", y, np.array([2.0, 0.0]), 1.0)
    >>> tex = log_softmax_latex(steps)
    >>> "1.46212" in tex[-2][1]
    True
    """
    w, t = _Writer(digits), _t(steps)
    y, g, n = steps.y, steps.upstream, steps.y.size
    jac = w.mat(steps.jacobian) if n <= 4 else "J"
    terms = " + ".join(w.num(v) for v in g) if n <= 4 else r"\sum_i g_i"
    return [
        ("**1. The slice's probabilities y and its upstream gradient g**",
         rf"y = {w.vec(y)}, \qquad g = {w.vec(g)}"),
        ("**2. The Jacobian** of log y: row i is (e_i − y)/T. It is **not "
         "symmetric**, so Jᵀg and J g differ.",
         rf"J = {t}\left(I - \mathbf{{1}} y^\top\right) = {w.mat(steps.jacobian)}"),
        ("**3. Through the Jacobian**: the VJP is Jᵀg (the transposed-Jacobian "
         "bug computes J g instead).",
         rf"J^\top g = {jac}^\top {w.vec(g)} = {w.vec(steps.through_jacobian)}"
         rf", \qquad J g = {w.vec(steps.forward_product)}"),
        ("**4. Without the Jacobian**: sum g, scale y by it, subtract.",
         rf"\textstyle\sum_i g_i = {terms} = {w.num(steps.total)}"),
        ("", rf"{t}\left(g - y \textstyle\sum_i g_i\right) = {w.vec(g)} - "
             rf"{w.num(steps.total)}\,{w.vec(y)} = {w.vec(steps.formula)}"),
        ("**5. The two routes agree**",
         rf"\max_i \left|(J^\top g)_i - {t}(g_i - y_i \textstyle\sum_j g_j)\right| "
         rf"= {w.num(steps.max_difference)}"),
    ]  # fmt: skip


def cross_entropy_latex(steps: SliceSteps, digits: int = 6) -> Steps:
    """Write the cross-entropy step: the loss term, then ``(y - t)/(N T)``.

    Examples
    --------
    >>> from softmax_app.losses import slice_steps
    >>> y = np.array([0.26894142, 0.73105858])
    >>> s = slice_steps("cross_entropy", y, y, 1.0, target=np.array([0.0, 1.0]),
    ...                 n_mean=2)
    >>> "0.134471" in cross_entropy_latex(s)[-1][1]
    True
    """
    w, t = _Writer(digits), _t(steps)
    y = steps.y
    target = np.zeros_like(y) if steps.target is None else steps.target
    big_n = steps.n_mean
    scale = rf"\frac{{1}}{{{big_n}}}" if t == "" else rf"\frac{{1}}{{{big_n}\,T}}"
    return [
        ("**1. The slice's probabilities y and its target t**",
         rf"y = {w.vec(y)}, \qquad t = {w.vec(target)}, \qquad N = {big_n}"),
        ("**2. Its share of the loss**: −Σ t log y (the mean divides the sum "
         "over the slices by N).",
         rf"-\textstyle\sum_i t_i \log y_i = {w.num(steps.loss)}"),
        ("**3. Backward through log-softmax** with upstream gradient −t/N: "
         "(g − y Σg)/T with Σ t = 1 gives (y − t)/(N T).",
         rf"\frac{{\partial L}}{{\partial x}} = {t}\left(-\frac{{t}}{{N}} + "
         rf"y\,\textstyle\sum_i \frac{{t_i}}{{N}}\right) = {scale}(y - t)"),
        ("**4. The famous y − t**, with the numbers",
         rf"{scale}\left({w.vec(y)} - {w.vec(target)}\right) = "
         rf"{w.vec(steps.formula)}"),
    ]  # fmt: skip


def steps_latex(steps: SliceSteps, digits: int = 6) -> Steps:
    """Write the steps of `steps.function` (log_softmax or cross_entropy)."""
    if steps.function == "cross_entropy":
        return cross_entropy_latex(steps, digits)
    return log_softmax_latex(steps, digits)
