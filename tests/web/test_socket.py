"""The websocket protocol, through FastAPI's TestClient (no browser)."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.web.heatmaps import NODE_RESOLUTION, RESOLUTION
from depthlens.web.palettes import NAN_CODE, SHADES
from depthlens.web.protocol import MAX_HIDDEN_LAYERS, MAX_NEURONS, MAX_POINTS

from .support import open_session, receive, send, until

PLAYGROUND = "loss=half_mse&output=tanh"


def test_hello_then_thumbnails_of_every_2d_dataset(ws):
    kind, hello = receive(ws)
    assert kind == "text" and hello["type"] == "hello"
    assert hello["limits"]["hidden_layers"] >= 10 and hello["limits"]["neurons"] >= 16
    assert hello["options"]["learning_rates"][5] == 0.03
    assert len(hello["options"]["features"]) == 9
    header, arrays = until(ws, "thumbnails")
    names = header["datasets"]
    assert {"circle", "xor", "gauss", "spiral", "reg-plane", "reg-gauss"} <= set(names)
    for name in names:
        assert arrays[f"{name}.x"].shape == (200, 2)
        assert arrays[f"{name}.rgb"].shape == (200, 3)


def test_config_then_step_gives_a_binary_frame(ws):
    state, (_, data), _ = open_session(ws, PLAYGROUND)
    assert state["config"]["loss"] == "half_mse"
    assert Config.from_query(state["query"]) == Config.from_query(PLAYGROUND + "&epochs=0")
    net = state["network"]
    assert net["sizes"] == [2, 4, 2, 1] and net["activations"] == ["tanh", "tanh"]
    assert net["problem"] == "classification" and net["class_names"] == ["orange", "blue"]
    assert len(state["palettes"]["node"]) == 256 * 3
    assert data["train_x"].shape == (250, 2) and data["test_c"].shape == (250,)
    assert data["features"].shape == (9, NODE_RESOLUTION, NODE_RESOLUTION)

    send(ws, type="step", unit="epoch")
    header, arrays = until(ws, "frame")
    assert header["epoch"] == 1 and header["steps"] == 25
    assert len(header["rows"]) == 1 and header["columns"][:3] == ["epoch", "step", "train_loss"]
    assert arrays["output"].shape == (RESOLUTION, RESOLUTION)
    assert arrays["output"].dtype == np.uint8
    n_nodes = 2 + 4 + 2 + 1
    assert arrays["nodes"].shape == (n_nodes, NODE_RESOLUTION, NODE_RESOLUTION)
    for name, shape in [("W0", (4, 2)), ("b0", (4,)), ("W1", (2, 4)), ("W2", (1, 2)),
                        ("b2", (1,))]:
        assert arrays[name].shape == shape and arrays[name].dtype == np.float32
    for codes in (arrays["output"], arrays["nodes"], data["train_c"], data["features"]):
        assert codes.max() <= SHADES  # codes index the 31 shades of the table
    # the x1 input node: orange on the left of the plane, blue on the right
    assert arrays["nodes"][0][:, 0].max() < 15 < arrays["nodes"][0][:, -1].min()


def test_frames_over_the_socket_match_a_session_run_exactly(ws):
    """k epochs through the socket = `depthlens train` (a Session, k epochs) to the last bit."""
    query = PLAYGROUND + "&seed=7&noise=0.1"
    open_session(ws, query)
    rows = []
    for _ in range(3):
        send(ws, type="step", unit="epoch")
        rows += until(ws, "frame")[0]["rows"]
    send(ws, type="step", unit="epoch", count=4)
    header, arrays = until(ws, "frame")
    rows += header["rows"]
    session = Session(Config.from_query(query))
    session.run(7)
    h = session.history
    assert [r[0] for r in rows] == h.epoch == list(range(1, 8))
    assert [r[2] for r in rows] == h.train_loss
    assert [r[4] for r in rows] == h.test_loss
    assert header["now"]["test_loss"] == h.test_loss[-1]
    np.testing.assert_array_equal(arrays["W1"], session.net.weights[1].astype(np.float32))


def test_batch_steps_and_epoch_steps_count(ws):
    open_session(ws, PLAYGROUND + "&batch_size=25")
    send(ws, type="step", unit="batch", count=3)
    header, _ = until(ws, "frame")
    assert header["steps"] == 3 and header["epoch"] == 0 and header["rows"] == []
    send(ws, type="step", unit="epoch")  # finishes the epoch under way
    header, _ = until(ws, "frame")
    assert header["steps"] == 10 and header["epoch"] == 1


def test_reset_gives_the_same_initial_weights(ws):
    _, _, (_, first) = open_session(ws, PLAYGROUND + "&seed=3")
    send(ws, type="step", count=5)
    _, trained = until(ws, "frame")
    assert not np.array_equal(trained["W0"], first["W0"])
    send(ws, type="reset")
    state = until(ws, "state")
    assert state["fresh"] and state["epoch"] == 0
    header, again = until(ws, "frame")
    assert header["epoch"] == 0
    for name in ("W0", "b0", "W1", "b1", "W2", "b2"):
        np.testing.assert_array_equal(again[name], first[name])


@pytest.mark.parametrize("message, field", [
    ("not json", "message"),
    ('["a list"]', "message"),
    ('{"type": "fly"}', "type"),
    ('{"type": "step", "unit": "year"}', "unit"),
    ('{"type": "step", "count": 0}', "count"),
    ('{"type": "speed", "epochs_per_frame": 0}', "epochs_per_frame"),
    ('{"type": "edit", "layer": 0, "kind": "weight", "index": [0, 0], "value": "big"}', "value"),
    ('{"type": "edit", "layer": 9, "kind": "weight", "index": [0, 0], "value": 1}', "layer"),
    ('{"type": "edit", "layer": 0, "kind": "weight", "index": [4, 0], "value": 1}', "index"),
    ('{"type": "edit", "layer": 0, "kind": "bias", "index": [0, 0], "value": 1}', "index"),
    ('{"type": "play", "now": true}', "now"),
    ('{"type": "config", "config": {"optimizer": "adamm"}}', "optimizer"),
    ('{"type": "config", "config": {"lr": -1}}', "lr"),
    ('{"type": "config", "config": {"layers": [4, 2], "colour": "red"}}', "config"),
    ('{"type": "config", "config": {"dataset": "sequence"}}', "dataset"),
    ('{"type": "config", "config": {"dataset": "csv:/etc/passwd"}}', "dataset"),
    (f'{{"type": "config", "config": {{"layers": [{MAX_NEURONS + 1}]}}}}', "layers"),
])
def test_bad_messages_get_an_error_naming_the_field_and_the_session_goes_on(ws, message,
                                                                            field):
    open_session(ws, PLAYGROUND)
    ws.send_text(message)
    error = until(ws, "error")
    assert error["field"] == field, error
    assert error["message"]
    send(ws, type="step")  # still answering, with the old Config
    header, _ = until(ws, "frame")
    assert header["epoch"] == 1


@pytest.mark.parametrize("bad, field", [
    ("optimizer=adamm", "optimizer"),
    ("lr=-1", "lr"),
    ("colour=red", "config"),
    ("dataset=sequence", "dataset"),
    ("dataset=csv:/etc/passwd", "dataset"),
    ("features=x1,x1*x2&dataset=line-sign", "features"),
    (f"layers={','.join(['2'] * (MAX_HIDDEN_LAYERS + 1))}", "layers"),
    (f"layers={MAX_NEURONS + 1}", "layers"),
    (f"n_samples={MAX_POINTS + 1}", "n_samples"),
    ("target_loss=-1", "target_loss"),
])
def test_a_link_with_a_bad_field_keeps_the_others_and_says_which_fell_back(ws, bad, field):
    good = "noise=0.2&seed=7&batch_size=3"
    state, _, _ = open_session(ws, f"{good}&{bad}")
    c = state["config"]
    assert (c["noise"], c["seed"], c["batch_size"]) == (0.2, 7, 3)
    notice = until(ws, "notice")
    assert notice["kind"] == "link" and notice["fields"] == [field]
    assert notice["message"].count(".") >= 1 and "kept" in notice["message"]
    send(ws, type="step")  # the link's other fields hold
    header, _ = until(ws, "frame")
    assert header["epoch"] == 1


def test_binary_message_is_refused_politely(ws):
    open_session(ws)
    ws.send_bytes(b"\x00\x01")
    assert until(ws, "error")["field"] == "message"


def test_edit_changes_the_weight_and_the_output_bias(ws, client):
    open_session(ws, PLAYGROUND)
    send(ws, type="edit", layer=1, kind="weight", index=[1, 3], value=2.5)
    _, arrays = until(ws, "frame")
    assert arrays["W1"][1, 3] == 2.5
    send(ws, type="edit", layer=2, kind="bias", index=[0], value=-0.75)
    _, arrays = until(ws, "frame")
    assert arrays["b2"][0] == -0.75
    (live,) = [s for s in client.app.state.sessions if s.session is not None]
    assert live.session.net.biases[2][0] == -0.75


def test_learning_rate_changes_live_without_a_reset(ws):
    open_session(ws, PLAYGROUND)
    send(ws, type="step", count=2)
    until(ws, "frame")
    send(ws, type="config", query=PLAYGROUND + "&lr=0.3")
    state = until(ws, "state")
    assert not state["fresh"] and state["epoch"] == 2 and state["config"]["lr"] == 0.3
    send(ws, type="step")
    header, _ = until(ws, "frame")
    assert header["epoch"] == 3
    # the same as a run that changed its learning rate after two epochs
    session = Session(Config.from_query(PLAYGROUND))
    session.run(2)
    session.trainer.optimizer.hyper["lr"] = 0.3
    session.run(1)
    assert header["rows"][-1][2] == session.history.train_loss[-1]
    # any other change is a new network
    send(ws, type="config", query=PLAYGROUND + "&lr=0.3&layers=3")
    state = until(ws, "state")
    assert state["fresh"] and state["epoch"] == 0 and state["network"]["sizes"] == [2, 3, 1]


def test_divergence_pauses_with_a_message_and_reset_recovers(ws):
    query = "dataset=reg-plane&activation=linear&lr=10"
    open_session(ws, query)
    send(ws, type="play")
    diverged = until(ws, "diverged", limit=500)
    assert diverged["epoch"] == 1 and diverged["step"] >= 1
    assert "learning rate" in diverged["message"]
    status = until(ws, "status")
    while status["playing"]:
        status = until(ws, "status")
    send(ws, type="reset")
    assert until(ws, "state")["epoch"] == 0
    header, arrays = until(ws, "frame")
    assert all(np.isfinite(arrays[f"W{k}"]).all() for k in range(3))
    assert math.isfinite(header["now"]["train_loss"])
    send(ws, type="config", query=query.replace("lr=10", "lr=0.01"))
    until(ws, "state")
    send(ws, type="step", count=3)
    header, _ = until(ws, "frame")
    assert header["epoch"] == 3 and all(math.isfinite(r[2]) for r in header["rows"])


def test_play_streams_frames_and_pause_stops_them(ws):
    open_session(ws, PLAYGROUND + "&epochs=0")  # no stop at the Config's epochs
    send(ws, type="speed", epochs_per_frame="max")
    send(ws, type="play")
    start = time.perf_counter()
    epochs, frames = 0, 0
    while frames < 10:
        header, arrays = until(ws, "frame")
        frames += 1
        epochs = header["epoch"]
        assert arrays["output"].shape == (RESOLUTION, RESOLUTION)
    elapsed = time.perf_counter() - start
    assert epochs > 10 and elapsed < 5
    send(ws, type="pause")
    status = until(ws, "status")
    while status["playing"]:
        status = until(ws, "status")
    send(ws, type="step")
    header, _ = until(ws, "frame")
    final = header["epoch"]
    assert final > epochs


def test_regenerate_gives_new_data_and_keeps_the_network(ws):
    _, (_, data), _ = open_session(ws, PLAYGROUND)
    send(ws, type="step", count=2)
    _, trained = until(ws, "frame")
    send(ws, type="regenerate", seed=12345)
    state = until(ws, "state")
    assert state["config"]["seed"] == 12345 and not state["fresh"] and state["epoch"] == 2
    _, new_data = until(ws, "data")
    assert not np.array_equal(new_data["train_x"], data["train_x"])
    header, kept = until(ws, "frame")
    assert header["epoch"] == 2
    np.testing.assert_array_equal(kept["W0"], trained["W0"])


def test_regression_and_multiclass_maps(ws):
    state, _, (_, arrays) = open_session(ws, "dataset=reg-gauss")
    assert state["network"]["problem"] == "regression" and state["output_scale"] > 0
    assert arrays["output"].max() <= SHADES
    state, _, (_, arrays) = open_session(ws, "dataset=spirals&layers=8,8", greet=False)
    assert state["network"]["n_classes"] == 3 and state["network"]["sizes"][-1] == 3
    codes = arrays["output"]
    assert codes.max() < 3 * 25 and codes.max() != NAN_CODE
    lut = np.array(state["palettes"]["output"], dtype=np.uint8).reshape(256, 3)
    assert tuple(lut[24]) == (0xF5, 0x93, 0x22) and tuple(lut[2 * 25 + 24]) == (0x2C, 0xA0, 0x2C)


def test_closing_the_socket_ends_the_session(client):
    before = set(client.app.state.sessions)
    with client.websocket_connect("/ws") as socket:
        open_session(socket, PLAYGROUND + "&epochs=0")
        send(socket, type="speed", epochs_per_frame="max")
        send(socket, type="play")
        until(socket, "frame")
        (live,) = set(client.app.state.sessions) - before
        assert live.session is not None and live.playing
    for _ in range(100):
        if live not in client.app.state.sessions:
            break
        time.sleep(0.02)
    assert live not in client.app.state.sessions
    assert live.session is None and not live.playing


def test_hello_offers_optimizers_initializers_and_valid_heads_with_registry_defaults(ws):
    from depthlens.nn.initializers import INITIALIZERS, init_params
    from depthlens.nn.losses import make_head

    _, hello = receive(ws)
    options = hello["options"]
    optimizers = {o["name"]: o["params"] for o in options["optimizers"]}
    assert list(optimizers) == ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta",
                                "adam", "adamw"]
    assert optimizers["adam"]["betas"] == [0.9, 0.999]
    assert optimizers["adamw"]["weight_decay"] == 0.01
    assert optimizers["momentum"]["momentum"] == 0.9 and optimizers["nesterov"]["nesterov"] is True
    assert all("lr" not in p for p in optimizers.values())
    inits = {i["name"]: i["params"] for i in options["initializers"]}
    assert set(inits) == set(INITIALIZERS)
    assert inits["gaussian"] == init_params("gaussian")
    labels = [h["label"] for h in options["heads"]]
    assert "\u00bd\u00b7MSE on tanh (Playground)" in labels
    for head in options["heads"]:
        if head["loss"] is not None:
            make_head(head["output"], head["loss"])  # every offered pair is valid


def test_optimizer_init_and_head_choices_land_in_the_config_and_its_query(ws):
    state, _, _ = open_session(ws, PLAYGROUND)
    config = {**state["config"], "optimizer": "adam", "optimizer_params": {"betas": [0.8, 0.99]},
              "init": "gaussian", "init_params": {"std": 0.5}, "loss": "bce",
              "output": "sigmoid", "shuffle": False}
    send(ws, type="config", config=config)
    state = until(ws, "state")
    c = state["config"]
    assert c["optimizer"] == "adam" and c["optimizer_params"] == {"betas": [0.8, 0.99]}
    assert c["init"] == "gaussian" and c["init_params"] == {"std": 0.5}
    assert (c["loss"], c["output"], c["shuffle"]) == ("bce", "sigmoid", False)
    assert Config.from_query(state["query"]) == Config.from_dict(c)
    send(ws, type="config", config={**c, "optimizer_params": {"betas": [0.8, 2.0]}})
    error = until(ws, "error")
    assert error["field"].startswith("optimizer")
    send(ws, type="config", config={**c, "shuffle": True})  # a live change: the network is kept
    state = until(ws, "state")
    assert state["fresh"] is False and state["config"]["shuffle"] is True


def test_play_pauses_at_the_configs_epochs_and_says_why(ws):
    open_session(ws, PLAYGROUND + "&epochs=3")
    send(ws, type="speed", epochs_per_frame=2)
    send(ws, type="play")
    stopped = until(ws, "stopped", limit=100)
    assert stopped["reason"] == "epochs" and stopped["epoch"] == 3
    assert "epoch 3" in stopped["message"]
    assert until(ws, "status")["playing"] is False
    send(ws, type="play")  # play again: the Config's epochs were a pause, training goes on
    epoch = 3
    while epoch <= 6:
        epoch = until(ws, "frame", limit=100)[0]["epoch"]
    send(ws, type="pause")
    send(ws, type="reset")  # a reset brings the pause at the Config's epochs back
    until(ws, "state")
    send(ws, type="play")
    assert until(ws, "stopped", limit=100)["epoch"] == 3


def test_play_pauses_at_the_target_test_loss_which_is_in_the_query(ws):
    state, _, _ = open_session(ws, PLAYGROUND + "&epochs=0&target_loss=0.2")
    assert state["target_loss"] == 0.2 and state["query"].endswith("target_loss=0.2")
    send(ws, type="speed", epochs_per_frame=5)
    send(ws, type="play")
    stopped = until(ws, "stopped", limit=2000)
    assert stopped["reason"] == "target" and "target 0.2" in stopped["message"]
    send(ws, type="config", config=state["config"], target_loss=None)
    assert until(ws, "state")["target_loss"] is None
    for bad in ("target_loss=-1", "target_loss=abc", "target_loss=nan"):
        send(ws, type="config", query=f"{PLAYGROUND}&{bad}")
        assert until(ws, "state")["target_loss"] is None  # the rest of the link holds
        assert until(ws, "notice")["fields"] == ["target_loss"]
    send(ws, type="config", config=state["config"], target_loss=0)
    assert until(ws, "error")["field"] == "target_loss"


def test_one_activation_per_hidden_layer(ws):
    state, _, _ = open_session(ws, PLAYGROUND)
    send(ws, type="config", config={**state["config"], "activation": ["relu", "tanh"]})
    state = until(ws, "state")
    assert state["network"]["activations"] == ["relu", "tanh"] and state["fresh"]
    assert Config.from_query(state["query"]).activation == ("relu", "tanh")
    send(ws, type="config", config={**state["config"], "activation": ["relu"]})
    assert until(ws, "error")["field"] == "activation"


def test_frames_carry_the_test_confusion_matrix_or_the_test_rmse(ws):
    state, _, _ = open_session(ws, PLAYGROUND + "&regularization=l2&reg_rate=0.01")
    send(ws, type="step", count=3)
    header, arrays = until(ws, "frame")
    confusion = arrays["confusion"]
    assert confusion.shape == (2, 2) and confusion.dtype == np.int32
    assert confusion.sum() == state["n_test"]
    accuracy = np.trace(confusion) / confusion.sum()
    assert accuracy == pytest.approx(header["now"]["test_metric"])
    columns = header["columns"]
    assert all(row[columns.index("penalty")] > 0 for row in header["rows"])
    assert "test_rmse" not in header["now"]
    for query, factor in [("dataset=reg-plane", 1.0),
                          ("dataset=reg-plane&loss=half_mse&output=linear", 2.0)]:
        open_session(ws, query, greet=False)
        send(ws, type="step", count=2)
        header, arrays = until(ws, "frame")
        now = header["now"]
        assert "confusion" not in arrays
        assert now["test_rmse"] == pytest.approx(math.sqrt(factor * now["test_loss"]), rel=1e-5)


def test_the_model_download_loads_with_load_model_and_predicts_the_same(client, tmp_path):
    import io
    import zipfile

    from depthlens.nn.serialize import load_model

    before = set(client.app.state.sessions)
    with client.websocket_connect("/ws") as socket:
        _, hello = receive(socket)
        session_id = hello["session"]
        assert len(session_id) >= 16
        open_session(socket, PLAYGROUND + "&layers=3,2&seed=3")
        send(socket, type="step", count=4)
        until(socket, "frame")
        (live,) = set(client.app.state.sessions) - before
        response = client.get(f"/api/session/{session_id}/model.zip")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/zip"
        assert "attachment" in response.headers["content-disposition"]
        with zipfile.ZipFile(io.BytesIO(response.content)) as z:
            assert sorted(z.namelist()) == ["config.json", "model.json", "model.npz"]
            z.extractall(tmp_path)
        assert Config.from_json((tmp_path / "config.json").read_text()) == live.session.config
        net = load_model(tmp_path, "model")
        x = np.random.default_rng(0).uniform(-6, 6, (50, 2)).astype(np.float32)
        np.testing.assert_allclose(net.forward(x), live.session.net.forward(x), rtol=1e-6)
        for bad in ("x" * 24, "..%2F..%2Fpyproject.toml", "short", session_id + "%00"):
            assert client.get(f"/api/session/{bad}/model.zip").status_code == 404
        assert client.get(f"/api/session/{session_id}/model.json").status_code == 404
    assert client.get(f"/api/session/{session_id}/model.zip").status_code == 404  # tab closed


def test_a_refusal_whose_wording_fails_is_still_answered_once_and_the_tab_goes_on(ws,
                                                                                    monkeypatch):
    from depthlens.web import wording

    def broken(error):
        raise KeyError("a wording bug")

    open_session(ws)
    monkeypatch.setattr(wording, "config_message", broken)
    send(ws, type="config", query="lr=-1")  # refused by Config: worded by config_message
    error = until(ws, "error")
    assert error["field"] == "server" and "experiment goes on" in error["message"]
    send(ws, type="step")
    assert until(ws, "frame")[0]["epoch"] == 1  # the tab's session is alive
