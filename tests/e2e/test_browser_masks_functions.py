"""Masks, log-softmax and cross-entropy in a real browser, as a student uses them.

Reference values from the issue (PyTorch 2.13.0, float64; see
tests/app/test_app_masks_functions.py).
"""

import re

import numpy as np

LINK = {"x": "[[1, 2], [3, 4]]", "axis": "1"}
LOG_SOFTMAX_DX = [[1.46211716, -1.46211716], [-0.26894142, 0.26894142]]
CE_DX = [[0.13447071, -0.13447071], [-0.36552929, 0.36552929]]


def test_log_softmax_by_link_and_cross_entropy_by_widgets(app):
    page = app.open("backward", **LINK, g="[[2, 0], [0, 1]]", f="log_softmax")
    assert app.shows_array(page, LOG_SOFTMAX_DX, rtol=1e-7)
    assert "not symmetric" in app.main_text(page)

    cross_entropy = re.compile("^cross_entropy")
    app.change(page, lambda: app.pick_option(page, "f: function", cross_entropy))
    app.change(page, lambda: app.set_text(page, "target: the true classes", "[1, 0]"))
    assert app.shows_array(page, CE_DX, rtol=1e-7)
    assert "0.81326169" in app.main_text(page)
    assert "f=cross_entropy" in page.url and "target=" in page.url


def test_causal_mask_typed_in_the_panel_greys_the_masked_cells(app):
    page = app.open("explore", x="[[1, 2, 3], [4, 5, 6], [7, 8, 9]]", axis="1")
    mask_box = "mask (1 = kept, 0 = masked)"
    app.change(page, lambda: app.set_text(page, mask_box, "causal"))
    rows = [[1.0, np.nan, np.nan], [0.26894142, 0.73105858, np.nan],
            [0.09003057, 0.24472847, 0.66524096]]  # fmt: skip
    assert app.shows_array(page, rows, rtol=1e-7)
    assert "masked" in app.main_text(page)
    assert "mask=causal" in page.url
