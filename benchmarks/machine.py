"""What every benchmark script shares: the machine's description and RESULTS.md sections.

``run.py`` owns RESULTS.md as a whole; other scripts (``lab.py``, ``web.py``) each own one
section between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``, which ``write_section``
replaces (or appends) and ``run.py`` carries over when it rewrites the file.
"""

from __future__ import annotations

import datetime
import os
import platform
from pathlib import Path


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo ('unknown' where there is none)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def load_average() -> str:
    load = os.getloadavg()
    return f"{load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}"


def machine_lines(versions: str) -> list[str]:
    """Markdown bullets: the date (UTC), the CPU with its load, Python and ``versions``."""
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    return [
        f"- Date: {now}",
        f"- CPU: {cpu_name()}, {os.cpu_count()} cores; load average at the start "
        f"{load_average()}",
        f"- Python {platform.python_version()}, {versions}",
    ]


def markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def write_section(path: Path, name: str, lines: list[str]) -> None:
    """Put ``lines`` between the ``name`` markers of ``path``, replacing what was there, or
    append them (with the markers) when the file has no such section."""
    start, end = markers(name)
    section = "\n".join([start, *lines, end])
    text = path.read_text() if path.exists() else ""
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)
