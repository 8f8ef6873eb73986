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
    ("stability", {"axis": "7", "x": "[[1, 2], [3, 4]"}, ["axis", "x"]),
]


@pytest.mark.parametrize(("path", "params", "names"), BAD)
def test_each_bad_parameter_is_explained_and_nothing_is_drawn(app, path, params, names):
    page = app.open(path, charts=0, **params)
    messages = app.errors(page)
    for name in names:
        assert any(message.startswith(name) for message in messages), messages
    assert app.charts(page) == []
    if path:
        assert "shows nothing until the input is fixed" in app.main_text(page)
