"""The gallery's entries: title, story, and their variants per function."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from softmax_core.functions import FUNCTIONS
from softmax_core.gallery import cross_entropy, log_softmax, softmax
from softmax_core.gallery.entry import GalleryEntry, Variant

__all__ = ["IMPLEMENTATIONS", "implementations_for"]

_VARIANTS: tuple[Mapping[str, Variant], ...] = (
    softmax.VARIANTS,
    log_softmax.VARIANTS,
    cross_entropy.VARIANTS,
)

# name -> (title, explanation), in teaching order.
_STORIES: dict[str, tuple[str, str]] = {
    "vectorized": (
        "Vectorized VJP (the reference)",
        "The backward pass written as one formula over the whole array, never "
        "building a Jacobian, so it costs two passes over the data whatever the "
        "slice length: y ⊙ (g − ⟨g, y⟩) for softmax (softmax_vjp), g − y Σg for "
        "log-softmax (log_softmax_vjp), (y − t)/N for the mean cross-entropy "
        "(cross_entropy_grad), each ⟨·⟩ and Σ taken over one slice's axes. The "
        "gradient check agrees with each to about 1e-10.",
    ),
    "per_slice_loop": (
        "Explicit Jacobian per slice (correct, slow)",
        "For each slice in turn, build the n × n Jacobian (diag(y) − y yᵀ for "
        "softmax, I − 1yᵀ for log-softmax) and multiply the slice's upstream "
        "gradient by it (gᵀJ). The answer is right and the gradient check passes, "
        "but each slice costs n² work and memory instead of n, and the Python "
        "loop visits every slice: fine for learning, hopeless for a (1000, 1000) "
        "array.",
    ),
    "stale_counter": (
        "The stale counter (apply_along_axis)",
        "The backward pass runs np.apply_along_axis over the 1-D slices with "
        "a callback that builds each slice's Jacobian and multiplies it with "
        "'the matching slice' of the upstream gradient, found through a "
        "counter. The counter is an int passed into the callback, which "
        "increments its own local copy: the increment is lost, every call "
        "sees 0, and every slice uses the first slice's upstream gradient. "
        "The first slice is therefore right and the others are wrong, which "
        "the per-slice worst error shows at once; on x = [[1, 2], [3, 4]], "
        "axis=1, upstream = [[1, 0], [0, 1]] the norm relative error is "
        "1/√2 ≈ 0.71. A second lesson hides in the author's first example, "
        "upstream = all ones: the correct gradient is then exactly zero "
        "(each Jacobian row sums to 0, because the outputs always sum to 1), "
        "and the stale counter is also exactly zero, because every slice "
        "shares the same upstream gradient anyway. The bug looks right, and "
        "the zero looks like a bug. The same loop over log-softmax's Jacobian "
        "fails the same way.",
    ),
    "missing_diagonal": (
        "Missing diagonal (−y yᵀ only)",
        "The Jacobian is diag(y) − y yᵀ; this version keeps only the outer "
        "product −y yᵀ, so its gradient −y ⟨g, y⟩ lacks the term y ⊙ g. Every "
        "entry with a non-zero upstream gradient is off by y ⊙ g, so the "
        "gradient check fails everywhere with an error as large as the "
        "gradient itself. With an all-ones upstream gradient it returns −y "
        "where the right answer is 0.",
    ),
    "wrong_axis": (
        "Reduced over the wrong axes",
        "The formula is right (y ⊙ (g − ⟨g, y⟩) for softmax, g − y Σg for "
        "log-softmax), but the slice sum is taken over the wrong axes: over "
        "every axis except the softmax axes (for a 2-D array with axis=1, down "
        "the columns instead of along the rows). Each slice then subtracts a "
        "number that mixes other slices, so the gradient check fails even "
        "though the shapes all broadcast. For a 1-D input there are no other "
        "axes and the sum runs over nothing: still wrong. It only coincides "
        "with the right answer by accident: for an array with a single "
        "element, or, for log-softmax, when every row of g sums to what its "
        "column does (g = [[1, 0], [0, 1]]), which is why log-softmax's "
        "example uses g = [[1, 0], [1, 0]].",
    ),
    "unshifted_exp": (
        "Forward pass without the max shift",
        "The forward pass computes exp(x) / Σ exp(x) (log-softmax: "
        "x − log Σ exp(x)) without subtracting the maximum first. "
        "Mathematically nothing changes, and on small logits the gradient "
        "check passes; but exp overflows to inf past x ≈ 709 in float64 (≈ 88 "
        "in float32): softmax gives inf / inf = NaN, log-softmax x − inf = "
        "−inf, and the differences of the loss are NaN. On logits [[1000, "
        "1001, 1002]] the gradient check fails with non-finite values. The fix "
        "is the shift: exp(x − max x) is never larger than 1.",
    ),
    "transposed_jacobian": (
        "Transposed Jacobian (Jg instead of Jᵀg)",
        "A backward pass needs Jᵀg (row vector times Jacobian); this one "
        "computes Jg, using Jᵀ where the formula has J, which is the "
        "forward-mode product. For softmax the gradient check passes anyway, "
        "because J = diag(y) − y yᵀ is symmetric. That is a lesson, not a "
        "licence: log-softmax's Jacobian I − 1yᵀ is not symmetric, Jg = g − "
        "⟨y, g⟩ differs from Jᵀg = g − y Σg, and there the check fails (on "
        "x = [[1, 2], [3, 4]], g = [[1, 0], [0, 1]], slice 0 gets [0.73, −0.27] "
        "instead of [0.73, −0.73]).",
    ),
    "double_softmax": (
        "Softmax, then a cross-entropy that applies log-softmax again",
        "The model ends in a softmax layer and feeds its probabilities p to a "
        "cross-entropy that expects logits (torch.nn.CrossEntropyLoss, "
        "F.cross_entropy), which applies log-softmax once more. "
        "Backpropagation through that pipeline gives softmax's VJP of "
        "softmax(p) − t: two softmaxes deep, it is squeezed by the first "
        "one's Jacobian (whose entries never exceed 1/4) and by the second "
        "one's flatness (p lies in [0, 1], so softmax(p) is never far from "
        "uniform). The gradient check differentiates the cross-entropy of "
        "the logits, the loss the model is meant to minimise, and the "
        "analytic gradient comes out several times too small: training is "
        "slow and stalls, and nothing crashes. The fix is to hand the "
        "cross-entropy the logits (or to take log of p and use the negative "
        "log-likelihood, NLLLoss, in the stable form log_softmax).",
    ),
    "missing_mean": (
        "Missing 1/N of the mean",
        "The loss is the mean over the N batch entries (the default reduction "
        "of torch.nn.functional.cross_entropy), but the backward pass returns "
        "softmax(x) − t, the gradient of the sum: it forgets that dividing "
        "the loss by N divides its gradient by N too. Every entry is N times "
        "too large; the direction is right, so training still moves the right "
        "way with an N times larger learning rate, which is how it hides. The "
        "gradient check fails as soon as N > 1 (norm relative error "
        "(N − 1)/(N + 1): 1/3 for the two slices of the example); with one "
        "slice, or with reduction 'sum', it passes.",
    ),
    "log_of_softmax": (
        "log(softmax(x)) instead of log_softmax",
        "Taking the log of softmax's output is right on paper and fine on "
        "small logits, but softmax underflows to exactly 0 once a logit is "
        "about 745 below its slice's maximum (float64; about 104 in float32), "
        "and log(0) = −inf. Log-softmax outputs −inf there, a cross-entropy "
        "whose target class underflowed is inf, and the backward pass through "
        "log, g / y, divides by 0: the gradient check reports non-finite "
        "values. On x = [[1, 2], [0, 800]], slice 0 is fine and slice 1 "
        "breaks. log_softmax computes (x − max) − log Σ exp(x − max) "
        "instead, which stays finite: log_softmax([0, 800]) is [−800, 0].",
    ),
}


def _entry(name: str, title: str, explanation: str) -> GalleryEntry:
    # _VARIANTS is in the order of FUNCTIONS, so the variants are too.
    variants = tuple(v[name] for v in _VARIANTS if name in v)
    return GalleryEntry(name, title, explanation, variants)


#: Every gallery entry by name, in teaching order (read-only).
IMPLEMENTATIONS: Mapping[str, GalleryEntry] = MappingProxyType(
    {name: _entry(name, *story) for name, story in _STORIES.items()}
)


def implementations_for(function: str) -> Mapping[str, GalleryEntry]:
    """Return the gallery entries that apply to `function`, in teaching order.

    Parameters
    ----------
    function : str
        One of :data:`softmax_core.FUNCTIONS`.

    Returns
    -------
    Mapping of str to GalleryEntry
        A read-only view, like :data:`IMPLEMENTATIONS`.

    Raises
    ------
    ValueError
        If `function` is not one of :data:`softmax_core.FUNCTIONS`.

    Examples
    --------
    >>> list(implementations_for("cross_entropy"))
    ['vectorized', 'double_softmax', 'missing_mean', 'log_of_softmax']
    """
    if function not in FUNCTIONS:
        names = ", ".join(map(repr, FUNCTIONS))
        raise ValueError(
            f"implementations_for: function must be one of {names}; got {function!r}"
        )
    return MappingProxyType(
        {n: e for n, e in IMPLEMENTATIONS.items() if function in e.functions}
    )
