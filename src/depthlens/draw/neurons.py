"""Per-neuron maps: what every unit computes over the input plane, layer by layer.

One small panel per unit, one row per stage (the input features, each hidden layer's
activation, the output), as TensorFlow Playground draws its neurons. Colour scales:

- bounded activations on a fixed scale, Playground's orange–grey–blue (``colors.two_class``):
  tanh and sine over [−1, 1], sigmoid over [0, 1] (grey at 0.5);
- unbounded ones (relu, elu, linear, …) and the input features on the same scale, ±the layer's
  largest value over the plane (written beside the row), so units of one layer compare;
- the output: for two classes the decision map's scale; for k classes unit j goes from grey to
  class j's colour (a qualitative palette) with its probability; for regression the predicted
  value on the diverging scale of the targets.

For 1-D input each panel is the unit's value along the input line (a curve over a colour band);
for wider data the plane is that of the inputs' two leading principal axes.

Python::

    from depthlens.draw.neurons import neuron_maps
    fig = neuron_maps(session)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from depthlens.draw import colors, maps
from depthlens.draw.scene import BOUNDED, InputPlane, input_plane, target_scale
from depthlens.draw.stage_axes import hexcolor, rgba
from depthlens.draw.strip import data_text
from depthlens.lens.representations import represent, stages

if TYPE_CHECKING:
    from depthlens.experiment.session import Session

Array = np.ndarray

PANEL = 1.25
MIN_WIDTH = 6.4
"""Inches per unit panel."""


def unit_colors(values: Array, kind: str, activation: str, session: Session, unit: int,
                scale: float) -> Array:
    """RGB uint8 (N, 3) for one unit's values (N,) by the module docstring's rules.

    ``kind`` is the stage kind ('input', 'post', 'output'); ``scale`` the ± end for unbounded
    values. For a classifier's k > 1 outputs ``values`` are unit j's class probabilities."""
    if kind == "output":
        n_out = session.net.sizes[-1]
        if session.problem == "regression":
            return colors.diverging(values, target_scale(session))
        if n_out == 1:
            return maps.colorize(session.net.head, "classification", values[:, None])
        p = values  # the class probability (see neuron_maps)
        grey = np.array(colors.GREY, dtype=np.float64)
        end = np.array(colors.class_color(unit), dtype=np.float64)
        t = np.clip(p, 0.0, 1.0)[:, None]
        return np.round(grey + (end - grey) * t).astype(np.uint8)
    if kind != "input" and activation in BOUNDED:
        lo, hi = BOUNDED[activation]
        return colors.two_class(2.0 * (values - lo) / (hi - lo) - 1.0)
    return colors.diverging(values, scale)


def neuron_maps(session: Session, resolution: int = 60, max_units: int = 12,
                show_data: bool = True) -> plt.Figure:
    """A grid of small panels: a row per stage (input, hidden activations, output), a panel per
    unit (the first ``max_units`` of a wider layer)."""
    net = session.net
    plane = input_plane(session)
    coords = _plane_points(plane, resolution)
    reps = represent(net, session.transform(plane.to_raw(coords)))
    chosen = [(i, s) for i, s in enumerate(stages(net)) if s.kind != "pre"]
    cols = min(max_units, max(s.width for _, s in chosen))
    rows = len(chosen)
    width = max(PANEL * cols + 1.6, MIN_WIDTH)  # room for the two-line title
    fig, axes = plt.subplots(rows, cols, figsize=(width, PANEL * rows + 0.9), squeeze=False)
    acts = net.layer_activations
    x_data = _data_coords(session, plane) if show_data else None
    names = list(session.features or session.dataset.feature_names)
    for r, (i, st) in enumerate(chosen):
        act = "input" if st.kind == "input" else acts[st.layer - 1]
        values = reps[i]
        if st.kind == "output" and session.problem == "classification" and st.width > 1:
            values = net.head.probabilities(values)
        bounded = st.kind == "output" or (st.kind != "input" and act in BOUNDED)
        scale = 1.0
        if not bounded:
            finite = values[np.isfinite(values)]
            scale = float(np.percentile(np.abs(finite), 99)) if finite.size else 1.0
            scale = scale or 1.0
        for c in range(cols):
            ax = axes[r, c]
            if c >= st.width:
                ax.axis("off")
                continue
            rgb = unit_colors(values[:, c], st.kind, act, session, c, scale)
            _panel(ax, plane, coords, values[:, c], rgb, resolution)
            if st.kind == "output" and x_data is not None:
                ax.scatter(*x_data, c=rgba(_data_rgb(session)), s=3, linewidths=0)
            if st.kind == "input":
                label = names[c] if c < len(names) else f"x{c + 1}"
            elif st.kind == "output":
                label = f"output {c + 1}"
            else:
                label = f"unit {c + 1}"
            ax.set_title(label, fontsize=7, pad=2)
        what = "input" if st.kind == "input" else (
            f"output\n{act}" if st.kind == "output" else f"layer {st.layer}\n{act}")
        if st.width > cols:
            what += f"\n(first {cols}\nof {st.width})"
        if not bounded:
            what += f"\nscale ±{scale:.2g}"
        axes[r, 0].annotate(what, xy=(-0.12, 0.5), xycoords="axes fraction", fontsize=8,
                            va="center", ha="right")
    arch = "-".join(str(s) for s in net.sizes)
    where = "line" if plane.dim == 1 else "plane"
    fig.suptitle(f"What each unit computes over the input {where} · {data_text(session)} · "
                 f"{arch}\norange: low/negative · grey: 0 · blue: high/positive", fontsize=9)
    pad = (width - (PANEL * cols + 1.6)) / 2  # centre the panels when the title sets the width
    fig.subplots_adjust(left=(pad + 1.5) / width, right=1 - (pad + 0.1) / width, bottom=0.02,
                        top=1 - 0.9 / (PANEL * rows + 0.9), wspace=0.12, hspace=0.3)
    return fig


def _plane_points(plane: InputPlane, resolution: int) -> Array:
    """Plane coordinates to evaluate: image order for 2-D (row 0 at the top), along x for 1-D."""
    if plane.dim == 1:
        return np.linspace(*plane.extent, 4 * resolution)[:, None]
    return maps.grid(plane.extent, resolution)


def _data_coords(session: Session, plane: InputPlane) -> tuple[Array, ...] | None:
    """The training points in plane coordinates (2-D planes only)."""
    if plane.dim != 2:
        return None
    x = np.asarray(session.train_data.x, dtype=np.float64)
    if plane.axes is not None:
        x = (x - plane.center) @ plane.axes.T
    return x[:, 0], x[:, 1]


def _data_rgb(session: Session) -> Array:
    from depthlens.draw.scene import point_rgb

    return point_rgb(session, session.train_data.y)


def _panel(ax: plt.Axes, plane: InputPlane, coords: Array, values: Array, rgb: Array,
           resolution: int) -> None:
    lo, hi = plane.extent
    if plane.dim == 2:
        ax.imshow(rgb.reshape(resolution, resolution, 3), extent=(lo, hi, lo, hi),
                  interpolation="bilinear")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_aspect("equal")
    else:
        vmin, vmax = float(np.nanmin(values)), float(np.nanmax(values))
        pad = 0.1 * (vmax - vmin or 1.0)
        ax.imshow(rgb[None, :, :], extent=(lo, hi, vmin - pad, vmax + pad), aspect="auto",
                  interpolation="bilinear")
        ax.plot(coords[:, 0], values, color=hexcolor((40, 40, 40)), lw=1)
        ax.set_xlim(lo, hi)
        ax.set_ylim(vmin - pad, vmax + pad)
        if math.isclose(vmin, vmax):
            ax.set_ylim(vmin - 1, vmax + 1)
    ax.set_xticks([])
    ax.set_yticks([])
