"""The Lab tab's HTTP API: surfaces, the race on a surface, the race on a network, refusals."""

from __future__ import annotations

import base64
import math
import re
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

import depthlens.web
from depthlens.lab import SURFACES, race_on_surface
from depthlens.lab.figures import COLORS, color
from depthlens.web import create_app
from depthlens.web.lab import GRID, MAX_BUDGET, band_positions, downsample


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


def race(client, **body):
    r = client.post("/api/lab/race", json=body)
    assert r.status_code == 200, r.text
    return r.json()


def refused(response, field: str) -> str:
    """The message of a refused request, after checking its status and shape."""
    assert response.status_code in (400, 422), response.text
    body = response.json()
    assert set(body) == {"field", "message"}
    assert body["field"] == field
    assert field.split(".")[0] in body["message"]
    return body["message"]


# -- surfaces ---------------------------------------------------------------------------------
def test_surfaces_lists_all_seven_with_minima_optimizers_and_picture(client):
    r = client.get("/api/lab/surfaces")
    assert r.status_code == 200
    surfaces = {s["name"]: s for s in r.json()}
    assert set(surfaces) == set(SURFACES) and len(surfaces) == 7
    for name, s in surfaces.items():
        assert s["minima"] and any(m["kind"] == "global" for m in s["minima"])
        x0, x1, y0, y1 = s["extent"]
        assert x0 <= s["start"][0] <= x1 and y0 <= s["start"][1] <= y1
        assert [o["name"] for o in s["optimizers"]][:2] == ["sgd", "momentum"]
        assert {o["name"]: o["lr"] for o in s["optimizers"]} == SURFACES[name].lrs
        grid = s["grid"]
        data = np.frombuffer(base64.b64decode(grid["data"]), dtype=np.uint8)
        assert (grid["width"], grid["height"]) == (GRID, GRID) and data.size == GRID * GRID
        assert data.min() < 20 and data.max() > 235  # the bands span the whole scale


def test_picture_is_lowest_at_the_global_minimum_and_oriented_with_y_up():
    """Row 0 is the top of the window (largest y), column 0 its left side."""
    s = SURFACES["double_well"]
    grid, _ = band_positions(s)
    x0, x1, y0, y1 = s.extent
    glob = next(m for m in s.minima if m.kind == "global")
    col = int((glob.x - x0) / (x1 - x0) * GRID)
    row = int((y1 - glob.y) / (y1 - y0) * GRID)
    assert grid[row, col] <= np.quantile(grid, 0.02)
    # the double well is higher at the top edge than in the middle row of the global valley
    assert grid[0, col] > grid[row, col] + 100
    # Rosenbrock's valley bends up to the right: (1, 1) low, (1, −0.9) high
    r = SURFACES["rosenbrock"]
    g, _ = band_positions(r)
    rx0, rx1, ry0, ry1 = r.extent

    def cell(x: float, y: float) -> int:
        return int(g[int((ry1 - y) / (ry1 - ry0) * GRID), int((x - rx0) / (rx1 - rx0) * GRID)])

    assert cell(1.0, 1.0) < cell(1.0, -0.9) - 100


def test_surfaces_and_network_options_send_the_figures_colours(client):
    """The page draws every racer in the colour the lab's matplotlib figures use."""
    for s in client.get("/api/lab/surfaces").json():
        sent = [(o["name"], o["color"]) for o in s["optimizers"]]
        assert sent == [(name, color(name, i)) for i, (name, _) in enumerate(sent)]
        assert all(COLORS[name] == c for name, c in sent)  # each its fixed colour
    contenders = client.get("/api/lab/network/options").json()["contenders"]
    assert [c["color"] for c in contenders] == [COLORS[c["name"]] for c in contenders]
    assert len({c["color"] for c in contenders}) >= 8  # told apart (two sgd share one grey)


def test_no_colour_table_is_left_in_the_labs_scripts():
    """The Lab's scripts take every racer's colour from the server: none of the figures'
    colours (the fixed ones and the cycle) is written in them."""
    static = Path(depthlens.web.__file__).parent / "static" / "js"
    scripts = {p.name: p.read_text().lower() for p in static.glob("lab*.js")}
    assert {"lab.js", "lab-common.js", "lab-surface.js", "lab-network.js"} <= set(scripts)
    table = set(COLORS.values()) | {color("not a racer", i) for i in range(10)}
    for name, text in scripts.items():
        written = set(re.findall(r"#[0-9a-f]{6}\b", text)) & {c.lower() for c in table}
        assert not written, f"{name} writes the figures' colours {sorted(written)}"


