"""A bad link gets a sentence naming each bad parameter, never a traceback.

Each page then stops: nothing computed from a substitute (the default example,
say) is drawn under the message.
"""

import pytest

BAD = [
    ("", {"x": "[[1,2],[3]]"}, ["x"]),
    ("explore", {"x": "__import__('os')", "T": "0"}, ["x", "T"]),
    ("backward", {"g": "[1, 2, 3]", "axis": "7"}, ["g", "axis"]),
    # impl is the page's own parameter: reported although T stops the page.
    ("gradcheck", {"impl": "no_such_impl", "T": "-1"}, ["impl", "T"]),
    # An axis cannot be checked without an x: the panel says it waits for x.
    ("stability", {"axis": "7", "x": "[[1, 2], [3, 4]"}, ["x"]),
]


@pytest.mark.parametrize(("path", "params", "names"), BAD)
def test_each_bad_parameter_is_explained_and_nothing_is_drawn(app, path, params, names):
    page = app.open(path, charts=0, **params)
    messages = app.errors(page)
    for name in names:
        assert any(message.startswith(name) for message in messages), messages
    assert app.charts(page) == []
    if "axis" in params and "axis" not in names:
        sidebar = page.locator('[data-testid="stSidebarContent"]').inner_text()
        assert "axis: 7; the choices appear once x can be read" in sidebar
    if path:
        assert "shows nothing until the input is fixed" in app.main_text(page)
