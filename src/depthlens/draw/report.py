"""All the lens pictures of a run, and one self-contained HTML page that explains them.

``lens_pictures(session, folder)`` writes into ``folder``:

    strip.png         the layer strip (``strip.layer_strip``) with the probe score per stage
    neurons.png       every unit over the input plane (``neurons.neuron_maps``)
    separability.png  probe scores per stage before and after training (``charts``)
    space3d.png       a 3-unit layer in 3-D (``space3d.space_3d``), when the network has one
    forward.gif       the forward pass as the five operations (``animate.forward_animation``)
    training.gif      (optional) the chosen stage over training (``animate.training_animation``)
    report.html       all of the above embedded as data URIs, with the Config, the metrics and
                      the probe table: one file that opens from disk, no network needed.

A recurrent classifier's run (``Config.model`` a cell) has the lens of ``lens.recurrent``
instead (``recurrent_pictures``):

    state_space.png   every sequence's path through the state's space (``state_space``)
    last_step.png     the last step h_T as its operations (``state_space.step_strip``)
    steps.gif         every step, one operation at a time (``state_space.step_animation``)
    report.html       the same page, with these pictures

Python::

    from depthlens.draw.report import lens_pictures
    paths = lens_pictures(session, "runs/circle", progress=True)
"""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

from depthlens.draw.animate import forward_animation, training_animation
from depthlens.draw.charts import initial_network, separability_chart, stage_probes
from depthlens.draw.neurons import neuron_maps
from depthlens.draw.scene import build_scene
from depthlens.draw.space3d import space_3d, three_unit_stage
from depthlens.draw.stage_axes import DPI, save_figure
from depthlens.draw.strip import activation_text, architecture_text, epoch_text, layer_strip
from depthlens.errors import ConfigError
from depthlens.files import write_text
from depthlens.lens.probes import ProbeResult

if TYPE_CHECKING:
    from depthlens.experiment.session import Session

REPORT = "report.html"

TEXT = {
    "picture.png": (
        "The run",
        "What the trained network predicts over its input (the decision map, the fitted curve, "
        "or actual against predicted), beside the training and test loss per epoch."),
    "strip.png": (
        "Layer by layer: the space each layer makes",
        "Each panel is one stage of the network, from the input on the left to the output on "
        "the right. The points are the training data; the thin lines are a square grid of the "
        "input plane, carried through the same layers, so you see how each layer rotates, "
        "scales, shifts and bends space; the coloured cells underneath are the input plane's "
        "cells, coloured by what the network finally predicts there. Axes keep equal scales and "
        "their real units, so a layer that stretches or squeezes space shows it. A stage wider "
        "than the picture is seen through a PCA of the data there (or chosen units). In the last "
        "hidden layer the dashed line is where the output unit's decision flips: it is straight "
        "there, because the output layer is linear in that layer. Under each panel: the accuracy "
        "(or R²) of the best linear read-out of that stage."),
    "separability.png": (
        "How linearly separable is each stage?",
        "A linear probe (logistic or softmax regression; least squares for regression) is "
        "fitted on each stage's representation of the training data and scored on the test "
        "data, once for the network as initialized (grey) and once trained (blue). A network "
        "that has learned the task makes its deeper stages more linearly separable: the last "
        "hidden layer is where a flat cut (the output layer) has to work. The black ticks are "
        "the training scores; the dashed line is the majority-class rate."),
    "neurons.png": (
        "What each unit computes",
        "Every unit's value over the input plane, one row per layer, on TensorFlow "
        "Playground's orange–grey–blue scale (orange low or negative, blue high or positive). "
        "First-layer units are soft half-planes; deeper units combine them into curved "
        "regions."),
    "space3d.png": (
        "A 3-unit layer in 3-D",
        "The layer's three units as the three axes (equal scales). The coloured surface is the "
        "input plane after the layers before it; the grey plane is the output layer's "
        "separating plane when this is the last hidden layer."),
    "forward.gif": (
        "The forward pass, one operation at a time",
        "Each layer y = a(W·x + b) played as its steps, from the SVD W = U Σ Vᵀ: rotate by Vᵀ, "
        "scale by the singular values, change dimension, rotate by U, translate by b, bend by "
        "the activation (a reflection, when det W < 0, turns one axis over like a page). Layers "
        "wider than 3 are seen through a PCA of the layer's end."),
    "training.gif": (
        "Training",
        "The Config trained again from scratch (same numbers as the saved run): the decision "
        "map over the input plane and the chosen layer's space, every few epochs."),
}


