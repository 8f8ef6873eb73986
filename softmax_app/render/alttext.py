"""Takeaway sentences for every chart: the same arrays in, one sentence out.

Each function here takes what the matching builder of
:mod:`softmax_app.render.figures` takes and says what the chart shows *for
these numbers*, for a screen reader (the chart's ``alt``) and a student (the
caption under it); :func:`softmax_app.views.chart` draws both. No Streamlit.

Rules every sentence follows, so it never says more than the numbers do:

* masked cells (``kept`` False) are left out of every statistic and counted;
* NaN and ±inf are counted by kind and left out of ranges, never shown as a
  number they are not;
* values with ``|v| <= zero_tol`` (zero up to rounding, see
  :mod:`softmax_app.rounding`) read "0", as the charts draw them;
* arrays of any size get a summary (range, where the extremes are, counts),
  never a list of every value.

Numbers are written with 3 significant digits and a real minus sign.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from softmax_app.inputs import FloatArray
from softmax_app.masking import BoolArray

__all__ = [
    "array_alt",
    "as_markdown",
    "direction_alt",
    "error_alt",
    "grid_alt",
    "jacobian_alt",
    "number",
    "slice_bar_alt",
    "sweep_alt",
]

#: A row sum or an asymmetry is 0 up to rounding below this many ε times the
#: largest |entry| times n (a sum of n terms of that size).
_SUM_FACTOR = 64
_EPS = float(np.finfo(np.float64).eps)


def number(v: float, zero_tol: float = 0.0, digits: int = 3) -> str:
    """Write `v` for a sentence: 3 significant digits, "0" up to rounding.

    Examples
    --------
    >>> number(-0.19661193), number(1e-17, zero_tol=1e-14), number(float("-inf"))
    ('−0.197', '0', '−inf')
    """
    if np.isnan(v):
        return "NaN"
    if np.isinf(v):
        return "inf" if v > 0 else "−inf"
    if abs(v) <= zero_tol or v == 0:
        return "0"
    # A real minus sign in front only: "2e-17" keeps its exponent's hyphen.
    return ("−" if v < 0 else "") + f"{abs(v):.{digits}g}"


def as_markdown(sentence: str) -> str:
    r"""Escape the characters Markdown would read as markup (a caption is Markdown).

    Examples
    --------
    >>> as_markdown("y_i * 2 costs $1")
    'y\\_i \\* 2 costs \\$1'
    """
    for char in "\\`*_$[]<>":
        sentence = sentence.replace(char, "\\" + char)
    return sentence


def _plural(count: int, word: str) -> str:
    if count == 1:
        return f"{count} {word}"
    return f"{count} {word[:-1]}ies" if word.endswith("y") else f"{count} {word}s"


def _grid(a: FloatArray) -> NDArray[np.float64]:
    z = np.asarray(a, dtype=np.float64)
    return z[None, :] if z.ndim < 2 else z


def _kept(kept: BoolArray | None, shape: tuple[int, ...]) -> NDArray[np.bool_]:
    if kept is None:
        return np.ones(shape, dtype=bool)
    return np.broadcast_to(np.asarray(kept, dtype=bool).reshape(shape), shape)


def _cell(position: tuple[Any, ...], rows: int) -> str:
    """Name a cell as the hover text does ("row i, col j"), or "entry j"."""
    i, j = (int(p) for p in position)
    return f"entry {j}" if rows == 1 else f"row {i}, col {j}"


def _nonfinite_counts(z: NDArray[np.float64], keep: NDArray[np.bool_]) -> list[str]:
    """Count NaN, inf and −inf among the kept cells, as phrases."""
    counts = [
        (int(np.sum(np.isnan(z) & keep)), "NaN"),
        (int(np.sum(np.isposinf(z) & keep)), "inf"),
        (int(np.sum(np.isneginf(z) & keep)), "−inf"),
    ]
    return [f"{count} {name}" for count, name in counts if count]


def _extras(z: NDArray[np.float64], keep: NDArray[np.bool_]) -> list[str]:
    """Count the masked and the non-finite cells, as clauses."""
    parts = []
    masked = int(np.sum(~keep))
    if masked:
        parts.append(f"{_plural(masked, 'cell')} masked (left out)")
    bad = _nonfinite_counts(z, keep)
    if bad:
        parts.append("not finite: " + ", ".join(bad))
    return parts


def array_alt(
    z: FloatArray,
    *,
    name: str,
    kept: BoolArray | None = None,
    zero_tol: float = 0.0,
) -> str:
    """Describe a :func:`figures.heatmap` of `z`: its range and where, counts.

    Examples
    --------
    >>> array_alt(np.array([[1.0, 2.0], [3.0, 4.0]]), name="x")
    'Heatmap of x, 2 × 2: values from 1 (row 0, col 0) to 4 (row 1, col 1).'
    """
    z = _grid(z)
    keep = _kept(kept, z.shape)
    good = keep & np.isfinite(z)
    rows, cols = z.shape
    head = f"Heatmap of {name}, {rows} × {cols}"
    if not good.any():
        body = "no finite value to show"
    elif zero_tol and np.all(np.abs(z[good]) <= zero_tol):
        body = f"every value is 0 up to rounding (|v| ≤ {zero_tol:.2g})"
    else:
        low = np.unravel_index(np.argmin(np.where(good, z, np.inf)), z.shape)
        high = np.unravel_index(np.argmax(np.where(good, z, -np.inf)), z.shape)
        lo, hi = number(z[low], zero_tol), number(z[high], zero_tol)
        if lo == hi:
            body = f"every value is {lo}"
        else:
            body = (
                f"values from {lo} ({_cell(low, rows)}) to {hi} ({_cell(high, rows)})"
            )
    return f"{head}: " + "; ".join([body, *_extras(z, keep)]) + "."


def _span(values: NDArray[np.float64], zero_tol: float) -> str:
    """Give one number when all read the same at 3 digits, else "from a to b"."""
    lo = number(float(values.min()), zero_tol)
    hi = number(float(values.max()), zero_tol)
    return lo if lo == hi else f"from {lo} to {hi}"


def _matrix_facts(j: NDArray[np.float64], zero_tol: float) -> list[str]:
    """Diagonal, off-diagonal, row sums and symmetry of a finite square matrix."""
    n = j.shape[0]
    facts = [f"diagonal {_span(np.diag(j), zero_tol)}"]
    if n > 1:
        facts.append(f"off-diagonal {_span(j[~np.eye(n, dtype=bool)], zero_tol)}")
    # A sum of n entries, each zero up to rounding within zero_tol.
    noise = n * max(zero_tol, _SUM_FACTOR * _EPS * float(np.max(np.abs(j))))
    sums = j.sum(axis=1)
    if np.all(np.abs(sums) <= noise):
        facts.append("every row sums to 0")
    else:
        facts.append(f"row sums {_span(sums, zero_tol)}")
    if n > 1:
        symmetric = bool(np.all(np.abs(j - j.T) <= noise))
        facts.append("symmetric" if symmetric else "not symmetric")
    return facts


def jacobian_alt(
    jacobian: FloatArray,
    *,
    name: str,
    kept: BoolArray | None = None,
    zero_tol: float = 0.0,
) -> str:
    """Describe one slice's Jacobian heatmap: diagonal, off-diagonal, row sums.

    `kept` is the slice's mask (length n): the statistics use the kept rows
    and columns only, the Jacobian of the slice restricted to them.

    Examples
    --------
    >>> y = np.array([0.26894142, 0.73105858])
    >>> jacobian_alt(np.diag(y) - np.outer(y, y), name="J for x[0, :]")
    'Heatmap of J for x[0, :]: diagonal 0.197, off-diagonal −0.197; every row sums to 0; symmetric.'
    """  # noqa: E501
    j = np.asarray(jacobian, dtype=np.float64)
    keep = _kept(kept, (j.shape[0],))
    sub = j[np.ix_(keep, keep)]
    head = f"Heatmap of {name}"
    extras = []
    if not keep.all():
        extras.append(f"{_plural(int(np.sum(~keep)), 'entry')} masked (left out)")
    if sub.size == 0:
        return f"{head}: every entry is masked, nothing computed."
    bad = _nonfinite_counts(sub, np.ones(sub.shape, dtype=bool))
    if bad:
        return f"{head}: not finite: " + ", ".join(bad + extras) + "."
    facts = _matrix_facts(sub, zero_tol)
    rest = "; ".join(facts[2:] + extras)
    return f"{head}: " + ", ".join(facts[:2]) + "; " + rest + "."


def slice_bar_alt(
    values: FloatArray,
    *,
    label: str,
    temperature: float,
    labels: Sequence[str] | None = None,
    kept: BoolArray | None = None,
) -> str:
    """Describe a :func:`figures.slice_bar` of one slice's probabilities.

    Examples
    --------
    >>> slice_bar_alt(np.array([0.26894142, 0.73105858]), label="y[0, :]",
    ...               temperature=1.0)
    'y[0, :] at T = 1: the largest probability is 0.731 at position 1, the smallest 0.269 at position 0.'
    """  # noqa: E501
    v = np.asarray(values, dtype=np.float64).ravel()
    names = list(labels) if labels is not None else [str(i) for i in range(v.size)]
    keep = _kept(kept, v.shape)
    head = f"{label} at T = {temperature:g}"
    masked = int(np.sum(~keep))
    tail = [f"{_plural(masked, 'entry')} masked (drawn grey, not computed)"] * bool(
        masked
    )
    if not keep.any():
        return f"{head}: every entry is masked, so nothing was computed."
    bad = _nonfinite_counts(v, keep)
    if bad:
        return f"{head}: not finite: " + ", ".join(bad) + "; no probability is shown."
    kv, kn = v[keep], [n for n, k in zip(names, keep, strict=True) if k]
    top = np.flatnonzero(kv == kv.max())
    where = f"position {kn[top[0]]}"
    if top.size > 1:
        where = f"{top.size} positions tied ({', '.join(kn[i] for i in top[:4])}"
        where += ", …)" if top.size > 4 else ")"
    body = f"the largest probability is {number(float(kv.max()))} at {where}"
    if kv.size > 1 and top.size < kv.size:
        low = int(np.argmin(kv))
        body += f", the smallest {number(float(kv[low]))} at position {kn[low]}"
    return f"{head}: " + "; ".join([body, *tail]) + "."


def grid_alt(
    jacobians: Sequence[FloatArray],
    titles: Sequence[str],
    *,
    kept: BoolArray | None = None,
    zero_tol: float = 0.0,
) -> str:
    """Describe a :func:`figures.jacobian_grid`: the largest |entry| per slice.

    `kept` holds one length-n mask per panel (True: kept), as the slices'.

    Examples
    --------
    >>> j = np.array([[0.25, -0.25], [-0.25, 0.25]])
    >>> grid_alt([j, j / 2], ["y[0, :]", "y[1, :]"])
    'Jacobians of 2 slices on one colour scale; largest |entry| per slice: 0.25 (y[0, :]), 0.125 (y[1, :]); every row sums to 0.'
    """  # noqa: E501
    parts, rows_zero = [], True
    for k, (jac, title) in enumerate(zip(jacobians, titles, strict=True)):
        j = np.asarray(jac, dtype=np.float64)
        keep = np.ones(j.shape[0], dtype=bool) if kept is None else np.asarray(kept[k])
        sub = j[np.ix_(keep, keep)]
        if sub.size == 0:
            parts.append(f"all masked ({title})")
        elif not np.isfinite(sub).all():
            parts.append(f"not finite ({title})")
            rows_zero = False
        else:
            parts.append(f"{number(float(np.max(np.abs(sub))), zero_tol)} ({title})")
            rows_zero &= "every row sums to 0" in _matrix_facts(sub, zero_tol)
    end = "; every row sums to 0" if rows_zero else ""
    return (
        f"Jacobians of {len(parts)} slices on one colour scale; largest |entry| "
        f"per slice: {', '.join(parts)}{end}."
    )


def error_alt(error: FloatArray, *, name: str, tolerance: float | None = None) -> str:
    """Describe a :func:`figures.log_error_heatmap`: the largest error and where.

    `tolerance`, when given, is a bound worth comparing against (e.g. the pass
    rule's atol); the sentence then counts the cells above it.

    Examples
    --------
    >>> error_alt(np.array([[0.0, 2e-11], [3e-12, 0.0]]), name="|a − n|")
    'Heatmap of |a − n| on a log scale, 2 × 2: largest 2e-11 at row 0, col 1; 2 cells exactly 0.'
    """  # noqa: E501
    e = _grid(error)
    rows, cols = e.shape
    head = f"Heatmap of {name} on a log scale, {rows} × {cols}"
    finite = np.isfinite(e)
    parts = []
    if finite.any():
        worst = np.unravel_index(np.argmax(np.where(finite, e, -np.inf)), e.shape)
        parts.append(f"largest {e[worst]:.2g} at {_cell(worst, rows)}")
        zeros = int(np.sum(e == 0))
        if zeros:
            parts.append(f"{_plural(zeros, 'cell')} exactly 0")
        if tolerance is not None:
            above = int(np.sum(finite & (e > tolerance)))
            parts.append(f"{above} of {e.size} above {tolerance:.0e}")
    else:
        parts.append("no finite error")
    parts += _extras(e, np.ones(e.shape, dtype=bool))
    return f"{head}: " + "; ".join(parts) + "."


def direction_alt(
    analytic: FloatArray,
    numeric: FloatArray,
    *,
    zero_tol: tuple[float, float] = (0.0, 0.0),
) -> str:
    """Describe :func:`figures.direction_bars`: how far analytic and numeric differ.

    Examples
    --------
    >>> direction_alt(np.array([0.5, -1.0]), np.array([0.5, -1.0 + 3e-11]))
    'Bars of 2 directional derivatives, analytic beside numeric: largest |a − n| is 3e-11 (direction 1); analytic from −1 to 0.5.'
    """  # noqa: E501
    a = np.asarray(analytic, dtype=np.float64).ravel()
    n = np.asarray(numeric, dtype=np.float64).ravel()
    head = f"Bars of {a.size} directional derivatives, analytic beside numeric"
    if not (np.isfinite(a).all() and np.isfinite(n).all()):
        bad = _nonfinite_counts(np.concatenate([a, n]), np.ones(2 * a.size, bool))
        return f"{head}: not finite: " + ", ".join(bad) + "."
    tol = max(zero_tol)
    if (
        all(zero_tol)
        and np.all(np.abs(a) <= zero_tol[0])
        and np.all(np.abs(n) <= zero_tol[1])
    ):
        return f"{head}: both are 0 up to rounding (|v| ≤ {tol:.2g})."
    gap = np.abs(a - n)
    k = int(np.argmax(gap))
    return (
        f"{head}: largest |a − n| is {gap[k]:.2g} (direction {k}); "
        f"analytic {_span(a, zero_tol[0])}."
    )


def sweep_alt(
    scales: FloatArray,
    broken_fraction: FloatArray,
    *,
    current: float,
    current_broken: float,
    predicted: float | None = None,
) -> str:
    """Describe :func:`figures.sweep_line`: where the naive softmax starts to break.

    `current_broken` is the share of broken slices at the `current` scale
    (computed there, not read off the sweep's grid).

    Examples
    --------
    >>> sweep_alt(np.array([1.0, 10.0, 100.0]), np.array([0.0, 0.5, 1.0]),
    ...           current=1.0, current_broken=0.0, predicted=7.1)
    'Share of naive-softmax slices with inf/NaN for logit scales 1 to 100: 0% up to scale 1, first broken at 10 (50%), 100% at 100; at the current scale 1: 0%; exp predicted to overflow above scale 7.1.'
    """  # noqa: E501
    s = np.asarray(scales, dtype=np.float64)
    f = np.asarray(broken_fraction, dtype=np.float64)
    head = (
        f"Share of naive-softmax slices with inf/NaN for logit scales "
        f"{s.min():g} to {s.max():g}"
    )
    broken = np.flatnonzero(f > 0)
    if broken.size == 0:
        body = "0% at every scale"
    else:
        first = int(broken[0])
        body = f"first broken at {s[first]:.4g} ({f[first]:.0%})"
        if first > 0:
            body = f"0% up to scale {s[first - 1]:.4g}, " + body
        body += f", {f[-1]:.0%} at {s[-1]:.4g}"
    tail = f"; at the current scale {current:.4g}: {current_broken:.0%}"
    if predicted is not None:
        tail += f"; exp predicted to overflow above scale {predicted:.4g}"
    return f"{head}: {body}{tail}."
