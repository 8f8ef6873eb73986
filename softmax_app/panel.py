"""The shared input panel (sidebar): the array, axis, temperature and upstream gradient.

It is created once per run by ``app.py``, before the page, so its widgets keep
their values across pages; pages read the result with :func:`current_inputs`.
Every value is mirrored in the URL (``x``, ``axis``, ``T``, ``g``) by
:mod:`softmax_app.urlstate`, as the learner wrote it.

The one rule: the pages never show results for something other than what the
learner asked for. When an input cannot be used, the panel says why right
under it, and :func:`current_inputs` stops the page after saying so too, with
a button that loads an example; nothing is computed from a substitute. The
only value the panel ever changes by itself is an explicit upstream gradient
that no longer fits a reshaped x: the g box then shows ``onehot``, with a note
under it saying why.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st

from softmax_app import compute, links, panelfields, urlstate
from softmax_app.inputs import (
    PRESETS,
    UPSTREAM_KEYWORDS,
    FloatArray,
    RandomSpec,
    axis_choices,
    format_axis,
    make_upstream,
    parse_axis,
    parse_random_spec,
)
from softmax_app.limits import MAX_ELEMENTS
from softmax_app.masking import BoolArray
from softmax_core import format_array, load_array_file, parse_array

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULTS",
    "Inputs",
    "Problem",
    "current_inputs",
    "input_panel",
    "load",
    "problems",
]

#: Default value of every URL parameter; a default is left out of the URL.
DEFAULTS = {
    "x": PRESETS["classic"].x,
    "axis": "-1",
    "T": "1",
    "g": "onehot",
    **panelfields.DEFAULTS,
}

#: Temperatures on the slider: roughly even steps on a log scale, 0.05 to 20.
T_OPTIONS = (
    0.05, 0.07, 0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 7.0,
    10.0, 15.0, 20.0,
)  # fmt: skip
#: Largest temperature a link may ask for.
MAX_T = 1000.0

#: Arrays up to this size are written out in the text box (and so in links);
#: larger uploaded arrays are referred to by name instead.
MAX_TEXT_ELEMENTS = 2_000
#: The grid editor is offered for 1-D and 2-D arrays up to this many cells.
MAX_GRID_ELEMENTS = 400

_UPLOAD_PREFIX = "upload:"
_INPUTS = "_inputs"  # the Inputs of this run, or None when one cannot be used
_PROBLEMS = "_problems"  # the Problems of this run
_GRID = "_grid"  # (key, array) of the grid editor drawn in the last run
# The x text the panel itself wrote (upload, grid edit): padded and one row per
# line for the text box; a link gets the compact form.
_WRITTEN = "_x_written"
# What was asked for the axis and T, as written (a link's "-1", the choice
# picked in the box). The widgets can only show valid choices, so they show
# the asked value when it is valid and nothing (axis) or a note (T) otherwise.
_AXIS_ASKED = "_axis_asked"
_T_ASKED = "_t_asked"
# The widget values the panel drew last run: a different value at the start of
# a run means the learner (or a page's callback) changed the widget.
_AXIS_SHOWN = "_axis_shown"
_T_SHOWN = "_t_shown"
_G_SHOWN = "_g_shown"
_X_SHAPE = "_x_shape"  # the shape of the last x that could be read
_G_NOTE = "_g_note"  # (sentence, x shape) after g was replaced by onehot
_UPLOAD_FAILED = "_upload_failed"  # (file id, sentence)
_RANDOM_FAILED = "_random_failed"  # (x text at the time, sentence)


@dataclass(frozen=True)
class Inputs:
    """What the panel hands to the pages: every value valid, as asked."""

    x: FloatArray
    x_text: str
    axes: tuple[int, ...]
    axis_text: str
    temperature: float
    upstream: FloatArray
    g_text: str
    #: Set when the panel replaced a g that no longer fitted x: says so, for
    #: pages that show the gradient (the panel shows it under the g box too).
    g_note: str = ""
    #: The mask (True: kept), or None when every entry counts; as written.
    mask: BoolArray | None = None
    mask_text: str = "none"
    #: softmax, log_softmax or cross_entropy.
    function: str = "softmax"
    #: Cross-entropy's target distribution (x's shape), and its box's text.
    target: FloatArray | None = None
    target_text: str = "argmax"

    @property
    def axis_arg(self) -> int | tuple[int, ...] | None:
        """The axis as one would pass it to softmax_core, NumPy or PyTorch.

        A single axis keeps its sign as written (``-1`` or ``1``).
        """
        if self.axis_text.strip().lower() in ("none", "all") or not self.axes:
            return None
        if len(self.axes) == 1:
            try:
                return int(self.axis_text.strip().strip("()[], "))
            except ValueError:
                return self.axes[0]
        return self.axes


@dataclass(frozen=True)
class Problem:
    """Why one input cannot be used: the parameter (x, axis, ...) and a sentence."""

    param: str
    message: str

    def __str__(self) -> str:
        return f"**{self.param}**: {self.message}"


# --- reading the inputs ---------------------------------------------------------


@st.cache_data(max_entries=32, max_size=compute.PARSE_BUDGETS["x"], show_spinner=False)
def _load_x(text: str) -> FloatArray:
    """Parse the x box: array text or a ``random(...)`` spec."""
    spec = parse_random_spec(text)
    if spec is not None:
        return spec.generate()
    return parse_array(text, max_elements=MAX_ELEMENTS)


@st.cache_data(max_entries=8, max_size=compute.PARSE_BUDGETS["g"], show_spinner=False)
def _load_g(text: str) -> FloatArray:
    """Parse an array typed in the g box."""
    return parse_array(text, max_elements=MAX_ELEMENTS)


def _format_t(t: float) -> str:
    return f"{t:g}"


def _read_t(text: str) -> float:
    """Read a temperature, or raise ValueError with the sentence to show."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 0 < value <= MAX_T):
        raise ValueError(
            f"T = {text!r} is not a valid temperature: it must be a number > 0 "
            f"and at most {MAX_T:g} (the slider spans {T_OPTIONS[0]:g} to "
            f"{T_OPTIONS[-1]:g})"
        )
    return value


