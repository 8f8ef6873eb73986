"""Helpers and inputs shared by the AppTest page tests (``tests/test_app_*.py``).

Open a page as a shared link would, then read what it shows: st.error texts, the
text of the page, its read-only tables and its Plotly figures (parsed from the
JSON spec, with Plotly's base64 array transport decoded).
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")

CLASSIC = {"x": "[[1,2],[3,4]]", "axis": "1"}
# softmax([1, 2]) = 1 / (1 + e) and e / (1 + e) (scipy.special.softmax, float64)
CLASSIC_Y = np.array([[0.2689414213699951, 0.7310585786300049]] * 2)
# sigma(1) * sigma(-1) = e / (1 + e)^2 (mpmath, 30 digits: 0.196611933241481852537).
SIGMA_PRODUCT = 0.19661193324148185

#: Each bad input, the URL parameters it is opened with, and the parameter the
#: st.error must name (as the panel writes it: **x**, **axis**, ...).
BAD_INPUTS: dict[str, tuple[dict[str, str], str]] = {
    "ragged": ({"x": "[[1,2],[3]]"}, "x"),
    "non-numeric": ({"x": "[a, b]"}, "x"),
    "code": ({"x": "__import__('os')"}, "x"),
    "unbalanced": ({"x": "[[1,2]"}, "x"),
    "3000-deep nesting": ({"x": "[" * 3000 + "]" * 3000}, "x"),
    "empty": ({"x": "[]"}, "x"),
    "empty rows": ({"x": "array([], shape=(3, 0))"}, "x"),
    "shared upload": ({"x": "upload:data.npy"}, "x"),
    "axis out of range": ({**CLASSIC, "axis": "5"}, "axis"),
    "axis not an axis": ({**CLASSIC, "axis": "last"}, "axis"),
    "g of the wrong shape": ({**CLASSIC, "g": "[1, 2, 3]"}, "g"),
    "g unreadable": ({**CLASSIC, "g": "[[1, 0], [0, 1"}, "g"),
    "T=0": ({**CLASSIC, "T": "0"}, "T"),
    "T not a number": ({**CLASSIC, "T": "hot"}, "T"),
}

#: The panel widget each parameter is typed in (its key), for "next to the input".
WIDGET_OF = {"x": "x", "axis": "axis", "T": "T", "g": "g"}

#: Where the "code" input of BAD_PARAMS would leave a file if it were executed.
PWNED = Path("/tmp/softmax_lab_pwned")

#: More bad URL parameters (the Backward and Gradcheck tests): each must give an
#: st.error, and the page must compute nothing.
BAD_PARAMS: dict[str, dict[str, str]] = {
    "ragged": {"x": "[[1, 2], [3]]"},
    "non-numeric": {"x": "[[1, 'a'], [3, 4]]"},
    "code": {"x": f"__import__('pathlib').Path('{PWNED}').touch()"},
    "unbalanced brackets": {"x": "[[1, 2], [3, 4]"},
    "3000-deep nesting": {"x": "[" * 3000 + "1" + "]" * 3000},
    "axis out of range": {"x": "[[1, 2], [3, 4]]", "axis": "5"},
    "g of the wrong shape": {"x": "[[1, 2], [3, 4]]", "g": "[1, 2, 3]"},
    "T=0": {"T": "0"},
}


def open_page(page: str | None = None, **params: str) -> AppTest:
    """Open the app as a link would: query parameters first, then the page."""
    # Generous: a shared, loaded machine can take many seconds for a big page.
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    if page is not None:
        at.switch_page(page)
    at.run()
    assert_no_exception(at)
    return at


def open_code_expanders(at: AppTest) -> AppTest:
    """Open "How it works" and "Reproduce in code" as a click would, and rerun.

    Both are lazy (built only while open), so their code exists only after this.
    """
    from softmax_app.views import HOW_KEY, REPRODUCE_KEY

    at.session_state[HOW_KEY] = True
    at.session_state[REPRODUCE_KEY] = True
    at.run()
    assert_no_exception(at)
    return at


def assert_no_exception(at: AppTest) -> None:
    """Fail with the exception texts if the last run raised."""
    assert not at.exception, [e.value for e in at.exception]


def errors(at: AppTest) -> list[str]:
    """The texts of every st.error of the last run."""
    return [e.value for e in at.error]


def page_text(at: AppTest) -> str:
    """All markdown, captions and alerts of a run, joined."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    for kind in (at.info, at.success, at.warning, at.error):
        parts += [a.value for a in kind]
    return "\n".join(parts)


def sidebar_items(at: AppTest) -> list[tuple[str, str]]:
    """The sidebar's elements in order, nested blocks flattened: (type, key or text).

    Widgets are named by their key, other elements by their text.
    """
    items: list[tuple[str, str]] = []

    def walk(node: Any) -> None:
        for child in getattr(node, "children", {}).values():
            key = getattr(child, "key", None)
            value = getattr(child, "value", "")
            items.append((child.type, key or (value if isinstance(value, str) else "")))
            walk(child)

    walk(at.sidebar)
    return items


def next_to(at: AppTest, widget_key: str) -> tuple[str, str]:
    """The sidebar element right after the widget with key `widget_key`."""
    items = sidebar_items(at)
    for position, (_, key) in enumerate(items):
        if key == widget_key:
            return items[position + 1]
    raise AssertionError(f"no widget {widget_key!r} in the sidebar: {items}")


def shows_nothing_computed(at: AppTest) -> bool:
    """Whether the main area holds no chart, table, metric, formula or download."""
    main = at.main
    return not (
        main.get("plotly_chart")
        or main.dataframe
        or main.metric
        or main.latex
        or main.get("download_button")
    )


def verdicts(at: AppTest) -> set[str]:
    """PASS/FAIL words anywhere in the page's text elements."""
    return set(re.findall(r"\b(PASS|FAIL)\b", page_text(at)))


def tables(at: AppTest) -> list[pd.DataFrame]:
    """The read-only tables (st.dataframe) in the main area, as DataFrames."""
    return [d.value for d in at.main.dataframe if d.editing_mode == "read_only"]


def decode(value: Any) -> Any:
    """Plotly's base64 array transport ``{dtype, bdata, shape}`` -> ndarray."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = [int(d) for d in str(value.get("shape", flat.size)).split(",")]
        return flat.reshape(shape)
    return value


def charts(at: AppTest) -> list[dict[str, Any]]:
    """Every Plotly figure on the page, in order, as parsed JSON."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def chart_specs(at: AppTest) -> dict[str, dict[str, Any]]:
    """Every Plotly figure on the page, by element key, as parsed JSON."""
    return {chart.key: json.loads(chart.proto.spec) for chart in at.get("plotly_chart")}


def trace_z(spec: dict[str, Any], trace: int = 0) -> np.ndarray:
    """A heatmap trace's z as float64 (JSON null, i.e. a blank cell, -> NaN)."""
    z = decode(spec["data"][trace]["z"])
    return np.array(z, dtype=np.float64)


def chart_title(spec: dict[str, Any]) -> str:
    """A figure's title text ("" when it has none)."""
    return str(spec["layout"].get("title", {}).get("text", ""))


def chart_titles(at: AppTest) -> list[str]:
    """The titles of every Plotly figure on the page, in order."""
    return [chart_title(spec) for spec in charts(at)]


def chart_z(at: AppTest, title_start: str) -> np.ndarray:
    """The first trace's z of the first figure whose title starts so."""
    for spec in charts(at):
        if chart_title(spec).startswith(title_start):
            return trace_z(spec)
    raise AssertionError(f"no chart titled {title_start!r} in {chart_titles(at)}")
