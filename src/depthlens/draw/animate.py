"""Animations: the forward pass as the five operations, and training as a moving picture.

Forward pass (``forward_animation``). Every dense layer is split into its steps
(``lens.decompose``: rotate by Vᵀ, (reflect), scale by Σ, change dimension, rotate by U,
translate, bend; the page's player plays the same steps in the same order) and each step is
played over ``per_step`` frames (``LayerOperations.frames``), moving the training points, the
grid lines of the input plane and the decision grid's cells (coloured by the network's
prediction) together. Each frame is captioned with the layer and the step
("layer 1 · rotate (Vᵀ) by 37°"), the step's t and a progress bar. A layer's frames live in
its ambient space of D = max(n_in, n_out) coordinates: D = 2 is drawn directly, D = 3 on 3-D
axes, a wider D through a PCA fitted on the layer's final points (or its first ``dims``
coordinates when the layer lowers the dimension to at most ``dims``). A reflection turns an axis
over through an extra dimension; its depth is drawn as perspective (points coming out of the
page grow, as a page turning over). Frames::

    n_frames = 1 + per_step · Σ_layers (steps of the layer)

(the first frame is the input; each layer's own t = 0 frame equals the previous layer's last).
The GIF loops forever; each frame lasts 1/fps s, the last frame of a step ``hold_ms`` longer.

Training (``training_animation``). The run's Config is trained again from scratch (a run is a
pure function of its Config, so this reproduces the saved run), keeping the weights every
``every`` epochs; each snapshot is one frame: the decision map over the input plane beside the
chosen stage's warped grid and data (the last hidden layer by default, with its separating
line). Frames: 1 + ⌈epochs / every⌉ (epoch 0, every ``every``-th epoch, and the last).

GIF through pillow; MP4 through ffmpeg when it is on PATH (``ConfigError`` naming the output
file otherwise, before any work is done).

Python::

    from depthlens.draw.animate import forward_animation, training_animation
    forward_animation(session, "forward.gif", per_step=10)
    training_animation(session, "training.gif", stage="a2", every=5)
"""

from __future__ import annotations

import io
import math
import shutil
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from PIL import Image
from tqdm import tqdm

from depthlens.draw.scene import (
    Projection,
    Scene,
    align_signs,
    build_scene,
    square_limits,
    stage_view,
)
from depthlens.draw.stage_axes import (
    StageArtists,
    _number_line,
    canvas_rgb,
    draw_hyperplane,
    label_axes,
    set_limits,
)
from depthlens.errors import ConfigError, DivergenceError
from depthlens.files import write_bytes
from depthlens.lens.operations import LayerOperations, decompose

if TYPE_CHECKING:
    from depthlens.experiment.session import Session

Array = np.ndarray

FORMATS = (".gif", ".mp4")
ANIMATION_DPI = 80


# -- writing ----------------------------------------------------------------------------------
def ffmpeg_exe() -> str | None:
    """An ffmpeg program: the one on PATH, else the one the imageio-ffmpeg package ships."""
    found = shutil.which("ffmpeg")
    if found is not None:
        return found
    try:
        import imageio_ffmpeg
    except ImportError:
        return None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError:
        return None


