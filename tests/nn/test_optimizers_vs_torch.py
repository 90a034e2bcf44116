"""The oracle: our network + optimizer against PyTorch's, step by step.

Each case copies a torch network's initial weights into ours, then takes the same steps on the
same fixed mini-batches with both, comparing the loss, every gradient and every parameter after
each step: float64 to ~1e-10, float32 to rtol 1e-5.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from depthlens.errors import ConfigError
from depthlens.nn import Trainer, make_optimizer
from depthlens.nn.optimizers import PRESETS

from .support import BACKENDS, TorchMLP, torch_head_loss, twin_networks

N_STEPS = 20
BATCH = 8
N_SAMPLES = 40

# (id, our optimizer name, our hyperparameters, torch class, torch kwargs)
SETTINGS = [
    ("sgd", "sgd", {"lr": 0.1}, torch.optim.SGD, {"lr": 0.1}),
    ("sgd-momentum", "sgd", {"lr": 0.05, "momentum": 0.9}, torch.optim.SGD,
     {"lr": 0.05, "momentum": 0.9}),
    ("sgd-momentum-dampening", "sgd", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5},
     torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "dampening": 0.5}),
    ("sgd-nesterov", "sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True}, torch.optim.SGD,
     {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("sgd-weight-decay", "sgd", {"lr": 0.1, "weight_decay": 0.05}, torch.optim.SGD,
     {"lr": 0.1, "weight_decay": 0.05}),
    ("sgd-momentum-weight-decay", "sgd", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.01},
     torch.optim.SGD, {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.01}),
    ("preset-momentum", "momentum", {"lr": 0.05}, torch.optim.SGD,
     {"lr": 0.05, "momentum": 0.9}),
    ("preset-nesterov", "nesterov", {"lr": 0.05}, torch.optim.SGD,
     {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("adagrad", "adagrad", {"lr": 0.1}, torch.optim.Adagrad, {"lr": 0.1}),
    ("adagrad-lr-decay", "adagrad", {"lr": 0.1, "lr_decay": 0.05}, torch.optim.Adagrad,
     {"lr": 0.1, "lr_decay": 0.05}),
    ("adagrad-initial-accumulator", "adagrad", {"lr": 0.1, "initial_accumulator_value": 0.1},
     torch.optim.Adagrad, {"lr": 0.1, "initial_accumulator_value": 0.1}),
    ("adagrad-weight-decay", "adagrad", {"lr": 0.1, "weight_decay": 0.02}, torch.optim.Adagrad,
     {"lr": 0.1, "weight_decay": 0.02}),
    ("rmsprop", "rmsprop", {"lr": 0.01}, torch.optim.RMSprop, {"lr": 0.01}),
    ("rmsprop-centered", "rmsprop", {"lr": 0.01, "centered": True}, torch.optim.RMSprop,
     {"lr": 0.01, "centered": True}),
    ("rmsprop-momentum", "rmsprop", {"lr": 0.005, "momentum": 0.9}, torch.optim.RMSprop,
     {"lr": 0.005, "momentum": 0.9}),
    ("rmsprop-centered-momentum", "rmsprop",
     {"lr": 0.005, "momentum": 0.9, "centered": True, "alpha": 0.9}, torch.optim.RMSprop,
     {"lr": 0.005, "momentum": 0.9, "centered": True, "alpha": 0.9}),
    ("rmsprop-weight-decay", "rmsprop", {"lr": 0.01, "weight_decay": 0.05}, torch.optim.RMSprop,
     {"lr": 0.01, "weight_decay": 0.05}),
    ("adadelta", "adadelta", {}, torch.optim.Adadelta, {}),
    ("adadelta-lr", "adadelta", {"lr": 0.5}, torch.optim.Adadelta, {"lr": 0.5}),
    ("adadelta-weight-decay", "adadelta", {"lr": 1.0, "rho": 0.95, "weight_decay": 0.05},
     torch.optim.Adadelta, {"lr": 1.0, "rho": 0.95, "weight_decay": 0.05}),
    ("adam", "adam", {"lr": 0.01}, torch.optim.Adam, {"lr": 0.01}),
    ("adam-betas-eps", "adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6},
     torch.optim.Adam, {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("adam-amsgrad", "adam", {"lr": 0.01, "amsgrad": True}, torch.optim.Adam,
     {"lr": 0.01, "amsgrad": True}),
    ("adam-weight-decay", "adam", {"lr": 0.01, "weight_decay": 0.05}, torch.optim.Adam,
     {"lr": 0.01, "weight_decay": 0.05}),
    ("adamw", "adamw", {"lr": 0.01}, torch.optim.AdamW, {"lr": 0.01}),
    ("adamw-amsgrad", "adamw", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1},
     torch.optim.AdamW, {"lr": 0.01, "amsgrad": True, "weight_decay": 0.1}),
]

# (id, sizes, hidden activation, output, loss)
NETWORKS = [
    ("tanh-ce", (3, 8, 6, 2), "tanh", "softmax", "cross_entropy"),
    ("relu-mse", (3, 8, 6, 2), "relu", "linear", "mse"),
]
BCE_NETWORK = ("sigmoid-bce", (3, 5, 1), "sigmoid", "sigmoid", "bce")

DTYPES = [
    pytest.param(np.float64, {"rtol": 1e-10, "atol": 1e-12}, id="float64"),
    # float32: both sides round differently (torch's lerp, our float64 kernels), about 1e-6
    # absolute after 20 RMSprop-with-momentum steps; every other case stays within 3e-7.
    pytest.param(np.float32, {"rtol": 1e-5, "atol": 2e-6}, id="float32"),
]


def make_data(sizes, loss: str, dtype, seed: int = 1):
    """Inputs (N, in) and encoded targets (N, out), in ``dtype``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N_SAMPLES, sizes[0])).astype(dtype)
    m = sizes[-1]
    if loss == "cross_entropy":
        t = np.eye(m)[rng.integers(0, m, size=N_SAMPLES)]
    elif loss == "bce":
        t = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype(float) * np.ones((1, m))
    else:
        t = np.stack([np.sin(x[:, 0]) + x[:, 1] * x[:, 2], np.cos(x[:, 1])], axis=1)[:, :m]
    return x, t.astype(dtype)


