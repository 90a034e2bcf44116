"""The five-operation player's server side: its frames are the layer's real maths, projected
one way for the whole animation, and its message behaves on the websocket."""

from __future__ import annotations

import numpy as np
import pytest
from fastapi.testclient import TestClient

from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.lens.operations import decompose
from depthlens.lens.representations import represent
from depthlens.web import create_app
from depthlens.web.frames import decode_frame
from depthlens.web.heatmaps import make_view
from depthlens.web.palettes import label_codes
from depthlens.web.player import MAX_BYTES, MAX_POINTS, OperationsMessage, build, sample_indices
from depthlens.web.protocol import ProtocolError

from .support import open_session, send, until

PLAYGROUND = "loss=half_mse&output=tanh"
CAP = 1_500_000


def session_of(query: str, epochs: int = 3) -> tuple[Session, object]:
    s = Session(Config.from_query(query))
    s.run(epochs)
    return s, make_view(s, (-6.0, 6.0))


def answer(s: Session, view: object, layer: int, **extra: object) -> tuple[dict, dict, bytes]:
    data = build(s, view, OperationsMessage(type="operations", layer=layer, **extra))
    header, arrays = decode_frame(data)
    return header, arrays, data


def shown(header: dict, ambient: np.ndarray) -> np.ndarray:
    """The header's projection, written out again: ambient (N, D) → display (N, dims)."""
    p = header["projection"]
    if p["method"] == "own":
        return ambient
    if p["method"] == "turn":  # 2-D plus the reflection's depth, zero at every step's ends
        return padded(ambient, 3)
    if p["method"] == "first":
        out = np.zeros((len(ambient), p["dims"]))
        k = min(p["dims"], ambient.shape[1])
        out[:, :k] = ambient[:, :k]
        return out
    assert p["method"] == "pca"
    return (ambient - np.array(p["center"])) @ np.array(p["axes"]).T


def padded(x: np.ndarray, d: int) -> np.ndarray:
    out = np.zeros((len(x), d))
    out[:, : x.shape[1]] = x
    return out


def check_ends(s: Session, header: dict, arrays: dict) -> None:
    """First frame = P(the layer's input), last = P(a(W·x + b)), from the engine's forward."""
    layer = header["layer"]
    index = arrays["index"].astype(np.int64)
    stages = represent(s.net, s.x_train[index])
    x_in, y_out = stages[2 * layer], stages[2 * layer + 2]
    d = header["ambient"]
    points = arrays["points"].astype(np.float64)
    assert points.shape == (header["n_frames"], header["n_points"], header["dims"])
    np.testing.assert_allclose(points[0], shown(header, padded(x_in, d)), atol=1e-5)
    np.testing.assert_allclose(points[-1], shown(header, padded(y_out, d)), atol=1e-5)


def test_every_layer_of_the_default_network_starts_at_its_input_and_ends_at_its_output():
    s, view = session_of(PLAYGROUND)
    assert s.sizes == [2, 4, 2, 1]
    methods = []
    for layer in range(3):
        header, arrays, _ = answer(s, view, layer)
        check_ends(s, header, arrays)
        methods.append(header["projection"]["method"])
        # the grid moves too, and lands on the layer's output of the grid's own points
        assert arrays["grid"].shape[0] == header["n_frames"]
        assert arrays["grid"].shape[1] == sum(header["line_lengths"])
        assert not np.allclose(arrays["grid"][0], arrays["grid"][-1])
    # 2→4 is 4-D: drawn through 3 principal axes; 4→2 through its first 3 coordinates; 2→1
    # is 2-D: its own coordinates
    assert methods == ["pca", "first", "own"]


def test_steps_follow_the_decomposition_and_cover_every_frame():
    s, view = session_of(PLAYGROUND)
    expected = {
        0: ["rotate", "dimension", "scale", "rotate", "translate", "bend"],  # 2→4: raise
        1: ["rotate", "dimension", "scale", "rotate", "translate", "bend"],  # 4→2: lower
        2: ["rotate", "dimension", "scale", "translate", "bend"],            # 2→1
    }
    for layer, names in expected.items():
        header, arrays, _ = answer(s, view, layer, per_step=8)
        steps = header["steps"]
        ops = decompose(s.net.weights[layer], s.net.biases[layer],
                        s.net.layer_activations[layer])
        assert [st["name"] for st in steps] == names == [st.kind for st in ops.steps]
        assert [st["caption"] for st in steps] == ops.captions()
        assert all(st["caption"].strip() for st in steps)
        assert steps[0]["caption"].startswith("rotate")
        assert steps[-1]["caption"] == "bend by tanh"
        assert header["n_frames"] == 1 + sum(st["count"] for st in steps)
        assert [st["start"] for st in steps] == [1 + 8 * i for i in range(len(steps))]
        assert arrays["points"].shape[0] == header["n_frames"]
    up, _, _ = answer(s, view, 0)
    down, _, _ = answer(s, view, 1)
    assert "lift 2-D into 4-D" in up["steps"][1]["caption"]
    assert "lower 4-D to 2-D" in down["steps"][1]["caption"]
    assert up["title"] == "Layer 1: 2→4 tanh" and down["title"] == "Layer 2: 4→2 tanh"


