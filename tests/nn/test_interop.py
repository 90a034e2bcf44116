"""Models trained elsewhere, read into the engine: from_torch, to_torch, from_sklearn.

Every read model must compute what its library computes: the engine's forward equals torch's
module output (float64 to 1e−12 of the scale, float32 to 1e−5) and scikit-learn's
predict_proba / predict; the way back gives torch the same parameters and outputs; and every
model the engine cannot represent exactly is refused naming the layer and its class, or the
constant that differs.
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from torch import nn

import depthlens
from depthlens.errors import ConfigError
from depthlens.lens import represent
from depthlens.nn import MLP, from_sklearn, from_torch, to_torch
from depthlens.nn.losses import Head

TOL = {torch.float32: 1e-5, torch.float64: 1e-12}

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "swish": nn.SiLU,
    "softplus": nn.Softplus,
    "linear": nn.Identity,
}
"""The engine's name of each torch activation from_torch reads (Identity: consecutive Linears
with nothing between them, the engine's linear)."""


def chain(act: type[nn.Module], dtype: torch.dtype, seed: int = 0,
          head: nn.Module | None = None, sizes=(3, 5, 4, 2)) -> nn.Sequential:
    """A random torch Sequential sizes[0] → … → sizes[-1], ``act`` after every hidden Linear."""
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for k in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[k], sizes[k + 1]))
        if k < len(sizes) - 2:
            layers.append(act())
    if head is not None:
        layers.append(head)
    return nn.Sequential(*layers).to(dtype)


def inputs(n: int = 64, d: int = 3, dtype=np.float64) -> np.ndarray:
    """Points spread wide enough to reach both sides and the tails of every activation."""
    return (3.0 * np.random.default_rng(1).normal(size=(n, d))).astype(dtype)


def torch_out(module: nn.Module, x: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return module(torch.from_numpy(x)).numpy()


def assert_close(ours: np.ndarray, theirs: np.ndarray, tol: float) -> None:
    """|ours − theirs| ≤ tol · max(1, max |theirs|): relative to the output's scale."""
    assert ours.shape == theirs.shape
    scale = max(1.0, float(np.abs(theirs).max()))
    err = float(np.abs(ours.astype(np.float64) - theirs).max())
    assert err <= tol * scale, f"max error {err:.3g} > {tol:g} × {scale:.3g}"


def linears(module: nn.Module) -> list[nn.Linear]:
    return [m for m in module.modules() if type(m) is nn.Linear]


# -- from_torch: every activation, both dtypes ------------------------------------------------
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_from_torch_computes_the_modules_function(name, dtype):
    module = chain(ACTIVATIONS[name], dtype)
    net = from_torch(module)
    assert net.sizes == (3, 5, 4, 2)
    assert net.activations == (name, name)
    assert net.head == Head("linear", "mse")
    assert net.dtype == (np.float64 if dtype == torch.float64 else np.float32)
    x = inputs(dtype=net.dtype)
    assert_close(net.forward(x), torch_out(module, x), TOL[dtype])
    # the weights are copied, not shared: training the engine leaves torch's module alone
    before = linears(module)[0].weight.detach().clone()
    net.weights[0][...] += 1.0
    assert torch.equal(linears(module)[0].weight.detach(), before)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_round_trip_gives_torch_the_same_parameters_and_outputs(name, dtype):
    module = chain(ACTIVATIONS[name], dtype)
    back = to_torch(from_torch(module))
    assert isinstance(back, nn.Sequential)
    for mine, theirs in zip(linears(back), linears(module), strict=True):
        assert mine.weight.dtype == dtype
        assert torch.equal(mine.weight, theirs.weight)
        assert torch.equal(mine.bias, theirs.bias)
    x = inputs(dtype=np.float64 if dtype == torch.float64 else np.float32)
    np.testing.assert_array_equal(torch_out(back, x), torch_out(module, x))


def test_the_method_is_to_torch():
    net = MLP([2, 3, 1], "elu", "sigmoid", "bce", dtype=np.float64).initialize(seed=3)
    x = inputs(d=2)
    back = net.to_torch()
    assert [type(m) for m in back] == [nn.Linear, nn.ELU, nn.Linear, nn.Sigmoid]
    assert_close(torch_out(back, x), net.forward(x), 1e-12)


def test_to_torch_draws_nothing_from_torchs_generator():
    net = MLP([2, 8, 8, 2], "relu", dtype=np.float32).initialize(seed=0)
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    to_torch(net)
    assert torch.equal(torch.rand(3), expected)


# -- heads ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("head", "outputs", "expected"), [
    (None, 2, Head("linear", "mse")),
    (nn.Softmax(dim=1), 3, Head("softmax", "cross_entropy")),
    (nn.Softmax(dim=-1), 3, Head("softmax", "cross_entropy")),
    (nn.Sigmoid(), 1, Head("sigmoid", "bce")),
    (nn.Sigmoid(), 3, Head("sigmoid", "bce")),
    (nn.Tanh(), 1, Head("tanh", "mse")),
], ids=["none", "softmax1", "softmax-1", "sigmoid", "sigmoid3", "tanh"])
def test_the_last_activation_is_the_head(head, outputs, expected):
    module = chain(nn.Tanh, torch.float64, head=head, sizes=(3, 5, outputs))
    net = from_torch(module)
    assert net.head == expected
    x = inputs()
    assert_close(net.forward(x), torch_out(module, x), 1e-12)
    back = to_torch(net)
    np.testing.assert_array_equal(torch_out(back, x), torch_out(module, x))


