"""Mirror the app's state in the URL query string, so any view is a link.

Widgets own their values in ``st.session_state``; the URL is a copy kept in step
on every run. A value in the URL is read back only when it is news to this
session: on the first run (the page was opened from a link) or when it differs
from what we last wrote. That way a page switch, which clears the query string,
never resets the panel.

Pages keep their own controls in the link the same way (a page-local parameter
such as Explore's ``slice``): :func:`seed_widget` before the widget is drawn,
:func:`publish` after it. :func:`query_string` is the query of the current view,
for a "copy link" box.

We do not use the widgets' ``bind="query-params"``: it silently drops invalid
values (a learner who shares ``T=0`` would get no explanation) and it cannot
carry the data editor's array.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote, urlencode

import streamlit as st

__all__ = ["finish_run", "incoming", "publish", "query_string", "seed_widget"]

_WRITTEN = "_url_written"
_STARTED = "_url_session_started"
# Left unescaped in shared links, so an array reads as one: x=[[1,2],[3,4]].
_SAFE = "[](),;:=@*!'"


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


def seed_widget(key: str, widget_key: str, read: Callable[[str], object]) -> str | None:
    """Put a new URL value of `key` into the state of the widget `widget_key`.

    Call it before the widget is drawn (and draw the widget without a
    ``value=``/``index=``, so the state is what it shows). `read` turns the
    URL text into the widget's value, raising ``ValueError`` with a sentence
    when it cannot. Returns None, or that sentence prefixed with the
    parameter's name, for the page to show next to the widget; the widget
    then keeps its current value, and the page must say which value it shows.

    Examples
    --------
    A gradcheck step size, ``?eps=1e-6``::

        problem = urlstate.seed_widget("eps", "gc-eps", read_eps)
        st.number_input("step", key="gc-eps", format="%g")
        if problem:
            st.warning(problem + " Using the step shown above.")
        urlstate.publish("eps", f"{st.session_state['gc-eps']:g}", "1e-06")
    """
    raw = incoming(key)
    if raw is None:
        return None
    try:
        st.session_state[widget_key] = read(raw)
    except ValueError as exc:
        return f"**{key}** = {raw!r}: {exc}"
    return None


def query_string() -> str:
    """Return the query string, ``x=[[1,2],[3,4]]&axis=1`` (no leading ``?``)."""
    params = {key: st.query_params[key] for key in st.query_params}
    return urlencode(params, quote_via=quote, safe=_SAFE)


def finish_run() -> None:
    """Mark the session's first run as done.

    Call it in the entry script after the panel has read the URL and before
    the page runs: a page may stop early (``st.stop``), and a session that
    never finished its first run would read every URL value as news again.
    """
    st.session_state[_STARTED] = True