def _is_keyword(g_text: str) -> bool:
    return g_text.strip().lower() in UPSTREAM_KEYWORDS


def _read_x() -> tuple[FloatArray | None, str, str | None]:
    """Read the x box: (array or None, its text, why it cannot be used)."""
    text = str(st.session_state["x"])
    if text.startswith(_UPLOAD_PREFIX):
        uploaded = st.session_state.get("_uploaded")
        if uploaded and uploaded[0] == text[len(_UPLOAD_PREFIX) :]:
            return uploaded[1], text, None
        return (
            None,
            text,
            (
                f"{text!r} refers to an uploaded file, and uploads are not part of "
                "links: upload the file again below"
            ),
        )
    try:
        x = _load_x(text)
    except (ValueError, TypeError) as exc:
        return None, text, str(exc)
    if x.size == 0:
        return (
            None,
            text,
            (
                f"x has no entries (shape {x.shape}): softmax needs at least one "
                "number. Type some, e.g. [1, 2, 3]"
            ),
        )
    return x, text, None


def _read_axis(shape: tuple[int, ...]) -> tuple[tuple[int, ...] | None, str | None]:
    """Read the asked axis for `shape`: (sorted axes or None, why not)."""
    if not shape:
        return (), None  # a single number has no axes: its softmax is 1
    asked = str(st.session_state[_AXIS_ASKED])
    try:
        return parse_axis(asked, shape), None
    except ValueError as exc:
        return None, f"{exc}. Pick an axis in the box above"