def check_output(path: str | Path) -> str:
    """The format of ``path`` ('.gif' or '.mp4'); ConfigError if it is neither, or if it is
    MP4 and no ffmpeg can be found."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ConfigError("--out", str(path), "a file name ending in .gif or .mp4")
    if suffix == ".mp4" and ffmpeg_exe() is None:
        raise ConfigError("--out", str(path), "a .gif file: MP4 needs ffmpeg, which was not "
                          "found (install ffmpeg or imageio-ffmpeg, or ask for .gif)")
    return suffix


def write_animation(frames: Iterable[Array], durations: list[int], path: str | Path,
                    fps: float = 12.0) -> Path:
    """Write RGB frames (H, W, 3) uint8 as a GIF (pillow, looping forever, per-frame
    ``durations`` in ms) or an MP4 (ffmpeg; a frame held longer is repeated). Atomic."""
    path = Path(path)
    suffix = check_output(path)
    if suffix == ".gif":
        images = [Image.fromarray(f).quantize(colors=255, method=Image.Quantize.FASTOCTREE)
                  for f in frames]
        if not images:
            raise ConfigError("frames", 0, "at least one frame")
        buf = io.BytesIO()
        images[0].save(buf, format="GIF", save_all=True, append_images=images[1:],
                       duration=durations, loop=0, optimize=False, disposal=1)
        write_bytes(path, buf.getvalue())
        return path
    return _write_mp4(frames, durations, path, fps)


def _write_mp4(frames: Iterable[Array], durations: list[int], path: Path, fps: float) -> Path:
    frames = list(frames)
    h, w = frames[0].shape[:2]
    h2, w2 = h - h % 2, w - w % 2  # yuv420p needs even sizes
    tmp = path.with_name(f".{path.name}.tmp.mp4")
    cmd = [ffmpeg_exe() or "ffmpeg", "-y", "-loglevel", "error", "-f", "rawvideo",
           "-pix_fmt", "rgb24",
           "-s", f"{w2}x{h2}", "-r", f"{fps:g}", "-i", "-", "-pix_fmt", "yuv420p",
           "-vcodec", "libx264", str(tmp)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        for frame, ms in zip(frames, durations):
            repeat = max(1, round(ms * fps / 1000.0))
            data = np.ascontiguousarray(frame[:h2, :w2]).tobytes()
            for _ in range(repeat):
                proc.stdin.write(data)
        proc.stdin.close()
        err = proc.stderr.read().decode(errors="replace")
        if proc.wait() != 0:
            raise ConfigError("--out", str(path), f"a file ffmpeg can write ({err.strip()})")
        tmp.replace(path)
    finally:
        if proc.poll() is None:
            proc.kill()
        tmp.unlink(missing_ok=True)
    return path


# -- the forward pass -------------------------------------------------------------------------
@dataclass
class LayerMovie:
    """The frames of one layer: ``ops`` its decomposition; ``frames`` (step, t, points (P, D),
    depth (P,)) for all carried points (data, then grid, then cell corners); ``project`` maps
    ambient points to drawn coordinates (``dims`` of them); ``limits`` the box of each frame
    (``camera``)."""

    layer: int
    ops: LayerOperations
    frames: list[tuple[int, float, Array]]
    project: Any
    dims: int
    limits: list[tuple[Array, Array]]
    counts: tuple[int, int, int]


def _perspective(points: Array, depth: Array, reach: float) -> Array:
    """Points seen from a camera 4·reach in front of the page: depth toward it enlarges."""
    if not np.any(depth):
        return points
    f = 4.0 * reach
    return points * (f / np.maximum(f - depth, 0.25 * f))[:, None]


def camera(boxes: list[tuple[Array, Array]], per_step: int) -> list[tuple[Array, Array]]:
    """A camera that follows the points smoothly: each frame's box is the union of the boxes
    of the next step's worth of frames (``per_step``: it looks ahead, so where the points are
    going is already in view), then its centre and log-size are averaged over half a step
    either side, never cropping the frame's own content. The axes move less than the points, so
    the motion shows against them, the tick labels keep the scale honest, and the end of a
    layer is framed on its result."""
    lo = np.array([b[0] for b in boxes])
    hi = np.array([b[1] for b in boxes])
    n, w = len(boxes), max(1, per_step)
    ulo = np.array([lo[f: f + w + 1].min(axis=0) for f in range(n)])
    uhi = np.array([hi[f: f + w + 1].max(axis=0) for f in range(n)])
    centre = (ulo + uhi) / 2
    log_half = np.log(np.maximum((uhi - ulo).max(axis=1) / 2, 1e-9))
    h = max(1, w // 2)
    sm_c = np.array([centre[max(0, f - h): f + h + 1].mean(axis=0) for f in range(n)])
    sm_h = np.exp([log_half[max(0, f - h): f + h + 1].mean() for f in range(n)])
    # Never crop the frame's own content.
    need = np.maximum(np.abs(hi - sm_c).max(axis=1), np.abs(sm_c - lo).max(axis=1))
    half = np.maximum(sm_h, need)
    return [(c - r, c + r) for c, r in zip(sm_c, half)]


def _layer_projection(ops: LayerOperations, final: Array, dims: int) -> tuple[Any, int]:
    """(map ambient (P, D) → drawn (P, k), k) for one layer (module docstring)."""
    d = ops.ambient
    if d == 1:
        return None, 1
    if d <= 3:
        return (lambda p: p), d
    if ops.n_out <= dims and ops.n_out < d:
        k = max(2, ops.n_out)
        return (lambda p: p[:, :k]), k
    center = final.mean(axis=0)
    _, _, vt = np.linalg.svd(final - center, full_matrices=False)
    axes = vt[:dims]
    flip = np.sign(axes[np.arange(dims), np.abs(axes).argmax(axis=1)])
    axes = axes * np.where(flip == 0, 1.0, flip)[:, None]
    return (lambda p: (p - center) @ axes.T), dims


def _line_coords(scene: Scene, n_data: int, values: Array) -> Array:
    """A 1-D ambient space drawn as a number line: the data in class rows (jittered, for
    regression one band), the input line below; heights scale with the frame's spread so the
    equal-scale box frames them."""
    span = float(np.ptp(values[:n_data, 0])) or 1.0
    rng = np.random.default_rng(0)
    jitter = rng.uniform(-0.3, 0.3, n_data)
    rows = scene.y.astype(np.float64) if scene.problem == "classification" else 0.0
    y = np.full(len(values), -0.15 * span)
    y[:n_data] = (rows + jitter) * 0.12 * span
    return np.column_stack([values[:, 0], y])


def layer_movies(scene: Scene, layers: list[int] | None = None, per_step: int = 10,
                 dims: int = 2) -> list[LayerMovie]:
    """The frames of the chosen layers (1-based; all by default), ready to draw."""
    net = scene.net
    layers = list(range(1, net.n_layers + 1)) if layers is None else layers
    movies = []
    for k in layers:
        if not 1 <= k <= net.n_layers:
            raise ConfigError("layer", k, f"a layer number in [1, {net.n_layers}]")
        i = 2 * (k - 1)  # the stage this layer reads
        parts = (scene.data[i], scene.grid[i], scene.corners[i])
        counts = tuple(len(p) for p in parts)
        ops = decompose(net.weights[k - 1], net.biases[k - 1], net.layer_activations[k - 1])
        raw = ops.frames(np.concatenate(parts), per_step)
        if movies:
            raw = raw[1:]  # equals the previous layer's last frame
        final = raw[-1][2].points[: counts[0]]
        reach = float(np.abs(np.concatenate([final, raw[0][2].points[: counts[0]]])).max()
                      or 1.0)
        frames = [(s, t, _perspective(f.points, f.depth, reach)) for s, t, f in raw]
        project, kdims = _layer_projection(ops, final, dims)
        if project is None:
            n0 = counts[0]
            frames = [(s, t, _line_coords(scene, n0, p)) for s, t, p in frames]
            project, kdims = (lambda p: p), 2
        boxes = [square_limits(project(p[: counts[0]]), project(p[counts[0] + counts[1]:]),
                               reach=0.35) for _, _, p in frames]
        limits = camera(boxes, per_step)
        movies.append(LayerMovie(k, ops, frames, project, kdims, limits, counts))
    return movies


def forward_frame_count(session: Session, layers: list[int] | None = None,
                        per_step: int = 10) -> int:
    """How many frames ``forward_animation`` writes: 1 + per_step · (steps of the layers)."""
    net = session.net
    layers = list(range(1, net.n_layers + 1)) if layers is None else layers
    steps = sum(len(decompose(net.weights[k - 1], net.biases[k - 1],
                              net.layer_activations[k - 1]).steps) for k in layers)
    return 1 + per_step * steps


class _Stage2or3:
    """One figure with a 2-D and a 3-D axes in the same place; the one in use is visible."""

    def __init__(self, fig: plt.Figure, scene: Scene, rect: tuple[float, float, float, float],
                 cells: bool):
        self.ax2 = fig.add_axes(rect)
        self.ax3 = fig.add_axes(rect, projection="3d")
        self.ax3.computed_zorder = False
        self.art2 = StageArtists(self.ax2, scene, 2, cells=cells)
        self.art3 = StageArtists(self.ax3, scene, 3, cells=cells)
        self.ax3.set_visible(False)

    def use(self, dims: int) -> tuple[Any, StageArtists]:
        three = dims == 3
        self.ax2.set_visible(not three)
        self.ax3.set_visible(three)
        return (self.ax3, self.art3) if three else (self.ax2, self.art2)


def forward_frames(session: Session, layers: list[int] | None = None, per_step: int = 10,
                   dims: int = 2, resolution: int = 20, cells: bool = True,
                   size: tuple[float, float] = (6.4, 6.2), dpi: int = ANIMATION_DPI,
                   hold_ms: int = 450, fps: float = 12.0, progress: bool = False,
                   scene: Scene | None = None) -> Iterator[tuple[Array, int]]:
    """Yield (RGB frame (H, W, 3) uint8, duration ms) of the forward-pass animation."""
    scene = build_scene(session, resolution=resolution) if scene is None else scene
    movies = layer_movies(scene, layers, per_step, dims)
    total = sum(len(m.frames) for m in movies)
    base = max(20, round(1000 / fps))
    fig = plt.figure(figsize=size, dpi=dpi)
    stage = _Stage2or3(fig, scene, (0.1, 0.1, 0.85, 0.7), cells)
    head = fig.text(0.5, 0.965, "", ha="center", va="top", fontsize=10, color="#555555")
    caption = fig.text(0.5, 0.925, "", ha="center", va="top", fontsize=12, fontweight="bold",
                       wrap=True)
    sub = fig.text(0.5, 0.85, "", ha="center", va="top", fontsize=8, color="#555555")
    bar_ax = fig.add_axes((0.1, 0.025, 0.85, 0.018))
    bar_ax.set_xlim(0, 1)
    bar_ax.set_ylim(0, 1)
    bar_ax.set_xticks([])
    bar_ax.set_yticks([])
    bar = bar_ax.barh([0.5], [0.0], height=1.0, color="#0877bd")[0]
    n_layers = scene.net.n_layers
    acts = scene.net.layer_activations
    done = 0
    with tqdm(total=total, desc="frames", unit="frame", disable=not progress,
              file=sys.stderr, leave=False) as pbar:
        for movie in movies:
            ops = movie.ops
            ax, arts = stage.use(movie.dims)
            axis = [f"axis {j + 1}" for j in range(movie.dims)]
            if ops.ambient > 3 and not (ops.n_out <= dims and ops.n_out < ops.ambient):
                axis = [f"PC{j + 1} of the layer's end" for j in range(movie.dims)]
            label_axes(ax, axis)
            head.set_text(f"layer {movie.layer} of {n_layers}: {ops.n_in}-D → {ops.n_out}-D, "
                          f"{acts[movie.layer - 1]} · drawn in {ops.ambient}-D")
            n0, n1, _ = movie.counts
            n_steps = len(ops.steps)
            for f, (s, t, pts) in enumerate(movie.frames):
                drawn = movie.project(pts)
                set_limits(ax, *movie.limits[f])
                arts.update(drawn[:n0], scene.grid_lines(drawn[n0:n0 + n1]),
                            scene.cell_polygons(drawn[n0 + n1:]))
                if s < 0:
                    caption.set_text(f"layer {movie.layer} · the points it receives")
                    caption.set_fontsize(12)
                    sub.set_text("the input" if movie.layer == 1
                                 else f"layer {movie.layer - 1}'s output")
                else:
                    text = f"layer {movie.layer} · {ops.steps[s].caption}"
                    caption.set_text(text)
                    caption.set_fontsize(12 if len(text) <= 48 else 10)
                    sub.set_text(f"step {s + 1} of {n_steps} · t = {t:.2f}")
                done += 1
                bar.set_width(done / total)
                frame = canvas_rgb(fig)
                last_of_step = f + 1 == len(movie.frames) or movie.frames[f + 1][0] != s
                ms = base + (hold_ms if last_of_step else 0)
                if done == 1:
                    ms = base + 2 * hold_ms
                if done == total:
                    ms = base + 4 * hold_ms
                pbar.update(1)
                yield frame, ms
    plt.close(fig)


def forward_animation(session: Session, path: str | Path, layers: list[int] | None = None,
                      per_step: int = 10, fps: float = 12.0, dims: int = 2,
                      hold_ms: int = 450, dpi: int = ANIMATION_DPI, resolution: int = 20,
                      progress: bool = False) -> Path:
    """Write the forward-pass animation of ``session``'s network (module docstring) to a .gif
    or .mp4 file; ``layers`` 1-based (all by default). Returns the path."""
    check_output(path)
    frames, durations = [], []
    for frame, ms in forward_frames(session, layers, per_step, dims, resolution, dpi=dpi,
                                    hold_ms=hold_ms, fps=fps, progress=progress):
        frames.append(frame)
        durations.append(ms)
    return write_animation(frames, durations, path, fps)


# -- training ---------------------------------------------------------------------------------
@dataclass
class Snapshot:
    """The network's parameters after ``epoch`` epochs, with that epoch's history row."""

    epoch: int
    params: Array
    row: dict[str, float]


def training_snapshots(session: Session, every: int | None = None, frames: int = 40,
                       epochs: int | None = None,
                       progress: bool = False) -> tuple[Session, list[Snapshot]]:
    """Retrain ``session``'s Config from scratch; keep the weights at epoch 0, every
    ``every`` epochs (default: about ``frames`` snapshots) and at the end. Returns the fresh
    session (trained) and the snapshots. A diverging run stops with what it has."""
    from depthlens.experiment.session import Session as _Session

    fresh = _Session(session.config, session.dataset)
    if epochs is None:
        epochs = session.epoch or session.config.epochs
    every = max(1, math.ceil(epochs / max(1, frames))) if every is None else int(every)
    if every < 1:
        raise ConfigError("every", every, "a whole number of epochs ≥ 1")
    snaps = [Snapshot(0, fresh.net.params.copy(), _first_row(fresh))]
    with tqdm(total=epochs, desc="retrain", unit="epoch", disable=not progress,
              file=sys.stderr, leave=False) as bar:
        for e in range(1, epochs + 1):
            try:
                row = fresh.train_epoch()
            except DivergenceError:
                break
            bar.update(1)
            if e % every == 0 or e == epochs:
                snaps.append(Snapshot(e, fresh.net.params.copy(), dict(row)))
    return fresh, snaps


def _first_row(session: Session) -> dict[str, float]:
    m = session.metrics()
    return {k: float(v) for k, v in m.items() if isinstance(v, int | float)}


def training_frame_count(epochs: int, every: int) -> int:
    """Frames of ``training_animation``: epoch 0, each multiple of ``every``, and the last."""
    return 1 + math.ceil(epochs / every)


def training_frames(session: Session, stage: str | int | None = None,
                    every: int | None = None, frames: int = 40, dims: int = 2,
                    units: tuple[int, ...] | None = None, resolution: int = 24,
                    dpi: int = ANIMATION_DPI, fps: float = 6.0, hold_ms: int = 1200,
                    progress: bool = False) -> Iterator[tuple[Array, int]]:
    """Yield (RGB frame, duration ms) of the training animation (module docstring)."""
    fresh, snaps = training_snapshots(session, every, frames, progress=progress)
    net = fresh.net
    scenes: list[Scene] = []
    projections: list[tuple[Projection, Projection]] = []
    prev: Projection | None = None
    i_stage = None
    for snap in snaps:
        net.params[...] = snap.params
        scene = build_scene(fresh, net, resolution=resolution)
        if i_stage is None:
            i_stage = scene.last_hidden if stage is None else scene.index(stage)
        use = 3 if dims == 3 and scene.stages[i_stage].width >= 3 else 2
        right = align_signs(stage_view(scene.data[i_stage], scene.stages[i_stage], use, units,
                                       scene.unit_names(i_stage)), prev)
        prev = right
        left = stage_view(scene.data[0], scene.stages[0], 2, None, scene.unit_names(0))
        scenes.append(scene)
        projections.append((left, right))
    limits = [_union_limits([(p[side](s.data[j]), p[side](s.corners[j]))
                             for s, p in zip(scenes, projections)])
              for side, j in ((0, 0), (1, i_stage))]
    base = max(20, round(1000 / fps))
    fig = plt.figure(figsize=(10.4, 5.4), dpi=dpi)
    title = fig.text(0.5, 0.97, "", ha="center", va="top", fontsize=11, fontweight="bold")
    sub = fig.text(0.5, 0.915, "", ha="center", va="top", fontsize=8, color="#555555")
    right_dims = projections[0][1].dims
    ax_l = fig.add_axes((0.06, 0.08, 0.4, 0.76))
    ax_r = fig.add_axes((0.55, 0.08, 0.4, 0.76), projection="3d" if right_dims == 3 else None)
    if right_dims == 3:
        ax_r.computed_zorder = False
    arts = [None, None]
    extra: list[Any] = []
    metric = fresh.history.metric
    first = scenes[0]
    epochs_total = snaps[-1].epoch
    with tqdm(total=len(snaps), desc="frames", unit="frame", disable=not progress,
              file=sys.stderr, leave=False) as bar:
        for n, (snap, scene, (left, right)) in enumerate(zip(snaps, scenes, projections)):
            net.params[...] = snap.params  # number lines read the network when drawn
            for artist in extra:
                artist.remove()
            extra = []
            for side, (ax, proj, j) in enumerate(((ax_l, left, 0), (ax_r, right, i_stage))):
                if proj.dims == 1:
                    ax.clear()
                    _number_line(ax, scene, j)
                    continue
                if arts[side] is None:
                    arts[side] = StageArtists(ax, first, proj.dims)
                    set_limits(ax, *limits[side])
                    label_axes(ax, proj.labels)
                art = arts[side]
                art.recolor(scene.cell_rgb)
                pts, corners = proj(scene.data[j]), proj(scene.corners[j])
                art.update(pts, scene.grid_lines(proj(scene.grid[j])),
                           scene.cell_polygons(corners))
                if side == 1 and j == scene.last_hidden and scene.hyperplane is not None:
                    cut = proj.hyperplane(*scene.hyperplane)
                    if cut is not None:
                        before = set(ax.lines) | set(ax.collections)
                        draw_hyperplane(ax, *cut, *limits[side])
                        extra.extend((set(ax.lines) | set(ax.collections)) - before)
            ax_l.set_title("the input plane: the network's decision", fontsize=9)
            name = scene.label(i_stage)
            note = "" if right.note == "own units" else f" · {right.note}"
            ax_r.set_title(f"{name}{note}", fontsize=9)
            row = snap.row
            score = row.get(f"test_{metric}", math.nan)
            if not np.isfinite(score):
                score = row.get(f"train_{metric}", math.nan)
            title.set_text(f"training · epoch {snap.epoch} of {epochs_total}")
            sub.set_text(f"{fresh.config.dataset} · {'-'.join(map(str, net.sizes))} · "
                         f"train loss {row.get('train_loss', math.nan):.4f} · "
                         f"{metric} {score:.3f}"
                         + (" · dashed: the separating line" if extra else ""))
            frame = canvas_rgb(fig)
            bar.update(1)
            last = n == len(snaps) - 1
            yield frame, base + (hold_ms if last or n == 0 else 0)
    plt.close(fig)


def _union_limits(pairs: list[tuple[Array, Array]]) -> tuple[Array, Array]:
    boxes = [square_limits(d, c) for d, c in pairs]
    lo = np.min([b[0] for b in boxes], axis=0)
    hi = np.max([b[1] for b in boxes], axis=0)
    centre, half = (lo + hi) / 2, float((hi - lo).max()) / 2
    return centre - half, centre + half


def training_animation(session: Session, path: str | Path, stage: str | int | None = None,
                       every: int | None = None, frames: int = 40, fps: float = 6.0,
                       dims: int = 2, units: tuple[int, ...] | None = None,
                       dpi: int = ANIMATION_DPI, resolution: int = 24,
                       progress: bool = False) -> Path:
    """Write the training animation (module docstring) of ``session``'s Config to .gif/.mp4.

    ``stage``: a stage name ('a2') or index (default: the last hidden layer); ``every``: epochs
    between frames (default: about ``frames`` frames over the run)."""
    check_output(path)
    out, durations = [], []
    for frame, ms in training_frames(session, stage, every, frames, dims, units, resolution,
                                     dpi, fps, progress=progress):
        out.append(frame)
        durations.append(ms)
    return write_animation(out, durations, path, fps)


__all__ = [
    "LayerMovie",
    "Snapshot",
    "check_output",
    "forward_animation",
    "forward_frame_count",
    "forward_frames",
    "layer_movies",
    "training_animation",
    "training_frame_count",
    "training_frames",
    "training_snapshots",
    "write_animation",
]
