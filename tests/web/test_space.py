"""The hidden-space panel and the separability bars: what their frames hold, and the socket."""

from __future__ import annotations

import json

import numpy as np
import pytest

from depthlens.data import DATASETS
from depthlens.errors import ConfigError
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.lens.probes import probe
from depthlens.lens.representations import grid_lines, represent
from depthlens.web.frames import decode_frame
from depthlens.web.heatmaps import PlaneView, make_view
from depthlens.web.palettes import label_codes
from depthlens.web.space import (
    GRID_LINES,
    GRID_POINTS,
    WARM_STEPS,
    ProbesMessage,
    SpaceMessage,
    build_probes,
    build_space,
    probe_steps,
)

from .support import open_session, receive, send, until

PLAYGROUND = "loss=half_mse&output=tanh"


def session_of(query: str, epochs: int = 0) -> tuple[Session, PlaneView]:
    session = Session(Config.from_query(query))
    if epochs:
        session.run(epochs)
    return session, make_view(session, DATASETS[session.config.dataset].domain)


def space(session: Session, view: PlaneView, request: SpaceMessage | None = None,
          **fields) -> tuple[dict, dict]:
    request = request or SpaceMessage(type="space", **fields)
    return decode_frame(build_space(session, view, request))


def recovered_axes(points: np.ndarray, reps: np.ndarray) -> np.ndarray:
    """The rows A with points = (reps − mean)·Aᵀ, by least squares."""
    centred = reps - reps.mean(axis=0)
    axes_t, *_ = np.linalg.lstsq(centred, points.astype(np.float64), rcond=None)
    return axes_t.T


# -- the frame, built directly -------------------------------------------------------------------
def test_chosen_units_are_the_stage_representation_of_train_and_test_points():
    s, view = session_of("layers=5,3&seed=1", epochs=3)
    header, arrays = space(s, view, stage=1, mode="units", units=[3, 1], show="both")
    reps = represent(s.net, np.concatenate([s.x_train, s.x_test]))[2]  # a1
    np.testing.assert_allclose(arrays["points"], reps[:, [3, 1]].astype(np.float32), rtol=1e-6)
    args = (s.problem, s.n_classes, 1.0)
    np.testing.assert_array_equal(arrays["codes"], np.concatenate(
        [label_codes(s.train_data.y, *args), label_codes(s.test_data.y, *args)]))
    assert header["n_train"] == len(s.x_train) == 250
    assert header["axis_labels"] == ["unit 4", "unit 2"] and header["dims"] == 2
    assert header["stage_name"] == "layer 1" and header["width"] == 5
    assert header["stages"] == ["input", "layer 1", "layer 2", "output"]


def test_test_points_alone_and_train_points_alone():
    s, view = session_of("seed=2")
    _, train = space(s, view, stage=1, mode="units", units=[0, 2], show="train")
    header, test = space(s, view, stage=1, mode="units", units=[0, 2], show="test")
    assert train["points"].shape == (len(s.x_train), 2)
    assert test["points"].shape == (len(s.x_test), 2) and header["n_train"] == 0
    expected = represent(s.net, s.x_test)[2][:, [0, 2]]
    np.testing.assert_allclose(test["points"], expected.astype(np.float32), rtol=1e-6)


def test_grid_lines_of_the_window_are_carried_to_the_stage():
    s, view = session_of("layers=4,2&seed=3", epochs=2)
    header, arrays = space(s, view, stage=0, mode="units")
    g = grid_lines(view.extent, GRID_LINES, GRID_POINTS)
    assert header["lines"] == [GRID_POINTS] * (2 * GRID_LINES)
    # the input stage of x1, x2 (no preprocessing) is the plane itself
    np.testing.assert_allclose(arrays["grid"], g.points.astype(np.float32))
    header, arrays = space(s, view, stage=1, mode="units", units=[2, 0])
    carried = represent(s.net, s.transform(g.points))[2][:, [2, 0]]
    np.testing.assert_allclose(arrays["grid"], carried.astype(np.float32), rtol=1e-6, atol=1e-7)
    assert arrays["grid"].shape == (2 * GRID_LINES * GRID_POINTS, 2)


def test_pca_axes_are_orthonormal_and_explain_decreasing_fractions():
    s, view = session_of("layers=6&seed=4", epochs=5)
    header, arrays = space(s, view, stage=1, mode="pca3")
    reps = represent(s.net, s.x_train)[2]
    assert header["method"] == "pca" and arrays["points"].shape == (250, 3)
    axes = recovered_axes(arrays["points"], reps)
    np.testing.assert_allclose(axes @ axes.T, np.eye(3), atol=1e-4)
    explained = np.array(header["explained"])
    assert np.all((explained >= 0) & (explained <= 1)) and explained.sum() <= 1 + 1e-9
    assert np.all(np.diff(explained) <= 1e-12)
    # each fraction is the variance along that axis over the whole variance
    total = reps.var(axis=0).sum()
    np.testing.assert_allclose(arrays["points"].var(axis=0) / total, explained, rtol=1e-3)
    # the projected points are uncorrelated (principal axes)
    cov = np.cov(arrays["points"].T.astype(np.float64))
    assert np.abs(cov - np.diag(np.diag(cov))).max() < 1e-3 * cov.max()
    assert header["axis_labels"][0].startswith("PC1 (")


