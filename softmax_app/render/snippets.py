"""Code that reproduces the current view in NumPy, PyTorch and JAX. No Streamlit.

The code imports nothing but NumPy (and PyTorch or JAX in their tabs), so a
student can paste it into a fresh Python or a Colab notebook, and it computes
the numbers the page shows:

* x: small arrays written out in full; a ``random(...)`` input as the same
  generator call ``softmax_app.inputs.RandomSpec.generate`` makes (so the same
  numbers); anything else loaded from the ``x.npy`` download;
* g: ``ones``, ``random`` and ``onehot`` written out in NumPy (the same numbers
  as ``softmax_app.inputs.make_upstream``), other arrays inline or ``g.npy``;
* softmax along an int, a tuple of axes or all of them, at temperature T, with
  the page's conventions for non-finite slices; its VJP; and, when the page
  shows them, the per-slice Jacobians, the naive and log versions of the
  Stability page, and the finite-difference check of the Gradcheck page (of
  the page's function and mask: log-softmax, cross-entropy or masked softmax
  check their own loss, see :func:`losssnippets.loss_of_source`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from softmax_app.inputs import FloatArray, make_upstream, parse_random_spec
from softmax_app.masking import BoolArray
from softmax_app.render import losssnippets

__all__ = [
    "INLINE_LIMIT",
    "NUMERIC_LOOP_LIMIT",
    "Check",
    "Loss",
    "python_literal",
    "snippets",
]

#: Arrays with at most this many entries are inlined in the code.
INLINE_LIMIT = 64
#: The NumPy finite-difference loop is written out up to this many elements
#: (it runs 2 · size forward passes; the page's elementwise limit).
NUMERIC_LOOP_LIMIT = 4096
#: Printed digits (np.set_printoptions precision; the page's tables show 8).
PRINT_PRECISION = 8
# The default central-difference step: the cube root of float64's epsilon.
_CBRT_EPS = float(np.cbrt(np.finfo(np.float64).eps))


@dataclass(frozen=True, eq=False)
class Loss:
    """The page's function, mask and target, for its snippets."""

    function: str = "softmax"
    mask: BoolArray | None = None
    mask_text: str = "none"
    target: FloatArray | None = None
    target_text: str = "argmax"


@dataclass(frozen=True)
class Check:
    """The Gradcheck page's settings, for its snippet (None means the default)."""

    implementation: str = "vectorized"
    correct: bool = True
    eps: float | None = None
    rtol: float | None = None
    atol: float | None = None


def python_literal(a: FloatArray) -> str:
    r"""Return nested-list Python source for `a` (``np.nan``/``np.inf`` for non-finite).

    Examples
    --------
    >>> python_literal(np.array([[1.0, np.inf], [np.nan, -0.5]]))
    '[[1.0, np.inf],\n [np.nan, -0.5]]'
    """

    def scalar(v: float) -> str:
        if np.isnan(v):
            return "np.nan"
        if np.isinf(v):
            return "np.inf" if v > 0 else "-np.inf"
        return repr(float(v))

    def nested(b: FloatArray, depth: int) -> str:
        if b.ndim == 0:
            return scalar(float(b))
        sep = ", " if b.ndim == 1 else ",\n" + " " * (depth + 1)
        return "[" + sep.join(nested(s, depth + 1) for s in b) + "]"

    return nested(np.asarray(a, dtype=np.float64), 0)


def _inline(name: str, a: FloatArray) -> str:
    body = python_literal(a).replace("\n", "\n" + " " * (len(name) + 12))
    return f"{name} = np.array({body})"


def _is_random_spec(x: FloatArray, x_text: str) -> str | None:
    """Return the generator call for `x` if `x_text` is the spec that made it."""
    try:
        spec = parse_random_spec(x_text)
    except ValueError:
        return None
    if spec is None or tuple(spec.shape) != x.shape or x.dtype != np.float64:
        return None
    # standard_normal draws in C order, so the first draws of a short call are
    # the first entries of the long one: compare those, not all 1e6 entries.
    head = min(x.size, 1000)
    first = spec.scale * np.random.default_rng(spec.seed).standard_normal(head)
    if not np.array_equal(first, x.ravel()[:head]):
        return None
    draw = f"np.random.default_rng({spec.seed}).standard_normal({spec.shape})"
    scale = float(spec.scale)
    # RandomSpec.generate multiplies by scale; by 1.0 changes no bit.
    return f"x = {draw}" if scale == 1.0 else f"x = {scale!r} * {draw}"


