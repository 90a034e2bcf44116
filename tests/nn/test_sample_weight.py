"""Per-row weights in the engine: MLP.gradient(..., weights=) and Trainer(sample_weight=).

The weighted batch loss is L = Σᵢ wᵢ ℓᵢ / Σᵢ wᵢ; its oracles are PyTorch's per-row losses
(``reduction='none'``) times the weights over their sum, central finite differences, and
integer weights as repeated rows.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from depthlens.errors import ConfigError
from depthlens.nn import MLP
from depthlens.nn.optimizers import make_optimizer
from depthlens.nn.training import Trainer

from .support import (
    BACKENDS,
    HEADS,
    TORCH_ACTIVATIONS,
    encoded_targets,
    twin_networks,
    weighted_batch_gradient,
)


def torch_per_row(output: str, loss: str, logits: torch.Tensor, t: np.ndarray) -> torch.Tensor:
    """Each row's loss (n,) in PyTorch: reduction='none', averaged over the outputs as our
    head's mean over n·m elements is."""
    tt = torch.as_tensor(t, dtype=logits.dtype)
    if loss == "cross_entropy":
        return F.cross_entropy(logits, tt.argmax(dim=1), reduction="none")
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(logits, tt, reduction="none").mean(dim=1)
    o = TORCH_ACTIVATIONS[output](logits)
    per = F.mse_loss(o, tt, reduction="none").mean(dim=1)
    return 0.5 * per if loss == "half_mse" else per


def weighted_fd_gradient(net: MLP, x, t, w, h: float = 1e-6) -> np.ndarray:
    """Central differences of Σ wᵢ ℓᵢ / Σ wᵢ, with ℓᵢ from the unweighted ``loss`` of one row."""
    def value() -> float:
        return sum(wi * net.loss(x[i : i + 1], t[i : i + 1]) for i, wi in enumerate(w)) / w.sum()

    params, grad = net.params, np.empty_like(net.params)
    for i in range(params.size):
        keep = params[i]
        params[i] = keep + h
        up = value()
        params[i] = keep - h
        down = value()
        params[i] = keep
        grad[i] = (up - down) / (2 * h)
    return grad


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("output", "loss"), HEADS)
def test_weighted_loss_and_gradient_match_torch(output, loss, backend):
    rng = np.random.default_rng(1)
    m = 3 if loss == "cross_entropy" else 2
    tnet, net = twin_networks([3, 5, 4, m], "tanh", output, loss, np.float64, backend)
    x = rng.normal(size=(9, 3))
    t = encoded_targets(output, loss, 9, m, rng)
    w = rng.uniform(0.0, 3.0, size=9)
    value = net.gradient(x, t, weights=w)
    xt = torch.as_tensor(x)
    wt = torch.as_tensor(w)
    ref = (torch_per_row(output, loss, tnet(xt), t) * wt).sum() / wt.sum()
    ref.backward()
    assert value == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(net.grads, tnet.flat_grads(), rtol=1e-10, atol=1e-12)
    # and it is not what the plain mean gives (the weights do something)
    assert not np.allclose(net.gradient(x, t), tnet.flat_grads(), rtol=1e-6)


@pytest.mark.parametrize(("output", "loss"), HEADS)
def test_weighted_gradient_matches_finite_differences(output, loss):
    rng = np.random.default_rng(2)
    m = 3 if loss == "cross_entropy" else 1
    net = MLP([2, 4, m], "sigmoid", output, loss, dtype=np.float64, backend="numpy")
    net.initialize("torch", 3)
    x = rng.normal(size=(6, 2))
    t = encoded_targets(output, loss, 6, m, rng)
    w = np.array([0.5, 2.0, 0.0, 1.0, 3.0, 0.25])
    net.gradient(x, t, weights=w)
    np.testing.assert_allclose(net.grads, weighted_fd_gradient(net, x, t, w), rtol=1e-6,
                               atol=1e-8)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("output", "loss"), HEADS)
