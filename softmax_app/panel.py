"""The shared input panel (sidebar): the array, axis, temperature and upstream gradient.

It is created once per run by ``app.py``, before the page, so its widgets keep
their values across pages; pages read the result with :func:`current_inputs`.
Every value is mirrored in the URL (``x``, ``axis``, ``T``, ``g``) by
:mod:`softmax_app.urlstate`. Bad values never stop the page: each becomes one
sentence in :attr:`Inputs.errors` and the default is used instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import streamlit as st

from softmax_app import urlstate
from softmax_core import format_array, load_array_file, parse_array
from softmax_core.specs import (
    PRESETS,
    RandomSpec,
    axis_choices,
    format_axis,
    make_upstream,
    parse_axis,
    parse_random_spec,
)

__all__ = [
    "DEFAULTS",
    "Inputs",
    "current_inputs",
    "input_panel",
]

#: Default value of every URL parameter; a default is left out of the URL.
DEFAULTS = {"x": PRESETS["classic"][0], "axis": "-1", "T": "1", "g": "onehot"}

#: Temperatures on the slider: roughly even steps on a log scale, 0.05 to 20.
T_OPTIONS = (
    0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 7.0,
    10.0, 15.0, 20.0,
)  # fmt: skip

MAX_ELEMENTS = 1_000_000
#: Arrays up to this size are written out in the text box (and so in links);
#: larger random or uploaded arrays are referred to by a short spec instead.
MAX_TEXT_ELEMENTS = 2_000
#: The grid editor is offered for 1-D and 2-D arrays up to this many cells.
MAX_GRID_ELEMENTS = 400

_UPLOAD_PREFIX = "upload:"
_INPUTS = "_inputs"
_GRID = "_grid"  # (key, array) of the grid editor drawn in the last run
# The x text the panel itself wrote (random array, upload, grid edit): padded
# and one row per line for the text box; a link gets the compact form.
_WRITTEN = "_x_written"


@dataclass(frozen=True)
class Inputs:
    """What the panel hands to the pages, already validated."""

    x: np.ndarray
    x_text: str
    axes: tuple[int, ...]
    axis_text: str
    temperature: float
    upstream: np.ndarray
    g_text: str
    errors: tuple[str, ...] = field(default=())

    @property
    def axis_arg(self) -> int | tuple[int, ...] | None:
        """The axis as one would pass it to softmax_core, NumPy or PyTorch."""
        if self.axis_text == "none":
            return None
        if self.axis_text == "-1":
            return -1
        return self.axes[0] if len(self.axes) == 1 else self.axes


@st.cache_data(max_entries=32, show_spinner=False)
def _load_x(text: str) -> np.ndarray:
    """Parse the x box: array text or a ``random(...)`` spec."""
    spec = parse_random_spec(text)
    if spec is not None:
        return spec.generate()
    return parse_array(text, max_elements=MAX_ELEMENTS)


def _format_t(t: float) -> str:
    return f"{t:g}"


def _seed_from_url(errors: list[str]) -> None:
    """Copy new URL values into the widgets' state before the widgets exist."""
    for key in ("x", "g", "axis"):
        value = urlstate.incoming(key)
        if value is not None:
            st.session_state[key] = value
    t = urlstate.incoming("T")
    if t is not None:
        try:
            value = float(t)
            ok = math.isfinite(value) and 0 < value <= 1000
        except ValueError:
            ok = False
        if ok:
            st.session_state["T"] = value
        else:
            errors.append(
                f"**T** = {t!r} is not a valid temperature: it must be a number "
                f"> 0 (the slider spans {T_OPTIONS[0]:g} to {T_OPTIONS[-1]:g}). "
                f"Using T = 1."
            )
    for key, default in DEFAULTS.items():
        if key == "T":
            st.session_state.setdefault("T", 1.0)
        else:
            st.session_state.setdefault(key, default)


def _apply_preset() -> None:
    name = st.session_state.get("preset")
    if name in PRESETS:
        text, axis, _ = PRESETS[name]
        st.session_state["x"] = text
        st.session_state["axis"] = axis


