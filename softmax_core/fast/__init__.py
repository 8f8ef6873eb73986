"""The optional fast path: fused numba kernels for large arrays.

Installed with the ``fast`` extra (``pip install softmax-lab[fast]``). The
NumPy functions in :mod:`softmax_core.functions` and :mod:`softmax_core.backward`
stay the readable reference and compute the same numbers; this package only
makes large arrays faster. Delete it, or leave numba out, and everything else
works unchanged: :mod:`softmax_core.paths` then always takes the NumPy path.

* :mod:`softmax_core.fast.dispatch`: whether an array goes to the kernels, and
  its layout as ``(outer, n, inner)`` without copying.
* :mod:`softmax_core.fast.kernels`: the numba kernels (imported, and numba
  with them, on the first large call only).
"""