RECURRENT_TEXT = {
    "picture.png": TEXT["picture.png"],
    "state_space.png": (
        "The state's space: each sequence's path",
        "A recurrent layer reads its input one step at a time, h_t = a(W_hh·h_{t−1} + "
        "W_ih·x_t + b): every sequence starts at h_0 = 0 and each input moves its state through "
        "the layer's own space. Each line is one sequence's path, coloured by its class; the "
        "dots are the final states h_T, which the readout cuts with a flat line (dashed; the "
        "background is the readout's answer there). A layer of more than 2 units is seen "
        "through a PCA of all its states."),
    "last_step.png": (
        "The last step as the five operations",
        "The last step played as its operations, from the SVD W_hh = U Σ Vᵀ: rotate, scale, "
        "rotate (the same for every sequence at every step), then translate by what the input "
        "adds (one vector per sequence, unlike a dense layer's one bias), then bend. Raise or "
        "lower dimension is the one operation missing: W_hh maps the state's space to itself. "
        "A GRU's step adds its gates: the reset gate scales each unit, the update gate moves "
        "each state from its candidate back toward the old one."),
    "steps.gif": (
        "Every step, one operation at a time",
        "Steps 1 … T of every sequence, each as its operations; where each state was before "
        "the step stays as a hollow ghost."),
}
LEAD = ("What each layer of this network does to space: a layer y = a(W·x + b) changes "
        "dimension, scales and rotates (W), translates (b) and bends (a); stacked layers bend "
        "the data until a flat cut separates the classes (or the target becomes linear).")
RECURRENT_LEAD = ("What this recurrent network does to its state's space: each step rotates, "
                  "scales and rotates the state (W_hh), translates it by the step's input and "
                  "bends it (a), until the final states of the classes lie on either side of "
                  "the readout's flat cut.")


def _data_uri(path: Path) -> str:
    mime = "image/gif" if path.suffix == ".gif" else "image/png"
    return f"data:{mime};base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _fmt(v: object) -> str:
    if isinstance(v, float):
        return "–" if math.isnan(v) else f"{v:.4f}"
    return html.escape(str(v))


def probe_table(after: list[ProbeResult], before: list[ProbeResult] | None) -> str:
    """The probe scores as an HTML table (stage, width, init train/test, trained train/test)."""
    metric = "accuracy" if after and after[0].metric == "accuracy" else "R²"
    head = "<tr><th>stage</th><th>units</th>"
    if before is not None:
        head += f"<th>init train {metric}</th><th>init test {metric}</th>"
    head += f"<th>trained train {metric}</th><th>trained test {metric}</th></tr>"
    rows = []
    for n, r in enumerate(after):
        cells = f"<td>{html.escape(r.stage)}</td><td>{r.width}</td>"
        if before is not None:
            b = before[n]
            cells += f"<td>{_fmt(b.train)}</td><td>{_fmt(b.test)}</td>"
        cells += f"<td>{_fmt(r.train)}</td><td>{_fmt(r.test)}</td>"
        rows.append(f"<tr>{cells}</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def report_html(session: Session, folder: str | Path, after: list[ProbeResult],
                before: list[ProbeResult] | None = None,
                include: set[str] | None = None) -> str:
    """The report page for the pictures of ``folder`` (module docstring): those named in
    ``include`` (all that are present when None); a recurrent run's with its own words."""
    folder = Path(folder)
    cfg = session.config
    text, lead = (RECURRENT_TEXT, RECURRENT_LEAD) if cfg.recurrent else (TEXT, LEAD)
    title = (f"depthlens · {cfg.dataset} · {architecture_text(session)} "
             f"{activation_text(session)}")
    metrics = session.metrics()
    metric_rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{_fmt(v)}</td></tr>"
                          for k, v in metrics.items())
    sections = []
    for name, (heading, words) in text.items():
        path = folder / name
        if not path.is_file() or (include is not None and name not in include):
            continue
        extra = probe_table(after, before) if name == "separability.png" else ""
        sections.append(
            f'<section><h2>{html.escape(heading)}</h2><p>{html.escape(words)}</p>'
            f'<img src="{_data_uri(path)}" alt="{html.escape(name)}">{extra}'
            f'<p class="file">{html.escape(name)}</p></section>')
    config = html.escape(json.dumps(cfg.to_dict(), indent=2))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>
body {{ font: 15px/1.5 system-ui, sans-serif; color: #222; max-width: 1200px; margin: 2em auto;
       padding: 0 1em; }}
