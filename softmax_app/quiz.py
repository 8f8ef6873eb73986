"""Spot the bug: gallery entries under neutral labels, named from their check.

The Gradcheck page's ``quiz=1`` mode shows each implementation as
"Implementation A", "B", … in an order shuffled by a seed (the same link gives
the same order, so a class can talk about "implementation C"). For each one it
shows the check signature: the verdict and the worst error per slice on the
current input, and the pass rates over seeded random inputs
(:func:`softmax_core.pass_rate`). The learner names the bug; the answer is
checked against the real name and only then explained. No Streamlit here.
"""

from __future__ import annotations

import random
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

import softmax_core as sc

__all__ = [
    "Feedback",
    "Quiz",
    "Signature",
    "check_answer",
    "choices",
    "describe",
    "make_quiz",
    "signature",
]

#: At most this many slices are listed by name in a signature.
SHOWN_SLICES = 6
#: A slice whose worst |analytic − numeric| is at most this counts as agreeing.
AGREE = 1e-6
#: Logit scale of the "large" pass rate: past exp's overflow (~709) often.
LARGE_SCALE = 500.0


@dataclass(frozen=True)
class Quiz:
    """The implementations of one quiz, in their shuffled order.

    Attributes
    ----------
    seed : int
        The seed of the order.
    names : tuple of str
        Gallery names; ``names[i]`` is shown as ``labels[i]``.
    function : str
        The function whose backward passes are quizzed.
    """

    seed: int
    names: tuple[str, ...]
    function: str = "softmax"

    @property
    def labels(self) -> tuple[str, ...]:
        """``("Implementation A", "Implementation B", …)``, one per name."""
        return tuple(f"Implementation {_letter(i)}" for i in range(len(self.names)))

    def name_of(self, label: str) -> str:
        """Return the real name behind `label` (ValueError if it is not a label)."""
        try:
            return self.names[self.labels.index(label)]
        except ValueError:
            raise ValueError(
                f"{label!r} is not in this quiz; its labels are "
                f"{', '.join(self.labels)}"
            ) from None


