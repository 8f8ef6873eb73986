"""Code that reproduces the current view in NumPy, PyTorch and JAX. No Streamlit.

Small arrays are written out in full; a ``random(...)`` input becomes its seeded
generator; anything else is loaded from the ``x.npy`` file the page offers for
download.
"""

from __future__ import annotations

import numpy as np

from softmax_core.specs import parse_random_spec

__all__ = ["INLINE_LIMIT", "python_literal", "snippets"]

#: Arrays with at most this many entries are inlined in the code.
INLINE_LIMIT = 64


def python_literal(a: np.ndarray) -> str:
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

    def nested(b: np.ndarray, depth: int) -> str:
        if b.ndim == 0:
            return scalar(float(b))
        sep = ", " if b.ndim == 1 else ",\n" + " " * (depth + 1)
        return "[" + sep.join(nested(s, depth + 1) for s in b) + "]"

    return nested(np.asarray(a, dtype=np.float64), 0)


def _x_source(x: np.ndarray, x_text: str) -> str:
    spec = parse_random_spec(x_text)
    if spec is not None:
        scale = "" if spec.scale == 1 else f"{spec.scale:g} * "
        return (
            f"x = {scale}np.random.default_rng({spec.seed})"
            f".standard_normal({spec.shape})"
        )
    if x.size <= INLINE_LIMIT:
        body = python_literal(x).replace("\n", "\n" + " " * 14)
        return f"x = np.array({body})"
    return 'x = np.load("x.npy")  # the x.npy download below'


def _g_source(g: np.ndarray, g_text: str, axis_src: str) -> str:
    word = g_text.strip().lower()
    if word == "ones":
        return "g = np.ones_like(x)"
    if word == "random":
        return "g = np.random.default_rng(0).standard_normal(x.shape)"
    if word == "onehot":
        return (
            "g = make_upstream('onehot', x, normalize_axes("
            f"{axis_src}, x.shape, 'g'))  # 1 at each slice's argmax"
        )
    if g.size <= INLINE_LIMIT:
        body = python_literal(g).replace("\n", "\n" + " " * 14)
        return f"g = np.array({body})"
    return 'g = np.load("g.npy")  # the g.npy download below'


def snippets(
    x: np.ndarray,
    x_text: str,
    axis: int | tuple[int, ...] | None,
    temperature: float,
    upstream: np.ndarray,
    g_text: str,
) -> dict[str, str]:
    """Return ``{"NumPy": code, "PyTorch": code, "JAX": code}`` for these inputs.

    Each snippet computes ``y = softmax(x / T)`` along `axis` and the gradient
    ``dx`` of ``sum(g * y)``, and prints both.
    """
    axis_src = repr(axis)
    t = repr(float(temperature))  # every digit: 1/3 must not become 0.333333
    setup = "\n".join(
        [
            "import numpy as np",
            "from softmax_core._validation import normalize_axes",
            "from softmax_core.specs import make_upstream",
            "",
            _x_source(x, x_text),
            _g_source(upstream, g_text, axis_src),
        ]
    )
    if np.isfinite(x).all():
        check = f"print(sc.gradcheck(x, g, axis={axis_src}, temperature={t}).verdict)"
    else:
        check = "# (no gradient check: finite differences need finite x)"
    numpy_code = f"""{setup}
import softmax_core as sc

y = sc.softmax(x, axis={axis_src}, temperature={t})
dx = sc.softmax_vjp(y, g, axis={axis_src}, temperature={t})
print(y)
print(dx)
{check}
"""
    if isinstance(axis, int):
        torch_forward = f"y = torch.softmax(xt / {t}, dim={axis})"
    else:
        dims = axis_src if axis is not None else "tuple(range(xt.ndim))"
        torch_forward = (
            "# torch.softmax takes one dim; logsumexp takes several\n"
            f"y = torch.exp(xt / {t} - torch.logsumexp(xt / {t}, dim={dims}, "
            "keepdim=True))"
        )
    torch_code = f"""{setup}
import torch

xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
{torch_forward}
y.backward(torch.tensor(g, dtype=torch.float64))
print(y.detach().numpy())
print(xt.grad.numpy())
"""
    jax_code = f"""{setup}
import jax

jax.config.update("jax_enable_x64", True)
y, vjp = jax.vjp(lambda v: jax.nn.softmax(v / {t}, axis={axis_src}), x)
(dx,) = vjp(g)
print(y)
print(dx)
"""
    return {"NumPy": numpy_code, "PyTorch": torch_code, "JAX": jax_code}
