"""The results table of a sweep: records read back, flattened in the schema's order, written
whole, summarized with Student-t intervals over seeds."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from depthlens.errors import DataError
from depthlens.sweep import results
from depthlens.sweep.results import COLUMNS, read_records, summarize, table, write


def record(run: str, params: dict[str, Any], *, status: str = "ok", metric: float | None = 0.9,
           test_loss: float | None = 0.3, probes: list[float] | None = None,
           curve: dict[str, list] | None = None, epochs: int = 10,
           finished_at: str = "2026-12-03T18:00:00Z", error: str | None = None,
           diverged_at: int | None = None) -> dict[str, Any]:
    """A run record in the schema's shape (tests/sweep: the figures and the report use it)."""
    if curve is None:
        curve = {"epoch": list(range(1, epochs + 1)),
                 "train_loss": [1.0 / e for e in range(1, epochs + 1)],
                 "test_loss": [1.1 / e for e in range(1, epochs + 1)],
                 "test_metric": [0.5] * epochs}
    return {
        "id": run, "config": {"layers": [8]}, "params": params, "status": status,
        "error": error, "metric": "accuracy", "epochs": epochs,
        "final": {"train_loss": None if test_loss is None else test_loss * 0.9,
                  "test_loss": test_loss, "test_metric": metric},
        "best": {"test_loss": test_loss, "test_metric": metric, "epoch_test_loss": epochs,
                 "epoch_test_metric": epochs},
        "target": None, "target_epoch": None, "diverged_at": diverged_at,
        "probes": [0.5, 0.7, 0.9] if probes is None else probes, "curve": curve,
        "n_params": 41, "wall_seconds": 0.5, "worker": "local", "finished_at": finished_at,
        "depthlens": "0.1.0",
    }


def write_records(out: Path, records: list[dict[str, Any]]) -> None:
    (out / "runs").mkdir(parents=True, exist_ok=True)
    for r in records:
        (out / "runs" / f"{r['id']}.json").write_text(json.dumps(r), encoding="utf-8")


# -- table --------------------------------------------------------------------------------------
def test_table_columns_in_schema_order_seed_last_probes_padded():
    recs = [record("a1", {"seed": 0, "layers": "8", "optimizer": "sgd"}, probes=[0.5, 0.9]),
            record("b2", {"layers": "8,8", "seed": 1, "lr": 0.1}, probes=[0.5, 0.8, 0.95, 1.0]),
            record("c3", {"layers": "8", "seed": 2}, status="error", metric=None,
                   test_loss=None, probes=[], error="ValueError: bad")]
    df = table(recs)
    assert list(df.columns) == ["id", "layers", "optimizer", "lr", "seed", *COLUMNS,
                                "probe_0", "probe_1", "probe_2", "probe_3"]
    assert list(df["id"]) == ["a1", "b2", "c3"]  # the order given, not sorted
    assert df.loc[0, "probe_1"] == 0.9 and math.isnan(df.loc[0, "probe_2"])
    assert df.loc[1, "probe_3"] == 1.0
    assert df.loc[2, ["probe_0", "probe_3"]].isna().all()
    assert math.isnan(df.loc[2, "final_test_metric"]) and df.loc[2, "error"] == "ValueError: bad"
    assert df.loc[0, "optimizer"] == "sgd" and pd.isna(df.loc[1, "optimizer"])
    assert df.loc[1, "final_test_loss"] == 0.3 and df.loc[1, "epochs"] == 10
    assert df["final_test_metric"].dtype == np.float64


def test_table_list_axis_values_become_text_so_they_group():
    df = table([record("a", {"layers": [8, 8], "seed": 0}), record("b", {"layers": [8, 8],
                                                                        "seed": 1})])
    assert list(df["layers"]) == ["8,8", "8,8"]
    assert summarize(df, ["layers"])["n"].tolist() == [2]