def _fit_g(x: FloatArray) -> None:
    """Replace an explicit g that fitted the previous x but not this one.

    Runs before the g box is drawn, so the box itself shows the replacement.
    A g typed (or linked) in this very run is never replaced: if it does not
    fit, that is the learner's mistake to see.
    """
    text = str(st.session_state["g"])
    note = st.session_state.get(_G_NOTE)
    if note is not None and (text != "onehot" or note[1] != x.shape):
        st.session_state.pop(_G_NOTE)
    previous = st.session_state.get(_X_SHAPE)
    typed_now = text != st.session_state.get(_G_SHOWN)
    if _is_keyword(text) or typed_now or previous is None or previous == x.shape:
        return
    try:
        g = _load_g(text)
    except (ValueError, TypeError):
        return
    if g.shape == previous and g.shape != x.shape:
        shown = text if len(text) <= 60 else "your array"
        st.session_state["g"] = "onehot"
        st.session_state[_G_NOTE] = (
            f"g was `{shown}`, of shape {g.shape}: it fitted the previous x but not "
            f"this one, of shape {x.shape}. **g is now `onehot`** (1 at each "
            f"slice's largest entry); type an array of shape {x.shape} to use "
            "your own.",
            x.shape,
        )


def _read_g(
    x: FloatArray, axes: tuple[int, ...]
) -> tuple[FloatArray | None, str | None]:
    """Build the upstream gradient from the g box: (array or None, why not)."""
    try:
        return make_upstream(str(st.session_state["g"]), x, axes, parse=_load_g), None
    except (ValueError, TypeError) as exc:
        return None, str(exc)


# --- callbacks (they run before the next run's widgets exist) --------------------


def load(
    x: str,
    axis: str = "-1",
    temperature: float = 1.0,
    g: str = "onehot",
    *,
    f: str = "softmax",
    target: str = "argmax",
    mask: str = "none",
) -> None:
    """Set every input of the panel at once, as asked.

    For ``on_click`` callbacks (presets, a page's "load this example"
    buttons): call it before the panel is drawn. ``axis`` is kept as written
    (``"1"`` stays ``1`` in the link). Function, target and mask not given
    go back to their defaults, so an example is exactly what it says.
    """
    st.session_state["x"] = x
    st.session_state[_AXIS_ASKED] = axis
    st.session_state[_T_ASKED] = _format_t(temperature)
    st.session_state["g"] = g
    st.session_state.pop(_G_NOTE, None)
    panelfields.reset(f, target, mask)


def _apply_preset() -> None:
    name = st.session_state.get("preset")
    if name in PRESETS:
        preset = PRESETS[name]
        load(
            preset.x,
            preset.axis,
            preset.temperature,
            preset.upstream,
            f=preset.function,
            target=preset.target,
            mask=preset.mask,
        )


def _load_example() -> None:
    st.session_state["preset"] = "classic"
    _apply_preset()


def _use_default_t() -> None:
    st.session_state[_T_ASKED] = DEFAULTS["T"]


def _apply_random() -> None:
    """Write the generator's spec into the x box: exactly the array it draws."""
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
        st.session_state[_RANDOM_FAILED] = (
            str(st.session_state.get("x")),
            f"**Random array**: {exc}. x was not changed.",
        )
        return
    st.session_state.pop(_RANDOM_FAILED, None)
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
        st.session_state[_UPLOAD_FAILED] = (upload.file_id, upload.name, str(exc))
        return
    st.session_state.pop(_UPLOAD_FAILED, None)
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
    # A DataEditorState from the browser, a plain dict from an AppTest: read
    # both as a mapping and check every cell below.
    edits: Mapping[str, Any] = st.session_state.get(key) or {}
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


# --- state and URL ---------------------------------------------------------------


