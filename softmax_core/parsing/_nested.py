"""Nested lists: ``[[1, 2], [3, 4]]``, JSON, Python, and NumPy's ``[[1. 2.] [3. 4.]]``.

Entries are separated by commas, white space or both; every list at one depth
must have the same length, and numbers must all sit at the same depth.
"""

from __future__ import annotations

import functools
import math
import re

from softmax_core.parsing._limits import CHUNK, MAX_NDIM
from softmax_core.parsing._messages import entries, index, where
from softmax_core.parsing._numbers import SCALAR, Values
from softmax_core.parsing._scanning import SKIP_SPACE_RE, SPACE, skip
from softmax_core.parsing._unexpected import unexpected

__all__ = ["read_nested"]

_LIST_SEP = rf"(?:{SPACE}*+,{SPACE}*+|{SPACE}++)"
_LIST_RUN_RE = re.compile(rf"{SCALAR}(?>{_LIST_SEP}{SCALAR}){{0,{CHUNK - 1}}}")


def read_nested(text: str, start: int, values: Values) -> tuple[tuple[int, ...], int]:
    """Read the nested list whose '[' is at `start`; return its shape and end."""
    return _NestedList(text, values).read(start)


class _NestedList:
    """One nested list, read left to right with an explicit stack.

    An explicit stack (`opens`, `counts`) instead of recursion: the depth is
    checked before every descent, so hostile nesting cannot exhaust the Python
    or C stack. The first number (or empty list) fixes the number of
    dimensions, and the first list closed at each depth fixes that depth's
    length; every later list is checked against them.
    """

    def __init__(self, text: str, values: Values) -> None:
        self.text = text
        self.values = values
        self.opens: list[int] = []  # position of each open '['
        self.counts: list[int] = []  # entries so far in each open list
        # lengths[d]: the length every list at depth d must have (-1: not known).
        self.lengths = [-1] * (MAX_NDIM + 2)
        self.ndim = 0  # 0 until the first number or empty list fixes it
        self.leaf: list[int] = []  # index path of that first number or empty list
        self.leaf_is_number = True

    def read(self, start: int) -> tuple[tuple[int, ...], int]:
        """Read from the '[' at `start` to its ']'; return the shape and end."""
        text = self.text
        self.opens.append(start)
        self.counts.append(0)
        pos = start + 1
        ready = True  # an entry may start without a separator (after '[' or ',')
        while self.counts:
            new = skip(SKIP_SPACE_RE, text, pos)
            blank = new > pos
            pos = new
            if pos >= len(text):
                raise ValueError(
                    f"unbalanced bracket: '[' at {where(text, self.opens[-1])} is "
                    "never closed"
                )
            ch = text[pos]
            if ch == "]":
                pos, ready = self._close(pos), False
            elif ch == ",":
                if ready:
                    raise ValueError(
                        f"empty entry: unexpected ',' at {where(text, pos)}"
                    )
                pos, ready = pos + 1, True
            elif ch == "[":
                if not ready and not blank:
                    raise ValueError(
                        f"missing separator before '[' at {where(text, pos)}; "
                        "separate entries with commas or spaces"
                    )
                pos, ready = self._open(pos)
            else:
                pos, ready = self._numbers(pos, separated=ready or blank), False
        return tuple(self.lengths[1 : self.ndim + 1]), pos

    def _close(self, pos: int) -> int:
        """Close the list at the ']' at `pos`, checking its length."""
        depth = len(self.counts)
        count = self.counts.pop()
        opened = self.opens.pop()
        if self.lengths[depth] < 0:
            self.lengths[depth] = count
        elif self.lengths[depth] != count:
            path = [c - 1 for c in self.counts]
            raise ValueError(
                f"ragged array: {self._name(path)} ({where(self.text, opened)}) "
                f"has {entries(count)} but {self._name([0] * len(path))} has "
                f"{self.lengths[depth]}"
            )
        if count == 0 and self.ndim == 0:
            self.ndim, self.leaf = depth, [c - 1 for c in self.counts]
            self.leaf_is_number = False
        return pos + 1

    def _open(self, pos: int) -> tuple[int, bool]:
        """Enter the list at the '[' at `pos`, or read it and its siblings whole.

        Returns where reading goes on, and whether an entry may start there
        without a separator.
        """
        counts = self.counts
        depth = len(counts) + 1
        if depth > MAX_NDIM:
            raise ValueError(
                f"nesting deeper than {MAX_NDIM} levels at {where(self.text, pos)}"
            )
        if self.ndim and depth > self.ndim:
            path = [c - 1 for c in counts[:-1]] + [counts[-1]]
            other = "a number" if self.leaf_is_number else "an empty list"
            raise ValueError(
                f"ragged array: {index(path)} is a list but {index(self.leaf)} is "
                f"{other} (at {where(self.text, pos)})"
            )
        # Once every length below this depth is known, the siblings can be
        # matched by one regular expression instead of entry by entry.
        sub_shape = tuple(self.lengths[depth : self.ndim + 1]) if self.ndim else ()
        if sub_shape and min(sub_shape) >= 0:
            fast = self._siblings(pos, sub_shape)
            if fast is not None:
                siblings, pos = fast
                counts[-1] += siblings
                return pos, False
        counts[-1] += 1
        self.opens.append(pos)
        counts.append(0)
        return pos + 1, True

    def _numbers(self, pos: int, *, separated: bool) -> int:
        """Read the run of numbers at `pos`; return where it ends."""
        run = _LIST_RUN_RE.match(self.text, pos)
        if run is None or not separated:
            unexpected(self.text, pos, "list", open_pos=self.opens[-1])
        depth = len(self.counts)
        if self.ndim != depth:
            path = [c - 1 for c in self.counts[:-1]] + [self.counts[-1]]
            if self.ndim:
                raise ValueError(
                    f"ragged array: {index(path)} is a number but "
                    f"{index(self.leaf[:depth])} is a list (at "
                    f"{where(self.text, pos)})"
                )
            self.ndim, self.leaf, self.leaf_is_number = depth, path, True
        self.counts[-1] += self.values.take(run.group(), pos)
        return run.end()

    def _siblings(self, pos: int, sub_shape: tuple[int, ...]) -> tuple[int, int] | None:
        """Read a block of lists of shape `sub_shape` at C speed, if there is one.

        Returns how many lists were read and where they end, or None when the
        text at `pos` is not such a list (the slow path then reads it and
        reports any error precisely).
        """
        elements = math.prod(sub_shape)
        lists = 1 + sum(math.prod(sub_shape[:k]) for k in range(1, len(sub_shape)))
        if elements > CHUNK or lists > CHUNK:
            return None
        pattern = _lists_regex(sub_shape, CHUNK // max(1, elements, lists))
        m = pattern.match(self.text, pos)
        if m is None:
            return None
        block = m.group()
        self.values.take(block, pos)
        return block.count("[") // lists, m.end()

    def _name(self, path: list[int]) -> str:
        """Name a list by its index path: ``row 3`` (the rows of 2-D) or ``x[2][0]``."""
        if self.ndim == 2 and len(path) == 1:
            return f"row {path[0] + 1}"
        return index(path)


@functools.lru_cache(maxsize=64)
def _lists_regex(sub_shape: tuple[int, ...], repeat: int) -> re.Pattern[str]:
    """Match up to `repeat` consecutive lists of exactly `sub_shape`.

    The fast path for the siblings of a list already read: the regular
    expression itself checks every length, so no Python runs per list. It
    accepts exactly what the slow path accepts for that shape.
    """
    entry = SCALAR
    for length in reversed(sub_shape):
        if length == 0:
            entry = rf"\[{SPACE}*+\]"
        else:
            # Each entry is followed by a separator, or by the closing bracket.
            entry = (
                rf"(?>\[{SPACE}*+(?>{entry}(?:{_LIST_SEP}|(?={SPACE}*+\]))){{{length}}}"
                rf"{SPACE}*+\])"
            )
    return re.compile(rf"{entry}(?>{_LIST_SEP}{entry}){{0,{repeat - 1}}}")
