"""A bad link gets a sentence naming each bad parameter, never a traceback."""

import pytest
from scipy.special import softmax

BAD = [
    ("", {"x": "[[1,2],[3]]"}, ["x"]),
    ("explore", {"x": "__import__('os')", "T": "0"}, ["x", "T"]),
    ("backward", {"g": "[1, 2, 3]", "axis": "7"}, ["g", "axis"]),
    ("gradcheck", {"impl": "no_such_impl", "T": "-1"}, ["impl", "T"]),
    ("stability", {"axis": "7", "x": "[[1, 2], [3, 4]"}, ["axis", "x"]),
]


@pytest.mark.parametrize(("path", "params", "names"), BAD)
def test_each_bad_parameter_is_explained(app, path, params, names):
    page = app.open(path, charts=0 if path == "" else 1, **params)
    messages = app.errors(page)
    for name in names:
        assert any(message.startswith(name) for message in messages), messages
    if path == "explore":
        # The page falls back to the default example: [[1, 2], [3, 4]], last axis.
        assert app.shows_array(page, softmax([[1.0, 2.0], [3.0, 4.0]], axis=1))