def _take_widget_changes() -> None:
    """Take a widget value that differs from what the panel drew as asked."""
    axis = st.session_state.get("axis")
    if axis is not None and axis != st.session_state.get(_AXIS_SHOWN):
        st.session_state[_AXIS_ASKED] = str(axis)
    t = st.session_state.get("T")
    if t is not None and t != st.session_state.get(_T_SHOWN):
        st.session_state[_T_ASKED] = _format_t(float(t))
    panelfields.take_widget_changes()


def _seed_from_url() -> None:
    """Copy new URL values into the panel's state before the widgets exist."""
    for key in ("x", "g"):
        value = urlstate.incoming(key)
        if value is not None:
            st.session_state[key] = value
    for key, state in (("axis", _AXIS_ASKED), ("T", _T_ASKED)):
        value = urlstate.incoming(key)
        if value is not None:
            st.session_state[state] = value
    for key in ("x", "g"):
        st.session_state.setdefault(key, DEFAULTS[key])
    st.session_state.setdefault(_AXIS_ASKED, DEFAULTS["axis"])
    st.session_state.setdefault(_T_ASKED, DEFAULTS["T"])
    st.session_state.setdefault("T", 1.0)
    panelfields.seed_from_url()


def _link_x(x: FloatArray | None, x_text: str) -> str:
    """Return the x for the URL: as in the box, or compact if the panel wrote it.

    Typed text is kept as it is (it may be a spreadsheet paste, where a line
    break separates rows), and so is text that cannot be read, so the link
    shows the same message; text the panel wrote from an array is shared in
    one line, ``[[0.123,-1.5],[2,0]]``, which reads back to the same array.
    """
    if x is not None and x_text == st.session_state.get(_WRITTEN):
        return format_array(x, compact=True)
    return x_text


# --- the widgets -----------------------------------------------------------------


def _x_widgets() -> tuple[FloatArray | None, str, str | None]:
    st.text_area(
        "x: the array",
        key="x",
        height=110,
        help=(
            "Nested lists ([[1, 2], [3, 4]]), NumPy's printed output, MATLAB "
            "rows ([1 2; 3 4]), rows pasted from a spreadsheet, or "
            "random(2, 3, 4; seed=0; scale=1). nan, inf and -inf are allowed. "
            "Decimal commas (0,5) are read between tabs or ';', and refused next "
            "to spaces, where 1,5 could be two numbers."
        ),
    )
    x, x_text, problem = _read_x()
    if problem:
        st.error(f"**x**: {problem}. Nothing is computed until x can be read.")

    with st.expander("Random array"):
        st.text_input("shape", value="2, 3, 4", key="rand_shape")
        left, right = st.columns(2)
        left.number_input("seed", min_value=0, value=0, step=1, key="rand_seed")
        right.number_input("scale", min_value=0.0, value=1.0, key="rand_scale")
        st.button(
            "Generate",
            key="generate",
            on_click=_apply_random,
            width="stretch",
            help="Writes random(shape; seed=...; scale=...) into the x box.",
        )
        failed = st.session_state.get(_RANDOM_FAILED)
        if failed is not None:
            if failed[0] == x_text:
                st.error(failed[1])
            else:
                st.session_state.pop(_RANDOM_FAILED)

    st.session_state.pop(_GRID, None)
    if x is not None and x.ndim in (1, 2) and x.size <= MAX_GRID_ELEMENTS:
        with st.expander("Edit as a grid"):
            grid_key = f"grid-{hash(x_text)}"
            st.session_state[_GRID] = (grid_key, x)
            st.data_editor(_grid_frame(x), key=grid_key, width="stretch")

    upload = st.file_uploader(
        "Upload .npy or .csv",
        type=["npy", "csv"],
        key="upload",
        on_change=_apply_upload,
        help="Arrays up to 1,000,000 entries. .npy files are read without pickle.",
    )
    failed = st.session_state.get(_UPLOAD_FAILED)
    if failed is not None:
        if upload is not None and upload.file_id == failed[0]:
            now = "" if x is None else f" (shape {x.shape})"
            st.error(
                f"**Upload** {failed[1]!r} could not be read: {failed[2]}. "
                f"**x was not changed**: the pages show the x in the box "
                f"above{now}, not this file."
            )
        else:
            st.session_state.pop(_UPLOAD_FAILED)
    return x, x_text, problem


