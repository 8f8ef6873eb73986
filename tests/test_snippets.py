"""The "Reproduce in code" snippets really reproduce the page's numbers."""

import contextlib
import io

import numpy as np
import pytest

import softmax_core as sc
from softmax_app.exports import to_npy_bytes
from softmax_app.snippets import INLINE_LIMIT, python_literal, snippets
from softmax_core import parse_array
from softmax_core._validation import normalize_axes
from softmax_core.specs import RandomSpec, make_upstream


def _upstream(x, axis, g_text):
    axes = normalize_axes(axis, np.shape(x), "test")
    return make_upstream(g_text, x, axes, parse=parse_array)


def _run_numpy(code):
    namespace = {}
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<numpy snippet>", "exec"), namespace)  # our own code
    return namespace, out.getvalue()


def _check(x, x_text, axis, temperature, g_text):
    g = _upstream(x, axis, g_text)
    codes = snippets(x, x_text, axis, temperature, g, g_text)
    assert set(codes) == {"NumPy", "PyTorch", "JAX"}
    ns, printed = _run_numpy(codes["NumPy"])
    # independent of the snippet: what the page shows
    y = sc.softmax(x, axis, temperature=temperature)
    dx = sc.softmax_vjp(y, g, axis, temperature=temperature)
    np.testing.assert_array_equal(ns["x"], x)
    np.testing.assert_array_equal(ns["g"], g)
    np.testing.assert_array_equal(ns["y"], y)
    np.testing.assert_array_equal(ns["dx"], dx)
    for name in ("PyTorch", "JAX"):
        compile(codes[name], f"<{name} snippet>", "exec")
    return codes, printed


def test_classic_inline_with_ones_gives_zero_gradient():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    codes, printed = _check(x, "[[1, 2], [3, 4]]", 1, 1.0, "ones")
    assert "x = np.array([[1.0, 2.0]," in codes["NumPy"]
    assert "0.26894142" in printed
    assert "PASS" in printed  # the gradcheck line ran
    assert "dim=1" in codes["PyTorch"]


def test_random_spec_becomes_its_generator_with_tuple_axis():
    spec = RandomSpec((2, 3, 4), seed=0, scale=1.5)
    codes, _ = _check(spec.generate(), str(spec), (0, 2), 2.0, "onehot")
    assert "default_rng(0).standard_normal((2, 3, 4))" in codes["NumPy"]
    assert "axis=(0, 2)" in codes["NumPy"]
    assert "logsumexp" in codes["PyTorch"]  # torch.softmax takes one dim


def test_inline_array_tuple_axis_array_g():
    x = np.arange(12.0).reshape(2, 2, 3) / 7
    g_text = "[[[1, 0, 0], [0, 1, 0]], [[0, 0, 1], [1, 1, 1]]]"
    codes, _ = _check(x, "whatever the user typed", (1, 2), 0.5, g_text)
    assert "g = np.array(" in codes["NumPy"]


def test_random_g_and_axis_none():
    x = np.array([[0.5, -1.0], [2.0, 0.25]])
    _check(x, "[[0.5, -1], [2, 0.25]]", None, 1.0, "random")


def test_temperature_keeps_every_digit():
    x = np.array([1.0, 2.0, 4.0])
    codes, _ = _check(x, "[1, 2, 4]", -1, 1 / 3, "onehot")
    assert "temperature=0.3333333333333333" in codes["NumPy"]


def test_non_finite_x_skips_the_gradient_check():
    x = np.array([[1.0, -np.inf, 2.0], [-np.inf, -np.inf, -np.inf]])
    codes, _ = _check(x, "[[1, -inf, 2], [-inf, -inf, -inf]]", -1, 1.0, "ones")
    assert "gradcheck" not in codes["NumPy"].split("import softmax_core as sc")[1]
    assert "-np.inf" in codes["NumPy"]


def test_large_arrays_load_the_downloads(tmp_path, monkeypatch):
    x = np.random.default_rng(5).standard_normal((10, 10))  # > INLINE_LIMIT
    assert x.size > INLINE_LIMIT
    g = np.random.default_rng(6).standard_normal((10, 10))
    g_text = python_literal(g)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.npy").write_bytes(to_npy_bytes(x))
    (tmp_path / "g.npy").write_bytes(to_npy_bytes(g))
    codes, _ = _check(x, python_literal(x), 0, 1.0, g_text)
    assert 'np.load("x.npy")' in codes["NumPy"]
    assert 'np.load("g.npy")' in codes["NumPy"]


def test_python_literal_round_trips_exactly():
    a = np.array([[0.1, 1 / 3, -0.0], [np.nan, np.inf, -np.inf]])
    back = eval(python_literal(a), {"np": np})  # our own generated literal
    np.testing.assert_array_equal(np.array(back), a)


TORCH_CASES = [
    (np.array([[1.0, 2.0], [3.0, 5.0]]), "", 1, 1.0, "[[1, 0], [0, 1]]"),
    (RandomSpec((2, 3, 4), 0, 2.0).generate(), "random(2, 3, 4; seed=0; scale=2)",
     (0, 2), 0.5, "onehot"),
    (np.array([0.5, -1.0, 3.0]), "", None, 2.0, "random"),
]  # fmt: skip


@pytest.mark.parametrize(("x", "x_text", "axis", "t", "g_text"), TORCH_CASES)
def test_pytorch_snippet_runs_when_torch_is_installed(x, x_text, axis, t, g_text):
    pytest.importorskip("torch")
    g = _upstream(x, axis, g_text)
    codes = snippets(x, x_text, axis, t, g, g_text)
    ns = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(codes["PyTorch"], ns)  # our own generated code
    y = sc.softmax(x, axis, temperature=t)
    np.testing.assert_allclose(ns["y"].detach().numpy(), y, rtol=1e-12)
    np.testing.assert_allclose(
        ns["xt"].grad.numpy(),
        sc.softmax_vjp(y, g, axis, temperature=t),
        rtol=1e-9,
        atol=1e-14,
    )
