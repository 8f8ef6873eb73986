"""The take-home notebook is valid nbformat v4 and runs with nothing but NumPy.

Each notebook is generated, validated with nbformat, and its code cells are
run in order in a fresh interpreter that cannot import this project
(``python -I -S`` with only NumPy's site directory on the path), as a
student's clean Python would. Its numbers are compared with softmax_core's
(what the page shows) and with reference values pinned below.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import softmax_core as sc
from softmax_app.inputs import RandomSpec
from softmax_app.notebook import (
    INLINE_LIMIT,
    MAX_NOTEBOOK_ELEMENTS,
    NotebookState,
    build_notebook,
    notebook_bytes,
    notebook_refusal,
)

NUMPY_SITE = str(Path(np.__file__).resolve().parent.parent)
CLASSIC_X = np.array([[1.0, 2.0], [3.0, 4.0]])
CLASSIC_G = np.array([[1.0, 0.0], [0.0, 1.0]])
# The exercise cell as a learner would fix it: the vectorized VJP.
FIXED_SOFTMAX = '''
def my_backward(x, g, axis, T):
    """dL/dx for L = sum(g * softmax(x / T))."""
    y = softmax(x, axis, T)
    return y * (g - np.sum(g * y, axis=axis, keepdims=True)) / T
'''


def run_notebook(
    notebook: nbformat.NotebookNode, tmp_path: Path, dump=("x", "g", "dx")
) -> tuple[str, dict[str, np.ndarray]]:
    """Run the code cells in order without this project; return stdout and arrays."""
    cells = [c.source for c in notebook.cells if c.cell_type == "code"]
    saves = "".join(f'\nnp.save("out_{n}.npy", np.asarray({n}))' for n in dump)
    guard = (
        f"import sys\nsys.path.append({NUMPY_SITE!r})\n"
        "try:\n    import softmax_core\nexcept ImportError:\n    pass\n"
        "else:\n    raise SystemExit('softmax_core is importable')\n"
    )
    script = guard + "\n\n".join(cells) + saves
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-W", "error", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout, {n: np.load(tmp_path / f"out_{n}.npy") for n in dump}


def printed_block(stdout: str, label: str) -> np.ndarray:
    """The numbers printed under the line `label` (up to the next label)."""
    lines = stdout.splitlines()
    start = lines.index(label) + 1
    block = []
    for line in lines[start:]:
        if not line.strip() or line.strip()[0] not in "[-0123456789":
            break
        block.append(line)
    text = " ".join(block).replace("[", " ").replace("]", " ")
    return np.array([float(v) for v in text.split()])


def slice_lines(stdout: str, label: str) -> dict[str, str]:
    """The check's verdict per slice, after the line starting with `label`."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(label))
    found = {}
    for line in lines[start + 1 :]:
        match = re.match(r"\s+(x\[.*\]): worst .* (ok|WRONG)$", line)
        if not match:
            break
        found[match.group(1)] = match.group(2)
    return found


def replace_exercise(notebook: nbformat.NotebookNode, source: str) -> None:
    cell = next(c for c in notebook.cells if "def my_backward" in c.source)
    cell.source = source


# --- the classic stale-counter view -------------------------------------------------


def classic_state(**changes) -> NotebookState:
    base = {
        "x": CLASSIC_X,
        "axis": 1,
        "temperature": 1.0,
        "upstream": CLASSIC_G,
        "x_text": "[[1, 2], [3, 4]]",
        "g_text": "[[1, 0], [0, 1]]",
        "page": "gradcheck",
        "link": "./gradcheck?x=[[1,2],[3,4]]&axis=1&g=[[1,0],[0,1]]&impl=stale_counter",
        "implementation": "stale_counter",
    }
    return NotebookState(**{**base, **changes})


def test_classic_notebook_is_valid_nbformat_v4():
    raw = notebook_bytes(classic_state())
    notebook = nbformat.reads(raw.decode(), as_version=nbformat.NO_CONVERT)
    assert notebook.nbformat == 4
    nbformat.validate(notebook)  # raises on any schema violation
    intro = notebook.cells[0].source
    assert intro.startswith("# Softmax Lab")
    for says in (
        "**Gradcheck**",
        "`[[1, 2], [3, 4]]`",
        "`1`",
        "`1.0`",
        "stale_counter",
    ):
        assert says in intro
    kinds = [c.cell_type for c in notebook.cells]
    assert kinds[0] == "markdown" and kinds.count("code") >= 6
    sources = "\n".join(c.source for c in notebook.cells)
    assert "softmax_core" not in sources and "softmax_app" not in sources


