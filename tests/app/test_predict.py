"""softmax_app.predict: reading a learner's prediction, checking it, explaining it."""

from __future__ import annotations

import math

import numpy as np
import pytest

import softmax_core as sc
from softmax_app import predict

# Closed form for the classic x = [[1, 2], [3, 4]], axis 1, g = rows of I:
# dL/dx[0, 0] = y0 (1 - y0) = e / (1 + e)² ≈ 0.19661193 (y0 = 1 / (1 + e)).
CLASSIC = math.e / (1 + math.e) ** 2


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0.2", 0.2),
        (" -1e-3 ", -0.001),
        ("−0.5", -0.5),  # the minus sign a page or a PDF copies
        ("+.25", 0.25),
        ("1/4", 0.25),
        ("-1 / 8", -0.125),
        ("2E-1", 0.2),
        ("1_000", 1000.0),
    ],
)
def test_parse_number_reads(text, value):
    assert predict.parse_number(text) == value


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "type a number first"),
        ("   ", "type a number first"),
        ("abc", "'abc' is not a number"),
        ("2*3", "'2\\*3' is not a number"),
        ("__import__('os')", "is not a number"),
        ("nan", "'nan' is not a number"),
        ("inf", "'inf' is not a number"),
        ("1/0", "'1/0' divides by zero"),
        ("1e400", "'1e400' is too large"),
        ("1/2/3", "is not a number"),
    ],
)
def test_parse_number_refuses(text, message):
    with pytest.raises(ValueError, match=message):
        predict.parse_number(text)


def test_parse_verdict():
    assert [predict.parse_verdict(t) for t in ("PASS", "pass ", "Fails", "FAIL")] == [
        True,
        True,
        False,
        False,
    ]
    with pytest.raises(ValueError, match="answer PASS or FAIL; got 'maybe'"):
        predict.parse_verdict(" maybe ")


def test_parse_index():
    assert predict.parse_index("1, 0", (2, 2)) == (1, 0)
    assert predict.parse_index("(-1, -2)", (2, 3)) == (1, 1)
    assert predict.parse_index("[3]", (4,)) == (3,)
    with pytest.raises(ValueError, match=r"needs 2 integers for an array of shape"):
        predict.parse_index("1", (2, 2))
    with pytest.raises(ValueError, match="index part 1 is 'x', not an integer"):
        predict.parse_index("0, x", (2, 2))
    with pytest.raises(ValueError, match=r"index part 0 is 2, out of range .* -2..1"):
        predict.parse_index("2, 0", (2, 2))
    assert predict.entry_label((1, 0)) == "dL/dx[1, 0]"


def test_the_classic_entry_by_hand():
    y = sc.softmax([[1.0, 2.0], [3.0, 4.0]], axis=1)
    actual = sc.softmax_vjp(y, [[1.0, 0.0], [0.0, 1.0]], axis=1)[0, 0]
    assert actual == pytest.approx(CLASSIC, rel=1e-12)
    right = predict.check_number(0.2, actual, (0, 0))
    assert right.correct
    assert right.message.startswith("Right: dL/dx[0, 0] is 0.1966; you said 0.2 (")
    assert predict.DEFAULT_TOLERANCE.describe() in right.message
    too_big = predict.check_number(0.25, actual, (0, 0))
    assert not too_big.correct
    assert too_big.message == (
        "Not quite: dL/dx[0, 0] is 0.1966, and you said 0.25. The sign is right; "
        "the size is too large (by a factor of 1.3)."
    )
    assert "sign is wrong" in predict.check_number(-0.2, actual, (0, 0)).message
    assert (
        "too small (by a factor of 2"
        in predict.check_number(0.1, actual, (0, 0)).message
    )


def test_tolerance_boundary_and_wording():
    tol = predict.Tolerance(atol=0.5, rtol=0.25)  # at 2: 0.5 + 0.25 · 2 = 1
    assert tol.allows(3.0, 2.0) and tol.allows(1.0, 2.0)
    assert not tol.allows(3.0001, 2.0) and not tol.allows(0.9999, 2.0)
    assert tol.describe().startswith("within 0.5 plus 25% of the true value")