def _x_source(x: FloatArray, x_text: str) -> str:
    spec = _is_random_spec(x, x_text)
    if spec is not None:
        return f"{spec}  # {x_text.strip()}"
    if x.size <= INLINE_LIMIT:
        return _inline("x", x)
    return 'x = np.load("x.npy")  # the x.npy download on the page'


def _axes_tuple(axes: tuple[int, ...]) -> str:
    return repr(tuple(axes))


def _onehot_source(x: FloatArray, axes: tuple[int, ...]) -> str:
    nan = "np.nan_to_num(x, nan=-np.inf)" if np.isnan(x).any() else "x"
    nan_note = "  # NaN counts as -inf" if nan != "x" else ""
    if x.ndim == 0:
        return "g = np.ones_like(x)  # onehot of a single number"
    if len(axes) == 1:
        return "\n".join(
            [
                "# onehot: 1 at each slice's argmax (the first one on ties)",
                "g = np.zeros_like(x)",
                f"first_max = np.argmax({nan}, axis={axes[0]}, keepdims=True)"
                + nan_note,
                f"np.put_along_axis(g, first_max, 1.0, axis={axes[0]})",
            ]
        )
    k = len(axes)
    return "\n".join(
        [
            "# onehot: 1 at each slice's argmax (the first one on ties); a slice",
            f"# spans axes {_axes_tuple(axes)}, flattened in C order",
            f"moved = np.moveaxis({nan}, {_axes_tuple(axes)}, {tuple(range(-k, 0))})"
            + nan_note,
            f"flat = moved.reshape(moved.shape[:{x.ndim - k}] + (-1,))",
            "hot = np.zeros_like(flat)",
            "np.put_along_axis(hot, flat.argmax(axis=-1)[..., None], 1.0, axis=-1)",
            f"g = np.moveaxis(hot.reshape(moved.shape), {tuple(range(-k, 0))}, "
            f"{_axes_tuple(axes)})",
        ]
    )


def _g_source(x: FloatArray, g: FloatArray, g_text: str, axes: tuple[int, ...]) -> str:
    """Source for g: its keyword written out if it made `g`, else the array."""
    word = g_text.strip().lower()
    candidates: dict[str, tuple[str, Callable[[], FloatArray]]] = {
        "ones": ("g = np.ones_like(x)", lambda: np.ones(x.shape)),
        "random": (
            "g = np.random.default_rng(0).standard_normal(x.shape)",
            lambda: np.random.default_rng(0).standard_normal(x.shape),
        ),
        "onehot": (
            _onehot_source(x, axes),
            lambda: make_upstream("onehot", x, axes),
        ),
    }
    if word in candidates:
        source, make = candidates[word]
        if g.shape == x.shape and np.array_equal(make(), g):
            return source
    if g.size <= INLINE_LIMIT:
        return _inline("g", g)
    return 'g = np.load("g.npy")  # the g.npy download on the page'


_SOFTMAX = '''
def softmax(x, axis, T):
    """softmax(x / T) along axis: an int, a tuple of axes, or None for all."""
    m = np.max(x, axis=axis, keepdims=True)  # shift by the max: exp cannot overflow
    e = np.exp((x - m) / T)
    return e / np.sum(e, axis=axis, keepdims=True)
'''

# The same with this app's rules for non-finite slices (torch and scipy give NaN
# for an all -inf slice; jax gives 0 only with where=).
_SOFTMAX_NONFINITE = '''
def softmax(x, axis, T):
    """softmax(x / T) along axis: an int, a tuple of axes, or None for all.

    -inf entries get 0; a slice that is all -inf gets zeros; a slice holding
    NaN or +inf is NaN.
    """
    m = np.max(x, axis=axis, keepdims=True)
    poisoned = np.isnan(m) | (m == np.inf)
    m = np.where(np.isfinite(m), m, 0.0)  # an all -inf slice is shifted by 0
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp((x - m) / T)
        total = np.sum(e, axis=axis, keepdims=True)
        y = np.divide(e, total, out=np.zeros_like(e), where=total > 0)
    return np.where(poisoned, np.nan, y)
'''

