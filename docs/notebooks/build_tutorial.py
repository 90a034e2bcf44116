"""Write ``tutorial.ipynb`` next to this file, outputs cleared (run once after an edit here).

``python docs/notebooks/build_tutorial.py``; ``tests/notebook/test_tutorial_notebook.py``
executes the notebook in a real kernel and checks its outputs.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

CELLS = [
    ("md", """\
# depthlens tutorial: a dataset, the five operations, the playground, your own model

The circle: a blue disk inside an orange ring. No line separates them in the plane; one hidden
layer of three tanh units is enough. (The same tutorial as a script: `docs/tutorial.md`.)"""),
    ("code", """\
import depthlens as dl

config = dl.Config(dataset="circle", layers=(3,), activation="tanh", optimizer="adam",
                   lr=0.03, epochs=150, init="glorot_uniform", seed=0)
session = dl.Session(config)   # data → train/test split → preprocessing → network → trainer
session.run()
session.metrics()"""),
    ("md", """\
## The five operations of a layer

A dense layer a(W·x + b) is a rotation, a change of dimension, a scaling, another rotation
(W = UΣVᵀ), a translation (b) and a bend (a). Below: the training points after each step of
the hidden layer (the first two of its three coordinates)."""),
    ("code", """\
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from IPython.display import Image

from depthlens.draw.colors import class_color
from depthlens.lens import decompose

layer = decompose(session.net.weights[0], session.net.biases[0], "tanh")
for caption in layer.captions():
    print(caption)

points = layer.run(session.x_train)          # the inputs, then the points after every step
colors = [[c / 255 for c in class_color(int(k))] for k in session.train_data.y.ravel()]
fig, axes = plt.subplots(1, len(points), figsize=(2.2 * len(points), 2.4))
for i, (ax, p) in enumerate(zip(axes, points)):
    ax.scatter(p[:, 0], p[:, 1], c=colors, s=4)
    ax.set_title("input" if i == 0 else layer.steps[i - 1].group, fontsize=8)
    ax.set_xticks([]), ax.set_yticks([])
buffer = io.BytesIO()
fig.savefig(buffer, format="png", dpi=60)
plt.close(fig)
Image(buffer.getvalue())"""),
    ("md", """\
## The playground, live

`dl.Playground(session)` is the served playground's live page in the notebook, training this
very Session: train in the widget, then read `session.net.weights` in the next cell."""),
    ("code", """\
widget = dl.Playground(session)
widget"""),
    ("md", """\
## Your own model: a PyTorch network

Train a small `torch.nn.Sequential` on the same points, then `dl.explain` writes every lens
picture of it and a `report.html` (here without the animation, small pictures)."""),
    ("code", """\
import torch

torch.manual_seed(0)
X, y = session.dataset.x, session.dataset.y.ravel()
model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(),
                            torch.nn.Linear(8, 1), torch.nn.Sigmoid())
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
inputs = torch.tensor(X, dtype=torch.float32)
targets = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)
for _ in range(200):
    optimizer.zero_grad()
    loss = torch.nn.functional.binary_cross_entropy(model(inputs), targets)
    loss.backward()
    optimizer.step()

report = dl.explain(model, X, y, "lens-torch", animation=False, dpi=40)
print(report, f"loss {loss.item():.3f}")
Image(filename=str(report.parent / "strip.png"))"""),
    ("md", """\
## Check: the widget's frames (what the test of this notebook reads)

When the widget's view opens, its front end sends `{"kind": "open"}` and the kernel answers
with the page's hello, state and frames. This cell plays that front end — it calls the
widget's own message handler and counts what the widget sends — then asks for 5 epochs as
the page's step button does. (In JupyterLab the view has already done the first part.)"""),
    ("code", """\
import asyncio
import json
import sys

from depthlens.web.frames import decode_frame

sent = []
send = widget.send

def counting_send(content, buffers=None):
    sent.append(decode_frame(buffers[0])[0] if content["kind"] == "bytes" else content)
    send(content, buffers=buffers)

def frames():
    return [m for m in sent if "kind" in m and m["kind"] == "frame"]

async def until(condition, seconds=60.0):
    for _ in range(int(seconds / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)   # the kernel's loop runs the widget meanwhile
    raise TimeoutError("the widget never sent what was awaited")

widget.send = counting_send
start = session.epoch
widget._on_custom(widget, {"kind": "open"}, [])
await until(lambda: len(frames()) >= 1)
step = {"type": "step", "unit": "epoch", "count": 5}
widget._on_custom(widget, {"kind": "text", "text": json.dumps(step)}, [])
await until(lambda: len(frames()) >= 2 and frames()[-1]["epoch"] == start + 5)
widget.send = send
print(json.dumps({"widget": type(widget).__name__, "model_id": widget.model_id,
                  "same_session": widget.session is session, "start": start,
                  "epoch": session.epoch, "frames": [f["epoch"] for f in frames()],
                  "binary": [m["kind"] for m in sent if m.get("kind") != "text"],
                  "python": sys.executable}))"""),
]


def build() -> nbformat.NotebookNode:
    """The notebook of ``CELLS``, every output empty."""
    nb = new_notebook()
    nb.cells = [new_markdown_cell(text) if kind == "md" else new_code_cell(text)
                for kind, text in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


if __name__ == "__main__":
    path = HERE / "tutorial.ipynb"
    nbformat.validate(build())
    nbformat.write(build(), path)
    print(path)
