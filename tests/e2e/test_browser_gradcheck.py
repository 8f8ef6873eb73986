"""Gradcheck (/gradcheck): the stale-counter bug fails, the vectorized VJP passes."""

import re

import pytest
from playwright.sync_api import expect

LINK = {"x": "[[1, 2], [3, 4]]", "axis": "1", "g": "[[1, 0], [0, 1]]"}


@pytest.mark.parametrize(
    ("impl", "verdict"), [("stale_counter", "FAIL"), ("vectorized", "PASS")]
)
def test_verdict(app, impl, verdict):
    page = app.open("gradcheck", impl=impl, **LINK)
    assert not app.errors(page)
    # The page says PASS or FAIL only in its verdict (the gallery says "passes").
    assert set(re.findall(r"\b(PASS|FAIL)\b", app.main_text(page))) == {verdict}


def test_copy_link_follows_a_setting_changed_in_the_fragment(app):
    # The settings rerun only their fragment; the sidebar's Copy link box is
    # redrawn by it (it was drawn by full runs only, or cost a full rerun).
    page = app.open("gradcheck", impl="stale_counter", **LINK)
    box = page.locator('[data-testid="stSidebarContent"] [data-testid="stCode"]')
    assert "mode=" not in box.inner_text()
    mode = page.locator('[data-testid="stRadio"] label').filter(has_text="elementwise")
    mode.first.click()
    expect(box).to_contain_text("mode=elementwise")
    app.settle(page)
    assert box.count() == 1
    link = box.inner_text().strip()
    assert "impl=stale_counter" in link and "mode=elementwise" in link
    other = app.new_context()
    try:
        again = app.open_url(link, context=other)
        assert again.get_by_role("radio", name=re.compile("^elementwise")).is_checked()
        assert "FAIL" in app.main_text(again)
        assert app.chart_data_equal(app.charts(again), app.charts(page))
    finally:
        other.close()
