"""Per-slice Jacobians of softmax: one small ``n x n`` matrix per slice.

Frameworks give the full block-diagonal Jacobian of the whole array (size² entries,
almost all zero). Softmax only mixes entries within a slice, so the whole derivative
is a stack of ``n x n`` blocks, one per slice; that stack is what this module builds.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from softmax_core._floating import cast_result, divide_by_temperature, ignores_underflow
from softmax_core._validation import (
    Axis,
    FloatArray,
    as_float_array,
    check_temperature,
    normalize_axes,
    result_dtype,
)
from softmax_core.slices import batch_shape, slice_length, to_slices

__all__ = ["DEFAULT_MAX_JACOBIAN_BYTES", "slice_jacobians"]

#: Largest stack of Jacobians :func:`slice_jacobians` builds (256 MiB).
DEFAULT_MAX_JACOBIAN_BYTES = 256 * 2**20


@ignores_underflow
def slice_jacobians(
    y: ArrayLike,
    axis: Axis = -1,
    *,
    temperature: float = 1.0,
    max_bytes: int = DEFAULT_MAX_JACOBIAN_BYTES,
) -> FloatArray:
    r"""Stack of softmax Jacobians, one per slice, from the forward output.

    Parameters
    ----------
    y : array_like of shape (...)
        The forward output ``softmax(x, axis, temperature=temperature)``.
    axis : int, tuple of int or None, default -1
        The axes the forward pass normalised over.
    temperature : float, default 1.0
        The forward temperature.
    max_bytes : int, default 256 MiB
        Refuse to build a result larger than this.

    Returns
    -------
    ndarray of shape batch_shape + (n, n)
        ``batch_shape`` is ``y.shape`` without the softmax axes (order kept) and
        ``n`` the product of their lengths. Entry ``[..., i, j]`` is
        :math:`\partial y_i / \partial x_j` within that slice, the slice being
        flattened in C order over the softmax axes in increasing order.

    Raises
    ------
    ValueError
        If the result would exceed `max_bytes`, or the axis or temperature is
        invalid.

    Notes
    -----
    .. math:: J = \frac{1}{T}\left(\operatorname{diag}(y) - y y^\top\right)

    :math:`J` is symmetric and each row sums to 0 (the outputs always sum to 1,
    so moving every input together changes nothing).

    Examples
    --------
    >>> y = softmax([[1.0, 2.0], [3.0, 4.0]], axis=1)
    >>> slice_jacobians(y, axis=1).round(8)
    array([[[ 0.19661193, -0.19661193],
            [-0.19661193,  0.19661193]],
    <BLANKLINE>
           [[ 0.19661193, -0.19661193],
            [-0.19661193,  0.19661193]]])
    """
    yy = as_float_array(y, "y", "slice_jacobians")
    axes = normalize_axes(axis, yy.shape, "slice_jacobians")
    t = check_temperature(temperature, "slice_jacobians")
    out_dtype = result_dtype(np.asarray(y).dtype)
    batch = batch_shape(yy.shape, axes)
    n = slice_length(yy.shape, axes)
    count = int(np.prod(batch, dtype=np.int64)) * n * n
    nbytes = count * out_dtype.itemsize
    if nbytes > max_bytes:
        raise ValueError(
            f"slice_jacobians: the Jacobians of shape {batch + (n, n)} would take "
            f"{nbytes / 2**20:.1f} MiB, more than the cap of {max_bytes / 2**20:.1f} "
            f"MiB; pick fewer softmax axes or a smaller array (the VJP needs no "
            f"Jacobian)"
        )
    return cast_result(_slice_jacobians(to_slices(yy, axes), t), out_dtype)


def _slice_jacobians(y: FloatArray, t: float) -> FloatArray:
    """NumPy reference: ``(diag(y) - y yᵀ) / T`` for each row of ``y`` (..., n)."""
    jac: FloatArray = -y[..., :, None] * y[..., None, :]
    diagonal = np.einsum("...ii->...i", jac)  # a writable view of the diagonal
    diagonal += y
    return divide_by_temperature(jac, t)
