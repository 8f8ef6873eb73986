"""passrate: how often each gallery entry passes gradcheck on seeded random inputs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from softmax_core import (
    IMPLEMENTATIONS,
    PassRate,
    gradcheck,
    pass_rate,
    pass_rates,
    sample_point,
    softmax,
    softmax_vjp,
)
from tests.strategies import axes_for, moved_slices, shapes

SOFTMAX = [name for name, e in IMPLEMENTATIONS.items() if "softmax" in e.functions]
CORRECT = [name for name in SOFTMAX if IMPLEMENTATIONS[name].variant("softmax").correct]
FEW = settings(max_examples=20, deadline=None)
# Shapes and axes with at least two slices, where the stale counter's first
# slice differs from the others.
SEVERAL_SLICES = [((2, 2), 1), ((3, 4), 0), ((2, 3, 4), (0, 2)), ((5, 2), -1)]


def _slice_count(shape: tuple[int, ...], axis: object) -> int:
    return int(np.prod(moved_slices(np.zeros(shape), axis).shape[:-1]))


# --- the teaching point -------------------------------------------------------


@pytest.mark.parametrize(("shape", "axis"), SEVERAL_SLICES)
def test_stale_counter_fails_every_random_g_and_passes_every_shared_g(shape, axis):
    rate = pass_rate("stale_counter", shape, axis, n_inputs=60)
    random, shared = rate.tally("random"), rate.tally("shared")
    assert (random.n_inputs, random.rate, random.failing_seeds) == (
        30,
        0.0,
        random.seeds,
    )
    assert (shared.n_inputs, shared.rate, shared.failing_seeds) == (30, 1.0, ())
    assert rate.rate == 0.5


def test_classic_shape_default_split_and_seeds():
    rate = pass_rate("stale_counter", (2, 2), 1)
    assert [t.upstream for t in rate.tallies] == ["random", "shared"]
    assert rate.tally("random").seeds == tuple(range(100))
    assert rate.tally("shared").seeds == tuple(range(100, 200))
    assert (rate.n_inputs, rate.n_passed) == (200, 100)
    assert (rate.implementation, rate.shape, rate.axes) == (
        "stale_counter",
        (2, 2),
        (1,),
    )


def test_one_slice_is_no_evidence_against_the_stale_counter():
    # A single slice is its own first slice: the bug cannot show.
    rate = pass_rate("stale_counter", (1, 4), 1, n_inputs=20)
    assert rate.rate == 1.0


@pytest.mark.parametrize("name", CORRECT)
def test_correct_entries_always_pass(name):
    rate = pass_rate(name, (2, 3, 4), (0, 2), n_inputs=20)
    assert rate.rate == 1.0
    assert all(t.failing_seeds == () for t in rate.tallies)


@pytest.mark.parametrize("name", ["missing_diagonal", "wrong_axis"])
def test_bugs_that_do_not_depend_on_sharing_fail_every_input(name):
    assert pass_rate(name, (3, 4), 1, n_inputs=20).rate == 0.0


def test_unshifted_exp_fails_exactly_where_exp_overflows():
    # exp overflows past log(float64 max) ≈ 709.78 and underflows every entry of
    # a slice to 0 below about -745: then 0/0 or inf/inf is NaN and the check
    # fails. Entries within ±700 are safe.
    shape, scale = (2, 3), 500.0
    rate = pass_rate("unshifted_exp", shape, 1, n_inputs=60, scale=scale)
    assert 0.0 < rate.rate < 1.0
    for tally in rate.tallies:
        for seed in tally.seeds:
            x = sample_point(shape, 1, seed, tally.upstream, scale=scale).x
            if (x.max(axis=1) > 710).any():
                assert seed in tally.failing_seeds
            elif np.abs(x).max() < 700:
                assert seed not in tally.failing_seeds


# --- log-softmax and cross-entropy --------------------------------------------


def test_stale_counter_under_log_softmax_shows_the_same_split():
    rate = pass_rate("stale_counter", (3, 4), 1, n_inputs=20, function="log_softmax")
    assert (rate.tally("random").rate, rate.tally("shared").rate) == (0.0, 1.0)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_entries(reduction):
    options = {"function": "cross_entropy", "reduction": reduction, "n_inputs": 10}
    assert pass_rate("vectorized", (3, 4), 1, **options).rate == 1.0
    assert pass_rate("double_softmax", (3, 4), 1, **options).rate == 0.0
    rates = pass_rates((3, 4), 1, **options)
    assert [r.implementation for r in rates] == [
        name for name, e in IMPLEMENTATIONS.items() if "cross_entropy" in e.functions
    ]


def test_missing_mean_fails_only_where_the_mean_divides():
    # Forgetting 1/N is invisible with one slice (N = 1) or with reduction="sum".
    ce = {"function": "cross_entropy", "n_inputs": 10}
    assert pass_rate("missing_mean", (3, 4), 1, **ce).rate == 0.0
    assert pass_rate("missing_mean", (1, 4), 1, **ce).rate == 1.0
    assert pass_rate("missing_mean", (3, 4), 1, reduction="sum", **ce).rate == 1.0


def test_cross_entropy_samples_and_a_given_target():
    x, g, target = sample_point((3, 4), 1, 5, function="cross_entropy")
    assert g.shape == () and target is not None and target.shape == (3,)
    assert set(target.tolist()) <= {0.0, 1.0, 2.0, 3.0}
    _, g_none, _ = sample_point(
        (3, 4), 1, 5, "shared", function="cross_entropy", reduction="none"
    )
    assert g_none.shape == (3,) and len(set(g_none.tolist())) == 1
    _, g_random, _ = sample_point((3, 4), 1, 5, function="cross_entropy",
                                  reduction="none")  # fmt: skip
    assert len(set(g_random.tolist())) == 3
    fixed = pass_rate("vectorized", (3, 4), 1, function="cross_entropy",
                      target=[0, 1, 3], n_inputs=4)  # fmt: skip
    assert fixed.rate == 1.0
    with pytest.raises(ValueError, match="target"):
        pass_rate("vectorized", (3, 4), 1, function="cross_entropy",
                  target=[0, 1, 9], n_inputs=2)  # fmt: skip


def test_masks_apply_to_every_input():
    # The same mask in every slice (last entry masked): a shared g stays shared.
    same = np.array([[True, True, False]] * 3)
    rate = pass_rate("stale_counter", (3, 3), 1, n_inputs=20, where=same)
    assert (rate.tally("random").rate, rate.tally("shared").rate) == (0.0, 1.0)
    # Causal: gradcheck leaves masked outputs' g out of the loss, so slice 0
    # sees [g0, 0, 0] and slice 2 [g0, g1, g2]: shared no longer, and the
    # stale counter (which reads slice 0's) fails those too.
    causal = np.tri(3, dtype=bool)
    rate = pass_rate("stale_counter", (3, 3), 1, n_inputs=20, where=causal)
    assert rate.rate == 0.0
    assert pass_rate("vectorized", (3, 3), 1, n_inputs=20, where=causal).rate == 1.0
    # One kept entry per slice: every Jacobian is 0 and no bug can show.
    single = np.eye(3, dtype=bool)
    assert pass_rate("stale_counter", (3, 3), 1, n_inputs=10, where=single).rate == 1


def test_cross_entropy_targets_are_drawn_among_the_kept_classes():
    # Drawn over every class, an index could land on a masked one, which
    # gradcheck refuses ("class index 2, which is masked"): the quiz's pass
    # rates under a causal mask raised.
    mask = np.tri(3, dtype=bool)
    mask[0] = False  # a fully masked slice: its target is ignored
    seen = set()
    for seed in range(60):
        x, _, target = sample_point((3, 3), 1, seed, function="cross_entropy",
                                    where=mask)  # fmt: skip
        plain = sample_point((3, 3), 1, seed, function="cross_entropy")
        np.testing.assert_array_equal(x, plain.x)  # x as without a mask
        assert target is not None
        k = target.astype(int)
        assert k[0] == 0 and mask[[1, 2], k[1:]].all()
        seen.update(zip(range(3), k, strict=True))
    assert seen == {(0, 0), (1, 0), (1, 1), (2, 0), (2, 1), (2, 2)}
    kw = {"function": "cross_entropy", "n_inputs": 10, "where": mask}
    assert pass_rate("vectorized", (3, 3), 1, **kw).rate == 1.0
    assert pass_rate("missing_mean", (3, 3), 1, **kw).rate == 0.0


# --- properties ---------------------------------------------------------------


@st.composite
def layouts(draw: st.DrawFn) -> tuple[tuple[int, ...], object, int]:
    shape = draw(shapes(max_side=3))
    return shape, draw(axes_for(shape)), draw(st.integers(0, 2**31))


@FEW
@given(layouts(), st.sampled_from(CORRECT))
def test_property_correct_entries_pass_any_layout(layout, name):
    shape, axis, seed = layout
    assert pass_rate(name, shape, axis, n_inputs=4, seed=seed).rate == 1.0


@FEW
@given(layouts())
def test_property_stale_counter_passes_every_shared_upstream(layout):
    shape, axis, seed = layout
    rate = pass_rate("stale_counter", shape, axis, n_inputs=4, seed=seed,
                     upstreams=("shared",))  # fmt: skip
    assert rate.tally("shared").rate == 1.0


@FEW
@given(layouts(), st.sampled_from(["random", "shared"]))
def test_property_shared_g_is_one_row_in_every_slice(layout, kind):
    shape, axis, seed = layout
    x, g, target = sample_point(shape, axis, seed, kind)
    assert x.shape == g.shape == shape and target is None
    # Reference slicing with np.moveaxis, not softmax_core.slices.
    rows = moved_slices(g, axis)
    same = bool(np.all(rows == rows[(0,) * (rows.ndim - 1)]))
    if kind == "shared":
        assert same
    elif _slice_count(shape, axis) > 1 and rows.shape[-1] > 0:
        assert not same


@FEW
@given(layouts(), st.sampled_from(SOFTMAX))
def test_property_failing_seeds_are_the_inputs_gradcheck_fails(layout, name):
    shape, axis, seed = layout
    rate = pass_rate(name, shape, axis, n_inputs=4, seed=seed)
    for tally in rate.tallies:
        for s in tally.seeds:
            x, g, _ = sample_point(shape, axis, s, tally.upstream)
            passed = gradcheck(x, g, axis, implementation=name).passed
            assert passed == (s not in tally.failing_seeds)


# --- sampling -----------------------------------------------------------------


def test_sample_point_is_seeded_and_scaled():
    x1, g1, _ = sample_point((50, 40), 1, 3)
    x2, g2, _ = sample_point((50, 40), 1, 3)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(g1, g2)
    assert not np.array_equal(x1, sample_point((50, 40), 1, 4)[0])
    # 2000 standard normals times 2: the sample std is 2 within a few percent.
    assert 1.9 < x1.std() < 2.1
    assert 0.95 < g1.std() < 1.05
    assert 9.5 < sample_point((50, 40), 1, 3, scale=10.0)[0].std() < 10.5


def test_random_and_shared_inputs_of_a_seed_share_x():
    x_random = sample_point((3, 4), 0, 11, "random").x
    x_shared = sample_point((3, 4), 0, 11, "shared").x
    np.testing.assert_array_equal(x_random, x_shared)


# --- options, objects and errors ----------------------------------------------


class Correct:
    """A user's backward pass, checked like a gallery entry."""

    def forward(self, x, axis):
        return softmax(x, axis)

    def backward(self, x, upstream, axis):
        return softmax_vjp(softmax(x, axis), upstream, axis)


