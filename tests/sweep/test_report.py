"""The sweep's report.html, parsed: every figure named and embedded, the summary table's
numbers, a line per failed or diverged run."""

from __future__ import annotations

import base64
import math
from html.parser import HTMLParser

import pytest

from depthlens.sweep import report
from depthlens.sweep.results import table
from tests.sweep.test_results import record


class Page(HTMLParser):
    """Headings, images (alt, src), the summary table's rows and the problem list's items."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[str] = []
        self.images: list[tuple[str, str]] = []
        self.rows: list[list[str]] = []
        self.items: list[tuple[str, str]] = []
        self._tag: list[str] = []
        self._in_summary = False
        self._cell: list[str] | None = None
        self._item: tuple[str, list[str]] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._tag.append(tag)
        if tag == "img":
            self.images.append((a.get("alt", ""), a.get("src", "")))
        elif tag == "table" and a.get("class") == "summary":
            self._in_summary = True
        elif tag == "tr" and self._in_summary:
            self.rows.append([])
        elif tag in ("td", "th") and self._in_summary:
            self._cell = []
        elif tag == "li":
            self._item = (a.get("class", ""), [])
        elif tag == "h2":
            self._text = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._in_summary = False
        elif tag == "li" and self._item is not None:
            self.items.append((self._item[0], "".join(self._item[1]).strip()))
            self._item = None
        elif tag == "h2":
            self.headings.append("".join(self._text).strip())
        if self._tag:
            self._tag.pop()

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._item is not None:
            self._item[1].append(data)
        if self._tag and self._tag[-1] == "h2":
            self._text.append(data)


def sweep_records():
    """layers × optimizer × 3 seeds with known accuracies, one diverged, one failed run."""
    acc = {("8", "sgd"): [0.70, 0.72, 0.74], ("8", "adam"): [0.80, 0.84, 0.88],
           ("8,8", "sgd"): [0.75, 0.75, 0.75], ("8,8", "adam"): [0.90, 0.92, 0.94]}
    recs, i = [], 0
    for (layers, opt), values in acc.items():
        d = len(layers.split(","))
        for s, v in enumerate(values):
            recs.append(record(f"r{i:02d}", {"layers": layers, "optimizer": opt, "seed": s},
                               metric=v, probes=[0.5] + [0.6 + 0.1 * k for k in range(d)]
                               + [v]))
            i += 1
    recs.append(record("div1", {"layers": "8,8", "optimizer": "sgd", "seed": 3},
                       status="diverged", metric=0.75, diverged_at=17, epochs=17))
    recs.append(record("err1", {"layers": "8", "optimizer": "adam", "seed": 3}, status="error",
                       metric=None, test_loss=None, probes=[], curve={},
                       error="ValueError: lr must be positive"))
    return recs


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep")
    recs = sweep_records()
    path = report.write_report(out, table(recs), recs, axes=("layers", "optimizer"))
    parser = Page()
    parser.feed(path.read_text(encoding="utf-8"))
    return out, path, parser


def test_report_names_and_embeds_every_figure_and_writes_them_beside(page):
    out, path, p = page
    assert path == out / "report.html"
    alts = [a for a, _ in p.images]
    assert alts == ["heatmap.png", "curves.png", "probes.png"]
    for alt, src in p.images:
        assert src.startswith("data:image/png;base64,")
        data = base64.b64decode(src.split(",", 1)[1])
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert (out / alt).read_bytes() == data  # the same picture beside the page
    for heading in ("The metric over two axes", "Learning curves",
                    "How separable each layer makes the data", "Runs that failed or diverged"):
        assert heading in p.headings


def test_report_summary_table_has_the_numbers(page):
    _, _, p = page
    header, *rows = p.rows
    assert header[:5] == ["layers", "optimizer", "runs", "n", "mean"]
    by = {(r[0], r[1]): dict(zip(header, r)) for r in rows}
    assert list(by) == [("8", "sgd"), ("8", "adam"), ("8,8", "sgd"), ("8,8", "adam")]
    a = by["8", "adam"]  # 0.80, 0.84, 0.88 and a failed run
    assert (a["runs"], a["n"], a["failed"], a["diverged"]) == ("4", "3", "1", "0")
    assert float(a["mean"]) == pytest.approx(0.84)
    h = 4.302653 * 0.04 / math.sqrt(3)  # t_0.975(2)·s/√n
    assert float(a["± (95%)"]) == pytest.approx(h, rel=0.01)
    low, high = (float(v) for v in a["95% interval"].strip("[]").split(","))
    assert low == pytest.approx(0.84 - h, abs=1e-4) and high == pytest.approx(0.84 + h, abs=1e-4)
    s = by["8,8", "sgd"]  # 0.75 three times and a diverged run at 0.75
    assert (s["runs"], s["n"], s["diverged"]) == ("4", "4", "1")
    assert float(s["mean"]) == pytest.approx(0.75) and float(s["std"]) == 0.0


def test_report_has_a_line_per_failed_or_diverged_run(page):
    _, _, p = page
    assert p.items == [
        ("diverged", "div1 (layers=8,8, optimizer=sgd, seed=3): diverged at epoch 17"),
        ("error", "err1 (layers=8, optimizer=adam, seed=3): error: ValueError: lr must be "
                  "positive")]


def test_report_with_every_run_fine_says_so_and_escapes_text(tmp_path):
    recs = [record(f"r{s}", {"layers": "<b>8</b>", "seed": s}, metric=0.8 + s / 100)
            for s in range(2)]
    path = report.write_report(tmp_path, table(recs), recs, title="a <script> sweep",
                               lead="**spiral**: depth <helps>.\n\nAs a `depthlens sweep`.")
    text = path.read_text(encoding="utf-8")
    assert "<p><strong>spiral</strong>: depth &lt;helps&gt;.</p>" in text
    assert "<p>As a <code>depthlens sweep</code>.</p>" in text
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "<b>8</b>" not in text
    assert "None: every run finished." in text
    p = Page()
    p.feed(text)
    assert [a for a, _ in p.images] == ["heatmap.png", "curves.png", "probes.png"]
    assert p.items == []