def test_classic_check_names_slice_1_and_passes_the_fixed_backward(tmp_path):
    notebook = build_notebook(classic_state())
    stdout, arrays = run_notebook(notebook, tmp_path)
    # The correct backward pass passes on every slice...
    assert "the correct backward pass: PASS" in stdout
    assert slice_lines(stdout, "the correct backward pass") == {
        "x[0, :]": "ok",
        "x[1, :]": "ok",
    }
    # ...and the stale counter, prefilled in the exercise, fails on slice 1 only.
    assert "my_backward: FAIL: 1 of 2 slices wrong" in stdout
    assert slice_lines(stdout, "my_backward") == {"x[0, :]": "ok", "x[1, :]": "WRONG"}
    # The numbers are the core's (what the page shows).
    y = sc.softmax(CLASSIC_X, 1)
    np.testing.assert_array_equal(arrays["x"], CLASSIC_X)
    np.testing.assert_allclose(
        arrays["dx"], sc.softmax_vjp(y, CLASSIC_G, 1), rtol=1e-13
    )
    np.testing.assert_allclose(
        printed_block(stdout, "y = softmax(x / T):"), y.ravel(), atol=1e-8
    )
    # sigma(1) sigma(-1) = e / (1 + e)^2 = 0.19661193324148185 (mpmath, 30 digits)
    s = 0.19661193324148185
    np.testing.assert_allclose(
        printed_block(stdout, "dL/dx:"), [s, -s, -s, s], atol=1e-8
    )

    replace_exercise(notebook, FIXED_SOFTMAX)
    stdout, _ = run_notebook(notebook, tmp_path)
    assert "my_backward: PASS" in stdout
    assert slice_lines(stdout, "my_backward") == {"x[0, :]": "ok", "x[1, :]": "ok"}


def test_all_ones_upstream_hides_the_stale_counter(tmp_path):
    # The README's second lesson: with g = ones the true gradient is zero, and the
    # stale counter is zero too, so its check passes.
    notebook = build_notebook(classic_state(upstream=np.ones((2, 2)), g_text="ones"))
    stdout, arrays = run_notebook(notebook, tmp_path)
    assert "my_backward: PASS" in stdout
    assert np.max(np.abs(arrays["dx"])) < 1e-16


# --- other functions and masks: reference values ------------------------------------


def test_log_softmax_notebook_gives_the_reference_gradient(tmp_path):
    # Reference (issue 13, PyTorch): x = [[1, 2], [3, 4]], axis 1, g = [[2, 0], [0, 1]].
    g = np.array([[2.0, 0.0], [0.0, 1.0]])
    state = classic_state(upstream=g, function="log_softmax", g_text="")
    stdout, arrays = run_notebook(build_notebook(state), tmp_path)
    expected = [[1.46211716, -1.46211716], [-0.26894142, 0.26894142]]
    np.testing.assert_allclose(arrays["dx"], expected, atol=5e-9)
    out = sc.log_softmax(CLASSIC_X, 1)
    np.testing.assert_allclose(arrays["dx"], sc.log_softmax_vjp(out, g, 1), rtol=1e-13)
    assert "the correct backward pass: PASS" in stdout
    assert slice_lines(stdout, "my_backward")["x[1, :]"] == "WRONG"


def test_cross_entropy_notebook_gives_the_reference_loss_and_y_minus_t(tmp_path):
    # Reference (issue 13, PyTorch's F.cross_entropy, mean): target = [1, 0].
    state = classic_state(
        upstream=np.array(1.0), function="cross_entropy", target=np.array([1, 0])
    )
    stdout, arrays = run_notebook(build_notebook(state), tmp_path, dump=("t", "dx"))
    assert "L = cross-entropy: 0.81326168" in stdout
    expected = [[0.13447071, -0.13447071], [-0.36552929, 0.36552929]]
    np.testing.assert_allclose(arrays["dx"], expected, atol=5e-9)
    np.testing.assert_array_equal(arrays["t"], [[0.0, 1.0], [1.0, 0.0]])
    assert "the correct backward pass: PASS" in stdout
    assert slice_lines(stdout, "my_backward") == {"x[0, :]": "ok", "x[1, :]": "WRONG"}


def test_causal_mask_follows_the_core(tmp_path):
    x = np.arange(1.0, 10.0).reshape(3, 3)
    causal = np.tril(np.ones((3, 3), dtype=bool))
    g = np.random.default_rng(3).standard_normal((3, 3))
    state = NotebookState(x, 1, 1.0, g, where=causal)
    stdout, arrays = run_notebook(build_notebook(state), tmp_path, dump=("y", "dx"))
    # Reference (issue 13): softmax rows under the causal mask.
    np.testing.assert_allclose(
        arrays["y"],
        [[1, 0, 0], [0.26894142, 0.73105858, 0], [0.09003057, 0.24472847, 0.66524096]],
        atol=5e-9,
    )
    y = sc.softmax(x, 1, where=causal)
    np.testing.assert_allclose(arrays["y"], y, rtol=1e-13)
    np.testing.assert_allclose(
        arrays["dx"], sc.softmax_vjp(y, g, 1, where=causal), rtol=1e-12, atol=1e-17
    )
    assert "the correct backward pass: PASS" in stdout


