"""softmax_app.presenter: hide= and big= in links, and the presenter variant."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softmax_app import presenter

FEW = settings(max_examples=60, deadline=None)


def test_parse_hide_known_and_unknown():
    hidden, unknown = presenter.parse_hide(" PANEL ,explain,, menu,menu,Code")
    assert hidden == {"panel", "explain", "code"}
    assert unknown == ("menu",)  # reported once
    assert presenter.parse_hide("") == (frozenset(), ())


@FEW
@given(st.text())
def test_property_parse_hide_splits_every_name(text):
    hidden, unknown = presenter.parse_hide(text)
    assert hidden <= set(presenter.HIDEABLE)
    assert not set(unknown) & set(presenter.HIDEABLE)
    names = {n.strip().lower() for n in text.split(",") if n.strip()}
    assert names == set(hidden) | set(unknown)


@pytest.mark.parametrize(
    ("text", "on"),
    [("1", True), ("yes", True), ("ON", True), ("true", True), ("0", False),
     ("off", False), ("", False), (None, False)],
)  # fmt: skip
def test_parse_switch(text, on):
    assert presenter.parse_switch(text, "big") is on


def test_parse_switch_names_the_parameter():
    with pytest.raises(
        ValueError, match=r"\*\*quiz\*\* = '2' is not a switch: use quiz=1"
    ):
        presenter.parse_switch("2", "quiz")


def test_read_presenter_reports_what_it_cannot_use():
    options = presenter.read_presenter({"hide": "panel,toolbar,menu", "big": "huge"})
    assert options.hide == {"panel"} and not options.big
    assert not options.shows("panel") and options.shows("code")
    hide_problem, big_problem = options.problems
    assert hide_problem.startswith("**hide** = 'panel,toolbar,menu': 'toolbar', 'menu'")
    assert "are not parts this page can hide, so they are shown" in hide_problem
    assert (
        "`panel` (the sidebar: the input panel, the page list and Copy link)"
        in hide_problem
    )
    assert big_problem == (
        "**big** = 'huge' is not a switch: use big=1 (on) or big=0 (off). "
        "Showing normal text."
    )
    one = presenter.read_presenter({"hide": "sidebar"}).problems[0]
    assert "'sidebar' is not a part this page can hide, so it is shown" in one


def test_read_presenter_quiet_when_all_is_well():
    assert presenter.read_presenter({}) == presenter.PresenterOptions()
    good = presenter.read_presenter({"hide": "code", "big": "1", "x": "[1]"})
    assert good == presenter.PresenterOptions(frozenset({"code"}), True, ())


def test_presenter_link_keeps_the_rest_verbatim():
    link = (
        "http://host:8501/gradcheck?x=[[1,2],[3,4]]&axis=1&g=%5B1%5D&impl=stale_counter"
    )
    out = presenter.presenter_link(link)
    assert out == link + "&hide=panel,code&big=1"
    # Reading the link back gives what it promises.
    params = {k: v[0] for k, v in parse_qs(urlsplit(out).query).items()}
    options = presenter.read_presenter(params)
    assert options == presenter.PresenterOptions(frozenset({"panel", "code"}), True)
    assert params["x"] == "[[1,2],[3,4]]" and params["g"] == "[1]"


def test_presenter_link_replaces_and_removes():
    link = "./explore?hide=explain&x=[1,2]&big=0#top"
    assert presenter.presenter_link(link, ["code"]) == (
        "./explore?x=[1,2]&hide=code&big=1#top"
    )
    assert presenter.presenter_link(link, [], big=False) == "./explore?x=[1,2]#top"
    assert presenter.presenter_link("./home", ()) == "./home?big=1"
    with pytest.raises(ValueError, match=r"cannot hide \['menu'\]"):
        presenter.presenter_link("./home", ["menu"])


@FEW
@given(
    st.lists(
        st.tuples(
            st.text("abcxyz_", min_size=1, max_size=5),
            st.text("0123[],.%-", max_size=8),
        ),
        max_size=5,
    ),
    st.sets(st.sampled_from(list(presenter.HIDEABLE))),
    st.booleans(),
)
def test_property_presenter_link_round_trip(pairs, hide, big):
    query = "&".join(f"{k}={v}" for k, v in pairs)
    out = presenter.presenter_link("./p?" + query, sorted(hide), big=big)
    items = out.partition("?")[2].split("&") if "?" in out else []
    others = [i for i in items if not i.startswith(("hide=", "big="))]
    assert others == [f"{k}={v}" for k, v in pairs]
    assert ("big=1" in items) is big
    assert any(i.startswith("hide=") for i in items) is bool(hide)


@pytest.mark.parametrize(
    ("css", "rule"),
    [
        (presenter.BIG_TEXT_CSS, "font-size"),
        (presenter.HIDE_PANEL_CSS, "display: none"),
    ],
)
def test_css_constants_are_plain_style_blocks(css, rule):
    assert css.startswith("<style>") and css.endswith("</style>")
    assert css.count("<") == 2 and "script" not in css.lower()
    assert rule in css
