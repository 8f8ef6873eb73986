"""The code snippets run outside this project and print the page's numbers.

Each NumPy snippet runs in a fresh interpreter that cannot import this project
(``python -I -S`` with only NumPy's site directory on the path, cwd a temporary
folder holding the downloads), as a student's Colab would. Its printed numbers,
and the arrays it computed, are compared with softmax_core's, which is what the
page shows.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import softmax_core as sc
from softmax_app.inputs import RandomSpec, make_upstream
from softmax_app.render.exports import to_npy_bytes
from softmax_app.render.snippets import (
    INLINE_LIMIT,
    Check,
    Loss,
    python_literal,
    snippets,
)
from softmax_core import parse_array
from softmax_core.slices import normalize_axes

NUMPY_SITE = str(Path(np.__file__).resolve().parent.parent)
# Fails the run if the snippet reaches for this project (it must not be found).
_GUARD = """
import sys
sys.path.append({site!r})
try:
    import softmax_core  # noqa
except ImportError:
    pass
else:
    raise SystemExit("softmax_core is importable: the isolation failed")
"""


def run_isolated(
    code: str, tmp_path: Path, *, files=None, dump=(), module="numpy"
) -> tuple[str, dict[str, np.ndarray]]:
    """Run `code` without this project on the path; return stdout and dumped arrays."""
    for name, array in (files or {}).items():
        (tmp_path / name).write_bytes(to_npy_bytes(array))
    saves = "".join(f'\nnp.save("out_{n}.npy", np.asarray({n}))' for n in dump)
    site = str(Path(__import__(module).__file__).resolve().parent.parent)
    script = _GUARD.format(site=site) + code + saves
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    arrays = {n: np.load(tmp_path / f"out_{n}.npy") for n in dump}
    return result.stdout, arrays


def printed_arrays(stdout: str) -> dict[str, np.ndarray]:
    """The snippet's printed blocks: label line ending in ':' then the numbers."""
    blocks: dict[str, list[str]] = {}
    label = None
    for line in stdout.splitlines():
        if line.endswith(":") and not line.lstrip().startswith("["):
            label = line[:-1]
            blocks[label] = []
        elif ": " in line:  # a one-line result such as the gradcheck verdict
            label = None
        elif label is not None:
            blocks[label].append(line)
    out = {}
    for name, lines in blocks.items():
        text = " ".join(lines).replace("[", " ").replace("]", " ")
        out[name] = np.array([float(v) for v in text.split()])
    return out


def _upstream(x, axis, g_text):
    axes = normalize_axes(axis, np.shape(x), "test")
    return make_upstream(g_text, x, axes, parse=parse_array)


def page_numbers(x, axis, t, g):
    """What the page shows, from softmax_core."""
    y = sc.softmax(x, axis, temperature=t)
    return {"y": y, "dx": sc.softmax_vjp(y, g, axis, temperature=t)}


def assert_close(actual, expected, name):
    np.testing.assert_allclose(
        actual, expected, rtol=1e-11, atol=1e-300, equal_nan=True, err_msg=name
    )


def assert_printed(printed, label, expected):
    np.testing.assert_allclose(
        printed[label],
        np.asarray(expected, dtype=np.float64).ravel(),
        rtol=1e-7,
        atol=1e-8,  # printed with 8 decimals
        equal_nan=True,
        err_msg=label,
    )


def check_numpy(tmp_path, x, x_text, axis, t, g_text, files=None, **options):
    g = _upstream(x, axis, g_text)
    codes = snippets(x, x_text, axis, t, g, g_text, **options)
    assert set(codes) == {"NumPy", "PyTorch", "JAX"}
    for name, code in codes.items():
        assert "softmax_core" not in code, name
        assert "softmax_app" not in code, name
        compile(code, f"<{name} snippet>", "exec")
    names = ["x", "g", "y", "dx"]
    if options.get("jacobian"):
        names.append("J")
    if options.get("stability"):
        names += ["naive", "log_naive", "log_y"]
    stdout, arrays = run_isolated(codes["NumPy"], tmp_path, files=files, dump=names)
    page = page_numbers(x, axis, t, g)
    np.testing.assert_array_equal(arrays["x"], x)  # the same input, bit for bit
    np.testing.assert_array_equal(arrays["g"], g)
    assert_close(arrays["y"], page["y"], "y")
    assert_close(arrays["dx"], page["dx"], "dx")
    printed = printed_arrays(stdout)
    assert_printed(printed, "y = softmax(x / T)", page["y"])
    assert_printed(printed, "dL/dx", page["dx"])
    return codes, stdout, arrays, printed