# -- the race on a surface --------------------------------------------------------------------
def test_double_well_gradient_descent_stays_local_momentum_goes_global(client):
    """The lab's own tested fact (tests/lab/test_race.py): from (1.8, 1), lr 0.01, 600 steps."""
    out = race(client, surface="double_well", optimizers=["sgd", "momentum"], steps=600,
               start=[1.8, 1.0], lr={"sgd": 0.01, "momentum": 0.01})
    rows = {r["name"]: r for r in out["table"]}
    assert rows["sgd"]["kind"] == "local" and rows["momentum"]["kind"] == "global"
    assert rows["sgd"]["steps_to_tol"] is None and rows["momentum"]["steps_to_tol"] is not None
    glob = next(m for m in SURFACES["double_well"].minima if m.kind == "global")
    assert math.hypot(rows["momentum"]["final_x"] - glob.x, rows["momentum"]["final_y"]) < 1e-3
    paths = {t["name"]: t for t in out["trajectories"]}
    assert paths["momentum"]["hyper"]["momentum"] == 0.9
    assert paths["sgd"]["hyper"]["momentum"] == 0.0


def test_default_race_runs_every_optimizer_from_the_default_start(client):
    out = race(client, surface="double_well")
    assert out["steps"] == 1000 and out["tol"] == SURFACES["double_well"].tol
    assert [t["name"] for t in out["trajectories"]] == [r["name"] for r in out["table"]] == [
        "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam"]
    for t in out["trajectories"]:
        assert t["points"][0] == [1.8, 1.0]
        assert t["steps"][0] == 0 and t["steps"][-1] == 1000
        assert len(t["points"]) == len(t["steps"]) == len(t["values"]) <= 1001


def test_adam_on_rosenbrock_reaches_the_tolerance(client):
    out = race(client, surface="rosenbrock", optimizers=["adam"], steps=2000)
    row = out["table"][0]
    assert row["steps_to_tol"] is not None and row["steps_to_tol"] <= 2000
    assert row["final_value"] - out["f_min"] <= out["tol"]
    assert row["minimum"] == "(1, 1)"


def first_step_just_above(surface: str, name: str) -> int:
    """A step count after which ``name``'s f − f* on ``surface`` is above the tolerance by less
    than 0.5 % (three significant figures show it as the tolerance itself), having never been
    within it."""
    s = SURFACES[surface]
    gaps = race_on_surface(s, [name], steps=3000)[name].values - s.f_min
    reached = np.flatnonzero(gaps <= s.tol)
    assert reached.size, "the racer reaches the tolerance at some step"
    near = np.flatnonzero((gaps[:reached[0]] > s.tol) & (gaps[:reached[0]] < 1.005 * s.tol))
    assert near.size, "the racer passes just above the tolerance"
    return int(near[-1])


@pytest.mark.parametrize(("surface", "name"), [("rosenbrock", "adam"), ("saddle", "rmsprop")])
def test_steps_to_tol_and_final_gap_agree_near_the_tolerance(client, surface, name):
    """Just above the tolerance the row says never and its gap is above it; one step on, the
    gap is within it and the row names that step. (The saddle's f* = −0.25 ≠ 0.)"""
    k = first_step_just_above(surface, name)
    out = race(client, surface=surface, optimizers=[name], steps=k)
    row = out["table"][0]
    assert row["final_gap"] > out["tol"] and row["steps_to_tol"] is None
    assert row["final_gap"] == row["final_value"] - out["f_min"]
    assert row["final_gap"] < 1.005 * out["tol"]  # shown to three figures it would read "tol"
    row = race(client, surface=surface, optimizers=[name], steps=k + 1)["table"][0]
    assert row["final_gap"] <= out["tol"] and row["steps_to_tol"] == k + 1


def test_every_row_counts_steps_with_the_gap_it_shows(client):
    """Over the default races of every surface: steps_to_tol is the first step whose f − f* (as
    the answer's values give it) is ≤ tol, and a final gap within the tolerance has a step."""
    for name in SURFACES:
        out = race(client, surface=name, steps=1000)  # 1000 steps: no point left out
        paths = {t["name"]: t for t in out["trajectories"]}
        for row in out["table"]:
            gaps = [None if v is None else v - out["f_min"] for v in paths[row["name"]]["values"]]
            within = [k for k, g in enumerate(gaps) if g is not None and g <= out["tol"]]
            assert row["steps_to_tol"] == (within[0] if within else None), (name, row["name"])
            if row["final_gap"] is not None and row["final_gap"] <= out["tol"]:
                assert row["steps_to_tol"] is not None


def test_long_races_are_downsampled_keeping_start_and_last_point(client):
    out = race(client, surface="ravine", optimizers=["sgd", "adam"], steps=4999,
               start=[-3.0, 1.0])
    for t in out["trajectories"]:
        assert len(t["points"]) <= 1001
        assert t["points"][0] == [-3.0, 1.0]
        assert t["steps"][-1] == 4999 and t["steps"] == sorted(set(t["steps"]))
    full = {r["name"]: r for r in out["table"]}
    for t in out["trajectories"]:
        assert t["points"][-1] == [full[t["name"]]["final_x"], full[t["name"]]["final_y"]]
    assert list(downsample(5)) == [0, 1, 2, 3, 4]
    idx = downsample(5000)
    assert idx[0] == 0 and idx[-1] == 4999 and len(idx) <= 1001