_VJP = '''
def softmax_vjp(y, g, axis, T):
    """dL/dx for L = sum(g * y): y * (g - <g, y>) / T per slice, no Jacobian."""
    return y * (g - np.sum(g * y, axis=axis, keepdims=True)) / T
'''

_STABILITY = '''
def naive_softmax(x, axis, T):
    """The textbook formula without the max shift: exp overflows past 709.78."""
    e = np.exp(x / T)
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis, T):
    """s - log(sum(exp(s))) with s = (x - max) / T: never takes log(0)."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = (x - m) / T
        return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))
'''


def _print(pairs: list[tuple[str, str]]) -> str:
    lines = [f"np.set_printoptions(precision={PRINT_PRECISION}, suppress=True)"]
    for label, name in pairs:
        lines += [f'print("{label}:")', f"print({name})"]
    return "\n".join(lines)


def snippets(
    x: FloatArray,
    x_text: str,
    axis: int | tuple[int, ...] | None,
    temperature: float,
    upstream: FloatArray,
    g_text: str,
    *,
    jacobian: bool = False,
    stability: bool = False,
    check: Check | None = None,
    loss: Loss | None = None,
) -> dict[str, str]:
    """Return ``{"NumPy": code, "PyTorch": code, "JAX": code}`` for these inputs.

    Each snippet computes ``y = softmax(x / T)`` along `axis` and the gradient
    ``dx`` of ``sum(g * y)``, and prints both. The NumPy one also computes the
    per-slice Jacobians ``J`` (`jacobian`), the naive softmax and both logs
    (`stability`), or a finite-difference check of ``dx`` (`check`). With
    `loss` (another function, a mask, a target) they compute that instead:
    see :func:`_loss_snippets`.
    """
    x = np.asarray(x, dtype=np.float64)
    g = np.asarray(upstream, dtype=np.float64)
    ndim = x.ndim
    if axis is None:
        axes: tuple[int, ...] = tuple(range(ndim))
    elif isinstance(axis, int):
        axes = (axis % ndim,) if ndim else ()
    else:
        axes = tuple(sorted(a % ndim for a in axis))
    axis_src = repr(axis)
    t = repr(float(temperature))  # every digit: 1/3 must not become 0.333333
    finite = bool(np.isfinite(x).all())
    inputs = "\n".join(
        [
            _x_source(x, x_text),
            f"axis = {axis_src}  # each slice along this axis is normalised"
            + (" (None: all axes)" if axis is None else ""),
            f"T = {t}  # temperature: softmax(x / T)",
            _g_source(x, g, g_text, axes),
        ]
    )
    if loss is not None and (loss.function != "softmax" or loss.mask is not None):
        return _loss_snippets(
            x,
            inputs,
            axis,
            axes,
            loss,
            jacobian=jacobian,
            stability=stability,
            check=check,
        )
    numpy_parts = [
        "import numpy as np",
        "",
        inputs,
        "\n" + (_SOFTMAX if finite else _SOFTMAX_NONFINITE).strip("\n"),
        "\n\n" + _VJP.strip("\n"),
    ]
    body = ["y = softmax(x, axis, T)", "dx = softmax_vjp(y, g, axis, T)"]
    shown = [("y = softmax(x / T)", "y"), ("dL/dx", "dx")]
    if stability:
        numpy_parts.append("\n\n" + _STABILITY.strip("\n"))
        body += [
            "with np.errstate(over='ignore', invalid='ignore', divide='ignore'):",
            "    naive = naive_softmax(x, axis, T)  # NaN where exp overflowed",
            "    log_naive = np.log(y)  # -inf where a probability underflowed to 0",
            "log_y = log_softmax(x, axis, T)",
        ]
        shown += [
            ("naive softmax", "naive"),
            ("log(softmax(x))", "log_naive"),
            ("log_softmax(x)", "log_y"),
        ]
    if jacobian:
        k = len(axes)
        body += [
            "",
            "# One n x n Jacobian per slice, (diag(y) - y yᵀ) / T; slices in the order",
            "# of the softmax axes moved last and flattened (as the page's J.npy)",
            f"ys = np.moveaxis(y, {_axes_tuple(axes)}, {tuple(range(-k, 0))})",
            f"ys = ys.reshape(ys.shape[:{ndim - k}] + (-1,))  # (slices..., n)",
            "J = (np.eye(ys.shape[-1]) * ys[..., None, :]"
            " - ys[..., :, None] * ys[..., None, :]) / T",
        ]
        shown.append(("J (per-slice Jacobians)", "J"))
    verdict: list[str] = []
    if check is not None:
        body += _check_lines(x, check, finite, numpy_parts)
        if finite and x.size <= NUMERIC_LOOP_LIMIT:
            shown.append(("numeric (central differences)", "numeric"))
            verdict = ['print("gradcheck of softmax_vjp:", "PASS" if ok else "FAIL")']
    numpy_code = (
        "\n".join([*numpy_parts, "", "", *body, "", _print(shown), *verdict]).rstrip()
        + "\n"
    )

    return {
        "NumPy": numpy_code,
        "PyTorch": _torch_code(inputs, axis, axes, ndim, finite, check),
        "JAX": _jax_code(inputs, finite),
    }