def test_classic_inline_with_ones_gives_zero_gradient(tmp_path):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    codes, stdout, _, _ = check_numpy(tmp_path, x, "[[1, 2], [3, 4]]", 1, 1.0, "ones")
    assert "x = np.array([[1.0, 2.0]," in codes["NumPy"]
    assert "g = np.ones_like(x)" in codes["NumPy"]
    assert "0.26894142" in stdout
    assert "dim=axis" in codes["PyTorch"]


def test_random_spec_is_the_same_generator_call_with_tuple_axis_and_jacobians(
    tmp_path,
):
    spec = RandomSpec((2, 3, 4), seed=7, scale=1.0)
    x = spec.generate()
    codes, _, arrays, printed = check_numpy(
        tmp_path, x, str(spec), (0, 2), 0.5, "onehot", jacobian=True
    )
    assert "default_rng(7).standard_normal((2, 3, 4))" in codes["NumPy"]
    assert "axis = (0, 2)" in codes["NumPy"]
    assert "logsumexp" in codes["PyTorch"]  # torch.softmax takes one dim
    y = sc.softmax(x, (0, 2), temperature=0.5)
    stack = sc.slice_jacobians(y, (0, 2), temperature=0.5)
    assert arrays["J"].shape == stack.shape
    np.testing.assert_allclose(arrays["J"], stack, rtol=1e-11, atol=1e-17)
    assert_printed(printed, "J (per-slice Jacobians)", stack)


def test_issue_example_random_axis_1_ones(tmp_path):
    # x = random(2, 3, 4; seed=7; scale=1), axis 1, g = ones: dL/dx is zero.
    spec = RandomSpec((2, 3, 4), seed=7)
    _, _, arrays, printed = check_numpy(
        tmp_path, spec.generate(), "random(2, 3, 4; seed=7; scale=1)", 1, 1.0, "ones"
    )
    assert np.max(np.abs(arrays["dx"])) < 1e-15
    np.testing.assert_array_equal(printed["dL/dx"], 0.0)  # rounding prints as 0


def test_scale_keeps_every_digit_and_axis_none_with_random_g(tmp_path):
    spec = RandomSpec((3, 5), seed=3, scale=1.2345678901)
    text = "random(3, 5; seed=3; scale=1.2345678901)"
    codes, *_ = check_numpy(tmp_path, spec.generate(), text, None, 2.0, "random")
    assert "1.2345678901 * np.random.default_rng(3)" in codes["NumPy"]
    assert "np.random.default_rng(0).standard_normal(x.shape)" in codes["NumPy"]


def test_a_spec_that_did_not_make_x_is_not_used(tmp_path):
    # the Stability page passes x times the logit scale: not the spec's numbers
    spec = RandomSpec((2, 3), seed=0)
    x = 3 * spec.generate()
    codes, *_ = check_numpy(tmp_path, x, str(spec), -1, 1.0, "onehot")
    assert "default_rng" not in codes["NumPy"].split("axis =")[0]


def test_temperature_keeps_every_digit(tmp_path):
    x = np.arange(24.0).reshape(2, 3, 4) / 7
    codes, *_ = check_numpy(tmp_path, x, "", -1, 1 / 3, "onehot")
    assert "T = 0.3333333333333333" in codes["NumPy"]