def test_noise_is_seeded(client):
    a = race(client, surface="himmelblau", optimizers=["adam"], steps=100, noise=3.0, seed=1)
    b = race(client, surface="himmelblau", optimizers=["adam"], steps=100, noise=3.0, seed=1)
    c = race(client, surface="himmelblau", optimizers=["adam"], steps=100, noise=3.0, seed=2)
    assert a["trajectories"] == b["trajectories"] != c["trajectories"]


def test_a_diverging_racer_is_cut_where_it_stopped(client):
    out = race(client, surface="rosenbrock", optimizers=["sgd"], steps=300, lr={"sgd": 0.05})
    t = out["trajectories"][0]
    assert t["diverged_at"] is not None
    assert t["steps"][-1] == t["diverged_at"] - 1
    assert all(p[0] is not None for p in t["points"])
    assert out["table"][0]["kind"] == "diverged" and out["table"][0]["final_value"] is None


@pytest.mark.parametrize(("body", "field"), [
    ({"surface": "volcano"}, "surface"),
    ({"surface": "ravine", "steps": -5}, "steps"),
    ({"surface": "ravine", "steps": 5001}, "steps"),
    ({"surface": "ravine", "start": [40.0, 0.0]}, "start"),
    ({"surface": "ravine", "optimizers": ["lion"]}, "optimizers"),
    ({"surface": "ravine", "lr": {"adam": -1.0}}, "lr.adam"),
    ({"surface": "ravine", "lr": {"lion": 0.1}}, "lr"),
    ({"surface": "ravine", "noise": -1.0}, "noise"),
    ({"surface": "ravine", "colour": "red"}, "colour"),
    ({}, "surface"),
])
def test_bad_races_are_refused_naming_the_field(client, body, field):
    message = refused(client.post("/api/lab/race", json=body), field)
    if field == "surface" and body:
        assert "volcano" in message and "double_well" in message
    if field == "start":
        assert "40" in message and "window" in message


def test_non_finite_numbers_are_refused(client):
    r = client.post("/api/lab/race", content=b'{"surface": "ravine", "noise": NaN}',
                    headers={"content-type": "application/json"})
    assert "finite" in refused(r, "noise")
    r = client.post("/api/lab/race", content=b'{"surface": "ravine", "start": [Infinity, 0]}',
                    headers={"content-type": "application/json"})
    refused(r, "start.0")


# -- the race on a network --------------------------------------------------------------------
def test_network_race_gives_every_contender_the_same_budget(client):
    r = client.post("/api/lab/network", json={"dataset": "xor", "layers": [4, 4],
                                              "activation": "tanh", "budget": 2500, "seed": 3,
                                              "contenders": ["adam", "per-sample", "full-batch"]})
    assert r.status_code == 200, r.text
    out = r.json()
    names = ["adam", "sgd per-sample", "sgd full batch"]
    assert [c["name"] for c in out["contenders"]] == names
    assert list(out["curves"]) == names and [row["name"] for row in out["table"]] == names
    assert out["budget"] == out["epochs"] * out["n_train"] == 2500
    finals = {name: c["evaluations"][-1] for name, c in out["curves"].items()}
    assert set(finals.values()) == {out["budget"]}
    for c in out["curves"].values():
        assert c["evaluations"][0] == 0
        assert all(v is not None and math.isfinite(v) for v in c["train_loss"] + c["test_loss"])
    updates = {row["name"]: row["updates"] for row in out["table"]}
    assert updates["sgd per-sample"] == 2500 and updates["sgd full batch"] == out["epochs"]
    assert out["metric"] == "accuracy"


def test_network_race_defaults_to_every_contender(client):
    r = client.post("/api/lab/network", json={"budget": 500})
    assert r.status_code == 200, r.text
    out = r.json()
    assert len(out["curves"]) == 9 and out["epochs"] == 2
    options = client.get("/api/lab/network/options").json()
    assert [c["name"] for c in options["contenders"]] == list(out["curves"])
    assert "circle" in options["datasets"] and "sequence" not in options["datasets"]


def test_too_large_network_races_are_refused_with_a_message(client):
    message = refused(client.post("/api/lab/network", json={"budget": MAX_BUDGET + 1}),
                      "budget")
    assert str(MAX_BUDGET) in message and str(MAX_BUDGET + 1) in message
    refused(client.post("/api/lab/network", json={"layers": [16, 16, 16, 16, 16]}), "layers")
    assert "17" in refused(client.post("/api/lab/network", json={"layers": [17]}), "layers")


@pytest.mark.parametrize(("body", "field"), [
    ({"dataset": "sequence"}, "dataset"),
    ({"activation": "sparkle"}, "activation"),
    ({"contenders": ["adam", "lion"]}, "contenders"),
    ({"contenders": ["adam", "adam"]}, "contenders"),
    ({"budget": 0}, "budget"),
    ({"epochs": 3}, "epochs"),
])
def test_bad_network_races_are_refused_naming_the_field(client, body, field):
    refused(client.post("/api/lab/network", json=body), field)