def _check_lines(
    x: FloatArray,
    check: Check,
    finite: bool,
    numpy_parts: list[str],
    loss: tuple[str, bool] | None = None,
) -> list[str]:
    """Return the Gradcheck page's comparison in NumPy (its function goes in parts).

    The differences are of `loss`'s (function, masked) loss
    (:func:`losssnippets.loss_of_source`), by default ``sum(g * softmax)``.
    """
    lines = [""]
    if not check.correct:
        lines += [
            f"# The page checks `{check.implementation}`, a planted bug; dx above is",
            "# the correct backward pass, so compare it with the page's analytic one.",
        ]
    if not finite:
        return [*lines, "# (no gradient check: finite differences need finite x)"]
    if x.size > NUMERIC_LOOP_LIMIT:
        return [
            *lines,
            f"# (the element-by-element check below is written out up to "
            f"{NUMERIC_LOOP_LIMIT:,} entries;",
            f"# x has {x.size:,}: 2 · size forward passes would take too long here)",
        ]
    numpy_parts.append("\n\n" + losssnippets.LOSS_NUMERIC.strip("\n"))
    eps = _CBRT_EPS if check.eps is None else float(check.eps)
    atol = 1e-5 if check.atol is None else float(check.atol)
    rtol = 1e-3 if check.rtol is None else float(check.rtol)
    eps_note = "  # cube root of float64's epsilon" if check.eps is None else ""
    lines += losssnippets.loss_of_source(*(loss or ("softmax", False))).splitlines()
    return [
        *lines,
        f"numeric = numeric_gradient(loss_of, x, axis, eps={eps!r}){eps_note}",
        f"atol, rtol = {atol!r}, {rtol!r}  # pass rule of torch.autograd.gradcheck",
        "ok = np.all(np.abs(dx - numeric) <= atol + rtol * np.abs(numeric))",
    ]


def _torch_code(
    inputs: str,
    axis: int | tuple[int, ...] | None,
    axes: tuple[int, ...],
    ndim: int,
    finite: bool,
    check: Check | None,
) -> str:
    if isinstance(axis, int):
        forward = "    return torch.softmax(v / T, dim=axis)"
    else:
        dims = repr(axes)
        forward = (
            f"    # torch.softmax takes one dim; logsumexp takes several: {dims}\n"
            "    s = v / T\n"
            f"    return torch.exp(s - torch.logsumexp(s, dim={dims}, keepdim=True))"
        )
    note = (
        ""
        if finite
        else "# torch gives NaN for a slice that is all -inf; this page shows 0.\n"
    )
    code = f"""import numpy as np
import torch

{inputs}


def softmax(v):
{forward}


{note}xt = torch.tensor(x, requires_grad=True)  # float64, like the page
y = softmax(xt)
y.backward(torch.tensor(g))  # dL/dx for L = sum(g * y)
dx = xt.grad
print("y = softmax(x / T):")
print(y.detach().numpy())
print("dL/dx:")
print(dx.numpy())
"""
    if check is not None and finite:
        eps = _CBRT_EPS if check.eps is None else float(check.eps)
        atol = 1e-5 if check.atol is None else float(check.atol)
        rtol = 1e-3 if check.rtol is None else float(check.rtol)
        code += (
            "\n# PyTorch's own check of its softmax backward, with the page's step "
            "and tolerances\n"
            f"x_check = torch.tensor(x, requires_grad=True)\n"
            f"print(torch.autograd.gradcheck(softmax, (x_check,), eps={eps!r}, "
            f"atol={atol!r}, rtol={rtol!r}))\n"
        )
    return code


