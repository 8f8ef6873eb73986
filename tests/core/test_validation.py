"""Argument checks of every public function, and the validation helpers.

Errors must name the function, the argument, what was expected and what was
received: the tests assert on the message text, not only the exception type.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from softmax_core import (
    log_softmax,
    log_softmax_vjp,
    slice_jacobians,
    softmax,
    softmax_jvp,
    softmax_vjp,
)
from softmax_core._validation import (
    as_float_array,
    check_same_shape,
    check_temperature,
    check_where,
    normalize_axes,
    result_dtype,
)
from tests.strategies import FAST, cases, masks_for

# name -> call(x, axis, temperature); the derivatives get x as both arguments.
CALLS = {
    "softmax": lambda x, axis=-1, temperature=1.0: softmax(
        x, axis, temperature=temperature
    ),
    "log_softmax": lambda x, axis=-1, temperature=1.0: log_softmax(
        x, axis, temperature=temperature
    ),
    "softmax_vjp": lambda x, axis=-1, temperature=1.0: softmax_vjp(
        x, x, axis, temperature=temperature
    ),
    "log_softmax_vjp": lambda x, axis=-1, temperature=1.0: log_softmax_vjp(
        x, x, axis, temperature=temperature
    ),
    "softmax_jvp": lambda x, axis=-1, temperature=1.0: softmax_jvp(
        x, x, axis, temperature=temperature
    ),
    "slice_jacobians": lambda x, axis=-1, temperature=1.0: slice_jacobians(
        x, axis, temperature=temperature
    ),
}
every_function = pytest.mark.parametrize("name", list(CALLS))


# --- axis --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("axis", "shape", "expected"),
    [(None, (2, 3), (0, 1)), (-1, (2, 3), (1,)), (0, (2, 3), (0,)),
     ((2, 0), (2, 3, 4), (0, 2)), ([-1, -3], (2, 3, 4), (0, 2)),
     (np.int64(-2), (2, 3), (0,)), ((), (2, 3), ()), (None, (), ())],
)
def test_normalize_axes_sorts_and_wraps(axis, shape, expected):
    assert normalize_axes(axis, shape, "f") == expected


@every_function
@pytest.mark.parametrize("axis", [2, -3, (0, 2), (-3,)])
def test_axis_out_of_range_names_axis_shape_and_valid_range(name, axis):
    bad = axis if isinstance(axis, int) else [a for a in axis if not -2 <= a < 2][0]
    expected = (
        f"{name}: axis {bad} is out of range for an array of shape (2, 3); "
        "valid axes are -2..1"
    )
    with pytest.raises(ValueError, match=re.escape(expected)):
        CALLS[name](np.full((2, 3), 0.5), axis)


@every_function
def test_repeated_axis_names_axes_and_shape(name):
    with pytest.raises(ValueError, match=re.escape(
        f"{name}: axis (1, -1) repeats an axis (for an array of shape (2, 3))"
    )):
        CALLS[name](np.full((2, 3), 0.5), (1, -1))


@every_function
@pytest.mark.parametrize(
    ("axis", "shown"),
    [(1.0, "float 1.0"), ("0", "str '0'"), ((0, 1.5), "float 1.5"),
     (np.array([0, 1]), "ndarray"), (True, "bool"), ((True,), "bool")],
)
def test_axis_of_the_wrong_kind_is_a_type_error_naming_it(name, axis, shown):
    with pytest.raises(TypeError, match=rf"^{name}: axis .*{re.escape(shown)}"):
        CALLS[name](np.full((2, 3), 0.5), axis)


def test_axis_on_a_0d_array_says_it_has_no_axes():
    with pytest.raises(ValueError, match=r"axis -1 is out of range for an array of "
                                         r"shape \(\); it has no axes"):
        softmax(np.float64(1.0))


# --- temperature ----------------------------------------------------------------


@every_function
@pytest.mark.parametrize("t", [0.0, -0.0, -1.0, np.inf, -np.inf, np.nan])
def test_temperature_must_be_finite_and_positive(name, t):
    with pytest.raises(
        ValueError, match=rf"^{name}: temperature must be finite and > 0; got "
    ):
        CALLS[name](np.full((2, 3), 0.5), -1, t)


@every_function
@pytest.mark.parametrize("t", ["2", b"2", True, None, [2.0]])
def test_temperature_of_the_wrong_kind_is_a_type_error(name, t):
    # Regression: "2" and True passed through float() and were accepted.
    with pytest.raises(TypeError, match=rf"^{name}: temperature must be a number"):
        CALLS[name](np.full((2, 3), 0.5), -1, t)


@pytest.mark.parametrize("t", [2, np.float32(0.5), np.int64(3), 1e-3, 1e6])
def test_temperature_accepts_real_numbers(t):
    assert check_temperature(t, "f") == float(t)


# --- shapes of the second argument ---------------------------------------------------


@pytest.mark.parametrize(
    ("func", "first", "second"),
    [(softmax_vjp, "y", "upstream"), (log_softmax_vjp, "log_y", "upstream"),
     (softmax_jvp, "y", "tangent")],
)
def test_shape_mismatch_names_both_shapes(func, first, second):
    expected = (
        f"{func.__name__}: {second} has shape (3, 2) but {first} has shape (2, 3); "
        "they must match"
    )
    with pytest.raises(ValueError, match=re.escape(expected)):
        func(np.full((2, 3), 0.5), np.zeros((3, 2)))
    # Broadcastable is not enough: the shapes must be equal.
    with pytest.raises(ValueError, match=r"has shape \(3,\) but"):
        func(np.full((2, 3), 0.5), np.zeros(3))


# --- dtypes ----------------------------------------------------------------------

NOT_REAL = {
    "complex": np.array([[1 + 2j, 3j, 0j]] * 2),
    "object": np.array([[1.0, None, 2.0]] * 2, dtype=object),
    "str": np.array([["1", "2", "3"]] * 2),
    "datetime": np.zeros((2, 3), dtype="datetime64[s]"),
    "ragged": [[1.0, 2.0], [3.0]],
}


@every_function
@pytest.mark.parametrize("kind", list(NOT_REAL))
def test_non_real_inputs_are_type_errors_naming_the_argument(name, kind):
    first = {"softmax": "x", "log_softmax": "x", "log_softmax_vjp": "log_y"}.get(
        name, "y"
    )
    with pytest.raises(TypeError, match=rf"^{name}: {first} "):
        CALLS[name](NOT_REAL[kind])


@pytest.mark.parametrize("func", [softmax_vjp, log_softmax_vjp, softmax_jvp])
def test_non_real_second_argument_is_a_type_error(func):
    second = "tangent" if func is softmax_jvp else "upstream"
    with pytest.raises(TypeError, match=rf"^{func.__name__}: {second} is complex"):
        func(np.full(3, 0.5), NOT_REAL["complex"][0])


def test_as_float_array_keeps_floats_and_computes_float16_in_float32():
    x64 = np.zeros(3)
    assert as_float_array(x64, "x", "f") is x64  # no copy for float64
    assert as_float_array(np.zeros(3, np.float32), "x", "f").dtype == np.float32
    assert as_float_array(np.zeros(3, np.float16), "x", "f").dtype == np.float32
    for dtype in (np.bool_, np.int8, np.uint64, np.int64):
        assert as_float_array(np.zeros(3, dtype), "x", "f").dtype == np.float64
    assert as_float_array(np.zeros(3, np.longdouble), "x", "f").dtype == np.float64


def test_result_dtype_rules():
    d = np.dtype
    assert result_dtype(d(np.float16)) == np.float16
    assert result_dtype(d(np.float32)) == np.float32
    assert result_dtype(d(np.int32)) == np.float64
    assert result_dtype(d(np.bool_)) == np.float64
    assert result_dtype(d(np.float16), d(np.float32)) == np.float32
    assert result_dtype(d(np.float32), d(np.int8)) == np.float64
    assert result_dtype(d(np.longdouble)) == np.float64


def test_check_where_and_check_same_shape_helpers():
    assert check_where(None, (2, 3), "f") is None
    assert check_where(np.array([True, False, True]), (2, 3), "f").shape == (2, 3)
    with pytest.raises(TypeError, match="f: where must be a boolean array; got dtype"):
        check_where([1, 0, 1], (2, 3), "f")
    with pytest.raises(ValueError, match=r"f: where has shape \(4,\)"):
        check_where(np.ones(4, dtype=bool), (2, 3), "f")
    check_same_shape(np.zeros(2), np.ones(2), ("a", "b"), "f")
    with pytest.raises(ValueError, match=r"^f: b has shape \(1,\) but a has shape"):
        check_same_shape(np.zeros(2), np.ones(1), ("a", "b"), "f")


# --- inputs are never modified -------------------------------------------------------


def _frozen(a: np.ndarray) -> np.ndarray:
    b = a.copy()
    b.flags.writeable = False
    return b


@FAST
@given(cases(), st.data())
def test_inputs_are_never_modified(case, data):
    x, axis, t = case
    mask = data.draw(masks_for(x.shape))
    g = np.ones_like(x) - x / 64
    for readonly in (False, True):
        xi, gi, mi = (_frozen(a) if readonly else a.copy() for a in (x, g, mask))
        y = softmax(xi, axis, temperature=t, where=mi)
        log_softmax(xi, axis, temperature=t, where=mi)
        log_softmax(xi, axis, temperature=t)
        yi = _frozen(y) if readonly else y.copy()
        ly = log_softmax(xi, axis, temperature=t)
        lyi = _frozen(ly) if readonly else ly.copy()
        softmax_vjp(yi, gi, axis, temperature=t)
        softmax_jvp(yi, gi, axis, temperature=t)
        log_softmax_vjp(lyi, gi, axis, temperature=t)
        slice_jacobians(yi, axis, temperature=t)
        for before, after in ((x, xi), (g, gi), (mask, mi), (y, yi), (ly, lyi)):
            np.testing.assert_array_equal(after, before)


def test_read_only_non_finite_inputs_are_not_modified():
    # The paths that patch masked, -inf, NaN and +inf entries write into arrays:
    # they must be their own.
    x = _frozen(np.array([[np.nan, 1.0], [-np.inf, -np.inf], [np.inf, 0.0]]))
    mask = _frozen(np.array([[True, False], [True, True], [False, True]]))
    for func in (softmax, log_softmax):
        func(x)
        func(x, where=mask)
    ly = _frozen(log_softmax(x))
    log_softmax_vjp(ly, _frozen(np.ones((3, 2))))
    np.testing.assert_array_equal(x, [[np.nan, 1.0], [-np.inf, -np.inf], [np.inf, 0.0]])
