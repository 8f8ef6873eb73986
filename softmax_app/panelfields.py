"""The panel's function, target and mask boxes (``f``, ``target``, ``mask`` in links).

:mod:`softmax_app.panel` draws them after g and hands their values to the
pages in :class:`softmax_app.panel.Inputs`. As with g, a value that cannot be
used is explained right under its box and stops the pages; the only change
the panel makes by itself is to set a mask or target array that fitted the
previous x, but not a reshaped one, back to its default, with a note under
the box saying so.
"""

from __future__ import annotations

import streamlit as st

from softmax_app import compute, urlstate
from softmax_app.inputs import FloatArray
from softmax_app.limits import MAX_ELEMENTS
from softmax_app.losses import FUNCTIONS
from softmax_app.masking import BoolArray, make_mask
from softmax_app.targets import DEFAULT_TARGET, make_target
from softmax_core import parse_array

__all__ = [
    "DEFAULTS",
    "function_widget",
    "mask_widget",
    "publish",
    "reset",
    "seed_from_url",
    "take_widget_changes",
    "target_widget",
]

DEFAULTS = {"f": "softmax", "target": DEFAULT_TARGET, "mask": "none"}

_F_ASKED, _F_SHOWN = "_f_asked", "_f_shown"
_TARGET_ASKED, _TARGET_SHOWN = "_target_asked", "_target_shown"
_MASK_SHOWN = "_mask_shown"
_MASK_NOTE, _TARGET_NOTE = "_mask_note", "_target_note"  # (sentence, x shape)


@st.cache_data(max_entries=8, max_size=compute.PARSE_BUDGETS["g"], show_spinner=False)
def _parse(text: str) -> FloatArray:
    return parse_array(text, max_elements=MAX_ELEMENTS)


def reset(f: str = "softmax", target: str = DEFAULT_TARGET, mask: str = "none") -> None:
    """Set the three boxes at once (for ``panel.load``: presets, examples)."""
    st.session_state[_F_ASKED] = f
    st.session_state[_TARGET_ASKED] = target
    st.session_state["mask"] = mask
    st.session_state.pop(_MASK_NOTE, None)
    st.session_state.pop(_TARGET_NOTE, None)


def take_widget_changes() -> None:
    """Take a function or target the learner changed since the last run."""
    f = st.session_state.get("f")
    if f is not None and f != st.session_state.get(_F_SHOWN):
        st.session_state[_F_ASKED] = str(f)
    target = st.session_state.get("target")
    if target is not None and target != st.session_state.get(_TARGET_SHOWN):
        st.session_state[_TARGET_ASKED] = str(target)


def seed_from_url() -> None:
    """Copy new link values into the boxes' state before they are drawn."""
    for key, state in (("f", _F_ASKED), ("target", _TARGET_ASKED), ("mask", "mask")):
        value = urlstate.incoming(key)
        if value is not None:
            st.session_state[state] = value
    st.session_state.setdefault(_F_ASKED, DEFAULTS["f"])
    st.session_state.setdefault(_TARGET_ASKED, DEFAULTS["target"])
    st.session_state.setdefault("mask", DEFAULTS["mask"])


def publish() -> None:
    """Mirror the boxes in the link (target only while cross-entropy uses it)."""
    f = str(st.session_state[_F_ASKED])
    urlstate.publish("f", f, DEFAULTS["f"])
    target = str(st.session_state[_TARGET_ASKED])
    if f != "cross_entropy":
        target = DEFAULTS["target"]
    urlstate.publish("target", target, DEFAULTS["target"])
    urlstate.publish("mask", str(st.session_state["mask"]), DEFAULTS["mask"])


def function_widget() -> tuple[str | None, str | None]:
    """Draw the function box; return (function or None, why it cannot be used)."""
    asked = str(st.session_state[_F_ASKED])
    valid = asked in FUNCTIONS
    st.session_state["f"] = asked if valid else None
    st.session_state[_F_SHOWN] = st.session_state["f"]
    st.selectbox(
        "f: function",
        list(FUNCTIONS),
        key="f",
        format_func=lambda name: FUNCTIONS.get(name, name),
        placeholder="Pick a function…",
        help=(
            "What Backward differentiates and Gradcheck checks: softmax with "
            "L = Σ g ⊙ y, log_softmax with L = Σ g ⊙ log y, or the mean "
            "cross-entropy of softmax against a target."
        ),
    )
    if valid:
        return asked, None
    problem = (
        f"{asked!r} is not a function here; pick one of {', '.join(FUNCTIONS)} "
        "in the box above"
    )
    st.error(f"**f**: {problem}. Nothing is computed until it is fixed.")
    return None, problem


