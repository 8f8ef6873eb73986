"""Cross-entropy, its gradient and its targets: PyTorch pins, SciPy, finite differences.

The finite-difference helper is written here, independent of softmax_core's
gradcheck; the per-slice reference uses scipy.special.log_softmax.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special

from softmax_core import (
    REDUCTIONS,
    cross_entropy,
    cross_entropy_grad,
    softmax,
    target_distribution,
)
from tests.strategies import (
    FAST,
    cross_entropy_cases,
    masks_for,
    moved_slices,
    unmoved_slices,
)

X = np.array([[1.0, 2.0], [3.0, 4.0]])
X3 = np.array(
    [[[0.5, -1.0], [2.0, 0.0], [1.0, 3.0]], [[-2.0, 1.5], [0.0, 0.25], [4.0, -0.5]]]
)


def probabilities(target: np.ndarray, x: np.ndarray, axis) -> np.ndarray:
    """Probabilities of x's shape from indices (batch shape) or probabilities."""
    target = np.asarray(target)
    if target.shape == x.shape:
        return target.astype(np.float64)
    n = moved_slices(x, axis).shape[-1]
    return unmoved_slices(np.eye(n)[target], x.shape, axis)


def reference_losses(x, target, axis, t):
    """-sum(t * log_softmax(x / T)) per slice, slice by slice with SciPy."""
    xs = moved_slices(x / t, axis)
    ts = moved_slices(probabilities(target, x, axis), axis)
    out = np.empty(xs.shape[:-1])
    for idx in np.ndindex(out.shape):
        keep = ts[idx] > 0
        out[idx] = -np.sum(ts[idx][keep] * special.log_softmax(xs[idx])[keep])
    return out


