"""Edge cases found in public bug reports, each tested as a whole kind.

Every kind runs on both paths: the NumPy reference and, where numba is
installed, the fused kernels (forced with ``use_path("fast")`` so that small
arrays take them too). Each kind pins the reported instance with its right
value, then a property over the kind.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import special

import softmax_core as sc
from softmax_core.paths import fast_available, use_path
from tests.strategies import FAST, axes_for, masks_for, moved_slices, shapes

PATHS = [
    "numpy",
    pytest.param(
        "fast",
        marks=pytest.mark.skipif(not fast_available(), reason="numba not installed"),
    ),
]


@contextlib.contextmanager
def on_path(path: str) -> Iterator[None]:
    with use_path(path):  # type: ignore[arg-type]
        yield


def finite_logits(dtype: np.dtype, *, wide: bool = True) -> st.SearchStrategy:
    """Finite logits of `dtype`, up to the dtype's largest values when `wide`."""
    info = np.finfo(dtype)
    bound = float(info.max) if wide else 50.0

    def floats(low: float, high: float) -> st.SearchStrategy:
        return st.floats(low, high, allow_infinity=False, width=info.bits)

    # Near the ends of the range as often as anywhere: that is where x - max
    # overflows.
    return st.one_of(
        floats(-bound, bound), floats(bound / 4, bound), floats(-bound, -bound / 4)
    )


@st.composite
def logit_cases(draw, dtype=None, wide=True, max_side=4):
    floats = st.sampled_from([np.float16, np.float32, np.float64])
    dtype = np.dtype(dtype or draw(floats))
    shape = draw(shapes(max_dims=3, max_side=max_side))
    x = draw(hnp.arrays(dtype, shape, elements=finite_logits(dtype, wide=wide)))
    axis = draw(axes_for(shape))
    return x, axis


# --- 1. A caller's np.errstate(all="raise") does not break valid input --------------


@pytest.mark.parametrize("path", PATHS)
def test_errstate_raise_instance_log_softmax_underflow(path):
    # The report: exp underflows inside log_softmax, and errstate(all="raise")
    # turned that expected event into FloatingPointError.
    x = np.array([-142.55, -211.92, -247.70, -198.38], dtype=np.float32)
    expected = special.log_softmax(x.astype(np.float64))
    with on_path(path), np.errstate(all="raise"):
        out = sc.log_softmax(x)
    # float32 rounding of the inputs and outputs; PyTorch agrees to this.
    np.testing.assert_allclose(out, expected, rtol=1e-6)


@pytest.mark.parametrize("path", PATHS)
@FAST
@given(
    case=logit_cases(),
    t=st.floats(1e-3, 1e3),
    data=st.data(),
)
def test_errstate_raise_every_public_function_on_valid_input(path, case, t, data):
    x, axis = case
    g = data.draw(
        hnp.arrays(x.dtype, x.shape, elements=st.floats(-100, 100, width=16))
    )
    with on_path(path), np.errstate(all="raise"):
        y = sc.softmax(x, axis, temperature=t)
        log_y = sc.log_softmax(x, axis, temperature=t)
        sc.softmax_vjp(y, g, axis, temperature=t)
        sc.log_softmax_vjp(log_y, g, axis, temperature=t)
        sc.softmax_jvp(y, g, axis, temperature=t)
        sc.slice_jacobians(y, axis, temperature=t)
        sc.slice_sums(y, axis)
        sc.naive_softmax(x, axis, temperature=t)
        sc.naive_log_softmax(x, axis, temperature=t)
        sc.dtype_comparison(x, axis, temperature=t)


