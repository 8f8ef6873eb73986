"""What a gallery entry is: its code per function, and the example that shows it.

An entry is one idea (a correct backward pass, or one classic mistake) that may
apply to several of :data:`softmax_core.FUNCTIONS`. For each function it
applies to, a :class:`Variant` holds the code, whether that code is correct
there, the documented example and what the gradient check says about it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from softmax_core._validation import Axis, FloatArray

__all__ = [
    "ForwardBackward",
    "GalleryEntry",
    "Implementation",
    "LossGrad",
    "LossImplementation",
    "Variant",
]


class Implementation(Protocol):
    """A softmax or log-softmax pass :func:`softmax_core.gradcheck` can check.

    ``backward(x, upstream, axis)`` must return the gradient of
    ``sum(upstream * forward(x, axis))`` with respect to `x`, same shape as `x`.
    """

    def forward(self, x: FloatArray, axis: Axis) -> FloatArray:
        """Return the function of `x` along `axis` (or the entry's idea of it)."""
        ...

    def backward(self, x: FloatArray, upstream: FloatArray, axis: Axis) -> FloatArray:
        """Return the gradient of ``sum(upstream * forward(x, axis))``."""
        ...


class LossImplementation(Protocol):
    """A cross-entropy :func:`softmax_core.gradcheck` can check.

    `target` is always probabilities of `x`'s shape (the check turns class
    indices into one-hot rows first) and `reduction` one of ``"mean"``,
    ``"sum"``, ``"none"``. ``grad(x, target, axis, reduction, upstream)`` must
    return the gradient of ``sum(upstream * loss(x, target, axis, reduction))``
    with respect to `x`: `upstream` is a scalar (0-d) for ``"mean"`` and
    ``"sum"``, of the batch shape for ``"none"``.
    """

    def loss(
        self, x: FloatArray, target: FloatArray, axis: Axis, reduction: str
    ) -> FloatArray:
        """Return the cross-entropy of logits `x` (0-d, or batch-shaped)."""
        ...

    def grad(
        self,
        x: FloatArray,
        target: FloatArray,
        axis: Axis,
        reduction: str,
        upstream: FloatArray,
    ) -> FloatArray:
        """Return the gradient of ``sum(upstream * loss(...))``, `x`'s shape."""
        ...


@dataclass(frozen=True)
class ForwardBackward:
    """A forward pass and the backward pass that claims to differentiate it."""

    forward: Callable[[FloatArray, Axis], FloatArray]
    backward: Callable[[FloatArray, FloatArray, Axis], FloatArray]


@dataclass(frozen=True)
class LossGrad:
    """A cross-entropy and the gradient that claims to be its derivative."""

    loss: Callable[[FloatArray, FloatArray, Axis, str], FloatArray]
    grad: Callable[[FloatArray, FloatArray, Axis, str, FloatArray], FloatArray]


@dataclass(frozen=True)
class Variant:
    """One entry's code for one function, and the example that shows it.

    Attributes
    ----------
    function : str
        One of :data:`softmax_core.FUNCTIONS`.
    correct : bool
        Whether the backward pass is right for this function.
    symptom : str
        One line: what the gradient check reports on the example.
    x, axis
        The example's logits (nested lists) and axis argument.
    upstream
        The example's upstream gradient: nested lists of `x`'s shape for
        softmax and log-softmax; for cross-entropy a number (``"mean"``,
        ``"sum"``) or nested lists of the batch shape (``"none"``).
    implementation : ForwardBackward or LossGrad
        The code: ``forward``/``backward`` for softmax and log-softmax,
        ``loss``/``grad`` for cross-entropy.
    target
        Cross-entropy only: class indices (nested lists of the batch shape) or
        probabilities (of `x`'s shape); None otherwise.
    reduction : str
        Cross-entropy only: the example's reduction.
    """

    function: str
    correct: bool
    symptom: str
    x: list[Any]
    axis: int | tuple[int, ...] | None
    upstream: Any
    implementation: ForwardBackward | LossGrad
    target: Any = None
    reduction: str = "mean"

    @property
    def forward(self) -> Callable[..., FloatArray]:
        """The forward pass, or the loss for cross-entropy."""
        impl = self.implementation
        return impl.forward if isinstance(impl, ForwardBackward) else impl.loss

    @property
    def backward(self) -> Callable[..., FloatArray]:
        """The backward pass, or the gradient for cross-entropy."""
        impl = self.implementation
        return impl.backward if isinstance(impl, ForwardBackward) else impl.grad


@dataclass(frozen=True)
class GalleryEntry:
    """One idea in the gallery, with its code and example for each function.

    Attributes
    ----------
    name : str
        Registry key, e.g. ``"stale_counter"``.
    title : str
        Short human title.
    explanation : str
        One paragraph: the idea or mistake, and how it shows up in a gradient
        check, for every function it applies to.
    variants : tuple of Variant
        One per function the entry applies to, in the order of
        :data:`softmax_core.FUNCTIONS`.

    Notes
    -----
    ``correct``, ``symptom``, ``x``, ``axis``, ``upstream``, ``forward`` and
    ``backward`` are those of the first variant (softmax's, when the entry
    has one), as the gallery had before it covered log-softmax and
    cross-entropy.
    """

    name: str
    title: str
    explanation: str
    variants: tuple[Variant, ...]

    @property
    def functions(self) -> tuple[str, ...]:
        """The functions this entry applies to."""
        return tuple(v.function for v in self.variants)

    def variant(self, function: str) -> Variant:
        """Return the variant for `function`.

        Raises
        ------
        ValueError
            If the entry does not apply to `function`; the message lists the
            functions it applies to.
        """
        for v in self.variants:
            if v.function == function:
                return v
        raise ValueError(
            f"gallery entry {self.name!r} has no {function} version; it applies "
            f"to {', '.join(self.functions)}"
        )

    @property
    def correct(self) -> bool:
        """Whether the first variant is correct."""
        return self.variants[0].correct

    @property
    def symptom(self) -> str:
        """The first variant's symptom."""
        return self.variants[0].symptom

    @property
    def x(self) -> list[Any]:
        """The first variant's example logits."""
        return self.variants[0].x

    @property
    def axis(self) -> int | tuple[int, ...] | None:
        """The first variant's example axis."""
        return self.variants[0].axis

    @property
    def upstream(self) -> Any:
        """The first variant's example upstream gradient."""
        return self.variants[0].upstream

    @property
    def forward(self) -> Callable[..., FloatArray]:
        """The first variant's forward pass (or loss)."""
        return self.variants[0].forward

    @property
    def backward(self) -> Callable[..., FloatArray]:
        """The first variant's backward pass (or gradient)."""
        return self.variants[0].backward
