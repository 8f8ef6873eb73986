r"""What the readers skip: white space, blank lines and ``#`` comments.

The white-space classes are spelled out (ASCII white space and the no-break
space) rather than written ``\s``, which matches more than these.
"""

from __future__ import annotations

import re

__all__ = [
    "BLANK",
    "COMMENT_RE",
    "SKIP_LINES_RE",
    "SKIP_SPACE_RE",
    "SPACE",
    "skip",
]

BLANK = r"[ \t\f\v\xa0]"  # white space within a line
SPACE = r"[ \t\f\v\xa0\n]"  # any white space (\r is normalised to \n first)

SKIP_SPACE_RE = re.compile(rf"{SPACE}*+")
# Blank lines and '#' comments, which the line layout and the top level skip.
SKIP_LINES_RE = re.compile(rf"(?:{SPACE}++|#[^\n]*+)*+")
COMMENT_RE = re.compile(r"#[^\n]*+")


def skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    """Position after `pattern` (one that may match nothing) at `pos`."""
    m = pattern.match(text, pos)
    return pos if m is None else m.end()
