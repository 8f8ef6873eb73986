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
