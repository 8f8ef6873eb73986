"""How refusals name a place (line and column, index path) and a token."""

from __future__ import annotations

__all__ = ["entries", "index", "show", "where"]


def where(text: str, pos: int) -> str:
    """Line and column (both from 1) of `pos` in `text`."""
    line = text.count("\n", 0, pos) + 1
    column = pos - text.rfind("\n", 0, pos)
    return f"line {line}, column {column}"


def show(token: str) -> str:
    """Quote a token for a message, shortened and with invisible characters escaped."""
    return repr(token if len(token) <= 20 else token[:20] + "...")


def index(path: list[int]) -> str:
    """Write an index path as Python indexing: ``x[1][0]``."""
    return "x" + "".join(f"[{i}]" for i in path)


def entries(count: int) -> str:
    """``1 entry``, ``2 entries``."""
    return f"{count} entry" if count == 1 else f"{count} entries"
