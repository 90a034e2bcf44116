"""What every worked example shares: its result record, the files it writes, a time budget.

An example's ``run(...)`` returns an :class:`ExampleResult`: its numbers (the ones its test
checks and its page quotes), a short explanation in markdown with those numbers filled in, and
its pictures as PNG bytes. ``ExampleResult.write(folder)`` writes, all prefixed with the example's
name so that one folder (``docs/examples/``) can hold every example:

    NAME.png (and NAME-PART.png)   the pictures
    NAME.md                        the page: explanation, pictures, a table of the numbers
    NAME.json                      the numbers

In a notebook the result shows itself (``_repr_html_``: the page with its pictures inline).
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import json
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from depthlens.files import write_bytes, write_text

if TYPE_CHECKING:
    import matplotlib.pyplot as plt

DPI = 80
"""Resolution of the pictures the examples write (small enough for docs/: ≤ ~150 KB each)."""

Number = float | int | str | bool


def png(fig: plt.Figure, dpi: int = DPI, palette: bool = True) -> bytes:
    """The figure as PNG bytes (no metadata); closes the figure.

    ``palette``: store it with a 256-colour palette (Pillow's quantizer), which keeps the
    pictures in docs/ to a third of their size with no visible change for plots like these."""
    from depthlens.draw.stage_axes import png_bytes

    data = png_bytes(fig, dpi=dpi)
    if not palette:
        return data
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.FASTOCTREE,
                                           dither=Image.Dither.NONE)
        buf = io.BytesIO()
        small.save(buf, format="PNG", optimize=True)
    return buf.getvalue() if buf.tell() < len(data) else data


@dataclass
class ExampleResult:
    """One example's outcome.

    Attributes:
        name: the example's command name ('regression', 'two-curves', …).
        title: the page's title.
        numbers: every number the example measured (JSON types), by name.
        text: the explanation in markdown, numbers filled in (the page without its header,
            pictures and table).
        pictures: PNG bytes by part name; '' is the main picture (file ``NAME.png``), any other
            part ``p`` is written as ``NAME-p.png``.
        objects: what a notebook user may want to go on with (sessions, networks), not written.
        command: the command line that makes this result.
    """

    name: str
    title: str
    numbers: dict[str, Number]
    text: str
    pictures: dict[str, bytes] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)
    command: str = ""

    # -- files --------------------------------------------------------------------------------
    def picture_name(self, part: str = "") -> str:
        """File name of a picture part: ``NAME.png`` or ``NAME-PART.png``."""
        return f"{self.name}.png" if not part else f"{self.name}-{part}.png"

    def markdown(self) -> str:
        """The example's page: title, command, pictures, explanation and the numbers."""
        lines = [f"# {self.title}", "", f"`{self.command or 'depthlens example ' + self.name}`",
                 ""]
        for part in self.pictures:
            lines += [f"![{self.title}]({self.picture_name(part)})", ""]
        lines += [self.text.strip(), "", "## The numbers", "", "| name | value |",
                  "|---|---|"]
        lines += [f"| {k} | {format_number(v)} |" for k, v in self.numbers.items()]
        lines += ["", f"Written by `depthlens example {self.name} --out docs/examples`; "
                  f"`{self.name}.json` beside this page has the same numbers.", ""]
        return "\n".join(lines)

    def write(self, folder: str | Path) -> dict[str, Path]:
        """Write the pictures, ``NAME.md`` and ``NAME.json`` into ``folder``; return the paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        out: dict[str, Path] = {}
        for part, data in self.pictures.items():
            path = folder / self.picture_name(part)
            write_bytes(path, data)
            out[path.name] = path
        page = folder / f"{self.name}.md"
        write_text(page, self.markdown())
        out[page.name] = page
        numbers = folder / f"{self.name}.json"
        write_text(numbers, json.dumps(self.numbers, indent=2, default=str) + "\n")
        out[numbers.name] = numbers
        return out

    # -- notebooks ----------------------------------------------------------------------------
    def _repr_html_(self) -> str:
        """The page with its pictures inline (Jupyter)."""
        parts = [f"<h3>{html.escape(self.title)}</h3>"]
        for data in self.pictures.values():
            uri = base64.b64encode(data).decode("ascii")
            parts.append(f'<img src="data:image/png;base64,{uri}" style="max-width:100%">')
        for para in self.text.strip().split("\n\n"):
            parts.append(f"<p>{html.escape(para)}</p>")
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{html.escape(format_number(v))}</td>"
                       f"</tr>" for k, v in self.numbers.items())
        parts.append(f"<table>{rows}</table>")
        return "\n".join(parts)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={format_number(v)}" for k, v in list(self.numbers.items())[:6])
        return f"ExampleResult({self.name}: {shown}{', …' if len(self.numbers) > 6 else ''})"


def finish(name: str, title: str, numbers: dict[str, Any], start: float,
           explain: Callable[[dict[str, Any]], str], pictures: dict[str, bytes],
           objects: dict[str, Any]) -> ExampleResult:
    """The usual end of an example: time it since ``start``, round the numbers, write the
    explanation from them and name the command that makes it."""
    numbers["elapsed_s"] = time.perf_counter() - start
    numbers = rounded(numbers)
    return ExampleResult(name, title, numbers, explain(numbers), pictures, objects,
                         command=f"depthlens example {name}")


def format_number(v: Number) -> str:
    """A number as the pages print it: floats to 4 significant digits."""
    if isinstance(v, bool) or not isinstance(v, float):
        return str(v)
    if math.isnan(v):
        return "n/a"
    return f"{v:.4g}"


# -- time ---------------------------------------------------------------------------------------
class Deadline:
    """A time budget: ``expired`` once ``seconds`` have passed since it was made (never if None).
    """

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.start = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    @property
    def expired(self) -> bool:
        return self.seconds is not None and self.elapsed >= self.seconds


@contextlib.contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    """Limit the BLAS library to ``n`` threads inside the block (no limit if None).

    Per-sample SGD on a wide network multiplies a row by a matrix: work too small to split,
    where a second thread only adds synchronisation (measured: 2.6 ms a step with one OpenBLAS
    thread against 5.3 ms with two). Uses ``threadpoolctl`` (installed with scikit-learn); without
    it the block runs unchanged.
    """
    if n is None:
        yield
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        yield
        return
    with threadpool_limits(limits=n, user_api="blas"):
        yield


def significant(v: float, digits: int = 5) -> float:
    """``v`` rounded to ``digits`` significant digits."""
    return float(f"{v:.{digits}g}") if math.isfinite(v) else v


def rounded(d: dict[str, Any], digits: int = 5) -> dict[str, Number]:
    """Floats rounded to ``digits`` significant digits for the JSON file and the page; numpy
    scalars made plain; other values unchanged."""
    out: dict[str, Number] = {}
    for k, v in d.items():
        if hasattr(v, "item") and not isinstance(v, float | int | str | bool):
            v = v.item()  # numpy scalar
        out[k] = significant(v, digits) if isinstance(v, float) else v
    return out
