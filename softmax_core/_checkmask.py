"""Masks in :func:`softmax_core.gradcheck`: an implementation seen through ``where=``.

A mask says which logits take part, as the forward's ``where=`` does. The
check applies it the way attention code does, outside the implementation:
masked logits are set to ``-inf`` before the implementation sees them (so
moving them changes nothing), the implementation's gradient there is dropped
(0, as the core's ``where=`` VJPs give and as the backward of PyTorch's
``masked_fill`` gives), and masked outputs are constants left out of the loss
(0 here: log-softmax's ``-inf`` would poison it). For cross-entropy a slice
with every class masked takes no part: its loss is a constant (0) and its
target a stand-in, class 0, that no correct code can be hurt by.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from softmax_core._validation import Axis, FloatArray
from softmax_core.slices import from_slices, to_slices

__all__ = ["MaskedLoss", "MaskedPass", "counted_slices", "stand_in_target"]

BoolArray = NDArray[np.bool_]


def _masked_logits(x: FloatArray, mask: BoolArray) -> FloatArray:
    # Broadcasts over a stack of points along a new first axis too.
    result: FloatArray = np.where(mask, x, -np.inf)
    return result


def _zero_masked(values: Any, mask: BoolArray) -> FloatArray:
    # The array's own dtype (NumPy 2 keeps float16 against a Python 0.0).
    result: FloatArray = np.where(mask, np.asarray(values), 0.0)
    return result


@dataclass(frozen=True, eq=False)
class MaskedPass:
    """A softmax or log-softmax :class:`Implementation` checked under `mask`."""

    impl: Any
    mask: BoolArray  # x's shape

    def forward(self, x: FloatArray, axis: Axis) -> FloatArray:
        """Return the forward of the masked logits, masked outputs 0."""
        out = self.impl.forward(_masked_logits(x, self.mask), axis)
        return _zero_masked(out, self.mask)

    def backward(self, x: FloatArray, upstream: FloatArray, axis: Axis) -> FloatArray:
        """Return its backward there (masked upstream dropped), 0 at masked logits."""
        g = _zero_masked(upstream, self.mask)
        out = self.impl.backward(_masked_logits(x, self.mask), g, axis)
        return _zero_masked(out, self.mask)


@dataclass(frozen=True, eq=False)
class MaskedLoss:
    """A cross-entropy :class:`LossImplementation` checked under `mask`.

    ``loss(..., "none")`` gives 0 for the slices that take no part (`counted`
    False), whatever the implementation returns there; the reduced losses are
    the implementation's own, so its mean must leave those slices out of N.
    """

    impl: Any
    mask: BoolArray  # x's shape
    counted: BoolArray  # batch shape: the slices with a class left

    def loss(
        self, x: FloatArray, target: FloatArray, axis: Axis, reduction: str
    ) -> FloatArray:
        """Return the implementation's loss of the masked logits."""
        out = self.impl.loss(_masked_logits(x, self.mask), target, axis, reduction)
        if reduction == "none":
            return _zero_masked(out, self.counted)
        return np.asarray(out)

    def grad(
        self,
        x: FloatArray,
        target: FloatArray,
        axis: Axis,
        reduction: str,
        upstream: FloatArray,
    ) -> FloatArray:
        """Return its gradient there, 0 at masked logits."""
        logits = _masked_logits(x, self.mask)
        out = self.impl.grad(logits, target, axis, reduction, upstream)
        return _zero_masked(out, self.mask)


def counted_slices(mask: BoolArray, axes: tuple[int, ...]) -> BoolArray:
    """One flag per slice (the batch shape): whether any class of it is kept."""
    flags: BoolArray = np.any(to_slices(mask, axes), axis=-1)
    return flags


def stand_in_target(
    probs: FloatArray, counted: BoolArray, axes: tuple[int, ...]
) -> FloatArray:
    """Give each slice that takes no part the target class 0 (it is ignored).

    :func:`softmax_core.target_distribution` returns zeros there, which is no
    distribution: an implementation that checks its target (the core's
    :func:`cross_entropy` does) would refuse it. Its logits are all ``-inf``,
    so the slice takes no part whatever its target.
    """
    slices = to_slices(probs, axes).copy()
    slices[~counted] = 0.0
    slices[~counted, ..., 0] = 1.0
    result: FloatArray = from_slices(slices, probs.shape, axes)
    return result
