r"""The three functions the app differentiates, with masks: one slice at a time.

* ``softmax``: :math:`y = \operatorname{softmax}(x/T)`, loss :math:`L = \sum g
  \odot y`; VJP :math:`y \odot (g - \langle g, y\rangle)/T`.
* ``log_softmax``: :math:`\log y`, loss :math:`L = \sum g \odot \log y`; VJP
  :math:`(g - y \sum g)/T`, JVP :math:`(t - \mathbf{1}\langle y, t\rangle)/T`.
* ``cross_entropy``: :math:`L = -\frac{1}{N}\sum t \odot \log y` over the N
  slices that have a target (PyTorch's mean); gradient :math:`(y - t)/(N T)`.

Whole arrays go through ``softmax_core`` (its ``where=`` masks);
:func:`slice_steps` writes one slice's backward pass out with its numbers.
No Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

import softmax_core as sc
from softmax_app.inputs import FloatArray
from softmax_app.masking import BoolArray
from softmax_core.slices import to_slices

__all__ = [
    "FUNCTIONS",
    "CoreImplementation",
    "SliceSteps",
    "cross_entropy",
    "gradient",
    "jvp",
    "n_targets",
    "slice_jacobian",
    "slice_steps",
]

#: The functions the app offers, with how the page names them.
FUNCTIONS = {
    "softmax": "softmax: y = softmax(x / T)",
    "log_softmax": "log_softmax: log y",
    "cross_entropy": "cross_entropy: loss of softmax against a target",
}


def n_targets(target: FloatArray, axes: tuple[int, ...]) -> int:
    """N of the mean: the slices whose target is not all zero (fully masked)."""
    return int(np.count_nonzero(np.any(to_slices(target, axes) != 0, axis=-1)))


def cross_entropy(
    x: FloatArray,
    target: FloatArray,
    axes: tuple[int, ...],
    t: float,
    mask: BoolArray | None,
) -> float:
    """Mean cross-entropy ``-sum(target * log_softmax(x / T)) / N``."""
    log_y = sc.log_softmax(x, axes, temperature=t, where=mask)
    # 0 * -inf is NaN: entries without target probability add nothing.
    terms = np.where(target > 0, target * np.where(target > 0, log_y, 0.0), 0.0)
    return float(-np.sum(terms) / max(n_targets(target, axes), 1))


def gradient(
    function: str,
    x: FloatArray,
    upstream: FloatArray,
    target: FloatArray | None,
    axes: tuple[int, ...],
    t: float,
    mask: BoolArray | None,
) -> FloatArray:
    """dL/dx of `function` (`upstream` for the first two, `target` for the loss)."""
    if function == "softmax":
        y = sc.softmax(x, axes, temperature=t, where=mask)
        return sc.softmax_vjp(y, upstream, axes, temperature=t, where=mask)
    log_y = sc.log_softmax(x, axes, temperature=t, where=mask)
    if function == "log_softmax":
        return sc.log_softmax_vjp(log_y, upstream, axes, temperature=t, where=mask)
    assert target is not None
    # dL/d(log y) = -t / N, and the log-softmax VJP turns it into (y - t)/(N T).
    g = -target / max(n_targets(target, axes), 1)
    return sc.log_softmax_vjp(log_y, g, axes, temperature=t, where=mask)


def jvp(
    function: str,
    x: FloatArray,
    tangent: FloatArray,
    target: FloatArray | None,
    axes: tuple[int, ...],
    t: float,
    mask: BoolArray | None,
) -> FloatArray:
    """J·tangent: the change of the output for x moved along `tangent`.

    For cross-entropy the output is the loss, a number: ``<dL/dx, tangent>``
    (returned as a 0-d array).
    """
    if function == "cross_entropy":
        grad = gradient(function, x, np.zeros_like(x), target, axes, t, mask)
        return np.asarray(np.sum(grad * tangent))
    if function == "softmax":
        y = sc.softmax(x, axes, temperature=t, where=mask)
        return sc.softmax_jvp(y, tangent, axes, temperature=t, where=mask)
    log_y = sc.log_softmax(x, axes, temperature=t, where=mask)
    return sc.log_softmax_jvp(log_y, tangent, axes, temperature=t, where=mask)


def slice_jacobian(
    function: str, y: FloatArray, t: float, mask: BoolArray | None = None
) -> FloatArray:
    r"""One slice's Jacobian from its probabilities `y` (shape (n,)): (n, n).

    softmax: :math:`(\operatorname{diag}(y) - y y^\top)/T`; log-softmax (and
    cross-entropy, whose loss goes through it):
    :math:`(I - \mathbf{1} y^\top)/T`. Masked rows and columns are 0: masked
    outputs are constants and masked inputs take no part.
    """
    y = np.asarray(y, dtype=np.float64)
    if function == "softmax":
        jac = (np.diag(y) - np.outer(y, y)) / t
    else:
        jac = (np.eye(y.size) - np.outer(np.ones(y.size), y)) / t
    if mask is not None:
        keep = np.asarray(mask, dtype=bool)
        jac = np.where(keep[:, None] & keep[None, :], jac, 0.0)
    return np.asarray(jac)


@dataclass(frozen=True, eq=False)
class SliceSteps:
    """One slice's backward pass, every intermediate value.

    ``upstream`` is g (softmax, log-softmax) or ``-target / N``
    (cross-entropy); ``total`` is ⟨g, y⟩ (softmax) or Σg (log-softmax,
    cross-entropy); ``formula`` the VJP by the formula; ``through_jacobian``
    Jᵀg; ``forward_product`` J g, which differs from Jᵀg unless J is
    symmetric; ``loss`` the slice's loss term (cross-entropy only).
    """

    function: str
    y: FloatArray
    upstream: FloatArray
    temperature: float
    jacobian: FloatArray
    through_jacobian: FloatArray
    forward_product: FloatArray
    total: float
    formula: FloatArray
    mask: BoolArray | None
    target: FloatArray | None = None
    n_mean: int = 1
    loss: float = 0.0

    @property
    def max_difference(self) -> float:
        """Largest |Jᵀg − formula|: rounding only, NaN if the slice holds NaN."""
        with np.errstate(invalid="ignore"):
            diff = np.abs(self.through_jacobian - self.formula)
        return float(np.max(diff, initial=0.0))


def slice_steps(
    function: str,
    y: FloatArray,
    upstream: FloatArray,
    t: float,
    mask: BoolArray | None = None,
    *,
    target: FloatArray | None = None,
    n_mean: int = 1,
) -> SliceSteps:
    """Write one slice's backward pass out (`target` and `n_mean` for the loss)."""
    y = np.asarray(y, dtype=np.float64)
    g = np.asarray(upstream, dtype=np.float64)
    loss = 0.0
    if function == "cross_entropy":
        assert target is not None
        g = -np.asarray(target, dtype=np.float64) / n_mean
        with np.errstate(divide="ignore"):
            logs = np.log(y, where=target > 0, out=np.zeros_like(y))
        loss = float(-np.sum(target * logs))
    if mask is not None:
        g = np.where(mask, g, 0.0)
    jac = slice_jacobian(function, y, t, mask)
    with np.errstate(invalid="ignore"):
        if function == "softmax":
            total = float(np.sum(g * y))
            formula = y * (g - total) / t
        else:
            total = float(np.sum(g))
            formula = (g - y * total) / t
        if mask is not None:
            formula = np.where(mask, formula, 0.0)
        return SliceSteps(
            function, y, g, t, jac, jac.T @ g, jac @ g, total, formula, mask,
            target, n_mean, loss,
        )  # fmt: skip


