"""The sweep folder: one atomic JSON per run; what is done; corrupt files run again."""

from __future__ import annotations

import json

import pytest

from depthlens.errors import ConfigError
from depthlens.experiment.config import Config
from depthlens.sweep.record import error_record, run_record
from depthlens.sweep.store import done_ids, record_path, scan, write_record, write_spec

TINY = Config(dataset="xor", n_samples=100, layers=(3,), epochs=2)


def test_written_records_are_read_back_and_done(tmp_path):
    a = run_record(TINY, {"seed": 0})
    b = run_record(TINY.replace(seed=1), {"seed": 1})
    for rec in (a, b):
        write_record(tmp_path, rec)
    assert record_path(tmp_path, a["id"]).is_file()
    found = scan(tmp_path)
    assert found.records == {a["id"]: a, b["id"]: b} and found.corrupt == []
    assert done_ids(tmp_path) == {a["id"], b["id"]}
    assert done_ids(tmp_path / "nowhere") == set()


def test_temporary_files_are_ignored_and_corrupt_ones_reported(tmp_path):
    a = run_record(TINY)
    write_record(tmp_path, a)
    runs = tmp_path / "runs"
    (runs / f".{a['id']}x.json.abc.tmp").write_text('{"half": ')  # a write under way
    (runs / "0123456789abcdef.json").write_text('{"id": "0123456789abcdef", "sta')  # torn
    other = dict(a, id="fedcba9876543210")
    (runs / "aaaaaaaaaaaaaaaa.json").write_text(json.dumps(other))  # not its file's record
    found = scan(tmp_path)
    assert set(found.records) == {a["id"]}
    assert sorted(p.name for p, _ in found.corrupt) == ["0123456789abcdef.json",
                                                         "aaaaaaaaaaaaaaaa.json"]
    assert "id 'fedcba9876543210'" in dict((p.name, w) for p, w in found.corrupt)[
        "aaaaaaaaaaaaaaaa.json"]


def test_an_error_record_is_not_done(tmp_path):
    rec = error_record(TINY, {"seed": 0}, None, "KilledWorker: lost")
    write_record(tmp_path, rec)
    assert scan(tmp_path).records[rec["id"]]["status"] == "error"
    assert done_ids(tmp_path) == set()


def test_a_failed_write_leaves_the_old_record(tmp_path):
    rec = run_record(TINY)
    write_record(tmp_path, rec)
    with pytest.raises(ValueError):  # NaN is refused before anything is renamed
        write_record(tmp_path, dict(rec, wall_seconds=float("nan")))
    assert scan(tmp_path).records[rec["id"]] == rec
    assert [p.name for p in (tmp_path / "runs").iterdir()] == [f"{rec['id']}.json"]


def test_the_spec_is_written_and_another_target_refused(tmp_path):
    write_spec(tmp_path, {"grid": {}, "target": None})
    write_spec(tmp_path, {"grid": {"lr": [0.1]}, "target": None})  # more axes: fine
    assert json.loads((tmp_path / "sweep.json").read_text())["grid"] == {"lr": [0.1]}
    with pytest.raises(ConfigError) as e:
        write_spec(tmp_path, {"grid": {}, "target": {"metric": "test_loss", "value": 0.1}})
    assert e.value.field == "target"
