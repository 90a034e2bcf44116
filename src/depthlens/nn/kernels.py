"""Compiled forward and backward passes for small networks (numba).

For narrow layers numpy's per-call overhead (about a microsecond per array operation, some thirty
operations per training step) costs far more than the arithmetic. These kernels run a whole
mini-batch in one compiled call that reads the flat parameter buffer directly and adds into the
flat gradient buffer (``run_batch``: up to 64 samples side by side, each number computed as a
sample-by-sample loop would). They compute exactly the quantities of the numpy path in
``network.py`` (the tests hold the two equal, and both equal to PyTorch); wide layers keep the
numpy path, where BLAS wins.

Codes: activations by their index in ``activations.ACTIVATIONS`` (softmax is ``SOFTMAX``); losses
by their index in ``losses.LOSSES``. Work is in float64 scalars whatever the buffer dtype.
NaN propagates as in numpy: every activation returns NaN for NaN (relu included, where a plain
``z if z > 0 else 0`` would return 0), so a forward pass gives NaN in the same outputs.
``bias_relu`` and ``mask_multiply`` are elementwise helpers of the numpy path.

SGD's update (``sgd_kernel``, the rule of ``optimizers``) and a trainer's fused steps
(``sgd_steps``: gradient and update per mini-batch in one call) live here too: every compiled
function that calls another is in this one file, because numba's cache is keyed on the stamp of
the file a function is defined in — a function in training.py calling a kernel of this file kept
its old compiled code when only this file changed (seen).
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
    """σ(z) with e = e^−|z|: 1/(1 + e) for z ≥ 0, e/(1 + e) for z < 0 (NaN stays NaN), exact
    to a few ulps in both tails and never overflowing (``activations._sigmoid``'s rule). The
    select, not a branch, keeps run_batch's loops as fast as with the old tanh form."""
    e = math.exp(-abs(z))
    return (e if z < 0.0 else 1.0) / (1.0 + e)


# tanh for |z| < 0.625 as z + z³·P(z²)/Q(z²) (Cody & Waite's form, the coefficients of the Cephes
# library's tanh.c, also used by Go's math.Tanh), else 1 − 2/(e^{2|z|} + 1). Within about one ulp
# (libm's tanh within about two, numpy's within a few), and it takes about half libm's time.
_TANH_P = (-9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3)
_TANH_Q = (1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3)
_TANH_ONE = 22.0  # tanh z rounds to ±1 in float64 beyond this


@_jit
def _tanh(z):  # pragma: no cover - compiled
    u = abs(z)
    if u >= 0.625:
        if u > _TANH_ONE:
            return math.copysign(1.0, z)
        r = 1.0 - 2.0 / (math.exp(2.0 * u) + 1.0)
        return -r if z < 0.0 else r
    if z == 0.0:
        return z
    p0, p1, p2 = _TANH_P
    q0, q1, q2 = _TANH_Q
    s = z * z
    return z + z * s * ((p0 * s + p1) * s + p2) / (((s + q0) * s + q1) * s + q2)


@_jit
def activate(code, z):  # pragma: no cover - compiled
    """a(z) for the activation with index ``code``."""
    if code == 0:
        return z
    if code == 1:
        return z if (z > 0.0 or z != z) else 0.0  # NaN stays NaN, as np.maximum(z, 0)
    if code == 2:
        return z if z > 0.0 else 0.01 * z
    if code == 3:
        return z if z > 0.0 else math.expm1(z)
    if code == 4:
        return _tanh(z)
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
    # softplus and swish take σ(z) from y, not from exp again: an inlined exp in this function
    # makes run_batch's backward loops slower for every activation (measured: 5.6 → 6.4 µs a
    # 2-8-8-8-1 tanh step). σ = 1 − e^−softplus(z) = −expm1(−y) and σ = y/z are exact to a
    # few ulps (y is float64 here), NaN giving NaN.
    if code == 6:
        return -math.expm1(-y)
    if code == 7:
        s = y / z if z != 0.0 else 0.5
        return s * (1.0 + z * (1.0 - s))
    if code == 8:
        return 0.5 * (1.0 + math.erf(z * _SQRT_HALF)) + z * _INV_SQRT_2PI * math.exp(-0.5 * z * z)
    return math.cos(z)


@_jit
def bias_relu(z, b):  # pragma: no cover - compiled
    """z ← max(z + b, 0) in place, row by row, with the roundings of ``z += b`` and the rule of
    ``np.maximum(z, 0.0)`` (NaN stays NaN, −0 becomes +0): one pass instead of two."""
    for r in range(z.shape[0]):
        row = z[r]
        for j in range(row.size):
            v = row[j] + b[j]
            row[j] = v if (v > 0.0 or v != v) else 0.0


@_jit
def mask_multiply(d, mask):  # pragma: no cover - compiled
    """d ← d · mask (mask 0/1) in place, as ``np.multiply(d, mask, out=d)``: d·1 = d, d·0 = ±0
    (NaN for inf or NaN), all exact whatever the precision."""
    for r in range(d.shape[0]):
        row = d[r]
        m = mask[r]
        for j in range(row.size):
            row[j] = row[j] * (1.0 if m[j] else 0.0)


CHUNK = 64
"""Samples that ``run_batch`` carries through the layers together."""


@_jit
def run_batch(params, grads, x, t, idx, sizes, w_off, b_off, acts, out_code, loss_code,
              want_grad, out):  # pragma: no cover - compiled
    """Forward (and backward) over the samples ``x[idx]``.

    params, grads: flat buffers; W of layer l is params[w_off[l] : w_off[l] + out·in] row-major
    (out, in), b is params[b_off[l] : b_off[l] + out]. t: encoded targets (N, m). acts: codes of
    the hidden activations. If ``want_grad``, grads is overwritten with d(mean loss)/dθ. If
    ``out`` has rows, out[s] receives the head's outputs for sample idx[s].
    Returns the mean data loss over the batch.

    The samples go through the layers ``CHUNK`` at a time, stored unit-major (``zs[l][unit,
    sample]``) so the innermost loops run over samples, side by side. Every number is still
    computed with the operations, in the order, of a plain loop over samples one by one: each z
    is b + Σ_i W·a in the order of i, each back-propagated sum runs over the units in order, and
    every gradient entry receives the samples' terms in sample order (rounded to the buffer's
    dtype after each, as ``grads[k] += term`` does).
    """
    n_layers = sizes.size - 1
    width = 0
    for k in range(sizes.size):
        width = max(width, sizes[k])
    n = idx.size
    ch = max(1, min(CHUNK, n))
    # Every entry read below is written first in the same chunk, so no zero fill is needed.
    zs = np.empty((n_layers + 1, width, ch))  # z, unit-major
    acts_um = np.empty((n_layers + 1, width, ch))  # a, unit-major
    acts_sm = np.empty((n_layers + 1, ch, width))  # a, sample-major (rows of dW)
    delta = np.empty((width, ch))
    prev = np.empty((width, ch))
    m = sizes[n_layers]
    if want_grad:
        grads[:] = 0.0
    per = 0.0 if n == 0 else 1.0 / n if loss_code == CROSS_ENTROPY else 1.0 / (n * m)
    total = 0.0
    for c0 in range(0, n, ch):
        cn = min(ch, n - c0)
        a0 = acts_um[0]
        a0s = acts_sm[0]
        for s in range(cn):
            r = idx[c0 + s]
            for j in range(sizes[0]):
                a0[j, s] = x[r, j]
                a0s[s, j] = x[r, j]
        for layer in range(n_layers):
            nin = sizes[layer]
            nout = sizes[layer + 1]
            wo = w_off[layer]
            bo = b_off[layer]
            a_in = acts_um[layer]
            z_out = zs[layer + 1]
            for o in range(nout):
                zo = z_out[o]
                b = np.float64(params[bo + o])
                for s in range(cn):
                    zo[s] = b
                base = wo + o * nin
                for i in range(nin):
                    w = np.float64(params[base + i])
                    ai = a_in[i]
                    for s in range(cn):
                        zo[s] += w * ai[s]
            if layer < n_layers - 1:
                code = acts[layer]
                a_next = acts_um[layer + 1]
                a_next_s = acts_sm[layer + 1]
                for o in range(nout):
                    zo = z_out[o]
                    ao = a_next[o]
                    for s in range(cn):
                        v = activate(code, zo[s])
                        ao[s] = v
                        a_next_s[s, o] = v
        # Head: outputs, loss and dL/dz for each sample (scaled to the batch mean).
        zl = zs[n_layers]
        al = acts_um[n_layers]
        for s in range(cn):
            r = idx[c0 + s]
            if out_code == SOFTMAX:
                mx = zl[0, s]
                for j in range(1, m):
                    mx = max(mx, zl[j, s])
                se = 0.0
                for j in range(m):
                    se += math.exp(zl[j, s] - mx)
                lse = mx + math.log(se)
                for j in range(m):
                    p = math.exp(zl[j, s] - lse)
                    al[j, s] = p
                    total -= t[r, j] * (zl[j, s] - lse)
                    delta[j, s] = (p - t[r, j]) * per
            else:
                for j in range(m):
                    zj = zl[j, s]
                    oj = activate(out_code, zj)
                    al[j, s] = oj
                    tj = t[r, j]
                    if loss_code == BCE:
                        total += max(zj, 0.0) - zj * tj + math.log1p(math.exp(-abs(zj)))
                        delta[j, s] = (oj - tj) * per
                    else:
                        diff = oj - tj
                        if loss_code == HALF_MSE:
                            total += 0.5 * diff * diff
                            delta[j, s] = diff * per * derivative(out_code, zj, oj)
                        else:
                            total += diff * diff
                            delta[j, s] = 2.0 * diff * per * derivative(out_code, zj, oj)
            if out.shape[0] > 0:
                for j in range(m):
                    out[c0 + s, j] = al[j, s]
        if not want_grad:
            continue
        for layer in range(n_layers - 1, -1, -1):
            nin = sizes[layer]
            nout = sizes[layer + 1]
            wo = w_off[layer]
            bo = b_off[layer]
            a_in_s = acts_sm[layer]
            for s in range(cn):
                a_row = a_in_s[s]
                for o in range(nout):
                    d = delta[o, s]
                    grads[bo + o] += d
                    base = wo + o * nin
                    for i in range(nin):
                        grads[base + i] += d * a_row[i]
            if layer > 0:
                # prev[i] = Σ_o W[o, i]·δ[o], the sum in the order o = 0, 1, …
                for i in range(nin):
                    pi = prev[i]
                    for s in range(cn):
                        pi[s] = 0.0
                for o in range(nout):
                    do = delta[o]
                    base = wo + o * nin
                    for i in range(nin):
                        w = np.float64(params[base + i])
                        pi = prev[i]
                        for s in range(cn):
                            pi[s] += w * do[s]
                code = acts[layer - 1]
                z_in = zs[layer]
                a_in = acts_um[layer]
                for i in range(nin):
                    pi = prev[i]
                    di = delta[i]
                    zi = z_in[i]
                    ai = a_in[i]
                    for s in range(cn):
                        di[s] = pi[s] * derivative(code, zi[s], ai[s])
    return total * per


@_jit
def sgd_kernel(p, g, buf, lr, momentum, dampening, wd, nesterov, first):  # pragma: no cover
    """SGD's update of the module docstring on the flat buffer ``p`` in place (``first``: the
    first update, which sets the momentum buffer to g). Compiled: a trainer's own compiled
    loop may call it between gradients (see ``Optimizer.fused_sgd``).

    PyTorch starts the buffer (b ← g) at the first step *with momentum ≠ 0*, which is later
    than t = 1 when momentum is switched on mid-run. A buffer never started is all zeros (the
    rule writes it only when momentum ≠ 0), so an all-zero buffer starts here too. That only
    matters with dampening τ ≠ 0: with τ = 0, μ·0 + g is g already. (A started buffer that is
    exactly zero everywhere, every gradient entry 0 since the start, is the one case that
    restarts where PyTorch would not; the scan stops at the first non-zero entry.)"""
    if momentum != 0.0 and dampening != 0.0 and not first:
        first = True
        for i in range(buf.size):
            if buf[i] != 0.0:
                first = False
                break
    for i in range(p.size):
        gi = g[i] + wd * p[i] if wd != 0.0 else g[i]
        if momentum != 0.0:
            b = gi if first else buf[i] * momentum + gi * (1.0 - dampening)
            buf[i] = b
            gi = gi + momentum * buf[i] if nesterov else buf[i]
        p[i] = p[i] - lr * gi


@_jit
def sgd_steps(params, grads, x, t, order, start, batch, max_steps, sizes, w_off, b_off,
               acts, out_code, loss_code, no_out, buf, lr, momentum, dampening, wd, nesterov,
               t0):  # pragma: no cover - compiled
    """Up to ``max_steps`` SGD steps of the compiled path in one call: for each mini-batch
    ``order[pos : pos + batch]`` from ``start`` (until the end of ``order``), exactly
    ``Trainer.step``'s sequence: gradient (``run_batch``), stop if the loss is not finite,
    the SGD update (update number t0 + 1, …). Returns (updates done, the last
    batch's loss)."""
    n = order.size
    pos = start
    loss = 0.0
    for s in range(max_steps):
        if pos >= n:
            return s, loss
        stop = min(pos + batch, n)
        loss = run_batch(params, grads, x, t, order[pos:stop], sizes, w_off, b_off, acts,
                         out_code, loss_code, True, no_out)
        if not math.isfinite(loss):
            return s, loss
        sgd_kernel(params, grads, buf, lr, momentum, dampening, wd, nesterov, t0 + s == 0)
        pos = stop
    return max_steps, loss
