"""The bug gallery: backward passes, right and wrong, side by side.

Each entry is one idea, a correct backward pass or one classic mistake, for
each of the functions it applies to (:data:`softmax_core.FUNCTIONS`): softmax
and log-softmax as pairs ``forward(x, axis)`` / ``backward(x, upstream,
axis)``, cross-entropy as ``loss(x, target, axis, reduction)`` /
``grad(x, target, axis, reduction, upstream)``. :func:`softmax_core.gradcheck`
tells the right from the wrong, and every variant carries the small example
that exposes it.

Modules: :mod:`.entry` (what an entry is), :mod:`.softmax`,
:mod:`.log_softmax` and :mod:`.cross_entropy` (the code, one module per
function) and :mod:`.registry` (the stories and :data:`IMPLEMENTATIONS`).
All entries accept ``axis`` as an int, a tuple of ints or None, like the
core. They are teaching code: they trust their inputs and do not validate them.

Examples
--------
>>> entry = IMPLEMENTATIONS["stale_counter"]
>>> entry.functions
('softmax', 'log_softmax')
>>> softmax_variant = entry.variant("softmax")
>>> softmax_variant.correct
False
>>> x, g = np.array(softmax_variant.x), np.array(softmax_variant.upstream)
>>> softmax_variant.backward(x, g, softmax_variant.axis).round(4)
array([[ 0.1966, -0.1966],
       [ 0.1966, -0.1966]])
>>> IMPLEMENTATIONS["transposed_jacobian"].variant("log_softmax").correct
False
"""

from softmax_core.gallery.entry import (
    ForwardBackward,
    GalleryEntry,
    Implementation,
    LossGrad,
    LossImplementation,
    Variant,
)
from softmax_core.gallery.registry import IMPLEMENTATIONS, implementations_for

__all__ = [
    "IMPLEMENTATIONS",
    "ForwardBackward",
    "GalleryEntry",
    "Implementation",
    "LossGrad",
    "LossImplementation",
    "Variant",
    "implementations_for",
]
