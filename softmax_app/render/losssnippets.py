"""NumPy code for log-softmax, cross-entropy and masks. No Streamlit.

:func:`softmax_app.render.snippets.snippets` writes plain softmax itself and
calls :func:`numpy_parts` when the page shows another function or a mask. The
code needs only NumPy and computes what the page shows: masked entries take
no part (their logits become ``-inf``), get probability 0 and gradient 0, and
a slice with nothing left gives zeros, not NaN.
"""

from __future__ import annotations

import numpy as np

from softmax_app.inputs import FloatArray
from softmax_app.masking import BoolArray

__all__ = [
    "LOG_SOFTMAX",
    "LOSS_NUMERIC",
    "loss_of_source",
    "jacobian_lines",
    "jax_code",
    "mask_source",
    "numpy_body",
    "target_source",
    "torch_code",
]

#: Inlined arrays up to this many entries (as the plain snippets).
INLINE_LIMIT = 64

LOG_SOFTMAX = '''
def log_softmax(x, axis, T):
    """s - log(sum(exp(s))) with s = (x - max) / T; -inf where nothing is left."""
    m = np.max(x, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)  # an all -inf slice is shifted by 0
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        s = (x - m) / T
        lse = np.log(np.sum(np.exp(s), axis=axis, keepdims=True))
        return np.where(np.isneginf(lse), -np.inf, s - lse)
'''


LOSS_NUMERIC = '''
def numeric_gradient(loss_of, x, axis, eps):
    """Central differences of the number loss_of(x), one element at a time."""
    # softmax sees only differences within a slice: scale the step by the
    # distance from the slice's max, not by |x|
    top = np.max(x, axis=axis, keepdims=True) + np.zeros_like(x)
    numeric = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        h = eps * max(1.0, abs(x[i] - top[i]))
        plus, minus = x.copy(), x.copy()
        plus[i] += h
        minus[i] -= h
        numeric[i] = (loss_of(plus) - loss_of(minus)) / (plus[i] - minus[i])
    return numeric
'''


def loss_of_source(function: str, masked: bool) -> str:
    """``def loss_of(v)``: the loss L whose gradient dx is, as the page checks it.

    softmax and log-softmax: ``sum(g * f(v))`` over the kept entries (masked
    outputs are constants left out); cross-entropy: the mean over N slices.
    Masked logits become -inf, so moving them changes nothing.
    """
    s = "np.where(keep, v, -np.inf)" if masked else "v"
    if function == "softmax":
        value = "np.sum(gk * softmax(s, axis, T))"
    elif function == "log_softmax":
        value = "np.sum(np.where(gk != 0, gk * log_softmax(s, axis, T), 0.0))"
    else:
        value = "-np.sum(t * np.where(t > 0, log_softmax(s, axis, T), 0.0)) / N"
    lines = [
        "",
        "",
        "def loss_of(v):",
        '    """The loss L the gradient dx belongs to, at logits v."""',
        f"    s = {s}",
        f"    return {value}",
        "",
        "",
    ]
    if function != "cross_entropy":
        keep = "np.where(keep, g, 0.0)" if masked else "g"
        lines.insert(0, f"gk = {keep}  # masked outputs are left out of L")
    return "\n".join(lines)


def _literal(name: str, a: FloatArray, suffix: str = "") -> str:
    from softmax_app.render.snippets import python_literal

    body = python_literal(a).replace("\n", "\n" + " " * (len(name) + 12))
    return f"{name} = np.array({body}{suffix})"


def mask_source(mask: BoolArray, mask_text: str) -> str:
    """``keep = ...``: the mask (True: kept) as causal, inline or from mask.npy."""
    if mask_text.strip().lower() == "causal":
        return (
            "# causal mask: query i (row) sees keys j <= i (columns)\n"
            "keep = np.broadcast_to(np.tri(x.shape[-2], x.shape[-1], dtype=bool), "
            "x.shape)"
        )
    if mask.size <= INLINE_LIMIT:
        return _literal("keep", mask.astype(np.float64), ", dtype=bool") + (
            "  # 1 kept, 0 masked"
        )
    return 'keep = np.load("mask.npy")  # the mask.npy download on the page'


def target_source(target: FloatArray, target_text: str) -> str:
    """``t = ...``: the target distribution, inline or from target.npy."""
    note = f"  # target {target_text.strip()!r} as a distribution"
    if target.size <= INLINE_LIMIT:
        return _literal("t", target) + note
    return 't = np.load("target.npy")' + note