def test_array_g_and_int_axis_in_the_middle(tmp_path):
    x = np.arange(12.0).reshape(2, 2, 3) / 7
    g_text = "[[[1, 0, 0], [0, 1, 0]], [[0, 0, 1], [1, 1, 1]]]"
    codes, *_ = check_numpy(tmp_path, x, "typed", 1, 0.5, g_text)
    assert "g = np.array(" in codes["NumPy"]


def test_onehot_ties_and_nan_match_the_core(tmp_path):
    # ties pick the first max; NaN counts as -inf (the core's nan-safe argmax)
    x = np.array([[2.0, 2.0, 1.0], [np.nan, 1.0, 3.0], [0.0, 5.0, 5.0]])
    for axis in (0, 1, (0, 1)):
        check_numpy(tmp_path, x, "", axis, 1.0, "onehot")


def test_non_finite_slices_follow_the_page(tmp_path):
    # -inf gets 0; an all -inf slice zeros; NaN or +inf poisons its slice
    x = np.array(
        [
            [1.0, -np.inf, 2.0],
            [-np.inf, -np.inf, -np.inf],
            [np.nan, 1.0, 2.0],
            [np.inf, 0.0, 1.0],
        ]
    )
    codes, _, arrays, printed = check_numpy(
        tmp_path, x, "", -1, 1.0, "onehot", stability=True
    )
    assert "-np.inf" in codes["NumPy"]
    np.testing.assert_array_equal(arrays["y"][1], 0.0)
    assert np.isnan(arrays["y"][2:]).all()
    assert "all -inf" in codes["PyTorch"] and "all -inf" in codes["JAX"]


def test_stability_arrays_match_the_core(tmp_path):
    x = 300 * np.array([[1.0, 2.0], [3.0, -4.0], [0.0, -800.0]])
    _, _, arrays, printed = check_numpy(
        tmp_path, x, "", 1, 1.0, "onehot", stability=True
    )
    with np.errstate(all="ignore"):
        expected = {
            "naive": sc.naive_softmax(x, 1),
            "log_naive": sc.naive_log_softmax(x, 1),
            "log_y": sc.log_softmax(x, 1),
        }
    for name, label in (
        ("naive", "naive softmax"),
        ("log_naive", "log(softmax(x))"),
        ("log_y", "log_softmax(x)"),
    ):
        assert_close(arrays[name], expected[name], name)
        assert_printed(printed, label, expected[name])
    assert np.isnan(arrays["naive"][1, 0])  # exp(900) overflowed


def test_large_arrays_load_the_downloads(tmp_path):
    x = np.random.default_rng(5).standard_normal((10, 10))  # > INLINE_LIMIT
    assert x.size > INLINE_LIMIT
    g = np.random.default_rng(6).standard_normal((10, 10))
    codes, *_ = check_numpy(
        tmp_path,
        x,
        python_literal(x),
        0,
        1.0,
        python_literal(g),
        files={"x.npy": x, "g.npy": g},
    )
    assert 'np.load("x.npy")' in codes["NumPy"]
    assert 'np.load("g.npy")' in codes["NumPy"]


def test_gradcheck_snippet_prints_the_numeric_gradient_and_verdict(tmp_path):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    check = Check("stale_counter", correct=False, eps=1e-4, rtol=1e-2, atol=1e-6)
    codes, stdout, _, printed = check_numpy(
        tmp_path, x, "", 1, 1.0, "[[1, 0], [0, 1]]", check=check
    )
    assert "stale_counter" in codes["NumPy"] and "planted bug" in codes["NumPy"]
    assert "eps=0.0001" in codes["NumPy"] and "atol, rtol = 1e-06, 0.01" in codes[
        "NumPy"
    ]
    report = sc.gradcheck(x, np.eye(2), 1, mode="sliced", eps=1e-4)
    np.testing.assert_allclose(
        printed["numeric (central differences)"], report.numeric.ravel(), atol=1e-8
    )
    assert "gradcheck of softmax_vjp: PASS" in stdout