def test_table_refuses_a_record_without_params_naming_it():
    bad = record("x", {"seed": 0})
    del bad["params"]
    with pytest.raises(DataError, match="record 1 x: 'params'") as e:
        table([record("a", {"seed": 0}), bad])
    assert e.value.field == "params"


def test_empty_table_has_the_fixed_columns():
    assert list(table([]).columns) == ["id", *COLUMNS]


_axis = st.sampled_from(["layers", "optimizer", "lr", "batch_size"])
_value = st.one_of(st.integers(-5, 50), st.sampled_from(["8", "8,8", "adam", "sgd"]),
                   st.floats(0.001, 1.0))
_num = st.one_of(st.none(), st.floats(0, 10, allow_nan=False))


@st.composite
def records_strategy(draw: st.DrawFn) -> list[dict[str, Any]]:
    n = draw(st.integers(0, 8))
    out = []
    for i in range(n):
        params = draw(st.dictionaries(_axis, _value, max_size=3))
        params["seed"] = draw(st.integers(0, 9))
        r = record(f"r{i:03d}", params, status=draw(st.sampled_from(results.STATUSES)),
                   metric=draw(_num), test_loss=draw(_num),
                   probes=draw(st.lists(st.floats(0, 1), max_size=6)))
        out.append(r)
    return out


@settings(max_examples=60, deadline=None)
@given(records_strategy())
def test_table_property_one_row_per_record_schema_order_nan_for_missing_probes(recs):
    df = table(recs)
    assert len(df) == len(recs)
    assert list(df["id"]) == [r["id"] for r in recs]
    axes = list(dict.fromkeys(k for r in recs for k in r["params"] if k != "seed"))
    k = max((len(r["probes"]) for r in recs), default=0)
    expected = ["id", *axes, *(["seed"] if recs else []), *COLUMNS,
                *[f"probe_{j}" for j in range(k)]]
    assert list(df.columns) == expected
    for i, r in enumerate(recs):
        row = df.iloc[i]
        for j in range(k):
            v = row[f"probe_{j}"]
            if j < len(r["probes"]):
                assert v == r["probes"][j]
            else:
                assert math.isnan(v)
        for a in axes:
            assert pd.isna(row[a]) if a not in r["params"] else row[a] == r["params"][a]
        m = r["final"]["test_metric"]
        assert math.isnan(row["final_test_metric"]) if m is None else row["final_test_metric"] == m


