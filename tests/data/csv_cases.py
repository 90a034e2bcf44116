"""Generated CSV files with exactly one bad cell, and where that cell is (shared by the loader's
tests and the upload's: both read files with the same parser, so both must name the same cell).

The files vary what line numbering has to get right: LF or CRLF line ends, blank (or
whitespace-only) lines, spaces around cells, a byte-order mark, and quoted numeric cells that
span two physical lines.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

FEATURE_BAD = ["abc", "nan", "inf", "-inf", "", "1..2", "-", "1,5"]
"""Cells a feature column refuses (``"1,5"`` is written quoted: one cell, not two)."""
TARGET_BAD = ["", "nan", "inf"]
"""Cells a numeric target column refuses (a text target would just be a class)."""


@dataclass(frozen=True)
class BadCell:
    body: bytes
    line: int  # the physical line the bad cell's row starts on
    column: str
    value: str  # the cell as the parser sees it (stripped)


def _number(draw: st.DrawFn) -> str:
    v = draw(st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, width=32))
    return repr(float(v))


@st.composite
def bad_cell_files(draw: st.DrawFn, max_inputs: int = 3) -> BadCell:
    """A CSV file (bytes) of ``d`` numeric inputs and an integer target with one bad cell."""
    d = draw(st.integers(1, max_inputs), label="inputs")
    n = draw(st.integers(4, 12), label="rows")
    names = [f"in{k}" for k in range(d)] + ["target"]
    i = draw(st.integers(0, n - 1), label="bad row")
    j = draw(st.integers(0, d), label="bad column")
    bad = draw(st.sampled_from(TARGET_BAD if j == d else FEATURE_BAD), label="bad cell")
    eol = draw(st.sampled_from(["\n", "\r\n"]), label="line end")

    line = 1
    out = ["\ufeff" if draw(st.booleans()) else ""]

    def blanks() -> None:
        nonlocal line
        for _ in range(draw(st.integers(0, 2))):
            out.append(draw(st.sampled_from(["", "  ", " \t"])) + eol)
            line += 1

    blanks()
    out.append(",".join(names) + eol)
    line += 1
    bad_line = 0
    for r in range(n):
        blanks()
        if r == i:
            bad_line = line
        cells = []
        spans = 0
        for k in range(d + 1):
            cell = bad if (r, k) == (i, j) else (str(r % 2) if k == d else _number(draw))
            if "," in cell:
                cell = f'"{cell}"'
            elif (r, k) != (i, j) and draw(st.integers(0, 5)) == 0:
                cell = f'"{cell}{eol}"'  # a quoted cell over two lines: still a number
                spans += 1
            elif draw(st.integers(0, 3)) == 0:
                cell = f" {cell} "
            cells.append(cell)
        out.append(",".join(cells) + eol)
        line += 1 + spans
    return BadCell("".join(out).encode(), bad_line, names[j], bad)
