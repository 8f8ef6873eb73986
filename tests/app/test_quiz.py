"""softmax_app.quiz: neutral labels, signatures from the check, answers revealed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import softmax_core as sc
from softmax_app import quiz

CLASSIC_X = [[1.0, 2.0], [3.0, 4.0]]
CLASSIC_G = [[1.0, 0.0], [0.0, 1.0]]
SOFTMAX = [name for name, e in sc.IMPLEMENTATIONS.items() if "softmax" in e.functions]


def _signatures(n_inputs: int = 20) -> dict[str, quiz.Signature]:
    """Every gallery entry's signature on the classic input."""
    return {
        name: quiz.signature(
            sc.gradcheck(CLASSIC_X, CLASSIC_G, 1, implementation=name),
            sc.pass_rate(name, (2, 2), 1, n_inputs=n_inputs),
        )
        for name in SOFTMAX
    }


SIGS = _signatures()


def test_order_is_seeded_and_covers_the_gallery_once():
    first = quiz.make_quiz(7)
    assert quiz.make_quiz(7) == first
    assert sorted(first.names) == sorted(SOFTMAX) and first.function == "softmax"
    orders = {quiz.make_quiz(seed).names for seed in range(20)}
    assert len(orders) > 10  # shuffled, not the gallery's order every time
    assert first.labels == tuple(f"Implementation {c}" for c in "ABCDEFG")
    for label, name in zip(first.labels, first.names, strict=True):
        assert first.name_of(label) == name


def test_labels_go_past_z():
    labels = quiz.Quiz(0, tuple(str(i) for i in range(28))).labels
    assert labels[25:] == ("Implementation Z", "Implementation AA", "Implementation AB")


def test_a_subset_and_its_choices_in_gallery_order():
    q = quiz.make_quiz(3, ["wrong_axis", "stale_counter", "vectorized"])
    assert sorted(q.names) == ["stale_counter", "vectorized", "wrong_axis"]
    assert [name for name, _ in quiz.choices(q)] == [
        "vectorized",
        "stale_counter",
        "wrong_axis",
    ]
    assert quiz.choices(q)[1][1] == sc.IMPLEMENTATIONS["stale_counter"].title


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["stale"], "a softmax quiz takes distinct gallery names"),
        (["vectorized"] * 2, "distinct"),
        (["missing_mean"], "distinct gallery names"),  # a cross-entropy entry
    ],
)
def test_bad_quiz_names(names, message):
    with pytest.raises(ValueError, match=message):
        quiz.make_quiz(0, names)


def test_signature_of_the_stale_counter_on_the_classic_input():
    sig = SIGS["stale_counter"]
    assert not sig.passed
    # Slice 1's error is |2 e / (1 + e)²| = 0.3932 (two entries off by the
    # Jacobian entry e / (1 + e)² each way); slice 0 uses its own g and agrees.
    assert sig.slice_errors is not None
    assert sig.slice_errors[0] < 1e-9
    assert sig.slice_errors[1] == pytest.approx(2 * math.e / (1 + math.e) ** 2, 1e-6)
    assert sig.pattern == "first only"
    assert sig.rates == (("random", 0, 10), ("shared", 10, 10))
    assert sig.batch_shape == (2,)


@pytest.mark.parametrize(
    ("name", "pattern", "passed"),
    [
        ("vectorized", "all", True),
        ("transposed_jacobian", "all", True),
        ("missing_diagonal", "none", False),
        ("wrong_axis", "none", False),
    ],
)
def test_slice_patterns(name, pattern, passed):
    assert (SIGS[name].pattern, SIGS[name].passed) == (pattern, passed)


def test_patterns_with_nan_and_without_slices():
    base = quiz.Signature(False, math.nan, (0.0, math.nan, 0.0), (3,), ())
    assert base.pattern == "some"  # NaN never counts as agreeing
    assert quiz.Signature(True, 0.0, None, (), ()).pattern == ""


def test_descriptions_never_name_an_implementation():
    words = set()
    for name, entry in sc.IMPLEMENTATIONS.items():
        words |= {name, name.replace("_", " "), entry.title.lower()}
    words |= {"stale", "counter", "diagonal", "transposed", "unshifted", "vectorized"}
    for sig in SIGS.values():
        text = " ".join(quiz.describe(sig)).lower()
        assert not [w for w in words if w in text], text


def test_description_of_the_stale_counter():
    lines = quiz.describe(SIGS["stale_counter"])
    assert lines[0] == "On this input: FAIL (norm relative error 0.71)."
    assert lines[1] == (
        "Worst error per slice: slice 0: ≈ 0, slice 1: 0.39 (only the first slice "
        "agrees)."
    )
    assert lines[2:] == [
        "Passes on 0 of 10 seeded random inputs with a random upstream gradient "
        "(every slice its own).",
        "Passes on 10 of 10 seeded random inputs with one upstream gradient shared "
        "by every slice.",
    ]


