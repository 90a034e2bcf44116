"""Pictures of a recurrent layer's state space (``lens.recurrent``), matplotlib Agg.

- ``state_space_figure``: the state space carved — every sequence's path h_0 = 0 → h_1 → … →
  h_T as a thin line in the colour of its target class, the final states h_T as dots, the
  readout's decision line (``stage_axes.draw_hyperplane``, dashed) and, in 2-D, the plane
  coloured by what the readout would decide for a state there. 2 units are drawn as they
  are, 3 units in 3-D, more through a PCA of all states (the caption says which:
  ``StatePath.note``).
- ``step_strip``: one step t as its operations side by side (as ``strip.layer_strip`` draws a
  dense layer's stages): h_{t−1}, then after rotate Vᵀ, scale Σ, rotate U (W_hh = UΣVᵀ), the
  input's translation W_ih·x_t + b and the bend; one shared box, so scaling shows; a caption
  under each panel. For 2 units the square (−1, 1)² (where tanh keeps every state) is carried
  along as a grid; after the translation there is one copy of it per input value (when there
  are at most three).
- ``step_animation``: the same operations played, step after step, as a GIF or MP4
  (``animate.write_animation``), where each state was before the step left as a ghost.

Colours: the class palette of ``colors`` (Playground's orange and blue for two classes); text
at 12 pt or more; the pictures are at least 1200 pixels wide at ``DPI``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from mpl_toolkits.mplot3d.art3d import Line3DCollection

from depthlens.draw import colors
from depthlens.draw.animate import check_output, write_animation
from depthlens.draw.scene import square_limits
from depthlens.draw.stage_axes import (
    PLANE_COLOR,
    canvas_rgb,
    draw_hyperplane,
    hexcolor,
    rgba,
    set_limits,
)
from depthlens.errors import ConfigError
from depthlens.lens.operations import GROUP_OF
from depthlens.lens.recurrent import (
    RecurrentStep,
    StatePath,
    boundary_in_view,
    readout_boundary,
    state_path,
    step_operations,
)
from depthlens.lens.representations import grid_lines
from depthlens.nn.recurrent import RecurrentNet

Array = np.ndarray

FONT = 12
"""The smallest text in these pictures (points)."""
DPI = 80
"""The resolution the pictures are sized for: every figure is at least 15 inches wide, so
≥ 1200 pixels here."""
PATH_ALPHA = 0.16
GRID_RGB = "#6a6a6a"
BOX_COLOR = "#8a8a8a"
START_COLOR = "#111111"


def class_rgb(y: Array) -> Array:
    """Class indices (n,) → their palette colours (n, 3) uint8."""
    return colors.PALETTE[np.asarray(y, dtype=np.int64) % len(colors.PALETTE)]


def _names(y: Array, class_names: Sequence[str] | None) -> list[str]:
    k = int(max(np.max(y) + 1, 2))
    names = list(class_names or [])
    return names + [f"class {i}" for i in range(len(names), k)]


def _is3d(ax: Any) -> bool:
    return getattr(ax, "name", "") == "3d"


def _drawn_boundary(net: RecurrentNet, path: StatePath) -> tuple[Array, float] | None:
    """The readout's decision boundary in the drawn coordinates (the last layer only)."""
    if path.layer != net.n_layers - 1:
        return None
    cut = readout_boundary(net)
    return None if cut is None else boundary_in_view(path, *cut)


def _to_state(path: StatePath, p: Array) -> Array:
    """Drawn points (N, dims) back to states (N, H): the view's plane (own: the same; units:
    the others at 0; PCA: μ + Aᵀp, the plane through the states' mean)."""
    view = path.view
    if view.method == "own":
        return p
    if view.method == "units":
        h = np.zeros((len(p), path.hidden))
        h[:, list(view.units)] = p
        return h
    return view.center + p @ view.axes


