"""Stability (/stability): naive vs stable softmax on a shared link."""

import numpy as np
from playwright.sync_api import expect
from scipy.special import softmax

HUGE = np.array([1000.0, 1001.0, 1002.0])


def test_huge_logits_break_only_the_naive_softmax(app):
    page = app.open("stability", x="[1000, 1001, 1002]")
    assert not app.errors(page)
    # scipy shifts by the max: softmax([0, 1, 2]) = [0.09003057, 0.24472847, ...].
    assert app.shows_array(page, softmax(HUGE))
    naive = [a for a in app.chart_arrays(page) if a.size == 3 and np.isnan(a).any()]
    assert naive, "the naive softmax of [1000, 1001, 1002] should show NaN"

    app.step_temperature(page)  # T = 1 -> 1.5
    assert app.shows_array(page, softmax(HUGE / 1.5))


def test_copy_link_follows_the_scale(app):
    page = app.open("stability", x="[1000, 1001, 1002]")
    box = page.locator('[data-testid="stSidebarContent"] [data-testid="stCode"]')
    assert "scale=" not in box.inner_text()
    number = page.get_by_label("or type the exact scale", exact=True)
    app.change(page, lambda: (number.fill("1.5"), number.press("Enter")))
    expect(box).to_contain_text("scale=1.5")
    assert box.count() == 1
