"""docs/notebooks/tutorial.ipynb, executed top to bottom in a real IPython kernel (nbclient).

The notebook trains a Session, draws the five operations of its hidden layer, shows
``dl.Playground(session)``, trains a torch model and draws its lens pictures with
``dl.explain``; its last cell plays the widget's front end (calls the widget's own handler
with ``{"kind": "open"}`` and a step, counting what the widget sends) and prints a JSON line.
The test reads the executed notebook's outputs and the kernel's stored widget state.
"""

from __future__ import annotations

import base64
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "notebooks" / "tutorial.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def outputs(cell: Any) -> list[Any]:
    return list(cell.get("outputs", []))


def png_size(data: str) -> tuple[int, int]:
    """Width and height of a base64 PNG output (decoded by Pillow: a real image)."""
    from PIL import Image

    with Image.open(io.BytesIO(base64.b64decode(data))) as image:
        image.load()
        return image.size


def cell_with(nb: Any, text: str) -> Any:
    """The one code cell whose source contains ``text``."""
    found = [c for c in nb.cells if c.cell_type == "code" and text in c.source]
    assert len(found) == 1, text
    return found[0]


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """The notebook executed in a fresh kernel (the venv's: kernelspec python3, whose
    ``python`` jupyter_client replaces by ``sys.executable``), its working directory a tmp
    folder; widget state stored as a front end would save it. A cell's error is kept as its
    output (``allow_errors``) so each test below fails on what it checks."""
    folder = tmp_path_factory.mktemp("notebook")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=180, kernel_name="python3",
                                     resources={"metadata": {"path": str(folder)}},
                                     store_widget_state=True, allow_errors=True)
    client.execute()
    return nb, folder


def test_the_file_is_committed_with_outputs_cleared() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert len(code) >= 5
    assert all(not c.outputs and c.execution_count is None for c in code)


def test_every_cell_runs_without_error(executed: tuple[Any, Path]) -> None:
    nb, _ = executed
    errors = [f"{o.ename}: {o.evalue}" for c in nb.cells for o in outputs(c)
              if o.output_type == "error"]
    assert errors == []
    assert all(c.execution_count is not None for c in nb.cells if c.cell_type == "code")


def test_the_five_operations_are_drawn(executed: tuple[Any, Path]) -> None:
    """The layer's captions are printed (every one of the five operations is named) and the
    picture of its steps is a PNG of several panels' width."""
    nb, _ = executed
    cell = cell_with(nb, "decompose(")
    text = "".join(o.get("text", "") for o in outputs(cell) if o.output_type == "stream")
    for word in ("rotate", "scale", "lift 2-D into 3-D", "translate", "bend by tanh"):
        assert word in text
    pngs = [o.data["image/png"] for o in outputs(cell) if "image/png" in o.get("data", {})]
    assert len(pngs) == 1
    width, height = png_size(pngs[0])
    assert width > 3 * height > 200


def test_the_widget_model_is_created_and_its_frames_flow(executed: tuple[Any, Path]) -> None:
    """The widget cell displays a widget view whose model the kernel created (in the stored
    widget state, as anywidget's Playground); the last cell's front end got hello's frames
    (thumbnails, data, the Session's frame) and a stepped frame 5 epochs on, and the widget
    trained the notebook's own Session."""
    nb, _ = executed
    views = [o.data[WIDGET_VIEW] for o in outputs(cell_with(nb, "dl.Playground(session)"))
             if WIDGET_VIEW in o.get("data", {})]
    assert len(views) == 1
    model_id = views[0]["model_id"]
    state = nb.metadata["widgets"][WIDGET_STATE]["state"]
    assert model_id in state
    assert state[model_id]["model_name"] == "AnyModel"
    assert state[model_id]["state"]["_anywidget_id"] == "depthlens.notebook.widget.Playground"
    assert "heatmap.js" in state[model_id]["state"]["_modules"]

    check = cell_with(nb, "counting_send")
    lines = [o.text for o in outputs(check) if o.output_type == "stream"]
    assert lines, "the check cell printed nothing (its error: test_every_cell_runs_…)"
    report = json.loads("".join(lines).strip().splitlines()[-1])
    assert report["python"] == sys.executable  # the kernel is this venv's Python
    assert report["widget"] == "Playground" and report["model_id"] == model_id
    assert report["binary"] == ["thumbnails", "data", "frame", "frame"]
    start = report["start"]
    assert start > 0  # the Session the notebook trained, not a fresh one
    assert report["frames"] == [start, start + 5]
    assert report["same_session"] and report["epoch"] == start + 5


def test_the_lens_picture_of_the_torch_model_is_drawn(executed: tuple[Any, Path]) -> None:
    """``dl.explain`` wrote its pictures and report under the kernel's working directory, and
    the cell shows the strip as a PNG of a real size."""
    nb, folder = executed
    cell = cell_with(nb, "dl.explain(")
    pngs = [o.data["image/png"] for o in outputs(cell) if "image/png" in o.get("data", {})]
    assert len(pngs) == 1
    width, height = png_size(pngs[0])
    assert width > 2 * height and height > 80
    lens = folder / "lens-torch"
    for name in ("report.html", "strip.png", "neurons.png", "separability.png"):
        assert (lens / name).stat().st_size > 1000, name
    assert not (lens / "forward.gif").exists()  # animation=False was passed through
    assert base64.b64decode(pngs[0]) == (lens / "strip.png").read_bytes()
