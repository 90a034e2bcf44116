"""An untrusted run folder is refused cheaply and clearly: every malformed file is a DataError
naming the file and the field, checked before any array is decompressed."""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import shutil
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from depthlens.cli import main
from depthlens.errors import DataError
from depthlens.experiment import Config, Session, load_run, save_run
from depthlens.experiment.run import MANIFEST

CONFIG = Config(dataset="xor", n_samples=80, layers=[5, 3], optimizer="adam", lr=0.02,
                epochs=3, seed=4)


@pytest.fixture(scope="module")
def session() -> Session:
    s = Session(CONFIG)
    s.run()
    s.step()
    return s


@pytest.fixture(scope="module")
def template(session, tmp_path_factory) -> Path:
    return save_run(session, tmp_path_factory.mktemp("template") / "run", picture=b"png")


@pytest.fixture
def folder(template, tmp_path) -> Path:
    return Path(shutil.copytree(template, tmp_path / "run"))


def reseal(folder: Path) -> None:
    """Rewrite manifest.json for the files as they are now, so a damaged file reaches its
    own parser instead of failing the manifest's check."""
    try:
        spec = json.loads((folder / MANIFEST).read_bytes())
        names = list(spec["files"])
    except (ValueError, KeyError, TypeError):  # the manifest itself was damaged: leave it
        return
    if not all(isinstance(name, str) for name in names):  # damaged names ([None]): leave it
        return
    files = {}
    for name in names:
        if (folder / name).is_file():
            data = (folder / name).read_bytes()
            files[name] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    spec["files"] = files
    (folder / MANIFEST).write_text(json.dumps(spec))


def refused(folder: Path, file: str, *words: str, field: str | None = None) -> DataError:
    with pytest.raises(DataError) as info:
        load_run(folder)
    error = info.value
    message = str(error)
    assert f"{file}:" in message, message
    for word in words:
        assert word in message, (word, message)
    assert error.file is not None and error.file.endswith(file), error.file
    if field is not None:
        assert error.field == field, (error.field, message)
    assert "\n" not in message
    return error