def test_long_slice_lists_are_cut():
    errors = tuple(float(i) for i in range(12))
    sig = quiz.Signature(False, 1.0, errors, (3, 4), ())
    line = quiz.describe(sig)[1]
    assert line.startswith("Worst error per slice: slice 0, 0: ≈ 0, slice 0, 1: 1,")
    assert "slice 1, 1: 5" in line and "… (6 more)" in line and "slice 1, 2" not in line


def test_right_answer():
    q = quiz.make_quiz(5)
    label = q.labels[q.names.index("stale_counter")]
    fb = quiz.check_answer(q, label, "stale_counter", SIGS)
    assert fb.correct and not fb.look_alike
    assert fb.message.startswith(f"Right: {label} is **The stale counter")
    assert sc.IMPLEMENTATIONS["stale_counter"].explanation in fb.message


def test_wrong_answer_says_where_the_signatures_differ():
    q = quiz.make_quiz(5)
    label = q.labels[q.names.index("stale_counter")]
    fb = quiz.check_answer(q, label, "vectorized", SIGS)
    assert not fb.correct and not fb.look_alike
    assert fb.actual == "stale_counter" and fb.guess == "vectorized"
    assert "passes 0 of 10 inputs; your guess would pass 10" in fb.message
    missing = quiz.check_answer(q, label, "missing_diagonal", SIGS).message
    assert "shared by every slice, this one passes 10 of 10" in missing


def test_look_alikes_are_named_as_such():
    # Every correct backward pass gives the same signature: only the code differs.
    q = quiz.make_quiz(2)
    label = q.labels[q.names.index("per_slice_loop")]
    fb = quiz.check_answer(q, label, "vectorized", SIGS)
    assert not fb.correct and fb.look_alike
    assert "cannot tell them apart" in fb.message
    # Without signatures the feedback cannot compare them, and does not claim to.
    assert not quiz.check_answer(q, label, "vectorized").look_alike


def test_a_log_softmax_quiz_reveals_the_log_softmax_story():
    q = quiz.make_quiz(4, function="log_softmax")
    assert "log_of_softmax" in q.names and "missing_diagonal" not in q.names
    # The transposed Jacobian passes for softmax (J is symmetric), not here.
    label = q.labels[q.names.index("transposed_jacobian")]
    fb = quiz.check_answer(q, label, "transposed_jacobian")
    variant = sc.IMPLEMENTATIONS["transposed_jacobian"].variant("log_softmax")
    assert fb.correct and fb.message.endswith(variant.symptom)
    softmax_symptom = sc.IMPLEMENTATIONS["transposed_jacobian"].symptom
    assert softmax_symptom not in fb.message


def test_bad_label_and_guess():
    q = quiz.make_quiz(0, ["vectorized", "stale_counter"])
    with pytest.raises(ValueError, match="'Implementation C' is not in this quiz"):
        q.name_of("Implementation C")
    with pytest.raises(ValueError, match="'wrong_axis' is not one of this quiz"):
        quiz.check_answer(q, "Implementation A", "wrong_axis")


def test_large_logits_tell_the_unshifted_exp_from_a_correct_pass():
    # Scale 500 puts a logit past exp's overflow at ~709.78 in many inputs.
    def sig(name: str) -> quiz.Signature:
        return quiz.signature(
            sc.gradcheck(CLASSIC_X, CLASSIC_G, 1, implementation=name),
            sc.pass_rate(name, (2, 2), 1, n_inputs=20),
            large=sc.pass_rate(name, (2, 2), 1, n_inputs=20, scale=quiz.LARGE_SCALE,
                               upstreams=("random",)),
        )  # fmt: skip

    unshifted, correct = sig("unshifted_exp"), sig("vectorized")
    assert correct.rates[-1] == ("large", 20, 20)
    kind, passed, total = unshifted.rates[-1]
    assert kind == "large" and total == 20 and 0 < passed < 20
    assert "with logits 500·N(0, 1), far larger" in quiz.describe(unshifted)[-1]
    q = quiz.make_quiz(0)
    label = q.labels[q.names.index("unshifted_exp")]
    sigs = {"unshifted_exp": unshifted, "vectorized": correct}
    fb = quiz.check_answer(q, label, "vectorized", sigs)
    assert not fb.look_alike and "far larger" in fb.message


def test_signature_in_directional_mode_has_no_slices():
    report = sc.gradcheck(CLASSIC_X, CLASSIC_G, 1, mode="directional")
    sig = quiz.signature(report, sc.pass_rate("vectorized", (2, 2), 1, n_inputs=2))
    assert sig.slice_errors is None and len(quiz.describe(sig)) == 3
    assert np.isfinite(sig.norm_rel_error)