h1 {{ font-size: 1.5em; margin-bottom: 0.2em; }} h2 {{ font-size: 1.2em; margin-top: 2em; }}
img {{ max-width: 100%; border: 1px solid #ddd; }}
table {{ border-collapse: collapse; margin: 0.8em 0; }}
th, td {{ border: 1px solid #ddd; padding: 0.25em 0.7em; text-align: right; }}
th {{ background: #f4f5f6; }}
pre {{ background: #f4f5f6; padding: 0.8em; overflow-x: auto; font-size: 13px; }}
.lead {{ color: #555; }} .file {{ color: #888; font-size: 0.85em; }}
.row {{ display: flex; gap: 2em; flex-wrap: wrap; align-items: flex-start; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p class="lead">{html.escape(lead)}</p>
<div class="row">
<div><h2>Metrics ({epoch_text(session)})</h2><table>{metric_rows}</table></div>
<div><h2>Config</h2><pre>{config}</pre></div>
</div>
{''.join(sections)}
</body></html>
"""


def lens_pictures(session: Session, folder: str | Path, which: str = "post",
                  units: tuple[int, ...] | None = None, dims: int = 2, per_step: int = 8,
                  fps: float = 12.0, dpi: int = DPI, animation: bool = True,
                  training: bool = False, progress: bool = False) -> dict[str, Path]:
    """Write every lens picture of ``session`` and ``report.html`` into ``folder``.

    Args:
        which: 'post' or 'all' stages in the strip and the probes.
        units: 0-based units for stages wider than ``dims`` (else PCA).
        dims: 2, or 3 for 3-D strip panels.
        per_step, fps: the forward animation's frames per step and speed.
        animation: write forward.gif; training: also retrain and write training.gif.
    Returns the paths written, by file name. A recurrent run: ``recurrent_pictures``."""
    if session.config.recurrent:
        check_recurrent_lens(session.config.model, session.problem,
                             {"which": (which, "post"), "units": (units, None),
                              "dims": (dims, 2), "training": (training, False)})
        return recurrent_pictures(session, folder, per_step=per_step, fps=fps, dpi=dpi,
                                  animation=animation, progress=progress)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    scene = build_scene(session)
    after = stage_probes(session, which, progress=progress)
    before = stage_probes(session, which, net=initial_network(session), progress=progress)
    pictures = {
        "strip.png": lambda: layer_strip(session, which, dims, units, after, scene),
        "separability.png": lambda: separability_chart(session, after, before),
        "neurons.png": lambda: neuron_maps(session),
    }
    if three_unit_stage(scene) is not None:
        pictures["space3d.png"] = lambda: space_3d(session)
    else:
        (folder / "space3d.png").unlink(missing_ok=True)  # from an older network, if any
    for name, make in pictures.items():
        fig = make()
        if fig is not None:
            save_figure(fig, folder / name, dpi)
            out[name] = folder / name
    if animation:
        out["forward.gif"] = forward_animation(session, folder / "forward.gif",
                                               per_step=per_step, fps=fps, dims=dims,
                                               progress=progress)
    if training:
        out["training.gif"] = training_animation(session, folder / "training.gif", dims=dims,
                                                 units=units, progress=progress)
    include = {*out, "picture.png"}
    write_text(folder / REPORT, report_html(session, folder, after, before, include))
    out[REPORT] = folder / REPORT
    return out


def check_recurrent_lens(model: str, problem: str | None,
                         options: dict[str, tuple[object, object]]) -> None:
    """Raise ConfigError unless a recurrent run's lens can be drawn: a classification run
    (``problem``; None, a CSV not read yet, passes) and every one of ``options`` (its name in
    the caller's words → (value, default)) at its default, since they choose among a dense
    network's stages and pictures."""
    if problem == "regression":
        raise ConfigError("model", model, "'mlp' for the lens of a regression run: a "
                          "recurrent run's lens shows its states carved into classes (a "
                          "classification dataset)")
    for name, (value, default) in options.items():
        if value != default:
            raise ConfigError(name, value, f"{default!r} (the default) for a recurrent run: its "
                              "lens is its state's space and one step's operations, not a "
                              "dense network's stages")


def frame_bar(progress: bool):
    """A tqdm bar's ``update`` for the GIF's frames (their count unknown up front), or None."""
    if not progress:
        return None
    import sys

    from tqdm import tqdm

    return tqdm(desc="steps.gif", unit="frame", file=sys.stderr, leave=False).update


def recurrent_pictures(session: Session, folder: str | Path, per_step: int = 6,
                       fps: float = 12.0, dpi: int = DPI, animation: bool = True,
                       progress: bool = False) -> dict[str, Path]:
    """Write a recurrent classifier's lens (module docstring) and ``report.html`` into
    ``folder``: its last layer's state space over the training sequences, the last step of its
    first layer as operations, and (``animation``) every step played. Raises ConfigError for
    a regression run (its states have no classes to carve)."""
    from depthlens.draw.state_space import state_space_figure, step_animation, step_strip

    check_recurrent_lens(session.config.model, session.problem, {})
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    x, y = session.x_train, session.train_data.y
    names = session.train_data.class_names
    out: dict[str, Path] = {}
    steps = int(x.shape[1])
    for name, make in (("state_space.png", lambda: state_space_figure(session.net, x, y,
                                                                      class_names=names)),
                       ("last_step.png", lambda: step_strip(session.net, x, y, steps))):
        save_figure(make(), folder / name, dpi)
        out[name] = folder / name
    if animation:
        out["steps.gif"] = step_animation(session.net, x, y, folder / "steps.gif",
                                          per_step=per_step, fps=fps, dpi=dpi,
                                          progress=frame_bar(progress))
    else:
        (folder / "steps.gif").unlink(missing_ok=True)
    include = {*out, "picture.png"}
    write_text(folder / REPORT, report_html(session, folder, [], None, include))
    out[REPORT] = folder / REPORT
    return out


__all__ = ["REPORT", "check_recurrent_lens", "frame_bar", "lens_pictures", "probe_table",
           "recurrent_pictures", "report_html"]
