"""Gradient checks under a mask: a gallery entry's code wrapped for ``gradcheck``.

:func:`softmax_core.gradcheck` takes no mask (no ``where=``), and the gallery's
teaching code knows nothing of masks either. The Gradcheck page checks a
masked input the way attention code applies a mask: masked logits are set to
-inf before the entry's code sees them, so they take no part in any slice and
moving them changes nothing; the entry's gradient there is taken as 0, and
the masked outputs are constants left out of the loss, as the core's
``where=`` defines them. The finite differences then check the gradient of the
unmasked entries. No Streamlit here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

import softmax_core as sc
from softmax_app.inputs import FloatArray
from softmax_app.masking import BoolArray, masked_logits
from softmax_core.slices import from_slices, to_slices

__all__ = [
    "MaskedLoss",
    "MaskedPass",
    "checkable_target",
    "masked_implementation",
    "sliced_refusal",
]


@dataclass(frozen=True, eq=False)
class MaskedPass:
    """A softmax or log-softmax variant checked under a mask.

    The loss is ``L = Σ g ⊙ forward(x)`` over the unmasked entries only (a
    masked output is a constant, 0 here; log-softmax's -inf would poison L),
    and the upstream gradient's masked entries are dropped before the
    variant's backward pass sees them, as ``where=`` does.
    """

    variant: sc.Variant
    mask: BoolArray
    name: str

    def forward(self, x: FloatArray, axis: Any) -> FloatArray:
        """Return the variant's forward of x with masked logits at -inf, masked 0."""
        out = np.asarray(self.variant.forward(masked_logits(x, self.mask), axis))
        return np.where(self.mask, out, 0.0)

    def backward(self, x: FloatArray, upstream: FloatArray, axis: Any) -> FloatArray:
        """Return the variant's backward there (masked g dropped), 0 at masked x."""
        g = np.where(self.mask, upstream, 0.0)
        out = self.variant.backward(masked_logits(x, self.mask), g, axis)
        return np.where(self.mask, np.asarray(out), 0.0)


@dataclass(frozen=True, eq=False)
class MaskedLoss:
    """A cross-entropy variant checked under a mask (masked logits at -inf)."""

    variant: sc.Variant
    mask: BoolArray
    name: str

    def loss(
        self, x: FloatArray, target: FloatArray, axis: Any, reduction: str
    ) -> FloatArray:
        """Return the variant's loss of x with masked logits at -inf."""
        logits = masked_logits(x, self.mask)
        return np.asarray(self.variant.forward(logits, target, axis, reduction))

    def grad(
        self,
        x: FloatArray,
        target: FloatArray,
        axis: Any,
        reduction: str,
        upstream: FloatArray,
    ) -> FloatArray:
        """Return the variant's gradient there, 0 at masked logits."""
        logits = masked_logits(x, self.mask)
        out = self.variant.backward(logits, target, axis, reduction, upstream)
        return np.where(self.mask, np.asarray(out), 0.0)


def checkable_target(
    target: FloatArray, mask: BoolArray, axes: tuple[int, ...]
) -> FloatArray:
    """Give each fully masked slice a target gradcheck accepts: class 0.

    The panel's target is all zeros there (no class exists), which
    :func:`softmax_core.target_distribution` refuses without ``where=``. Such a
    slice's logits are all -inf under :class:`MaskedLoss`, so it takes no part
    in the loss whatever its target: the check is of the same loss.

    Examples
    --------
    >>> checkable_target(np.array([[0.0, 1.0], [0.0, 0.0]]),
    ...                  np.array([[True, True], [False, False]]), (1,))
    array([[0., 1.],
           [1., 0.]])
    """
    slices = to_slices(np.asarray(target, dtype=np.float64), axes).copy()
    empty = ~np.any(to_slices(mask, axes), axis=-1)
    slices[empty] = 0.0
    slices[empty, ..., 0] = 1.0
    return np.array(from_slices(slices, np.shape(target), axes))


def masked_implementation(name: str, function: str, mask: BoolArray) -> Any:
    """Return the gallery entry `name`'s code for `function`, wrapped for `mask`.

    Raises
    ------
    KeyError
        If `name` is not a gallery entry.
    ValueError
        If the entry has no version for `function`.
    """
    variant = sc.IMPLEMENTATIONS[name].variant(function)
    if function == "cross_entropy":
        return MaskedLoss(variant, mask, name)
    return MaskedPass(variant, mask, name)


def sliced_refusal(
    function: str, mask: BoolArray | None, axes: tuple[int, ...], mode: str
) -> str | None:
    """Why a sliced check of this masked cross-entropy would be wrong, or None.

    The core's sliced mode evaluates the cross-entropy per slice and divides
    the mean by every slice, while :func:`softmax_core.cross_entropy` leaves
    fully masked slices out of N: with such a slice the two losses differ and
    a correct gradient would fail. Elementwise and directional mode evaluate
    the core's mean itself.

    Examples
    --------
    >>> sliced_refusal("cross_entropy", np.array([[True], [False]]), (1,),
    ...                "sliced")[:24]
    'sliced mode cannot check'
    """
    if function != "cross_entropy" or mode != "sliced" or mask is None:
        return None
    empty = int(np.count_nonzero(~np.any(to_slices(mask, axes), axis=-1)))
    if empty == 0:
        return None
    return (
        f"sliced mode cannot check this cross-entropy: {empty} slice(s) are fully "
        "masked, the mean leaves them out of N, but the sliced check divides by "
        "every slice, so even the correct gradient would fail. Use elementwise "
        "or directional mode"
    )