def _axis_widget(x: FloatArray | None) -> tuple[tuple[int, ...] | None, str | None]:
    asked = str(st.session_state[_AXIS_ASKED])
    if x is None:
        # No box this run; drop its value so the next run does not read it
        # as a new choice.
        st.session_state.pop("axis", None)
        st.session_state[_AXIS_SHOWN] = None
        st.caption(f"axis: `{asked}`; the choices appear once x can be read.")
        return None, None
    axes, problem = _read_axis(x.shape)
    choices = axis_choices(x.shape)
    shown = None if axes is None else format_axis(axes, x.ndim)
    st.session_state["axis"] = shown
    st.session_state[_AXIS_SHOWN] = shown
    st.selectbox(
        "axis: softmax along",
        list(choices),
        key="axis",
        format_func=lambda a: choices.get(a, a),
        placeholder="Pick an axis…",
        help="Each slice along these axes is normalised to sum to 1.",
    )
    if problem:
        st.error(f"**axis**: {problem}. Nothing is computed until it is fixed.")
    return axes, problem


def _t_widget() -> tuple[float | None, str | None]:
    asked = str(st.session_state[_T_ASKED])
    try:
        t: float | None = _read_t(asked)
        problem = None
    except ValueError as exc:
        t, problem = None, str(exc)
    if t is not None:
        st.session_state["T"] = t
    shown = float(st.session_state["T"])
    st.session_state[_T_SHOWN] = shown
    st.select_slider(
        "T: temperature",
        options=sorted(set(T_OPTIONS) | {shown}),
        key="T",
        format_func=_format_t,
        help="Logits are divided by T: small T sharpens, large T flattens.",
    )
    if problem:
        st.error(
            f"**T**: {problem}. Nothing is computed until it is fixed: move "
            "the slider, or"
        )
        st.button("Use T = 1", key="use-default-t", on_click=_use_default_t)
    return t, problem


def _g_widget(
    x: FloatArray | None, axes: tuple[int, ...] | None
) -> tuple[FloatArray | None, str | None]:
    if x is not None:
        _fit_g(x)
    st.text_input(
        "g: upstream gradient",
        key="g",
        help=(
            "ones, random, onehot (1 at each slice's argmax) or an array of x's shape."
        ),
    )
    st.session_state[_G_SHOWN] = str(st.session_state["g"])
    note = st.session_state.get(_G_NOTE)
    if note is not None:
        st.info(note[0], icon="↪️")
    if x is None or (axes is None and _is_keyword(str(st.session_state["g"]))):
        return None, None
    # An array g needs no axis to be checked against x: a link with a bad axis
    # and a bad g names both.
    upstream, problem = _read_g(x, () if axes is None else axes)
    if axes is None:
        upstream = None
    if problem:
        st.error(f"**g**: {problem}. Nothing is computed until it is fixed.")
    return upstream, problem