def numeric_gradient(loss, x: np.ndarray, t: float) -> np.ndarray:
    """Central differences of `loss`, one element at a time, realised step."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        h = np.cbrt(np.finfo(np.float64).eps) * max(t, abs(x[i]))
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (loss(up) - loss(down)) / (up[i] - down[i])
    return grad


def upstream_for(reduction: str, batch: tuple[int, ...], data) -> np.ndarray:
    shape = batch if reduction == "none" else ()
    return np.asarray(data.draw(st.floats(-2, 2)) + np.arange(np.prod(shape))).reshape(
        shape
    )


# --- PyTorch pins ---------------------------------------------------------------


def test_issue_example_pinned_to_pytorch():
    # torch 2.13.0, float64: x = torch.tensor([[1., 2.], [3., 4.]],
    # requires_grad=True); loss = F.cross_entropy(x, torch.tensor([1, 0]));
    # loss.backward(); loss.item() and x.grad.
    np.testing.assert_allclose(cross_entropy(X, [1, 0], axis=1), 0.8132616875182228,
                               rtol=1e-15)
    np.testing.assert_allclose(
        cross_entropy_grad(X, [1, 0], axis=1),
        [[0.13447071068499755, -0.13447071068499755],
         [-0.36552928931500245, 0.36552928931500245]],
        rtol=1e-14,
    )


def test_sum_and_none_pinned_to_pytorch():
    # torch 2.13.0 as above with reduction="sum" and "none" (l.sum().backward()).
    assert float(cross_entropy(X, [1, 0], 1, reduction="sum")) == pytest.approx(
        1.6265233750364456, rel=1e-15
    )
    np.testing.assert_allclose(
        cross_entropy(X, [1, 0], 1, reduction="none"),
        [0.31326168751822286, 1.3132616875182228], rtol=1e-15,
    )
    expected = [[0.2689414213699951, -0.2689414213699951],
                [-0.7310585786300049, 0.7310585786300049]]
    np.testing.assert_allclose(
        cross_entropy_grad(X, [1, 0], 1, reduction="sum"), expected, rtol=1e-14
    )
    np.testing.assert_allclose(
        cross_entropy_grad(X, [1, 0], 1, reduction="none", upstream=[1.0, 1.0]),
        expected, rtol=1e-14,
    )


def test_probability_target_with_temperature_pinned_to_pytorch():
    # torch 2.13.0, float64: F.cross_entropy(x / 2.0, t) with x = X3 of shape
    # (2, 3, 2), classes along dim 1, t the probabilities below; backward().
    t = np.array(
        [[[0.2, 0.0], [0.5, 1.0], [0.3, 0.0]], [[0.0, 0.25], [1.0, 0.25], [0.0, 0.5]]]
    )
    assert float(cross_entropy(X3, t, axis=1, temperature=2.0)) == pytest.approx(
        1.5769487273036957, rel=1e-14
    )
    np.testing.assert_allclose(
        cross_entropy_grad(X3, t, axis=1, temperature=2.0),
        [[[0.003402471627222573, 0.012452956007789787],
          [-0.0023719670933287917, -0.10446854654686402],
          [-0.001030504533893778, 0.09201559053907424]],
         [[0.005251258266758256, 0.03443089729497148],
          [-0.1107256000769257, 0.003906450912515513],
          [0.10547434181016743, -0.03833734820748699]]],
        rtol=1e-12,
    )


def test_class_indices_along_a_middle_axis_pinned_to_pytorch():
    # torch 2.13.0: F.cross_entropy(X3, torch.tensor([[2, 0], [1, 1]]),
    # reduction="sum"); backward().
    index = [[2, 0], [1, 1]]
    assert float(cross_entropy(X3, index, 1, reduction="sum")) == pytest.approx(
        11.152785690615506, rel=1e-14
    )
    np.testing.assert_allclose(
        cross_entropy_grad(X3, index, 1, reduction="sum"),
        [[[0.14024438316608848, -0.9828521744544796],
          [0.6285317192117624, 0.04661262257797389],
          [-0.768776102377851, 0.9362395518765058]],
         [[0.0024282580295913376, 0.7033139760217739],
          [-0.9820574651966708, -0.7984971721709491],
          [0.9796292071670796, 0.09518319614917499]]],
        rtol=1e-12,
    )


def test_fully_masked_slice_is_left_out_like_ignore_index():
    # torch 2.13.0: F.cross_entropy(x, torch.tensor([1, -100, 0])) for x below
    # (-100 is ignore_index): loss 2.6599885180036704, the ignored row's
    # gradient 0 and the mean taken over the other two rows.
    x = np.array([[1.0, 2.0], [3.0, 4.0], [0.0, 5.0]])
    mask = np.array([[True, True], [False, False], [True, True]])
    # The masked slice's target is ignored, whatever it says.
    assert float(cross_entropy(x, [1, 1, 0], where=mask)) == pytest.approx(
        2.6599885180036704, rel=1e-15
    )
    np.testing.assert_allclose(
        cross_entropy_grad(x, [1, 0, 0], where=mask),
        [[0.13447071068499755, -0.13447071068499755], [0.0, 0.0],
         [-0.4966535745378576, 0.49665357453785763]],
        rtol=1e-14,
    )
    np.testing.assert_array_equal(cross_entropy(x, [1, 0, 0], where=mask,
                                                reduction="none")[1], 0.0)


# --- properties -------------------------------------------------------------------


@FAST
@given(cross_entropy_cases(), st.sampled_from(REDUCTIONS), st.data())
def test_gradient_equals_central_differences_of_the_loss(case, reduction, data):
    x, axis, t, target = case
    batch = moved_slices(x, axis).shape[:-1]
    u = upstream_for(reduction, batch, data)
    grad = cross_entropy_grad(
        x, target, axis, temperature=t, reduction=reduction, upstream=u
    )
    assert grad.shape == x.shape and grad.dtype == np.float64

    def loss(z):
        out = cross_entropy(z, target, axis, temperature=t, reduction=reduction)
        return float(np.sum(u * out))

    np.testing.assert_allclose(
        grad, numeric_gradient(loss, x, t), rtol=1e-6, atol=1e-7 / t
    )


@FAST
@given(cross_entropy_cases(bound=30.0, max_side=4))
def test_losses_match_scipy_slice_by_slice(case):
    x, axis, t, target = case
    np.testing.assert_allclose(
        cross_entropy(x, target, axis, temperature=t, reduction="none"),
        reference_losses(x, target, axis, t), rtol=1e-12, atol=1e-12,
    )


@FAST
@given(cross_entropy_cases(bound=30.0, max_side=4))
def test_gradient_of_each_slice_sums_to_zero(case):
    x, axis, t, target = case
    grad = cross_entropy_grad(x, target, axis, temperature=t, reduction="sum")
    np.testing.assert_allclose(
        moved_slices(grad, axis).sum(axis=-1), 0.0, atol=1e-14 / t
    )


@FAST
@given(cross_entropy_cases(bound=30.0, max_side=4), st.data())
def test_mean_is_the_sum_over_the_slices_that_take_part(case, data):
    x, axis, t, target = case
    mask = data.draw(masks_for(x.shape))
    # Keep the target off the masked classes: put it on the first unmasked one.
    ms = moved_slices(mask, axis)
    first = np.argmax(ms, axis=-1)
    n = ms.shape[-1]
    target = unmoved_slices(np.eye(n)[first], x.shape, axis)
    kw = {"temperature": t, "where": mask}
    counted = int(np.count_nonzero(ms.any(axis=-1)))
    mean = float(cross_entropy(x, target, axis, **kw))
    total = float(cross_entropy(x, target, axis, reduction="sum", **kw))
    assert mean == pytest.approx(total / max(1, counted), rel=1e-14, abs=1e-300)
    np.testing.assert_allclose(
        cross_entropy_grad(x, target, axis, **kw) * max(1, counted),
        cross_entropy_grad(x, target, axis, reduction="sum", **kw),
        rtol=1e-14, atol=1e-300,
    )
    per_slice = cross_entropy(x, target, axis, reduction="none", **kw)
    assert np.all(per_slice[~ms.any(axis=-1)] == 0)


@FAST
@given(cross_entropy_cases(bound=30.0, max_side=4))
def test_one_hot_probabilities_give_the_same_loss_as_indices(case):
    x, axis, t, target = case
    if target.shape == x.shape:  # indices only: draw again as one-hot
        target = np.argmax(moved_slices(target, axis), axis=-1)
    one_hot = probabilities(target, x, axis)
    for reduction in REDUCTIONS:
        kw = {"temperature": t, "reduction": reduction}
        np.testing.assert_array_equal(
            cross_entropy(x, one_hot, axis, **kw), cross_entropy(x, target, axis, **kw)
        )
    np.testing.assert_array_equal(
        cross_entropy_grad(x, one_hot, axis, temperature=t),
        cross_entropy_grad(x, target, axis, temperature=t),
    )


@FAST
@given(cross_entropy_cases(bound=5.0, max_side=3), st.data())
def test_masked_loss_is_the_loss_of_the_unmasked_classes(case, data):
    x, axis, t, _ = case
    mask = data.draw(masks_for(x.shape))
    ms, xs = moved_slices(mask, axis), moved_slices(x, axis)
    target = unmoved_slices(np.eye(ms.shape[-1])[np.argmax(ms, axis=-1)], x.shape,
                            axis)
    losses = cross_entropy(x, target, axis, temperature=t, reduction="none",
                           where=mask)
    grad = cross_entropy_grad(x, target, axis, temperature=t, reduction="none",
                              where=mask, upstream=np.ones(ms.shape[:-1]))
    ts, gs = moved_slices(target, axis), moved_slices(grad, axis)
    for idx in np.ndindex(ms.shape[:-1]):
        keep = ms[idx]
        if not keep.any():
            assert losses[idx] == 0 and np.all(gs[idx] == 0)
            continue
        log_y = special.log_softmax(xs[idx][keep] / t)
        assert losses[idx] == pytest.approx(-np.sum(ts[idx][keep] * log_y), rel=1e-12)
        expected = (np.exp(log_y) - ts[idx][keep]) / t
        np.testing.assert_allclose(gs[idx][keep], expected, rtol=1e-12, atol=1e-15)
        assert np.all(gs[idx][~keep] == 0)


def test_upstream_scales_the_gradient():
    g = cross_entropy_grad(X, [1, 0], 1)
    np.testing.assert_allclose(cross_entropy_grad(X, [1, 0], 1, upstream=-3.0), -3 * g)
    none = cross_entropy_grad(X, [1, 0], 1, reduction="none", upstream=[2.0, 0.0])
    np.testing.assert_allclose(none, [2 * 2 * g[0], [0.0, 0.0]])


# --- edge cases -------------------------------------------------------------------


def test_zero_times_log_zero_is_zero_and_a_lost_target_class_is_inf():
    # The class with no target probability underflows (exp(-1000) = 0): it adds
    # nothing; a target class whose probability is exactly 0 costs inf.
    with np.errstate(all="raise"):
        loss = cross_entropy([[-1000.0, 0.0]], [[0.0, 1.0]])
        assert float(loss) == 0.0
        assert float(cross_entropy([[-np.inf, 0.0]], [0])) == np.inf
        grad = cross_entropy_grad([[-np.inf, 0.0]], [0])
    np.testing.assert_array_equal(grad, [[-1.0, 1.0]])


def test_all_minus_inf_slice_takes_no_part_like_a_fully_masked_one():
    x = [[-np.inf, -np.inf], [1.0, 2.0]]
    assert float(cross_entropy(x, [0, 1])) == pytest.approx(0.31326168751822286)
    np.testing.assert_array_equal(cross_entropy_grad(x, [0, 1])[0], [0.0, 0.0])


def test_no_slice_left_gives_a_mean_of_zero():
    mask = np.zeros((2, 2), bool)
    assert float(cross_entropy(X, [0, 1], where=mask)) == 0.0
    np.testing.assert_array_equal(cross_entropy_grad(X, [0, 1], where=mask), 0.0)
    assert cross_entropy(np.zeros((0, 3)), np.zeros(0, int)).shape == ()
    assert float(cross_entropy(np.zeros((0, 3)), np.zeros(0, int))) == 0.0


def test_nan_logits_poison_only_their_slice():
    out = cross_entropy([[np.nan, 1.0], [1.0, 2.0]], [0, 1], reduction="none")
    assert np.isnan(out[0]) and out[1] == pytest.approx(0.31326168751822286)
    assert np.isnan(float(cross_entropy([[np.nan, 1.0], [1.0, 2.0]], [0, 1])))


def test_huge_logits_stay_finite_under_errstate_raise():
    with np.errstate(all="raise"):
        loss = cross_entropy([[1e308, -1e308], [3e38, 1.0]], [0, 1])
        grad = cross_entropy_grad([[1e308, -1e308], [3e38, 1.0]], [0, 1])
    assert float(loss) == pytest.approx(3e38 / 2, rel=1e-12)
    np.testing.assert_allclose(grad, [[0.0, 0.0], [0.5, -0.5]])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_dtype_follows_the_logits(dtype):
    x = X.astype(dtype)
    assert cross_entropy(x, [1, 0], 1).dtype == dtype
    assert cross_entropy_grad(x, [1, 0], 1).dtype == dtype
    np.testing.assert_allclose(
        cross_entropy(x, [1, 0], 1).astype(np.float64), 0.8132616875182228,
        rtol={2: 1e-3, 4: 1e-6, 8: 1e-15}[np.dtype(dtype).itemsize],
    )
    # Probabilities' dtype counts too, as for mixed arrays elsewhere.
    probs = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert cross_entropy(X.astype(np.float32), probs, 1).dtype == np.float64


def test_tuple_class_axes_number_classes_in_c_order():
    # Classes along axes (0, 2) of a (2, 3, 2) array: class k of batch entry b
    # is x[k // 2, b, k % 2].
    index = [3, 0, 2]
    losses = cross_entropy(X3, index, axis=(0, 2), reduction="none")
    for b, k in enumerate(index):
        logits = X3[:, b, :].ravel()
        assert losses[b] == pytest.approx(-special.log_softmax(logits)[k], rel=1e-14)


# --- targets ----------------------------------------------------------------------


def test_target_distribution_from_indices_and_probabilities():
    np.testing.assert_array_equal(
        target_distribution([1, 0], (2, 2), axis=1), [[0.0, 1.0], [1.0, 0.0]]
    )
    # Integer-valued floats, as parsed from text; along axis 0.
    np.testing.assert_array_equal(
        target_distribution([1.0, 0.0, 1.0], (2, 3), axis=0),
        [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0]],
    )
    probs = np.array([[0.1, 0.2, 0.7]], dtype=np.float32)
    out = target_distribution(probs, (1, 3))
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, probs)
    # A fully masked slice takes no part: its target comes back as zeros.
    mask = np.array([[True, True], [False, False]])
    np.testing.assert_array_equal(
        target_distribution([1, 1], (2, 2), where=mask), [[0.0, 1.0], [0.0, 0.0]]
    )


BAD_TARGETS = [
    ([1, 3], "target: slice (1,) has class index 3, but the class axis has length 2"),
    ([-1, 0], "target: slice (0,) has class index -1, but the class axis has length 2"),
    ([0.0, 0.5], "target: slice (1,) has class index 0.5, which is not an integer"),
    ([0.0, np.nan], "target: slice (1,) has class index nan, which is not an integer"),
    ([[0.5, 0.5], [-0.25, 1.25]],
     "target: slice (1,) has probability -0.25 at class 0; probabilities must be"),
    ([[0.5, 0.4], [0.0, 1.0]], "target: slice (0,) sums to 0.9, not 1"),
    ([[0.5, 0.5], [np.inf, 0.0]], "target: slice (1,) holds inf at class 0"),
    ([[1, 0, 0]], "target has shape (1, 3); expected class indices of the batch "
                  "shape (2,) (the logits' shape without the class axis 1) or "
                  "probabilities of the logits' shape (2, 2)"),
]


@pytest.mark.parametrize(("target", "message"), BAD_TARGETS)
@pytest.mark.parametrize("func", [cross_entropy, cross_entropy_grad])
def test_bad_targets_name_the_slice(func, target, message):
    with pytest.raises(ValueError) as info:
        func(np.zeros((2, 2)), target)
    assert str(info.value).startswith(f"{func.__name__}: ")
    assert message in str(info.value)


def test_target_on_a_masked_class_is_refused():
    mask = np.array([[True, False], [True, True]])
    with pytest.raises(ValueError, match=r"slice \(0,\) has class index 1, which "
                       "is masked"):
        cross_entropy(X, [1, 0], where=mask)
    with pytest.raises(ValueError, match=r"slice \(0,\) puts probability 0.5 on "
                       "class 1, which is masked"):
        cross_entropy(X, [[0.5, 0.5], [1.0, 0.0]], where=mask)


def test_sum_tolerance_accepts_rounding_and_names_itself():
    # 0.1 + 0.2 + 0.7 is 0.9999999999999999 in float64; float16 rounds more.
    cross_entropy(np.zeros((1, 3)), [[0.1, 0.2, 0.7]])
    cross_entropy(np.zeros((1, 3)), np.array([[0.1, 0.2, 0.7]], np.float16))
    with pytest.raises(ValueError, match=r"sums to 0.999, not 1 \(probabilities "
                       r"must sum to 1 within 1e-06\)"):
        cross_entropy(np.zeros((1, 3)), [[0.333, 0.333, 0.333]])


def test_other_bad_arguments():
    with pytest.raises(TypeError, match="got a boolean array"):
        cross_entropy(X, [True, False])
    with pytest.raises(ValueError, match="reduction must be one of 'mean', 'sum', "
                       "'none'; got 'avg'"):
        cross_entropy(X, [1, 0], reduction="avg")
    with pytest.raises(ValueError, match="upstream must be a scalar; got shape"):
        cross_entropy_grad(X, [1, 0], upstream=[1.0, 1.0])
    with pytest.raises(ValueError, match=r"of the batch shape \(2,\)"):
        cross_entropy_grad(X, [1, 0], reduction="none")
    with pytest.raises(ValueError, match="have no class axis"):
        cross_entropy(np.array(1.0), np.array(0), axis=None)
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        cross_entropy(X, [1, 0], axis=2)
    with pytest.raises(ValueError, match="temperature must be finite"):
        cross_entropy(X, [1, 0], temperature=0.0)


def test_loss_of_uniform_logits_is_log_n():
    # softmax of equal logits is 1/n whatever the target: the loss is log n.
    for n in (2, 3, 10):
        assert float(cross_entropy(np.zeros(n), 0)) == pytest.approx(np.log(n))
    np.testing.assert_allclose(softmax(np.zeros(3)), 1 / 3)
