r"""One slice's log-softmax or cross-entropy backward pass, as LaTeX with numbers.

The softmax steps are :func:`softmax_app.render.explain.vjp_latex`; these are
the other two functions' steps from the core's
:func:`softmax_core.log_softmax_vjp_steps` and
:func:`softmax_core.cross_entropy_steps`, as (sentence, LaTeX) pairs in
reading order: every number here is one the core computed. No Streamlit here.
"""

from __future__ import annotations

from softmax_app.inputs import FloatArray
from softmax_app.render.explain import latex_matrix, latex_number, latex_vector
from softmax_core import CrossEntropySteps, LogSoftmaxVjpSteps

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


def _t(steps: LogSoftmaxVjpSteps | CrossEntropySteps) -> str:
    return "" if steps.temperature == 1.0 else r"\frac{1}{T}"


def log_softmax_latex(steps: LogSoftmaxVjpSteps, digits: int = 6) -> Steps:
    """Write the log-softmax VJP ``(g - y·Σg)/T`` through J and by the formula.

    Examples
    --------
    >>> from softmax_core import log_softmax, log_softmax_vjp_steps
    >>> steps = log_softmax_vjp_steps(log_softmax([1.0, 2.0]), [2.0, 0.0])
    >>> tex = log_softmax_latex(steps)
    >>> "1.46212" in tex[-2][1]
    True
    """
    w, t = _Writer(digits), _t(steps)
    y, g, n = steps.y, steps.g, steps.y.size
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
         rf"J^\top g = {jac}^\top {w.vec(g)} = {w.vec(steps.jacobian_product)}"
         rf", \qquad J g = {w.vec(steps.transposed_product)}"),
        ("**4. Without the Jacobian**: sum g, scale y by it, subtract.",
         rf"\textstyle\sum_i g_i = {terms} = {w.num(steps.total)}"),
        ("", rf"{t}\left(g - y \textstyle\sum_i g_i\right) = {w.vec(g)} - "
             rf"{w.num(steps.total)}\,{w.vec(y)} = {w.vec(steps.vjp)}"),
        ("**5. The two routes agree**",
         rf"\max_i \left|(J^\top g)_i - {t}(g_i - y_i \textstyle\sum_j g_j)\right| "
         rf"= {w.num(steps.max_difference)}"),
    ]  # fmt: skip


def cross_entropy_latex(
    steps: CrossEntropySteps, n_mean: int = 1, digits: int = 6
) -> Steps:
    """Write the cross-entropy step: the loss term, then ``(y - t)/(N T)``.

    `steps` must come from :func:`softmax_core.cross_entropy_steps` with
    ``weight = 1 / n_mean``, the mean over `n_mean` slices.

    Examples
    --------
    >>> from softmax_core import cross_entropy_steps
    >>> s = cross_entropy_steps([1.0, 2.0], 1, weight=0.5)
    >>> "0.134471" in cross_entropy_latex(s, 2)[-2][1]
    True
    """
    w, t = _Writer(digits), _t(steps)
    y, target, big_n = steps.y, steps.target, n_mean
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
         rf"{w.vec(steps.gradient)}"),
        ("**5. The two routes agree**: the chain rule through log-softmax's "
         "VJP gave the same numbers.",
         rf"\text{{chain rule}} = {w.vec(steps.chain)}, \qquad "
         rf"\max_i \left|\text{{chain rule}}_i - {scale}(y_i - t_i)\right| = "
         rf"{w.num(steps.max_difference)}"),
    ]  # fmt: skip


def steps_latex(
    steps: LogSoftmaxVjpSteps | CrossEntropySteps, digits: int = 6, n_mean: int = 1
) -> Steps:
    """Write the steps of log-softmax's VJP or of the cross-entropy (mean of N)."""
    if isinstance(steps, CrossEntropySteps):
        return cross_entropy_latex(steps, n_mean, digits)
    return log_softmax_latex(steps, digits)
