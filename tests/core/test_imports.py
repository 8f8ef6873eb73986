"""What ``import softmax_core`` loads, and the core without the fast extra.

Each check runs in a fresh interpreter: this test process has imported numba
(the doctests of ``softmax_core.fast.kernels`` import it when it is installed) and
Streamlit (the AppTest modules).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _run(code: str) -> None:
    """Run `code` in a fresh interpreter; fail with its stderr if it fails."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_import_loads_neither_numba_nor_streamlit():
    _run(
        """
        import sys
        import softmax_core
        loaded = {"numba", "streamlit"} & set(sys.modules)
        assert not loaded, f"import softmax_core loaded {sorted(loaded)}"
        """
    )


def test_small_arrays_never_load_numba():
    # The fast path (and with it numba's global settings) is imported on the
    # first large call only; the app's examples stay under MIN_FAST_SIZE.
    _run(
        """
        import sys
        import numpy as np
        import softmax_core as sc
        try:
            from softmax_core.fast.dispatch import MIN_FAST_SIZE
        except ImportError:  # the optional fast package deleted: any size is small
            MIN_FAST_SIZE = 16_384

        x = np.linspace(-3, 3, MIN_FAST_SIZE - 1).reshape(-1, 1)
        y = sc.softmax(x, axis=0)
        sc.softmax_vjp(y, np.ones_like(x), axis=0)
        sc.log_softmax_vjp(sc.log_softmax(x, axis=0), np.ones_like(x), axis=0)
        assert "numba" not in sys.modules
        assert "softmax_core.fast.kernels" not in sys.modules
        """
    )


def test_without_numba_large_arrays_take_the_numpy_reference():
    # As if the "fast" extra were not installed, whether or not it is here:
    # an entry of None in sys.modules makes `import numba` raise ImportError.
    _run(
        """
        import sys
        sys.modules["numba"] = None
        import numpy as np
        import softmax_core as sc
        from softmax_core import paths

        assert paths.fast_available() is False
        assert paths.warm_up() is False
        x = np.random.default_rng(0).standard_normal((200, 300))
        with paths.use_path("numpy"):
            expected = sc.softmax(x, axis=1)
        assert np.array_equal(sc.softmax(x, axis=1), expected)
        try:
            with paths.use_path("fast"):
                pass
        except RuntimeError:
            pass
        else:
            raise AssertionError("use_path('fast') ran without numba")
        """
    )