# -- reading and writing ------------------------------------------------------------------------
def test_read_records_skips_temp_files_and_names_a_corrupt_one(tmp_path):
    recs = [record("b", {"seed": 1}, finished_at="2026-12-03T18:00:02Z"),
            record("a", {"seed": 0}, finished_at="2026-12-03T18:00:01Z")]
    write_records(tmp_path, recs)
    runs = tmp_path / "runs"
    (runs / ".c.json.abc.tmp").write_text("{half", encoding="utf-8")  # a write under way
    (runs / "d.json").write_text('{"id": "d", "par', encoding="utf-8")  # cut short
    (runs / "notes.txt").write_text("hello", encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = read_records(tmp_path)
    assert [r["id"] for r in got] == ["a", "b"]  # by finishing time
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and "d.json" in messages[0] and "skipped" in messages[0]


def test_read_records_of_a_missing_folder_is_empty(tmp_path):
    assert read_records(tmp_path / "nothing") == []


def test_write_csv_and_parquet_round_trip(tmp_path):
    recs = [record("a", {"layers": "8", "seed": 0}, probes=[0.5, 0.9]),
            record("b", {"layers": 8, "seed": 1}, probes=[0.5, 0.8, 1.0])]  # mixed types
    paths = write(tmp_path, recs)
    assert [p.name for p in paths] == ["results.csv", "results.parquet"]
    csv = pd.read_csv(tmp_path / "results.csv")
    assert list(csv.columns) == list(table(recs).columns)
    assert csv["probe_1"].tolist() == [0.9, 0.8] and math.isnan(csv.loc[0, "probe_2"])
    pq = pd.read_parquet(tmp_path / "results.parquet")
    assert list(pq["id"]) == ["a", "b"] and list(pq["layers"]) == ["8", "8"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_write_leaves_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    write(tmp_path, [record("a", {"seed": 0})])
    before = (tmp_path / "results.csv").read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(OSError, match="disk full"):
        write(tmp_path, [record("a", {"seed": 0}), record("b", {"seed": 1})])
    assert (tmp_path / "results.csv").read_bytes() == before  # csv not replaced either


def test_write_without_pyarrow_writes_csv_and_drops_a_stale_parquet(tmp_path, monkeypatch):
    import builtins

    write(tmp_path, [record("a", {"seed": 0})])
    real = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name == "pyarrow" or name.startswith("pyarrow."):
            raise ImportError("no pyarrow")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    paths = write(tmp_path, [record("a", {"seed": 0}), record("b", {"seed": 1})])
    monkeypatch.undo()
    assert [p.name for p in paths] == ["results.csv"]
    assert not (tmp_path / "results.parquet").exists()
    assert len(pd.read_csv(tmp_path / "results.csv")) == 2


# -- summaries ----------------------------------------------------------------------------------
def test_summarize_mean_std_and_student_t_interval():
    values = {"8": [0.80, 0.84, 0.88], "8,8": [0.90, 0.94], "4": [0.7]}
    recs, i = [], 0
    for layers, vs in values.items():
        for s, v in enumerate(vs):
            recs.append(record(f"r{i}", {"layers": layers, "seed": s}, metric=v))
            i += 1
    recs.append(record("err", {"layers": "8", "seed": 9}, status="error", metric=None))
    out = summarize(table(recs), ["layers"])
    assert out["layers"].tolist() == ["8", "8,8", "4"]  # the grid's order
    a = out.iloc[0]
    assert (a["runs"], a["n"], a["failed"]) == (4, 3, 1)
    assert a["mean"] == pytest.approx(0.84)
    assert a["std"] == pytest.approx(0.04)
    # t_0.975(2) = 4.302653: h = 4.302653 * 0.04 / sqrt(3)
    assert a["ci95"] == pytest.approx(4.302653 * 0.04 / math.sqrt(3), rel=1e-6)
    assert a["ci95_low"] == pytest.approx(0.84 - a["ci95"])
    b = out.iloc[1]  # t_0.975(1) = 12.706205
    assert b["ci95"] == pytest.approx(12.706205 * np.std([0.9, 0.94], ddof=1) / math.sqrt(2),
                                      rel=1e-6)
    c = out.iloc[2]
    assert c["n"] == 1 and c["mean"] == pytest.approx(0.7)
    assert math.isnan(c["std"]) and math.isnan(c["ci95"])


def test_summarize_two_axes_and_a_bad_column():
    recs = [record(f"r{s}{o}", {"layers": "8", "optimizer": o, "seed": s}, metric=0.5 + s / 10)
            for o in ("sgd", "adam") for s in range(2)]
    out = summarize(table(recs), ["layers", "optimizer"], value="final_test_loss")
    assert out[["layers", "optimizer"]].values.tolist() == [["8", "sgd"], ["8", "adam"]]
    assert out["n"].tolist() == [2, 2]
    with pytest.raises(DataError, match="'depth' is not a column"):
        summarize(table(recs), ["depth"])


def test_a_real_run_record_makes_a_row():
    from depthlens.experiment.config import Config
    from depthlens.sweep.record import run_record

    config = Config(dataset="xor", layers=(4,), epochs=3, seed=0)
    df = table([run_record(config, {"layers": "4", "seed": 0})])
    assert df.loc[0, "status"] == "ok" and df.loc[0, "epochs"] == 3
    assert 0 <= df.loc[0, "final_test_metric"] <= 1
    assert results.probe_columns(df) == ["probe_0", "probe_1", "probe_2"]
