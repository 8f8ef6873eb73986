"""softmax_app.compute's caches key on an array's full content, within a budget."""

from __future__ import annotations

import numpy as np
import pytest

from softmax_app import compute, panel


@pytest.fixture(autouse=True)
def _empty_caches():
    for cached in (compute.forward, compute.backward, compute.run_gradcheck):
        cached.clear()
    yield
    for cached in (compute.forward, compute.backward, compute.run_gradcheck):
        cached.clear()


def test_large_arrays_differing_in_one_entry_get_their_own_results_regression():
    # Streamlit hashes arrays of 500,000+ entries from a 100,000-entry sample, so
    # re-uploading a 1000 x 1000 array with one entry changed showed the old
    # result. Five positions: a sampled hash misses at least one of them with
    # probability 1 - 0.1**5.
    x = np.random.default_rng(0).standard_normal((1000, 1000))
    first = compute.forward(x, (1,), 1.0)
    np.testing.assert_array_equal(
        first[:, 0], compute.forward(x.copy(), (1,), 1.0)[:, 0]
    )
    for row, col in [(0, 0), (123, 456), (500, 1), (999, 998), (777, 3)]:
        changed = x.copy()
        changed[row, col] += 5.0
        y = compute.forward(changed, (1,), 1.0)
        assert y[row, col] > first[row, col], (row, col)
        g = np.ones_like(x)
        g2 = g.copy()
        g2[row, col] = 2.0
        assert not np.array_equal(
            compute.backward(x, g, (1,), 1.0)[row],
            compute.backward(x, g2, (1,), 1.0)[row],
        )


def test_same_bytes_other_shape_or_dtype_is_another_key():
    a = np.arange(6.0)
    digest = compute.array_digest
    assert digest(a) == digest(a.copy())
    assert digest(a) != digest(a.reshape(2, 3))
    assert digest(a) != digest(a.view(np.int64))
    # a non-contiguous view hashes its values, not its base's buffer
    b = np.arange(12.0).reshape(3, 4)
    assert digest(b[:, ::2]) == digest(np.ascontiguousarray(b[:, ::2]))
    assert digest(b[:, ::2]) != digest(b[:, 1::2])


def test_every_cache_is_bounded_and_the_budget_is_stated():
    assert "444 MiB" in (compute.__doc__ or "")
    assert compute.CACHE_BUDGET_BYTES == 444 * 2**20
    assert sum(compute._BUDGETS.values()) == 364 * 2**20
    # every cached function of the module has a byte limit
    assert set(compute._BUDGETS) == {
        name
        for name in compute.__all__
        if callable(getattr(compute, name)) and hasattr(getattr(compute, name), "clear")
    }


def test_the_panels_parsing_caches_are_bounded_too():
    # _load_x kept up to 32 parsed arrays of up to 8 MB each with no byte limit.
    # (CachedFunc._info is Streamlit's own record of the decorator's arguments.)
    for function, name in ((panel._load_x, "x"), (panel._load_g, "g")):
        assert function._info.max_size_bytes == compute.PARSE_BUDGETS[name]
