"""Loss landscapes: filter normalization, slices, the plane of the paths, the 1-D line."""

from __future__ import annotations

import numpy as np
import pytest

from depthlens import Config, Session
from depthlens.errors import ConfigError
from depthlens.lab import (
    filter_normalize,
    line_profile,
    loss_surface,
    path_plane,
    plane_landscape,
    random_directions,
    random_landscape,
)


@pytest.fixture(scope="module")
def session():
    return Session(Config(n_samples=120, layers=(5, 3), dtype="float64"))


def _rows(net, flat):
    out = []
    for k, (o, i) in enumerate(net.shapes):
        w0 = int(net._w_off[k])
        out.append(flat[w0 : w0 + o * i].reshape(o, i))
    return out


def _biases(net, flat):
    return [flat[int(net._b_off[k]) : int(net._b_off[k]) + o] for k, (o, _) in
            enumerate(net.shapes)]


def test_each_direction_row_has_the_norm_of_its_weight_row(session):
    net = session.net
    for bias in ("zero", "copy"):
        for d in random_directions(net, seed=5, bias=bias):
            for dw, w in zip(_rows(net, d), net.weights):
                np.testing.assert_allclose(np.linalg.norm(dw, axis=1),
                                           np.linalg.norm(w, axis=1), rtol=1e-9)
            for db, b in zip(_biases(net, d), net.biases):
                np.testing.assert_array_equal(db, 0.0 if bias == "zero" else b)


def test_filter_normalize_rescales_rows_only(session):
    net = session.net
    raw = np.random.default_rng(0).standard_normal(net.n_params)
    d = filter_normalize(net, raw)
    for dw, rw in zip(_rows(net, d), _rows(net, raw)):
        # the direction inside each row is kept, only its length changes
        cos = np.sum(dw * rw, axis=1) / (np.linalg.norm(dw, axis=1) * np.linalg.norm(rw, axis=1))
        np.testing.assert_allclose(cos, 1.0, rtol=1e-12)
    with pytest.raises(ConfigError, match="bias"):
        filter_normalize(net, raw, bias="keep")


def test_slice_centre_is_the_networks_loss_and_the_net_is_untouched(session):
    net, tr = session.net, session.trainer
    before = net.params.copy()
    land = random_landscape(net, tr.x, tr.t, span=0.5, resolution=5, seed=1)
    assert land.losses.shape == (5, 5)
    assert np.isclose(land.losses[2, 2], net.loss(tr.x, tr.t), rtol=1e-12)
    np.testing.assert_array_equal(net.params, before)
    d1, d2 = land.d1, land.d2
    a, b = land.alphas[4], land.betas[0]
    twin = net.copy()
    twin.params[...] = before + a * d1 + b * d2
    assert np.isclose(land.losses[0, 4], twin.loss(tr.x, tr.t), rtol=1e-12)


def test_path_plane_is_orthonormal_and_holds_a_straight_path(session):
    net = session.net
    theta0 = net.params.astype(np.float64)
    rng = np.random.default_rng(2)
    u, v = rng.standard_normal(net.n_params), rng.standard_normal(net.n_params)
    t = np.linspace(0, 1, 6)[:, None]
    paths = {"a": theta0 + t * u, "b": theta0 + t * v + t**2 * u}
    plane = path_plane(paths, theta0)
    assert np.isclose(plane.d1 @ plane.d1, 1) and np.isclose(plane.d2 @ plane.d2, 1)
    assert abs(plane.d1 @ plane.d2) < 1e-12
    assert plane.explained == pytest.approx(1.0)  # both paths lie in span(u, v)
    for name, xy in plane.coords.items():
        assert xy.shape == (6, 2)
        np.testing.assert_allclose(xy[0], 0.0, atol=1e-12)
        back = theta0 + xy[:, :1] * plane.d1 + xy[:, 1:] * plane.d2
        np.testing.assert_allclose(back, paths[name], atol=1e-9)
    tr = session.trainer
    land = plane_landscape(net, tr.x, tr.t, plane, resolution=7)
    assert land.losses.shape == (7, 7) and land.kind == "path plane"
    assert np.all(np.isfinite(land.losses))


def test_line_profile_ends_are_the_two_losses(session):
    net, tr = session.net, session.trainer
    start = net.params.astype(np.float64)
    end = start + 0.3 * np.random.default_rng(4).standard_normal(net.n_params)
    a, loss = line_profile(net, tr.x, tr.t, start, end, alphas=[0.0, 0.5, 1.0])
    twin = net.copy()
    twin.params[...] = end
    assert np.isclose(loss[0], net.loss(tr.x, tr.t)) and np.isclose(loss[2], twin.loss(tr.x, tr.t))
    surf = loss_surface(net, tr.x, tr.t, start, end - start, np.zeros_like(start), a, [0.0])
    np.testing.assert_allclose(surf[0], loss)
