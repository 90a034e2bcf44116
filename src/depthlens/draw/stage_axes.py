"""Drawing one stage of a :class:`~depthlens.draw.scene.Scene` on a matplotlib axes.

Shared by the layer strip, the 3-D view and both animations, so every picture draws a layer's
space the same way:

- the decision grid's cells, warped by the layers and coloured by the network's prediction
  (faint, underneath);
- the grid lines of the input plane (thin, grey);
- the training points in their class colours (Playground's orange and blue for two classes) or
  their target on the diverging scale;
- in the last hidden layer, the output unit's separating hyperplane (a line in 2-D, a plane in
  3-D, a threshold on a number line).

A stage of one unit is drawn as a number line: the unit's value across, the classes in rows (or
the target up, for regression), and a band below coloured by what the rest of the network makes
of each value. Axes of 2 or 3 coordinates always have equal scales.

``StageArtists`` keeps the artists of a 2-D or 3-D panel so an animation moves them frame by
frame in one figure; ``png_bytes`` / ``save_figure`` render figures.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection, PolyCollection
from mpl_toolkits.mplot3d.art3d import Line3DCollection, Poly3DCollection

from depthlens.draw import colors
from depthlens.draw.scene import (
    Projection,
    Scene,
    continue_from,
    prediction_rgb,
    square_limits,
    stage_view,
)
from depthlens.files import write_bytes

Array = np.ndarray

DPI = 90
CELL_ALPHA = 0.55
CELL_ALPHA_3D = 0.3
GRID_COLOR = "#4a4a4a"
GRID_ALPHA = 0.45
GRID_WIDTH = 0.6
PLANE_COLOR = "#222222"
POINT_SIZE = 14


def hexcolor(rgb: tuple[int, int, int] | Array) -> str:
    """'#rrggbb' of an RGB triple."""
    r, g, b = (int(v) for v in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def rgba(rgb: Array, alpha: float = 1.0) -> Array:
    """uint8 RGB (N, 3) → float RGBA (N, 4) for matplotlib."""
    out = np.ones((len(rgb), 4))
    out[:, :3] = np.asarray(rgb, dtype=np.float64) / 255.0
    out[:, 3] = alpha
    return out


# -- rendering --------------------------------------------------------------------------------
def png_bytes(fig: plt.Figure, dpi: int = DPI, close: bool = True) -> bytes:
    """The figure as PNG bytes (no software metadata, so no URL inside); closes it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    if close:
        plt.close(fig)
    return buf.getvalue()


def save_figure(fig: plt.Figure, path: str | Path, dpi: int = DPI) -> bytes:
    """Write the figure as a PNG atomically; return the bytes written."""
    data = png_bytes(fig, dpi)
    write_bytes(path, data)
    return data


