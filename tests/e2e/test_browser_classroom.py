"""Issue 14 in the browser: the quiz names nothing, presenter links hide and enlarge."""

from playwright.sync_api import expect

import softmax_core as sc

CLASSIC = {"x": "[[1,2],[3,4]]", "axis": "1", "g": "[[1,0],[0,1]]"}
SOFTMAX = [n for n, e in sc.IMPLEMENTATIONS.items() if "softmax" in e.functions]

_FONT_JS = """
() => parseFloat(getComputedStyle(
  document.querySelector('[data-testid="stMain"] [data-testid="stMarkdownContainer"] p')
).fontSize)
"""


def test_quiz_shows_labels_and_reveals_on_answer(app):
    page = app.open("gradcheck", charts=0, quiz="1", **CLASSIC)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text(f"Implementation {'ABCDEFG'[len(SOFTMAX) - 1]}")
    text = app.main_text(page).lower()
    assert not [n for n in SOFTMAX if n in text], text[:400]
    assert "only the first slice agrees" in text
    assert "what the check shows" not in text  # nothing revealed yet
    page.get_by_label("Which one is it?").first.click()
    page.get_by_role("option").filter(has_text="The stale counter").click()
    expect(main).to_contain_text("Implementation A is")
    expect(main).to_contain_text("What the check shows:")


def test_presenter_link_hides_the_panel_and_enlarges_the_text(app):
    normal = app.open("explore", **CLASSIC)
    normal_size = normal.evaluate(_FONT_JS)
    assert normal.locator('[data-testid="stSidebar"]').is_visible()
    shown = app.open("explore", hide="panel,code", big="1", **CLASSIC)
    assert not shown.locator('[data-testid="stSidebar"]').is_visible()
    assert shown.evaluate(_FONT_JS) > 1.2 * normal_size
    assert "Reproduce in code" not in app.main_text(shown)
    assert not app.errors(shown)


def test_backward_predict_holds_the_gradient_until_a_prediction(app):
    page = app.open("backward", charts=0, predict="1", **CLASSIC)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("The gradient is shown once you have made a")
    assert "One slice's Jacobian" not in app.main_text(page)
    assert page.locator(".js-plotly-plot").count() == 0  # no number drawn yet
    # dL/dx[0, 0] = y0 (1 - y0) = 0.19661193 for x = [1, 2], g = [1, 0].
    page.get_by_label("Your prediction of that entry").fill("0.2")
    page.get_by_role("button", name="Check my prediction").click()
    expect(main).to_contain_text("Right: dL/dx[0, 0] is 0.1966")
    app.settle(page)
    assert "One slice's Jacobian" in app.main_text(page)


def test_gradcheck_predict_holds_the_verdict_until_pass_or_fail(app):
    page = app.open("gradcheck", charts=0, predict="1", impl="stale_counter", **CLASSIC)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("The verdict and the errors are shown once")
    assert "✗ FAIL" not in app.main_text(page)
    page.get_by_text("PASS", exact=True).click()
    expect(main).to_contain_text("Not this time")
    expect(main).to_contain_text("✗ FAIL")