def npz_of(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def load_npz(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def edit_json(folder: Path, name: str, **changes) -> None:
    data = json.loads((folder / name).read_text())
    data.update(changes)
    (folder / name).write_text(json.dumps(data))
    reseal(folder)


# -- one case per kind of damage -------------------------------------------------------------

def test_a_good_folder_loads(folder, session):
    loaded = load_run(folder)
    np.testing.assert_array_equal(loaded.net.params, session.net.params)


def test_a_truncated_npz(folder):
    data = (folder / "model.npz").read_bytes()
    (folder / "model.npz").write_bytes(data[: len(data) // 2])
    reseal(folder)
    refused(folder, "model.npz", "unreadable")


def test_an_object_array_is_refused_without_unpickling(folder):
    arrays = load_npz(folder / "trainer.npz")
    arrays["order"] = np.array([object()] * arrays["order"].size, dtype=object)
    (folder / "trainer.npz").write_bytes(npz_of(arrays))
    reseal(folder)
    refused(folder, "trainer.npz", "order", "dtype object", field="order")


def test_a_wrong_shape(folder):
    arrays = load_npz(folder / "trainer.npz")
    arrays["snapshot"] = np.zeros(arrays["snapshot"].size + 1)
    (folder / "trainer.npz").write_bytes(npz_of(arrays))
    reseal(folder)
    refused(folder, "trainer.npz", "snapshot has shape", field="snapshot")


def test_a_trainer_json_that_is_a_list(folder):
    (folder / "trainer.json").write_text("[1, 2, 3]")
    reseal(folder)
    refused(folder, "trainer.json", "a JSON list, expected an object")


@pytest.mark.parametrize("rng", [
    None, [1, 2], {"bit_generator": "MT19937", "state": {}},
    {"bit_generator": "PCG64", "state": {"state": "many", "inc": 1}},
    {"bit_generator": "PCG64"},
])
def test_a_bad_generator_state(folder, rng):
    edit_json(folder, "trainer.json", rng=rng)
    refused(folder, "trainer.json", "rng", "generator state", field="rng")


@pytest.mark.parametrize(("key", "value"), [
    ("cursor", -1), ("cursor", 10**6), ("cursor", 2.5), ("cursor", True), ("steps_done", "7"),
    ("epochs_done", -3), ("epochs_done", 99), ("in_order", "yes"), ("optimizer", "sgd"),
    ("epoch_start_steps", 10**9),
])
def test_a_bad_counter(folder, key, value):
    edit_json(folder, "trainer.json", **{key: value})
    refused(folder, "trainer.json", key, field=key)


@pytest.mark.parametrize("name", ["config.json", "model.json", "trainer.json", MANIFEST])
def test_invalid_utf8(folder, name):
    (folder / name).write_bytes(b'{"a": "\xff\xfe"}')
    if name != MANIFEST:
        reseal(folder)
    refused(folder, name, "UTF-8")


@pytest.mark.parametrize("name", ["config.json", "model.json", "trainer.json", MANIFEST])
def test_deep_nesting(folder, name):
    (folder / name).write_text("[" * 100_000 + "]" * 100_000)
    if name != MANIFEST:
        reseal(folder)
    refused(folder, name, "nested 100000 deep")


@pytest.mark.parametrize(("name", "key"), [("model.npz", "W1"), ("trainer.npz", "snapshot"),
                                           ("trainer.npz", "optimizer.exp_avg")])
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_infinite_numbers(folder, name, key, bad):
    arrays = load_npz(folder / name)
    arrays[key] = arrays[key].copy()
    arrays[key].flat[1] = bad
    (folder / name).write_bytes(npz_of(arrays))
    reseal(folder)
    refused(folder, name, key, "finite", field=key)


def test_a_negative_step_count_in_the_optimizer_state(folder):
    arrays = load_npz(folder / "trainer.npz")
    arrays["optimizer.t"] = np.array(-4, dtype=np.int64)
    (folder / "trainer.npz").write_bytes(npz_of(arrays))
    reseal(folder)
    refused(folder, "trainer.npz", "optimizer.t", field="optimizer.t")


def test_an_order_that_is_not_a_permutation(folder):
    arrays = load_npz(folder / "trainer.npz")
    arrays["order"] = np.zeros_like(arrays["order"])
    (folder / "trainer.npz").write_bytes(npz_of(arrays))
    reseal(folder)
    refused(folder, "trainer.npz", "permutation", field="order")


@pytest.mark.parametrize(("text", "words"), [
    ("[]", ["a JSON list"]),
    ('{"layers": "many"}', ["layers"]),
    ('{"epochs": -1}', ["epochs"]),
    ('{"colour": 1}', ["colour"]),
])
def test_a_bad_config(folder, text, words):
    (folder / "config.json").write_text(text)
    reseal(folder)
    refused(folder, "config.json", *words)


@pytest.mark.parametrize(("edit", "words"), [
    (lambda rows: [*rows[:1], "a,b,c"], ["line 2", "3 cells"]),
    (lambda rows: [rows[0].replace("train_loss", "loss"), *rows[1:]], ["header"]),
    (lambda rows: [*rows[:2], rows[2].replace(rows[2].split(",")[0], "x", 1)],
     ["line 3", "'epoch'"]),
    (lambda rows: [rows[0], rows[2], rows[1]], ["line 3", "does not follow"]),
    (lambda rows: [*rows, rows[-1].split(",", 2)[0] + ",1," + rows[-1].split(",", 2)[2]],
     ["line 5"]),
])
def test_a_bad_history(folder, edit, words):
    rows = (folder / "history.csv").read_text().splitlines()
    (folder / "history.csv").write_text("\n".join(edit(rows)) + "\n")
    reseal(folder)
    error = refused(folder, "history.csv", *words)
    assert error.line is not None


def test_a_zip_bomb_is_refused_from_its_header_before_anything_is_decompressed(folder):
    """A 0.3 MB trainer.npz whose 'order' claims 40 million numbers (320 MB of zeros)."""
    arrays = load_npz(folder / "trainer.npz")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, array in arrays.items():
            if name != "order":
                zf.writestr(f"{name}.npy", _npy(array))
        with zf.open("order.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(
                f, {"descr": "<i8", "fortran_order": False, "shape": (40_000_000,)})
            zeros = bytes(1 << 20)
            for _ in range(320_000_000 >> 20):
                f.write(zeros)
    (folder / "trainer.npz").write_bytes(buf.getvalue())
    assert (folder / "trainer.npz").stat().st_size < 1_000_000
    reseal(folder)
    tracemalloc.start()
    try:
        refused(folder, "trainer.npz", "order has shape [40000000]", field="order")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, peak


def test_a_header_that_lies_about_the_data_length(folder):
    arrays = load_npz(folder / "model.npz")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, array in arrays.items():
            data = _npy(array)
            zf.writestr(f"{name}.npy", data + (b"\0" * 64 if name == "b0" else b""))
    (folder / "model.npz").write_bytes(buf.getvalue())
    reseal(folder)
    refused(folder, "model.npz", "b0", "data bytes", field="b0")


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


@pytest.mark.parametrize("name", ["model.npz", "config.json"])
def test_a_folder_mixing_two_runs_names_the_file_that_does_not_belong(folder, tmp_path, name):
    other = Session(CONFIG.replace(seed=9))
    other.run(1)
    save_run(other, tmp_path / "other")
    same_size = (tmp_path / "other" / name).stat().st_size == (folder / name).stat().st_size
    assert same_size == (name == "config.json")  # seed 9 for 4: only the hash tells them apart
    shutil.copy(tmp_path / "other" / name, folder / name)
    refused(folder, name, "does not match manifest.json", "mixes files")


def test_a_model_of_another_config_is_named(folder, tmp_path):
    other = Session(CONFIG.replace(activation="relu"))
    save_run(other, tmp_path / "other")
    for name in ("model.json", "model.npz"):
        shutil.copy(tmp_path / "other" / name, folder / name)
    reseal(folder)
    refused(folder, "model.json", "activations", field="activations")


@pytest.mark.parametrize(("change", "words", "field"), [
    ({"files": {"../../etc/passwd": {"bytes": 1, "sha256": "0" * 64}}}, ["not a run file"],
     "files.../../etc/passwd"),
    ({"format": "zip"}, ["format"], "format"),
    ({"files": []}, ["files"], "files"),
    ({"files": {"config.json": {"bytes": -1, "sha256": "0" * 64}}}, ["bytes"],
     "files.config.json.bytes"),
    ({"files": {"config.json": {"bytes": 10, "sha256": "xyz"}}}, ["sha256"],
     "files.config.json.sha256"),
])
def test_a_bad_manifest(folder, change, words, field):
    edit = json.loads((folder / MANIFEST).read_text())
    edit.update(change)
    (folder / MANIFEST).write_text(json.dumps(edit))
    refused(folder, MANIFEST, *words, field=field)


def test_a_file_larger_than_the_manifest_says_is_refused_before_it_is_read(folder):
    (folder / "history.csv").write_bytes(b"x" * 10_000_000)
    tracemalloc.start()
    try:
        refused(folder, "history.csv", "more than the", "allowed")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000, peak


def test_a_missing_file_is_named(folder):
    (folder / "trainer.npz").unlink()
    refused(folder, "trainer.npz", "missing")
    (folder / MANIFEST).unlink()  # without a manifest, a half trainer state is still refused
    refused(folder, "trainer.npz", "file not found")


def test_a_folder_saved_before_manifests_still_loads(folder, session):
    (folder / MANIFEST).unlink()
    np.testing.assert_array_equal(load_run(folder).net.params, session.net.params)


@pytest.mark.parametrize("command", [["lens", "--no-animation"], ["animate", "--out", "a.gif"]])
def test_the_command_line_prints_a_data_error_in_one_line_and_exits_2(folder, capsys,
                                                                       command, monkeypatch):
    monkeypatch.chdir(folder.parent)
    (folder / "trainer.json").write_text("[" * 5000 + "]" * 5000)
    reseal(folder)
    assert main([command[0], str(folder), *command[1:], "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("depthlens: error: ")
    assert "trainer.json" in err and "nested 5000 deep" in err


# -- any damage: a run or a DataError, never another exception nor a large allocation --------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                 max_size=3),
    max_leaves=6)
NAMES = ["config.json", "model.json", "model.npz", "history.csv", "trainer.json",
         "trainer.npz", MANIFEST]
_COUNT = itertools.count()


@st.composite
def damage(draw):
    name = draw(st.sampled_from(NAMES))
    kind = draw(st.sampled_from(["truncate", "flip", "json-value", "append", "delete",
                                 "npz-member"]))
    return name, kind, draw(st.randoms(use_true_random=False)), draw(JSON_VALUES), draw(
        st.booleans())


def _apply(folder: Path, name: str, kind: str, rnd, value, seal: bool) -> None:
    path = folder / name
    data = path.read_bytes()
    if not data:
        return
    if kind == "truncate":
        path.write_bytes(data[: rnd.randrange(len(data))])
    elif kind == "flip":
        raw = bytearray(data)
        for _ in range(rnd.randint(1, 4)):
            raw[rnd.randrange(len(raw))] ^= rnd.randint(1, 255)
        path.write_bytes(bytes(raw))
    elif kind == "append":
        path.write_bytes(data + bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 40))))
    elif kind == "delete":
        path.unlink()
    elif name.endswith(".json"):  # json-value / npz-member on a JSON file: replace a value
        try:
            spec = json.loads(data)
        except ValueError:  # damaged by an earlier change
            return
        target = spec
        while isinstance(target, dict) and target and rnd.random() < 0.6:
            key = rnd.choice(sorted(target))
            if not isinstance(target[key], dict):
                break
            target = target[key]
        if isinstance(target, dict) and target:
            target[rnd.choice(sorted(target))] = value
        else:
            spec = value
        path.write_text(json.dumps(spec))
    elif name.endswith(".npz"):  # replace one array by another shape, dtype or value
        try:
            arrays = load_npz(path)
        except Exception:  # damaged by an earlier change
            return
        key = rnd.choice(sorted(arrays))
        choices = [np.zeros((2, 3)), np.array(value, dtype=object) if value is not None
                   else np.array([]), arrays[key].astype(np.int8), np.full_like(
                       arrays[key], np.nan, dtype=np.float64), arrays[key].reshape(-1)[:1]]
        arrays[key] = rnd.choice(choices)
        try:
            path.write_bytes(npz_of(arrays))
        except ValueError:  # numpy would need to pickle it: write an npz that tries to
            buf = io.BytesIO()
            np.savez(buf, **{k: v for k, v in arrays.items() if k != key})
            path.write_bytes(buf.getvalue())
    else:  # history.csv: a cell replaced by the value's text
        rows = data.decode(errors="replace").splitlines()
        row = rnd.randrange(len(rows))
        cells = rows[row].split(",")
        cells[rnd.randrange(len(cells))] = json.dumps(value)
        rows[row] = ",".join(cells)
        path.write_text("\n".join(rows))
    if seal and name != MANIFEST and (folder / MANIFEST).is_file():
        reseal(folder)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=st.lists(damage(), min_size=1, max_size=3))
def test_any_damage_gives_a_run_or_a_data_error_and_never_a_large_allocation(template,
                                                                              tmp_path, changes):
    folder = Path(shutil.copytree(template, tmp_path / f"h{next(_COUNT)}"))
    for name, kind, rnd, value, seal in changes:
        if (folder / name).is_file():
            _apply(folder, name, kind, rnd, value, seal)
    tracemalloc.start()
    try:
        try:
            loaded = load_run(folder)
        except DataError as e:
            assert "\n" not in str(e) and e.file is not None, str(e)
        else:
            assert isinstance(loaded, Session)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50_000_000, peak
    shutil.rmtree(folder)