def test_integer_weights_equal_repeated_rows(output, loss, backend):
    rng = np.random.default_rng(4)
    m = 3 if loss == "cross_entropy" else 2
    net = MLP([3, 6, m], "relu", output, loss, dtype=np.float64, backend=backend)
    net.initialize("torch", 0)
    x = rng.normal(size=(8, 3))
    t = encoded_targets(output, loss, 8, m, rng)
    w = np.array([0, 1, 3, 2, 0, 1, 4, 1])
    weighted = net.gradient(x, t, weights=w), net.grads.copy()
    repeated = net.gradient(np.repeat(x, w, axis=0), np.repeat(t, w, axis=0)), net.grads.copy()
    assert weighted[0] == pytest.approx(repeated[0], rel=1e-12)
    np.testing.assert_allclose(weighted[1], repeated[1], rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("backend", BACKENDS)
def test_weights_are_taken_at_idx_like_the_rows(backend):
    rng = np.random.default_rng(5)
    net = MLP([2, 5, 1], "tanh", "sigmoid", "bce", dtype=np.float64, backend=backend)
    net.initialize("torch", 1)
    x, t = rng.normal(size=(10, 2)), rng.integers(0, 2, (10, 1)).astype(float)
    w = rng.uniform(0.1, 2.0, size=10)
    idx = np.array([7, 2, 2, 9])
    value = net.gradient(x, t, idx, weights=w)
    grads = net.grads.copy()
    assert value == pytest.approx(net.gradient(x[idx], t[idx], weights=w[idx]), rel=1e-14)
    np.testing.assert_allclose(grads, net.grads, rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unit_and_scaled_weights_give_the_plain_mean(dtype):
    rng = np.random.default_rng(6)
    net = MLP([2, 5, 3], "relu", "softmax", "cross_entropy", dtype=dtype, backend="numpy")
    net.initialize("torch", 2)
    x = rng.normal(size=(7, 2)).astype(dtype)
    t = np.eye(3, dtype=dtype)[rng.integers(0, 3, 7)]
    plain = net.gradient(x, t), net.grads.copy()
    for w in (np.ones(7), np.full(7, 10.0)):
        assert net.gradient(x, t, weights=w) == pytest.approx(plain[0], rel=1e-6)
        np.testing.assert_allclose(net.grads, plain[1], rtol=1e-5, atol=1e-7)


def test_a_batch_whose_weights_are_all_zero_has_no_loss_and_no_gradient():
    net = MLP([2, 3, 1], "tanh", None, "mse", dtype=np.float64).initialize("torch", 0)
    x = np.ones((4, 2))
    assert net.gradient(x, np.ones((4, 1)), weights=np.zeros(4)) == 0.0
    assert not net.grads.any()


def test_weights_of_the_wrong_length_are_refused_naming_them():
    net = MLP([2, 3, 1], "tanh", None, "mse", dtype=np.float64)
    with pytest.raises(ConfigError) as info:
        net.gradient(np.ones((4, 2)), np.ones((4, 1)), weights=np.ones(3))
    assert info.value.field == "weights"


def _hand_trained(net: MLP, x, t, w, batch: int, epochs: int, seed: int, shuffle: bool):
    """The oracle: the same steps driven by hand, each batch's gradient assembled from the
    unweighted gradients of its single rows, Σ wᵢ ∇ℓᵢ / Σ wᵢ."""
    opt = make_optimizer("adam", lr=0.05)
    state = opt.init(net.params)
    rng = np.random.default_rng(seed)
    n = x.shape[0]
    for _ in range(epochs):
        order = rng.permutation(n) if shuffle else np.arange(n)
        for start in range(0, n, batch):
            rows = order[start : start + batch]
            weighted_batch_gradient(net, x, t, w, rows)
            opt.update(net.params, net.grads, state)
    return net.params


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("backend", BACKENDS)
def test_trainer_weights_follow_their_rows_through_shuffling(shuffle, backend):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(23, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(int)
    w = rng.uniform(0.2, 3.0, size=23)
    net = MLP([2, 6, 1], "tanh", "sigmoid", "bce", dtype=np.float64, backend=backend)
    net.initialize("torch", 4)
    oracle = net.copy()
    tr = Trainer(net, make_optimizer("adam", lr=0.05), x, y, batch_size=5, shuffle=shuffle,
                 seed=11, sample_weight=w)
    assert tr._fused() is None  # weighted steps go one by one
    tr.fit(3)
    t = net.head.encode(y, 1, np.float64)
    expected = _hand_trained(oracle, x, t, w, 5, 3, 11, shuffle)
    np.testing.assert_allclose(net.params, expected, rtol=1e-9, atol=1e-12)
    unweighted = MLP([2, 6, 1], "tanh", "sigmoid", "bce", dtype=np.float64,
                     backend=backend).initialize("torch", 4)
    Trainer(unweighted, make_optimizer("adam", lr=0.05), x, y, batch_size=5, shuffle=shuffle,
            seed=11).fit(3)
    assert not np.allclose(unweighted.params, net.params)


def test_full_batch_training_with_integer_weights_equals_repeated_rows():
    rng = np.random.default_rng(8)
    x = rng.normal(size=(12, 2))
    y = x @ np.array([1.0, -2.0]) + 0.5
    w = rng.integers(0, 4, size=12)
    w[0] = 1
    a = MLP([2, 5, 1], "tanh", None, "mse", dtype=np.float64).initialize("torch", 5)
    b = a.copy()
    Trainer(a, make_optimizer("sgd", lr=0.05), x, y, problem="regression", batch_size="all",
            sample_weight=w).fit(20)
    Trainer(b, make_optimizer("sgd", lr=0.05), np.repeat(x, w, axis=0), np.repeat(y, w),
            problem="regression", batch_size="all").fit(20)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-10, atol=1e-12)


def test_the_trainer_copies_the_weights_and_never_changes_the_callers_array():
    w = np.array([1.0, 2.0, 3.0, 4.0])
    net = MLP([1, 2, 1], "tanh", None, "mse", dtype=np.float64).initialize("torch", 0)
    tr = Trainer(net, make_optimizer("sgd", lr=0.1), np.ones((4, 1)), np.ones(4),
                 problem="regression", batch_size=2, sample_weight=w)
    tr.fit(2)
    w[0] = 100.0
    assert tr.sample_weight[0] == 1.0


@pytest.mark.parametrize("w", [np.ones(3), np.ones((4, 1)), [1, 1, -1, 1], [1, np.nan, 1, 1],
                               [1, np.inf, 1, 1], np.zeros(4)])
def test_bad_trainer_weights_are_refused_naming_sample_weight(w):
    net = MLP([1, 2, 1], "tanh", None, "mse", dtype=np.float64)
    with pytest.raises(ConfigError) as info:
        Trainer(net, make_optimizer("sgd", lr=0.1), np.ones((4, 1)), np.ones(4),
                problem="regression", sample_weight=w)
    assert info.value.field == "sample_weight"