@pytest.mark.parametrize("path", PATHS)
@settings(max_examples=15, deadline=None)
@given(case=logit_cases(dtype=np.float64, wide=False, max_side=3), data=st.data())
def test_errstate_raise_gradcheck_and_explain_on_valid_input(path, case, data):
    x, axis = case
    assume(x.size > 0)
    g = data.draw(hnp.arrays(x.dtype, x.shape, elements=st.floats(-10, 10)))
    pairs = sorted((n, f) for n, e in sc.IMPLEMENTATIONS.items() for f in e.functions)
    name, function = data.draw(st.sampled_from(pairs))
    kw = {"function": function, "implementation": name}
    upstream = g
    if function == "cross_entropy":
        sliced = moved_slices(x, axis).shape
        kw["target"] = np.zeros(sliced[:-1], int) + sliced[-1] - 1
        upstream = g.flat[0]  # the mean loss's upstream gradient is a scalar
    with on_path(path), np.errstate(all="raise"):
        for mode in ("sliced", "elementwise", "directional"):
            sc.gradcheck(x, upstream, axis, mode=mode, **kw)
        sc.constant_along_slices(g, axis)
        sc.naive_sweep(x, axis)
        sc.overflow_scale(x)


# --- 2. A temperature gives softmax(x / T) whenever x / T is representable ----------


@pytest.mark.parametrize("path", PATHS)
def test_temperature_scales_before_shifting_instance(path):
    x = np.array([3e38, -3e38], dtype=np.float32)
    with on_path(path):
        y = sc.softmax(x, temperature=1e38)
    # softmax([3, -3]) = [1 / (1 + e^-6), e^-6 / (1 + e^-6)], in float64:
    # 1 / (1 + math.exp(-6)) and math.exp(-6) / (1 + math.exp(-6)).
    np.testing.assert_allclose(y, [0.9975273768433653, 0.002472623156634775], rtol=4e-6)
    assert y.dtype == np.float32


def _reference_scaled(x: np.ndarray, axis, t: float, log: bool) -> np.ndarray:
    # Independent: SciPy in float64 on x / T computed in float64.
    with np.errstate(under="ignore"):
        z = x.astype(np.float64) / t
        return (special.log_softmax if log else special.softmax)(z, axis=axis)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("log", [False, True])
@FAST
@given(
    case=logit_cases(),
    log10_t=st.floats(-300, 300),
    relative=st.booleans(),
)
def test_temperature_gives_softmax_of_x_over_t_whenever_representable(
    path, log, case, log10_t, relative
):
    x, axis = case
    if relative:
        # T near the logits' size, so that (x - max) / T is moderate even when
        # x - max overflows: where the order of scaling and shifting matters.
        biggest = float(np.max(np.abs(x), initial=1.0)) or 1.0
        t = biggest * 10.0 ** (log10_t / 100 - 2)
    else:
        t = 10.0**log10_t
    assume(0 < t < np.inf)
    with np.errstate(over="ignore"):
        scaled = x.astype(np.float64) / t
    # Within the dtype's range, with room to spare for the float64 reference.
    assume(np.all(np.abs(scaled) <= float(np.finfo(x.dtype).max) / 4))
    func = sc.log_softmax if log else sc.softmax
    with on_path(path):
        out = func(x, axis, temperature=t)
    assert out.dtype == x.dtype
    expected = _reference_scaled(x, axis, t, log)
    # Error of exp(s) grows with |s|; entries below exp(-100) or so are tiny.
    compute_eps = np.finfo(np.float32 if x.dtype == np.float16 else x.dtype).eps
    out_eps = float(np.finfo(x.dtype).eps)
    if log:
        finite = np.isfinite(expected)
        assert np.all(np.isfinite(out[finite]))
        # log-probabilities: rounding of the result, plus rounding of x / T,
        # which is as large as the biggest scaled logit (differences of two
        # logits near 26 carry their rounding, not that of the small result).
        biggest = float(np.max(np.abs(scaled), initial=1.0))
        tol = 8 * out_eps * np.maximum(1.0, np.abs(expected[finite]))
        tol += 4 * float(compute_eps) * biggest
        got = out[finite].astype(np.float64)
        big = np.abs(expected[finite]) > np.finfo(x.dtype).max / 8
        assert np.all((np.abs(got - expected[finite]) <= tol) | big)
    else:
        atol = max(2000 * compute_eps, 2 * out_eps)
        np.testing.assert_allclose(out.astype(np.float64), expected, rtol=0, atol=atol)


# --- 3. A temperature tiny for the dtype never produces NaN -------------------------


