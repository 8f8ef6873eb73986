"""Light and dark: the app follows the viewer's colour scheme (not locked to light)."""

import re

import pytest

_BACKGROUND_JS = """
() => getComputedStyle(document.querySelector('[data-testid="stApp"]')).backgroundColor
"""


def _luminance(css_colour: str) -> float:
    r, g, b = (int(v) for v in re.findall(r"\d+", css_colour)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


@pytest.mark.parametrize(("scheme", "dark"), [("dark", True), ("light", False)])
def test_the_theme_follows_the_system_setting(app, scheme, dark):
    context = app.browser.new_context(
        viewport={"width": 1400, "height": 1000}, color_scheme=scheme
    )
    try:
        page = app.open("backward", context=context, x="[[1,2],[3,4]]", axis="1")
        background = page.evaluate(_BACKGROUND_JS)
        assert (_luminance(background) < 0.3) is dark, background
        # The Jacobian heatmap is drawn, with its values in the cells.
        assert page.locator(".js-plotly-plot").first.is_visible()
    finally:
        context.close()