def _readout_map(ax: Any, net: RecurrentNet, path: StatePath, lo: Array, hi: Array,
                 resolution: int = 160) -> None:
    """The drawn plane coloured by the readout's decision for a state there (faint)."""
    u = np.linspace(lo[0], hi[0], resolution)
    v = np.linspace(lo[1], hi[1], resolution)
    gu, gv = np.meshgrid(u, v)
    h = _to_state(path, np.column_stack([gu.ravel(), gv.ravel()]))
    w, b = net.tensors["readout.weight"], net.tensors["readout.bias"]
    out = net.head.forward(h @ np.asarray(w, dtype=np.float64).T + b)
    rgb = colors.classes(net.head.probabilities(out)).reshape(resolution, resolution, 3)
    ax.imshow(rgb, extent=(lo[0], hi[0], lo[1], hi[1]), origin="lower", alpha=0.32,
              interpolation="bilinear", zorder=0, aspect="auto")


def _limits(points: Array, extra: Array | None = None, box: bool = False) -> tuple[Array, Array]:
    """An equal-scale box around the points (and the tanh square when ``box``)."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, points.shape[-1])
    if box:
        corners = np.array(np.meshgrid(*[[-1.0, 1.0]] * pts.shape[1])).reshape(pts.shape[1], -1)
        pts = np.concatenate([pts, corners.T])
    return square_limits(pts, extra, reach=0.6, margin=0.08)


def _label(ax: Any, labels: list[str]) -> None:
    ax.set_xlabel(labels[0], fontsize=FONT)
    if len(labels) > 1:
        ax.set_ylabel(labels[1], fontsize=FONT)
    if len(labels) > 2 and hasattr(ax, "set_zlabel"):
        ax.set_zlabel(labels[2], fontsize=FONT)
    ax.tick_params(labelsize=FONT)


def _tanh_box(ax: Any, net: RecurrentNet, path: StatePath) -> bool:
    """The square (−1, 1)² tanh keeps the state in, when the state is drawn in its own 2
    units; True if drawn."""
    if net.activation != "tanh" or path.view.method != "own" or path.dims != 2:
        return False
    ax.add_patch(Rectangle((-1, -1), 2, 2, fill=False, ls=":", lw=1.4, color=BOX_COLOR,
                           zorder=1))
    return True


def state_space_figure(net: RecurrentNet, x: Array, y: Array, path: StatePath | None = None,
                       class_names: Sequence[str] | None = None, title: str | None = None,
                       max_paths: int = 400, layer: int = -1, elev: float = 24.0,
                       azim: float = -60.0, highlight: Sequence[int] | None = None,
                       values: Array | None = None, value_label: str = "",
                       value_scale: float | None = None) -> plt.Figure:
    """The state space carved: each sequence's path coloured by its target class ``y``, the
    final states as dots, the readout's decision line (dashed) and, in 2-D, the plane coloured
    by the readout's decision. ``max_paths`` sequences are drawn (the first ones), all of
    them set the view and the limits. ``highlight``: sequences drawn bold with every state
    numbered by its step (default: none). ``values`` (n, T + 1): a number per state (say the
    running sum so far), drawn in a second panel as every state h_0 … h_T coloured on the
    orange–grey–blue scale (``colors.diverging``, full colour at ±``value_scale``, default the
    largest |value|), named ``value_label``."""
    y = np.asarray(y, dtype=np.int64).reshape(-1)
    layer = layer % net.n_layers
    path = state_path(net, x, layer) if path is None else path
    drawn = path.drawn()
    shown = slice(0, max_paths)
    rgb = class_rgb(y)
    dims = drawn.shape[2]
    box = net.activation == "tanh" and path.view.method == "own"
    lo, hi = _limits(drawn, box=box)
    cut = _drawn_boundary(net, path)
    fig = plt.figure(figsize=(15.5, 9.4))
    two = values is not None
    kind = "3d" if dims == 3 else None
    ax = fig.add_axes((0.05, 0.3, 0.42, 0.6) if two else (0.05, 0.14, 0.56, 0.76),
                      projection=kind)
    handles: list[Any] = []
    if dims == 3:
        ax.computed_zorder = False
        ax.add_collection(Line3DCollection(list(drawn[shown]), colors=rgba(rgb[shown],
                                           PATH_ALPHA), linewidths=1.0))
        end = drawn[shown, -1]
        ax.scatter(end[:, 0], end[:, 1], end[:, 2], c=rgba(rgb[shown]), s=34,
                   edgecolors="white", linewidths=0.5, depthshade=False, zorder=4)
        ax.scatter([drawn[0, 0, 0]], [drawn[0, 0, 1]], [drawn[0, 0, 2]], c=START_COLOR, s=80,
                   marker="o", edgecolors="white", zorder=6)
    else:
        if dims == 2:
            _readout_map(ax, net, path, lo, hi)
        ax.add_collection(LineCollection(list(drawn[shown]), colors=rgba(rgb[shown], PATH_ALPHA),
                                         linewidths=1.1, zorder=2))
        end = drawn[shown, -1]
        ax.scatter(end[:, 0], end[:, 1], c=rgba(rgb[shown]), s=46, edgecolors="white",
                   linewidths=0.6, zorder=4)
        ax.scatter([drawn[0, 0, 0]], [drawn[0, 0, 1]], c=START_COLOR, s=110, marker="o",
                   edgecolors="white", linewidths=1.0, zorder=6)
        for i in highlight or ():
            _highlight(ax, drawn[i], hexcolor(rgb[i]))
        if _tanh_box(ax, net, path):
            handles.append(Line2D([], [], color=BOX_COLOR, ls=":", lw=1.4,
                                  label="(−1, 1)²: tanh keeps every state inside"))
    _finish_axes(ax, path, lo, hi, cut, elev, azim)
    ax.set_title("each sequence's path, coloured by its class", fontsize=FONT + 1)
    names = _names(y, class_names)
    for k, name in enumerate(names):
        handles.insert(k, Line2D([], [], color=hexcolor(colors.class_color(k)), lw=2.5,
                                 marker="o", markeredgecolor="white", ms=9,
                                 label=f"{name}: its path, and h_T (dot)"))
    handles.append(Line2D([], [], color=START_COLOR, marker="o", ls="", ms=10,
                          markeredgecolor="white", label="h₀ = 0, where every path starts"))
    if cut is not None:
        handles.append(Line2D([], [], color=PLANE_COLOR, ls="--", lw=1.6,
                              label="the readout's decision line"))
    steps = path.steps
    words = [f"Drawn: {path.note}.",
             f"Each line is one sequence's state after 0, 1, …, {steps} inputs; "
             f"{min(len(y), max_paths)} of {len(y)} sequences shown."]
    if dims == 2:
        words.append("Background: the class the readout gives a state there — the state "
                     "space carved in two by the decision line.")
    if highlight:
        words.append(f"Bold: {len(highlight)} sequence{'s' if len(highlight) > 1 else ''}, "
                     "each state numbered by its step t.")
    if two:
        vax = fig.add_axes((0.54, 0.3, 0.42, 0.6), projection=kind)
        _values_panel(vax, path, np.asarray(values, dtype=np.float64), drawn, value_scale)
        _finish_axes(vax, path, lo, hi, cut, elev, azim)
        _tanh_box(vax, net, path)
        vax.set_title(f"every state h_0 … h_{steps}, coloured by {value_label or 'its value'}",
                      fontsize=FONT + 1)
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.04, 0.2),
                   fontsize=FONT, frameon=False, ncol=2)
        fig.text(0.54, 0.2, "\n".join(textwrap.fill(w, 70) for w in words), fontsize=FONT,
                 va="top")
    else:
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.63, 0.9),
                   fontsize=FONT, frameon=False)
        fig.text(0.63, 0.42, "\n".join(textwrap.fill(w, 48) for w in words), fontsize=FONT,
                 va="top")
    fig.suptitle(title or f"The state space of a {net.hidden}-unit {net.cell} layer: "
                 f"{len(y)} sequences of {steps} steps", fontsize=FONT + 3)
    return fig


def _finish_axes(ax: Any, path: StatePath, lo: Array, hi: Array,
                 cut: tuple[Array, float] | None, elev: float, azim: float) -> None:
    """Equal-scale limits, the decision line or plane, labels (and the 3-D camera)."""
    set_limits(ax, lo, hi)
    if cut is not None:
        draw_hyperplane(ax, cut[0], cut[1], lo, hi)
    if _is3d(ax):
        ax.view_init(elev=elev, azim=azim)
    _label(ax, path.labels)


def _values_panel(ax: Any, path: StatePath, values: Array, drawn: Array,
                  scale: float | None = None) -> None:
    """Every state as a dot coloured by its value (diverging scale, full colour at ±scale,
    default max |value|), with a colour bar."""
    if values.shape != drawn.shape[:2]:
        raise ConfigError("values", f"shape {values.shape}",
                          f"shape {drawn.shape[:2]}: one per state h_0 … h_T of each sequence")
    flat = drawn.reshape(-1, drawn.shape[2])
    v = values.reshape(-1)
    order = np.argsort(np.abs(v))  # the largest |value| on top
    scale = float(np.abs(v).max()) if scale is None else float(scale)
    scale = scale or 1.0
    face = rgba(colors.diverging(v[order], scale))
    if _is3d(ax):
        ax.scatter(*flat[order].T, c=face, s=30, edgecolors="none", depthshade=False)
    else:
        ax.scatter(flat[order, 0], flat[order, 1], c=face, s=40, edgecolors="white",
                   linewidths=0.3, zorder=3)
    ramp = np.linspace(-scale, scale, 256)
    cmap = ListedColormap(colors.diverging(ramp) / 255.0)
    bar = ax.figure.colorbar(ScalarMappable(norm=Normalize(-scale, scale), cmap=cmap), ax=ax,
                             fraction=0.04, pad=0.02)
    bar.ax.tick_params(labelsize=FONT)
    if scale < float(np.abs(v).max()):
        bar.set_label(f"beyond ±{scale:g}: full colour", fontsize=FONT)


def _highlight(ax: Any, points: Array, color: str) -> None:
    """One path bold, with arrows between its states and each state numbered by its step."""
    ax.plot(points[:, 0], points[:, 1], color=color, lw=2.4, zorder=5)
    ax.scatter(points[1:, 0], points[1:, 1], color=color, s=60, edgecolors="black",
               linewidths=0.8, zorder=5)
    for t in range(1, len(points)):
        ax.annotate(str(t), points[t], xytext=(5, 5), textcoords="offset points",
                    fontsize=FONT, color="black", zorder=7,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none",
                          "alpha": 0.7})


# -- one step ---------------------------------------------------------------------------------
def _distinct(step: RecurrentStep, limit: int = 3) -> Array:
    """The distinct translation vectors of the step (K, H), none if there are more than
    ``limit`` (then no grid is carried past the translation)."""
    rows = np.unique(np.round(step.translation, 12), axis=0)
    return rows if len(rows) <= limit else rows[:0]


def _grid_at(step: RecurrentStep, grid: Array, i: int, tau: float = 1.0) -> list[Array]:
    """The state grid after operations 0 … i − 1 and operation i at ``tau`` (i = −1: none):
    one copy per distinct input translation once it has begun; none after a step that holds
    only for the batch's own rows (a GRU's ⊙ r and + z ⊙ (h − n), or more than three
    distinct inputs)."""
    out = [grid]
    vectors = _distinct(step)
    for j, s in enumerate(step.steps[: i + 1]):
        tt = tau if j == i else 1.0
        if s.params.get("input"):
            out = [g + tt * c for g in out for c in vectors]
        elif "vectors" in s.params or "row_factors" in s.params:
            return []
        else:
            out = [s.frame(g, tt).points for g in out]
    return out


def _state_grid(path: StatePath):
    """The square (−1, 1)² as grid lines, for a state drawn in its own 2 units (else None)."""
    if path.hidden != 2 or path.view.method != "own":
        return None
    return grid_lines(extent=(-1.0, 1.0), n_lines=9, per_line=41, dim=2)


def point_colors(step: RecurrentStep, i: int, y: Array, values: Array | None = None,
                 scale: float | None = None) -> Array:
    """RGBA (N, 4) of the batch's points after operation i of ``step`` (i = −1: before it):
    their class colours, or their ``values`` (n, T + 1) on the diverging scale — the value
    of h_{t−1} until the translation (the input has not arrived), of h_t from it on."""
    if values is None:
        return rgba(class_rgb(y))
    values = np.asarray(values, dtype=np.float64)
    after = i >= step.input_index
    v = values[:, step.t if after else step.t - 1]
    s = float(np.abs(values).max()) if scale is None else float(scale)
    return rgba(colors.diverging(v, s or 1.0))


def _colour_words(y: Array, class_names: Sequence[str] | None, values: Array | None,
                  label: str, scale: float | None) -> str:
    if values is None:
        names = _names(y, class_names)
        return "colour: " + ", ".join(f"{c} = {n}" for c, n in zip(("orange", "blue"), names))
    at = f" (full colour at ±{scale:g})" if scale is not None else ""
    return (f"colour: {label or 'the value'}, orange < 0 < blue{at} — of h_(t−1) until the "
            "input arrives, of h_t from the translation on")


def equation(net: RecurrentNet, t: int) -> str:
    """Step t's equation in words: h_t = tanh(W_hh·h_(t−1) + W_ih·x_t + b), or the GRU's."""
    if net.cell == "gru":
        return (f"h_{t} = n + z ⊙ (h_{t - 1} − n), n = tanh(W_in·x_{t} + b_in + r ⊙ "
                f"(W_hn·h_{t - 1} + b_hn))")
    return f"h_{t} = {net.activation}(W_hh·h_{t - 1} + W_ih·x_{t} + b)"


def _wrap(text: str, width: int) -> str:
    """Wrap a caption, each '; '-separated part on its own lines."""
    return "\n".join(textwrap.fill(part, width, break_on_hyphens=False)
                     for part in text.replace(": x = ", ":; x = ").split("; "))


def _group(kind: str) -> str:
    return GROUP_OF[kind]


def step_strip(net: RecurrentNet, x: Array, y: Array, t: int, path: StatePath | None = None,
               title: str | None = None, class_names: Sequence[str] | None = None,
               layer: int = 0, per_row: int = 4, values: Array | None = None,
               value_label: str = "", value_scale: float | None = None) -> plt.Figure:
    """Step t of every sequence in x as its operations side by side: h_{t−1}, after each of
    rotate Vᵀ, [reflect], scale Σ, rotate U, translate W_ih·x_t + b, bend; one shared
    equal-scale box; each panel's caption under it; the readout's line where the panel holds
    states (h_{t−1} and h_t). Points are coloured by their class ``y``, or by ``values``
    (n, T + 1), a number per state (``point_colors``)."""
    y = np.asarray(y, dtype=np.int64).reshape(-1)
    path = state_path(net, x, layer) if path is None or path.layer != layer else path
    step = step_operations(net, x, t, layer, path)
    stages = step.stages()
    drawn = [path.drawn(s) for s in stages]
    dims = drawn[0].shape[1]
    gl = _state_grid(path)
    grids = ([_grid_at(step, gl.points, i) for i in range(-1, len(step.steps))]
             if gl is not None else [[] for _ in stages])
    extra = [g for gs in grids for g in gs]
    lo, hi = _limits(np.concatenate(drawn), np.concatenate(extra) if extra else None,
                     box=gl is not None)
    cut = _drawn_boundary(net, path)
    count = len(stages)
    cols = min(per_row, count)
    rows = -(-count // cols)
    fig = plt.figure(figsize=(max(15.5, 3.9 * cols), 4.9 * rows + 1.9))
    captions = [f"h_{t - 1}: the states after {t - 1} input{'s' if t != 2 else ''}"
                if t > 1 else "h₀ = 0: every sequence starts here"]
    captions += [s.caption for s in step.steps]
    titles = ["start"] + [f"{_group(s.kind)}: {s.label}" for s in step.steps]
    for j in range(count):
        ax = fig.add_subplot(rows, cols, j + 1, projection="3d" if dims == 3 else None)
        if gl is not None:
            ax.add_collection(LineCollection([seg for g in grids[j] for seg in gl.lines(g)],
                                             colors=GRID_RGB, linewidths=0.6, alpha=0.45,
                                             zorder=1))
        p = drawn[j]
        rgb = point_colors(step, j - 1, y, values, value_scale)
        if dims == 3:
            ax.scatter(p[:, 0], p[:, 1], p[:, 2], c=rgb, s=26, edgecolors="white",
                       linewidths=0.4, depthshade=False)
        else:
            ax.scatter(p[:, 0], p[:, 1], c=rgb, s=34 if values is None else 70,
                       edgecolors="white" if values is None else "#333333", linewidths=0.5,
                       zorder=3)
        set_limits(ax, lo, hi)
        if cut is not None and j in (0, count - 1):
            draw_hyperplane(ax, cut[0], cut[1], lo, hi)
        ax.set_title(titles[j], fontsize=FONT + 2)
        ax.tick_params(labelsize=FONT)
        ax.text(0.5, -0.1, _wrap(captions[j], 34), transform=ax.transAxes,
                ha="center", va="top", fontsize=FONT + 1)
    act = net.activation
    words = _colour_words(y, class_names, values, value_label, value_scale)
    if net.cell == "gru":
        story = (f"W_hn = UΣVᵀ rotates, scales, rotates, b_hn translates, the reset gate r "
                 f"scales each unit, the input translates, tanh bends (the candidate n), the "
                 f"update gate z moves it back toward h_{t - 1}")
    else:
        story = (f"W_hh = UΣVᵀ rotates, scales, rotates the state's space, the input "
                 f"translates it, {act} bends it")
    matrix = "W_hn" if net.cell == "gru" else "W_hh"
    story = textwrap.fill(story, 150)
    fig.suptitle(title or f"Step {t} of {path.steps}: {equation(net, t)}\n{story}\n"
                 f"raise/lower dimension: none ({matrix} maps {path.hidden}-D to "
                 f"{path.hidden}-D) · drawn: {path.note} · dashed: the readout's decision "
                 f"line\n{words}", fontsize=FONT + 1)
    fig.subplots_adjust(left=0.04, right=0.99, top=1 - 1.9 / (4.9 * rows + 1.9),
                        bottom=1.1 / (4.9 * rows + 1.9), wspace=0.3, hspace=0.45)
    return fig


def step_animation(net: RecurrentNet, x: Array, y: Array, out: str | Path,
                   steps: Sequence[int] | None = None, per_step: int = 6, fps: float = 12.0,
                   hold_ms: int = 350, layer: int = 0, dpi: int = DPI,
                   progress: Any = None, values: Array | None = None, value_label: str = "",
                   value_scale: float | None = None) -> Path:
    """Play steps ``steps`` (default 1 … T) of every sequence in x, each as its operations
    (``RecurrentStep.frames``: ``per_step`` frames an operation), into a GIF or MP4 at
    ``out``. Frames: Σ_t (1 + per_step · operations of step t) — each step starts with one
    frame of h_{t−1}; the last frame of each
    operation is held ``hold_ms`` longer. One fixed equal-scale box for the whole film; where
    each state was before the step (h_{t−1}) stays as a hollow ghost in its class colour.
    Points are coloured by class, or by ``values`` (``point_colors``)."""
    check_output(out)
    y = np.asarray(y, dtype=np.int64).reshape(-1)
    path = state_path(net, x, layer)
    steps = list(range(1, path.steps + 1)) if steps is None else list(steps)
    movies = [step_operations(net, x, t, layer, path) for t in steps]
    gl = _state_grid(path)
    everything = [path.drawn(s) for m in movies for s in m.stages()]
    grid_all = ([path.drawn(g) for m in movies for i in range(len(m.steps))
                 for g in _grid_at(m, gl.points, i)] if gl is not None else [])
    lo, hi = _limits(np.concatenate(everything),
                     np.concatenate(grid_all) if grid_all else None, box=gl is not None)
    dims = everything[0].shape[1]
    fig = plt.figure(figsize=(15.5, 9.4), dpi=dpi)
    ax = fig.add_axes((0.05, 0.17, 0.6, 0.72), projection="3d" if dims == 3 else None)
    rgb = rgba(class_rgb(y))
    ghost_rgb = rgba(class_rgb(y), 0.55)
    set_limits(ax, lo, hi)
    _label(ax, path.labels)
    cut = _drawn_boundary(net, path)
    if cut is not None:
        draw_hyperplane(ax, cut[0], cut[1], lo, hi)
    _tanh_box(ax, net, path)
    if dims == 3:
        ax.computed_zorder = False
        grid_art = None
        zero = np.zeros(len(y))
        ghost = ax.scatter(zero, zero, zero, facecolors="none", edgecolors=ghost_rgb, s=40,
                           linewidths=1.0, depthshade=False)
        pts = ax.scatter(zero, zero, zero, c=rgb, s=44, edgecolors="#333333", linewidths=0.4,
                         depthshade=False)
    else:
        grid_art = LineCollection([], colors=GRID_RGB, linewidths=0.6, alpha=0.45, zorder=1)
        ax.add_collection(grid_art)
        zero = np.zeros(len(y))
        ghost = ax.scatter(zero, zero, facecolors="none", edgecolors=ghost_rgb, s=50,
                           linewidths=1.0, zorder=3)
        pts = ax.scatter(zero, zero, c=rgb, s=56, edgecolors="#333333", linewidths=0.5,
                         zorder=4)
    heading = fig.text(0.05, 0.95, "", fontsize=FONT + 3, va="top")
    side = fig.text(0.67, 0.86, "", fontsize=FONT + 1, va="top")
    foot = fig.text(0.05, 0.08, "", fontsize=FONT + 1, va="top")
    legend = [_colour_words(y, None, values, value_label, value_scale),
              "hollow: where each state was before this step (h_(t−1)), in its class colour",
              f"drawn: {path.note}"]
    if cut is not None:
        legend.append("dashed: the readout's decision line (it reads the state at the end)")
    fig.text(0.67, 0.5, "\n".join(textwrap.fill(s, 44) for s in legend), fontsize=FONT,
             va="top")
    frames, durations = [], []

    def show(m: RecurrentStep, i: int, tau: float, points: Array) -> None:
        p = path.drawn(points)
        before = path.drawn(m.before)
        if dims == 3:
            pts._offsets3d = (p[:, 0], p[:, 1], p[:, 2])
            ghost._offsets3d = (before[:, 0], before[:, 1], before[:, 2])
        else:
            pts.set_offsets(p)
            ghost.set_offsets(before)
        if values is not None:
            pts.set_facecolor(point_colors(m, i, y, values, value_scale))
        if grid_art is not None and gl is not None:
            grid_art.set_segments([seg for g in _grid_at(m, gl.points, i, tau)
                                   for seg in gl.lines(path.drawn(g))])
        heading.set_text(f"step {m.t} of {path.steps}: {equation(net, m.t)}")
        if i < 0:
            side.set_text(textwrap.fill(f"h_{m.t - 1}: the states before input {m.t}", 44))
            foot.set_text("")
        else:
            s = m.steps[i]
            side.set_text(f"operation {i + 1} of {len(m.steps)} · {_group(s.kind)} · "
                          f"t = {tau:.2f}\n" + _wrap(s.caption, 44))
            foot.set_text(textwrap.fill(_MEANING[s.kind], 110))
        frames.append(canvas_rgb(fig))

    for m in movies:
        show(m, -1, 0.0, m.before)
        durations.append(int(1000 / fps) + hold_ms)
        for i, tau, frame in m.frames(per_step)[1:]:
            show(m, i, tau, frame.points)
            held = tau == 1.0
            durations.append(int(1000 / fps) + (hold_ms if held else 0))
            if progress is not None:
                progress()
    plt.close(fig)
    return write_animation(frames, durations, out, fps)


_MEANING = {
    "rotate": "rotate: W_hh = UΣVᵀ turns the state's space (Vᵀ onto the axes W_hh scales "
              "along, U back) — the same turn at every step, for every sequence",
    "reflect": "reflect: det W_hh < 0, so one axis is turned over",
    "scale": "scale: W_hh stretches or shrinks the state along each axis by its singular "
             "value σ (σ < 1: the old state fades; σ > 1: it is amplified)",
    "translate": "translate: the input moves the state — W_ih·x_t + b is a different vector "
                 "for each input, the step's only difference between sequences",
    "bend": "bend: the activation acts on each unit (tanh folds the state back into (−1, 1)ᴴ:"
            " far out it flattens, near 0 it barely bends)",
    "dimension": "raise/lower dimension: none here",
}