# --- every digit, every kind of x ---------------------------------------------------


def test_numbers_keep_every_digit_inline_and_base64(tmp_path):
    small = np.array([[0.1, 1 / 3], [-2.5e-300, 7e10]])
    big = np.random.default_rng(5).standard_normal((30, 20)) / 7  # > INLINE_LIMIT
    assert big.size > INLINE_LIMIT
    for x in (small, big):
        g = np.random.default_rng(6).standard_normal(x.shape)
        state = NotebookState(x, 0, 1 / 3, g)
        _, arrays = run_notebook(build_notebook(state), tmp_path)
        np.testing.assert_array_equal(arrays["x"], x)
        np.testing.assert_array_equal(arrays["g"], g)
        y = sc.softmax(x, 0, temperature=1 / 3)
        expected = sc.softmax_vjp(y, g, 0, temperature=1 / 3)
        np.testing.assert_allclose(arrays["dx"], expected, rtol=1e-10, atol=1e-300)


def test_random_x_is_the_same_generator_call(tmp_path):
    spec = RandomSpec((2, 3, 4), seed=7, scale=1.5)
    x = spec.generate()
    g = np.ones_like(x)
    notebook = build_notebook(NotebookState(x, -1, 1.0, g, x_text=str(spec)))
    assert "1.5 * np.random.default_rng(7).standard_normal((2, 3, 4))" in (
        notebook.cells[1].source
    )
    _, arrays = run_notebook(notebook, tmp_path)
    np.testing.assert_array_equal(arrays["x"], x)


def test_non_finite_x_says_why_the_check_is_not_run(tmp_path):
    x = np.array([[1.0, -np.inf, 2.0], [-np.inf, -np.inf, -np.inf]])
    notebook = build_notebook(NotebookState(x, 1, 1.0, np.ones_like(x)))
    stdout, arrays = run_notebook(notebook, tmp_path)
    assert "PASS" not in stdout and "FAIL" not in stdout
    assert any(
        "central differences need finite logits" in c.source for c in notebook.cells
    )
    y = sc.softmax(x, 1)
    np.testing.assert_array_equal(arrays["dx"], sc.softmax_vjp(y, np.ones_like(x), 1))


def test_too_large_arrays_are_refused_with_a_reason():
    x = np.zeros(MAX_NOTEBOOK_ELEMENTS + 1)
    state = NotebookState(x, 0, 1.0, np.zeros_like(x))
    assert "x and g have more than 250,000 entries" in str(notebook_refusal(state))
    with pytest.raises(ValueError, match="too many to write into a notebook"):
        build_notebook(state)
    # a random(...) x is its generator call, whatever its size
    spec = RandomSpec((MAX_NOTEBOOK_ELEMENTS + 1,), seed=0)
    state = NotebookState(spec.generate(), 0, 1.0, np.zeros(1), x_text=str(spec))
    assert notebook_refusal(state) is None


# --- a property: any shape, any axes -------------------------------------------------


@st.composite
def views(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    ndim = len(shape)
    axis = draw(
        st.one_of(
            st.none(),
            st.integers(-ndim, ndim - 1),
            st.lists(st.integers(0, ndim - 1), min_size=1, unique=True).map(tuple),
        )
    )
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    x = draw(st.sampled_from([1.0, 5.0])) * rng.standard_normal(shape)
    g = rng.standard_normal(shape)
    t = draw(st.sampled_from([0.5, 1.0, 2.0]))
    return x, axis, t, g


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(view=views())
def test_any_view_runs_and_agrees_with_the_core(tmp_path, view):
    x, axis, t, g = view
    notebook = build_notebook(NotebookState(x, axis, t, g))
    nbformat.validate(notebook)
    stdout, arrays = run_notebook(notebook, tmp_path)
    y = sc.softmax(x, axis, temperature=t)
    expected = sc.softmax_vjp(y, g, axis, temperature=t)
    np.testing.assert_allclose(arrays["dx"], expected, rtol=1e-10, atol=1e-15)
    assert "the correct backward pass: PASS" in stdout


# --- the button ---------------------------------------------------------------------


def _button_script(size: int) -> None:
    import numpy as np

    from softmax_app.notebook import notebook_download
    from softmax_app.panel import Inputs

    x = np.arange(float(size)).reshape(1, size)
    inputs = Inputs(x, "typed", (1,), "1", 1.0, np.ones_like(x), "ones")
    notebook_download(inputs, implementation="stale_counter")


@pytest.mark.parametrize("size", [4, MAX_NOTEBOOK_ELEMENTS + 1])
def test_download_button_or_the_reason_there_is_none(size):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_button_script, args=(size,), default_timeout=60).run()
    assert not at.exception
    buttons = at.get("download_button")
    if size == 4:
        assert [b.proto.label for b in buttons] == ["Download notebook (.ipynb)"]
    else:
        assert not buttons
        assert (
            "No notebook for this input: x and g have more than" in at.caption[0].value
        )
