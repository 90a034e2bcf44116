"""Shared helpers for the engine tests: torch equivalents, weight copying, finite differences."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from depthlens.nn import MLP

BACKENDS = ("numpy", "compiled")

HEADS = (
    ("linear", "mse"),
    ("tanh", "half_mse"),
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
)
"""The (output, loss) pairs the engine documents, each with its PyTorch counterpart."""

TORCH_ACTIVATIONS = {
    "linear": lambda z: z,
    "relu": torch.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, 0.01),
    "elu": F.elu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "softplus": F.softplus,
    "swish": F.silu,
    "gelu": lambda z: F.gelu(z, approximate="none"),
    "sine": torch.sin,
}

TORCH_DTYPES = {np.float32: torch.float32, np.float64: torch.float64}


def torch_dtype(dtype) -> torch.dtype:
    return TORCH_DTYPES[np.dtype(dtype).type]


def torch_head_loss(output: str, loss: str, logits: torch.Tensor, t: np.ndarray) -> torch.Tensor:
    """The PyTorch loss our head (output, loss) is documented to equal, on logits and our
    encoded targets t (n, m)."""
    tt = torch.as_tensor(t, dtype=logits.dtype)
    if loss == "cross_entropy":
        return F.cross_entropy(logits, tt.argmax(dim=1))
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(logits, tt)
    o = TORCH_ACTIVATIONS[output](logits)
    value = F.mse_loss(o, tt)
    return 0.5 * value if loss == "half_mse" else value


class TorchMLP(torch.nn.Module):
    """The same architecture in PyTorch: Linear layers with our hidden activation between."""

    def __init__(self, sizes, activation: str, dtype, seed: int = 0):
        super().__init__()
        torch.manual_seed(seed)
        # Drawn in float32 and then converted, so both dtypes start from the same weights.
        self.layers = torch.nn.ModuleList(
            torch.nn.Linear(sizes[k], sizes[k + 1]) for k in range(len(sizes) - 1)
        ).to(torch_dtype(dtype))
        self.act = TORCH_ACTIVATIONS[activation]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for k, layer in enumerate(self.layers):
            x = layer(x)
            if k < len(self.layers) - 1:
                x = self.act(x)
        return x

    def flat_params(self) -> np.ndarray:
        """Parameters in the engine's layout: every weight first, then every bias."""
        ws = [layer.weight.detach().numpy().ravel() for layer in self.layers]
        bs = [layer.bias.detach().numpy() for layer in self.layers]
        return np.concatenate(ws + bs)

    def flat_grads(self) -> np.ndarray:
        ws = [layer.weight.grad.numpy().ravel() for layer in self.layers]
        bs = [layer.bias.grad.numpy() for layer in self.layers]
        return np.concatenate(ws + bs)

    def weight_params(self) -> list[torch.nn.Parameter]:
        return [layer.weight for layer in self.layers]


def twin_networks(sizes, activation: str, output: str, loss: str, dtype, backend: str,
                  seed: int = 0) -> tuple[TorchMLP, MLP]:
    """A torch network and ours with torch's initial weights copied in."""
    tnet = TorchMLP(sizes, activation, dtype, seed)
    net = MLP(sizes, activation, output, loss, dtype=dtype, backend=backend)
    net.set_params([layer.weight.detach().numpy() for layer in tnet.layers],
                   [layer.bias.detach().numpy() for layer in tnet.layers])
    return tnet, net


def encoded_targets(head_output: str, loss: str, n: int, m: int,
                    rng: np.random.Generator) -> np.ndarray:
    """Valid targets (n, m) for a head: one-hot for cross-entropy, 0/1 for bce, ±1 for a tanh
    half_mse head, reals otherwise."""
    if loss == "cross_entropy":
        return np.eye(m)[rng.integers(0, m, size=n)]
    if loss == "bce":
        return rng.integers(0, 2, size=(n, m)).astype(float)
    if head_output == "tanh":
        return rng.choice([-1.0, 1.0], size=(n, m))
    return rng.normal(size=(n, m))


def finite_difference_gradient(net: MLP, x: np.ndarray, t: np.ndarray,
                               h: float = 1e-6) -> np.ndarray:
    """Central differences of the mean loss w.r.t. every entry of ``net.params`` (float64)."""
    assert net.dtype == np.float64
    params = net.params
    grad = np.empty_like(params)
    for i in range(params.size):
        keep = params[i]
        params[i] = keep + h
        up = net.loss(x, t)
        params[i] = keep - h
        down = net.loss(x, t)
        params[i] = keep
        grad[i] = (up - down) / (2 * h)
    return grad


def weighted_batch_gradient(net: MLP, x: np.ndarray, t: np.ndarray, w: np.ndarray,
                            rows: np.ndarray) -> None:
    """The oracle of a weighted batch: fill ``net.grads`` with Σᵢ wᵢ ∇ℓᵢ / Σᵢ wᵢ over ``rows``
    of (x, encoded t), each ∇ℓᵢ an unweighted one-row gradient."""
    total = np.zeros_like(net.params)
    for i in rows:
        net.gradient(x[i : i + 1], t[i : i + 1])
        total += w[i] * net.grads
    net.grads[...] = total / w[rows].sum()