@dataclass(frozen=True, eq=False)
class CoreImplementation:
    """The core's log-softmax or cross-entropy, for ``sc.gradcheck`` to check.

    ``gradcheck`` differentiates ``L = Σ g ⊙ forward(x)``: for cross-entropy
    `forward` returns each entry's term ``-t log y / N``, so with g = ones L is
    the mean loss. Masks go through ``where=``.
    """

    function: str
    mask: BoolArray | None = None
    target: FloatArray | None = None

    def _g(self, axis: Any, g: FloatArray) -> FloatArray:
        if self.function != "cross_entropy" or self.target is None:
            return g
        axes = sc.slices.normalize_axes(axis, self.target.shape)
        return np.asarray(-g * self.target / max(n_targets(self.target, axes), 1))

    def forward(self, x: FloatArray, axis: Any) -> FloatArray:
        """Return log_softmax(x), or cross-entropy's terms."""
        log_y = sc.log_softmax(x, axis, where=self.mask)
        if self.function != "cross_entropy":
            return log_y
        return np.asarray(
            self._g(axis, np.ones_like(log_y)) * np.where(self.target != 0, log_y, 0.0)
        )

    def backward(self, x: FloatArray, upstream: FloatArray, axis: Any) -> FloatArray:
        """Return the core's VJP of `forward`."""
        log_y = sc.log_softmax(x, axis, where=self.mask)
        return sc.log_softmax_vjp(log_y, self._g(axis, upstream), axis, where=self.mask)
