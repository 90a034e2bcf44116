"""A sweep's folder: one small JSON file per finished run, each written atomically.

    OUT/sweep.json        the spec (grid.SweepSpec.to_dict), written when the sweep starts
    OUT/runs/<id>.json    one record per finished run (record.py), written whole or not at all
    OUT/results.csv       the table (results.py), rewritten at the end

A record is written by ``files.write_text``: a temporary file ``.<id>.json.XXXX.tmp`` beside
it, fsynced, then renamed over the name, so a kill at any moment leaves the record whole or
absent; ``scan`` ignores the temporary files (their names start with a dot). A record that
does not parse, or is not a record of the run its name says, is reported as corrupt and its
run is run again. A record with status "error" is not *done*: an error is most often the
place (a file missing on one worker, a worker lost), so a rerun tries it again; "ok" and
"diverged" are results and are kept.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from depthlens.errors import ConfigError
from depthlens.files import write_text
from depthlens.sweep.record import STATUSES

RUNS = "runs"
SPEC = "sweep.json"
DONE = ("ok", "diverged")
"""Statuses of a run that a rerun skips."""
MAX_RECORD_BYTES = 4 << 20


def record_path(out: str | os.PathLike[str], run_id: str) -> Path:
    return Path(out) / RUNS / f"{run_id}.json"


def write_record(out: str | os.PathLike[str], record: dict[str, Any]) -> Path:
    """Write ``record`` to ``OUT/runs/<id>.json`` atomically; return the path."""
    path = record_path(out, record["id"])
    write_text(path, json.dumps(record, indent=1, allow_nan=False) + "\n")
    return path


@dataclass
class Scan:
    """What a sweep folder holds: every readable record by id, and the corrupt files."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    corrupt: list[tuple[Path, str]] = field(default_factory=list)

    @property
    def done(self) -> set[str]:
        """Ids whose runs a rerun skips (status ok or diverged)."""
        return {k for k, r in self.records.items() if r.get("status") in DONE}


def _check(path: Path, data: Any) -> str | None:
    """Why ``data`` is not the record its file name says (None when it is)."""
    if not isinstance(data, dict):
        return "not a JSON object"
    if data.get("id") != path.stem:
        return f"its id {data.get('id')!r} is not its file name's"
    if data.get("status") not in STATUSES:
        return f"status {data.get('status')!r} is not one of {', '.join(STATUSES)}"
    if not isinstance(data.get("config"), dict) or not isinstance(data.get("params"), dict):
        return "no config or params object"
    return None


def scan(out: str | os.PathLike[str]) -> Scan:
    """Read every record in ``OUT/runs`` (temporary files ignored, corrupt ones reported)."""
    found = Scan()
    folder = Path(out) / RUNS
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except FileNotFoundError:
        return found
    for entry in entries:
        if entry.name.startswith(".") or not entry.name.endswith(".json"):
            continue
        path = Path(entry.path)
        try:
            if entry.stat().st_size > MAX_RECORD_BYTES:
                raise ValueError(f"larger than {MAX_RECORD_BYTES} bytes")
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:  # JSONDecodeError and UnicodeDecodeError too
            found.corrupt.append((path, f"not a readable record ({type(e).__name__}: {e})"))
            continue
        problem = _check(path, data)
        if problem:
            found.corrupt.append((path, problem))
        else:
            found.records[path.stem] = data
    return found


def done_ids(out: str | os.PathLike[str]) -> set[str]:
    """Ids of the runs already done in ``out`` (``Scan.done``)."""
    return scan(out).done


def write_spec(out: str | os.PathLike[str], spec: dict[str, Any]) -> Path:
    """Write the sweep's spec to ``OUT/sweep.json``; a folder holding a sweep with another
    target is refused (its records' target epochs answer another question)."""
    path = Path(out) / SPEC
    if path.is_file():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        if isinstance(old, dict) and old.get("target") != spec.get("target"):
            raise ConfigError("target", spec.get("target"),
                              f"the target of the sweep already in {out} ({old.get('target')}), "
                              "or another --out folder")
    write_text(path, json.dumps(spec, indent=2) + "\n")
    return path


__all__ = ["DONE", "RUNS", "SPEC", "Scan", "done_ids", "record_path", "scan", "write_record",
           "write_spec"]
