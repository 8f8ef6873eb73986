"""The Lesson page and its data: each step's link opens the state it promises.

Every step of the shipped lesson is opened as its link would open it (AppTest
with the link's query parameters, on the step's page), and the panel's
widgets, the page and its own controls are read back. The loader is tested
on broken lessons: each problem names its step and field.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from softmax_app.inputs import format_axis, parse_axis
from softmax_app.lesson import (
    MAX_LESSON_BYTES,
    LessonError,
    load_shipped,
    parse_lesson,
    shipped_lessons,
)
from softmax_core import parse_array
from tests.apptest_helpers import errors, open_page, shows_nothing_computed

SHIPPED = load_shipped("softmax_backprop")
PAGE_FILES = {
    "home": "app_pages/home.py",
    "explore": "app_pages/explore.py",
    "backward": "app_pages/backward.py",
    "gradcheck": "app_pages/gradcheck.py",
    "stability": "app_pages/stability.py",
}
PAGE_TITLES = {
    "home": "Softmax Lab",
    "explore": "Explore",
    "backward": "Backward",
    "gradcheck": "Gradcheck",
    "stability": "Stability",
}
# Keys issue 13 adds to the app (function, target, mask): checked once the panel
# has a widget of that key.
PANEL_KEYS = ("f", "target", "mask")


def step_id_pair(value) -> str:
    title = getattr(value, "title", None)
    return re.sub(r"\W+", "-", title.lower()).strip("-") if title else "raw"


# --- the shipped lesson -------------------------------------------------------------


def test_shipped_lesson_goes_from_the_axis_to_y_minus_t():
    steps = SHIPPED.steps
    assert 6 <= len(steps) <= 10
    assert "axis" in steps[0].title
    titles = [step.title for step in steps]
    assert "Why the stale counter fails the check" in titles
    assert steps[-1].title == "Why y − t"
    for step in steps:
        sentences = re.findall(r"[.!?](?:\s|$)", step.text)
        assert 2 <= len(sentences) <= 4, step.title  # "two or three sentences"
        assert step.question.endswith("?"), step.title
    stale = steps[titles.index("Why the stale counter fails the check")]
    assert stale.link == (
        "./gradcheck?x=[[1,2],[3,4]]&axis=1&T=1&g=[[1,0],[0,1]]&impl=stale_counter"
    )


RAW_STEPS = tomllib.loads(shipped_lessons()["softmax_backprop"].read_text())["steps"]
PANEL_DEFAULTS = {"x": "[[1, 2], [3, 4]]", "axis": "-1", "T": "1", "g": "onehot"}


def opened_by(link: str) -> tuple[str, dict[str, str]]:
    """The page file and query parameters a relative link opens."""
    parts = urlsplit(link)
    path = parts.path.removeprefix("./")
    page = next(name for name in PAGE_FILES if (name if name != "home" else "") == path)
    return page, dict(parse_qsl(parts.query, keep_blank_values=True))


@pytest.mark.parametrize(
    ("step", "raw"), list(zip(SHIPPED.steps, RAW_STEPS, strict=True)), ids=step_id_pair
)
def test_each_step_link_opens_the_state_it_promises(step, raw):
    # What the lesson file promises, the panel's defaults for what it leaves out.
    promised = {**PANEL_DEFAULTS, **{k: str(v) for k, v in raw["state"].items()}}
    page, params = opened_by(step.link)
    assert page == raw["page"]
    at = open_page(PAGE_FILES[page], **params)
    assert at.title[0].value.startswith(PAGE_TITLES[page])
    assert errors(at) == [], errors(at)
    assert not shows_nothing_computed(at)
    # The panel holds the promised x, axis, T and g.
    assert at.text_area(key="x").value == promised["x"]
    x_shape = _x_shape(promised["x"])
    axes = parse_axis(promised["axis"], x_shape)
    assert at.selectbox(key="axis").value == format_axis(axes, len(x_shape))
    assert at.select_slider(key="T").value == float(promised["T"])
    assert at.text_input(key="g").value == promised["g"]
    if page == "gradcheck":
        assert at.selectbox(key="impl").value == promised.get("impl", "vectorized")
    for key in PANEL_KEYS:
        if key in promised:
            assert key in at.session_state, f"the page has no {key} box"
            assert str(at.session_state[key]) == promised[key], key


def _x_shape(text: str) -> tuple[int, ...]:
    match = re.fullmatch(r"random\(([\d,]+);.*\)", text)
    if match:
        return tuple(int(d) for d in match.group(1).split(","))
    return parse_array(text).shape


def test_json_lessons_read_like_toml():
    path = shipped_lessons()["softmax_backprop"]
    as_json = json.dumps(tomllib.loads(path.read_text())).encode()
    again = parse_lesson(as_json, "mine.json")
    assert again == SHIPPED


# --- the loader's errors ------------------------------------------------------------

STEP = """
[[steps]]
title = "{title}"
page = "{page}"
text = "One sentence. Two sentences."
question = "Why?"
[steps.state]
{state}
"""


def lesson_toml(*steps: dict[str, str], head: str = 'title = "Mine"\n') -> bytes:
    body = head
    for step in steps:
        state = "\n".join(f"{k} = {v}" for k, v in step.get("state", {}).items())
        body += STEP.format(
            title=step.get("title", "A step"),
            page=step.get("page", "explore"),
            state=state,
        )
    return body.encode()


def problems_of(data: bytes, filename: str = "mine.toml") -> tuple[str, ...]:
    with pytest.raises(LessonError) as info:
        parse_lesson(data, filename)
    return info.value.problems


def test_a_minimal_lesson_fills_in_the_panel_defaults():
    lesson = parse_lesson(lesson_toml({"state": {"x": '"[1, 2, 3]"'}}), "mine.toml")
    assert lesson.steps[0].link == "./explore?x=[1,%202,%203]&axis=-1&T=1&g=onehot"


@pytest.mark.parametrize(
    ("state", "field", "says"),
    [
        ({"x": '"[[1, 2], [3]]"'}, "state.x", "ragged"),
        ({"x": "\"__import__('os')\""}, "state.x", ""),
        ({"x": '"[[1, 2], [3, 4]]"', "axis": "5"}, "state.axis", "out of range"),
        ({"T": "0"}, "state.T", "not a temperature"),
        ({"x": '"[[1, 2], [3, 4]]"', "g": '"[1, 2, 3]"'}, "state.g", "shape"),
        ({"impl": '"stale"'}, "state.impl", "stale_counter"),
        # an entry without the step's function would open the page's "no
        # log_softmax version" message, not the promised check
        (
            {"f": '"log_softmax"', "impl": '"missing_diagonal"'},
            "state.impl",
            "no log_softmax version",
        ),
        (
            {"f": '"cross_entropy"', "impl": '"stale_counter"'},
            "state.impl",
            "missing_mean",
        ),
        ({"f": '"softplus"'}, "state.f", "log_softmax"),
        ({"x": '"[[1, 2], [3, 4]]"', "mask": '"[1, 0]"'}, "state.mask", "(2, 2)"),
        ({"colour": '"red"'}, "state.colour", "unknown"),
        ({"T": "true"}, "state.T", "expected text"),
    ],
)
def test_bad_state_values_name_their_step_and_field(state, field, says):
    data = lesson_toml({"title": "Fine"}, {"title": "Broken", "state": state})
    (problem,) = problems_of(data)
    assert problem.startswith(f"step 2 ('Broken'), field '{field}': "), problem
    assert says in problem


def test_nothing_in_a_lesson_is_evaluated(tmp_path):
    target = tmp_path / "pwned"
    code = f"\"__import__('pathlib').Path('{target}').touch()\""
    problems_of(lesson_toml({"state": {"x": code, "g": code, "T": code}}))
    assert not target.exists()


def test_every_problem_is_reported_at_once():
    data = lesson_toml(
        {"title": "A", "page": "lessons"}, {"title": "B", "state": {"T": "-1"}}
    )
    problems = problems_of(data)
    assert len(problems) == 2
    assert problems[0].startswith("step 1 ('A'), field 'page': 'lessons' is not a page")
    assert problems[1].startswith("step 2 ('B'), field 'state.T'")


def test_missing_and_unknown_step_fields():
    data = (
        b'title = "Mine"\n[[steps]]\ntitle = "Only a title"\npage = "home"\nhint = 1\n'
    )
    problems = problems_of(data)
    assert any("field 'hint': unknown" in p for p in problems)
    assert any("field 'text': must be a non-empty string" in p for p in problems)
    assert any("field 'question': must be a non-empty string" in p for p in problems)


@pytest.mark.parametrize(
    ("data", "filename", "says"),
    [
        (b'title = "Mine"\n[[steps]\n', "mine.toml", "not valid TOML"),
        (b'{"title": "Mine", "steps": [}', "mine.json", "not valid JSON"),
        (b'title = "x"', "mine.yaml", "a .toml or .json file"),
        (b"\xff\xfe\x00", "mine.toml", "not UTF-8"),
        (b'title = "Mine"\n', "mine.toml", "`steps` must be a list"),
        (b"x" * (MAX_LESSON_BYTES + 1), "mine.toml", "at most 200,000 bytes"),
        (lesson_toml({}, head=""), "mine.toml", "`title` must be"),
    ],
)
def test_bad_files_say_what_is_wrong(data, filename, says):
    (problem,) = problems_of(data, filename)
    assert problem.startswith(filename) and says in problem, problem


def test_too_many_steps_are_refused():
    problems = problems_of(lesson_toml(*[{}] * 31))
    assert any("1 to 30 steps" in p for p in problems)


# --- the page -----------------------------------------------------------------------

PAGE = "app_pages/lesson.py"


def test_lesson_page_shows_the_first_step_with_its_link():
    at = open_page(PAGE)
    assert at.title[0].value.startswith("Lesson")
    assert at.subheader[0].value == f"1. {SHIPPED.steps[0].title}"
    text = "\n".join(m.value for m in at.markdown)
    assert f"]({SHIPPED.steps[0].link})" in text
    assert any(SHIPPED.steps[0].question in i.value for i in at.info)


def test_step_link_and_next_button_move_through_the_lesson():
    at = open_page(PAGE, step="6")
    assert at.subheader[0].value == f"6. {SHIPPED.steps[5].title}"
    at.button(key="lesson-next").click().run()
    assert at.subheader[0].value == f"7. {SHIPPED.steps[6].title}"
    assert at.query_params["step"] == "7"


def test_bad_step_and_lesson_in_the_link_say_so():
    at = open_page(PAGE, step="60")
    assert errors(at) == [
        "**step** = 60: this lesson has steps 1 to 10. Showing step 1."
    ]
    at = open_page(PAGE, lesson="nope")
    assert errors(at)[0].startswith("**lesson** = 'nope': no lesson named 'nope'")
    assert not at.subheader or at.subheader[0].value == "Copy link"


def test_navigation_lists_the_lesson_page():
    app = (Path(__file__).resolve().parents[2] / "app.py").read_text()
    assert 'url_path="lesson"' in app
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"))
    at.switch_page(PAGE).run()
    assert at.title[0].value.startswith("Lesson")
