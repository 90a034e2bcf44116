"""The analytic surfaces: gradients against finite differences, minima, lookup."""

from __future__ import annotations

import numpy as np
import pytest

from depthlens.errors import ConfigError
from depthlens.lab import SURFACES, get_surface

NAMES = list(SURFACES)


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name):
    s = SURFACES[name]
    rng = np.random.default_rng(1)
    x0, x1, y0, y1 = s.extent
    pts = np.column_stack([rng.uniform(x0, x1, 40), rng.uniform(y0, y1, 40)])
    h = 1e-6
    for x, y in pts:
        gx, gy = s.gradient(float(x), float(y))
        fx = (s.value(x + h, y) - s.value(x - h, y)) / (2 * h)
        fy = (s.value(x, y + h) - s.value(x, y - h)) / (2 * h)
        scale = 1.0 + abs(fx) + abs(fy)
        assert abs(gx - fx) <= 1e-6 * scale, (x, y, gx, fx)
        assert abs(gy - fy) <= 1e-6 * scale, (x, y, gy, fy)


@pytest.mark.parametrize("name", NAMES)
def test_vectorized_value_and_gradient_agree_with_scalars(name):
    s = SURFACES[name]
    gx, gy, f = s.grid(7)
    ax, ay = s.gradient(gx, gy)
    assert f.shape == ax.shape == ay.shape == (7, 7)
    for i in (0, 3, 6):
        for j in (1, 5):
            x, y = float(gx[i, j]), float(gy[i, j])
            assert np.isclose(f[i, j], s.value(x, y), rtol=1e-12)
            sx, sy = s.gradient(x, y)
            assert np.isclose(ax[i, j], sx, rtol=1e-12, atol=1e-12)
            assert np.isclose(ay[i, j], sy, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_listed_minima_are_stationary_with_their_values(name):
    s = SURFACES[name]
    assert any(m.kind == "global" for m in s.minima)
    for m in s.minima:
        gx, gy = s.gradient(m.x, m.y)
        assert abs(gx) < 1e-7 and abs(gy) < 1e-7, (m, gx, gy)
        assert np.isclose(s.value(m.x, m.y), m.value, atol=1e-12)
        # a minimum, not a saddle: the value grows a little away from it in every direction
        for dx, dy in ((1e-3, 0), (-1e-3, 0), (0, 1e-3), (0, -1e-3)):
            assert s.value(m.x + dx, m.y + dy) > m.value
        assert s.nearest_minimum(m.point) == m
    assert s.f_min == min(m.value for m in s.minima)


def test_double_well_has_a_local_and_a_global_minimum():
    s = SURFACES["double_well"]
    glob = [m for m in s.minima if m.kind == "global"]
    loc = [m for m in s.minima if m.kind == "local"]
    assert len(glob) == 1 and len(loc) == 1
    assert glob[0].value < loc[0].value
    assert loc[0].x > 0 > glob[0].x
    assert s.start[0] > loc[0].x  # the start is in the local basin


def test_known_minima_of_classic_surfaces():
    assert SURFACES["rosenbrock"].minima[0].point.tolist() == [1.0, 1.0]
    assert SURFACES["beale"].minima[0].point.tolist() == [3.0, 0.5]
    assert len(SURFACES["himmelblau"].minima) == 4
    assert all(abs(m.value) < 1e-20 for m in SURFACES["himmelblau"].minima)
    glob = [m for m in SURFACES["rastrigin"].minima if m.kind == "global"]
    assert len(glob) == 1 and glob[0].value == 0.0


def test_unknown_surface_names_the_field():
    with pytest.raises(ConfigError, match="surface"):
        get_surface("mexican-hat")
    assert get_surface("double-well") is SURFACES["double_well"]
    assert SURFACES["ravine"].nearest_minimum(np.array([np.nan, 0.0])) is None
