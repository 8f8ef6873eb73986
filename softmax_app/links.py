"""The "Copy link" box: a link to exactly what is on screen.

The link holds the panel's inputs and the page's own controls (slice, view,
...), all of which :mod:`softmax_app.urlstate` keeps in the query string. In
the browser it is absolute (``st.context.url`` is the page's address);
elsewhere, e.g. under AppTest, it is relative to the app's root.
"""

from __future__ import annotations

import streamlit as st

from softmax_app import urlstate

__all__ = ["PAGE_PATH", "share_box", "share_url"]

#: Session key where ``app.py`` records the current page's URL path.
PAGE_PATH = "_page_path"


def share_url() -> str:
    """Return the link to the current page with the current query string."""
    query = urlstate.query_string()
    base = st.context.url
    if not base:
        base = "./" + str(st.session_state.get(PAGE_PATH, ""))
    return base + (f"?{query}" if query else "")


def share_box() -> None:
    """Draw the link at the bottom of the sidebar, with a copy button."""
    with st.sidebar:
        st.subheader("Copy link")
        st.code(share_url(), language=None, wrap_lines=True)
        note = (
            "Point at the box and click its copy icon (top right). The link "
            "opens this page with these inputs, this slice and this view."
        )
        if str(st.query_params.get("x", "")).startswith("upload:"):
            note += " Uploaded files are not part of links: share the file too."
        st.caption(note)