def numpy_body(function: str, masked: bool) -> tuple[list[str], list[tuple[str, str]]]:
    """Lines computing y, dx (and log_y, loss) from x, g or t, keep; and prints."""
    s = "np.where(keep, x, -np.inf)" if masked else "x"
    lines = [f"s = {s}  # masked logits take no part" if masked else "s = x"]
    lines.append("y = softmax(s, axis, T)")
    shown = [("y = softmax(x / T)", "y")]
    if function == "softmax":
        lines.append("dx = y * (g - np.sum(g * y, axis=axis, keepdims=True)) / T")
    elif function == "log_softmax":
        lines += [
            "log_y = log_softmax(s, axis, T)",
            "gk = np.where(keep, g, 0.0)" if masked else "gk = g",
            "dx = (gk - y * np.sum(gk, axis=axis, keepdims=True)) / T",
            "# a slice with nothing left (all -inf) is constant: gradient 0",
            "dx = np.where(np.all(np.isneginf(log_y), axis=axis, keepdims=True), "
            "0.0, dx)",
        ]
        shown.append(("log_softmax(x / T)", "log_y"))
    else:
        lines += [
            "log_y = log_softmax(s, axis, T)",
            "N = max(np.count_nonzero(np.any(t != 0, axis=axis)), 1)  # slices "
            "with a target",
            "loss = -np.sum(t * np.where(t > 0, log_y, 0.0)) / N  # mean cross-entropy",
            "dx = (y - t) / (N * T)  # the famous y - t",
        ]
    if masked:
        lines.append("dx = np.where(keep, dx, 0.0)  # masked entries: gradient 0")
    shown.append(("dL/dx", "dx"))
    return lines, shown


def jacobian_lines(
    function: str, masked: bool, axes: tuple[int, ...], ndim: int
) -> list[str]:
    """Lines computing the per-slice Jacobians J of softmax or log-softmax."""
    k = len(axes)
    move = f"{tuple(axes)!r}, {tuple(range(-k, 0))!r}"
    lines = [
        "",
        "# One n x n Jacobian per slice; slices in the order of the softmax axes",
        "# moved last and flattened (as the page's J.npy)",
        f"ys = np.moveaxis(y, {move})",
        f"ys = ys.reshape(ys.shape[:{ndim - k}] + (-1,))  # (slices..., n)",
    ]
    if function == "softmax":
        lines.append(
            "J = (np.eye(ys.shape[-1]) * ys[..., None, :]"
            " - ys[..., :, None] * ys[..., None, :]) / T"
        )
    else:
        lines += [
            "J = (np.eye(ys.shape[-1]) - ys[..., None, :]) / T  # row i: (e_i - y) / T",
            "J = np.where(np.all(ys == 0, axis=-1)[..., None, None], 0.0, J)",
        ]
    if masked:
        lines += [
            f"ks = np.moveaxis(keep, {move})",
            f"ks = ks.reshape(ks.shape[:{ndim - k}] + (-1,))",
            "J = np.where(ks[..., :, None] & ks[..., None, :], J, 0.0)  # masked: 0",
        ]
    return lines


def torch_code(source: str, axis: object, function: str, masked: bool) -> str:
    """PyTorch's autograd on the same function (int axis; NumPy tab otherwise)."""
    if not isinstance(axis, int):
        return (
            "# torch.softmax and torch.log_softmax take one dim; this page's axis "
            f"is {axis!r}.\n# The NumPy tab computes it.\n"
        )
    s = "torch.where(keep_t, xt / T, -torch.inf)" if masked else "xt / T"
    lines = [
        "import numpy as np",
        "import torch",
        "",
        source,
        "",
        "xt = torch.tensor(x, requires_grad=True)  # float64, like the page",
    ]
    if masked:
        lines.append("keep_t = torch.tensor(np.asarray(keep))")
    lines.append(f"s = {s}")
    if function == "softmax":
        lines += ["out = torch.softmax(s, dim=axis)", "out.backward(torch.tensor(g))"]
    elif function == "log_softmax":
        lines += [
            "out = torch.log_softmax(s, dim=axis)",
            "out.backward(torch.tensor(g))",
        ]
    else:
        lines += [
            "out = torch.log_softmax(s, dim=axis)",
            "tt = torch.tensor(t)",
            "N = max(int((tt != 0).any(dim=axis).sum()), 1)",
            "loss = -torch.where(tt > 0, tt * out, 0.0).sum() / N",
            "loss.backward()",
            'print("loss:", loss.item())',
        ]
    if masked:
        lines.append(
            "# PyTorch gives NaN for a slice with nothing unmasked; the page gives 0."
        )
    lines += ['print("dL/dx:")', "print(xt.grad.numpy())"]
    return "\n".join(lines) + "\n"


def jax_code(source: str, function: str, masked: bool) -> str:
    """JAX on the same function, masks through ``where=``."""
    where = ", where=keep" if masked else ""
    if function == "cross_entropy":
        body = (
            "def loss_of(v):\n"
            f"    log_y = jax.nn.log_softmax(v / T, axis=axis{where})\n"
            "    n = max(int(np.count_nonzero(np.any(t != 0, axis=axis))), 1)\n"
            "    return -jnp.sum(jnp.where(t > 0, t * log_y, 0.0)) / n\n\n\n"
            "loss, dx = jax.value_and_grad(loss_of)(x)\n"
            'print("loss:", loss)\n'
        )
    else:
        name = "softmax" if function == "softmax" else "log_softmax"
        body = (
            f"out, vjp = jax.vjp(lambda v: jax.nn.{name}(v / T, axis=axis{where}), x)\n"
            "(dx,) = vjp(g)\n"
        )
        if masked:
            body += "dx = jnp.where(keep, dx, 0.0)  # masked entries: gradient 0\n"
    return (
        "import numpy as np\nimport jax\nimport jax.numpy as jnp\n\n"
        'jax.config.update("jax_enable_x64", True)  # float64, like the page\n\n'
        f"{source}\n\n{body}"
        'print("dL/dx:")\nprint(dx)\n'
    )
