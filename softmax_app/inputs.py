"""Short text specs for the app's inputs: axes, upstream gradients, random arrays.

These are the values people type in the input panel and share in links
(``axis=0,2``, ``g=onehot``, ``x=random(2,3,4; seed=0; scale=3)``). Each parser
returns plain values or raises a ``ValueError`` whose message says what was
wrong and what would be valid. Nothing is evaluated.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

from softmax_app.limits import MAX_ELEMENTS
from softmax_core.slices import from_slices, normalize_axes, to_slices

FloatArray: TypeAlias = NDArray[np.floating[Any]]

__all__ = [
    "PRESETS",
    "UPSTREAM_KEYWORDS",
    "Preset",
    "RandomSpec",
    "axis_choices",
    "format_axis",
    "make_upstream",
    "parse_axis",
    "parse_random_spec",
]


class Preset(NamedTuple):
    """A named example: every input of the panel, so loading one sets them all."""

    x: str
    axis: str
    story: str
    temperature: float = 1.0
    upstream: str = "onehot"
    function: str = "softmax"
    target: str = "argmax"
    mask: str = "none"


#: Named example inputs. ``PRESETS[name][0]`` is the array text and ``[1]`` the
#: axis text, as before; temperature and upstream gradient complete the set.
PRESETS: dict[str, Preset] = {
    "classic": Preset(
        "[[1, 2], [3, 4]]",
        "1",
        "The example from the lost-counter story: two rows, softmax along axis 1, "
        "upstream gradient [[1, 0], [0, 1]].",
        upstream="[[1, 0], [0, 1]]",
    ),
    "attention": Preset(
        "random(2, 2, 4, 4; seed=0; scale=2)",
        "-1",
        "Attention scores shaped (batch, heads, query, key); softmax over keys.",
    ),
    "huge logits": Preset(
        "[1000, 1001, 1002]",
        "-1",
        "exp(1000) overflows float64; the max shift makes it harmless.",
    ),
    "causal attention": Preset(
        "[[1, 2, 3], [4, 5, 6], [7, 8, 9]]",
        "-1",
        "Causal self-attention scores (query x key): query i sees keys <= i. "
        "The first query sees only itself, so its row is [1, 0, 0].",
        mask="causal",
    ),
    "cross-entropy": Preset(
        "[[1, 2], [3, 4]]",
        "1",
        "Two examples, two classes: the loss against classes [1, 0], and its "
        "famous gradient (softmax - target) / N.",
        function="cross_entropy",
        target="[1, 0]",
    ),
    "masked row": Preset(
        "[[0.5, -inf, 2.0, -inf], [-inf, -inf, -inf, -inf]]",
        "-1",
        "-inf entries get probability 0; a fully masked row gives zeros, not NaN.",
    ),
}

#: Words accepted for the upstream gradient besides an array.
UPSTREAM_KEYWORDS = ("ones", "random", "onehot")

_RANDOM_RE = re.compile(r"^\s*random\s*\((?P<body>[^()]*)\)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class RandomSpec:
    """A seeded standard-normal array: ``scale * N(0, 1)`` of `shape`.

    Written ``random(2, 3, 4; seed=0; scale=1.5)``, so a link can carry a large
    array in a few characters.
    """

    shape: tuple[int, ...]
    seed: int = 0
    scale: float = 1.0

    def generate(self) -> FloatArray:
        """Draw the array (same numbers for the same spec, on every machine)."""
        rng = np.random.default_rng(self.seed)
        return self.scale * rng.standard_normal(self.shape)

    def __str__(self) -> str:
        dims = ", ".join(str(d) for d in self.shape)
        return f"random({dims}; seed={self.seed}; scale={self.scale:g})"


def parse_random_spec(text: str) -> RandomSpec | None:
    """Read ``random(d0, d1, ...; seed=S; scale=C)``, or None if `text` is not one.

    Raises
    ------
    ValueError
        If the text is a ``random(...)`` spec with a bad shape, seed or scale.

    Examples
    --------
    >>> parse_random_spec("random(2, 3; seed=7)")
    RandomSpec(shape=(2, 3), seed=7, scale=1.0)
    >>> parse_random_spec("[1, 2]") is None
    True
    """
    match = _RANDOM_RE.match(text)
    if match is None:
        return None
    parts = [p.strip() for p in match.group("body").split(";")]
    try:
        shape = tuple(int(d) for d in parts[0].replace(" ", "").split(",") if d)
    except ValueError:
        raise ValueError(
            f"random(...): the shape {parts[0]!r} must be whole numbers separated "
            f"by commas, e.g. random(2, 3; seed=0)"
        ) from None
    if not shape or any(d < 1 or d > MAX_ELEMENTS for d in shape):
        raise ValueError(
            f"random(...): the shape {parts[0]!r} needs 1 to 8 dimensions, each >= 1"
        )
    if len(shape) > 8:
        raise ValueError("random(...): at most 8 dimensions")
    if math.prod(shape) > MAX_ELEMENTS:
        raise ValueError(
            f"random(...): shape {shape} has {math.prod(shape):,} elements; "
            f"the limit is {MAX_ELEMENTS:,}"
        )
    options: dict[str, str] = {}
    for part in parts[1:]:
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep or key not in ("seed", "scale"):
            raise ValueError(
                f"random(...): unknown option {part!r}; use seed=N and scale=X"
            )
        options[key] = value.strip()
    try:
        seed = int(options.get("seed", "0"))
        scale = float(options.get("scale", "1"))
    except ValueError:
        raise ValueError(
            "random(...): seed must be a whole number and scale a number"
        ) from None
    if seed < 0 or not math.isfinite(scale) or scale < 0:
        raise ValueError("random(...): seed must be >= 0 and scale finite and >= 0")
    return RandomSpec(shape, seed, scale)


def parse_axis(text: str, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Read an axis typed as ``1``, ``-1``, ``0,2``, ``(0, 2)`` or ``none``.

    Returns the sorted non-negative axes for an array of `shape`.

    Raises
    ------
    ValueError
        If the text is not an axis spec, or names an axis the shape lacks.

    Examples
    --------
    >>> parse_axis("-1", (2, 3))
    (1,)
    >>> parse_axis("(0, 2)", (2, 3, 4))
    (0, 2)
    >>> parse_axis("none", (2, 3))
    (0, 1)
    """
    cleaned = text.strip().strip("()[]").strip()
    if cleaned.lower() in ("none", "all", ""):
        return tuple(range(len(shape)))
    pieces = [p.strip() for p in cleaned.split(",") if p.strip()]
    try:
        values = [int(p) for p in pieces]
    except ValueError:
        raise ValueError(
            f"axis {text!r} is not an axis: write an int (1, -1), a tuple (0,2) or none"
        ) from None
    try:
        return normalize_axes(tuple(values), shape, "parse_axis")
    except ValueError as exc:
        # The panel names the parameter itself; drop the function prefix.
        raise ValueError(str(exc).removeprefix("parse_axis: ")) from None