def _apply_random() -> None:
    try:
        shape = tuple(
            int(d) for d in str(st.session_state["rand_shape"]).split(",") if d.strip()
        )
        spec = RandomSpec(
            shape,
            int(st.session_state["rand_seed"]),
            float(st.session_state["rand_scale"]),
        )
        parse_random_spec(str(spec))  # same checks as a typed spec
    except ValueError as exc:
        st.session_state["_panel_error"] = f"**Random array**: {exc}"
        return
    if math.prod(shape) <= MAX_TEXT_ELEMENTS:
        # Small arrays are written out, so the numbers can be edited and shared.
        _write_x(format_array(spec.generate().round(3)))
    else:
        st.session_state["x"] = str(spec)


def _apply_upload() -> None:
    upload = st.session_state.get("upload")
    if upload is None:
        return
    try:
        array = load_array_file(
            upload.getvalue(), upload.name, max_elements=MAX_ELEMENTS
        )
    except (ValueError, TypeError) as exc:
        st.session_state["_panel_error"] = f"**Upload** {upload.name!r}: {exc}"
        return
    if array.size <= MAX_TEXT_ELEMENTS:
        _write_x(format_array(array))
    else:
        st.session_state["_uploaded"] = (upload.name, array)
        st.session_state["x"] = _UPLOAD_PREFIX + upload.name


def _apply_grid() -> None:
    """Apply the grid editor's cell edits to x, before the x box is drawn.

    This runs at the start of every run rather than as the editor's
    ``on_change`` callback, so edits apply however they arrive: from the
    browser, or seeded into session state by an AppTest (which does not fire
    callbacks for seeded values).
    """
    shown = st.session_state.get(_GRID)
    if shown is None:
        return
    key, base = shown
    edits: dict[str, Any] = st.session_state.get(key) or {}
    if not edits.get("edited_rows"):
        return
    grid = np.array(base, dtype=np.float64, ndmin=2, copy=True)
    try:
        for row, changes in edits["edited_rows"].items():
            for column, value in changes.items():
                grid[int(row), int(column)] = np.nan if value is None else float(value)
    except (ValueError, TypeError, IndexError):
        return  # the editor only produces numbers in range; ignore anything else
    _write_x(format_array(grid.reshape(base.shape)))


def _write_x(text: str) -> None:
    """Put text the panel wrote into the x box, and remember that it did."""
    st.session_state["x"] = text
    st.session_state[_WRITTEN] = text


def _link_x(inputs: Inputs) -> str:
    """Return the x for the URL: as in the box, or compact if the panel wrote it.

    Typed text is kept as it is (it may be a spreadsheet paste, where a line
    break separates rows); text the panel wrote from an array is shared in
    one line, ``[[0.123,-1.5],[2,0]]``, which reads back to the same array.
    """
    box = str(st.session_state.get("x", inputs.x_text))
    if box != inputs.x_text:
        # The box's text did not read (the page shows the default and says
        # why): keep it in the link, so the link shows the same message.
        return box
    if inputs.x_text == st.session_state.get(_WRITTEN):
        return format_array(inputs.x, compact=True)
    return inputs.x_text


def _resolve_x(errors: list[str]) -> tuple[np.ndarray, str]:
    text = str(st.session_state["x"])
    uploaded = st.session_state.get("_uploaded")
    if text.startswith(_UPLOAD_PREFIX):
        if uploaded and uploaded[0] == text[len(_UPLOAD_PREFIX) :]:
            return uploaded[1], text
        errors.append(
            f"**x**: {text!r} refers to an uploaded file, and uploads are not part "
            f"of links: upload the file again. Showing the default example instead."
        )
        return _load_x(DEFAULTS["x"]), DEFAULTS["x"]
    try:
        return _load_x(text), text
    except (ValueError, TypeError) as exc:
        errors.append(f"**x**: {exc}. Showing the default example instead.")
        return _load_x(DEFAULTS["x"]), DEFAULTS["x"]