def batches(n_steps: int):
    """The fixed mini-batch row indices of each step: consecutive blocks, cycling."""
    per_epoch = N_SAMPLES // BATCH
    for step in range(n_steps):
        k = step % per_epoch
        yield np.arange(k * BATCH, (k + 1) * BATCH)


def assert_close(actual, desired, tol, what: str) -> None:
    """assert_allclose, with a cheap check first (this runs thousands of times)."""
    actual, desired = np.asarray(actual, dtype=float), np.asarray(desired, dtype=float)
    if not np.all(np.abs(actual - desired) <= tol["atol"] + tol["rtol"] * np.abs(desired)):
        np.testing.assert_allclose(actual, desired, **tol, err_msg=what)


def run_against_torch(net_case, backend, dtype, tol, ours, torch_opt, n_steps=N_STEPS,
                      on_step=None):
    """Step both networks on identical batches; assert loss, grads, params agree each step."""
    _, sizes, act, output, loss = net_case
    tnet, net = twin_networks(sizes, act, output, loss, dtype, backend, seed=3)
    x, t = make_data(sizes, loss, dtype)
    xt = torch.as_tensor(x)
    state = ours.init(net.params)
    topt = torch_opt(tnet.parameters())
    np.testing.assert_array_equal(net.params, tnet.flat_params())
    for step, idx in enumerate(batches(n_steps)):
        if on_step is not None:
            on_step(step, ours, topt)
        topt.zero_grad()
        t_loss = torch_head_loss(output, loss, tnet(xt[idx]), t[idx])
        t_loss.backward()
        topt.step()

        value, grads = net.loss_and_grad(x[idx], t[idx])
        ours.update(net.params, net.grads, state)

        where = f"step {step + 1}"
        assert_close(value, t_loss.item(), tol, f"loss, {where}")
        assert_close(grads, tnet.flat_grads(), tol, f"grads, {where}")
        assert_close(net.params, tnet.flat_params(), tol, f"params, {where}")
    return net, tnet


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("dtype", "tol"), DTYPES)
@pytest.mark.parametrize("net_case", NETWORKS, ids=[c[0] for c in NETWORKS])
@pytest.mark.parametrize(("name", "hyper", "torch_cls", "torch_kwargs"),
                         [s[1:] for s in SETTINGS], ids=[s[0] for s in SETTINGS])
