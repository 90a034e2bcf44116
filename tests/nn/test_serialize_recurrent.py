"""Recurrent model files: a round trip keeps every number (and the PyTorch names); tampered or
hostile files raise DataError naming the field and never run code."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from depthlens.errors import DataError
from depthlens.nn import load_model, save_model
from depthlens.nn.recurrent import RecurrentNet

MARKER = "pickle_payload_ran"


class _Payload:
    """Unpickling this creates a marker file: proof that code ran."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def make_net(cell="gru", dtype=np.float32, layers=2, activation="tanh", output="linear",
             loss="mse", n_outputs=3):
    return RecurrentNet(2, 5, cell, activation, n_outputs, layers, output, loss, dtype,
                        init="glorot_uniform", seed=4)


@pytest.fixture
def saved(tmp_path):
    net = make_net(dtype=np.float64)
    save_model(net, tmp_path)
    return net, tmp_path


def read_spec(folder: Path) -> dict:
    return json.loads((folder / "model.json").read_text())


def write_spec(folder: Path, spec: dict) -> None:
    (folder / "model.json").write_text(json.dumps(spec))


def arrays_of(net: RecurrentNet) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in net.tensors.items()}


def assert_data_error(folder: Path, *words: str, field: str | None = None) -> DataError:
    with pytest.raises(DataError) as err:
        load_model(folder)
    message = str(err.value)
    assert "not a depthlens model" in message, message
    for word in words:
        assert word in message, (word, message)
    if field is not None:
        assert err.value.field == field, (err.value.field, message)
    assert not (folder / MARKER).exists()
    return err.value


@pytest.mark.parametrize(("cell", "activation", "layers"), [
    ("elman", "tanh", 1), ("elman", "relu", 2), ("gru", "tanh", 2), ("lstm", "tanh", 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_then_load_gives_identical_params_and_predictions(tmp_path, cell, activation,
                                                               layers, dtype):
    net = make_net(cell, dtype, layers, activation)
    save_model(net, tmp_path)
    loaded = load_model(tmp_path)
    assert isinstance(loaded, RecurrentNet)
    assert (loaded.cell, loaded.activation, loaded.hidden, loaded.n_layers) == \
        (cell, activation, 5, layers)
    assert loaded.sizes == net.sizes and loaded.head == net.head and loaded.dtype == net.dtype
    np.testing.assert_array_equal(loaded.params, net.params)
    x = np.random.default_rng(0).normal(size=(6, 9, 2))
    np.testing.assert_array_equal(loaded.forward(x), net.forward(x))


def test_a_classifier_keeps_its_head(tmp_path):
    net = make_net("elman", output="softmax", loss="cross_entropy", n_outputs=4)
    save_model(net, tmp_path, name="clf")
    loaded = load_model(tmp_path, name="clf")
    assert loaded.head.output == "softmax" and loaded.head.loss == "cross_entropy"
    x = np.random.default_rng(1).normal(size=(3, 4, 2))
    np.testing.assert_array_equal(loaded.forward(x), net.forward(x))


def test_files_are_plain_json_and_an_npz_by_pytorch_names(saved):
    net, folder = saved
    spec = read_spec(folder)
    assert spec["kind"] == "recurrent"
    assert {k: spec[k] for k in ("cell", "n_inputs", "hidden", "layers", "n_outputs",
                                 "activation", "output", "loss", "dtype")} == {
        "cell": "gru", "n_inputs": 2, "hidden": 5, "layers": 2, "n_outputs": 3,
        "activation": "tanh", "output": "linear", "loss": "mse", "dtype": "float64"}
    assert spec["arrays"]["weight_ih_l0"] == [15, 2]
    assert spec["arrays"]["weight_ih_l1"] == [15, 5]
    assert spec["arrays"]["readout.weight"] == [3, 5]
    with np.load(folder / "model.npz", allow_pickle=False) as z:
        assert sorted(z.files) == sorted(net.shapes)
        for name, array in arrays_of(net).items():
            np.testing.assert_array_equal(z[name], array)


def test_the_arrays_load_into_torch_gru():
    torch = pytest.importorskip("torch")
    net = make_net("gru", np.float64, layers=2)
    gru = torch.nn.GRU(2, 5, num_layers=2, batch_first=True).double()
    arrays = arrays_of(net)
    gru.load_state_dict({k: torch.tensor(v) for k, v in arrays.items()
                         if not k.startswith("readout")})
    x = np.random.default_rng(2).normal(size=(4, 7, 2))
    with torch.no_grad():
        out, _ = gru(torch.tensor(x))
    want = out[:, -1].numpy() @ arrays["readout.weight"].T + arrays["readout.bias"]
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"kind": "transformer"}, "kind", ["'kind'", "transformer"]),
    ({"cell": "tcn"}, "cell", ["'cell'", "tcn", "gru"]),
    ({"cell": ["gru"]}, "cell", ["'cell'"]),
    ({"hidden": 0}, "hidden", ["'hidden'"]),
    ({"hidden": 5.0}, "hidden", ["'hidden'"]),
    ({"hidden": True}, "hidden", ["'hidden'"]),
    ({"layers": 1000}, "layers", ["'layers'"]),
    ({"n_inputs": "2"}, "n_inputs", ["'n_inputs'"]),
    ({"hidden": 6}, "arrays", ["'arrays'"]),
    ({"cell": "lstm"}, "arrays", ["'arrays'"]),
    ({"layers": 1}, "arrays", ["'arrays'"]),
    ({"arrays": {"weight_ih_l0": [15, 2]}}, "arrays", ["'arrays'"]),
    ({"activation": "relu"}, "activation", ["activation", "relu"]),
    ({"activation": "swirl"}, "activation", ["swirl"]),
    ({"output": "softmax", "loss": "mse"}, None, ["mse"]),
    ({"dtype": "int8"}, "dtype", ["dtype"]),
])
def test_tampered_json_raises_data_error_naming_the_field(saved, change, field, words):
    _, folder = saved
    write_spec(folder, {**read_spec(folder), **change})
    error = assert_data_error(folder, "model.json", *words)
    if field is not None:
        assert error.field == field, (error.field, str(error))


