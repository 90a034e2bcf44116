"""Output heads: the last layer's activation together with the loss it is trained with.

The network's last dense layer produces logits z (n, m). A head turns them into outputs
o = a_out(z), measures the data loss L(o, T) against encoded targets T (n, m) and returns
dL/dz for backprop. Losses are averaged like PyTorch's ``reduction='mean'``:

| loss          | L                                                 | PyTorch equivalent         |
|---------------|---------------------------------------------------|----------------------------|
| mse           | mean over all n·m elements of (o − T)²            | MSELoss                    |
| half_mse      | ½ · mean over all n·m elements of (o − T)²        | 0.5 · MSELoss (Playground) |
| bce           | mean of −[T log o + (1 − T) log(1 − o)], o = σ(z) | BCEWithLogitsLoss          |
| cross_entropy | mean over n of −Σₖ Tₖ log softmax(z)ₖ             | CrossEntropyLoss           |

Two pairs are fused, computed from the logits for stability, with the textbook gradients
dL/dz = (σ(z) − T)/(n·m) for sigmoid + bce and (softmax(z) − T)/n for softmax + cross_entropy.
Every other pair (any elementwise output with mse or half_mse) chains dL/do · a_out'(z).
Playground's own head is tanh + half_mse on ±1 targets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from depthlens.errors import ConfigError
from depthlens.nn.activations import ACTIVATIONS, Activation, get_activation

Array = np.ndarray

LOSSES = ("mse", "half_mse", "bce", "cross_entropy")
LOSS_ALIASES = {
    "squared_error": "mse",
    "l2": "mse",
    "playground": "half_mse",
    "binary_cross_entropy": "bce",
    "log_loss": "bce",
    "ce": "cross_entropy",
    "softmax_cross_entropy": "cross_entropy",
}
OUTPUTS = (*ACTIVATIONS, "softmax")


def loss_name(name: str) -> str:
    """Canonical loss name for ``name`` (or an alias); ConfigError naming 'loss' otherwise."""
    key = str(name).lower()
    key = LOSS_ALIASES.get(key, key)
    if key not in LOSSES:
        raise ConfigError("loss", name, [*LOSSES, *LOSS_ALIASES])
    return key


def softmax(z: Array) -> Array:
    """Row-wise softmax, shifted by the row max so exp never overflows."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def log_softmax(z: Array) -> Array:
    """Row-wise log softmax: z − max − log Σ exp(z − max)."""
    s = z - z.max(axis=1, keepdims=True)
    return s - np.log(np.exp(s).sum(axis=1, keepdims=True))


