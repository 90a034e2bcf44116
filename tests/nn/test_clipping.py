"""Gradient clipping by norm against torch.nn.utils.clip_grad_norm_, alone and inside training."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.errors import ConfigError
from depthlens.nn import MLP, RecurrentNet, Trainer, clip_grad_norm, make_optimizer
from depthlens.nn.clipping import grad_norm

from .support import torch_dtype


def torch_clip(pieces: list[np.ndarray], max_norm: float, norm_type: float = 2.0):
    """torch's clip over separate parameters holding ``pieces`` as gradients: (norm, grads)."""
    params = []
    for g in pieces:
        p = torch.zeros(g.shape, dtype=torch_dtype(g.dtype), requires_grad=True)
        p.grad = torch.as_tensor(g.copy())
        params.append(p)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
    return float(total), np.concatenate([p.grad.numpy().ravel() for p in params])


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(1, 30), min_size=1, max_size=5),
       scale=st.floats(1e-3, 1e3), max_norm=st.floats(1e-2, 1e2),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 10_000),
       norm_type=st.sampled_from([2.0, math.inf]))
def test_clip_matches_torch_on_random_gradients(sizes, scale, max_norm, dtype, seed, norm_type):
    rng = np.random.default_rng(seed)
    pieces = [(scale * rng.normal(size=s)).astype(dtype) for s in sizes]
    flat = np.concatenate(pieces)
    norm = clip_grad_norm(flat, max_norm, norm_type)
    t_norm, t_grads = torch_clip(pieces, max_norm, norm_type)
    rtol = 1e-12 if dtype == np.float64 else 2e-6
    assert norm == pytest.approx(t_norm, rel=rtol)
    np.testing.assert_allclose(flat, t_grads, rtol=rtol, atol=0)
    assert flat.dtype == dtype
    if t_norm > max_norm:  # clipped: the norm is now max_norm · N/(N + 1e-6)
        assert grad_norm(flat, norm_type) == pytest.approx(max_norm * norm / (norm + 1e-6),
                                                           rel=1e-5)


def test_a_gradient_within_the_bound_is_left_exactly_as_it_is():
    g = np.array([3.0, 4.0])
    keep = g.copy()
    assert clip_grad_norm(g, 5.0 + 1e-6) == 5.0
    np.testing.assert_array_equal(g, keep)
    assert clip_grad_norm(g, 1.0) == 5.0
    np.testing.assert_allclose(g, keep / (5.0 + 1e-6), rtol=1e-15)


def test_a_non_finite_gradient_behaves_as_in_torch():
    for bad in (np.nan, np.inf):
        g = np.array([1.0, bad, 2.0])
        norm = clip_grad_norm(g, 1.0)
        t_norm, t_grads = torch_clip([np.array([1.0, bad, 2.0])], 1.0)
        assert (math.isnan(norm) and math.isnan(t_norm)) or norm == t_norm
        np.testing.assert_array_equal(g, t_grads)


@pytest.mark.parametrize("bad", [0, -1.0, math.nan, math.inf, True, "1", None])
def test_a_bad_bound_is_a_config_error_naming_clip_norm(bad):
    with pytest.raises(ConfigError) as err:
        clip_grad_norm(np.ones(3), bad)
    assert err.value.field == "clip_norm"
    if bad is not None:  # None means "no clipping" to the Trainer
        x = np.zeros((4, 3, 1))
        with pytest.raises(ConfigError, match=r"^clip_norm: "):
            Trainer(RecurrentNet(1, 2), make_optimizer("sgd"), x, np.zeros(4),
                    problem="regression", clip_norm=bad)


def test_norm_type_other_than_2_or_inf_is_refused():
    with pytest.raises(ConfigError, match="norm_type"):
        clip_grad_norm(np.ones(3), 1.0, norm_type=1.0)


# -- inside training --------------------------------------------------------------------------
CLIP_DTYPES = [pytest.param(np.float64, {"rtol": 1e-9, "atol": 1e-10}, id="float64"),
               pytest.param(np.float32, {"rtol": 1e-4, "atol": 1e-5}, id="float32")]


@pytest.mark.parametrize(("dtype", "tol"), CLIP_DTYPES)
@pytest.mark.parametrize(("cell", "opt", "torch_opt"), [
    ("gru", ("adam", {"lr": 0.02}), lambda p: torch.optim.Adam(p, lr=0.02)),
    ("elman", ("sgd", {"lr": 0.1, "momentum": 0.5}),
     lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.5)),
], ids=["gru-adam", "elman-sgd-momentum"])
def test_50_clipped_trainer_steps_equal_torch(cell, opt, torch_opt, dtype, tol):
    """The Trainer with clip_norm against a torch loop: backward, clip_grad_norm_, step."""
    from .test_recurrent import TorchRecurrent

    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6, 1)).astype(dtype)
    y = (3.0 * x.sum(axis=(1, 2))).astype(dtype)  # large targets: large gradients
    tnet = TorchRecurrent(1, 5, cell, "tanh", 1, 1, dtype, seed=2)
    net = RecurrentNet(1, 5, cell, dtype=dtype, init="zeros")
    net.set_params(tnet.tensors())
    tr = Trainer(net, make_optimizer(opt[0], **opt[1]), x, y, problem="regression",
                 batch_size=10, shuffle=False, clip_norm=0.5)
    topt = torch_opt(tnet.parameters())
    xt, yt = torch.as_tensor(x), torch.as_tensor(y[:, None])
    norms = []
    for step in range(50):
        rows = slice(10 * (step % 4), 10 * (step % 4) + 10)
        topt.zero_grad()
        F.mse_loss(tnet(xt[rows])[0], yt[rows]).backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(tnet.parameters(), 0.5)))
        topt.step()
        tr.step()
    for key, p in tnet.tensors().items():
        np.testing.assert_allclose(net.tensors[key], p, **tol, err_msg=key)
    assert min(norms) > 0.5  # every step was clipped: the test compares clipped training


def test_clipping_an_mlp_takes_the_step_by_step_path_and_equals_torch():
    """The compiled MLP's fused SGD steps cannot clip: with clip_norm they run one by one."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 2))
    y = 5.0 * x[:, 0] * x[:, 1]
    torch.manual_seed(0)
    layers = torch.nn.Sequential(torch.nn.Linear(2, 6), torch.nn.Tanh(),
                                 torch.nn.Linear(6, 1)).double()
    net = MLP((2, 6, 1), "tanh", dtype=np.float64, backend="compiled")
    net.set_params([layers[0].weight.detach().numpy(), layers[2].weight.detach().numpy()],
                   [layers[0].bias.detach().numpy(), layers[2].bias.detach().numpy()])
    tr = Trainer(net, make_optimizer("sgd", lr=0.05), x, y, problem="regression",
                 batch_size=10, shuffle=False, clip_norm=0.3)
    assert tr._fused() is None
    topt = torch.optim.SGD(layers.parameters(), lr=0.05)
    xt, yt = torch.as_tensor(x), torch.as_tensor(y[:, None])
    clipped = 0
    for step in range(50):
        rows = slice(10 * (step % 3), 10 * (step % 3) + 10)
        topt.zero_grad()
        F.mse_loss(layers(xt[rows]), yt[rows]).backward()
        clipped += float(torch.nn.utils.clip_grad_norm_(layers.parameters(), 0.3)) > 0.3
        topt.step()
        tr.step()
    np.testing.assert_allclose(net.weights[0], layers[0].weight.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(net.biases[1], layers[2].bias.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    assert clipped > 10
