"""Masks for the app: the ``mask`` spec, fully masked slices, masked logits.

A mask says which entries take part in softmax (1 or true: kept; 0 or false:
masked), as the core's ``where=`` does. The panel's ``mask`` box and link
parameter take ``none`` (the default), ``causal`` (query i sees keys ≤ i over
the last two axes, as in a decoder's attention) or a 0/1 array of x's shape in
any text the x box reads. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from softmax_app.inputs import FloatArray
from softmax_core.slices import to_slices

BoolArray: TypeAlias = NDArray[np.bool_]

__all__ = [
    "MASK_KEYWORDS",
    "BoolArray",
    "causal_mask",
    "fully_masked",
    "fully_masked_note",
    "make_mask",
    "masked_logits",
]

#: Words accepted in the mask box besides an array ("" means none too).
MASK_KEYWORDS = ("none", "causal")


def causal_mask(shape: tuple[int, ...]) -> BoolArray:
    """Lower-triangular mask over the last two axes: entry [..., i, j] is j ≤ i.

    Row i is query i, column j key j: a query sees itself and earlier keys.

    Raises
    ------
    ValueError
        If `shape` has fewer than two dimensions.

    Examples
    --------
    >>> causal_mask((3, 3)).astype(int)
    array([[1, 0, 0],
           [1, 1, 0],
           [1, 1, 1]])
    """
    if len(shape) < 2:
        raise ValueError(
            f"causal needs at least two dimensions (queries x keys); x has shape "
            f"{shape}. Use none, or an array of 0s and 1s of x's shape"
        )
    tri = np.tri(shape[-2], shape[-1], dtype=bool)
    return np.array(np.broadcast_to(tri, shape))


def make_mask(
    text: str, shape: tuple[int, ...], *, parse: Callable[[str], ArrayLike]
) -> BoolArray | None:
    """Read the mask box for an x of `shape`: None (no mask) or a boolean array.

    Parameters
    ----------
    text : str
        ``none`` or empty, ``causal``, or array text of 0s and 1s (or
        true/false) with x's shape.
    shape : tuple of int
        x's shape.
    parse : callable
        The array parser (``softmax_core.parse_array``).

    Raises
    ------
    ValueError
        If the text is unreadable, has another shape, or holds values other
        than 0 and 1; the message says which and where.

    Examples
    --------
    >>> from softmax_core import parse_array
    >>> make_mask("none", (2, 2), parse=parse_array) is None
    True
    >>> make_mask("[[1, 0], [1, 1]]", (2, 2), parse=parse_array)
    array([[ True, False],
           [ True,  True]])
    """
    word = text.strip().lower()
    if word in ("", "none"):
        return None
    if word == "causal":
        return causal_mask(shape)
    values = np.asarray(parse(text), dtype=np.float64)
    if values.shape != shape:
        raise ValueError(
            f"mask has shape {values.shape} but x has shape {shape}; they must "
            f"match (or use {', '.join(MASK_KEYWORDS)})"
        )
    bad = ~((values == 0) | (values == 1))
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"mask must hold only 1 (kept) and 0 (masked); it has "
            f"{values[where]!r} at index {where}"
        )
    kept: BoolArray = values == 1
    return kept


def fully_masked(mask: BoolArray | None, axes: tuple[int, ...]) -> BoolArray:
    """One flag per slice (batch shape): whether every entry of it is masked.

    Examples
    --------
    >>> fully_masked(np.array([[True, False], [False, False]]), (1,))
    array([False,  True])
    """
    if mask is None:
        return np.zeros((), dtype=bool)
    slices = to_slices(mask, axes)
    flags: BoolArray = ~np.any(slices, axis=-1)
    return flags


def fully_masked_note(mask: BoolArray | None, axes: tuple[int, ...]) -> str:
    """Say how many slices are fully masked and what they give ("" if none).

    Examples
    --------
    >>> fully_masked_note(np.array([[True, False], [False, False]]), (1,))[:45]
    '1 of 2 slices is fully masked: its softmax is'
    """
    flags = fully_masked(mask, axes)
    count, total = int(np.count_nonzero(flags)), max(int(flags.size), 1)
    if count == 0:
        return ""
    verb, its = ("is", "its") if count == 1 else ("are", "their")
    return (
        f"{count} of {total} slices {verb} fully masked: {its} softmax is all zeros "
        f"(there is nothing to normalise over: the probabilities of no entries "
        f"cannot sum to 1), not NaN as exp(-inf) / 0 would give, and {its} "
        f"gradient is zero. PyTorch gives NaN there; JAX with where= gives 0, "
        f"as here."
    )


def masked_logits(x: FloatArray, mask: BoolArray | None) -> FloatArray:
    """Set masked logits to -inf: how attention code usually applies a mask.

    Examples
    --------
    >>> masked_logits(np.array([1.0, 2.0]), np.array([True, False]))
    array([  1., -inf])
    """
    if mask is None:
        return x
    return np.where(mask, x, -np.inf)
