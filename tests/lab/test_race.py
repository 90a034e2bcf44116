"""The race on surfaces: the issue's numbers, determinism, noise, divergence, the table."""

from __future__ import annotations

import json

import numpy as np
import pytest

from depthlens.lab import OPTIMIZER_ORDER, SURFACES, race_on_surface, race_table
from depthlens.lab.race import table_text
from depthlens.nn.optimizers import make_optimizer


def test_double_well_gradient_descent_stays_local_momentum_goes_global():
    """Issue 5, item 6: from (1.8, 1) in the local basin, with the same lr = 0.01 for 600
    steps, plain gradient descent ends in the local minimum while SGD with momentum 0.9
    rolls over the ridge into the global one."""
    s = SURFACES["double_well"]
    opts = {"gd": make_optimizer("sgd", lr=0.01),
            "momentum": make_optimizer("sgd", lr=0.01, momentum=0.9)}
    paths = race_on_surface(s, opts, start=(1.8, 1.0), steps=600)
    rows = {r.name: r for r in race_table(s, paths)}
    assert rows["gd"].kind == "local" and rows["momentum"].kind == "global"
    local = next(m for m in s.minima if m.kind == "local")
    glob = next(m for m in s.minima if m.kind == "global")
    assert np.linalg.norm(paths["gd"].final_point - local.point) < 1e-2
    assert np.linalg.norm(paths["momentum"].final_point - glob.point) < 1e-3
    assert rows["gd"].steps_to_tol is None and rows["momentum"].steps_to_tol is not None


@pytest.mark.parametrize("lr", [0.008, 0.01, 0.015])
def test_double_well_story_holds_for_nearby_learning_rates(lr):
    s = SURFACES["double_well"]
    opts = {"gd": make_optimizer("sgd", lr=lr),
            "momentum": make_optimizer("momentum", lr=lr)}
    kinds = {r.name: r.kind for r in race_table(s, race_on_surface(s, opts, steps=1000))}
    assert kinds == {"gd": "local", "momentum": "global"}


def test_adam_reaches_rosenbrocks_minimum():
    """Issue 5, item 6: Adam (lr 0.05, PyTorch's betas) from (−1.5, 2.5) is within 1e-3 of
    (1, 1) by step 2000 and stays there; the value is below 1e-6."""
    paths = race_on_surface("rosenbrock", ["adam"], start=(-1.5, 2.5), steps=2000)
    tr = paths["adam"]
    assert tr.hyper["lr"] == 0.05
    dist = np.hypot(tr.points[:, 0] - 1.0, tr.points[:, 1] - 1.0)
    assert dist[-1] < 1e-3
    first = int(np.flatnonzero(dist < 1e-3)[0])
    assert first <= 1600 and np.all(dist[first:] < 1e-3)
    assert tr.final_value < 1e-6


def test_race_is_deterministic_and_noise_is_seeded():
    a = race_on_surface("himmelblau", steps=200, noise=2.0, seed=3)
    b = race_on_surface("himmelblau", steps=200, noise=2.0, seed=3)
    c = race_on_surface("himmelblau", steps=200, noise=2.0, seed=4)
    quiet = race_on_surface("himmelblau", steps=200)
    assert list(a) == list(OPTIMIZER_ORDER)
    for name in a:
        np.testing.assert_array_equal(a[name].points, b[name].points)
        np.testing.assert_array_equal(a[name].values, b[name].values)
        assert not np.array_equal(a[name].points, c[name].points)
        assert not np.array_equal(a[name].points, quiet[name].points)


def test_every_racer_sees_the_same_noise():
    """Two identical racers under noise follow the same path (one noise sequence for all)."""
    opts = {"one": make_optimizer("sgd", lr=0.01), "two": make_optimizer("sgd", lr=0.01)}
    paths = race_on_surface("saddle", opts, steps=100, noise=1.0, seed=0)
    np.testing.assert_array_equal(paths["one"].points, paths["two"].points)


def test_trajectory_shapes_values_and_start():
    s = SURFACES["beale"]
    paths = race_on_surface(s, ["sgd", "adam"], steps=25)
    for tr in paths.values():
        assert tr.points.shape == (26, 2) and tr.values.shape == (26,)
        assert tr.points[0].tolist() == list(s.start)
        np.testing.assert_allclose(tr.values, s.value(tr.points[:, 0], tr.points[:, 1]))


def test_a_diverging_racer_is_stopped_and_reported():
    paths = race_on_surface("rosenbrock", {"wild": make_optimizer("sgd", lr=0.05)}, steps=100)
    tr = paths["wild"]
    assert tr.diverged_at is not None and tr.diverged_at <= 100
    assert np.all(np.isnan(tr.points[tr.diverged_at:]))
    row = race_table("rosenbrock", paths)[0]
    assert row.kind == "diverged" and "diverged" in row.minimum


def test_table_text_lists_every_racer():
    s = SURFACES["saddle"]
    rows = race_table(s, race_on_surface(s, steps=300))
    text = table_text(rows, s.tol)
    for name in OPTIMIZER_ORDER:
        assert name in text
    assert {r.minimum for r in rows} <= {"(0, 1)", "(0, −1)", "none"}


def test_json_forms_for_a_web_page():
    s = SURFACES["rosenbrock"]
    d = race_on_surface(s, ["adam"], steps=5)["adam"].to_dict()
    assert len(d["points"]) == 6 and d["points"][0] == [-1.5, 2.5]
    wild = race_on_surface(s, {"wild": make_optimizer("sgd", lr=0.05)}, steps=50)["wild"]
    w = wild.to_dict()
    assert w["diverged_at"] is not None and w["points"][-1] == [None, None]
    meta = s.describe()
    assert meta["minima"][0]["x"] == 1.0 and meta["extent"] == list(s.extent)
    json.dumps([d, w, meta], allow_nan=False)


def test_the_table_never_says_never_beside_a_gap_shown_within_the_tolerance():
    """Steps to tolerance and the final gap come from one subtraction, and the gap is shown
    with the digits that keep it on its side of the tolerance."""
    from depthlens.lab.race import gap_text
    assert gap_text(1.00027e-4, 1e-4) == "0.00010003"
    assert gap_text(0.99999e-4, 1e-4) == "0.0001"  # within: 3 digits stay within
    assert gap_text(0.123456, 1e-4) == "0.123"
    s = SURFACES["rosenbrock"]
    for steps in (50, 300, 2000):
        paths = race_on_surface(s, {n: make_optimizer(n, lr=lr) for n, lr in
                                    (("adam", 0.01), ("sgd", 0.001), ("rmsprop", 0.001))},
                                steps=steps)
        for row in race_table(s, paths):
            gaps = paths[row.name].values - s.f_min
            shown = float(gap_text(row.final_gap, s.tol))
            assert row.final_gap == gaps[-1]
            if row.steps_to_tol is None:
                assert shown > s.tol and (gaps > s.tol).all()
            else:
                assert gaps[row.steps_to_tol] <= s.tol and (gaps[:row.steps_to_tol] > s.tol).all()
