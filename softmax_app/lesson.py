"""Lessons: an ordered path of short steps, each with a link that sets the view.

A lesson is data, one TOML or JSON file, so an instructor can write their own
and upload it on the Lesson page. The format (TOML; JSON has the same keys)::

    title = "Softmax backprop"
    description = "Optional: one paragraph shown above the steps."

    [[steps]]
    title = "What softmax does along an axis"
    text = "Two or three sentences."
    question = "A question to answer before opening the next step."
    answer = "Optional: shown on request."
    page = "explore"            # home, explore, backward, gradcheck, stability
    [steps.state]               # the view the step's link opens
    x = "[[1, 2], [3, 4]]"
    axis = 1
    T = 1
    g = "onehot"

The link always carries the panel's four inputs (x, axis, T, g; the panel's
defaults when a step leaves one out), so it opens the same view whatever was
on screen before. Files are parsed as data (``tomllib``, ``json``), never
evaluated; every value is checked as the app would check it, and every
problem is reported with its step and field.
"""

from __future__ import annotations

import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np

import softmax_core as sc
from softmax_app.inputs import (
    FloatArray,
    make_upstream,
    parse_axis,
    parse_random_spec,
)
from softmax_app.limits import MAX_ELEMENTS
from softmax_app.panel import DEFAULTS, MAX_T
from softmax_core import parse_array

__all__ = [
    "FUNCTIONS",
    "LESSON_DIR",
    "MAX_LESSON_BYTES",
    "MAX_STEPS",
    "PAGES",
    "STATE_KEYS",
    "Lesson",
    "LessonError",
    "Step",
    "load_shipped",
    "parse_lesson",
    "shipped_lessons",
]

#: Where the shipped lessons live, one file each.
LESSON_DIR = Path(__file__).resolve().parent.parent / "lessons"
#: Largest lesson file accepted (an upload), in bytes.
MAX_LESSON_BYTES = 200_000
#: Most steps a lesson may have.
MAX_STEPS = 30
#: Pages a step may open: the name in the file, then the URL path.
PAGES = {
    "home": "",
    "explore": "explore",
    "backward": "backward",
    "gradcheck": "gradcheck",
    "stability": "stability",
}
#: The functions a step's ``f`` may name.
FUNCTIONS = ("softmax", "log_softmax", "cross_entropy")
#: Every key a step's state may set: the panel's, then the pages' own.
STATE_KEYS = (
    "x", "axis", "T", "g",  # the input panel
    "f", "target", "mask", "tangent",  # function, target, mask, forward mode
    "impl", "mode", "eps", "rtol", "atol",  # Gradcheck
    "slice", "view", "scale",  # the view of an N-D array; Stability's scale
)  # fmt: skip
_TEXT_FIELDS = ("title", "text", "question")
_STEP_KEYS = {*_TEXT_FIELDS, "answer", "page", "state"}
_MAX_TEXT = 2_000  # characters of one text field
_MAX_VALUE = 20_000  # characters of one state value (links carry them)
# Left unescaped, as the app's own links do, so an array reads as one.
_SAFE = "[](),;:=@*!'"


class LessonError(ValueError):
    """A lesson that cannot be used; `problems` lists every reason, one a line."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class Step:
    """One step: a few sentences, the view it opens and a question."""

    title: str
    text: str
    question: str
    answer: str
    page: str
    #: The link's parameters as text, the panel's first, in link order.
    state: Mapping[str, str]

    @property
    def link(self) -> str:
        """The relative link that opens this step's view, ``./gradcheck?x=...``."""
        query = urlencode(dict(self.state), quote_via=quote, safe=_SAFE)
        return f"./{PAGES[self.page]}?{query}"


@dataclass(frozen=True)
class Lesson:
    """A titled, ordered list of steps."""

    title: str
    description: str
    steps: tuple[Step, ...]


# --- reading files ------------------------------------------------------------------


def parse_lesson(data: bytes, filename: str) -> Lesson:
    """Read a lesson from the bytes of a ``.toml`` or ``.json`` file.

    Raises
    ------
    LessonError
        With every problem found, each naming its step and field.
    """
    if len(data) > MAX_LESSON_BYTES:
        raise LessonError(
            [f"{filename}: {len(data):,} bytes; a lesson is at most "
             f"{MAX_LESSON_BYTES:,} bytes"]
        )  # fmt: skip
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LessonError([f"{filename}: not UTF-8 text ({exc.reason})"]) from None
    return _from_mapping(_decode(text, filename), filename)


