"""Backward (/backward): Jacobians and the vector-Jacobian product."""

import numpy as np
from scipy.special import softmax

CLASSIC = np.array([[1.0, 2.0], [3.0, 4.0]])
G = np.array([[1.0, 0.0], [0.0, 1.0]])
LINK = {"x": "[[1, 2], [3, 4]]", "axis": "1", "g": "[[1, 0], [0, 1]]"}


def vjp(x, g, axis, t=1.0):
    """The softmax VJP written out independently: y * (g - <g, y>) / T."""
    y = softmax(np.asarray(x) / t, axis=axis)
    return y * (g - (g * y).sum(axis=axis, keepdims=True)) / t


def test_classic_gradient_is_drawn_and_downloads(app):
    page = app.open("backward", **LINK)
    # y0 (1 - y0) = 0.26894142 * 0.73105858 = 0.19661193 (scipy reference).
    expected = [[0.19661193, -0.19661193], [-0.19661193, 0.19661193]]
    np.testing.assert_allclose(vjp(CLASSIC, G, 1), expected, rtol=1e-7)
    assert app.shows_array(page, expected, rtol=1e-7)
    assert app.shows_array(page, G)
    assert not app.errors(page)

    dx = app.load_npy(app.download(page, "dx.npy"))
    np.testing.assert_allclose(dx, vjp(CLASSIC, G, 1), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(
        app.load_file(app.download(page, "dx.csv"), "dx.csv"), dx
    )


def test_constant_upstream_gives_zero_and_temperature_scales(app):
    page = app.open("backward", **LINK)
    app.set_g(page, "ones")
    assert app.shows_array(page, np.zeros((2, 2)))
    assert "exactly zero" in app.main_text(page)

    app.set_g(page, "[[1, 0], [0, 1]]")
    app.step_temperature(page)  # T = 1 -> 1.5
    assert app.shows_array(page, vjp(CLASSIC, G, 1, 1.5))

    other = app.new_context()
    try:
        again = app.open_url(page.url, context=other)
        assert app.chart_data_equal(app.charts(again), app.charts(page))
    finally:
        other.close()


def test_new_x_replaces_a_stale_g_visibly(app):
    page = app.open("backward", **LINK)
    app.set_x(page, "[[1, 2, 3], [4, 5, 6]]")
    assert not app.errors(page)
    g_box = page.get_by_label("g: upstream gradient", exact=True)
    assert g_box.input_value() == "onehot"
    text = app.main_text(page)
    assert "upstream gradient onehot" in text and "g is now onehot" in text
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    onehot = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    assert app.shows_array(page, vjp(x, onehot, 1))


def test_picking_a_slice_redraws_its_jacobian_and_the_link(app):
    # The slice section is a fragment: picking a slice redraws that slice's
    # Jacobian and the link box, and the server sends only that section (far
    # fewer messages than a whole run, here one notch of T).
    frames: list[int] = []
    page = app.context.new_page()
    page.on("websocket", lambda ws: ws.on("framereceived", lambda _: frames.append(1)))
    # (Not the classic x: both its slices have the same softmax.)
    page.goto(app.link("backward", **{**LINK, "x": "[[1, 2], [1, 4]]"}))
    app.settle(page)
    frames.clear()
    app.step_temperature(page)
    whole_run = len(frames)
    app.step_temperature(page, "ArrowLeft")  # back to T = 1
    y1 = softmax([1.0, 4.0])
    second = np.diag(y1) - np.outer(y1, y1)  # J of slice x[1, :] (scipy's softmax)
    before = app.charts(page)
    # The first chart is the picked slice's Jacobian: slice 0 until picked.
    assert not np.allclose(np.asarray(before[0][0]["z"], dtype=float), second)
    box = page.get_by_label("slice: index in dim 0", exact=True)
    frames.clear()
    app.change(page, lambda: (box.fill("1"), box.press("Enter")))
    assert len(frames) < whole_run / 2, (len(frames), whole_run)
    after = app.charts(page)
    np.testing.assert_allclose(np.asarray(after[0][0]["z"], dtype=float), second)
    assert app.chart_data_equal(after[1:], before[1:])  # the rest is unchanged
    link = page.locator('[data-testid="stSidebarContent"] [data-testid="stCode"]')
    assert "slice=1" in link.inner_text()
    assert not app.errors(page)
