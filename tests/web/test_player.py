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


def shown(space: dict, points: np.ndarray) -> np.ndarray:
    """A space's projection, written out again: its points (N, d) → display (N, dims)."""
    if space["method"] == "own":
        return points
    if space["method"] == "line":
        return points[:, :1]
    assert space["method"] == "pca"
    return (points - np.array(space["center"])) @ np.array(space["axes"]).T


def padded(x: np.ndarray, d: int) -> np.ndarray:
    out = np.zeros((len(x), d))
    out[:, : x.shape[1]] = x
    return out


def frame_space(header: dict, frame: int) -> int:
    """The space a frame is drawn in: space 0 for the input frame, else its step's."""
    for st in header["steps"]:
        if st["start"] <= frame < st["start"] + st["count"]:
            return st["space"]
    return 0


def check_ends(s: Session, header: dict, arrays: dict) -> None:
    """First frame = P₀(the layer's input), last = P_last(a(W·x + b)), from the engine's
    forward pass, each in the display coordinates of its own space."""
    layer = header["layer"]
    index = arrays["index"].astype(np.int64)
    stages = represent(s.net, s.x_train[index])
    x_in, y_out = stages[2 * layer], stages[2 * layer + 2]
    points = arrays["points"].astype(np.float64)
    assert points.shape == (header["n_frames"], header["n_points"], header["dims"])
    first, last = header["spaces"][0], header["spaces"][frame_space(header, len(points) - 1)]
    assert first["dim"] == x_in.shape[1] and last["dim"] == y_out.shape[1]
    for frame, space, x in ((points[0], first, x_in), (points[-1], last, y_out)):
        want = shown(space, x)
        np.testing.assert_allclose(frame[:, : want.shape[1]], want, atol=1e-5)
        np.testing.assert_allclose(frame[:, space["dims"]:], 0.0, atol=0)


def distance_correlation(before: np.ndarray, after: np.ndarray) -> float:
    """Pearson correlation of the pairwise distances of the same points in two frames."""
    def dists(p: np.ndarray) -> np.ndarray:
        i, j = np.triu_indices(len(p), 1)
        return np.linalg.norm(p[i] - p[j], axis=1)
    return float(np.corrcoef(dists(before), dists(after))[0, 1])


def test_every_layer_of_the_default_network_starts_at_its_input_and_ends_at_its_output():
    s, view = session_of(PLAYGROUND)
    assert s.sizes == [2, 4, 2, 1]
    methods = []
    for layer in range(3):
        header, arrays, _ = answer(s, view, layer)
        check_ends(s, header, arrays)
        methods.append([sp["method"] for sp in header["spaces"]])
        # the grid moves too, and lands on the layer's output of the grid's own points
        assert arrays["grid"].shape[0] == header["n_frames"]
        assert arrays["grid"].shape[1] == sum(header["line_lengths"])
        assert not np.allclose(arrays["grid"][0], arrays["grid"][-1])
    # each step in the space it acts in: 2→4 is its input plane flat, then 4-D through 3
    # principal axes; 4→2 the reverse; 2→1 its plane, then a number line
    assert methods == [["own", "pca"], ["pca", "own"], ["own", "line"]]
    header, _, _ = answer(s, view, 0)
    assert [sp["how"] for sp in header["spaces"]] == [
        "2-D in its own coordinates (one scale on both axes)",
        "projected: 4-D drawn through 3 principal axes"]


