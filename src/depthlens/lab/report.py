"""A self-contained report.html for a lab: every picture embedded as a data URI, with the
tables and a paragraph per picture (the style of ``depthlens.draw.report``)."""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from depthlens.files import write_text

REPORT = "report.html"


@dataclass
class Section:
    """A heading, a paragraph, pictures (file names in the folder) and optional HTML below."""

    heading: str
    text: str
    files: list[str] = field(default_factory=list)
    after: str = ""


def data_uri(path: Path) -> str:
    """The file as a base64 data URI (PNG or GIF)."""
    mime = "image/gif" if path.suffix.lower() == ".gif" else "image/png"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def fmt(v: object) -> str:
    """A table cell: floats with 4 significant digits, None as '–', text escaped."""
    if v is None:
        return "–"
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        if math.isinf(v):
            return "∞"
        return f"{v:.4g}"
    return html.escape(str(v))


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """An HTML table."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{fmt(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; color: #222; max-width: 1200px; margin: 2em auto;
       padding: 0 1em; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 2em; }
img { max-width: 100%; border: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.7em; text-align: right; }
th { background: #f4f5f6; }
pre { background: #f4f5f6; padding: 0.8em; overflow-x: auto; font-size: 13px; }
.lead { color: #555; } .file { color: #888; font-size: 0.85em; }
"""


def report_html(folder: str | Path, title: str, lead: str, sections: Sequence[Section],
                settings: str = "") -> str:
    """The page: title, lead paragraph, the settings (preformatted), then every section whose
    files exist in ``folder``."""
    folder = Path(folder)
    parts = []
    for s in sections:
        imgs = "".join(
            f'<img src="{data_uri(folder / f)}" alt="{html.escape(f)}">'
            f'<p class="file">{html.escape(f)}</p>'
            for f in s.files if (folder / f).is_file())
        parts.append(f"<section><h2>{html.escape(s.heading)}</h2><p>{html.escape(s.text)}</p>"
                     f"{imgs}{s.after}</section>")
    extra = f"<h2>Settings</h2><pre>{html.escape(settings)}</pre>" if settings else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="lead">{html.escape(lead)}</p>
{extra}
{''.join(parts)}
</body></html>
"""


def write_report(folder: str | Path, title: str, lead: str, sections: Sequence[Section],
                 settings: str = "") -> Path:
    """Write ``report.html`` into ``folder`` (atomically); return its path."""
    path = Path(folder) / REPORT
    write_text(path, report_html(folder, title, lead, sections, settings))
    return path