def _replace_stale(
    key: str, text: str, x_shape: tuple[int, ...], fits: bool, note_key: str
) -> str:
    """Set box `key` to its default when `text` no longer fits x, with a note."""
    if fits:
        return text
    shown = text if len(text) <= 60 else "your array"
    default = DEFAULTS[key]
    st.session_state[note_key] = (
        f"{key} was `{shown}`: it fitted the previous x but not this one, of "
        f"shape {x_shape}. **{key} is now `{default}`**; type a new one to use "
        "your own.",
        x_shape,
    )
    return default


def _keep_note(note_key: str, text: str, default: str, shape: tuple[int, ...]) -> None:
    note = st.session_state.get(note_key)
    if note is not None and (text != default or note[1] != shape):
        st.session_state.pop(note_key)


def _fit_mask(x: FloatArray, previous: tuple[int, ...] | None) -> None:
    """Set a mask that fitted the previous x but not this one back to none."""
    text = str(st.session_state["mask"])
    _keep_note(_MASK_NOTE, text, DEFAULTS["mask"], x.shape)
    typed_now = text != st.session_state.get(_MASK_SHOWN)
    if typed_now or previous is None or previous == x.shape:
        return
    if text.strip().lower() in ("", "none"):
        return
    try:
        make_mask(text, previous, parse=_parse)
    except (ValueError, TypeError):
        return  # it did not fit the previous x either: its error stays visible
    try:
        make_mask(text, x.shape, parse=_parse)
        fits = True
    except (ValueError, TypeError):
        fits = False
    st.session_state["mask"] = _replace_stale("mask", text, x.shape, fits, _MASK_NOTE)


def mask_widget(
    x: FloatArray | None, previous: tuple[int, ...] | None
) -> tuple[BoolArray | None, str | None]:
    """Draw the mask box; return (mask, None meaning no mask; why it cannot be used)."""
    if x is not None:
        _fit_mask(x, previous)
    st.text_input(
        "mask (1 = kept, 0 = masked)",
        key="mask",
        help=(
            "none; causal (lower-triangular over the last two axes: query i sees "
            "keys ≤ i); or an array of 0s and 1s of x's shape. Masked entries "
            "get probability 0 and gradient 0."
        ),
    )
    text = str(st.session_state["mask"])
    st.session_state[_MASK_SHOWN] = text
    note = st.session_state.get(_MASK_NOTE)
    if note is not None:
        st.info(note[0], icon="↪️")
    if x is None:
        return None, None
    try:
        mask = make_mask(text, x.shape, parse=_parse)
    except (ValueError, TypeError) as exc:
        st.error(f"**mask**: {exc}. Nothing is computed until it is fixed.")
        return None, str(exc)
    if mask is not None:
        masked = int(mask.size - mask.sum())
        st.caption(f"{masked:,} of {mask.size:,} entries masked.")
    return mask, None


def _fit_target(
    x: FloatArray, axes: tuple[int, ...], previous: tuple[int, ...] | None
) -> None:
    """Set a target array that does not fit a reshaped x back to argmax."""
    text = str(st.session_state[_TARGET_ASKED])
    _keep_note(_TARGET_NOTE, text, DEFAULTS["target"], x.shape)
    typed_now = text != st.session_state.get(_TARGET_SHOWN)
    if typed_now or previous is None or previous == x.shape:
        return
    if text.strip().lower() in ("", DEFAULT_TARGET):
        return
    try:
        make_target(text, x, axes, parse=_parse)
        fits = True
    except (ValueError, TypeError):
        fits = False
    st.session_state[_TARGET_ASKED] = _replace_stale(
        "target", text, x.shape, fits, _TARGET_NOTE
    )


def target_widget(
    x: FloatArray | None,
    axes: tuple[int, ...] | None,
    mask: BoolArray | None,
    previous: tuple[int, ...] | None,
) -> tuple[FloatArray | None, str | None]:
    """Draw the target box (cross-entropy); return (distribution or None, why not)."""
    if x is not None and axes is not None:
        _fit_target(x, axes, previous)
    st.session_state["target"] = str(st.session_state[_TARGET_ASKED])
    st.text_input(
        "target: the true classes",
        key="target",
        help=(
            "argmax (each slice's largest logit); class indices, one per slice "
            "([1, 0]: slice 0 is class 1, slice 1 class 0); or probabilities "
            "of x's shape, each slice summing to 1."
        ),
    )
    text = str(st.session_state["target"])
    st.session_state[_TARGET_SHOWN] = text
    note = st.session_state.get(_TARGET_NOTE)
    if note is not None:
        st.info(note[0], icon="↪️")
    if text.strip().lower() in ("", DEFAULT_TARGET):
        st.caption(
            "target = argmax: each slice's class is its largest (unmasked) logit. "
            "Type class indices to choose."
        )
    if x is None or axes is None:
        return None, None
    try:
        return make_target(text, x, axes, mask, parse=_parse), None
    except (ValueError, TypeError) as exc:
        st.error(f"**target**: {exc}. Nothing is computed until it is fixed.")
        return None, str(exc)