def _letter(i: int) -> str:
    """Return A, B, …, Z, AA, AB, … (the gallery has 7 entries; be safe anyway)."""
    letters = string.ascii_uppercase
    return letters[i] if i < 26 else _letter(i // 26 - 1) + letters[i % 26]


def make_quiz(
    seed: int, names: Sequence[str] | None = None, function: str = "softmax"
) -> Quiz:
    """Shuffle `names` with `seed` (default: every entry that has `function`).

    Raises
    ------
    ValueError
        If a name is not in the gallery or has no `function` version, or a
        name repeats.

    Examples
    --------
    >>> quiz = make_quiz(1)
    >>> "stale_counter" in quiz.names, "missing_mean" in quiz.names
    (True, False)
    >>> make_quiz(1) == quiz, quiz.labels[:2]
    (True, ('Implementation A', 'Implementation B'))
    """
    valid = [n for n, e in sc.IMPLEMENTATIONS.items() if function in e.functions]
    chosen = list(valid if names is None else names)
    unknown = [name for name in chosen if name not in valid]
    if unknown or len(set(chosen)) != len(chosen):
        raise ValueError(
            f"a {function} quiz takes distinct gallery names ({', '.join(valid)}); "
            f"got {chosen!r}"
        )
    random.Random(seed).shuffle(chosen)
    return Quiz(seed, tuple(chosen), function)


def choices(quiz: Quiz) -> list[tuple[str, str]]:
    """Return the answers to offer, ``(name, title)`` in the gallery's order.

    Not in the quiz's order, so the list gives nothing away.

    Examples
    --------
    >>> choices(make_quiz(3, ["stale_counter", "vectorized"]))[0][0]
    'vectorized'
    """
    return [
        (name, entry.title)
        for name, entry in sc.IMPLEMENTATIONS.items()
        if name in quiz.names
    ]


@dataclass(frozen=True)
class Signature:
    """What the gradient check shows of one implementation, without its name.

    Attributes
    ----------
    passed : bool
        The check's verdict on the current input.
    norm_rel_error : float
        Its norm relative error there.
    slice_errors : tuple of float, or None
        Worst ``|a − n|`` per slice, C order over the batch shape (None in
        directional mode).
    batch_shape : tuple of int
        The batch shape the slice errors are laid out in.
    rates : tuple of (str, int, int)
        Per upstream kind: kind, inputs passed, inputs checked.
    """

    passed: bool
    norm_rel_error: float
    slice_errors: tuple[float, ...] | None
    batch_shape: tuple[int, ...]
    rates: tuple[tuple[str, int, int], ...]

    @property
    def pattern(self) -> str:
        """Which slices agree: ``"all"``, ``"none"``, ``"first only"``, ``"some"``.

        ``""`` without slice errors. NaN errors count as disagreeing.
        """
        if self.slice_errors is None:
            return ""
        agree = [e <= AGREE for e in self.slice_errors]  # NaN <= x is False
        if all(agree):
            return "all"
        if not any(agree):
            return "none"
        return "first only" if agree[0] and not any(agree[1:]) else "some"


def signature(
    report: sc.GradcheckReport,
    rate: sc.PassRate,
    *,
    large: sc.PassRate | None = None,
) -> Signature:
    """Return the signature of one implementation: its check here and its pass rates.

    `large`, a pass rate at logit scale :data:`LARGE_SCALE`, adds its random-g
    tally as the kind ``"large"``.
    """
    errors = None
    shape: tuple[int, ...] = ()
    if report.slice_max_error is not None:
        errors = tuple(float(e) for e in np.ravel(report.slice_max_error))
        shape = tuple(np.shape(report.slice_max_error))
    rates = tuple((t.upstream, t.n_passed, t.n_inputs) for t in rate.tallies)
    if large is not None:
        big = large.tally("random")
        rates += (("large", big.n_passed, big.n_inputs),)
    return Signature(report.passed, report.norm_rel_error, errors, shape, rates)


_KIND_WORDS = {
    "random": "a random upstream gradient (every slice its own)",
    "shared": "one upstream gradient shared by every slice",
    "large": f"logits {LARGE_SCALE:g}·N(0, 1), far larger, and a random upstream "
    "gradient",
}


def describe(sig: Signature) -> list[str]:
    """Neutral sentences about a signature (they never name an implementation).

    Slice errors up to :data:`AGREE` read "≈ 0" (finite-difference noise).

    Examples
    --------
    >>> sig = Signature(False, 0.71, (0.0, 0.39), (2,), (("random", 0, 100),))
    >>> describe(sig)[1]
    'Worst error per slice: slice 0: ≈ 0, slice 1: 0.39 (only the first slice agrees).'
    """
    word = "PASS" if sig.passed else "FAIL"
    lines = [f"On this input: {word} (norm relative error {sig.norm_rel_error:.2g})."]
    if sig.slice_errors is not None:
        indexes = list(np.ndindex(sig.batch_shape))[:SHOWN_SLICES]
        parts = [
            f"slice {', '.join(map(str, index)) or '0'}: "
            + ("≈ 0" if error <= AGREE else f"{error:.2g}")
            for index, error in zip(indexes, sig.slice_errors, strict=False)
        ]
        more = len(sig.slice_errors) - len(parts)
        tail = f", … ({more} more)" if more > 0 else ""
        summary = {
            "all": "every slice agrees",
            "none": "no slice agrees",
            "first only": "only the first slice agrees",
            "some": "some slices agree",
        }[sig.pattern]
        lines.append(f"Worst error per slice: {', '.join(parts)}{tail} ({summary}).")
    for kind, passed, total in sig.rates:
        lines.append(
            f"Passes on {passed} of {total} seeded random inputs with "
            f"{_KIND_WORDS.get(kind, kind)}."
        )
    return lines


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer, and the explanation to reveal with it.

    Attributes
    ----------
    label, guess, actual : str
        The label answered, the gallery name guessed, the real one.
    correct : bool
        Whether `guess` is the real name.
    look_alike : bool
        Wrong, but the guess shows the same signature on every input shown
        (the check cannot tell the two apart here).
    message : str
        What to show after answering: right or wrong, why, and the real
        implementation's explanation.
    """

    label: str
    guess: str
    actual: str
    correct: bool
    look_alike: bool
    message: str


def check_answer(
    quiz: Quiz,
    label: str,
    guess: str,
    signatures: Mapping[str, Signature] | None = None,
) -> Feedback:
    """Check the learner's `guess` for `label` against the real name.

    `signatures` (by gallery name) lets the feedback say when a wrong guess
    looks exactly the same in the check.

    Raises
    ------
    ValueError
        If `label` is not in the quiz or `guess` is not one of its names.
    """
    actual = quiz.name_of(label)
    if guess not in quiz.names:
        raise ValueError(
            f"{guess!r} is not one of this quiz's answers: {', '.join(quiz.names)}"
        )
    entry, guessed = sc.IMPLEMENTATIONS[actual], sc.IMPLEMENTATIONS[guess]
    symptom = entry.variant(quiz.function).symptom
    sigs = signatures or {}
    alike = guess != actual and _same(sigs.get(guess), sigs.get(actual))
    if guess == actual:
        head = f"Right: {label} is **{entry.title}** (`{actual}`)."
    elif alike:
        head = (
            f"Not quite: {label} is **{entry.title}** (`{actual}`), not "
            f"{guessed.title}. On these inputs the two give the same signature, so "
            "the check alone cannot tell them apart; the code can."
        )
    else:
        head = (
            f"Not quite: {label} is **{entry.title}** (`{actual}`), not "
            f"{guessed.title}. {_contrast(sigs.get(actual), sigs.get(guess))}"
        )
    message = f"{head} {entry.explanation} What the check shows: {symptom}"
    return Feedback(label, guess, actual, guess == actual, alike, message.strip())


def _same(a: Signature | None, b: Signature | None) -> bool:
    """Return whether verdict, slice pattern and pass counts all match."""
    if a is None or b is None:
        return False
    return (a.passed, a.pattern, a.rates) == (b.passed, b.pattern, b.rates)


def _contrast(actual: Signature | None, guess: Signature | None) -> str:
    """One sentence on where the guess's signature differs ("" if unknown)."""
    if actual is None or guess is None:
        return ""
    for (kind, a_pass, total), (_, g_pass, _) in zip(
        actual.rates, guess.rates, strict=False
    ):
        if a_pass != g_pass:
            return (
                f"With {_KIND_WORDS.get(kind, kind)}, this one passes {a_pass} of "
                f"{total} inputs; your guess would pass {g_pass}."
            )
    if actual.pattern != guess.pattern:
        return (
            f"Its slices: {actual.pattern or 'not shown'}; your guess's: "
            f"{guess.pattern or 'not shown'}."
        )
    if actual.passed != guess.passed:
        verb = "passes" if actual.passed else "fails"
        return f"This one {verb} on this input; your guess would not."
    return ""