def test_optimizer_matches_torch_for_20_steps(name, hyper, torch_cls, torch_kwargs, net_case,
                                              dtype, tol, backend):
    ours = make_optimizer(name, **hyper)
    net, _ = run_against_torch(net_case, backend, dtype, tol, ours,
                               lambda p: torch_cls(p, **torch_kwargs))
    # The run must have moved the weights, or the comparison proved nothing.
    tnet0 = TorchMLP(net_case[1], net_case[2], dtype, seed=3)
    assert np.abs(net.params - tnet0.flat_params()).max() > 1e-3


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("dtype", "tol"), DTYPES)
@pytest.mark.parametrize("setting", [s for s in SETTINGS if s[0] in ("sgd-nesterov", "adam")],
                         ids=lambda s: s[0])
def test_bce_head_network_matches_torch_for_20_steps(setting, dtype, tol, backend):
    _, name, hyper, torch_cls, torch_kwargs = setting
    run_against_torch(BCE_NETWORK, backend, dtype, tol, make_optimizer(name, **hyper),
                      lambda p: torch_cls(p, **torch_kwargs))


@pytest.mark.parametrize(("preset", "expected"), [
    ("momentum", {"momentum": 0.9, "nesterov": False, "dampening": 0.0}),
    ("nesterov", {"momentum": 0.9, "nesterov": True, "dampening": 0.0}),
])
def test_presets_are_sgd_settings(preset, expected):
    assert PRESETS[preset][0] == "sgd"
    opt = make_optimizer(preset, lr=0.02)
    assert opt.name == "sgd"
    assert {k: opt.hyper[k] for k in expected} == expected
    assert opt.hyper["lr"] == 0.02
    assert make_optimizer(preset, momentum=0.5).hyper["momentum"] == 0.5


@pytest.mark.parametrize(("name", "torch_cls"), [
    ("sgd", torch.optim.SGD), ("adagrad", torch.optim.Adagrad),
    ("rmsprop", torch.optim.RMSprop), ("adadelta", torch.optim.Adadelta),
    ("adam", torch.optim.Adam), ("adamw", torch.optim.AdamW),
])
def test_default_hyperparameters_are_torchs(name, torch_cls):
    ours = make_optimizer(name).hyper
    theirs = torch_cls([torch.zeros(1, requires_grad=True)]).defaults
    shared = set(ours) & set(theirs)
    assert {"lr", "weight_decay"} <= shared
    for key in shared:
        want = tuple(theirs[key]) if isinstance(theirs[key], tuple) else theirs[key]
        assert ours[key] == want, key


@pytest.mark.parametrize(("name", "hyper"), [
    ("sgd", {"lr": 0.1, "nesterov": True}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}),
    ("sgd", {"lr": -1.0}),
    ("adam", {"betas": (0.9, 1.0)}),
    ("rmsprop", {"alpha": 1.5}),
])
def test_settings_torch_rejects_raise_config_error(name, hyper):
    with pytest.raises(ConfigError) as err:
        make_optimizer(name, **hyper)
    assert err.value.field.startswith("optimizer.")


def test_unknown_optimizer_or_parameter_names_the_field():
    with pytest.raises(ConfigError) as err:
        make_optimizer("adamm")
    assert err.value.field == "optimizer"
    with pytest.raises(ConfigError) as err:
        make_optimizer("adam", momentum=0.9)
    assert err.value.field == "optimizer.momentum"


