"""Gradient clipping by norm, with PyTorch's ``torch.nn.utils.clip_grad_norm_`` semantics.

For the flat gradient buffer g (every parameter's gradient, ``MLP.grads`` or
``RecurrentNet.grads``) and a bound c = ``max_norm``:

    N = ‖g‖₂ = √(Σᵢ gᵢ²)          (the total norm over all parameters at once; ``norm_type``
                                    inf gives N = maxᵢ |gᵢ|)
    κ = c / (N + 1e-6)
    g ← g · min(κ, 1)             (only scaled when κ < 1: the gradient's direction is kept)

and N is returned (before scaling), as PyTorch returns it. The 1e-6 is PyTorch's, so a clipped
gradient has norm slightly below c. κ is computed in the buffer's dtype, as PyTorch computes it
in the gradients' dtype; the sum of squares is accumulated in float64 and rounded to the dtype
(PyTorch's float32 norm is a float32 reduction: the two agree to float32's rounding). A NaN or
infinite gradient gives a NaN or infinite N and, as in PyTorch without ``error_if_nonfinite``,
a NaN or zero-scaled buffer.
"""

from __future__ import annotations

import math

import numpy as np

from depthlens.errors import ConfigError

Array = np.ndarray

EPS = 1e-6
"""PyTorch's guard in κ = max_norm / (N + 1e-6)."""

NORM_TYPES = (2.0, math.inf)


def check_max_norm(max_norm: object, field: str = "clip_norm") -> float:
    """``max_norm`` as a float when it is a finite number > 0; ConfigError naming ``field``."""
    ok = isinstance(max_norm, int | float | np.number) and not isinstance(max_norm, bool)
    if ok:
        value = float(max_norm)
        if math.isfinite(value) and value > 0:
            return value
    raise ConfigError(field, max_norm, "a finite number > 0 (the largest gradient 2-norm)")


def grad_norm(grads: Array, norm_type: float = 2.0) -> float:
    """The total norm N of the buffer (see the module docstring), rounded to its dtype."""
    if float(norm_type) not in NORM_TYPES:
        raise ConfigError("norm_type", norm_type, list(NORM_TYPES))
    g = np.asarray(grads).reshape(-1)
    if g.size == 0:
        return 0.0
    if norm_type == math.inf:
        total = float(np.max(np.abs(g)))
    else:
        g64 = g.astype(np.float64, copy=False)
        total = math.sqrt(float(np.dot(g64, g64)))
    return float(g.dtype.type(total))


def clip_grad_norm(grads: Array, max_norm: float, norm_type: float = 2.0) -> float:
    """Scale ``grads`` in place so that its total norm is at most ``max_norm`` (PyTorch's
    ``clip_grad_norm_``: g ← g · min(1, c/(N + 1e-6))) and return N, the norm before.

    ``grads``: a float array (the flat gradient buffer); ``norm_type``: 2 (default) or inf.
    ConfigError naming ``clip_norm`` for a ``max_norm`` that is not a finite number > 0.
    """
    c = check_max_norm(max_norm)
    total = grad_norm(grads, norm_type)
    kind = np.asarray(grads).dtype.type
    coef = kind(c) / (kind(total) + kind(EPS))
    if not coef < 1.0:  # κ ≥ 1: PyTorch multiplies by the clamped 1.0, which changes nothing
        if math.isnan(coef):
            grads *= coef
        return total
    with np.errstate(invalid="ignore"):  # inf · 0 = NaN, as in PyTorch
        grads *= coef
    return total