def test_steps_follow_the_decomposition_and_cover_every_frame():
    s, view = session_of(PLAYGROUND)
    expected = {
        0: ["rotate", "scale", "dimension", "rotate", "translate", "bend"],  # 2→4: raise
        1: ["rotate", "scale", "dimension", "rotate", "translate", "bend"],  # 4→2: lower
        2: ["rotate", "scale", "dimension", "translate", "bend"],            # 2→1
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
    assert "lift 2-D into 4-D" in up["steps"][2]["caption"]
    assert "lower 4-D to 2-D" in down["steps"][2]["caption"]
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
    assert header["steps"][1]["group"] == "rotate"
    check_ends(s, header, arrays)
    # the plane stays flat (2 display coordinates); the turn is drawn as perspective: halfway,
    # axis 2 is flat (its cosine is 0) and the points are enlarged by f / (f − δ) ≥ 1
    assert [sp["method"] for sp in header["spaces"]] == ["own"] and header["dims"] == 2
    reflect = header["steps"][1]
    half = arrays["points"][reflect["start"] + reflect["count"] // 2 - 1].astype(np.float64)
    before = arrays["points"][reflect["start"] - 1].astype(np.float64)
    np.testing.assert_allclose(half[:, 1], 0.0, atol=1e-5)
    ratio = half[:, 0] / np.where(before[:, 0] == 0, 1.0, before[:, 0])
    out_of_page = before[:, 1] > 0.05
    assert np.all(ratio[out_of_page] > 1.0)


def rotation_frames(header: dict, arrays: dict) -> list[tuple[np.ndarray, np.ndarray, int]]:
    """(start frame, a frame of the step, its space's dimension) of every rotation step of the
    answer drawn without projection, for every frame of the step."""
    out = []
    points = arrays["points"].astype(np.float64)
    for st in header["steps"]:
        space = header["spaces"][st["space"]]
        if st["name"] != "rotate" or space["method"] != "own":
            continue
        for f in range(st["start"], st["start"] + st["count"]):
            out.append((points[st["start"] - 1, :, : space["dims"]],
                        points[f, :, : space["dims"]], space["dim"]))
    return out


@pytest.mark.parametrize("seed", range(4))
def test_a_rotation_step_keeps_the_drawn_distances_where_no_projection_is_needed(seed):
    """For a 2→2 layer (and the 2-D and 3-D steps of others) every frame of a rotation step has
    the pairwise distances of the step's start: Pearson correlation ≥ 0.99 (rigid: ≈ 1)."""
    s, view = session_of("layers=2,2,3&" + PLAYGROUND)
    rng = np.random.default_rng(seed)
    s.net.weights[1][...] = rng.normal(0.0, 1.5, (2, 2))  # a 2→2 layer, any angle
    s.net.weights[2][...] = rng.normal(0.0, 1.5, (3, 2))  # 2→3: Vᵀ in 2-D, U in 3-D
    dims_seen = set()
    for layer in (1, 2):
        header, arrays, _ = answer(s, view, layer)
        if layer == 1:
            assert [sp["method"] for sp in header["spaces"]] == ["own"]
            assert [st["name"] for st in header["steps"]].count("rotate") == 2
        frames = rotation_frames(header, arrays)
        assert frames
        for before, during, dim in frames:
            dims_seen.add(dim)
            assert distance_correlation(before, during) >= 0.99
    assert dims_seen == {2, 3}


def test_a_scale_step_with_unequal_factors_does_not_keep_the_distances():
    """The measure can fail: the same measure on a scale step by 4 and 0.25 is far below 0.99."""
    s, view = session_of("layers=2,2&" + PLAYGROUND)
    s.net.weights[1][...] = [[4.0, 0.0], [0.0, 0.25]]
    header, arrays, _ = answer(s, view, 1)
    st = next(st for st in header["steps"] if st["name"] == "scale")
    points = arrays["points"].astype(np.float64)
    end = st["start"] + st["count"] - 1
    assert distance_correlation(points[st["start"] - 1], points[end]) < 0.9


def test_the_steps_are_grouped_under_the_five_operations():
    s, view = session_of(PLAYGROUND)
    header, _, _ = answer(s, view, 0)
    assert header["groups"] == ["raise/lower dimension", "scale", "rotate", "translate", "bend"]
    assert [(st["group"], st["label"]) for st in header["steps"]] == [
        ("rotate", "V\u1d40"), ("scale", "\u03a3"), ("raise/lower dimension", "lift 2\u21924"),
        ("rotate", "U"), ("translate", "+ b"), ("bend", "tanh")]
    # the steps before the change of dimension act in the input's space, the rest in the
    # output's (the lift itself is seen in the larger one)
    assert [st["space"] for st in header["steps"]] == [0, 0, 1, 1, 1, 1]
    square, _, _ = answer(*session_of("layers=2,2&" + PLAYGROUND), 1)
    assert "raise/lower dimension" not in {st["group"] for st in square["steps"]}


def test_a_wide_layer_is_projected_once_and_stays_under_the_size_cap():
    s, view = session_of("layers=16,16&n_samples=1000&" + PLAYGROUND)
    for layer, per_step in ((1, 24), (0, 12)):
        header, arrays, data = answer(s, view, layer, per_step=per_step)
        assert len(data) < CAP and MAX_BYTES < CAP
        assert header["n_points"] == MAX_POINTS  # 500 training points, 400 sent
        # 16→16 is one 16-D space, 2→16 the input plane then the 16-D space: projected
        assert header["spaces"][-1]["method"] == "pca" and header["dims"] == 3
        assert header["spaces"][-1]["how"] == "projected: 16-D drawn through 3 principal axes"
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
    assert [sp["method"] for sp in header["spaces"]] == ["line"] and header["dims"] == 2
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
