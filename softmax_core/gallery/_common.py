"""What the gallery's modules share: the axis helper and the classic example."""

from __future__ import annotations

import numpy as np

from softmax_core._validation import Axis, FloatArray, normalize_axes

__all__ = ["CLASSIC_G", "CLASSIC_TARGET", "CLASSIC_X", "axes"]

#: The story's example: two slices along axis 1, each with its own upstream.
CLASSIC_X = [[1.0, 2.0], [3.0, 4.0]]
CLASSIC_G = [[1.0, 0.0], [0.0, 1.0]]
#: The issue's cross-entropy example on the same logits: class 1, then class 0.
CLASSIC_TARGET = [1, 0]


def axes(x: FloatArray, axis: Axis) -> tuple[int, ...]:
    """Return the sorted softmax axes `axis` means for `x`."""
    return normalize_axes(axis, np.shape(x), "gallery")
