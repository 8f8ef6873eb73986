"""Mirror the input panel's state in the URL query string, so any view is a link.

Widgets own their values in ``st.session_state``; the URL is a copy kept in step
on every run. A value in the URL is read back only when it is news to this
session: on the first run (the page was opened from a link) or when it differs
from what we last wrote. That way a page switch, which clears the query string,
never resets the panel.

We do not use the widgets' ``bind="query-params"``: it silently drops invalid
values (a learner who shares ``T=0`` would get no explanation) and it cannot
carry the data editor's array.
"""

from __future__ import annotations

import streamlit as st

__all__ = ["finish_run", "incoming", "publish"]

_WRITTEN = "_url_written"
_STARTED = "_url_session_started"


def incoming(key: str) -> str | None:
    """Return the URL's value for `key` if this session has not seen it yet."""
    value = st.query_params.get(key)
    if value is None:
        return None
    written: dict[str, str | None] = st.session_state.get(_WRITTEN, {})
    if _STARTED not in st.session_state or written.get(key) != value:
        return value
    return None


def publish(key: str, value: str, default: str) -> None:
    """Write `value` to the URL, or drop the parameter when it is the default."""
    written: dict[str, str | None] = st.session_state.setdefault(_WRITTEN, {})
    if value == default:
        if key in st.query_params:
            del st.query_params[key]
        written[key] = None
    else:
        if st.query_params.get(key) != value:
            st.query_params[key] = value
        written[key] = value


def finish_run() -> None:
    """Mark the session's first run as done (call at the end of the entry script)."""
    st.session_state[_STARTED] = True
