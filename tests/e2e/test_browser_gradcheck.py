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


# --- per function (issue 13) --------------------------------------------------


def verdicts(app, page) -> set[str]:
    return set(re.findall(r"\b(PASS|FAIL)\b", app.main_text(page)))


def test_log_softmax_by_link_fails_the_transposed_jacobian(app):
    # Jg equals Jᵀg for softmax's symmetric Jacobian, not for log-softmax's.
    page = app.open("gradcheck", f="log_softmax", impl="transposed_jacobian", **LINK)
    assert not app.errors(page)
    assert verdicts(app, page) == {"FAIL"}
    picker = page.get_by_role(
        "combobox", name="Implementation under test (log_softmax)"
    )
    expect(picker).to_have_value(re.compile("^transposed_jacobian"))
    same = app.open("gradcheck", impl="transposed_jacobian", **LINK)
    assert verdicts(app, same) == {"PASS"}


def test_cross_entropy_gallery_button_loads_missing_mean_and_it_fails(app):
    page = app.open("gradcheck", f="cross_entropy")
    assert verdicts(app, page) == {"PASS"}  # the default: the core's gradient
    page.get_by_text("The bug gallery for f = cross_entropy").click()
    button = page.get_by_role("button", name="Load the missing_mean example")
    app.change(page, button.click)
    expect(page.locator('[data-testid="stMain"]')).to_contain_text("Missing 1/N")
    app.settle(page)
    assert verdicts(app, page) == {"FAIL"}
    assert not app.errors(page)
    box = page.locator('[data-testid="stSidebarContent"] [data-testid="stCode"]')
    link = box.inner_text()
    assert "impl=missing_mean" in link and "f=cross_entropy" in link
    assert "target=" in link
