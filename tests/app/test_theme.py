"""Light and dark: the theme is not locked, and no chart mark is drawn in black."""

import tomllib
from pathlib import Path

from softmax_app.render import figures

ROOT = Path(__file__).resolve().parents[2]


def test_config_does_not_lock_the_theme():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert "base" not in config.get("theme", {})


def test_sweep_marks_read_on_light_and_dark():
    # Black lines and labels vanished on the dark theme's background.
    fig = figures.sweep_line([1.0, 10.0, 1000.0], [0.0, 0.0, 1.0], current=10.0,
                             predicted=177.4)  # fmt: skip
    current = next(t for t in fig.data if t.name == "current")
    assert current.line.color == figures.CURRENT_MARK_COLOR
    assert current.textfont.color is None  # the theme's font colour
    for trace in fig.data:
        assert str(trace.line.color).lower() not in ("black", "#000", "#000000")