@pytest.mark.parametrize("path", PATHS)
def test_tiny_temperature_instance_gives_the_argmax_limit(path):
    x = np.array([2, 4, 3], dtype=np.float32)
    with on_path(path):
        y = sc.softmax(x, temperature=1e-46)  # 1e-46 is 0 in float32
        log_y = sc.log_softmax(x, temperature=1e-46)
    np.testing.assert_array_equal(y, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(log_y, [-np.inf, 0.0, -np.inf])


@pytest.mark.parametrize("path", PATHS)
@FAST
@given(
    case=logit_cases(wide=False),
    log10_t=st.floats(-330, -30),
    data=st.data(),
)
def test_tiny_temperature_never_produces_nan(path, case, log10_t, data):
    x, axis = case
    t = 10.0**log10_t
    assume(t > 0)
    g = data.draw(hnp.arrays(x.dtype, x.shape, elements=st.floats(-10, 10, width=16)))
    with on_path(path):
        y = sc.softmax(x, axis, temperature=t)
        log_y = sc.log_softmax(x, axis, temperature=t)
        outs = [
            y,
            log_y,
            sc.softmax_vjp(y, g, axis, temperature=t),
            sc.log_softmax_vjp(log_y, g, axis, temperature=t),
            sc.softmax_jvp(y, g, axis, temperature=t),
            sc.slice_jacobians(y, axis, temperature=t),
        ]
    for out in outs:
        assert not np.isnan(out).any()
    # The limit: every slice sums to 1, and an entry far below its slice's
    # maximum (gap over 1000 T) gets exactly 0.
    sums = np.sum(y.astype(np.float64), axis=axis)
    np.testing.assert_allclose(sums, 1.0, rtol=0, atol=4 * np.finfo(y.dtype).eps)
    x64 = x.astype(np.float64)
    gap = np.max(x64, axis=axis, keepdims=True) - x64
    assert np.all(y[gap > 1000 * t] == 0)


# --- 4. A backward pass never guesses a mask from the values ------------------------


@pytest.mark.parametrize("path", PATHS)
def test_no_mask_guessed_instance_log_softmax_vjp(path):
    x = np.array([1e308, -1e308])
    with on_path(path):
        grad = sc.log_softmax_vjp(sc.log_softmax(x), [0.0, 1.0])
    # The limit, and PyTorch's autograd: g - softmax(x) * sum(g) = [0 - 1, 1 - 0].
    np.testing.assert_array_equal(grad, [-1.0, 1.0])


@pytest.mark.parametrize("path", PATHS)
@FAST
@given(case=logit_cases(), data=st.data())
def test_no_mask_guessed_vjps_follow_the_limit(path, case, data):
    x, axis = case
    assume(x.size > 0)
    g = data.draw(hnp.arrays(x.dtype, x.shape, elements=st.floats(-10, 10, width=16)))
    with on_path(path):
        log_grad = sc.log_softmax_vjp(sc.log_softmax(x, axis), g, axis)
        grad = sc.softmax_vjp(sc.softmax(x, axis), g, axis)
    # Exact probabilities from SciPy in float64 (they may round to 0, their
    # logs to -inf); the formulas then give the limits.
    with np.errstate(over="ignore", under="ignore"):
        p = special.softmax(x.astype(np.float64), axis=axis)
    g64 = g.astype(np.float64)
    total = np.sum(g64, axis=axis, keepdims=True)
    expected_log = g64 - p * total
    expected = p * (g64 - np.sum(g64 * p, axis=axis, keepdims=True))
    atol = _atol(x, g64, axis)
    assert np.all(np.abs(log_grad.astype(np.float64) - expected_log) <= atol)
    assert np.all(np.abs(grad.astype(np.float64) - expected) <= atol)


def _atol(x, g64, axis):
    """64 eps of the slice's sum |g|, plus the dtype's smallest subnormal.

    The result is rounded to x's dtype once: a true value below the smallest
    subnormal (float16: 2**-24 = 5.96e-8) can only come out as 0 or as it.
    """
    finfo = np.finfo(x.dtype)
    scale = np.sum(np.abs(g64), axis=axis, keepdims=True)
    return 64 * float(finfo.eps) * np.broadcast_to(scale, x.shape) + float(
        finfo.smallest_subnormal
    )


@pytest.mark.parametrize("path", PATHS)
def test_a_gradient_below_the_smallest_float16_rounds_to_it_or_zero(path):
    # Found by hypothesis on the fast path: x = [0, 0], g = [1.19e-7, 0] in
    # float16. The gradient is ±(1/2)(1/2)(1.19e-7) = ±2.98e-8, half float16's
    # smallest subnormal, so float16 holds it as 0 (round half to even).
    x = np.zeros(2, dtype=np.float16)
    g = np.array([1e-7, 0.0], dtype=np.float16)
    with on_path(path):
        grad = sc.softmax_vjp(sc.softmax(x), g)
    assert grad.dtype == np.float16
    expected = 0.25 * float(g[0]) * np.array([1.0, -1.0])
    assert np.all(np.abs(grad.astype(np.float64) - expected) <= 2.0**-24)


def _restricted_reference(x, g, axis, mask, log):
    """Per slice: the VJP of the slice restricted to its unmasked entries."""
    axes = tuple(range(x.ndim)) if axis is None else np.atleast_1d(axis)
    axes = tuple(int(a) % x.ndim for a in axes) if x.ndim else ()
    last = range(x.ndim - len(axes), x.ndim)
    xm, gm, mm = (np.moveaxis(a, axes, last) for a in (x, g, mask))
    n = int(np.prod(xm.shape[x.ndim - len(axes):], dtype=int))
    xs, gs, ms = (a.reshape(-1, n) for a in (xm, gm, mm))
    out = np.zeros_like(xs, dtype=np.float64)
    for row in range(xs.shape[0]):
        keep = ms[row]
        if not keep.any():
            continue
        xr = xs[row][keep].astype(np.float64)
        gr = gs[row][keep].astype(np.float64)
        p = special.softmax(xr)
        out[row, keep] = gr - p * gr.sum() if log else p * (gr - np.dot(gr, p))
    return np.moveaxis(out.reshape(xm.shape), last, axes)


@pytest.mark.parametrize("path", PATHS)
@FAST
@given(case=logit_cases(dtype=np.float64, wide=False), data=st.data())
def test_where_gives_zeros_and_the_restricted_gradient(path, case, data):
    x, axis = case
    assume(x.size > 0)
    mask = data.draw(masks_for(x.shape))
    g = data.draw(hnp.arrays(x.dtype, x.shape, elements=st.floats(-10, 10)))
    # Junk in the masked places of g must not leak into the result.
    g = np.where(mask, g, np.inf)
    with on_path(path):
        y = sc.softmax(x, axis, where=mask)
        log_y = sc.log_softmax(x, axis, where=mask)
        grad = sc.softmax_vjp(y, g, axis, where=mask)
        log_grad = sc.log_softmax_vjp(log_y, g, axis, where=mask)
        jvp = sc.softmax_jvp(y, g, axis, where=mask)
    for out in (grad, log_grad, jvp):
        assert np.all(out[~mask] == 0.0)
    np.testing.assert_allclose(
        grad, _restricted_reference(x, g, axis, mask, False), atol=1e-12
    )
    np.testing.assert_allclose(
        log_grad,
        _restricted_reference(x, g, axis, mask, True),
        atol=1e-12,
    )
    # The Jacobian is symmetric, so the JVP is the same restricted formula.
    np.testing.assert_allclose(jvp, grad, atol=1e-12)


@pytest.mark.parametrize("path", PATHS)
def test_float16_backward_overflow_is_inf_without_cast_warnings(path):
    # pytest turns warnings into errors: a cast-overflow warning fails here.
    y = np.array([0.5, 0.5], dtype=np.float16)
    g = np.array([60000.0, -60000.0], dtype=np.float16)
    with on_path(path):
        grad = sc.softmax_vjp(y, g, temperature=0.1)
        log_grad = sc.log_softmax_vjp(np.log(y), g, temperature=0.1)
    assert grad.dtype == np.float16
    np.testing.assert_array_equal(grad, [np.inf, -np.inf])
    np.testing.assert_array_equal(log_grad, [np.inf, -np.inf])
