import numpy as np
import pytest

from softmax_app.inputs import (
    PRESETS,
    RandomSpec,
    axis_choices,
    format_axis,
    make_upstream,
    parse_axis,
    parse_random_spec,
)


@pytest.mark.parametrize(
    ("text", "shape", "expected"),
    [
        ("1", (2, 2), (1,)),
        ("-1", (2, 3, 4), (2,)),
        ("0,2", (2, 3, 4), (0, 2)),
        ("(2, 0)", (2, 3, 4), (0, 2)),
        ("none", (2, 3), (0, 1)),
        ("None", (5,), (0,)),
    ],
)
def test_parse_axis_accepts_ints_tuples_and_none(text, shape, expected):
    assert parse_axis(text, shape) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2", "axis 2 is out of range for an array of shape (2, 2)"),
        ("0,0", "repeats an axis"),
        ("x", "is not an axis"),
        ("1.5", "is not an axis"),
    ],
)
def test_parse_axis_errors_name_the_axis_and_shape(text, fragment):
    with pytest.raises(ValueError) as info:
        parse_axis(text, (2, 2))
    assert fragment in str(info.value)


def test_format_axis_round_trips_every_choice():
    for shape in [(3,), (2, 3), (2, 3, 4), (1, 2, 1, 3)]:
        choices = axis_choices(shape)
        assert len(set(choices)) == len(choices)
        seen = set()
        for text in choices:
            axes = parse_axis(text, shape)
            assert format_axis(axes, len(shape)) == text
            seen.add(axes)
        # Every non-empty subset of axes is offered exactly once.
        assert len(seen) == 2 ** len(shape) - 1


def test_axis_choices_label_lengths():
    labels = axis_choices((2, 3, 4))
    assert labels["2"] == "2 (= -1, last axis, length 4)"
    assert labels["0"] == "0 (= -3, length 2)"
    assert labels["0,2"] == "0,2 (2x4)"
    assert labels["none"] == "none (all axes, 24 entries)"


def test_axis_choices_offer_every_axis_by_positive_index_regression_no_axis_1():
    # A 2-D array offered "-1 (last axis)", "0" and "none", but no "1".
    labels = axis_choices((2, 3))
    assert list(labels) == ["0", "1", "none"]
    assert labels["1"] == "1 (= -1, last axis, length 3)"
    assert list(axis_choices((5,))) == ["0"]
    assert axis_choices((5,))["0"] == "0 (= -1, last axis, length 5)"
    assert format_axis((), 0) == "none"


def test_random_spec_is_seeded_and_round_trips():
    spec = parse_random_spec("random(2, 3, 4; seed=3; scale=2.5)")
    assert spec == RandomSpec((2, 3, 4), 3, 2.5)
    assert parse_random_spec(str(spec)) == spec
    expected = 2.5 * np.random.default_rng(3).standard_normal((2, 3, 4))
    np.testing.assert_array_equal(spec.generate(), expected)


@pytest.mark.parametrize(
    "text",
    [
        "random()",
        "random(0, 3)",
        "random(2, x)",
        "random(1000, 1000, 10)",
        "random(2; seed=-1)",
        "random(2; colour=red)",
        "random(2; scale=inf)",
    ],
)
def test_random_spec_errors(text):
    with pytest.raises(ValueError, match=r"random\(\.\.\.\)"):
        parse_random_spec(text)


def test_presets_parse():
    from softmax_core import parse_array

    for preset in PRESETS.values():
        spec = parse_random_spec(preset.x)
        x = spec.generate() if spec else parse_array(preset.x)
        axes = parse_axis(preset.axis, x.shape)
        assert preset.temperature > 0
        g = make_upstream(preset.upstream, x, axes, parse=parse_array)
        assert g.shape == x.shape


def test_upstream_keywords():
    x = np.array([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]])
    np.testing.assert_array_equal(make_upstream("ones", x, (1,)), np.ones((2, 3)))
    # onehot marks the first argmax of each slice along the softmax axis.
    np.testing.assert_array_equal(
        make_upstream("onehot", x, (1,)), [[0, 1, 0], [1, 0, 0]]
    )
    np.testing.assert_array_equal(
        make_upstream("onehot", x, (0,)), [[0, 1, 0], [1, 0, 1]]
    )
    np.testing.assert_array_equal(
        make_upstream(" Random ", x, (1,)),
        np.random.default_rng(0).standard_normal((2, 3)),
    )


def test_upstream_array_shape_mismatch_names_both_shapes():
    from softmax_core import parse_array

    with pytest.raises(
        ValueError, match=r"g has shape \(3,\) but x has shape \(2, 2\)"
    ):
        make_upstream("[1, 2, 3]", np.zeros((2, 2)), (1,), parse=parse_array)


def test_scalar_input_has_no_axes_and_a_scalar_upstream():
    # Regression: a 0-d x gave a (1,)-shaped onehot upstream.
    x = np.array(5.0)
    assert parse_axis("none", x.shape) == ()
    assert make_upstream("onehot", x, ()).shape == ()
    assert make_upstream("ones", x, ()).shape == ()


def test_parse_axis_error_has_no_function_prefix():
    with pytest.raises(ValueError) as info:
        parse_axis("5", (2, 2))
    assert str(info.value).startswith("axis 5 is out of range")
