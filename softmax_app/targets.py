"""The cross-entropy target: the ``target`` spec, read into a distribution.

The panel's target box and ``target`` link parameter take ``argmax`` (the
default: each slice's class is its largest unmasked logit), class indices (one
per slice, ``[1, 0]``, indexing the flattened slice), or probabilities of x's
shape (each slice summing to 1). The core's
:func:`softmax_core.target_distribution` checks the indices or probabilities
and turns them into the distribution ``t`` of x's shape that cross-entropy
compares softmax with; this module only reads the text and the ``argmax``
keyword. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

import softmax_core as sc
from softmax_app.inputs import FloatArray
from softmax_app.masking import BoolArray, masked_logits
from softmax_core.slices import batch_shape, to_slices

__all__ = ["DEFAULT_TARGET", "TARGET_KEYWORDS", "make_target"]

DEFAULT_TARGET = "argmax"
TARGET_KEYWORDS = (DEFAULT_TARGET,)
# The core's messages start with its function's name; the panel names the box.
_PREFIXES = ("target_distribution: target: ", "target_distribution: ")


def _argmax_classes(
    x: FloatArray, axes: tuple[int, ...], mask: BoolArray | None
) -> FloatArray:
    """Each slice's largest unmasked logit (NaN counts as -inf).

    A fully masked slice gets class 0: with ``where=`` the core ignores its
    target (the slice takes no part) and returns zeros there.
    """
    logits = np.nan_to_num(masked_logits(x, mask), nan=-np.inf, posinf=np.inf)
    classes: FloatArray = np.argmax(to_slices(logits, axes), axis=-1).astype(np.float64)
    return classes


def _core_message(exc: ValueError) -> str:
    text = str(exc)
    for prefix in _PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def make_target(
    text: str,
    x: FloatArray,
    axes: tuple[int, ...],
    mask: BoolArray | None = None,
    *,
    parse: Callable[[str], ArrayLike],
) -> FloatArray:
    """Read the target box into a target distribution of x's shape.

    Parameters
    ----------
    text : str
        ``argmax``, class indices of shape ``batch_shape`` or probabilities of
        x's shape.
    x : ndarray
        The logits.
    axes : tuple of int
        The softmax (class) axes.
    mask : ndarray of bool, optional
        Masked entries may not be targets; a fully masked slice has none
        (its target row is all zeros and it adds nothing to the loss).
    parse : callable
        The array parser (``softmax_core.parse_array``).

    Raises
    ------
    ValueError
        If the text is unreadable, or :func:`softmax_core.target_distribution`
        refuses it (neither shape, a class out of range or masked,
        probabilities that do not sum to 1); the message names the slice.

    Examples
    --------
    >>> from softmax_core import parse_array
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> make_target("[1, 0]", x, (1,), parse=parse_array)
    array([[0., 1.],
           [1., 0.]])
    >>> make_target("argmax", x, (1,), parse=parse_array)
    array([[0., 1.],
           [0., 1.]])
    """
    x = np.asarray(x, dtype=np.float64)
    if text.strip().lower() in ("", DEFAULT_TARGET):
        values = _argmax_classes(x, axes, mask)
    else:
        values = np.asarray(parse(text), dtype=np.float64)
        if batch_shape(x.shape, axes) == () and values.shape == (1,):
            values = values.reshape(())  # [1] for the one slice of a 1-D x
    try:
        return np.asarray(sc.target_distribution(values, x.shape, axes, where=mask))
    except ValueError as exc:
        raise ValueError(_core_message(exc)) from None
