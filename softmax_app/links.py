"""The "Copy link" box: a link to exactly what is on screen.

The link holds the panel's inputs and the page's own controls (slice, view,
...), all of which :mod:`softmax_app.urlstate` keeps in the query string. In
the browser it is absolute (``st.context.url`` is the page's address);
elsewhere, e.g. under AppTest, it is relative to the app's root.

The box has a fixed place at the bottom of the sidebar, an ``st.empty``
reserved by ``app.py`` on every full run (:func:`reserve_box`). A full run
draws it last (:func:`share_box`); a page's ``st.fragment`` whose controls are
in the link redraws it at the end of its own reruns
(:func:`redraw_after_fragment`), which only a fragment may do without a full
app rerun: Streamlit replaces what a fragment wrote into an outside
container on each of its reruns.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from softmax_app import urlstate

__all__ = [
    "PAGE_PATH",
    "in_fragment_rerun",
    "redraw_after_fragment",
    "reserve_box",
    "share_box",
    "share_url",
]

#: Session key where ``app.py`` records the current page's URL path.
PAGE_PATH = "_page_path"
#: Session key of the box's place (an ``st.empty`` in the sidebar).
_SLOT = "_share_slot"


def share_url() -> str:
    """Return the link to the current page with the current query string."""
    query = urlstate.query_string()
    base = st.context.url
    if not base:
        base = "./" + str(st.session_state.get(PAGE_PATH, ""))
    return base + (f"?{query}" if query else "")


def reserve_box() -> None:
    """Reserve the box's place in the sidebar (``app.py``, before the page runs)."""
    with st.sidebar:
        st.session_state[_SLOT] = st.empty()


def share_box() -> None:
    """Draw the link with a copy button, in the reserved place (else the sidebar)."""
    slot = st.session_state.get(_SLOT)
    place = slot.container() if slot is not None else st.sidebar.container()
    with place:
        st.subheader("Copy link")
        st.code(share_url(), language=None, wrap_lines=True)
        note = (
            "Point at the box and click its copy icon (top right). The link "
            "opens this page with these inputs, this slice and this view."
        )
        if str(st.query_params.get("x", "")).startswith("upload:"):
            note += " Uploaded files are not part of links: share the file too."
        st.caption(note)


def in_fragment_rerun() -> bool:
    """Whether this run reruns only a fragment (the rest of the app is kept)."""
    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.fragment_ids_this_run)


def redraw_after_fragment() -> None:
    """Redraw the box at the end of a fragment's rerun, so it shows the new link.

    Call it last in a fragment whose controls change the query string. In a
    full run it does nothing: ``app.py`` draws the box after the page.
    """
    if in_fragment_rerun():
        share_box()
