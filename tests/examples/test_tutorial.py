"""docs/tutorial.md runs as written: its python blocks, in order, in a scratch folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "tutorial.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def blocks() -> list[str]:
    return BLOCK.findall(TUTORIAL.read_text(encoding="utf-8"))


def test_the_tutorial_has_about_a_dozen_lines_of_code():
    code = [line for b in blocks() for line in b.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]
    assert len(blocks()) >= 4
    assert len(code) <= 16, code


def test_the_tutorial_runs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    scope: dict = {"__name__": "__tutorial__"}
    for i, code in enumerate(blocks()):
        try:
            exec(compile(code, f"{TUTORIAL.name} block {i + 1}", "exec"), scope)
        except Exception as e:  # pragma: no cover - the message names the block
            pytest.fail(f"block {i + 1} of {TUTORIAL}: {type(e).__name__}: {e}")
    import matplotlib.pyplot as plt

    plt.close(scope["strip"])  # the tutorial's figure, left open as a reader would leave it
    out = capsys.readouterr().out
    assert "test_accuracy" in out
    assert "rotate" in out and "bend" in out  # the captions of the five operations
    assert scope["session"].metrics()["test_accuracy"] >= 0.95
    with Image.open(tmp_path / "strip.png") as im:
        assert im.size[0] > 300
    with Image.open(tmp_path / "forward.gif") as gif:
        assert gif.n_frames > 20
    assert "image/gif" in scope["movie"]._repr_html_()