@pytest.mark.parametrize("key", ["cell", "hidden", "layers", "n_inputs", "n_outputs",
                                 "activation", "output", "loss", "dtype"])
def test_json_missing_a_key_raises_data_error(saved, key):
    _, folder = saved
    spec = read_spec(folder)
    del spec[key]
    write_spec(folder, spec)
    assert_data_error(folder, "missing key", key, field=key)


def test_huge_hidden_fails_on_the_arrays_before_allocating(saved):
    """hidden (and arrays) edited to a 10¹⁰-parameter network must not try to build it."""
    _, folder = saved
    spec = read_spec(folder)
    h = 100_000
    spec.update(hidden=h, layers=1, arrays={
        "weight_ih_l0": [3 * h, 2], "weight_hh_l0": [3 * h, h], "bias_ih_l0": [3 * h],
        "bias_hh_l0": [3 * h], "readout.weight": [3, h], "readout.bias": [3]})
    write_spec(folder, spec)
    assert_data_error(folder, "model.npz", "numbers")


def test_wrong_shape_in_npz_raises_data_error(saved):
    net, folder = saved
    arrays = arrays_of(net)
    arrays["weight_hh_l1"] = np.zeros((15, 4))
    np.savez(folder / "model.npz", **arrays)
    assert_data_error(folder, "weight_hh_l1", "[15, 4]", "[15, 5]", field="weight_hh_l1")


def test_missing_or_extra_array_raises_data_error(saved):
    net, folder = saved
    arrays = arrays_of(net)
    del arrays["readout.bias"]
    np.savez(folder / "model.npz", **arrays)
    assert_data_error(folder, "readout.bias")
    np.savez(folder / "model.npz", **arrays_of(net), W0=np.zeros(3))
    assert_data_error(folder, "W0")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_non_finite_weight_is_refused(saved, bad):
    net, folder = saved
    arrays = arrays_of(net)
    arrays["bias_hh_l0"][7] = bad
    np.savez(folder / "model.npz", **arrays)
    assert_data_error(folder, "bias_hh_l0", "finite", "flat index 7", field="bias_hh_l0")


def test_an_mlp_file_named_as_recurrent_is_refused(tmp_path):
    from depthlens.nn import MLP

    save_model(MLP((2, 4, 3), ["tanh"]), tmp_path)
    spec = read_spec(tmp_path)
    write_spec(tmp_path, {**spec, "kind": "recurrent"})
    assert_data_error(tmp_path, "missing key", field="cell")


def test_object_array_with_a_pickle_payload_is_refused_and_never_runs(saved):
    net, folder = saved
    arrays = arrays_of(net)
    payload = np.empty(net.shapes["weight_ih_l0"], dtype=object)
    payload[...] = _Payload(folder / MARKER)
    arrays["weight_ih_l0"] = payload
    np.savez(folder / "model.npz", **arrays)  # numpy pickles object arrays on save
    assert_data_error(folder, "weight_ih_l0", field="weight_ih_l0")
    with np.load(folder / "model.npz", allow_pickle=True) as z:  # the payload is real
        z["weight_ih_l0"]
    assert (folder / MARKER).exists()


def test_sizes_from_a_config_must_match(saved):
    from depthlens.nn.serialize import model_from_bytes

    net, folder = saved
    jpath, apath = folder / "model.json", folder / "model.npz"
    ok = model_from_bytes(jpath, jpath.read_bytes(), apath, apath.read_bytes(),
                          sizes=[2, 5, 5, 3])
    np.testing.assert_array_equal(ok.params, net.params)
    with pytest.raises(DataError) as err:
        model_from_bytes(jpath, jpath.read_bytes(), apath, apath.read_bytes(), sizes=[2, 5, 3])
    assert err.value.field == "sizes"
