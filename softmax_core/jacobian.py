"""Per-slice Jacobians of softmax and log-softmax: one ``n x n`` matrix per slice.

Frameworks give the full block-diagonal Jacobian of the whole array (size² entries,
almost all zero). Softmax only mixes entries within a slice, so the whole derivative
is a stack of ``n x n`` blocks, one per slice; that stack is what this module builds.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from softmax_core._floating import cast_result, divide_by_temperature, ignores_underflow
from softmax_core._validation import (
    Axis,
    FloatArray,
    as_float_array,
    check_temperature,
    check_where,
    normalize_axes,
    result_dtype,
)
from softmax_core.slices import batch_shape, slice_length, to_slices

__all__ = ["DEFAULT_MAX_JACOBIAN_BYTES", "JACOBIAN_FUNCTIONS", "slice_jacobians"]

#: Largest stack of Jacobians :func:`slice_jacobians` builds (256 MiB).
DEFAULT_MAX_JACOBIAN_BYTES = 256 * 2**20

#: The functions :func:`slice_jacobians` differentiates.
JACOBIAN_FUNCTIONS: tuple[str, ...] = ("softmax", "log_softmax")


@ignores_underflow
def slice_jacobians(
    out: ArrayLike,
    axis: Axis = -1,
    *,
    temperature: float = 1.0,
    function: str = "softmax",
    where: ArrayLike | None = None,
    max_bytes: int = DEFAULT_MAX_JACOBIAN_BYTES,
) -> FloatArray:
    r"""Stack of Jacobians of softmax or log-softmax, one per slice, from the output.

    Parameters
    ----------
    out : array_like of shape (...)
        The forward output: ``softmax(x, axis, temperature=temperature)``, or
        ``log_softmax(...)`` when `function` is ``"log_softmax"``.
    axis : int, tuple of int or None, default -1
        The axes the forward pass normalised over.
    temperature : float, default 1.0
        The forward temperature.
    function : {"softmax", "log_softmax"}, default "softmax"
        Which function `out` came from.
    where : array_like of bool, optional
        The forward's mask, broadcast to ``out.shape``: the rows and columns of
        masked entries are 0 (masked outputs are constants, masked inputs do
        not take part). Without it, softmax's masked entries (``y = 0``) give
        zero rows and columns anyway, while a log-softmax ``-inf`` is not taken
        for masked (see :func:`log_softmax_vjp`).
    max_bytes : int, default 256 MiB
        Refuse to build a result larger than this.

    Returns
    -------
    ndarray of shape batch_shape + (n, n)
        ``batch_shape`` is ``out.shape`` without the softmax axes (order kept) and
        ``n`` the product of their lengths. Entry ``[..., i, j]`` is
        :math:`\partial \text{out}_i / \partial x_j` within that slice, the
        slice being flattened in C order over the softmax axes in increasing
        order.

    Raises
    ------
    ValueError
        If the result would exceed `max_bytes`, `function` is not one of
        :data:`JACOBIAN_FUNCTIONS`, `where` does not broadcast, or the axis or
        temperature is invalid.

    Notes
    -----
    .. math:: J_\text{softmax} = \frac{1}{T}\left(\operatorname{diag}(y) - y
              y^\top\right), \qquad
              J_\text{log\_softmax} = \frac{1}{T}\left(I - \mathbf{1} y^\top\right)

    with :math:`y = e^{\text{out}}` for log-softmax. Both have rows summing to
    0 (moving every input together changes nothing); the softmax Jacobian is
    symmetric, the log-softmax one is not (entry :math:`[i, j]` is
    :math:`(\delta_{ij} - y_j)/T`). A slice with no finite log-probability
    (all ``-inf`` or fully masked) gets zeros, as the VJPs give.

    Examples
    --------
    >>> y = softmax([[1.0, 2.0], [3.0, 4.0]], axis=1)
    >>> slice_jacobians(y, axis=1).round(8)
    array([[[ 0.19661193, -0.19661193],
            [-0.19661193,  0.19661193]],
    <BLANKLINE>
           [[ 0.19661193, -0.19661193],
            [-0.19661193,  0.19661193]]])
    >>> log_y = log_softmax([1.0, 2.0])
    >>> slice_jacobians(log_y, function="log_softmax").round(8)
    array([[ 0.73105858, -0.73105858],
           [-0.26894142,  0.26894142]])
    """
    func = "slice_jacobians"
    first = "log_y" if function == "log_softmax" else "y"
    a = as_float_array(out, first, func)
    axes = normalize_axes(axis, a.shape, func)
    t = check_temperature(temperature, func)
    if function not in JACOBIAN_FUNCTIONS:
        names = ", ".join(map(repr, JACOBIAN_FUNCTIONS))
        raise ValueError(f"{func}: function must be one of {names}; got {function!r}")
    mask = check_where(where, a.shape, func)
    out_dtype = result_dtype(np.asarray(out).dtype)
    _check_size(batch_shape(a.shape, axes), slice_length(a.shape, axes), out_dtype,
                max_bytes)
    log = function == "log_softmax"
    if mask is not None:
        a = np.where(mask, a, -np.inf if log else 0.0)
    slices = to_slices(a, axes)
    jac = (_log_softmax_jacobians if log else _slice_jacobians)(slices, t)
    if mask is not None:
        _zero_masked(jac, to_slices(mask, axes))
    return cast_result(jac, out_dtype)


def _check_size(
    batch: tuple[int, ...], n: int, dtype: np.dtype[np.floating], max_bytes: int
) -> None:
    """Refuse, before allocating, a stack of Jacobians larger than `max_bytes`."""
    count = int(np.prod(batch, dtype=np.int64)) * n * n
    nbytes = count * dtype.itemsize
    if nbytes > max_bytes:
        raise ValueError(
            f"slice_jacobians: the Jacobians of shape {batch + (n, n)} would take "
            f"{nbytes / 2**20:.1f} MiB, more than the cap of {max_bytes / 2**20:.1f} "
            f"MiB; pick fewer softmax axes or a smaller array (the VJP needs no "
            f"Jacobian)"
        )


def _zero_masked(jac: FloatArray, mask: NDArray[np.bool_]) -> None:
    """Set the rows and columns of masked entries to 0, in place."""
    masked = ~mask
    jac[masked[..., :, None] | masked[..., None, :]] = 0.0


def _slice_jacobians(y: FloatArray, t: float) -> FloatArray:
    """NumPy reference: ``(diag(y) - y yᵀ) / T`` for each row of ``y`` (..., n)."""
    jac: FloatArray = -y[..., :, None] * y[..., None, :]
    diagonal = np.einsum("...ii->...i", jac)  # a writable view of the diagonal
    diagonal += y
    return divide_by_temperature(jac, t)


def _log_softmax_jacobians(log_y: FloatArray, t: float) -> FloatArray:
    """NumPy reference: ``(I - 1 yᵀ) / T`` with ``y = exp(log y)``, per row (..., n)."""
    y = np.exp(log_y)
    # Row i is e_i - y: every row holds -y, then the diagonal gains 1.
    jac: FloatArray = np.repeat(-y[..., None, :], y.shape[-1], axis=-2)
    diagonal = np.einsum("...ii->...i", jac)
    diagonal += 1.0
    # A slice that is -inf everywhere took no part in the forward pass.
    empty = np.all(log_y == -np.inf, axis=-1)
    jac[empty] = 0.0
    return divide_by_temperature(jac, t)
