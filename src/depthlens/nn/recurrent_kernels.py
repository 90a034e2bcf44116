"""Compiled (numba) forward pass and backprop through time of the recurrent layers, for small
states.

For a playground-size network (H = 4, T = 8, a batch of 10) numpy's per-call cost (about a
microsecond for each of the ~15 array operations of every time step, forward and backward) is
nearly all of a step; these kernels run every layer, sample and time step in one call each,
sample by sample, in float64 scalars whatever the buffer's dtype (as ``kernels.run_batch``).
They compute the quantities of ``recurrent``'s module docstring (the equations are there) and are
tested equal to the numpy path and to PyTorch. The readout and the head stay in numpy
(``RecurrentNet`` calls ``forward``, then the head, then ``backward``), so the head's rules are
written once.

Buffers (float64, time-major, made by the caller): ``states`` (L, T, n, H) the h_t;
``gates`` (L, T, n, 4H): GRU r | z | n | q, LSTM i | f | g | o, unused for Elman; ``cells``
(L, T, n, H) the LSTM's c_t. Cells by ``CELL_CODES``; the Elman activation 0 = tanh, 1 = relu.
Every compiled function that calls another is in this file (numba's cache is keyed on the
defining file: ``kernels``' docstring).
"""

from __future__ import annotations

import math

import numba
import numpy as np

ELMAN, GRU, LSTM = 0, 1, 2
CELL_CODES = {"elman": ELMAN, "gru": GRU, "lstm": LSTM}
TANH, RELU = 0, 1

_jit = numba.njit(cache=True, nogil=True)


@_jit
def _sigmoid(z):  # pragma: no cover - compiled
    """σ(z) from e = e^−|z|, never overflowing (``kernels._sigmoid``'s rule)."""
    e = math.exp(-abs(z))
    return (e if z < 0.0 else 1.0) / (1.0 + e)


@_jit
def forward(params, x, w_ih, w_hh, b_ih, b_hh, cell, act, states, gates,
            cells):  # pragma: no cover - compiled
    """Every layer over x (n, T, I): fills ``states`` (and ``gates``, ``cells``). ``w_ih`` …
    ``b_hh``: each layer's offsets into ``params``."""
    n_layers, steps, n, h_units = states.shape
    acc = np.empty(4 * h_units)
    acc_h = np.empty(4 * h_units)
    for layer in range(n_layers):
        n_in = x.shape[2] if layer == 0 else h_units
        o_wi, o_wh, o_bi, o_bh = w_ih[layer], w_hh[layer], b_ih[layer], b_hh[layer]
        g_rows = h_units if cell == ELMAN else (3 * h_units if cell == GRU else 4 * h_units)
        for s in range(n):
            for t in range(steps):
                # a^x = W_ih·in + b_ih and a^h = W_hh·h_{t−1} + b_hh, row by row
                for j in range(g_rows):
                    v = params[o_bi + j]
                    row = o_wi + j * n_in
                    if layer == 0:
                        for k in range(n_in):
                            v += params[row + k] * x[s, t, k]
                    else:
                        for k in range(n_in):
                            v += params[row + k] * states[layer - 1, t, s, k]
                    acc[j] = v
                    u = params[o_bh + j]
                    if t > 0:
                        row = o_wh + j * h_units
                        for k in range(h_units):
                            u += params[row + k] * states[layer, t - 1, s, k]
                    acc_h[j] = u
                if cell == ELMAN:
                    for j in range(h_units):
                        z = acc[j] + acc_h[j]
                        if act == RELU:
                            states[layer, t, s, j] = z if (z > 0.0 or z != z) else 0.0
                        else:
                            states[layer, t, s, j] = math.tanh(z)
                elif cell == GRU:
                    for j in range(h_units):
                        r = _sigmoid(acc[j] + acc_h[j])
                        zg = _sigmoid(acc[h_units + j] + acc_h[h_units + j])
                        q = acc_h[2 * h_units + j]
                        cand = math.tanh(acc[2 * h_units + j] + r * q)
                        prev = states[layer, t - 1, s, j] if t > 0 else 0.0
                        states[layer, t, s, j] = cand + zg * (prev - cand)
                        gates[layer, t, s, j] = r
                        gates[layer, t, s, h_units + j] = zg
                        gates[layer, t, s, 2 * h_units + j] = cand
                        gates[layer, t, s, 3 * h_units + j] = q
                else:
                    for j in range(h_units):
                        ig = _sigmoid(acc[j] + acc_h[j])
                        fg = _sigmoid(acc[h_units + j] + acc_h[h_units + j])
                        gg = math.tanh(acc[2 * h_units + j] + acc_h[2 * h_units + j])
                        og = _sigmoid(acc[3 * h_units + j] + acc_h[3 * h_units + j])
                        prev = cells[layer, t - 1, s, j] if t > 0 else 0.0
                        c = fg * prev + ig * gg
                        cells[layer, t, s, j] = c
                        states[layer, t, s, j] = og * math.tanh(c)
                        gates[layer, t, s, j] = ig
                        gates[layer, t, s, h_units + j] = fg
                        gates[layer, t, s, 2 * h_units + j] = gg
                        gates[layer, t, s, 3 * h_units + j] = og