def format_axis(axes: tuple[int, ...], ndim: int) -> str:
    """Canonical text for sorted axes: positive indices; ``none`` for all axes.

    A 1-D array's only axis is written ``0``; a 0-d array has no axes: ``none``.

    Examples
    --------
    >>> format_axis((1,), 2), format_axis((0, 1), 2), format_axis((0, 2), 3)
    ('1', 'none', '0,2')
    >>> format_axis((0,), 1)
    '0'
    """
    if ndim != 1 and axes == tuple(range(ndim)):
        return "none"
    return ",".join(str(a) for a in axes)


def axis_choices(shape: tuple[int, ...]) -> dict[str, str]:
    """Every distinct axis choice for `shape`: canonical text -> label with lengths.

    Single axes first, each by its positive index with its negative alias and
    length, then pairs and larger tuples, then ``none``.

    Examples
    --------
    >>> for text, label in axis_choices((2, 3)).items():
    ...     print(text, "->", label)
    0 -> 0 (= -2, length 2)
    1 -> 1 (= -1, last axis, length 3)
    none -> none (all axes, 6 entries)
    """
    ndim = len(shape)
    choices: dict[str, str] = {}
    if ndim == 0:
        return {"none": "none (a single number)"}
    for a in range(ndim):
        last = ", last axis" if a == ndim - 1 else ""
        choices[str(a)] = f"{a} (= {a - ndim}{last}, length {shape[a]})"
    for mask in range(1, 2**ndim):
        axes = tuple(a for a in range(ndim) if mask >> a & 1)
        if 1 < len(axes) < ndim:
            lengths = "x".join(str(shape[a]) for a in axes)
            choices[format_axis(axes, ndim)] = f"{','.join(map(str, axes))} ({lengths})"
    if ndim > 1:
        choices["none"] = f"none (all axes, {math.prod(shape)} entries)"
    return choices


def make_upstream(
    text: str,
    x: FloatArray,
    axes: tuple[int, ...],
    *,
    parse: Callable[[str], ArrayLike] | None = None,
    seed: int = 0,
) -> FloatArray:
    """Build the upstream gradient ``g`` from its text for an input `x`.

    Parameters
    ----------
    text : str
        ``ones``, ``random`` (seeded standard normal), ``onehot`` (1 at each
        slice's argmax) or array text.
    x : ndarray
        The input; ``g`` must have its shape.
    axes : tuple of int
        The softmax axes (for ``onehot``).
    parse : callable, optional
        The array parser for array text (``parse_array``).
    seed : int, default 0
        Seed for ``random``.

    Raises
    ------
    ValueError
        If the text is neither a keyword nor an array of x's shape.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [4.0, 3.0]])
    >>> make_upstream("onehot", x, (1,))
    array([[0., 1.],
           [1., 0.]])
    """
    word = text.strip().lower()
    if word == "ones":
        return np.ones(x.shape)
    if word == "random":
        return np.random.default_rng(seed).standard_normal(x.shape)
    if word == "onehot":
        slices = to_slices(np.asarray(x, dtype=np.float64), axes)
        hot = np.zeros(slices.shape)
        if slices.shape[-1] > 0 and slices.size > 0:
            # NaN-safe argmax: a NaN slice just marks its first entry.
            index = np.argmax(np.nan_to_num(slices, nan=-np.inf), axis=-1)
            np.put_along_axis(hot, index[..., None], 1.0, axis=-1)
        # np.array, not np.ascontiguousarray, which turns a 0-d array into 1-d.
        return np.array(from_slices(hot, x.shape, axes), order="C")
    if parse is None:
        raise ValueError(f"g {text!r} is not one of {', '.join(UPSTREAM_KEYWORDS)}")
    g = np.asarray(parse(text), dtype=np.float64)
    if g.shape != x.shape:
        raise ValueError(
            f"g has shape {g.shape} but x has shape {x.shape}; they must match "
            f"(or use {', '.join(UPSTREAM_KEYWORDS)})"
        )
    return g