def _input_widgets(errors: list[str]) -> Inputs:
    st.header("Input")
    st.selectbox(
        "Preset",
        list(PRESETS),
        index=None,
        key="preset",
        placeholder="Pick an example…",
        on_change=_apply_preset,
        help="\n".join(f"- **{k}**: {v[2]}" for k, v in PRESETS.items()),
    )
    st.text_area(
        "x: the array",
        key="x",
        height=110,
        help=(
            "Nested lists ([[1, 2], [3, 4]]), NumPy's printed output, rows pasted "
            "from a spreadsheet, or random(2, 3, 4; seed=0; scale=1). nan, inf "
            "and -inf are allowed."
        ),
    )
    x, x_text = _resolve_x(errors)

    with st.expander("Random array"):
        st.text_input("shape", value="2, 3, 4", key="rand_shape")
        left, right = st.columns(2)
        left.number_input("seed", min_value=0, value=0, step=1, key="rand_seed")
        right.number_input("scale", min_value=0.0, value=1.0, key="rand_scale")
        st.button("Generate", on_click=_apply_random, width="stretch")
    st.session_state.pop(_GRID, None)
    if x.ndim in (1, 2) and 0 < x.size <= MAX_GRID_ELEMENTS:
        with st.expander("Edit as a grid"):
            grid_key = f"grid-{hash(x_text)}"
            st.session_state[_GRID] = (grid_key, x)
            st.data_editor(
                _grid_frame(x),
                key=grid_key,
                width="stretch",
            )
    st.file_uploader(
        "Upload .npy or .csv",
        type=["npy", "csv"],
        key="upload",
        on_change=_apply_upload,
        help="Arrays up to 1,000,000 entries. .npy files are read without pickle.",
    )

    choices = axis_choices(x.shape)
    try:
        # A single number has no axes: its softmax is 1 whatever was asked.
        axes = parse_axis(str(st.session_state["axis"]), x.shape) if x.ndim else ()
    except ValueError as exc:
        errors.append(f"**axis**: {exc}. Using the last axis (-1).")
        axes = parse_axis("-1", x.shape) if x.ndim else ()
    axis_text = format_axis(axes, x.ndim)
    st.session_state["axis"] = axis_text
    st.selectbox(
        "axis: softmax along",
        list(choices),
        key="axis",
        format_func=lambda a: choices.get(a, a),
        help="Each slice along these axes is normalised to sum to 1.",
    )

    t_value = float(st.session_state["T"])
    options = sorted(set(T_OPTIONS) | {t_value})
    st.select_slider(
        "T: temperature",
        options=options,
        key="T",
        format_func=_format_t,
        help="Logits are divided by T: small T sharpens, large T flattens.",
    )
    temperature = float(st.session_state["T"])

    st.text_input(
        "g: upstream gradient",
        key="g",
        help=(
            "ones, random, onehot (1 at each slice's argmax) or an array of x's "
            "shape."
        ),
    )
    g_text = str(st.session_state["g"])
    try:
        upstream = make_upstream(g_text, x, axes, parse=parse_array)
    except (ValueError, TypeError) as exc:
        errors.append(f"**g**: {exc}. Using onehot instead.")
        upstream = make_upstream("onehot", x, axes)

    return Inputs(x, x_text, axes, axis_text, temperature, upstream, g_text)


def _grid_frame(x: np.ndarray) -> Any:
    import pandas as pd

    grid = x.reshape(1, -1) if x.ndim == 1 else x
    return pd.DataFrame(grid, columns=[str(j) for j in range(grid.shape[1])])


def input_panel() -> Inputs:
    """Draw the sidebar panel, sync it with the URL and return the inputs."""
    errors: list[str] = []
    _apply_grid()
    _seed_from_url(errors)
    panel_error = st.session_state.pop("_panel_error", None)
    if panel_error:
        errors.append(panel_error)
    with st.sidebar:
        inputs = _input_widgets(errors)
    urlstate.publish("x", _link_x(inputs), DEFAULTS["x"])
    urlstate.publish("axis", inputs.axis_text, DEFAULTS["axis"])
    urlstate.publish("T", _format_t(inputs.temperature), DEFAULTS["T"])
    urlstate.publish("g", inputs.g_text, DEFAULTS["g"])
    inputs = Inputs(**{**inputs.__dict__, "errors": tuple(errors)})
    st.session_state[_INPUTS] = inputs
    return inputs


def current_inputs() -> Inputs:
    """Return the inputs the panel produced in this run (pages call this)."""
    inputs = st.session_state.get(_INPUTS)
    if inputs is None:  # a page run on its own, e.g. in a test
        inputs = input_panel()
    return inputs