def test_gradcheck_snippet_skips_the_loop_for_large_arrays():
    x = np.zeros((70, 70))
    codes = snippets(x, "", 1, 1.0, np.ones_like(x), "ones", check=Check())
    assert "def numeric_gradient" not in codes["NumPy"]
    assert "4,096" in codes["NumPy"]


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
def test_pytorch_snippet_runs_when_torch_is_installed(
    tmp_path, x, x_text, axis, t, g_text
):
    pytest.importorskip("torch")
    g = _upstream(x, axis, g_text)
    codes = snippets(x, x_text, axis, t, g, g_text)
    stdout, arrays = run_isolated(
        codes["PyTorch"],
        tmp_path,
        module="torch",
    )
    page = page_numbers(x, axis, t, g)
    printed = printed_arrays(stdout)
    assert_printed(printed, "y = softmax(x / T)", page["y"])
    assert_printed(printed, "dL/dx", page["dx"])


# --- log-softmax, cross-entropy and masks -------------------------------------
# Reference values from the issue, computed with PyTorch 2.13.0 (float64):
# torch.log_softmax(x, 1).backward(g) for log-softmax, and
# torch.nn.functional.cross_entropy(x, torch.tensor([1, 0])) for the loss.
CLASSIC_X = np.array([[1.0, 2.0], [3.0, 4.0]])
LOG_SOFTMAX_DX = [[1.46211716, -1.46211716], [-0.26894142, 0.26894142]]
CE_LOSS = 0.81326169
CE_DX = [[0.13447071, -0.13447071], [-0.36552929, 0.36552929]]
CAUSAL_Y = [
    [1.0, 0.0, 0.0],
    [0.26894142, 0.73105858, 0.0],
    [0.09003057, 0.24472847, 0.66524096],
]


def run_loss_snippet(tmp_path, x, axis, g_text, loss, dump=("y", "dx"), **options):
    g = _upstream(x, axis, g_text)
    codes = snippets(x, "typed", axis, 1.0, g, g_text, loss=loss, **options)
    for name, code in codes.items():
        assert "softmax_core" not in code and "softmax_app" not in code, name
        compile(code, f"<{name} snippet>", "exec")
    stdout, arrays = run_isolated(codes["NumPy"], tmp_path, dump=dump)
    return codes, stdout, arrays


def test_log_softmax_snippet_gives_the_reference_gradient(tmp_path):
    loss = Loss("log_softmax")
    codes, stdout, arrays = run_loss_snippet(
        tmp_path, CLASSIC_X, 1, "[[2, 0], [0, 1]]", loss
    )
    np.testing.assert_allclose(arrays["dx"], LOG_SOFTMAX_DX, rtol=1e-8)
    assert_printed(printed_arrays(stdout), "dL/dx", LOG_SOFTMAX_DX)
    assert "torch.log_softmax" in codes["PyTorch"]
    assert "jax.nn.log_softmax" in codes["JAX"]


def test_cross_entropy_snippet_prints_the_loss_and_y_minus_t(tmp_path):
    target = np.array([[0.0, 1.0], [1.0, 0.0]])
    loss = Loss("cross_entropy", target=target, target_text="[1, 0]")
    codes, stdout, arrays = run_loss_snippet(tmp_path, CLASSIC_X, 1, "onehot", loss)
    np.testing.assert_allclose(arrays["dx"], CE_DX, rtol=1e-8)
    assert f"loss: {CE_LOSS:.8f}" in stdout
    assert "g = " not in codes["NumPy"]  # the loss takes t, not an upstream g