def test_each_step_ends_where_the_next_starts_and_moves_the_points():
    s, view = session_of(PLAYGROUND)
    header, arrays, _ = answer(s, view, 1)
    points = arrays["points"]
    for st in header["steps"]:
        before, end = points[st["start"] - 1], points[st["start"] + st["count"] - 1]
        assert not np.allclose(before, end, atol=1e-4), st["name"]


def test_a_reflection_turns_through_a_new_dimension_and_still_ends_at_the_output():
    s, view = session_of("layers=2,2&" + PLAYGROUND)
    s.net.weights[1][...] = [[1.5, 0.3], [0.2, -0.8]]  # det < 0: a square layer that reflects
    header, arrays, _ = answer(s, view, 1)
    assert header["reflected"] is True
    assert [st["name"] for st in header["steps"]][:2] == ["rotate", "reflect"]
    check_ends(s, header, arrays)
    # the turn goes through a third display coordinate: halfway, axis 2 is flat and the
    # points stand out of the plane by their old axis-2 value
    assert header["projection"]["method"] == "turn" and header["dims"] == 3
    reflect = header["steps"][1]
    half = arrays["points"][reflect["start"] + reflect["count"] // 2 - 1].astype(np.float64)
    before = arrays["points"][reflect["start"] - 1].astype(np.float64)
    np.testing.assert_allclose(half[:, 1], 0.0, atol=1e-5)
    np.testing.assert_allclose(half[:, 2], before[:, 1], atol=1e-5)
    np.testing.assert_allclose(arrays["points"][0][:, 2], 0.0, atol=1e-7)


def test_a_wide_layer_is_projected_once_and_stays_under_the_size_cap():
    s, view = session_of("layers=16,16&n_samples=1000&" + PLAYGROUND)
    for layer, per_step in ((1, 24), (0, 12)):
        header, arrays, data = answer(s, view, layer, per_step=per_step)
        assert len(data) < CAP and MAX_BYTES < CAP
        assert header["n_points"] == MAX_POINTS  # 500 training points, 400 sent
        assert header["projection"]["method"] == "pca" and header["dims"] == 3
        assert header["per_step"] <= per_step
        check_ends(s, header, arrays)
        lo, hi = np.array(header["bounds"]).T
        both = np.concatenate([arrays["points"], arrays["grid"]], axis=1)
        assert np.all(both.min(axis=(0, 1)) >= lo - 1e-6)
        assert np.all(both.max(axis=(0, 1)) <= hi + 1e-6)
    assert header["per_step"] == 12
    lowered, _, _ = answer(s, view, 1, per_step=24)
    assert lowered["per_step"] < 24  # 16→16 at 24 frames a step would pass the cap


def test_the_points_are_a_fixed_sample_with_their_colours():
    s, view = session_of("n_samples=1000&" + PLAYGROUND)
    header, arrays, _ = answer(s, view, 0)
    _, again, _ = answer(s, view, 0)
    index = arrays["index"].astype(np.int64)
    assert len(index) == MAX_POINTS == header["n_points"] and np.all(np.diff(index) > 0)
    np.testing.assert_array_equal(index, again["index"])
    np.testing.assert_array_equal(index, sample_indices(len(s.x_train)))
    np.testing.assert_array_equal(
        arrays["codes"], label_codes(s.train_data.y[index], s.problem, s.n_classes, 1.0))


def test_a_one_input_network_is_drawn_on_a_number_line():
    s, view = session_of("features=x1&layers=1&" + PLAYGROUND)
    header, arrays, _ = answer(s, view, 0)
    assert header["projection"]["method"] == "line" and header["dims"] == 2
    index = arrays["index"].astype(np.int64)
    stages = represent(s.net, s.x_train[index])
    np.testing.assert_allclose(arrays["points"][0][:, 0], stages[0][:, 0], atol=1e-5)
    np.testing.assert_allclose(arrays["points"][-1][:, 0], stages[2][:, 0], atol=1e-5)


def test_a_layer_outside_the_network_names_the_layer():
    s, view = session_of(PLAYGROUND, epochs=0)
    with pytest.raises(ProtocolError) as e:
        answer(s, view, 3)
    assert e.value.field == "layer" and "0..2" in e.value.message


# -- over the websocket ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client():
    with TestClient(create_app()) as c:
        yield c


def test_the_socket_answers_operations_and_survives_a_bad_layer(client):
    with client.websocket_connect("/ws") as ws:
        open_session(ws, PLAYGROUND)
        send(ws, type="operations", layer=1)
        header, arrays = until(ws, "operations")
        assert header["layer"] == 1 and header["per_step"] == 12
        assert arrays["points"].dtype == np.float32 and arrays["codes"].dtype == np.uint8

        send(ws, type="operations", layer=3)
        error = until(ws, "error")
        assert error["field"] == "layer" and "expected 0..2" in error["message"]
        send(ws, type="operations", layer=-1)
        assert until(ws, "error")["field"] == "layer"
        send(ws, type="operations", layer=0, per_step=1000)
        assert until(ws, "error")["field"] == "per_step"

        send(ws, type="step", unit="epoch")
        frame, _ = until(ws, "frame")
        assert frame["epoch"] == 1
        send(ws, type="operations", layer=2, points="test")
        header, _ = until(ws, "operations")
        assert header["layer"] == 2 and header["points"] == "test" and header["epoch"] == 1
