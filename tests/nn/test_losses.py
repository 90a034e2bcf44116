"""Output heads: loss values and logit gradients against PyTorch, stability, validation,
target encoding and decisions."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from depthlens.errors import ConfigError
from depthlens.nn.activations import ACTIVATIONS
from depthlens.nn.losses import LOSSES, Head, log_softmax, loss_name, make_head, softmax

from .support import HEADS, encoded_targets, torch_head_loss

# The documented pairs plus every elementwise output trained with (half_)mse.
ALL_HEADS = sorted({*HEADS, *((a, "mse") for a in ACTIVATIONS),
                    *((a, "half_mse") for a in ("linear", "sigmoid", "relu"))})


def head_case(output: str, loss: str, n: int = 7, m: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=2.0, size=(n, m))
    if output in ("relu", "leaky_relu", "elu"):
        z = np.where(np.abs(z) < 1e-3, 0.5, z)  # away from the kink
    head = make_head(output, loss)
    return head, z, encoded_targets(output, loss, n, m, rng)


def head_value_and_grad(head: Head, z: np.ndarray, t: np.ndarray):
    o = head.forward(z)
    return head.value(z, o, t), head.gradient(z, o, t)


@pytest.mark.parametrize(("output", "loss"), ALL_HEADS)
def test_value_matches_torch_loss(output, loss):
    head, z, t = head_case(output, loss)
    value, _ = head_value_and_grad(head, z, t)
    expected = torch_head_loss(output, loss, torch.as_tensor(z), t).item()
    assert value == pytest.approx(expected, rel=1e-13, abs=1e-15)


@pytest.mark.parametrize(("output", "loss"), ALL_HEADS)
def test_gradient_wrt_logits_matches_torch_autograd(output, loss):
    head, z, t = head_case(output, loss, seed=1)
    _, grad = head_value_and_grad(head, z, t)
    zt = torch.as_tensor(z).requires_grad_(True)
    torch_head_loss(output, loss, zt, t).backward()
    np.testing.assert_allclose(grad, zt.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("output", "loss"), ALL_HEADS)
def test_gradient_wrt_logits_matches_finite_differences(output, loss):
    head, z, t = head_case(output, loss, seed=2)
    _, grad = head_value_and_grad(head, z, t)
    h = 1e-6
    numeric = np.empty_like(z)
    for idx in np.ndindex(z.shape):
        up, down = z.copy(), z.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (head.value(up, head.forward(up), t)
                        - head.value(down, head.forward(down), t)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(("output", "loss"), ALL_HEADS)
def test_per_sample_losses_average_to_the_value(output, loss):
    head, z, t = head_case(output, loss, seed=3)
    o = head.forward(z)
    per = head.per_sample(z, o, t)
    assert per.shape == (z.shape[0],)
    assert per.mean() == pytest.approx(head.value(z, o, t), rel=1e-13)


@pytest.mark.parametrize(("output", "loss"), [("sigmoid", "bce"), ("softmax", "cross_entropy")])
def test_fused_losses_are_finite_and_exact_for_logits_of_1000(output, loss):
    head = make_head(output, loss)
    z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0], [0.0, 1000.0]])
    t = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value, grad = head_value_and_grad(head, z, t)
    assert np.isfinite(value)
    assert np.all(np.isfinite(grad))
    expected = torch_head_loss(output, loss, torch.as_tensor(z), t).item()
    assert value == pytest.approx(expected, rel=1e-12)
    assert value > 100  # the wrong confident row costs about 2000 (bce: 1000 per element)


def test_softmax_and_log_softmax_are_stable_and_consistent():
    z = np.array([[1000.0, 999.0, -1000.0], [0.0, 0.0, 0.0]])
    p = softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(np.exp(log_softmax(z)), p, rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(log_softmax(z), torch.log_softmax(torch.as_tensor(z), 1).numpy(),
                               rtol=1e-14)


@pytest.mark.parametrize(("output", "loss", "field"), [
    ("softmax", "mse", "loss"),
    ("softmax", "half_mse", "loss"),
    ("relu", "bce", "output"),
    ("tanh", "bce", "output"),
    ("linear", "cross_entropy", "output"),
    ("sigmoid", "cross_entropy", "output"),
])
def test_invalid_output_loss_pairs_raise_config_error(output, loss, field):
    with pytest.raises(ConfigError) as err:
        Head(output, loss)
    assert err.value.field == field
    with pytest.raises(ConfigError):
        make_head(output, loss)


def test_unknown_names_raise_config_error_naming_the_field():
    with pytest.raises(ConfigError) as err:
        make_head(None, "hinge")
    assert err.value.field == "loss"
    with pytest.raises(ConfigError) as err:
        make_head("softmaxx", "cross_entropy")
    assert err.value.field == "output"
    with pytest.raises(ConfigError) as err:
        Head("tanh", "mae")
    assert err.value.field == "loss"


def test_loss_aliases_and_default_outputs():
    assert loss_name("CE") == "cross_entropy"
    assert loss_name("log_loss") == "bce"
    assert loss_name("playground") == "half_mse"
    assert set(LOSSES) == {"mse", "half_mse", "bce", "cross_entropy"}
    assert make_head(None, "ce") == Head("softmax", "cross_entropy")
    assert make_head(None, "bce") == Head("sigmoid", "bce")
    assert make_head(None, "half_mse") == Head("tanh", "half_mse")
    assert make_head(None, "mse") == Head("linear", "mse")
    assert make_head("logistic", "bce") == Head("sigmoid", "bce")
    assert make_head("SoftMax", "cross_entropy").output == "softmax"


def test_fused_flag_only_for_logit_losses():
    assert Head("sigmoid", "bce").fused and Head("softmax", "cross_entropy").fused
    assert not Head("sigmoid", "mse").fused and not Head("tanh", "half_mse").fused
    assert Head("softmax", "cross_entropy").activation is None
    assert Head("tanh", "half_mse").activation is ACTIVATIONS["tanh"]


def test_tanh_head_encodes_plus_minus_one_targets():
    head = Head("tanh", "half_mse")
    classes = np.array([0, 1, 1, 0])
    np.testing.assert_array_equal(head.encode(classes, 1, np.float64)[:, 0], [-1, 1, 1, -1])
    t3 = head.encode(np.array([2, 0]), 3, np.float32)
    assert t3.dtype == np.float32
    np.testing.assert_array_equal(t3, [[-1, -1, 1], [1, -1, -1]])


@pytest.mark.parametrize(("output", "loss"), [("sigmoid", "bce"), ("linear", "mse"),
                                              ("softmax", "cross_entropy")])
def test_other_heads_encode_zero_one_targets(output, loss):
    head = make_head(output, loss)
    np.testing.assert_array_equal(head.encode(np.array([1, 0]), 1, np.float64), [[1], [0]])
    np.testing.assert_array_equal(head.encode(np.array([1, 0, 2]), 3, np.float64),
                                  [[0, 1, 0], [1, 0, 0], [0, 0, 1]])


def test_decide_thresholds_halfway_between_the_targets():
    tanh = Head("tanh", "half_mse")
    np.testing.assert_array_equal(tanh.decide(np.array([[-0.9], [-0.01], [0.01], [0.7]])),
                                  [0, 0, 1, 1])
    sig = Head("sigmoid", "bce")
    np.testing.assert_array_equal(sig.decide(np.array([[0.2], [0.49], [0.51], [0.99]])),
                                  [0, 0, 1, 1])
    soft = Head("softmax", "cross_entropy")
    np.testing.assert_array_equal(soft.decide(np.array([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]])),
                                  [1, 0])


@pytest.mark.parametrize(("output", "loss"), HEADS)
def test_decide_inverts_encode(output, loss):
    head = make_head(output, loss)
    for m in (1, 3):
        classes = np.array([0, 1, 1, 0]) if m == 1 else np.array([2, 0, 1, 2])
        if output == "softmax" and m == 1:
            continue  # one softmax output is constant; a decision needs two units
        np.testing.assert_array_equal(head.decide(head.encode(classes, m, np.float64)), classes)