def _decode(text: str, filename: str) -> Any:
    suffix = Path(filename).suffix.lower()
    try:
        if suffix == ".toml":
            return tomllib.loads(text)
        if suffix == ".json":
            return json.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LessonError([f"{filename}: not valid TOML: {exc}"]) from None
    except json.JSONDecodeError as exc:
        raise LessonError(
            [f"{filename}: not valid JSON: {exc.msg} (line {exc.lineno}, "
             f"column {exc.colno})"]
        ) from None  # fmt: skip
    raise LessonError([f"{filename}: a lesson is a .toml or .json file"])


def shipped_lessons() -> dict[str, Path]:
    """Return the lessons shipped in ``lessons/``, by name (the file's stem)."""
    files = sorted(LESSON_DIR.glob("*.toml")) + sorted(LESSON_DIR.glob("*.json"))
    return {path.stem: path for path in files}


def load_shipped(name: str) -> Lesson:
    """Load the shipped lesson `name`; LessonError if there is none of that name."""
    path = shipped_lessons().get(name)
    if path is None:
        names = ", ".join(f"`{n}`" for n in shipped_lessons())
        raise LessonError([f"no lesson named {name!r}; the lessons are {names}"])
    return parse_lesson(path.read_bytes(), path.name)


# --- checking -----------------------------------------------------------------------


def _from_mapping(raw: Any, filename: str) -> Lesson:
    if not isinstance(raw, dict):
        raise LessonError([f"{filename}: expected a table with title and steps"])
    problems = [
        f"{filename}: unknown key {key!r}; a lesson has title, description, steps"
        for key in raw
        if key not in ("title", "description", "steps")
    ]
    title, description = raw.get("title"), raw.get("description", "")
    if not isinstance(title, str) or not title.strip():
        problems.append(f"{filename}: `title` must be a non-empty string")
    if not isinstance(description, str):
        problems.append(f"{filename}: `description` must be a string")
    steps_raw = raw.get("steps")
    if not isinstance(steps_raw, list) or not 1 <= len(steps_raw) <= MAX_STEPS:
        problems.append(
            f"{filename}: `steps` must be a list of 1 to {MAX_STEPS} steps "
            "([[steps]] tables in TOML)"
        )
        steps_raw = []
    steps = []
    for number, step_raw in enumerate(steps_raw, start=1):
        step, found = _step(number, step_raw)
        problems += found
        if step is not None:
            steps.append(step)
    if problems:
        raise LessonError(problems)
    return Lesson(str(title).strip(), str(description).strip(), tuple(steps))


def _step(number: int, raw: Any) -> tuple[Step | None, list[str]]:
    """Check one step: (the step or None, its problems)."""
    if not isinstance(raw, dict):
        return None, [f"step {number}: expected a table of fields"]
    name = raw.get("title")
    where = f"step {number}" + (f" ({name!r})" if isinstance(name, str) else "")
    problems = [
        f"{where}, field {key!r}: unknown; a step has " + ", ".join(sorted(_STEP_KEYS))
        for key in raw
        if key not in _STEP_KEYS
    ]
    for key in (*_TEXT_FIELDS, "answer"):
        value = raw.get(key, "" if key == "answer" else None)
        if not isinstance(value, str) or (key != "answer" and not value.strip()):
            problems.append(f"{where}, field {key!r}: must be a non-empty string")
        elif len(value) > _MAX_TEXT:
            problems.append(f"{where}, field {key!r}: over {_MAX_TEXT:,} characters")
    page = raw.get("page")
    if page not in PAGES:
        problems.append(
            f"{where}, field 'page': {page!r} is not a page; use one of "
            + ", ".join(PAGES)
        )
    state, found = _state(where, raw.get("state", {}))
    problems += found
    if problems:
        return None, problems
    title, text, question = (str(raw[key]).strip() for key in _TEXT_FIELDS)
    answer = str(raw.get("answer", "")).strip()
    return Step(title, text, question, answer, str(page), state), []