def test_objects_and_pass_rates_of_several_implementations():
    rates = pass_rates((2, 2), 1, (Correct(), "stale_counter"), n_inputs=10)
    assert all(isinstance(r, PassRate) for r in rates)
    assert [(r.implementation, r.rate) for r in rates] == [
        ("Correct", 1.0),
        ("stale_counter", 0.5),
    ]
    every = pass_rates((2, 2), 1, n_inputs=2)
    assert [r.implementation for r in every] == SOFTMAX


def test_uneven_split_gives_the_first_kind_the_extra_input():
    rate = pass_rate("vectorized", (2, 2), 1, n_inputs=5, seed=40)
    assert rate.tally("random").seeds == (40, 41, 42)
    assert rate.tally("shared").seeds == (43, 44)
    with pytest.raises(KeyError, match="no inputs of upstream kind 'other'"):
        rate.tally("other")


def test_tight_tolerances_reach_gradcheck():
    # atol = rtol = 0 asks for exact agreement: finite differences never give it.
    assert pass_rate("vectorized", (2, 2), 1, n_inputs=4, atol=0.0, rtol=0.0).rate == 0
    assert pass_rate("vectorized", (2, 2), 1, n_inputs=4, mode="directional").rate == 1


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"shape": (0, 3)}, ValueError, r"shape \(0, 3\) has no entries"),
        ({"n_inputs": 0}, ValueError, "n_inputs must be >= 1; got 0"),
        ({"n_inputs": True}, TypeError, "n_inputs must be an int"),
        ({"n_inputs": 2.0}, TypeError, "n_inputs must be an int"),
        ({"seed": "1"}, TypeError, "seed must be an int"),
        ({"upstreams": ("random", "random")}, ValueError, "each kind at most once"),
        ({"upstreams": ()}, ValueError, "at least one"),
        ({"upstreams": ("ones",)}, ValueError, "upstream kind must be one of"),
        ({"axis": 2}, ValueError, "axis 2 is out of range"),
        ({"implementation": "stale"}, ValueError, "unknown implementation 'stale'"),
        ({"scale": 0.0}, ValueError, "scale must be finite and > 0"),
        ({"temperature": -1.0}, ValueError, "temperature"),
        ({"function": "relu"}, ValueError, "pass_rate: function must be one of"),
        ({"implementation": "missing_mean"}, ValueError, "no softmax version"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, message):
    args = {"implementation": "vectorized", "shape": (2, 2), "axis": 1} | kwargs
    with pytest.raises(error, match=message):
        pass_rate(**args)