def _input_widgets() -> tuple[Inputs | None, tuple[Problem, ...]]:
    st.header("Input")
    st.selectbox(
        "Preset",
        list(PRESETS),
        index=None,
        key="preset",
        placeholder="Pick an example…",
        on_change=_apply_preset,
        help="\n".join(f"- **{k}**: {v.story}" for k, v in PRESETS.items()),
    )
    previous = st.session_state.get(_X_SHAPE)
    x, x_text, x_problem = _x_widgets()
    axes, axis_problem = _axis_widget(x)
    t, t_problem = _t_widget()
    function, f_problem = panelfields.function_widget()
    upstream, g_problem = _g_widget(x, axes)
    if function == "cross_entropy":
        st.caption(
            "cross_entropy does not use g: its loss is one number, and the "
            "upstream gradient of a loss is 1."
        )
    mask, mask_problem = panelfields.mask_widget(x, previous)
    target, target_problem = None, None
    if function == "cross_entropy" and mask_problem is None:
        target, target_problem = panelfields.target_widget(x, axes, mask, previous)

    found = tuple(
        Problem(param, message)
        for param, message in (
            ("x", x_problem),
            ("axis", axis_problem),
            ("T", t_problem),
            ("f", f_problem),
            ("g", g_problem),
            ("mask", mask_problem),
            ("target", target_problem),
        )
        if message
    )
    if x is not None:
        st.session_state[_X_SHAPE] = x.shape
    if found or x is None or axes is None or t is None or upstream is None:
        return None, found
    if function is None or (function == "cross_entropy" and target is None):
        return None, found
    axis_text = "none" if x.ndim == 0 else str(st.session_state[_AXIS_ASKED]).strip()
    g_text = str(st.session_state["g"])
    note = st.session_state.get(_G_NOTE)
    g_note = "" if note is None else str(note[0])
    inputs = Inputs(x, x_text, axes, axis_text, t, upstream, g_text, g_note)
    return dataclasses.replace(
        inputs,
        mask=mask,
        mask_text=str(st.session_state["mask"]),
        function=function,
        target=target,
        target_text=str(st.session_state.get("target", "argmax")),
    ), found


def _grid_frame(x: FloatArray) -> pd.DataFrame:
    import pandas as pd

    grid = x.reshape(1, -1) if x.ndim == 1 else x
    return pd.DataFrame(grid, columns=[str(j) for j in range(grid.shape[1])])


def input_panel() -> Inputs | None:
    """Draw the sidebar panel, sync it with the URL and return the inputs.

    Returns None when an input cannot be used; :func:`problems` says why.
    """
    _apply_grid()
    _take_widget_changes()
    _seed_from_url()
    with st.sidebar:
        inputs, found = _input_widgets()
    x = None if inputs is None else inputs.x
    urlstate.publish("x", _link_x(x, str(st.session_state["x"])), DEFAULTS["x"])
    urlstate.publish("axis", str(st.session_state[_AXIS_ASKED]), DEFAULTS["axis"])
    t_asked = str(st.session_state[_T_ASKED])
    try:
        t_asked = _format_t(_read_t(t_asked))
    except ValueError:
        pass  # kept as written, so the link shows the same message
    urlstate.publish("T", t_asked, DEFAULTS["T"])
    urlstate.publish("g", str(st.session_state["g"]), DEFAULTS["g"])
    panelfields.publish()
    st.session_state[_INPUTS] = inputs
    st.session_state[_PROBLEMS] = found
    return inputs


def problems() -> tuple[Problem, ...]:
    """Why the panel's inputs cannot be used in this run (empty when they can)."""
    return tuple(st.session_state.get(_PROBLEMS, ()))


def current_inputs() -> Inputs:
    """Return the inputs the panel produced in this run (pages call this).

    When an input cannot be used, this shows why in the page, offers to load
    an example and stops the page: nothing below the call runs, so nothing is
    computed from a substitute.
    """
    if _PROBLEMS not in st.session_state:  # a page run on its own, e.g. in a test
        input_panel()
    inputs: Inputs | None = st.session_state.get(_INPUTS)
    if inputs is not None:
        return inputs
    found = problems()
    lines = "\n".join(f"- {problem}" for problem in found)
    st.error(
        "**This page shows nothing until the input is fixed**: it never shows "
        "results for an input other than the one you gave.\n\n" + lines
    )
    st.button(
        "Load an example",
        key="load-example",
        on_click=_load_example,
        help="Loads the classic example: x = [[1, 2], [3, 4]], axis 1, T = 1, "
        "g = [[1, 0], [0, 1]].",
    )
    links.share_box()
    st.stop()