def test_zero_predictions_and_zero_answers_are_explained():
    zero = predict.check_number(0.3, 0.0, (1, 0), constant_slice=True)
    assert not zero.correct
    assert "The true value is (nearly) zero." in zero.message
    assert "every row of the softmax Jacobian sums to 0" in zero.message
    assert predict.check_number(0.0, 1e-17, (1, 0)).correct  # rounding is zero
    said_zero = predict.check_number(0.0, CLASSIC, (0, 0))
    assert "only an upstream gradient that is constant along the slice" in (
        said_zero.message
    )
    # Log-softmax's gradient is not zero for a constant g: no softmax story.
    log = predict.check_number(0.0, 0.4, (0, 0), function="log_softmax")
    assert log.message.endswith("It is not zero.")
    log_zero = predict.check_number(
        0.3, 0.0, (0, 0), function="log_softmax", constant_slice=True
    )
    assert "Jacobian" not in log_zero.message


def test_forgetting_the_temperature_is_named():
    t = 2.0
    y = sc.softmax([[1.0, 2.0]], axis=1, temperature=t)
    actual = sc.softmax_vjp(y, [[1.0, 0.0]], axis=1, temperature=t)[0, 0]
    reveal = predict.check_number(actual * t, actual, (0, 0), temperature=t)
    assert "You left out the 1/T: at T = 2" in reveal.message


@pytest.mark.parametrize(
    ("g", "axis", "constant", "shared"),
    [
        (np.ones((2, 3)), 1, True, True),
        ([[1.0, 0.0], [1.0, 0.0]], 1, False, True),
        ([[1.0, 1.0], [5.0, 5.0]], 1, True, False),
        ([[1.0, 0.0], [0.0, 1.0]], 1, False, False),
        ([[1.0, 0.0], [1.0, 0.0]], 0, True, False),  # columns [1, 1] and [0, 0]
        (np.zeros((0, 3)), 1, True, True),
    ],
)
def test_upstream_facts(g, axis, constant, shared):
    facts = predict.upstream_facts(g, axis)
    assert (facts.constant_within, facts.shared_across) == (constant, shared)


def _verdict(name: str, g: list[list[float]], predicted: bool) -> predict.Reveal:
    x = [[1.0, 2.0], [3.0, 4.0]]
    report = sc.gradcheck(x, g, 1, implementation=name)
    variant = sc.IMPLEMENTATIONS[name].variant("softmax")
    return predict.check_verdict(
        predicted,
        report.passed,
        correct_code=variant.correct,
        symptom=variant.symptom,
        facts=predict.upstream_facts(g, 1),
    )


def test_verdicts_on_the_classic_input():
    identity = [[1.0, 0.0], [0.0, 1.0]]
    stale = _verdict("stale_counter", identity, predicted=True)
    assert not stale.correct
    assert stale.message.startswith("Not this time: the check fails; slice 0 is right")
    assert _verdict("stale_counter", identity, predicted=False).correct
    good = _verdict("vectorized", identity, predicted=True)
    assert good.correct
    assert good.message.endswith(
        "a correct backward pass agrees with finite differences."
    )


def test_a_bug_that_passes_says_why():
    shared = [[1.0, 0.0], [1.0, 0.0]]
    reveal = _verdict("stale_counter", shared, predicted=False)
    assert not reveal.correct
    assert "the code is wrong, but this input does not show it" in reveal.message
    assert "every slice has the same upstream gradient" in reveal.message
    ones = _verdict("stale_counter", [[1.0, 1.0], [1.0, 1.0]], predicted=True)
    assert ones.correct and "the true gradient is zero" in ones.message


def test_a_correct_code_that_fails_blames_the_settings():
    reveal = predict.check_verdict(
        True,
        False,
        correct_code=True,
        symptom="PASS: ...",
        facts=predict.UpstreamFacts(False, False),
    )
    assert not reveal.correct and "the step or the tolerances" in reveal.message
