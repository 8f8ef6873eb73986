"""Gradcheck (/gradcheck): the stale-counter bug fails, the vectorized VJP passes."""

import re

import pytest

LINK = {"x": "[[1, 2], [3, 4]]", "axis": "1", "g": "[[1, 0], [0, 1]]"}


@pytest.mark.parametrize(
    ("impl", "verdict"), [("stale_counter", "FAIL"), ("vectorized", "PASS")]
)
def test_verdict(app, impl, verdict):
    page = app.open("gradcheck", impl=impl, **LINK)
    assert not app.errors(page)
    # The page says PASS or FAIL only in its verdict (the gallery says "passes").
    assert set(re.findall(r"\b(PASS|FAIL)\b", app.main_text(page))) == {verdict}