def canvas_rgb(fig: plt.Figure) -> Array:
    """The figure's current pixels (H, W, 3) uint8 (draws it)."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


# -- static panels ----------------------------------------------------------------------------
def stage_projection(scene: Scene, i: int, dims: int = 2,
                     units: tuple[int, ...] | None = None) -> Projection:
    """The view a panel of stage i uses (``scene.stage_view`` on the data's representation)."""
    return stage_view(scene.data[i], scene.stages[i], dims, units, scene.unit_names(i))


def draw_stage(ax: Any, scene: Scene, i: int, proj: Projection | None = None, dims: int = 2,
               units: tuple[int, ...] | None = None, cells: bool = True, grid: bool = True,
               hyperplane: bool = True, title: str | None = None,
               limits: tuple[Array, Array] | None = None) -> Projection:
    """Draw stage i of ``scene`` on ``ax`` (2-D, or 3-D when ``ax.name == '3d'``).

    Returns the projection used. ``limits`` fixes the box (else ``square_limits`` of the data
    and the carried window)."""
    is3d = getattr(ax, "name", "") == "3d"
    if is3d:
        ax.computed_zorder = False  # cells under the grid under the points, from every side
    if proj is None:
        proj = stage_projection(scene, i, 3 if is3d else dims, units)
    k = proj.dims
    if k == 1 and not is3d:
        _number_line(ax, scene, i, hyperplane)
    else:
        arts = StageArtists(ax, scene, k, cells=cells, grid=grid)
        pts = proj(scene.data[i])
        corners = proj(scene.corners[i])
        arts.update(pts, scene.grid_lines(proj(scene.grid[i])),
                    scene.cell_polygons(corners) if cells else None)
        lo, hi = limits if limits is not None else square_limits(pts, corners)
        set_limits(ax, lo, hi)
        if hyperplane and i == scene.last_hidden and scene.hyperplane is not None:
            cut = proj.hyperplane(*scene.hyperplane)
            if cut is not None:
                draw_hyperplane(ax, *cut, lo, hi)
        label_axes(ax, proj.labels)
    if title is not None:
        ax.set_title(title, fontsize=9)
    return proj


def label_axes(ax: Any, labels: list[str]) -> None:
    """Axis labels (2 or 3) in a small font."""
    ax.set_xlabel(labels[0], fontsize=8, labelpad=1)
    if len(labels) > 1:
        ax.set_ylabel(labels[1], fontsize=8, labelpad=1)
    if len(labels) > 2 and hasattr(ax, "set_zlabel"):
        ax.set_zlabel(labels[2], fontsize=8, labelpad=1)
    ax.tick_params(labelsize=7, pad=1)


def set_limits(ax: Any, lo: Array, hi: Array) -> None:
    """Equal-scale box: 2-D with equal aspect, 3-D with a cubic box."""
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    if getattr(ax, "name", "") == "3d":
        ax.set_zlim(lo[2], hi[2])
        ax.set_box_aspect((1, 1, 1))
    else:
        ax.set_aspect("equal", adjustable="box")


def draw_hyperplane(ax: Any, normal: Array, offset: float, lo: Array, hi: Array) -> None:
    """The set n·v + c = 0 inside the box [lo, hi]: a dashed line in 2-D, a translucent plane
    in 3-D (solved for the coordinate with the largest |n| over a grid of the other two)."""
    normal = np.asarray(normal, dtype=np.float64)
    if len(normal) == 2:
        p0 = -offset * normal / float(normal @ normal)
        direction = np.array([-normal[1], normal[0]])
        ax.axline(p0, p0 + direction, color=PLANE_COLOR, lw=1.4, ls="--", zorder=5,
                  label="separating line")
        ax.set_xlim(lo[0], hi[0])
        ax.set_ylim(lo[1], hi[1])
        return
    j = int(np.argmax(np.abs(normal)))
    others = [a for a in range(3) if a != j]
    u, v = np.meshgrid(np.linspace(lo[others[0]], hi[others[0]], 12),
                       np.linspace(lo[others[1]], hi[others[1]], 12))
    w = -(offset + normal[others[0]] * u + normal[others[1]] * v) / normal[j]
    w = np.where((w >= lo[j]) & (w <= hi[j]), w, np.nan)
    coords: list[Array] = [np.empty(0)] * 3
    coords[others[0]], coords[others[1]], coords[j] = u, v, w
    ax.plot_surface(*coords, color="#555555", alpha=0.3, linewidth=0, shade=False, zorder=2.5)
    ax.plot_wireframe(*coords, color=PLANE_COLOR, linewidth=0.4, alpha=0.6, rstride=3,
                      cstride=3, zorder=2.5)


def _number_line(ax: Any, scene: Scene, i: int, hyperplane: bool = True) -> None:
    """A one-unit stage: values across; classes in rows (or targets up); a prediction band."""
    values = scene.data[i][:, 0]
    carried = scene.corners[i][:, 0]
    finite = np.isfinite(carried)
    lo = float(min(values.min(), np.percentile(carried[finite], 1) if finite.any() else 0))
    hi = float(max(values.max(), np.percentile(carried[finite], 99) if finite.any() else 1))
    pad = 0.05 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad
    xs = np.linspace(lo, hi, 240)
    out = continue_from(scene.net, i, xs[:, None])
    band = prediction_rgb(scene.session, scene.net, out)
    rng = np.random.default_rng(0)
    if scene.problem == "classification":
        rows = scene.y.astype(np.int64)
        k = int(max(rows.max() + 1, 2))
        yv = rows + rng.uniform(-0.28, 0.28, size=len(rows))
        bottom, top = -1.0, k - 0.5
        names = list(scene.session.dataset.class_names) or [str(c) for c in range(k)]
        ax.set_yticks(range(k), names[:k], fontsize=7)
        ax.set_ylabel("class", fontsize=8)
    else:
        yv = np.asarray(scene.y, dtype=np.float64).reshape(len(scene.y), -1)[:, 0]
        span = float(yv.max() - yv.min()) or 1.0
        bottom, top = float(yv.min()) - 0.25 * span, float(yv.max()) + 0.08 * span
        ax.plot(xs, out[:, 0], color=hexcolor(colors.BLUE), lw=1.5, label="network")
        ax.set_ylabel("target", fontsize=8)
    height = 0.12 * (top - bottom)
    ax.imshow(band[None, :, :], extent=(lo, hi, bottom, bottom + height), aspect="auto",
              interpolation="nearest", zorder=0)
    ax.scatter(values, yv, c=rgba(scene.point_rgb), s=POINT_SIZE, edgecolors="white",
               linewidths=0.4, zorder=3)
    if hyperplane and scene.problem == "classification":
        for t in _thresholds(xs, out, scene):
            ax.axvline(t, color=PLANE_COLOR, ls="--", lw=1.2, zorder=4)
    ax.set_xlim(lo, hi)
    ax.set_ylim(bottom, top)
    ax.set_aspect("auto")
    names = scene.unit_names(i)
    ax.set_xlabel(names[0] if names else f"unit 1 of {scene.names[i]}", fontsize=8, labelpad=1)
    ax.tick_params(labelsize=7, pad=1)


def _thresholds(xs: Array, out: Array, scene: Scene) -> list[float]:
    """Values where the predicted class changes along a number line (the 1-D hyperplane)."""
    decided = scene.net.head.decide(out)
    change = np.nonzero(np.diff(decided))[0]
    return [float((xs[c] + xs[c + 1]) / 2) for c in change[:6]]


# -- artists that move ------------------------------------------------------------------------
@dataclass
class StageArtists:
    """The collections of one 2-D or 3-D panel: cells, grid lines, points; ``update`` moves
    them to new coordinates (drawn coordinates, (N, k)) without creating artists."""

    ax: Any
    scene: Scene
    dims: int
    cells: bool = True
    grid: bool = True

    def __post_init__(self) -> None:
        ax, scene = self.ax, self.scene
        self.is3d = getattr(ax, "name", "") == "3d"
        line_plane = scene.plane.dim == 1
        self.cell_art = None
        if self.cells:
            face = rgba(scene.cell_rgb, 1.0 if line_plane else (
                CELL_ALPHA_3D if self.is3d else CELL_ALPHA))
            if line_plane:
                cls = Line3DCollection if self.is3d else LineCollection
                self.cell_art = cls([], colors=face, linewidths=5, zorder=1)
            elif self.is3d:
                self.cell_art = Poly3DCollection([], facecolors=face, edgecolors="none",
                                                 linewidths=0)
            else:
                self.cell_art = PolyCollection([], facecolors=face, edgecolors=face,
                                               linewidths=0.25, zorder=1)
            ax.add_collection(self.cell_art)
        self.grid_art = None
        if self.grid and not line_plane:
            cls = Line3DCollection if self.is3d else LineCollection
            self.grid_art = cls([], colors=GRID_COLOR, linewidths=GRID_WIDTH, alpha=GRID_ALPHA,
                                zorder=2)
            ax.add_collection(self.grid_art)
        face = rgba(scene.point_rgb)
        if self.is3d:
            zero = np.zeros(len(face))
            self.points = ax.scatter(zero, zero, zero, c=face, s=POINT_SIZE, edgecolors="white",
                                     linewidths=0.4, depthshade=False, zorder=3)
        else:
            self.points = ax.scatter(np.zeros(len(face)), np.zeros(len(face)), c=face,
                                     s=POINT_SIZE, edgecolors="white", linewidths=0.4, zorder=3)

    def recolor(self, cell_rgb: Array) -> None:
        """New colours (cells, 3) uint8 for the cells (the prediction changed)."""
        if self.cell_art is None:
            return
        line_plane = self.scene.plane.dim == 1
        face = rgba(cell_rgb, 1.0 if line_plane else (
            CELL_ALPHA_3D if self.is3d else CELL_ALPHA))
        if line_plane:
            self.cell_art.set_color(face)
        else:
            self.cell_art.set_facecolor(face)
            if not self.is3d:
                self.cell_art.set_edgecolor(face)

    def update(self, points: Array, lines: list[Array] | None = None,
               cells: Array | None = None) -> None:
        """Move the points (N, k), grid polylines [(n_i, k)] and cells (cells, corners, k)."""
        if self.is3d:
            self.points._offsets3d = (points[:, 0], points[:, 1], points[:, 2])
        else:
            self.points.set_offsets(points[:, :2])
        if self.grid_art is not None and lines is not None:
            self.grid_art.set_segments(lines)
        if self.cell_art is not None and cells is not None:
            if isinstance(self.cell_art, PolyCollection | Poly3DCollection):
                self.cell_art.set_verts(list(cells))
            else:
                self.cell_art.set_segments(list(cells))