def _as_text(value: Any) -> str | None:
    """Return a state value as link text (strings, numbers, nested lists)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and math.isfinite(value):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, list):
        return json.dumps(value, separators=(",", ":"))
    return None


def _state(where: str, raw: Any) -> tuple[dict[str, str], list[str]]:
    """Check a step's state and fill in the panel's defaults, in link order."""
    if not isinstance(raw, dict):
        return {}, [f"{where}, field 'state': expected a table of link values"]
    problems: list[str] = []
    given: dict[str, str] = {}
    for key, value in raw.items():
        text = _as_text(value)
        field = f"{where}, field 'state.{key}'"
        if key not in STATE_KEYS:
            problems.append(f"{field}: unknown; use " + ", ".join(STATE_KEYS))
        elif text is None:
            problems.append(f"{field}: expected text, a number or a list of numbers")
        elif len(text) > _MAX_VALUE or "\n" in text and key != "x":
            problems.append(f"{field}: too long, or on several lines")
        else:
            given[key] = text
    state = {key: given.get(key, DEFAULTS[key]) for key in ("x", "axis", "T", "g")}
    state.update((k, v) for k, v in given.items() if k not in state)
    if not problems:
        problems = _check_values(where, state)
    return state, problems


def _check_values(where: str, state: Mapping[str, str]) -> list[str]:
    """Check the values the way the app does: x first, then what depends on it."""

    def bad(key: str, message: str) -> str:
        return f"{where}, field 'state.{key}': {message}"

    try:
        x = _read_x(state["x"])
    except ValueError as exc:
        return [bad("x", str(exc))]
    problems = []
    try:
        axes = parse_axis(state["axis"], x.shape) if x.ndim else ()
    except ValueError as exc:
        problems.append(bad("axis", str(exc)))
        axes = None
    problems += [bad(k, m) for k, m in _check_simple(state).items()]
    if axes is not None:
        try:
            make_upstream(state["g"], x, axes, parse=_read_array)
        except ValueError as exc:
            problems.append(bad("g", str(exc)))
    if "mask" in state:
        message = _check_mask(state["mask"], x)
        if message:
            problems.append(bad("mask", message))
    return problems


def _check_simple(state: Mapping[str, str]) -> dict[str, str]:
    """T, f and impl: values that do not depend on x."""
    found = {}
    try:
        t = float(state["T"])
    except ValueError:
        t = math.nan
    if not (math.isfinite(t) and 0 < t <= MAX_T):
        found["T"] = (
            f"{state['T']!r} is not a temperature: a number > 0, at most {MAX_T:g}"
        )
    if "f" in state and state["f"] not in FUNCTIONS:
        found["f"] = f"{state['f']!r} is not a function; use one of " + ", ".join(
            FUNCTIONS
        )
    if "impl" in state and "f" not in found:
        problem = _check_impl(state["impl"], state.get("f", "softmax"))
        if problem:
            found["impl"] = problem
    return found


def _check_impl(name: str, function: str) -> str | None:
    """Why `name` is not a gallery entry the Gradcheck page checks for `function`."""
    entries = sc.implementations_for(function)
    if name in entries:
        return None
    valid = ", ".join(entries)
    if name in sc.IMPLEMENTATIONS:
        applies = ", ".join(sc.IMPLEMENTATIONS[name].functions)
        return (
            f"{name!r} has no {function} version (it applies to {applies}); "
            f"with f = {function} use one of {valid}"
        )
    return f"{name!r} is not an implementation; with f = {function} use one of {valid}"


def _check_mask(text: str, x: FloatArray) -> str | None:
    if text.strip().lower() in ("causal", "none"):
        return None
    try:
        mask = _read_array(text)
    except ValueError as exc:
        return str(exc)
    if mask.shape != x.shape or not np.isin(mask, (0.0, 1.0)).all():
        return f"a mask is causal, none, or an array of 0 and 1 of x's shape {x.shape}"
    return None


def _read_x(text: str) -> FloatArray:
    spec = parse_random_spec(text)
    if spec is not None:
        return spec.generate()
    x = _read_array(text)
    if x.size == 0:
        raise ValueError("x has no entries")
    return x


def _read_array(text: str) -> FloatArray:
    return parse_array(text, max_elements=MAX_ELEMENTS)
