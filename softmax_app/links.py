"""The "Copy link" box: a link to exactly what is on screen.

The link holds the panel's inputs and the page's own controls (slice, view,
...), all of which :mod:`softmax_app.urlstate` keeps in the query string. In
the browser it is absolute (``st.context.url`` is the page's address);
elsewhere, e.g. under AppTest, it is relative to the app's root.

The box has a fixed place at the bottom of the sidebar, an ``st.empty``
reserved by ``app.py`` on every full run (:func:`reserve_box`), drawn last
(:func:`finish_box`). A page's ``st.fragment`` whose controls are in the link
draws the box itself (:func:`share_box`, last in the fragment, on every run of
it): Streamlit then redraws the box on each rerun of the fragment, with the new
link, and no full app rerun is needed. (A fragment may fill an outside
container on its reruns only if it wrote to it in the last full run too.)
"""

from __future__ import annotations

import streamlit as st

from softmax_app import presenter, urlstate

__all__ = ["PAGE_PATH", "finish_box", "reserve_box", "share_box", "share_url"]

#: Session key where ``app.py`` records the current page's URL path.
PAGE_PATH = "_page_path"
#: Session key of the box's place (an ``st.empty`` in the sidebar).
_SLOT = "_share_slot"
#: Session key: whether the box was drawn in this full run.
_DRAWN = "_share_drawn"


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
    st.session_state[_DRAWN] = False


def share_box() -> None:
    """Draw the link with a copy button, in the reserved place (else the sidebar).

    A fragment that changes the link calls this last, on every run.
    """
    st.session_state[_DRAWN] = True
    slot = st.session_state.get(_SLOT)
    place = slot.container() if slot is not None else st.sidebar.container()
    with place:
        st.subheader("Copy link")
        st.code(share_url(), language=None, wrap_lines=True)
        # A link button, not a second code box: the link stays the only code
        # block here, and no link text is parsed as Markdown.
        st.link_button(
            "Presenter view of this link",
            presenter.presenter_link(share_url()),
            icon=":material/co_present:",
            help="The same view without the panel and the code, in large text "
            "(hide=panel,code&big=1; hide= also takes explain). Right-click to "
            "copy it.",
        )
        note = (
            "Point at the box and click its copy icon (top right). The link "
            "opens this page with these inputs, this slice and this view."
        )
        if str(st.query_params.get("x", "")).startswith("upload:"):
            note += " Uploaded files are not part of links: share the file too."
        st.caption(note)


def finish_box() -> None:
    """Draw the box at the end of a full run, unless the page already did."""
    if not st.session_state.get(_DRAWN):
        share_box()
