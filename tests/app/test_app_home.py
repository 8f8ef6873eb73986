"""The Home page (/) under AppTest: the story, and links that lead somewhere."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.apptest_helpers import (
    BAD_INPUTS,
    CLASSIC,
    assert_no_exception,
    errors,
    open_page,
    page_text,
)

PAGES = {
    "explore": "Explore",
    "backward": "Backward",
    "gradcheck": "Gradcheck",
    "stability": "Stability",
}


def test_home_renders_the_story():
    at = open_page()
    assert errors(at) == []
    assert at.title[0].value == "Softmax Lab"
    text = page_text(at)
    # the three beats of the story
    assert "counter" in text and "inside" in text  # the counter never advanced
    assert "**0.9**" in text  # what the gradient check said
    assert "**zero**" in text and "*correct*" in text  # all-ones upstream gradient


def test_page_links_cover_every_page_and_lead_there():
    at = open_page()
    links = {link.proto.page: link.proto.label for link in at.get("page_link")}
    assert set(links) == set(PAGES)
    for page, word in PAGES.items():
        assert links[page].startswith(word)
        at.switch_page(f"app_pages/{page}.py").run()
        assert_no_exception(at)
        assert at.title[0].value.startswith(word)


def _markdown_links(at) -> list[str]:
    return re.findall(r"\]\((\./[^)]*\]*)\)", page_text(at))


def test_shared_links_in_the_text_open_cleanly():
    at = open_page()
    links = _markdown_links(at)
    assert len(links) == 2
    for link in links:
        parts = urlsplit(link)
        page = parts.path.strip("./")
        params = dict(parse_qsl(parts.query))
        assert page in PAGES and params["x"] == "[[1,2],[3,4]]"
        linked = open_page(f"app_pages/{page}.py", **params)
        assert errors(linked) == []
        assert linked.session_state["_inputs"].axes == (1,)
        # the link keeps axis=1 as written (it used to become the default -1)
        assert linked.query_params["axis"] == "1"


def test_home_keeps_the_panel_values():
    at = open_page(None, **CLASSIC, T="3")
    at.switch_page("app_pages/explore.py").run()
    at.switch_page("app_pages/home.py").run()
    assert at.select_slider(key="T").value == 3.0
    assert at.query_params["T"] == "3"


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_inputs_show_an_error_on_home_too(name):
    params, parameter = BAD_INPUTS[name]
    at = open_page("app_pages/home.py", **params)
    assert [e[: len(parameter) + 4] for e in errors(at)] == [f"**{parameter}**"]
    assert at.title[0].value == "Softmax Lab"
