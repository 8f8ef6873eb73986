r"""The three functions the app differentiates, dispatched to ``softmax_core``.

* ``softmax``: :math:`y = \operatorname{softmax}(x/T)`, loss :math:`L = \sum g
  \odot y`; VJP :func:`softmax_core.softmax_vjp`.
* ``log_softmax``: :math:`\log y`, loss :math:`L = \sum g \odot \log y`; VJP
  :func:`softmax_core.log_softmax_vjp`, JVP :func:`softmax_core.log_softmax_jvp`.
* ``cross_entropy``: the mean :func:`softmax_core.cross_entropy` over the N
  slices that take part; gradient :func:`softmax_core.cross_entropy_grad`,
  :math:`(y - t)/(N T)`.

Every number comes from the core (masks through its ``where=``); this module
only picks the core function for the page's ``f`` and says what N is. No
Streamlit here.
"""

from __future__ import annotations

import numpy as np

import softmax_core as sc
from softmax_app.inputs import FloatArray
from softmax_app.masking import BoolArray
from softmax_core.slices import to_slices

__all__ = ["FUNCTIONS", "gradient", "jvp", "loss", "n_mean"]

#: The functions the app offers, with how the page names them.
FUNCTIONS = {
    "softmax": "softmax: y = softmax(x / T)",
    "log_softmax": "log_softmax: log y",
    "cross_entropy": "cross_entropy: loss of softmax against a target",
}


def n_mean(
    x: FloatArray, axes: tuple[int, ...], t: float, mask: BoolArray | None
) -> int:
    """N of the mean cross-entropy: the slices that take part.

    The core's rule (:func:`softmax_core.cross_entropy`): a slice whose
    log-probabilities are all -inf (every entry masked, or all -inf logits)
    takes no part and is left out of the mean.
    """
    log_y = sc.log_softmax(x, axes, temperature=t, where=mask)
    return int(np.count_nonzero(~np.all(to_slices(log_y, axes) == -np.inf, axis=-1)))


def loss(
    x: FloatArray,
    target: FloatArray,
    axes: tuple[int, ...],
    t: float,
    mask: BoolArray | None,
) -> float:
    """Return the mean cross-entropy of the logits `x` against `target` (the core's)."""
    return float(sc.cross_entropy(x, target, axes, temperature=t, where=mask))


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
    if function == "log_softmax":
        log_y = sc.log_softmax(x, axes, temperature=t, where=mask)
        return sc.log_softmax_vjp(log_y, upstream, axes, temperature=t, where=mask)
    if target is None:
        raise ValueError("cross_entropy needs a target")
    return sc.cross_entropy_grad(x, target, axes, temperature=t, where=mask)


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