@_jit
def backward(params, grad_acc, x, d_last, w_ih, w_hh, b_ih, b_hh, cell, act, states, gates,
             cells, e_a, e_b):  # pragma: no cover - compiled
    """Backprop through time from ∂L/∂h_T of the last layer, ``d_last`` (n, H): the recurrent
    tensors' gradients are *added* into ``grad_acc`` (float64, ``params``' layout; the caller
    zeroes it). ``e_a``, ``e_b``: (T, n, H) scratch for what each layer sends the one below."""
    n_layers, steps, n, h_units = states.shape
    da_x = np.empty(4 * h_units)
    da_h = np.empty(4 * h_units)
    d = np.empty(h_units)
    dc = np.empty(h_units)
    e_a[:] = 0.0
    for s in range(n):
        for j in range(h_units):
            e_a[steps - 1, s, j] = d_last[s, j]
    e_in, e_out = e_a, e_b
    for layer in range(n_layers - 1, -1, -1):
        n_in = x.shape[2] if layer == 0 else h_units
        o_wi, o_wh, o_bi, o_bh = w_ih[layer], w_hh[layer], b_ih[layer], b_hh[layer]
        g_rows = h_units if cell == ELMAN else (3 * h_units if cell == GRU else 4 * h_units)
        if layer > 0:
            e_out[:] = 0.0
        for s in range(n):
            for j in range(h_units):
                d[j] = 0.0
                dc[j] = 0.0
            for t in range(steps - 1, -1, -1):
                for j in range(h_units):
                    d[j] += e_in[t, s, j]
                if cell == ELMAN:
                    for j in range(h_units):
                        h = states[layer, t, s, j]
                        if act == RELU:
                            v = d[j] if h > 0.0 else 0.0
                        else:
                            v = d[j] * (1.0 - h * h)
                        da_x[j] = v
                        da_h[j] = v
                elif cell == GRU:
                    for j in range(h_units):
                        r = gates[layer, t, s, j]
                        zg = gates[layer, t, s, h_units + j]
                        cand = gates[layer, t, s, 2 * h_units + j]
                        q = gates[layer, t, s, 3 * h_units + j]
                        prev = states[layer, t - 1, s, j] if t > 0 else 0.0
                        dn = d[j] * (1.0 - zg) * (1.0 - cand * cand)
                        dz = d[j] * (prev - cand) * (zg * (1.0 - zg))
                        dr = dn * q * (r * (1.0 - r))
                        da_x[j] = dr
                        da_x[h_units + j] = dz
                        da_x[2 * h_units + j] = dn
                        da_h[j] = dr
                        da_h[h_units + j] = dz
                        da_h[2 * h_units + j] = dn * r
                else:
                    for j in range(h_units):
                        ig = gates[layer, t, s, j]
                        fg = gates[layer, t, s, h_units + j]
                        gg = gates[layer, t, s, 2 * h_units + j]
                        og = gates[layer, t, s, 3 * h_units + j]
                        tc = math.tanh(cells[layer, t, s, j])
                        prev = cells[layer, t - 1, s, j] if t > 0 else 0.0
                        dc[j] += d[j] * og * (1.0 - tc * tc)
                        da_x[j] = dc[j] * gg * (ig * (1.0 - ig))
                        da_x[h_units + j] = dc[j] * prev * (fg * (1.0 - fg))
                        da_x[2 * h_units + j] = dc[j] * ig * (1.0 - gg * gg)
                        da_x[3 * h_units + j] = d[j] * tc * (og * (1.0 - og))
                        da_h[j] = da_x[j]
                        da_h[h_units + j] = da_x[h_units + j]
                        da_h[2 * h_units + j] = da_x[2 * h_units + j]
                        da_h[3 * h_units + j] = da_x[3 * h_units + j]
                        dc[j] *= fg
                # the gradients, and what the layer below and h_{t−1} receive
                for j in range(g_rows):
                    ax = da_x[j]
                    grad_acc[o_bi + j] += ax
                    row = o_wi + j * n_in
                    if layer == 0:
                        for k in range(n_in):
                            grad_acc[row + k] += ax * x[s, t, k]
                    else:
                        for k in range(n_in):
                            grad_acc[row + k] += ax * states[layer - 1, t, s, k]
                            e_out[t, s, k] += ax * params[row + k]
                    ah = da_h[j]
                    grad_acc[o_bh + j] += ah
                    if t > 0:
                        row = o_wh + j * h_units
                        for k in range(h_units):
                            grad_acc[row + k] += ah * states[layer, t - 1, s, k]
                if t > 0:
                    for k in range(h_units):
                        v = d[k] * gates[layer, t, s, h_units + k] if cell == GRU else 0.0
                        for j in range(g_rows):
                            v += da_h[j] * params[o_wh + j * h_units + k]
                        d[k] = v
        e_in, e_out = e_out, e_in
