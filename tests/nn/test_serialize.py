"""Model files: a round trip keeps every number; damaged or hostile files raise DataError and
never run code."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from depthlens.errors import DataError
from depthlens.nn import MLP, load_model, save_model

from .support import BACKENDS

MARKER = "pickle_payload_ran"


class _Payload:
    """Unpickling this creates a marker file: proof that code ran."""

    def __init__(self, path: Path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def make_net(dtype=np.float32, backend="numpy"):
    net = MLP((3, 7, 1, 4, 2), ["relu", "gelu", "tanh"], "softmax", "cross_entropy",
              dtype=dtype, backend=backend)
    return net.initialize("torch", seed=3)


@pytest.fixture
def saved(tmp_path):
    net = make_net(np.float64)
    save_model(net, tmp_path)
    return net, tmp_path


def read_spec(folder: Path) -> dict:
    return json.loads((folder / "model.json").read_text())


def write_spec(folder: Path, spec: dict) -> None:
    (folder / "model.json").write_text(json.dumps(spec))


def arrays_of(net: MLP) -> dict[str, np.ndarray]:
    out = {}
    for k in range(net.n_layers):
        out[f"W{k}"], out[f"b{k}"] = net.weights[k].copy(), net.biases[k].copy()
    return out


def assert_data_error(folder: Path, *words: str) -> DataError:
    with pytest.raises(DataError) as err:
        load_model(folder)
    message = str(err.value)
    assert "not a depthlens model" in message
    for word in words:
        assert word in message, (word, message)
    assert not (folder / MARKER).exists()
    return err.value


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_save_then_load_gives_identical_predictions(tmp_path, dtype, backend):
    net = make_net(dtype, backend)
    path = save_model(net, tmp_path)
    assert path == tmp_path / "model.json"
    loaded = load_model(tmp_path, backend=backend)
    assert loaded.sizes == net.sizes
    assert loaded.activations == net.activations
    assert loaded.head == net.head
    assert loaded.dtype == net.dtype
    np.testing.assert_array_equal(loaded.params, net.params)
    x = np.random.default_rng(0).normal(size=(20, 3))
    np.testing.assert_array_equal(loaded.forward(x), net.forward(x))


def test_files_are_plain_json_and_a_pickle_free_npz(saved):
    net, folder = saved
    spec = read_spec(folder)
    assert spec["format"] == "depthlens.model" and spec["version"] == 1
    assert spec["sizes"] == [3, 7, 1, 4, 2]
    assert spec["activations"] == ["relu", "gelu", "tanh"]
    assert spec["arrays"]["W1"] == [1, 7] and spec["arrays"]["b3"] == [2]
    with np.load(folder / "model.npz", allow_pickle=False) as z:
        assert sorted(z.files) == sorted(arrays_of(net))
        for name, array in arrays_of(net).items():
            np.testing.assert_array_equal(z[name], array)
            assert z[name].dtype == np.float64


def test_named_models_live_side_by_side(tmp_path):
    a, b = make_net(), make_net().initialize("glorot_uniform", seed=9)
    save_model(a, tmp_path, name="first")
    save_model(b, tmp_path, name="second")
    np.testing.assert_array_equal(load_model(tmp_path, name="first").params, a.params)
    np.testing.assert_array_equal(load_model(tmp_path, name="second").params, b.params)


def test_missing_files_raise_data_error(tmp_path, saved):
    assert_data_error(tmp_path / "nowhere", "file not found")
    _, folder = saved
    (folder / "model.npz").unlink()
    assert_data_error(folder, "model.npz", "file not found")


def test_invalid_json_raises_data_error(saved):
    _, folder = saved
    (folder / "model.json").write_text('{"format": "depthlens.model", ')
    assert_data_error(folder, "invalid JSON")
    (folder / "model.json").write_bytes(b"\xff\xfe\x00garbage")
    assert_data_error(folder, "invalid JSON")


@pytest.mark.parametrize(("change", "words"), [
    ({"format": "keras.model"}, ["'format'"]),
    ({"version": 2}, ["'version'"]),
    ({"sizes": [3, 7, 1, 4]}, ["'arrays'"]),
    ({"sizes": "3-7-2"}, ["'sizes'"]),
    ({"sizes": [3, 0, 2]}, ["'sizes'"]),
    ({"sizes": [3, 7.5, 1, 4, 2]}, ["'sizes'"]),
    ({"activations": ["relu", "swirl", "tanh"]}, ["swirl"]),
    ({"activations": None}, []),
    ({"output": "softmax", "loss": "mse"}, ["mse"]),
    ({"dtype": "int8"}, ["dtype"]),
    ({"arrays": {"W0": [7, 3]}}, ["'arrays'"]),
])
def test_tampered_json_raises_data_error(saved, change, words):
    _, folder = saved
    write_spec(folder, {**read_spec(folder), **change})
    assert_data_error(folder, "model.json", *words)


def test_json_that_is_not_an_object_raises_data_error(saved):
    _, folder = saved
    (folder / "model.json").write_text("[1, 2, 3]")
    assert_data_error(folder, "'format'")


@pytest.mark.parametrize("key", ["activations", "output", "loss", "dtype"])
def test_json_missing_a_key_raises_data_error(saved, key):
    _, folder = saved
    spec = read_spec(folder)
    del spec[key]
    write_spec(folder, spec)
    assert_data_error(folder, "missing key", key)


def test_huge_sizes_in_json_fail_on_the_arrays_before_allocating(saved):
    """sizes (and arrays) edited to a 10¹⁰-parameter network must not try to build it."""
    _, folder = saved
    spec = read_spec(folder)
    spec["sizes"] = [100_000, 100_000, 2]
    spec["arrays"] = {"W0": [100_000, 100_000], "b0": [100_000], "W1": [2, 100_000], "b1": [2]}
    write_spec(folder, spec)
    assert_data_error(folder, "model.npz")


def test_wrong_shape_in_npz_raises_data_error(saved):
    net, folder = saved
    arrays = arrays_of(net)
    arrays["W2"] = np.zeros((4, 2))
    np.savez(folder / "model.npz", **arrays)
    assert_data_error(folder, "W2", "[4, 2]", "[4, 1]")


def test_missing_or_extra_array_raises_data_error(saved):
    net, folder = saved
    arrays = arrays_of(net)
    del arrays["b1"]
    np.savez(folder / "model.npz", **arrays)
    assert_data_error(folder, "b1")
    np.savez(folder / "model.npz", **arrays_of(net), extra=np.zeros(3))
    assert_data_error(folder, "extra")


@pytest.mark.parametrize("dtype", [np.int64, np.complex128, np.bool_])
def test_non_float_array_raises_data_error(saved, dtype):
    net, folder = saved
    arrays = arrays_of(net)
    arrays["W0"] = arrays["W0"].astype(dtype)
    np.savez(folder / "model.npz", **arrays)
    assert_data_error(folder, "W0", "dtype")


def test_object_array_with_a_pickle_payload_is_refused_and_never_runs(saved):
    net, folder = saved
    arrays = arrays_of(net)
    payload = np.empty(net.weights[0].shape, dtype=object)
    payload[...] = _Payload(folder / MARKER)
    arrays["W0"] = payload
    np.savez(folder / "model.npz", **arrays)  # numpy pickles object arrays on save
    assert not (folder / MARKER).exists()
    assert_data_error(folder, "W0")
    # The payload is real: unpickling the archive would have run it.
    with np.load(folder / "model.npz", allow_pickle=True) as z:
        z["W0"]
    assert (folder / MARKER).exists()


def test_a_pickle_in_place_of_the_npz_is_refused_and_never_runs(saved):
    import pickle

    _, folder = saved
    (folder / "model.npz").write_bytes(pickle.dumps(_Payload(folder / MARKER)))
    assert_data_error(folder, "model.npz")


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage", "npy", "bad-crc",
                                    "not-npy-member", "bad-header"])
def test_damaged_npz_raises_data_error(saved, damage):
    net, folder = saved
    path = folder / "model.npz"
    data = path.read_bytes()
    if damage == "empty":
        path.write_bytes(b"")
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(b"PK\x03\x04 definitely not a zip archive")
    elif damage == "npy":
        buf = io.BytesIO()
        np.save(buf, net.weights[0])
        path.write_bytes(buf.getvalue())
    elif damage == "bad-crc":
        with zipfile.ZipFile(path, "w") as zf:  # stored, so the flipped byte survives
            for name, array in arrays_of(net).items():
                buf = io.BytesIO()
                np.save(buf, array)
                zf.writestr(f"{name}.npy", buf.getvalue())
        raw = bytearray(path.read_bytes())
        at = raw.index(b"W0.npy") + 6 + 140  # inside W0's data
        raw[at] ^= 0xFF
        path.write_bytes(bytes(raw))
    elif damage == "not-npy-member":
        with zipfile.ZipFile(path, "w") as zf:
            for name in arrays_of(net):
                zf.writestr(name, b"raw bytes, not an array")
    else:
        with zipfile.ZipFile(path, "w") as zf:
            for name in arrays_of(net):
                zf.writestr(f"{name}.npy", b"\x93NUMPY\x01\x00\x10\x00{'descr': 1}      \n")
    error = assert_data_error(folder, "model.npz")
    assert isinstance(error, ValueError)  # DataError is a ValueError, never a raw crash


def test_loading_checks_the_array_before_reading_its_data(saved):
    """A header claiming a huge array is refused from the header alone."""
    net, folder = saved
    path = folder / "model.npz"
    arrays = arrays_of(net)
    with zipfile.ZipFile(path, "w") as zf:
        for name, array in arrays.items():
            buf = io.BytesIO()
            if name == "W0":
                np.lib.format.write_array_header_1_0(
                    buf, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)})
            else:
                np.save(buf, array)
            zf.writestr(f"{name}.npy", buf.getvalue())
    assert_data_error(folder, "W0", "[1000000, 1000000]")
