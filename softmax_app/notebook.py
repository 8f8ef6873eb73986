"""The take-home notebook: a Jupyter notebook (.ipynb) of the current view.

:func:`build_notebook` writes a valid nbformat v4 notebook that needs only
NumPy: it rebuilds x and g (every digit: the numbers are the page's numbers),
computes the forward and backward passes, runs a sliced gradient check written
out in NumPy, and ends with an exercise, "write your own backward here",
prefilled with the stale-counter backward pass, whose check names the wrong
slices. An optional cell compares with PyTorch when it is installed.
:func:`notebook_download` draws the page's "Download notebook" button.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

import nbformat
import numpy as np
import streamlit as st
from nbformat import v4

from softmax_app import classroom, links
from softmax_app.inputs import FloatArray, parse_random_spec
from softmax_app.panel import Inputs
from softmax_app.render import notebook_code as code
from softmax_app.render.snippets import python_literal

__all__ = [
    "INLINE_LIMIT",
    "MAX_CHECK_WORK",
    "MAX_NOTEBOOK_ELEMENTS",
    "NotebookState",
    "build_notebook",
    "notebook_bytes",
    "notebook_download",
    "notebook_refusal",
]

#: Arrays up to this many entries are written out as nested lists; larger ones
#: as the base64 of their float64 bytes (exact, and a third of the size).
INLINE_LIMIT = 400
#: Arrays larger than this are not put in a notebook (about 2.7 MB of base64);
#: a ``random(...)`` x is any size, it is the generator call.
MAX_NOTEBOOK_ELEMENTS = 250_000
#: The gradient check runs 2 n forward passes over x (n the slice length):
#: written out up to this n · size.
MAX_CHECK_WORK = 20_000_000


@dataclass(frozen=True, eq=False)
class NotebookState:
    """What a notebook reproduces: the panel's inputs and the page's choices.

    `upstream` is g, of x's shape, for softmax and log_softmax; for
    cross_entropy it is the scalar upstream gradient of the mean loss, and
    `target` holds class indices (of the batch shape, int `axis` only) or
    probabilities (of x's shape). `where` is the mask (True = takes part).
    """

    x: FloatArray
    axis: int | tuple[int, ...] | None
    temperature: float
    upstream: FloatArray
    function: str = "softmax"
    target: FloatArray | None = None
    where: np.ndarray | None = None
    x_text: str = ""
    g_text: str = ""
    page: str = ""
    link: str = ""
    implementation: str = ""
    notes: tuple[str, ...] = field(default=())

    @property
    def axes(self) -> tuple[int, ...]:
        """The softmax axes, sorted and non-negative."""
        ndim = np.ndim(self.x)
        if self.axis is None:
            return tuple(range(ndim))
        return tuple(sorted(a % ndim for a in np.atleast_1d(self.axis).tolist()))


def notebook_refusal(state: NotebookState) -> str | None:
    """Say why no notebook can be written for `state`, or return None."""
    if state.function not in code.FUNCTIONS:
        names = ", ".join(code.FUNCTIONS)
        return f"function {state.function!r} has no notebook; valid: {names}"
    too_big = [
        name
        for name, a in (("x", state.x), ("g", state.upstream), ("target", state.target))
        if a is not None
        and np.size(a) > MAX_NOTEBOOK_ELEMENTS
        and not (name == "x" and _random_call(state) is not None)
    ]
    if too_big:
        return (
            f"{' and '.join(too_big)} {'has' if len(too_big) == 1 else 'have'} "
            f"more than {MAX_NOTEBOOK_ELEMENTS:,} entries, "
            "too many to write into a notebook; use the .npy downloads instead"
        )
    return None


# --- arrays as source -------------------------------------------------------------


def _random_call(state: NotebookState) -> str | None:
    """Return the generator call that made x, if x_text is a ``random(...)`` spec."""
    try:
        spec = parse_random_spec(state.x_text)
    except ValueError:
        return None
    if spec is None or not np.array_equal(spec.generate(), state.x):
        return None
    draw = f"np.random.default_rng({spec.seed}).standard_normal({spec.shape})"
    # RandomSpec.generate multiplies by scale; by 1.0 changes no bit.
    return draw if spec.scale == 1.0 else f"{float(spec.scale)!r} * {draw}"


def _array_source(name: str, a: np.ndarray, dtype: str = "float64") -> str:
    """Return ``name = ...`` that rebuilds `a` exactly: nested lists or base64."""
    a = np.asarray(a, dtype=dtype)
    if a.size <= INLINE_LIMIT:
        literal = python_literal(a) if dtype == "float64" else repr(a.tolist())
        indent = "\n" + " " * (len(name) + 12)
        kind = ", dtype=bool" if dtype == "bool" else ""
        return f"{name} = np.array({literal.replace(chr(10), indent)}{kind})"
    little = a.dtype.newbyteorder("<").str  # "<f8": the same bytes everywhere
    data = base64.b64encode(a.astype(little).tobytes()).decode()
    return (
        f"# {a.size:,} entries: the exact bytes of the array, base64-encoded\n"
        f'{name} = np.frombuffer(base64.b64decode("{data}"), dtype="{little}")'
        f".reshape({a.shape}).copy()"
    )


def _inputs_code(state: NotebookState) -> str:
    x = np.asarray(state.x, dtype=np.float64)
    random_call = _random_call(state)
    lines = ["import numpy as np"]
    big = x.size > INLINE_LIMIT or np.size(state.upstream) > INLINE_LIMIT
    if big:
        lines.append("import base64")
    lines.append("")
    if random_call is not None:
        lines.append(f"x = {random_call}  # {state.x_text.strip()}")
    else:
        lines.append(_array_source("x", x))
    lines.append(
        f"axis = {state.axis!r}  # each slice along this axis sums to 1"
        + (" (None: all axes)" if state.axis is None else "")
    )
    lines.append(f"T = {float(state.temperature)!r}  # temperature: softmax(x / T)")
    lines += _upstream_lines(state)
    if state.where is None:
        lines.append("mask = True  # no mask: every entry takes part")
    else:
        where = np.broadcast_to(np.asarray(state.where, dtype=bool), x.shape)
        lines.append(_array_source("mask", where, "bool") + "  # False: masked")
    return "\n".join(lines) + "\n"


def _upstream_lines(state: NotebookState) -> list[str]:
    if state.function != "cross_entropy":
        return [_array_source("g", state.upstream) + "  # the upstream gradient"]
    upstream = float(np.asarray(state.upstream, dtype=np.float64).reshape(()))
    lines = [f"upstream = {upstream!r}  # dL/d(mean cross-entropy)"]
    if state.target is None:
        raise ValueError("cross_entropy needs a target")
    target = np.asarray(state.target)
    if target.shape == np.shape(state.x):
        return [*lines, _array_source("t", target) + "  # target probabilities"]
    if not isinstance(state.axis, int):
        raise ValueError("class indices as a target need a single int axis")
    return [
        *lines,
        _array_source("target", target, "int64") + "  # class indices",
        f"t = np.moveaxis(np.eye(x.shape[{state.axis}])[target], -1, {state.axis})"
        "  # as probabilities",
    ]


# --- the notebook -------------------------------------------------------------------


_LOSS_TEXT = {
    "softmax": "L = Σ g ⊙ softmax(x / T), with the upstream gradient g",
    "log_softmax": "L = Σ g ⊙ log_softmax(x / T), with the upstream gradient g",
    "cross_entropy": (
        "L = upstream · mean over the slices of the cross-entropy "
        "−Σ t log softmax(x / T), with the target t"
    ),
}


def _describe(a: np.ndarray, text: str) -> str:
    shown = text.strip() if text.strip() and len(text) <= 80 else ""
    return f"shape {np.shape(a)}" + (f", given as `{shown}`" if shown else "")


def _intro(state: NotebookState) -> str:
    page = f"the **{state.page.capitalize() or 'Home'}** page"
    lines = [
        "# Softmax Lab: take-home notebook",
        "",
        f"This notebook reproduces exactly this view of Softmax Lab: {page}"
        + (f", link `{state.link}`" if state.link else "")
        + ".",
        "",
        f"- **x** (the logits): {_describe(state.x, state.x_text)}",
        f"- **axis**: `{state.axis!r}` (softmax axes {state.axes})",
        f"- **T** (temperature): `{float(state.temperature)!r}`",
        f"- **function**: `{state.function}`; the loss is {_LOSS_TEXT[state.function]}",
    ]
    if state.target is not None:
        lines.append(f"- **target**: shape {np.shape(state.target)}")
    else:
        lines.append(f"- **g**: {_describe(state.upstream, state.g_text)}")
    mask = "none" if state.where is None else "an array of True/False (False: masked)"
    lines.append(f"- **mask**: {mask}")
    if state.implementation:
        lines.append(
            f"- **implementation checked on the page**: `{state.implementation}`"
        )
    lines += ["", *state.notes, "", "It needs only NumPy: run the cells top to bottom."]
    return "\n".join(lines).replace("\n\n\n", "\n\n")


_MATH = {
    "softmax": (
        "For one slice, y = softmax(x / T) and the backward pass (the VJP) is "
        "dL/dx = y ⊙ (g − ⟨g, y⟩) / T: the Jacobian (diag(y) − y yᵀ) / T is never "
        "built."
    ),
    "log_softmax": (
        "For one slice, with y = exp(log_softmax(x / T)), the backward pass (the "
        "VJP) is dL/dx = (g − y Σg) / T: the Jacobian (I − 1 yᵀ) / T is not "
        "symmetric."
    ),
    "cross_entropy": (
        "For one slice, the gradient of its cross-entropy is y − t, with "
        "y = softmax(x / T): the famous *y − t*. The mean over N slices and the "
        "temperature make it (y − t) / (N T)."
    ),
}

_CHECK_TEXT = (
    "## A sliced gradient check\n\n"
    "Central differences: move entry j of *every* slice at once by ±h and read "
    "each slice's own loss (slices do not interact), so 2 n evaluations give the "
    "whole numeric gradient. A slice passes when every entry satisfies "
    "|analytic − numeric| ≤ atol + rtol · |numeric| (atol = 1e-5, rtol = 1e-3, "
    "as `torch.autograd.gradcheck` in float64); the check prints each slice's "
    "worst error."
)

_EXERCISE_TEXT = (
    "## Exercise: write your own backward here\n\n"
    "`my_backward` below is the lab's classic bug, the *stale counter*: a loop "
    "over the slices with `np.apply_along_axis`, finding each slice's upstream "
    "gradient through a counter that is never really incremented. Run the check "
    "under it: it names the slices that are wrong. Then rewrite `my_backward` "
    "(vectorized, or fix the loop) until every slice says ok."
)


def _check_refusal(state: NotebookState) -> str | None:
    x = np.asarray(state.x)
    if not np.isfinite(x).all():
        return (
            "x holds NaN or ±inf, and central differences need finite logits: the "
            "check is not run here. Put finite numbers in x (first cell) to run it."
        )
    n = int(np.prod([x.shape[a] for a in state.axes], dtype=np.int64))
    if n * x.size > MAX_CHECK_WORK:
        return (
            f"x has {x.size:,} entries in slices of {n:,}: the check's 2 · {n:,} "
            "forward passes would take too long, so it is not run here. Try it "
            "on a smaller x."
        )
    return None


# nbformat's builders carry no annotations: called through these, once each.
def _markdown_cell(source: str) -> nbformat.NotebookNode:
    cell: nbformat.NotebookNode = v4.new_markdown_cell(source)  # type: ignore[no-untyped-call]
    return cell


def _code_cell(source: str) -> nbformat.NotebookNode:
    cell: nbformat.NotebookNode = v4.new_code_cell(source)  # type: ignore[no-untyped-call]
    return cell


def build_notebook(state: NotebookState) -> nbformat.NotebookNode:
    """Return the notebook for `state`, validated against nbformat v4's schema.

    Raises
    ------
    ValueError
        If :func:`notebook_refusal` refuses `state`.
    """
    refusal = notebook_refusal(state)
    if refusal:
        raise ValueError(refusal)
    function = state.function
    plain = state.where is None and bool(np.isfinite(state.x).all())
    md, py = _markdown_cell, _code_cell
    cells = [
        md(_intro(state)),
        py(_inputs_code(state)),
        md("## Forward and backward\n\n" + _MATH[function]),
        py(code.slices_code()),
        py(code.functions_code(function, plain)),
        py(code.results_code(function)),
        md("### Optional: the same gradient from PyTorch's autograd"),
        py(code.torch_code(function)),
        md(_CHECK_TEXT),
        py(code.check_code()),
        md(_EXERCISE_TEXT),
        py(code.exercise_code(function)),
        py(code.exercise_call(function)),
    ]
    refusal = _check_refusal(state)
    if refusal:
        cells[9] = py(
            code.check_code().replace(
                '\ncheck(dx, "the correct', '\n# check(dx, "the correct'
            )
        )
        cells[12] = md(f"*{refusal}*")
    notebook: nbformat.NotebookNode = v4.new_notebook(  # type: ignore[no-untyped-call]
        cells=cells,
        metadata={
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3",
                "language": "python",
            },
            "language_info": {"name": "python"},
        },
    )
    nbformat.validate(notebook)
    return notebook


def notebook_bytes(state: NotebookState) -> bytes:
    """Return the notebook for `state` as the bytes of an .ipynb file."""
    text: str = nbformat.writes(build_notebook(state))  # type: ignore[no-untyped-call]
    return text.encode("utf-8")


def notebook_download(
    inputs: Inputs, *, implementation: str = "", key: str = "download-notebook"
) -> None:
    """Draw the "Download notebook" button for the panel's inputs on this page.

    Says why instead when no notebook can be written (too large an array).
    Nothing is drawn under ``hide=code`` (the notebook is code to take home).
    """
    if not classroom.shows("code"):
        return
    cross_entropy = inputs.function == "cross_entropy"
    state = NotebookState(
        x=inputs.x,
        axis=inputs.axis_arg,
        temperature=inputs.temperature,
        # the page differentiates the mean cross-entropy itself: upstream 1
        upstream=np.array(1.0) if cross_entropy else inputs.upstream,
        function=inputs.function,
        target=inputs.target if cross_entropy else None,
        where=inputs.mask,
        x_text=inputs.x_text,
        g_text=inputs.g_text,
        page=str(st.session_state.get(links.PAGE_PATH, "")),
        link=links.share_url(),
        implementation=implementation,
    )
    refusal = notebook_refusal(state)
    if refusal:
        st.caption(f"No notebook for this input: {refusal}.")
        return
    st.download_button(
        "Download notebook (.ipynb)",
        lambda: notebook_bytes(state),
        file_name="softmax_lab.ipynb",
        mime="application/x-ipynb+json",
        key=key,
        on_click="ignore",
        icon=":material/download:",
        help="A Jupyter notebook of this view that needs only NumPy: x and g, the "
        "forward and backward passes, a gradient check, and an exercise.",
    )