@pytest.mark.parametrize("name", ["sgd", "adagrad", "rmsprop", "adadelta", "adam", "adamw"])
def test_update_leaves_gradients_untouched(name):
    rng = np.random.default_rng(0)
    params, grads = rng.normal(size=30), rng.normal(size=30)
    keep, before = grads.copy(), params.copy()
    opt = make_optimizer(name, lr=0.1)
    state = opt.init(params)
    opt.update(params, grads, state)
    np.testing.assert_array_equal(grads, keep)
    assert not np.array_equal(params, before)
    assert int(state["t"]) == 1


LR_CHANGE_SETTINGS = [s for s in SETTINGS if s[0] in (
    "sgd-momentum", "adagrad-lr-decay", "rmsprop-centered-momentum", "adadelta", "adam",
    "adamw")]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("setting", LR_CHANGE_SETTINGS, ids=lambda s: s[0])
def test_changing_lr_mid_run_matches_torch_param_group_change(setting, backend):
    _, name, hyper, torch_cls, torch_kwargs = setting
    ours = make_optimizer(name, **hyper)
    new_lr = 3.0 * ours.lr

    def change_lr(step, ours, topt):
        if step == 10:
            ours.hyper["lr"] = new_lr
            topt.param_groups[0]["lr"] = new_lr

    run_against_torch(NETWORKS[0], backend, np.float64, {"rtol": 1e-10, "atol": 1e-12}, ours,
                      lambda p: torch_cls(p, **torch_kwargs), on_step=change_lr)
    assert ours.lr == new_lr


def torch_penalty(tnet: TorchMLP, kind: str, rate: float) -> torch.Tensor:
    ws = tnet.weight_params()
    if kind == "l2":
        return rate * 0.5 * sum((w**2).sum() for w in ws)
    return rate * sum(w.abs().sum() for w in ws)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", ["l2", "l1"])
def test_regularized_sgd_step_equals_torch_sgd_on_penalized_loss(kind, backend):
    """Trainer with sgd + 'l2' rate r equals torch SGD on loss + r·½ΣW²; 'l1': loss + r·Σ|W|.
    Weights only: torch's biases carry no penalty, so any bias decay would show here."""
    _, sizes, act, output, loss = NETWORKS[1]
    rate = 0.02
    tnet, net = twin_networks(sizes, act, output, loss, np.float64, backend, seed=5)
    x, t = make_data(sizes, loss, np.float64)
    trainer = Trainer(net, make_optimizer("sgd", lr=0.1), x, t, problem="regression",
                      batch_size=BATCH, shuffle=False, regularization=kind, reg_rate=rate)
    topt = torch.optim.SGD(tnet.parameters(), lr=0.1)
    xt = torch.as_tensor(x)
    tol = {"rtol": 1e-10, "atol": 1e-12}
    for step, idx in enumerate(batches(N_STEPS)):
        assert np.all(np.abs(net.params[: net.n_weights]) > 1e-8)  # L1 away from its kink
        topt.zero_grad()
        data_loss = F.mse_loss(tnet(xt[idx]), torch.as_tensor(t[idx]))
        (data_loss + torch_penalty(tnet, kind, rate)).backward()
        topt.step()
        ours_loss = trainer.step()
        assert_close(ours_loss, data_loss.item(), tol, f"data loss, step {step + 1}")
        assert_close(net.params, tnet.flat_params(), tol, f"params, step {step + 1}")
    with torch.no_grad():
        assert_close(trainer.history.penalty[-1], torch_penalty(tnet, kind, rate).item(), tol,
                     "penalty column")


@pytest.mark.parametrize("kind", ["l2", "l1"])
def test_regularization_never_touches_biases(kind):
    _, sizes, act, output, loss = NETWORKS[0]
    x, t = make_data(sizes, loss, np.float64)
    labels = t.argmax(axis=1)
    results = []
    for reg in ("none", kind):
        _, net = twin_networks(sizes, act, output, loss, np.float64, "numpy", seed=2)
        start = net.params.copy()
        trainer = Trainer(net, make_optimizer("sgd", lr=0.5), x, labels, batch_size="all",
                          regularization=reg, reg_rate=0.1)
        trainer.step()
        results.append(net.params - start)
    plain, regularized = results
    w = slice(0, net.n_weights)
    b = slice(net.n_weights, None)
    np.testing.assert_array_equal(regularized[b], plain[b])
    expected = -0.5 * 0.1 * (start[w] if kind == "l2" else np.sign(start[w]))
    np.testing.assert_allclose(regularized[w] - plain[w], expected, rtol=1e-9, atol=1e-15)


