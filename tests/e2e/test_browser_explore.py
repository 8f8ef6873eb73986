"""Explore (/explore): the forward pass, driven through the shared panel."""

import numpy as np
from scipy.special import softmax

CLASSIC = np.array([[1.0, 2.0], [3.0, 4.0]])
LINK = {"x": "[[1, 2], [3, 4]]", "axis": "1"}


def test_classic_numbers_are_drawn_and_downloads_load_back(app):
    page = app.open("explore", **LINK)
    # softmax([1, 2]) = [0.26894142, 0.73105858] in each row (scipy reference).
    assert app.shows_array(page, [[0.26894142, 0.73105858]] * 2, rtol=1e-8)
    assert app.shows_array(page, softmax(CLASSIC, axis=1))
    assert app.shows_array(page, CLASSIC)
    assert not app.errors(page)

    # The downloads are in plain sight under a "Download" heading, not inside
    # the "Reproduce in code" expander.
    main = page.locator('[data-testid="stMain"]')
    assert main.get_by_role("heading", name="Download", exact=True).is_visible()
    expander = main.locator('[data-testid="stExpander"]').filter(
        has_text="Reproduce in code"
    )
    assert expander.locator('[data-testid="stDownloadButton"]').count() == 0
    assert {"x.npy", "y.npy", "x.csv", "y.csv"} <= set(app.download_names(page))

    x = app.load_npy(app.download(page, "x.npy"))
    np.testing.assert_array_equal(x, CLASSIC)
    y = app.load_npy(app.download(page, "y.npy"))
    np.testing.assert_allclose(y, softmax(CLASSIC, axis=1), rtol=1e-15)
    from_csv = app.load_file(app.download(page, "y.csv"), "y.csv")
    np.testing.assert_array_equal(from_csv, y)


def test_panel_changes_redraw_and_the_link_restores_the_view(app):
    page = app.open("explore", **LINK)

    app.set_x(page, "[[0, 1, 2], [2, 0, -1]]")
    x = np.array([[0.0, 1.0, 2.0], [2.0, 0.0, -1.0]])
    assert app.shows_array(page, softmax(x, axis=1))
    assert not app.shows_array(page, softmax(CLASSIC, axis=1))

    app.set_axis(page, "0")
    assert app.shows_array(page, softmax(x, axis=0))
    assert not app.shows_array(page, softmax(x, axis=1))

    app.step_temperature(page)  # T = 1 -> 1.5, the next notch
    assert app.shows_array(page, softmax(x / 1.5, axis=0))

    # The address bar now carries the view; a new session opened on it (a
    # fresh browser context: no cookies, no session state) draws the same.
    shared = page.url
    assert "axis=0" in shared and "T=1.5" in shared
    other = app.new_context()
    try:
        again = app.open_url(shared, context=other)
        assert app.chart_data_equal(app.charts(again), app.charts(page))
    finally:
        other.close()


def test_attention_preset_renders_a_4d_input(app):
    page = app.open("explore", x="random(2, 2, 4, 4; seed=0; scale=2)", axis="-1")
    assert not app.errors(page)
    # Whatever 2-D view is drawn, its rows are probability distributions.
    views = [a for a in app.chart_arrays(page) if a.ndim == 2 and (a >= 0).all()]
    assert any(np.allclose(a.sum(axis=-1), 1.0) for a in views)


def test_copy_link_box_restores_the_slice_and_view_in_a_new_session(app):
    # The box's link is absolute only in a browser (st.context.url): AppTest
    # sees a relative one.
    page = app.open("explore", x="random(2, 3, 4; seed=0)", axis="0,2")
    slice_box = page.get_by_label("slice: index in dim 1", exact=True)
    app.change(page, lambda: (slice_box.fill("2"), slice_box.press("Enter")))
    view_box = page.get_by_label("index in dim 0", exact=True)
    app.change(page, lambda: (view_box.fill("1"), view_box.press("Enter")))
    box = page.locator('[data-testid="stSidebarContent"] [data-testid="stCode"]')
    link = box.inner_text().strip()
    assert link.startswith(app.url + "/explore?")
    assert "slice=2" in link and "view=1,2@1" in link and "axis=0,2" in link
    other = app.new_context()
    try:
        again = app.open_url(link, context=other)
        assert app.chart_data_equal(app.charts(again), app.charts(page))
        assert not app.errors(again)
    finally:
        other.close()


def test_unreadable_x_draws_nothing_and_an_example_loads(app):
    page = app.open("explore", charts=0, x="[[1,2],[3]]")
    assert any(m.startswith("x:") for m in app.errors(page))
    assert "shows nothing until the input is fixed" in app.main_text(page)
    assert app.charts(page) == []
    app.change(page, lambda: page.get_by_role("button", name="Load an example").click())
    assert app.shows_array(page, softmax(CLASSIC, axis=1))
    assert not app.errors(page)


def test_code_expanders_fill_when_opened(app):
    # Both code expanders are lazy: closed, the page holds no code box of
    # theirs; a click reruns the page and fills them with what runs at home.
    page = app.open("explore", **LINK)
    main = page.locator('[data-testid="stMain"]')
    assert main.locator('[data-testid="stCode"]').count() == 0
    for label in ("Reproduce in code", "How it works"):
        expander = main.locator('[data-testid="stExpander"]').filter(has_text=label)
        expander.locator("summary").click()
        expander.locator('[data-testid="stCode"]').first.wait_for()
        app.settle(page)
    texts = "\n".join(main.locator('[data-testid="stCode"]').all_inner_texts())
    assert "import numpy as np" in texts and "axis = 1" in texts
    assert "def _softmax(" in texts