def test_loss_chooses_another_loss_the_head_allows():
    module = chain(nn.ReLU, torch.float64, head=nn.Tanh(), sizes=(3, 4, 1))
    assert from_torch(module, loss="half_mse").head == Head("tanh", "half_mse")
    with pytest.raises(ConfigError, match="loss"):
        from_torch(chain(nn.ReLU, torch.float64, head=nn.Softmax(dim=1)), loss="mse")


# -- other shapes of the same chain ----------------------------------------------------------
class Chain(nn.Module):
    """A hand-written module whose forward is the chain of its children."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(3, 6)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(6, 2)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Residual(Chain):
    """Children that look like a chain, a forward that is not one."""

    def __init__(self):
        super().__init__()
        self.fc2 = nn.Linear(6, 3)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) + x


def test_a_module_whose_children_are_its_chain():
    torch.manual_seed(0)
    module = Chain().double()
    net = from_torch(module)
    assert (net.sizes, net.activations) == ((3, 6, 2), ("gelu",))
    x = inputs()
    assert_close(net.forward(x), torch_out(module, x), 1e-12)


def test_a_module_whose_forward_is_not_its_chain_is_refused():
    torch.manual_seed(0)
    with pytest.raises(ConfigError, match=r"module: 'Residual'.*differs") as err:
        from_torch(Residual().double())
    assert err.value.field == "module"


def test_nested_sequentials_identity_bias_free_and_eval_dropout():
    torch.manual_seed(0)
    module = nn.Sequential(
        nn.Sequential(nn.Linear(3, 4, bias=False), nn.Dropout(0.3), nn.SiLU()),
        nn.Identity(),
        nn.Linear(4, 4), nn.Linear(4, 2),  # consecutive: the identity between them
    ).double().eval()
    net = from_torch(module)
    assert (net.sizes, net.activations) == ((3, 4, 4, 2), ("swish", "linear"))
    np.testing.assert_array_equal(net.biases[0], 0.0)
    x = inputs()
    assert_close(net.forward(x), torch_out(module, x), 1e-12)


def test_a_single_linear_layer():
    torch.manual_seed(0)
    module = nn.Linear(3, 2).double()
    net = from_torch(module)
    np.testing.assert_array_equal(net.weights[0], module.weight.detach().numpy())
    assert_close(net.forward(inputs()), torch_out(module, inputs()), 1e-12)


def test_softplus_differs_from_torchs_linear_tail_by_less_than_e_minus_20():
    module = nn.Sequential(nn.Linear(1, 1), nn.Softplus()).double()
    with torch.no_grad():
        module[0].weight.fill_(1.0)
        module[0].bias.fill_(0.0)
    z = np.linspace(15.0, 30.0, 61)[:, None]
    diff = np.abs(from_torch(module).forward(z) - torch_out(module, z))
    assert diff.max() <= np.exp(-20.0)
    assert diff[z > 20].max() > 0  # beyond the threshold torch returns z itself
    np.testing.assert_allclose(diff[z < 20], 0.0, atol=1e-13)


# -- refusals ---------------------------------------------------------------------------------
def _seq(*layers: nn.Module) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(*layers)


class Custom(nn.Module):
    def forward(self, x):
        return x * 2


@pytest.mark.parametrize(("module", "message"), [
    (_seq(nn.Linear(3, 4), nn.ReLU(), nn.Conv1d(1, 1, 3)),
     r"layer 2: 'Conv1d' is not allowed; expected Linear, and the activations ReLU"),
    (_seq(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)), r"layer 1: 'BatchNorm1d'"),
    (_seq(nn.Linear(3, 4), Custom(), nn.Linear(4, 1)), r"layer 1: 'Custom'"),
    (_seq(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 1)),
     r"layer 2 \(Dropout\): 'training mode'.*eval"),
    (_seq(nn.Linear(3, 4), nn.LeakyReLU(0.2), nn.Linear(4, 1)),
     r"layer 1 \(LeakyReLU\) negative_slope: 0.2 .*0.01"),
    (_seq(nn.Linear(3, 4), nn.ELU(alpha=0.5), nn.Linear(4, 1)), r"layer 1 \(ELU\) alpha: 0.5"),
    (_seq(nn.Linear(3, 4), nn.GELU(approximate="tanh"), nn.Linear(4, 1)),
     r"layer 1 \(GELU\) approximate: 'tanh'"),
    (_seq(nn.Linear(3, 4), nn.Softplus(beta=2), nn.Linear(4, 1)),
     r"layer 1 \(Softplus\) beta: 2"),
    (_seq(nn.Linear(3, 4), nn.Softplus(threshold=5), nn.Linear(4, 1)),
     r"layer 1 \(Softplus\) threshold: 5"),
    (_seq(nn.Linear(3, 4), nn.Softmax(dim=1), nn.Linear(4, 2)),
     r"layer 1 \(Softmax\): 'Softmax'.*only after the last Linear"),
    (_seq(nn.Linear(3, 4), nn.Softmax(dim=0)), r"layer 1 \(Softmax\) dim: 0"),
    (_seq(nn.Linear(3, 4), nn.ReLU(), nn.Tanh(), nn.Linear(4, 1)),
     r"layer 2: 'Tanh'.*between it and layer 1 \(ReLU\)"),
    (_seq(nn.Tanh(), nn.Linear(3, 4)), r"layer 0: 'Tanh'.*Linear layer first"),
    (_seq(nn.Linear(3, 4), nn.Tanh(), nn.Linear(5, 1)), r"layer 2 \(Linear\) in_features: 5"),
    (_seq(nn.Sequential(nn.Linear(3, 4), nn.Hardswish()), nn.Linear(4, 1)),
     r"layer 1 \(0.1\): 'Hardswish'"),
    (_seq(nn.Identity(), nn.Dropout().eval()), r"module: 'Sequential'.*at least one Linear"),
    (_seq(nn.Linear(3, 4)).half(), r"dtype: 'torch.float16'"),
], ids=["conv", "batchnorm", "custom", "dropout-train", "leaky-slope", "elu-alpha",
        "gelu-tanh", "softplus-beta", "softplus-threshold", "hidden-softmax", "softmax-dim",
        "two-activations", "activation-first", "sizes", "nested", "no-linear", "float16"])
def test_what_the_engine_cannot_represent_is_refused_by_name(module, message):
    with pytest.raises(ConfigError, match=message):
        from_torch(module)


def test_not_a_module_is_refused():
    with pytest.raises(ConfigError, match="module: 'list'"):
        from_torch([nn.Linear(2, 2)])


def test_to_torch_refuses_an_activation_torch_has_no_module_for():
    net = MLP([2, 3, 1], "sine", dtype=np.float64)
    with pytest.raises(ConfigError, match="layer 1 activation: 'sine'"):
        to_torch(net)


# -- scikit-learn -----------------------------------------------------------------------------
SK_ACTIVATIONS = ("identity", "logistic", "tanh", "relu")


def sk_data(kind: str, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    x = rng.normal(size=(80, 3)).astype(dtype)
    if kind == "binary":
        return x, (x[:, 0] * x[:, 1] > 0).astype(int)
    if kind == "3-class":
        return x, np.digitize(x[:, 0] + 0.5 * x[:, 2], [-0.5, 0.5])
    return x, np.sin(x[:, 0]) + x[:, 1] * x[:, 2]


def fitted(estimator, x, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(x, y)


@pytest.mark.parametrize("activation", SK_ACTIVATIONS)
@pytest.mark.parametrize("kind", ["binary", "3-class", "regression"])
def test_from_sklearn_computes_the_estimators_predictions(kind, activation):
    x, y = sk_data(kind)
    cls = SkRegressor if kind == "regression" else SkClassifier
    est = fitted(cls(hidden_layer_sizes=(5, 4), activation=activation, max_iter=150,
                     random_state=0), x, y)
    net = from_sklearn(est)
    engine = {"identity": "linear", "logistic": "sigmoid"}.get(activation, activation)
    assert net.sizes == (3, 5, 4, {"binary": 1, "3-class": 3, "regression": 1}[kind])
    assert net.activations == (engine, engine)
    assert net.dtype == np.float64
    out = net.forward(x)
    if kind == "binary":
        assert net.head == Head("sigmoid", "bce")
        assert_close(out[:, 0], est.predict_proba(x)[:, 1], 1e-12)
    elif kind == "3-class":
        assert net.head == Head("softmax", "cross_entropy")
        assert_close(out, est.predict_proba(x), 1e-12)
    else:
        assert net.head == Head("linear", "mse")
        assert_close(out[:, 0], est.predict(x), 1e-12)


def test_from_sklearn_keeps_float32_and_copies():
    x, y = sk_data("3-class", np.float32)
    est = fitted(SkClassifier(hidden_layer_sizes=(6,), max_iter=50, random_state=0), x, y)
    net = from_sklearn(est)
    assert net.dtype == np.float32
    assert_close(net.forward(x), est.predict_proba(x).astype(np.float64), 1e-5)
    net.weights[0][...] = 0.0
    assert np.abs(est.coefs_[0]).max() > 0


def test_from_sklearn_refusals_name_the_estimator_and_its_activation():
    with pytest.raises(ConfigError, match="estimator: 'an unfitted MLPClassifier'"):
        from_sklearn(SkClassifier())
    with pytest.raises(ConfigError, match="estimator: 'LogisticRegression'"):
        from_sklearn(LogisticRegression())
    x, y = sk_data("regression")
    est = fitted(SkRegressor(hidden_layer_sizes=(4,), max_iter=20, random_state=0), x, y)
    est.activation = "softsign"
    with pytest.raises(ConfigError, match=r"activation: 'softsign'.*'identity', 'logistic'"):
        from_sklearn(est)
    est.activation = "relu"
    est.out_activation_ = "softsign"
    with pytest.raises(ConfigError, match="out_activation_: 'softsign'"):
        from_sklearn(est)


def test_a_depthlens_estimator_gives_a_copy_of_its_network():
    x, y = sk_data("binary")
    est = depthlens.MLPClassifier(hidden_layer_sizes=(4,), max_epochs=5, random_state=0).fit(x, y)
    net = from_sklearn(est)
    assert net is not est.network_
    np.testing.assert_array_equal(net.params, est.network_.params)


# -- the lens on an imported model ------------------------------------------------------------
def test_the_lens_sees_an_imported_model_as_the_same_network_built_here():
    torch.manual_seed(4)
    module = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 3), nn.ReLU(),
                           nn.Linear(3, 2), nn.Softmax(dim=1)).double()
    imported = from_torch(module)
    built = MLP([2, 4, 3, 2], ["tanh", "relu"], "softmax", "cross_entropy", dtype=np.float64)
    built.set_params([m.weight.detach().numpy() for m in linears(module)],
                     [m.bias.detach().numpy() for m in linears(module)])
    x = inputs(d=2)
    mine, theirs = represent(imported, x), represent(built, x)
    assert len(mine) == len(theirs) == 7
    for a, b in zip(mine, theirs, strict=True):
        np.testing.assert_array_equal(a, b)
    # and every stage is torch's own intermediate value: input, z1, a1, …, output
    for i, stage in enumerate(mine):
        assert_close(stage, torch_out(module[:i], x), 1e-12)


def test_importing_depthlens_does_not_import_torch():
    code = ("import depthlens, sys; assert 'torch' not in sys.modules; "
            "assert callable(depthlens.from_torch) and callable(depthlens.from_sklearn)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