def test_pca_signs_follow_the_previous_frame_of_the_subscription():
    s, view = session_of("layers=6&seed=5", epochs=1)
    request = SpaceMessage(type="space", stage=1, mode="pca")
    first = recovered_axes(space(s, view, request)[1]["points"], represent(s.net, s.x_train)[2])
    # the first time: each axis' largest entry is positive
    assert np.all(first[np.arange(2), np.abs(first).argmax(axis=1)] > 0)
    for _ in range(5):
        s.train_epoch()
        axes = recovered_axes(space(s, view, request)[1]["points"],
                              represent(s.net, s.x_train)[2])
        assert np.all(np.einsum("ij,ij->i", axes, first) > 0)
        first = axes
    # the memory, not the largest-entry rule, decides: remember flipped axes and they stay so
    request._axes = ((1, "pca"), -first)
    flipped = recovered_axes(space(s, view, request)[1]["points"],
                             represent(s.net, s.x_train)[2])
    np.testing.assert_allclose(flipped, -first, atol=1e-4)
    assert np.all(flipped[np.arange(2), np.abs(flipped).argmax(axis=1)] < 0)


def test_3d_views_have_three_columns_and_narrow_stages_are_padded():
    s, view = session_of("layers=5,2&seed=6")
    header, arrays = space(s, view, stage=1, mode="3d", units=[4, 0, 2])
    assert header["dims"] == 3 and arrays["points"].shape == (250, 3)
    assert arrays["grid"].shape[1] == 3
    np.testing.assert_allclose(arrays["points"],
                               represent(s.net, s.x_train)[2][:, [4, 0, 2]].astype(np.float32))
    header, arrays = space(s, view, stage=2, mode="3d")  # 2 units: own coordinates, z = 0
    assert header["method"] == "own" and header["units"] is None
    assert np.all(arrays["points"][:, 2] == 0)
    assert header["axis_labels"] == ["unit 1", "unit 2", ""]
    header, arrays = space(s, view, stage=3, mode="pca")  # one output unit: along x, y = 0
    assert header["stage_name"] == "output" and header["width"] == 1
    np.testing.assert_allclose(arrays["points"][:, 0],
                               s.net.forward(s.x_train)[:, 0].astype(np.float32), rtol=1e-6)
    assert np.all(arrays["points"][:, 1] == 0)


def test_one_input_data_has_one_grid_line_along_x():
    s, view = session_of("dataset=line-fn&layers=3&features=x1")
    header, arrays = space(s, view, stage=0, mode="pca")
    assert header["lines"] == [GRID_POINTS] and header["width"] == 1
    np.testing.assert_allclose(arrays["grid"][:, 0],
                               np.linspace(*view.extent, GRID_POINTS).astype(np.float32))
    assert np.all(arrays["grid"][:, 1] == 0) and np.all(arrays["points"][:, 1] == 0)
    header, arrays = space(s, view, stage=1, mode="pca")  # a curve in the 3-unit layer
    assert header["method"] == "pca" and arrays["grid"].shape == (GRID_POINTS, 2)


@pytest.mark.parametrize("query", ["layers=4,2&seed=7", PLAYGROUND + "&layers=4,2&seed=7"])
def test_the_decision_line_in_the_last_hidden_layer_splits_points_as_the_network(query):
    s, view = session_of(query, epochs=20)
    header, arrays = space(s, view, stage=2, mode="units")
    assert header["hyperplane"] == "exact"
    a1, a2, c = arrays["hyperplane"].astype(np.float64)
    p = arrays["points"].astype(np.float64)
    side = p[:, 0] * a1 + p[:, 1] * a2 + c > 0
    decided = s.net.head.decide(s.net.forward(s.x_train)) == 1
    assert np.mean(side == decided) > 0.99
    # elsewhere no line: the first hidden layer, and a multi-class head
    assert space(s, view, stage=1, mode="pca")[0]["hyperplane"] == "none"
    s3, view3 = session_of("dataset=spirals&layers=3")
    header, arrays = space(s3, view3, stage=1)
    assert header["hyperplane"] == "none" and "hyperplane" not in arrays
    # nor for regression: its output has no decision to draw
    sr, viewr = session_of("dataset=reg-plane&layers=4,2")
    header, arrays = space(sr, viewr, stage=2, mode="units")
    assert header["hyperplane"] == "none" and "hyperplane" not in arrays