def test_causal_mask_snippet_gives_the_reference_rows_and_masked_zeros(tmp_path):
    x = np.arange(1.0, 10.0).reshape(3, 3)
    mask = np.tri(3, dtype=bool)
    loss = Loss("softmax", mask=mask, mask_text="causal")
    codes, _, arrays = run_loss_snippet(
        tmp_path, x, 1, "[[1,0,0],[0,1,0],[0,0,1]]", loss, jacobian=True,
        dump=("y", "dx", "J"),
    )
    np.testing.assert_allclose(arrays["y"], CAUSAL_Y, rtol=1e-7, atol=1e-12)
    y = sc.softmax(x, 1, where=mask)
    g = np.eye(3)
    np.testing.assert_allclose(
        arrays["dx"], sc.softmax_vjp(y, g, 1, where=mask), rtol=1e-12, atol=1e-300
    )
    assert np.all(arrays["dx"][~mask] == 0)
    np.testing.assert_allclose(
        arrays["J"], sc.slice_jacobians(y, 1, where=mask), rtol=1e-12, atol=1e-300
    )
    assert "np.tri(" in codes["NumPy"] and "where=keep" in codes["JAX"]


def test_fully_masked_log_softmax_snippet_gives_zeros_not_nan(tmp_path):
    mask = np.array([[True, False], [False, False]])
    loss = Loss("log_softmax", mask=mask, mask_text="[[1, 0], [0, 0]]")
    _, _, arrays = run_loss_snippet(
        tmp_path, CLASSIC_X, 1, "[[2, 0], [0, 1]]", loss, jacobian=True,
        dump=("y", "dx", "J"),
    )
    log_y = sc.log_softmax(CLASSIC_X, 1, where=mask)
    expected = sc.log_softmax_vjp(log_y, [[2.0, 0.0], [0.0, 1.0]], 1, where=mask)
    np.testing.assert_array_equal(arrays["dx"], expected)
    np.testing.assert_array_equal(arrays["y"], [[1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(
        arrays["J"],
        sc.slice_jacobians(log_y, 1, function="log_softmax", where=mask),
        atol=1e-300,
    )


# --- the Gradcheck page's check for log-softmax, cross-entropy and masks ------


@pytest.mark.parametrize(
    ("function", "g_text", "mask", "expected"),
    [
        ("log_softmax", "[[2, 0], [0, 1]]", None, LOG_SOFTMAX_DX),
        ("cross_entropy", "onehot", None, CE_DX),
        ("log_softmax", "[[2, 0], [0, 1]]", [[True, True], [False, True]], None),
        ("softmax", "[[2, 0], [0, 1]]", [[True, False], [True, True]], None),
        ("cross_entropy", "onehot", [[True, True], [False, False]], None),
    ],
)
def test_loss_snippets_write_the_gradient_check_of_their_own_loss(
    tmp_path, function, g_text, mask, expected
):
    keep = None if mask is None else np.array(mask)
    target = None
    if function == "cross_entropy":
        target = np.array([[0.0, 1.0], [1.0, 0.0]])
        if keep is not None:
            target = np.array([[0.0, 1.0], [0.0, 0.0]])  # the masked slice: none
    loss = Loss(function, mask=keep, mask_text=str(mask), target=target,
                target_text="[1, 0]")  # fmt: skip
    check = Check("vectorized", correct=True)
    codes, stdout, arrays = run_loss_snippet(
        tmp_path, CLASSIC_X, 1, g_text, loss, check=check,
        dump=("dx", "numeric"),
    )  # fmt: skip
    assert "def loss_of" in codes["NumPy"]
    if expected is None:  # the core's gradient under the mask (what the page shows)
        g = _upstream(CLASSIC_X, 1, g_text)
        expected = {
            "softmax": lambda: sc.softmax_vjp(
                sc.softmax(CLASSIC_X, 1, where=keep), g, 1, where=keep),
            "log_softmax": lambda: sc.log_softmax_vjp(
                sc.log_softmax(CLASSIC_X, 1, where=keep), g, 1, where=keep),
            "cross_entropy": lambda: sc.cross_entropy_grad(
                CLASSIC_X, target, 1, where=keep),
        }[function]()  # fmt: skip
    np.testing.assert_allclose(arrays["dx"], expected, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(arrays["numeric"], expected, atol=1e-8)
    if keep is not None:
        assert np.all(arrays["numeric"][~keep] == 0.0)
    assert f"gradcheck of the {function} backward pass: PASS" in stdout
    assert_printed(
        printed_arrays(stdout), "numeric (central differences)", expected
    )