@dataclass(frozen=True)
class Head:
    """Output activation ``output`` trained with loss ``loss`` (see the module table)."""

    output: str
    loss: str

    def __post_init__(self) -> None:
        if self.output not in OUTPUTS:
            raise ConfigError("output", self.output, OUTPUTS)
        if self.loss not in LOSSES:
            raise ConfigError("loss", self.loss, LOSSES)
        if self.loss == "cross_entropy" and self.output != "softmax":
            raise ConfigError("output", self.output, "'softmax' with loss 'cross_entropy'")
        if self.loss == "bce" and self.output != "sigmoid":
            raise ConfigError("output", self.output, "'sigmoid' with loss 'bce'")
        if self.output == "softmax" and self.loss != "cross_entropy":
            raise ConfigError("loss", self.loss, "'cross_entropy' with output 'softmax'")

    @property
    def fused(self) -> bool:
        """True where the loss is computed from the logits (sigmoid + bce, softmax + ce)."""
        return self.loss in ("bce", "cross_entropy")

    @property
    def activation(self) -> Activation | None:
        """The elementwise output activation, or None for softmax."""
        return None if self.output == "softmax" else ACTIVATIONS[self.output]

    # -- targets ------------------------------------------------------------------------------
    @property
    def low(self) -> float:
        """The target value that means "not this class": −1 for tanh outputs, else 0."""
        return -1.0 if self.output == "tanh" else 0.0

    def encode(self, classes: Array, n_outputs: int, dtype: np.dtype) -> Array:
        """Class indices (n,) → targets (n, n_outputs).

        One output: class 1 → 1, class 0 → ``low`` (−1 for tanh, as Playground's ±1 labels).
        k outputs: one-hot rows, with ``low`` in place of 0.
        """
        classes = np.asarray(classes).astype(np.int64).reshape(-1)
        if n_outputs == 1:
            t = np.where(classes == 1, 1.0, self.low)[:, None]
        else:
            t = np.full((classes.size, n_outputs), self.low)
            t[np.arange(classes.size), classes] = 1.0
        return t.astype(dtype)

    def decide(self, out: Array) -> Array:
        """Outputs (n, m) → predicted class indices (n,): argmax, or a threshold for one output
        halfway between ``low`` and 1."""
        if out.shape[1] == 1:
            return (out[:, 0] > (self.low + 1.0) / 2).astype(np.int64)
        return out.argmax(axis=1)

    def probabilities(self, out: Array) -> Array:
        """Outputs (n, m) → class probabilities (n, k), rows ≥ 0 summing to 1.

        One output: p(class 1) = (o − low)/(1 − low) clipped to [0, 1] (σ itself for sigmoid,
        (o + 1)/2 for tanh), k = 2. Softmax: as is. Other k outputs: (o − low)₊ normalised.
        """
        out = np.asarray(out, dtype=np.float64)
        if out.shape[1] == 1:
            p1 = np.clip((out[:, 0] - self.low) / (1.0 - self.low), 0.0, 1.0)
            return np.column_stack([1.0 - p1, p1])
        if self.output == "softmax":
            return out
        p = np.clip(out - self.low, 0.0, None)
        total = p.sum(axis=1, keepdims=True)
        uniform = np.full_like(p, 1.0 / p.shape[1])
        return np.divide(p, total, out=uniform, where=total > 0)

    # -- maths --------------------------------------------------------------------------------
    def forward(self, z: Array) -> Array:
        """Logits (n, m) → outputs o = a_out(z)."""
        if self.output == "softmax":
            return softmax(z)
        return ACTIVATIONS[self.output](z)

    def value(self, z: Array, o: Array, t: Array) -> float:
        """The mean data loss for logits z, outputs o and targets t (all (n, m))."""
        if self.loss == "cross_entropy":
            return float(-(t * log_softmax(z)).sum() / z.shape[0])
        if self.loss == "bce":
            # max(z,0) − z·t + log(1 + e^−|z|): BCEWithLogits, no overflow for any z.
            return float((np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))).mean())
        sq = float(np.square(o - t).mean())
        return 0.5 * sq if self.loss == "half_mse" else sq

    def gradient(self, z: Array, o: Array, t: Array) -> Array:
        """dL/dz (n, m) for the mean loss over the batch."""
        n = z.shape[0]
        if self.fused:
            g = o - t
            g /= n if self.loss == "cross_entropy" else o.size
            return g
        scale = (1.0 if self.loss == "half_mse" else 2.0) / o.size
        g = (o - t) * scale
        if self.output != "linear":
            g *= ACTIVATIONS[self.output].derivative(z, o)
        return g

    def per_sample(self, z: Array, o: Array, t: Array) -> Array:
        """Each sample's loss (n,), so that their mean over samples equals ``value``."""
        if self.loss == "cross_entropy":
            return -(t * log_softmax(z)).sum(axis=1)
        if self.loss == "bce":
            return (np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))).mean(axis=1)
        sq = np.square(o - t).mean(axis=1)
        return 0.5 * sq if self.loss == "half_mse" else sq

    def weighted(self, z: Array, o: Array, t: Array, w: Array, delta: Array) -> float:
        """The weighted mean loss Σᵢ wᵢ ℓᵢ / Σᵢ wᵢ of a batch (logits z, outputs o, targets
        t), rescaling ``delta`` (this head's dL/dz of the plain mean, row i carrying ∇ℓᵢ/n) in
        place to row i times n·wᵢ/Σw, which is d(weighted mean)/dz. Weights summing to 0: 0.
        ConfigError (field ``weights``) unless there is one weight per row."""
        w = np.asarray(w, dtype=np.float64).reshape(-1)
        if w.shape[0] != z.shape[0]:
            raise ConfigError("weights", f"{w.shape[0]} weights",
                              f"{z.shape[0]}, one per row of the batch")
        total = float(w.sum())
        if total == 0.0:
            delta[...] = 0.0
            return 0.0
        per_row = self.per_sample(z, o, t).astype(np.float64)
        delta *= (w * (z.shape[0] / total)).astype(delta.dtype)[:, None]
        return float(np.dot(w, per_row) / total)


DEFAULT_OUTPUT = {"mse": "linear", "half_mse": "tanh", "bce": "sigmoid", "cross_entropy": "softmax"}


def make_head(output: str | None, loss: str) -> Head:
    """Build a head from names, filling the natural output for the loss when ``output`` is None."""
    loss = loss_name(loss)
    if output is None:
        output = DEFAULT_OUTPUT[loss]
    else:
        output = str(output).lower()
        if output != "softmax":
            output = get_activation(output, field="output").name
    return Head(output, loss)
