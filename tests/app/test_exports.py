"""The download bytes load back to the arrays they were made from."""

import io

import numpy as np
import pytest

from softmax_app.render.exports import to_csv_bytes, to_npy_bytes
from softmax_core import load_array_file

ARRAYS = {
    "1-D with non-finite": np.array([1.0, 2.5, np.nan, np.inf, -np.inf]),
    # 1/3 and 0.1 need all 17 significant digits to round-trip through text
    "2-D awkward floats": np.array([[0.1, 1 / 3], [1e-300, -1e308]]),
    "column": np.array([[1.0], [2.0], [3.0]]),
    "softmax output": np.array([[0.2689414213699951, 0.7310585786300049]] * 2),
}


@pytest.mark.parametrize("name", list(ARRAYS))
def test_npy_and_csv_round_trip(name):
    a = ARRAYS[name]
    npy = to_npy_bytes(a)
    via_numpy = np.load(io.BytesIO(npy), allow_pickle=False)
    np.testing.assert_array_equal(via_numpy, a)
    assert via_numpy.dtype == a.dtype
    np.testing.assert_array_equal(load_array_file(npy, "a.npy"), a)
    csv = to_csv_bytes(a)
    assert csv is not None
    back = load_array_file(csv, "a.csv")
    assert back.shape == a.shape
    np.testing.assert_array_equal(back, a)  # bit-exact, NaN where NaN


@pytest.mark.parametrize("shape", [(), (2, 3, 4), (1, 1, 1, 2)])
def test_npy_keeps_any_shape_and_csv_is_refused_above_2d(shape):
    a = np.random.default_rng(0).standard_normal(shape)
    back = np.load(io.BytesIO(to_npy_bytes(a)), allow_pickle=False)
    assert back.shape == shape
    np.testing.assert_array_equal(back, a)
    np.testing.assert_array_equal(load_array_file(to_npy_bytes(a), "x.npy"), a)
    assert to_csv_bytes(a) is None


def test_npy_keeps_float16_and_float32():
    for dtype in (np.float16, np.float32):
        a = np.array([0.1, 1.5, 65504.0], dtype=dtype)
        back = np.load(io.BytesIO(to_npy_bytes(a)), allow_pickle=False)
        assert back.dtype == dtype
        np.testing.assert_array_equal(back, a)


def test_csv_one_row_2d_comes_back_1d():
    # A CSV has no shape: the documented exception to the round trip.
    a = np.array([[1.0, 2.0, 3.0]])
    back = load_array_file(to_csv_bytes(a), "a.csv")
    assert back.shape == (3,)
    np.testing.assert_array_equal(back, a.ravel())


def test_csv_is_plain_text_rows():
    assert to_csv_bytes(np.array([[1.0, 2.0], [3.0, 4.5]])) == b"1,2\n3,4.5\n"
    assert to_csv_bytes(np.array([1.0, -np.inf])) == b"1,-inf\n"


def test_exports_do_not_modify_the_input():
    a = np.array([[1.0, np.nan], [3.0, 4.0]])
    before = a.copy()
    to_npy_bytes(a)
    to_csv_bytes(a)
    np.testing.assert_array_equal(a, before)