def test_the_decision_boundary_seen_through_a_pca_is_its_slice_through_the_mean():
    s, view = session_of("layers=6,5&seed=8", epochs=10)
    header, arrays = space(s, view, stage=2, mode="pca")
    assert header["hyperplane"] == "slice"
    h = represent(s.net, s.x_train)[4]
    axes = recovered_axes(arrays["points"], h)
    w, b = s.net.weights[-1][0], s.net.biases[-1][0]  # sigmoid head: threshold at z = 0
    a = arrays["hyperplane"].astype(np.float64)
    np.testing.assert_allclose(a[:2], axes @ w, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(a[2], w @ h.mean(axis=0) + b, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("fields, field, words", [
    ({"stage": 4}, "stage", ["4", "0..3"]),
    ({"stage": 1, "mode": "units", "units": [0, 7]}, "units", ["[0, 7]", "0..3", "4 units"]),
    ({"stage": 1, "mode": "3d", "units": [0, 1]}, "units", ["3 distinct"]),
])
def test_requests_that_do_not_fit_the_network_are_refused_naming_the_field(fields, field,
                                                                         words):
    s, view = session_of("")
    with pytest.raises(ConfigError) as e:
        space(s, view, **fields)
    assert e.value.field == field
    for word in words:
        assert word in str(e.value)


def test_a_subscription_for_another_network_shape_is_adapted():
    s, view = session_of("layers=4,3")
    request = SpaceMessage(type="space", stage=3, mode="3d", units=[2, 1, 0])
    assert space(s, view, request)[0]["stage"] == 3
    s2, view2 = session_of("layers=2")  # the network shrank under the subscription
    header, arrays = space(s2, view2, request)
    assert header["stage"] == 2 and header["stage_name"] == "output"
    assert arrays["points"].shape == (250, 3)


def test_probes_score_every_stage_and_deep_layers_separate_the_circle():
    s, view = session_of(PLAYGROUND + "&layers=8,8&lr=0.03&seed=1", epochs=300)
    assert s.history.test_metric[-1] > 0.95
    header, _ = decode_frame(build_probes(s, view, ProbesMessage(type="probes")))
    assert header["stages"] == ["input", "layer 1", "layer 2", "output"]
    assert header["metric"] == "accuracy" and header["widths"] == [2, 8, 8, 1]
    train, test = header["train"], header["test"]
    assert 0.4 <= train[0] <= 0.75 and 0.4 <= test[0] <= 0.75  # a circle: no line splits it
    assert train[2] >= 0.9 and test[2] >= 0.9  # the last hidden layer: one line does
    assert all(0 <= v <= 1 for v in train + test)
    # the next frame starts each hidden stage's probe from its last fit: a few steps suffice
    again, _ = decode_frame(build_probes(s, view, ProbesMessage(type="probes")))
    assert header["steps"] > again["steps"] == WARM_STEPS
    assert again["train"][0] == train[0]  # the input stage's score is kept
    np.testing.assert_allclose(again["train"], train, atol=0.02)
    for _ in range(20):  # training goes on; the warm probes follow a fresh, cold fit
        s.train_epoch()
    warm, _ = decode_frame(build_probes(s, view, ProbesMessage(type="probes")))
    fresh = PlaneView(s, view.extent)  # a new view: no fits to start from
    cold, _ = decode_frame(build_probes(s, fresh, ProbesMessage(type="probes")))
    assert cold["steps"] > warm["steps"]
    np.testing.assert_allclose(warm["train"], cold["train"], atol=0.03)


def test_regression_probes_are_r2():
    s, view = session_of("dataset=reg-plane&layers=4", epochs=20)
    header, _ = decode_frame(build_probes(s, view, ProbesMessage(type="probes")))
    assert header["metric"] == "r2" and header["steps"] is None
    assert header["train"][0] > 0.95  # the plane is linear in x1, x2 already


def _probes_as_before(session: Session, kept: dict) -> tuple[list[float], list[float], int]:
    """The separability bars' old loop, written out: a probe per stage of one trace, the input
    fitted once, each hidden stage from its last fit in WARM_STEPS steps, else ``probe_steps``
    of the stages still to fit."""
    net, y = session.net, session.train_data.y
    train, test = net.trace(session.x_train), net.trace(session.x_test)
    cold = probe_steps(net.n_layers + ("input" not in kept))
    steps = WARM_STEPS if len(kept) > ("input" in kept) else cold
    results = []
    for k in range(net.n_layers + 1):
        if k == 0 and "input" in kept:
            results.append(kept["input"])
            continue
        h, ht = ((train.inputs, test.inputs) if k == 0 else
                 (train.post[k - 1], test.post[k - 1]))
        fit = {}
        if session.problem != "regression":
            fit = {"max_steps": cold if k not in kept else WARM_STEPS, "init": kept.get(k)}
        r = probe(h, y, ht, session.test_data.y, session.problem, session.n_classes, **fit)
        if k == 0:
            kept["input"] = r
        elif r.params is not None:
            kept[k] = r.params
        results.append(r)
    return [r.train for r in results], [r.test for r in results], steps


@pytest.mark.parametrize("query", [PLAYGROUND + "&layers=4,3&seed=2", "layers=3&dataset=spirals",
                                   "dataset=reg-plane&layers=4"])
def test_probe_frames_hold_the_scores_of_the_old_warm_started_loop(query):
    s, view = session_of(query, epochs=5)
    kept: dict = {}
    for _ in range(3):
        header, _ = decode_frame(build_probes(s, view, ProbesMessage(type="probes")))
        train, test, steps = _probes_as_before(s, kept)
        assert header["train"] == train and header["test"] == test
        assert header["steps"] == (None if s.problem == "regression" else steps)
        s.train_epoch()

# -- through the socket ----------------------------------------------------------------------------
def kinds_until(ws, kind: str, limit: int = 400) -> list[str]:
    """Names of every message up to and including the first of ``kind``."""
    seen = []
    for _ in range(limit):
        what, payload = receive(ws)
        seen.append(payload["type"] if what == "text" else payload[0]["kind"])
        if seen[-1] == kind:
            return seen
    raise AssertionError(f"no {kind!r} among {seen}")


def test_a_space_request_is_answered_with_its_frame(ws):
    state, _, _ = open_session(ws, PLAYGROUND)
    send(ws, type="space", stage=1, mode="pca")
    header, arrays = until(ws, "space")
    assert header["stage"] == 1 and header["mode"] == "pca" and len(header["explained"]) == 2
    assert arrays["points"].shape == (state["n_train"], 2)
    send(ws, type="probes")
    header, _ = until(ws, "probes")
    assert len(header["train"]) == len(state["network"]["sizes"])


@pytest.mark.parametrize("message, field, words", [
    ({"stage": 9}, "stage", ["9", "0..3"]),
    ({"stage": 1, "mode": "units", "units": [0, 4]}, "units", [("[0, 4]", "0,4"), "0..3"]),
    ({"stage": 1, "units": [1, 1]}, "units", ["distinct"]),
    ({"stage": 1, "mode": "4d"}, "mode", ["4d"]),
    ({"stage": -1}, "stage", ["-1"]),
    ({"stage": 1, "colour": "red"}, "colour", []),
])
def test_bad_space_requests_get_an_error_naming_the_field_and_the_session_goes_on(
        ws, message, field, words):
    open_session(ws, PLAYGROUND)
    ws.send_text(json.dumps({"type": "space", **message}))
    error = until(ws, "error")
    assert error["field"] == field, error
    for word in words:  # a word, or a tuple of ways to write it
        assert any(w in error["message"] for w in (word if isinstance(word, tuple) else (word,))), \
            error
    send(ws, type="step")
    assert until(ws, "frame")[0]["epoch"] == 1


def test_subscriptions_are_resent_while_playing_and_on_false_ends_them(ws):
    open_session(ws, PLAYGROUND + "&epochs=0")
    send(ws, type="space", stage=2, mode="units")
    until(ws, "space")
    send(ws, type="probes")
    until(ws, "probes")
    send(ws, type="play")
    seen = []
    while seen.count("space") < 4 or "probes" not in seen:
        seen += kinds_until(ws, "space")
        assert len(seen) < 2000
    send(ws, type="pause")
    # The page's messages are answered one after another: a bad request's error comes after
    # everything a chunk still under way and the step before it sent.
    send(ws, type="step")
    send(ws, type="space", stage=99)
    before = kinds_until(ws, "error")
    assert "frame" in before
    send(ws, type="space", on=False)
    send(ws, type="probes", on=False)
    send(ws, type="step")
    send(ws, type="space", stage=99)
    after = kinds_until(ws, "error")
    assert "frame" in after and "space" not in after and "probes" not in after


def test_a_stale_subscription_follows_a_smaller_network_without_an_error(ws):
    open_session(ws, "layers=4,3")
    send(ws, type="space", stage=3, mode="pca")
    assert until(ws, "space")[0]["stage"] == 3
    send(ws, type="config", query="layers=3")
    seen = kinds_until(ws, "space")
    assert "error" not in seen
    send(ws, type="space", stage=2, mode="pca")  # what the page sends on the new state
    header, _ = until(ws, "space")
    assert header["stage"] == 2 and header["stage_name"] == "output"