# (id, our SGD hyperparameters at the start, {step: changes to momentum etc.}) — torch's SGD
# starts its momentum buffer as b = g at the first step with momentum ≠ 0, whenever that is,
# and keeps a buffer through a stretch of momentum 0 (it neither reads nor writes it then).
MOMENTUM_SWITCHES = [
    ("on-at-5", {"lr": 0.05}, {5: {"momentum": 0.9}}),
    ("on-at-5-dampening", {"lr": 0.05}, {5: {"momentum": 0.9, "dampening": 0.5}}),
    ("on-at-5-dampening-weight-decay", {"lr": 0.05, "weight_decay": 0.01},
     {5: {"momentum": 0.8, "dampening": 0.3}}),
    ("on-off-on-dampening", {"lr": 0.05},
     {4: {"momentum": 0.9, "dampening": 0.5}, 9: {"momentum": 0.0}, 13: {"momentum": 0.7}}),
    ("nesterov-at-6", {"lr": 0.05}, {6: {"momentum": 0.9, "nesterov": True}}),
]


def _switch(changes: dict[int, dict], step: int, ours, topt) -> None:
    for key, value in changes.get(step, {}).items():
        ours.hyper[key] = value
        topt.param_groups[0][key] = value


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("dtype", "tol"), DTYPES)
@pytest.mark.parametrize(("hyper", "changes"), [c[1:] for c in MOMENTUM_SWITCHES],
                         ids=[c[0] for c in MOMENTUM_SWITCHES])
def test_momentum_switched_on_mid_run_matches_torch(hyper, changes, dtype, tol, backend):
    """Optimizer.update step by step: the buffer starts from g at the switch, not from 0."""
    ours = make_optimizer("sgd", **hyper)
    run_against_torch(NETWORKS[1], backend, dtype, tol, ours,
                      lambda p: torch.optim.SGD(p, **hyper),
                      on_step=lambda step, o, t: _switch(changes, step, o, t))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("hyper", "changes"), [c[1:] for c in MOMENTUM_SWITCHES],
                         ids=[c[0] for c in MOMENTUM_SWITCHES])
def test_momentum_switched_on_mid_run_in_a_trainer_matches_torch(hyper, changes, backend):
    """The Trainer's path: on the compiled backend its SGD steps run fused (``kernels.sgd_steps``,
    whose first-update flag is t0 + s == 0), here in chunks between the switches."""
    _, sizes, act, output, loss = NETWORKS[1]
    tol = {"rtol": 1e-10, "atol": 1e-12}
    tnet, net = twin_networks(sizes, act, output, loss, np.float64, backend, seed=3)
    x, t = make_data(sizes, loss, np.float64)
    ours = make_optimizer("sgd", **hyper)
    trainer = Trainer(net, ours, x, t, problem="regression", batch_size=BATCH, shuffle=False)
    assert (trainer._fused() is not None) == (backend == "compiled")
    topt = torch.optim.SGD(tnet.parameters(), **hyper)
    xt = torch.as_tensor(x)
    per_epoch = N_SAMPLES // BATCH
    step = 0
    for stop in (*sorted(changes), 18):
        _switch(changes, step, ours, topt)
        while step < stop:  # train_steps never crosses an epoch's end
            count = min(stop - step, per_epoch - step % per_epoch)
            trainer.train_steps(count)
            for idx in list(batches(step + count))[step:]:
                topt.zero_grad()
                torch_head_loss(output, loss, tnet(xt[idx]), t[idx]).backward()
                topt.step()
            step += count
            assert_close(net.params, tnet.flat_params(), tol, f"params after step {step}")
    assert trainer.steps_done == 18