def _jax_code(inputs: str, finite: bool) -> str:
    note = (
        ""
        if finite
        else "# jax gives NaN for a slice that is all -inf (0 with where=), where this"
        "\n# page shows 0.\n"
    )
    return f"""import numpy as np
import jax

jax.config.update("jax_enable_x64", True)  # float64, like the page

{inputs}

{note}y, vjp = jax.vjp(lambda v: jax.nn.softmax(v / T, axis=axis), x)
(dx,) = vjp(g)  # dL/dx for L = sum(g * y)
print("y = softmax(x / T):")
print(y)
print("dL/dx:")
print(dx)
"""


def _loss_snippets(
    x: FloatArray,
    inputs: str,
    axis: int | tuple[int, ...] | None,
    axes: tuple[int, ...],
    loss: Loss,
    *,
    jacobian: bool,
    stability: bool,
    check: Check | None = None,
) -> dict[str, str]:
    """Write the snippets for log-softmax, cross-entropy or a mask.

    With `check`, the NumPy code ends with the Gradcheck page's comparison:
    central differences of the same loss (:func:`_check_lines`).
    """
    masked = loss.mask is not None
    lines = inputs.splitlines()
    if loss.function == "cross_entropy" and loss.target is not None:
        # the loss has no upstream gradient g: its target takes g's place
        starts = ("g =", "# onehot")
        start = next(i for i, line in enumerate(lines) if line.startswith(starts))
        target = losssnippets.target_source(loss.target, loss.target_text)
        lines = [*lines[:start], target]
    if loss.mask is not None:
        lines.append(losssnippets.mask_source(loss.mask, loss.mask_text))
    source = "\n".join(lines)
    parts = ["import numpy as np", "", source, "\n" + _SOFTMAX_NONFINITE.strip("\n")]
    if loss.function != "softmax" or stability:
        parts.append("\n\n" + losssnippets.LOG_SOFTMAX.strip("\n"))
    body, shown = losssnippets.numpy_body(loss.function, masked)
    if stability:
        parts.append("\n\n" + _STABILITY.split("\n\n\ndef log_softmax")[0].strip("\n"))
        body += [
            "with np.errstate(over='ignore', invalid='ignore', divide='ignore'):",
            "    naive = naive_softmax(s, axis, T)  # NaN where exp overflowed",
            "    log_naive = np.log(y)  # -inf where a probability underflowed to 0",
            "log_y = log_softmax(s, axis, T)",
        ]
        shown += [("naive softmax", "naive"), ("log(softmax(x))", "log_naive"),
                  ("log_softmax(x)", "log_y")]  # fmt: skip
    if jacobian:
        body += losssnippets.jacobian_lines(loss.function, masked, axes, x.ndim)
        shown.append(("J (per-slice Jacobians)", "J"))
    tail = ['print(f"loss: {loss:.8f}")'] if loss.function == "cross_entropy" else []
    if check is not None:
        finite = bool(np.isfinite(x).all())
        body += _check_lines(x, check, finite, parts, (loss.function, masked))
        if finite and x.size <= NUMERIC_LOOP_LIMIT:
            shown.append(("numeric (central differences)", "numeric"))
            tail.append(
                f'print("gradcheck of the {loss.function} backward pass:", '
                '"PASS" if ok else "FAIL")'
            )
    numpy_code = "\n".join([*parts, "", "", *body, "", _print(shown), *tail]) + "\n"
    return {
        "NumPy": numpy_code,
        "PyTorch": losssnippets.torch_code(source, axis, loss.function, masked),
        "JAX": losssnippets.jax_code(source, loss.function, masked),
    }
