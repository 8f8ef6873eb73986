"""The fused numba path computes what the NumPy reference computes.

Three layers:

* every test of ``test_functions.py`` and ``test_backward.py`` runs again here
  on each path, forced by the module-scoped ``path`` fixture (the originals run
  in "auto" mode, where their small arrays take the NumPy path);
* hypothesis compares the two paths on random shapes, axes, temperatures and
  dtypes with ``-inf``, NaN and huge entries mixed in (float64 to 1e-12
  relative, float32 to 1e-5);
* edge cases the kernels handle in their own way: slices longer than one
  block (the online max/sum rescaling), strided axes, Fortran order, views.

numba is the optional ``fast`` extra: without it this whole module is skipped
(``make test EXTRAS=fast`` runs it).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from softmax_core import log_softmax, log_softmax_vjp, softmax, softmax_vjp
from softmax_core.paths import use_path
from softmax_core.slices import normalize_axes
from tests.core import test_backward, test_functions
from tests.strategies import FAST, axes_for, shapes

# The fast path is optional twice over: the "fast" extra (numba) and the
# softmax_core.fast package itself, which may be deleted.
numba = pytest.importorskip("numba", reason="the fast path is the 'fast' extra")
dispatch = pytest.importorskip("softmax_core.fast.dispatch")


@pytest.fixture(scope="module", params=["numpy", "fast"])
def path(request: pytest.FixtureRequest) -> Iterator[str]:
    """Force one path; module scope, so hypothesis tests may use it too."""
    with use_path(request.param):
        yield request.param


def _on_both_paths(test: Callable[..., None]) -> Callable[..., None]:
    """A copy of `test` run under the `path` fixture (the original is untouched)."""

    @functools.wraps(test)
    def run(*args: object, **kwargs: object) -> None:
        test(*args, **kwargs)

    return pytest.mark.usefixtures("path")(run)


# The core's own tests, collected again in this module (pytest collects any
# test_* function it finds here) and run once per path.
for _module in (test_functions, test_backward):
    for _name, _test in vars(_module).items():
        if _name.startswith("test_") and callable(_test):
            globals()[_name] = _on_both_paths(_test)


def _both(func: Callable[..., np.ndarray], *args, **kwargs) -> tuple[np.ndarray, ...]:
    """``func(*args, **kwargs)`` on the NumPy path, then on the fast path."""
    with use_path("numpy"):
        ref = func(*args, **kwargs)
    with use_path("fast"):
        fast = func(*args, **kwargs)
    return ref, fast


def _rtol(dtype: np.dtype) -> float:
    return 1e-12 if np.dtype(dtype) == np.float64 else 1e-5


def _assert_probabilities_close(fast: np.ndarray, ref: np.ndarray) -> None:
    """Relative agreement; the tiny floor only covers denormal results."""
    assert fast.dtype == ref.dtype and fast.shape == ref.shape
    floor = 1e-300 if ref.dtype == np.float64 else 1e-37
    np.testing.assert_allclose(fast, ref, rtol=_rtol(ref.dtype), atol=floor)


def _assert_logs_close(fast: np.ndarray, ref: np.ndarray) -> None:
    """Relative agreement, plus the rounding of log(sum) for outputs near 0."""
    assert fast.dtype == ref.dtype and fast.shape == ref.shape
    rtol = _rtol(ref.dtype)
    np.testing.assert_allclose(fast, ref, rtol=rtol, atol=rtol / 10)


def _assert_gradients_close(fast: np.ndarray, ref: np.ndarray, scale: float) -> None:
    """Agreement up to the rounding of ``g - <g, y>`` (it can cancel): `scale`."""
    assert fast.dtype == ref.dtype and fast.shape == ref.shape
    rtol = _rtol(ref.dtype)
    np.testing.assert_allclose(fast, ref, rtol=rtol, atol=rtol * scale)


# --- the fast path really runs ------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "axis", "order"),
    [
        ((5, 7), -1, "C"),  # contiguous last axis: the row kernel
        ((5, 7), 0, "C"),  # first axis: the column kernel
        ((3, 4, 5), 1, "C"),  # middle axis
        ((3, 4, 5), (1, 2), "C"),  # adjacent axes, merged into one
        ((3, 4, 5), (0, 1), "C"),
        ((3, 4, 5), None, "C"),  # all axes: one slice
        ((3, 4, 5), 0, "F"),  # Fortran order, through the transpose
    ],
)
def test_forced_fast_path_uses_the_kernels(shape, axis, order):
    x = np.asfortranarray(np.ones(shape)) if order == "F" else np.ones(shape)
    axes = normalize_axes(axis, shape, "test")
    with use_path("fast"):
        assert dispatch.forward(x, axes, 1.0, None, log=False) is not None
        assert dispatch.backward(x, x, axes, 1.0, log=True) is not None


def test_what_the_kernels_leave_to_numpy():
    x = np.ones((3, 4, 5))
    with use_path("fast"):
        # A mask, axes that are not adjacent, an empty array.
        assert (
            dispatch.forward(x, (2,), 1.0, np.ones(x.shape, bool), log=False) is None
        )
        assert dispatch.forward(x, (0, 2), 1.0, None, log=False) is None
        assert dispatch.backward(x, x, (0, 2), 1.0, log=False) is None
        assert dispatch.forward(np.ones((0, 3)), (1,), 1.0, None, log=False) is None
    with use_path("numpy"):
        assert dispatch.forward(x, (2,), 1.0, None, log=False) is None


def test_auto_mode_uses_numpy_for_small_arrays_and_the_kernels_for_large_ones():
    small = np.ones(dispatch.MIN_FAST_SIZE - 1)
    large = np.ones(dispatch.MIN_FAST_SIZE)
    with use_path("auto"):
        assert dispatch.forward(small, (0,), 1.0, None, log=False) is None
        assert dispatch.forward(large, (0,), 1.0, None, log=False) is not None


def test_use_path_rejects_unknown_paths():
    with pytest.raises(ValueError, match="use_path"):
        with use_path("gpu"):  # type: ignore[arg-type]
            pass


# --- hypothesis: both paths agree -------------------------------------------------

SPECIAL = [-np.inf, np.inf, np.nan, 1e308, -1e308, 0.0]


@st.composite
def logits(draw: st.DrawFn, max_side: int = 6) -> tuple[np.ndarray, object, float]:
    """``(x, axis, temperature)``: float32/64, finite entries with some specials."""
    dtype = np.dtype(draw(st.sampled_from([np.float32, np.float64])))
    shape = draw(shapes(max_dims=4, max_side=max_side))
    finite = st.floats(-50, 50, width=8 * dtype.itemsize)
    x = draw(hnp.arrays(dtype, shape, elements=finite))
    specials = draw(
        st.lists(
            st.tuples(st.integers(0, x.size - 1), st.sampled_from(SPECIAL)), max_size=3
        )
    )
    with np.errstate(over="ignore"):  # 1e308 becomes inf in float32: fine
        for index, value in specials:
            x.flat[index] = value
    if draw(st.booleans()):  # a whole slice of -inf now and then
        x[(0,) * (x.ndim - 1)] = -np.inf
    t = draw(st.sampled_from([1.0, 0.5, 3.0]) | st.floats(0.05, 20.0))
    return x, draw(axes_for(shape)), t


@FAST
@given(logits())
def test_softmax_paths_agree(case):
    x, axis, t = case
    ref, fast = _both(softmax, x, axis, temperature=t)
    _assert_probabilities_close(fast, ref)


@FAST
@given(logits())
def test_log_softmax_paths_agree(case):
    x, axis, t = case
    ref, fast = _both(log_softmax, x, axis, temperature=t)
    _assert_logs_close(fast, ref)


@FAST
@given(logits(), st.data())
def test_softmax_vjp_paths_agree(case, data):
    x, axis, t = case
    y = softmax(x, axis, temperature=t)
    g = data.draw(_upstream(x))
    ref, fast = _both(softmax_vjp, y, g, axis, temperature=t)
    _assert_gradients_close(fast, ref, 10.0 / t)


@FAST
@given(logits(), st.data())
def test_log_softmax_vjp_paths_agree(case, data):
    x, axis, t = case
    ly = log_softmax(x, axis, temperature=t)
    g = data.draw(_upstream(x))
    ref, fast = _both(log_softmax_vjp, ly, g, axis, temperature=t)
    # |sum g| over a slice is at most 10 * size.
    _assert_gradients_close(fast, ref, 10.0 * (1 + x.size) / t)


def _upstream(x: np.ndarray) -> st.SearchStrategy[np.ndarray]:
    elements = st.floats(-10, 10, width=8 * x.itemsize)
    return hnp.arrays(x.dtype, x.shape, elements=elements)


# --- long slices: the online max/sum rescaling ---------------------------------------

# A row is read in blocks of 32768 float64 (65536 float32) entries; a band of
# columns in steps of 32 KiB. These slices are long enough to span several.
LONG = 70_000


def _long_slices(
    dtype, layout: str, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """Slices of length LONG whose max grows block after block (the rescale case)."""
    x = (rng.standard_normal((4, LONG)) + np.linspace(0, 40, LONG)).astype(dtype)
    x[1, : LONG // 2] = -np.inf  # the first blocks hold nothing
    x[2, ::-1].sort()  # max in the first block, never rescaled
    x[3] = x[3, ::-1] * 5  # decreasing, large range: many exps underflow
    if layout == "rows":
        return x, -1
    return np.ascontiguousarray(x.T), 0


@pytest.mark.parametrize("layout", ["rows", "columns"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("t", [1.0, 0.7])
def test_long_slices_agree_with_numpy(layout, dtype, t):
    x, axis = _long_slices(dtype, layout, np.random.default_rng(5))
    for func, assert_close in (
        (softmax, _assert_probabilities_close),
        (log_softmax, _assert_logs_close),
    ):
        ref, fast = _both(func, x, axis, temperature=t)
        if dtype == np.float32:
            # NumPy sums float32 naively along a strided axis: 70000 terms
            # are off by 4e-5 there. Compare with float64 rounded instead.
            ref = func(x.astype(np.float64), axis, temperature=t).astype(dtype)
        assert_close(fast, ref)
    np.testing.assert_allclose(
        np.exp(fast.astype(np.float64)).sum(axis=axis), 1.0, rtol=1e-4
    )


@pytest.mark.parametrize("layout", ["rows", "columns"])
@pytest.mark.parametrize("where", [10, 50_000])
def test_nan_anywhere_in_a_long_slice_poisons_only_that_slice(path, layout, where):
    # NaN in a block of -inf before the first finite value: no exp carries it.
    x = np.full((3, LONG), -np.inf)
    x[:, 40_000:] = 1.0
    x[1, where] = np.nan
    if layout == "columns":
        x, axis = np.ascontiguousarray(x.T), 0
    else:
        axis = -1
    y = softmax(x, axis)
    ly = log_softmax(x, axis)
    poisoned = np.isnan(y).all(axis=axis)
    assert poisoned.tolist() == [False, True, False]
    assert np.isnan(ly).all(axis=axis).tolist() == [False, True, False]
    clean = np.take(y, [0, 2], axis=1 - (axis % 2))
    np.testing.assert_allclose(clean.sum(axis=axis), 1.0, rtol=1e-12)


@pytest.mark.parametrize("layout", ["rows", "columns"])
def test_late_plus_inf_poisons_a_long_slice(path, layout):
    x = np.zeros((2, LONG))
    x[0, -1] = np.inf
    if layout == "columns":
        x, axis = np.ascontiguousarray(x.T), 0
    else:
        axis = -1
    y = softmax(x, axis)
    assert np.isnan(np.take(y, 0, axis=1 - axis % 2)).all()
    np.testing.assert_allclose(np.take(y, 1, axis=1 - axis % 2), 1 / LONG, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_all_minus_inf_long_slices_give_zeros_and_zero_gradients(path, dtype):
    x = np.full((LONG, 3), -np.inf, dtype=dtype)
    for axis in (0, 1):
        y = softmax(x, axis)
        ly = log_softmax(x, axis)
        assert (y == 0).all() and (ly == -np.inf).all()
        assert (softmax_vjp(y, np.ones_like(x), axis) == 0).all()
        assert (log_softmax_vjp(ly, np.ones_like(x), axis) == 0).all()


def test_huge_finite_logits_in_long_slices_stay_finite(path):
    x = np.zeros((2, LONG))
    x[:, ::7] = -1e308
    x[:, 2500] = 1e308
    for axis, a in ((-1, x), (0, np.ascontiguousarray(x.T))):
        y = softmax(a, axis)
        ly = log_softmax(a, axis)
        assert np.isfinite(y).all()
        np.testing.assert_array_equal(np.take(y, 2500, axis=axis), 1.0)
        # ly = -1e308 - lse for the zeros; -inf where x - max overflowed.
        assert np.take(ly, 2500, axis=axis).tolist() == [0.0, 0.0]
        assert np.isfinite(np.take(ly, [1, 2], axis=axis)).all()
        assert (np.take(ly, [0, 7], axis=axis) == -np.inf).all()


# --- layouts -----------------------------------------------------------------------


@pytest.mark.parametrize("axis", [0, 1, 2, (1, 2), None])
def test_fortran_order_and_strided_views_give_the_same_numbers(path, axis):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 5, 8)) * 4
    g = rng.standard_normal(x.shape)
    expected = softmax(x, axis, temperature=0.8)
    expected_grad = softmax_vjp(expected, g, axis, temperature=0.8)
    for variant in (np.asfortranarray(x), np.repeat(x, 2, axis=2)[:, :, ::2]):
        y = softmax(variant, axis, temperature=0.8)
        np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-300)
        grad = softmax_vjp(y, np.asfortranarray(g), axis, temperature=0.8)
        np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-13)


def test_inputs_are_not_modified(path):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((40, 50))
    g = rng.standard_normal((40, 50))
    keep_x, keep_g = x.copy(), g.copy()
    for axis in (0, 1):
        y = softmax(x, axis)
        ly = log_softmax(x, axis)
        keep_y, keep_ly = y.copy(), ly.copy()
        softmax_vjp(y, g, axis)
        log_softmax_vjp(ly, g, axis)
        np.testing.assert_array_equal(y, keep_y)
        np.testing.assert_array_equal(ly, keep_ly)
    np.testing.assert_array_equal(x, keep_x)
    np.testing.assert_array_equal(g, keep_g)


@pytest.mark.parametrize("dtype", [np.float16, np.int32, np.bool_])
def test_other_input_dtypes_match_numpy(dtype):
    x = (np.arange(5000) % 7).astype(dtype).reshape(50, 100)
    ref, fast = _both(softmax, x, 0)
    assert fast.dtype == ref.dtype
    np.testing.assert_allclose(
        fast.astype(np.float64),
        ref.astype(np.float64),
        rtol=1e-3 if dtype == np.float16 else 1e-12,
    )


def test_mixed_precision_vjp_matches_numpy():
    rng = np.random.default_rng(6)
    y = softmax(rng.standard_normal((30, 40)).astype(np.float32), 0)
    g = rng.standard_normal((30, 40))
    ref, fast = _both(softmax_vjp, y, g, 0)
    assert fast.dtype == ref.dtype == np.float64
    _assert_gradients_close(fast, ref, 10.0)


def test_warm_up_loads_the_kernels():
    assert dispatch.warm_up() is True


@pytest.mark.parametrize("axis", [-1, 0])
def test_arrays_large_enough_for_every_thread_agree(axis):
    # Over 4 MiB (8.4 MiB here), so the kernels run on all threads.
    rng = np.random.default_rng(7)
    x = rng.standard_normal((1100, 1000)) * 5
    x[3] = -np.inf
    x[:, 5] = np.nan
    g = rng.standard_normal(x.shape)
    assert x.nbytes > 8 * 1024 * 1024
    ref, fast = _both(softmax, x, axis)
    _assert_probabilities_close(fast, ref)
    ref, fast = _both(softmax_vjp, np.nan_to_num(ref), g, axis)
    _assert_gradients_close(fast, ref, 10.0)
    ref, fast = _both(log_softmax, x, axis)
    _assert_logs_close(fast, ref)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_kernel_exp_is_within_two_ulps_of_numpy(dtype):
    # The kernels' own exp (`kernels._exp`), mapped over arguments from the
    # underflow edge to 0 (where softmax uses it) and a little above, against
    # NumPy's exp computed in float64 (and rounded once for float32).
    from softmax_core.fast import kernels

    @numba.njit(cache=False)
    def exp_all(z, out):
        for i in range(z.shape[0]):
            out[i] = kernels._exp(z[i])

    @numba.njit(cache=False)
    def exp_nonpositive_all(z, out):
        for i in range(z.shape[0]):
            out[i] = kernels._exp_nonpositive(z[i])

    rng = np.random.default_rng(3)
    low = -745.2 if dtype == np.float64 else -103.9
    z = np.concatenate([
        rng.uniform(low, 0.0, 1_000_000),
        rng.uniform(-1.0, 1.0, 200_000),
        -np.abs(rng.standard_normal(10_000)) * 1e-9,
    ]).astype(dtype)
    out = np.empty_like(z)
    exp_all(z, out)
    exact = np.exp(z.astype(np.float64))
    if dtype == np.float32:
        # float64 is exact enough to stand for the true value here
        ulp = np.spacing(exact.astype(np.float32)).astype(np.float64)
    else:
        ulp = np.spacing(exact)
    # below the smallest normal a ulp is the smallest denormal
    tiny = np.finfo(dtype).smallest_subnormal
    errors = np.abs(out.astype(np.float64) - exact) / np.maximum(ulp, tiny)
    assert errors.max() <= 2.0
    # The variant for z <= 0 (softmax's x - max) gives the very same numbers.
    nonpositive = z <= 0
    out_nonpositive = np.empty_like(z)
    exp_nonpositive_all(z, out_nonpositive)
    np.testing.assert_array_equal(out_nonpositive[nonpositive], out[nonpositive])
    smallest = -744.4 if dtype == np.float64 else -103.2  # exp: the smallest denormal
    edge = np.array([np.nan, -np.inf, 0.0, -1e30, smallest, smallest - 1], dtype)
    out_edge = np.empty_like(edge)
    exp_nonpositive_all(edge, out_edge)
    tiny = np.finfo(dtype).smallest_subnormal
    np.testing.assert_array_equal(out_edge, [np.nan, 0.0, 1.0, 0.0, tiny, 0.0])
    special = np.array([np.nan, -np.inf, np.inf, 0.0, -1e30, 1e30], dtype)
    out = np.empty_like(special)
    exp_all(special, out)
    np.testing.assert_array_equal(out, [np.nan, 0.0, np.inf, 1.0, 0.0, np.inf])


def test_wide_vectors_never_override_numba_settings(monkeypatch):
    from numba.core import config

    from softmax_core.fast import kernels

    monkeypatch.setattr(config, "CPU_FEATURES", "+avx2")
    assert kernels._prefer_512_bit_vectors() is False
    assert config.CPU_FEATURES == "+avx2"


def test_wide_vectors_are_only_set_before_numba_compiles(monkeypatch):
    from numba.core import config

    from softmax_core.fast import kernels

    kernels.warm_up()  # numba has compiled: its target machine is fixed
    monkeypatch.setattr(config, "CPU_FEATURES", None)
    assert kernels._prefer_512_bit_vectors() is False
    assert config.CPU_FEATURES is None


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("rows", [4099, 9000])  # 3 rows left over after fours; none
def test_short_rows_in_fours_keep_each_row_to_itself(dtype, rows):
    # Short last-axis slices go through the kernel four at a time; a special
    # row in any position of a four (or among the rows left over) must only
    # change its own output.
    rng = np.random.default_rng(11)
    x = (rng.standard_normal((rows, 12)) * 4).astype(dtype)
    specials = {
        0: np.nan,  # NaN at the start of a four
        5: np.inf,  # +inf, second of a four
        10: -np.inf,  # a whole row of -inf, third of a four
        15: 1e30,  # huge but finite, last of a four
        rows - 1: np.nan,  # a row left over (or the last four's last row)
    }
    for r, v in specials.items():
        if v == -np.inf:
            x[r] = -np.inf
        else:
            x[r, r % 12] = v
    g = rng.standard_normal(x.shape).astype(dtype)
    ref, fast = _both(softmax, x, -1)
    _assert_probabilities_close(fast, ref)
    assert np.isnan(fast[0]).all() and np.isnan(fast[5]).all()
    assert (fast[10] == 0).all() and np.isnan(fast[rows - 1]).all()
    assert np.isfinite(fast[[1, 4, 6, 9, 11, 14, 15, 16]]).all()
    ref, fast = _both(log_softmax, x, -1)
    _assert_logs_close(fast, ref)
    y = np.nan_to_num(softmax(x, -1))
    ref, fast = _both(softmax_vjp, y, g, -1)
    _assert_gradients_close(fast, ref, 10.0)
    log_y = log_softmax(np.where(np.isnan(x), 0.0, x), -1)
    ref, fast = _both(log_softmax_vjp, log_y, g, -1)
    _assert_gradients_close(fast, ref, 10.0)


@pytest.mark.parametrize("name", ["forward_rows", "vjp_rows"])
def test_rows_kernels_prefetch_the_next_rows(name):
    # The short-row kernels hint the next group's input lines to the CPU
    # (softmax_core.kernels._prefetch): without it they lost 20% to PyTorch on the
    # (32, 8, 128, 128) float32 benchmark. A hint leaves no trace in the
    # results, so look for it in the machine code. numba does not inspect
    # cached code: compile an uncached copy of the kernel.
    from softmax_core.fast import kernels

    kernel = numba.njit(parallel=True, cache=False)(
        kernels.KERNELS[False][name].py_func
    )
    a = np.zeros((8, 16), dtype=np.float32)
    arrays = (a,) if name == "forward_rows" else (a, a)
    kernel(*arrays, np.empty_like(a), np.float32(1.0))
    assert "prefetcht0" in kernel.inspect_asm(kernel.signatures[0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_vector_max_is_the_max_ignoring_nan(dtype):
    # The kernels' SIMD max, on every length around its vector and unrolled
    # steps (16 or 8 lanes, four accumulators), with NaN and infinities put
    # at the start, the middle and the end, against NumPy's fmax.
    from softmax_core.fast.kernels import _vector_max

    @numba.njit(cache=False)
    def row_max(x):
        return _vector_max(x)

    rng = np.random.default_rng(5)
    for n in [*range(0, 140), 1000, 4099]:
        x = (rng.standard_normal(n) * 10).astype(dtype)
        expected = np.fmax.reduce(x, initial=-np.inf)
        assert row_max(x) == expected, n
        if n == 0:
            continue
        for where in {0, n // 2, n - 1}:
            y = x.copy()
            y[where] = np.nan
            assert row_max(y) == np.fmax.reduce(y, initial=-np.inf), (n, where)
            y[where] = np.inf
            assert row_max(y) == np.inf
            y = np.full(n, np.nan, dtype)
            y[where] = -np.inf
            assert row_max(y) == -np.inf
        x[-1] = x.max() + 1  # the last entry, in the scalar tail or not
        assert row_max(x) == x[-1]
    assert row_max(np.full(37, np.nan, dtype)) == -np.inf


@pytest.mark.parametrize(
    ("outer", "inner", "itemsize", "min_bands", "width"),
    [
        (1, 4096, 8, 4, 1024),  # 8 KiB bands already make four
        (1, 1000, 8, 4, 256),  # one band of 1000 would leave a thread idle
        (1, 1000, 8, 1, 1000),  # one thread: no need to split
        (2, 2048, 4, 4, 1024),  # two slabs of two bands
        (512, 64, 8, 4, 64),  # plenty of slabs
        (1, 12, 8, 4, 12),  # under two cache lines: never split a line
    ],
)
def test_band_width_gives_every_thread_whole_cache_lines(
    outer, inner, itemsize, min_bands, width
):
    from softmax_core.fast.kernels import _band_width

    w = _band_width(outer, inner, itemsize, min_bands)
    assert w == width
    assert w == inner or (w * itemsize) % 64 == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc behaviour")
def test_outputs_of_a_few_mib_reuse_freed_memory():
    # Once the fast path has loaded (and freed its 31 MiB block), repeated
    # forward + backward calls on 7.6 MiB arrays reuse the memory their
    # previous outputs freed instead of faulting in fresh pages each time
    # (which made them 10x slower in some processes).
    import resource

    from softmax_core.fast import kernels  # noqa: F401  (loading it is the point)

    rng = np.random.default_rng(0)
    x, g = rng.standard_normal((1000, 1000)), rng.standard_normal((1000, 1000))
    for _ in range(3):
        softmax_vjp(softmax(x), g)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        softmax_vjp(softmax(x), g)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
    # a call that maps its two outputs afresh faults at least 2 * 7.6 MiB / 2 MiB
    # (8 huge pages) and usually about 1 000 small ones
    assert faults < 5 * 8, faults
