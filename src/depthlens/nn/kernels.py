"""Compiled forward and backward passes for small networks (numba).

For narrow layers numpy's per-call overhead (about a microsecond per array operation, some thirty
operations per training step) costs far more than the arithmetic. These kernels run a whole
mini-batch, sample by sample, in one compiled call that reads the flat parameter buffer directly
and adds into the flat gradient buffer. They compute exactly the quantities of the numpy path in
``network.py`` (the tests hold the two equal, and both equal to PyTorch); wide layers keep the
numpy path, where BLAS wins.

Codes: activations by their index in ``activations.ACTIVATIONS`` (softmax is ``SOFTMAX``); losses
by their index in ``losses.LOSSES``. Work is in float64 scalars whatever the buffer dtype.
"""

from __future__ import annotations

import math

import numba
import numpy as np

SOFTMAX = 100
MSE, HALF_MSE, BCE, CROSS_ENTROPY = 0, 1, 2, 3
_SQRT_HALF = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

_jit = numba.njit(cache=True, nogil=True)


@_jit
def _sigmoid(z):  # pragma: no cover - compiled
    return 0.5 * (1.0 + math.tanh(0.5 * z))


@_jit
def activate(code, z):  # pragma: no cover - compiled
    """a(z) for the activation with index ``code``."""
    if code == 0:
        return z
    if code == 1:
        return z if z > 0.0 else 0.0
    if code == 2:
        return z if z > 0.0 else 0.01 * z
    if code == 3:
        return z if z > 0.0 else math.expm1(z)
    if code == 4:
        return math.tanh(z)
    if code == 5:
        return _sigmoid(z)
    if code == 6:
        return max(z, 0.0) + math.log1p(math.exp(-abs(z)))
    if code == 7:
        return z * _sigmoid(z)
    if code == 8:
        return z * 0.5 * (1.0 + math.erf(z * _SQRT_HALF))
    return math.sin(z)


@_jit
def derivative(code, z, y):  # pragma: no cover - compiled
    """a'(z) given z and y = a(z)."""
    if code == 0:
        return 1.0
    if code == 1:
        return 1.0 if z > 0.0 else 0.0
    if code == 2:
        return 1.0 if z > 0.0 else 0.01
    if code == 3:
        return 1.0 if z > 0.0 else y + 1.0
    if code == 4:
        return 1.0 - y * y
    if code == 5:
        return y * (1.0 - y)
    if code == 6:
        return _sigmoid(z)
    if code == 7:
        s = _sigmoid(z)
        return s * (1.0 + z * (1.0 - s))
    if code == 8:
        return 0.5 * (1.0 + math.erf(z * _SQRT_HALF)) + z * _INV_SQRT_2PI * math.exp(-0.5 * z * z)
    return math.cos(z)


@_jit
def run_batch(params, grads, x, t, idx, sizes, w_off, b_off, acts, out_code, loss_code,
              want_grad, out):  # pragma: no cover - compiled
    """Forward (and backward) over the samples ``x[idx]``.

    params, grads: flat buffers; W of layer l is params[w_off[l] : w_off[l] + out·in] row-major
    (out, in), b is params[b_off[l] : b_off[l] + out]. t: encoded targets (N, m). acts: codes of
    the hidden activations. If ``want_grad``, grads is overwritten with d(mean loss)/dθ. If
    ``out`` has rows, out[s] receives the head's outputs for sample idx[s].
    Returns the mean data loss over the batch.
    """
    n_layers = sizes.size - 1
    width = 0
    for k in range(sizes.size):
        width = max(width, sizes[k])
    z = np.zeros((n_layers + 1, width))
    a = np.zeros((n_layers + 1, width))
    delta = np.zeros(width)
    prev = np.zeros(width)
    n = idx.size
    m = sizes[n_layers]
    if want_grad:
        grads[:] = 0.0
    per = 1.0 / n if loss_code == CROSS_ENTROPY else 1.0 / (n * m)
    total = 0.0
    for s in range(n):
        r = idx[s]
        for j in range(sizes[0]):
            a[0, j] = x[r, j]
        for layer in range(n_layers):
            nin = sizes[layer]
            wo = w_off[layer]
            bo = b_off[layer]
            last = layer == n_layers - 1
            for o in range(sizes[layer + 1]):
                acc = np.float64(params[bo + o])
                base = wo + o * nin
                for i in range(nin):
                    acc += params[base + i] * a[layer, i]
                z[layer + 1, o] = acc
                if not last:
                    a[layer + 1, o] = activate(acts[layer], acc)
        # Head: outputs, loss and dL/dz for this sample (scaled to the batch mean).
        zl = z[n_layers]
        if out_code == SOFTMAX:
            mx = zl[0]
            for j in range(1, m):
                mx = max(mx, zl[j])
            se = 0.0
            for j in range(m):
                se += math.exp(zl[j] - mx)
            lse = mx + math.log(se)
            for j in range(m):
                p = math.exp(zl[j] - lse)
                a[n_layers, j] = p
                total -= t[r, j] * (zl[j] - lse)
                delta[j] = (p - t[r, j]) * per
        else:
            for j in range(m):
                zj = zl[j]
                oj = activate(out_code, zj)
                a[n_layers, j] = oj
                tj = t[r, j]
                if loss_code == BCE:
                    total += max(zj, 0.0) - zj * tj + math.log1p(math.exp(-abs(zj)))
                    delta[j] = (oj - tj) * per
                else:
                    diff = oj - tj
                    if loss_code == HALF_MSE:
                        total += 0.5 * diff * diff
                        delta[j] = diff * per * derivative(out_code, zj, oj)
                    else:
                        total += diff * diff
                        delta[j] = 2.0 * diff * per * derivative(out_code, zj, oj)
        if out.shape[0] > 0:
            for j in range(m):
                out[s, j] = a[n_layers, j]
        if not want_grad:
            continue
        for layer in range(n_layers - 1, -1, -1):
            nin = sizes[layer]
            nout = sizes[layer + 1]
            wo = w_off[layer]
            bo = b_off[layer]
            for o in range(nout):
                d = delta[o]
                grads[bo + o] += d
                base = wo + o * nin
                for i in range(nin):
                    grads[base + i] += d * a[layer, i]
            if layer > 0:
                code = acts[layer - 1]
                for i in range(nin):
                    acc = 0.0
                    for o in range(nout):
                        acc += params[wo + o * nin + i] * delta[o]
                    prev[i] = acc * derivative(code, z[layer, i], a[layer, i])
                for i in range(nin):
                    delta[i] = prev[i]
    return total * per
