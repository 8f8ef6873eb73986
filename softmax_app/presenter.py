"""Presenter links: hide parts of a page and enlarge the text for a projector.

Two link parameters, on every page:

* ``hide=panel,code,explain``: a comma list of parts to hide (the input
  panel in the sidebar, the "Reproduce in code" and "How it works" sections,
  the explanatory text); a name we do not know is reported, not ignored.
* ``big=1``: larger text for projectors (``0``, ``1``, ``yes``/``no``,
  ``true``/``false``, ``on``/``off``).

The classroom modes ``quiz=`` and ``predict=`` are switches read the same way
(:func:`parse_switch`). The large-text CSS is our own constant
(:data:`BIG_TEXT_CSS`); no text from a link ever reaches the page as HTML or
CSS. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "BIG_TEXT_CSS",
    "DEFAULT_PRESENTER_HIDE",
    "HIDEABLE",
    "HIDE_PANEL_CSS",
    "PresenterOptions",
    "parse_hide",
    "parse_switch",
    "presenter_link",
    "read_presenter",
]

#: The parts a link may hide, with what each one is on the page.
HIDEABLE: Mapping[str, str] = {
    "panel": "the sidebar: the input panel, the page list and Copy link",
    "code": "the Reproduce in code and Download sections",
    "explain": "the explanations (How it works, notes under the results)",
}

#: What the Copy link box's presenter variant hides.
DEFAULT_PRESENTER_HIDE: tuple[str, ...] = ("panel", "code")

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off", "")

#: Larger text for a projector. Our constant, never built from user text.
BIG_TEXT_CSS = """<style>
[data-testid="stAppViewContainer"] { font-size: 1.35rem; }
[data-testid="stMarkdownContainer"] p,
[data-testid="stMarkdownContainer"] li,
[data-testid="stCaptionContainer"] { font-size: 1.35rem; line-height: 1.5; }
[data-testid="stMetricValue"] { font-size: 2.6rem; }
[data-testid="stWidgetLabel"] p { font-size: 1.2rem; }
h1 { font-size: 3.2rem !important; }
h2 { font-size: 2.4rem !important; }
h3 { font-size: 1.9rem !important; }
</style>"""

#: Hides the sidebar (the input panel, the page list and Copy link) and its
#: open/close control. The panel still runs, so every input stays as linked.
HIDE_PANEL_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"] { display: none; }
</style>"""


@dataclass(frozen=True)
class PresenterOptions:
    """What a link asks to hide and whether to enlarge the text.

    Attributes
    ----------
    hide : frozenset of str
        Known parts to hide (keys of :data:`HIDEABLE`).
    big : bool
        Whether to use the large text.
    problems : tuple of str
        One sentence per part of the link that could not be used (unknown
        names, an unreadable ``big``), to show on the page.
    """

    hide: frozenset[str] = frozenset()
    big: bool = False
    problems: tuple[str, ...] = ()

    def shows(self, part: str) -> bool:
        """Return whether `part` (a key of :data:`HIDEABLE`) is shown."""
        return part not in self.hide


def parse_hide(text: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """Read ``hide=``: the known parts, and the names that are not parts.

    Names are case-insensitive; spaces and empty items are ignored.

    Examples
    --------
    >>> hidden, unknown = parse_hide("Panel, code,,sidebar")
    >>> sorted(hidden), unknown
    (['code', 'panel'], ('sidebar',))
    """
    names = [item.strip().lower() for item in text.split(",")]
    known = frozenset(n for n in names if n in HIDEABLE)
    unknown = tuple(dict.fromkeys(n for n in names if n and n not in HIDEABLE))
    return known, unknown


def parse_switch(text: str | None, name: str) -> bool:
    """Read an on/off link parameter (``big``, ``quiz``, ``predict``).

    None (absent) and empty are off.

    Raises
    ------
    ValueError
        If the text is not one of 1/0, true/false, yes/no, on/off; the
        message names the parameter.

    Examples
    --------
    >>> parse_switch("1", "big"), parse_switch(None, "quiz"), parse_switch("Off", "big")
    (True, False, False)
    """
    if text is None:
        return False
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(
        f"**{name}** = {text!r} is not a switch: use {name}=1 (on) or {name}=0 (off)"
    )


def read_presenter(params: Mapping[str, str]) -> PresenterOptions:
    """Read ``hide`` and ``big`` from a page's link parameters.

    Problems are collected, never raised: the page shows them and goes on with
    the parts it could read (an unknown name hides nothing; a bad ``big`` is
    off).

    Examples
    --------
    >>> options = read_presenter({"hide": "panel,menu", "big": "2"})
    >>> sorted(options.hide), options.big, len(options.problems)
    (['panel'], False, 2)
    """
    hide, unknown = parse_hide(params.get("hide", ""))
    problems = []
    if unknown:
        valid = ", ".join(f"`{name}` ({what})" for name, what in HIDEABLE.items())
        problems.append(
            f"**hide** = {params['hide']!r}: {', '.join(map(repr, unknown))} "
            f"{'is not a part' if len(unknown) == 1 else 'are not parts'} this "
            f"page can hide, so {'it is' if len(unknown) == 1 else 'they are'} "
            f"shown. Parts: {valid}."
        )
    try:
        big = parse_switch(params.get("big"), "big")
    except ValueError as exc:
        big = False
        problems.append(f"{exc}. Showing normal text.")
    return PresenterOptions(hide, big, tuple(problems))


def presenter_link(
    link: str, hide: Iterable[str] = DEFAULT_PRESENTER_HIDE, *, big: bool = True
) -> str:
    """Return `link` with ``hide=`` and ``big=`` set (replacing any there).

    The other parameters are kept exactly as written, in their order.

    Raises
    ------
    ValueError
        If a name in `hide` is not a key of :data:`HIDEABLE`.

    Examples
    --------
    >>> presenter_link("./gradcheck?x=[[1,2],[3,4]]&hide=explain")
    './gradcheck?x=[[1,2],[3,4]]&hide=panel,code&big=1'
    >>> presenter_link("http://host/explore", ["explain"], big=False)
    'http://host/explore?hide=explain'
    """
    parts = list(dict.fromkeys(hide))
    unknown = [p for p in parts if p not in HIDEABLE]
    if unknown:
        raise ValueError(
            f"presenter_link: cannot hide {unknown!r}; parts are {', '.join(HIDEABLE)}"
        )
    link, hash_sep, fragment = link.partition("#")
    base, _, query = link.partition("?")
    kept = [
        item
        for item in query.split("&")
        if item and item.split("=", 1)[0] not in ("hide", "big")
    ]
    if parts:
        kept.append("hide=" + ",".join(parts))
    if big:
        kept.append("big=1")
    return base + ("?" + "&".join(kept) if kept else "") + hash_sep + fragment
