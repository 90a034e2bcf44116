"""Pictures of the training lab (matplotlib; the computations live in the other lab modules).

Every function returns a matplotlib Figure (render it with ``draw.panels.save_figure`` or
``png_bytes``) except ``surface_race_frames``, which returns RGB frames for
``draw.animate.write_animation``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import patheffects
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.patches import Ellipse

from depthlens.draw import colors as dcolors
from depthlens.lab.init_lab import SYMMETRIC_INITS, InitLab
from depthlens.lab.landscape import Landscape, PathPlane
from depthlens.lab.network_race import NetworkRace
from depthlens.lab.preprocess_lab import LABELS, PreprocessLab
from depthlens.lab.race import Trajectory
from depthlens.lab.surfaces import Surface

Array = np.ndarray

COLORS = {
    "sgd": "#222222",
    "momentum": "#1f77b4",
    "nesterov": "#17becf",
    "adagrad": "#2ca02c",
    "rmsprop": "#ff7f0e",
    "adadelta": "#9467bd",
    "adam": "#d62728",
    "adamw": "#8c564b",
    "sgd per-sample": "#8c8c8c",
    "sgd mini-batch": "#222222",
    "sgd full batch": "#bcbd22",
}
_CYCLE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
          "#7f7f7f", "#bcbd22", "#17becf"]
LANDSCAPE_CMAP = LinearSegmentedColormap.from_list(
    "depthlens_landscape", ["#ffffff", "#deebf7", "#9ecae1", "#4f8fc0"])
"""Low loss white, high loss mid blue: trajectories in colour stay readable on top."""
HALO = [patheffects.Stroke(linewidth=3.4, foreground="#ffffff", alpha=0.8), patheffects.Normal()]
"""A white outline under the paths, so they stand out from the contours."""


def _level(ax: plt.Axes, y: float, text: str) -> None:
    """A dashed horizontal line at ``y`` labelled ``text`` at the right edge (a tolerance or a
    target loss)."""
    ax.axhline(y, color="#888888", ls="--", lw=0.9)
    ax.text(0.99, y, text, transform=ax.get_yaxis_transform(), ha="right", va="bottom",
            fontsize=8, color="#555555")

def color(name: str, i: int = 0) -> str:
    """A fixed colour per optimizer / contender name; a cycle for other names."""
    return COLORS.get(name, _CYCLE[i % len(_CYCLE)])


def _class_colors(y: Array) -> list[str]:
    return ["#" + "".join(f"{v:02x}" for v in dcolors.class_color(int(k))) for k in y]


# -- surfaces ---------------------------------------------------------------------------------
def _surface_levels(surface: Surface, f: Array) -> tuple[Array, Array, str]:
    """Values to contour and their levels: log10(f − f* + 10⁻³) for surfaces with steep
    walls (evenly spaced levels), f itself otherwise (levels at quantiles of f)."""
    if surface.log_contours:
        z = np.log10(np.maximum(f - surface.f_min, 0.0) + 1e-3)
        return z, np.linspace(z.min(), z.max(), 24), "log₁₀(f − f* + 10⁻³)"
    # equal-area bands: every band covers about the same share of the map, so the wells are
    # as detailed as the walls
    levels = np.unique(np.quantile(f, np.linspace(0.0, 1.0, 25) ** 1.5))
    return f, levels, "f"


def draw_surface(ax: plt.Axes, surface: Surface, resolution: int = 200,
                 minima: bool = True) -> None:
    """Filled contours of ``surface`` over its extent, its minima (★ global, ✕ local)."""
    gx, gy, f = surface.grid(resolution)
    z, levels, _ = _surface_levels(surface, f)
    ax.contourf(gx, gy, z, levels=levels, cmap=LANDSCAPE_CMAP, alpha=0.9)
    ax.contour(gx, gy, z, levels=levels, colors="#3a6d99", linewidths=0.35, alpha=0.35)
    if minima:
        x0, x1, y0, y1 = surface.extent
        for m in surface.minima:
            if not (x0 <= m.x <= x1 and y0 <= m.y <= y1):
                continue
            if m.kind == "global":
                ax.plot(m.x, m.y, marker="*", ms=13, color="#ffd700", mec="#000000", mew=0.8,
                        zorder=5)
            elif len(surface.minima) < 10:
                ax.plot(m.x, m.y, marker="X", ms=9, color="#ffffff", mec="#000000", mew=0.8,
                        zorder=5)
    ax.set_xlim(surface.extent[0], surface.extent[1])
    ax.set_ylim(surface.extent[2], surface.extent[3])
    ax.set_aspect("equal")
    ax.set_xlabel("x")
    ax.set_ylabel("y")


def _width(i: int, n: int) -> float:
    """Line width of racer i of n: the first drawn are the widest, so a path that runs under a
    later one still shows at its edges."""
    return 1.3 + 1.6 * (n - 1 - i) / max(n - 1, 1)


def _race_title(surface: Surface, trajectories: Mapping[str, Trajectory],
                noise: float) -> str:
    steps = max((t.steps for t in trajectories.values()), default=0)
    first = next(iter(trajectories.values()), None)
    p0 = first.points[0] if first is not None else surface.start
    text = (f"{surface.title}: f = {surface.formula}\n{steps} steps from "
            f"({p0[0]:g}, {p0[1]:g})")
    if noise > 0:
        text += f", gradient noise σ = {noise:g}"
    return text


def surface_race_figure(surface: Surface, trajectories: Mapping[str, Trajectory],
                        noise: float = 0.0) -> plt.Figure:
    """Trajectories over the contour map (left) and f − f* per step, log scale (right)."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12.5, 5.4),
                                 gridspec_kw={"width_ratios": [1.25, 1]})
    draw_surface(ax, surface)
    for i, (name, tr) in enumerate(trajectories.items()):
        c = color(name, i)
        pts = tr.points
        ax.plot(pts[:, 0], pts[:, 1], "-", color=c, lw=_width(i, len(trajectories)),
                label=name, zorder=3, path_effects=HALO)
        last = pts[np.all(np.isfinite(pts), axis=1)][-1]
        ax.plot(last[0], last[1], "o", color=c, mec="#ffffff", ms=7, zorder=4)
    start = next(iter(trajectories.values())).points[0] if trajectories else surface.start
    ax.plot(start[0], start[1], "o", color="#ffffff", mec="#000000", ms=9, zorder=6)
    ax.annotate("start", (start[0], start[1]), textcoords="offset points", xytext=(8, 6),
                fontsize=9, zorder=6)
    ax.set_title(_race_title(surface, trajectories, noise), fontsize=10)
    for i, (name, tr) in enumerate(trajectories.items()):
        gap = tr.values - surface.f_min
        bx.plot(np.arange(len(gap)), np.maximum(gap, 1e-16), color=color(name, i), lw=1.4,
                label=name)
    _level(bx, surface.tol, f" tolerance {surface.tol:g}")
    bx.set_yscale("log")
    bx.set_xlabel("step")
    bx.set_ylabel("f − f*   (f* = global minimum value)")
    bx.set_title("distance to the global minimum value", fontsize=10)
    bx.grid(True, which="major", alpha=0.3)
    bx.legend(fontsize=8, ncol=2, loc="lower left")
    fig.tight_layout()
    return fig


def frame_steps(steps: int, frames: int) -> list[int]:
    """Strictly increasing steps shown in the animation, from 0 to ``steps``, denser at the
    start (where most optimizers move most): step_k = max(round(steps·(k/(n − 1))²),
    step_{k−1} + 1) for k = 0 … n − 1, n = min(frames, steps + 1). The forced increments never
    pass ``steps``: step_k ≤ max_j (steps·(j/(n−1))² + k − j), which is convex in j and at most
    ``steps`` at both ends since n − 1 ≤ steps."""
    n = max(1, min(int(frames), int(steps) + 1))
    if n == 1:
        return [int(steps)]
    out = [0]
    for k in range(1, n):
        out.append(max(round(steps * (k / (n - 1)) ** 2), out[-1] + 1))
    return out


def surface_race_frames(surface: Surface, trajectories: Mapping[str, Trajectory],
                        frames: int = 60, noise: float = 0.0, dpi: int = 72,
                        hold_ms: int = 1500, fps: float = 12.0) -> tuple[list[Array], list[int]]:
    """RGB frames of the race drawn step by step, and their durations (ms); the last frame is
    held ``hold_ms`` longer. Frame count: ``len(frame_steps(steps, frames))``."""
    steps = max((t.steps for t in trajectories.values()), default=0)
    shown = frame_steps(steps, frames)
    fig, ax = plt.subplots(figsize=(7.2, 6.0), dpi=dpi)
    draw_surface(ax, surface, resolution=160)
    lines, heads = [], []
    for i, name in enumerate(trajectories):
        c = color(name, i)
        (line,) = ax.plot([], [], "-", color=c, lw=_width(i, len(trajectories)), label=name,
                          zorder=3, animated=True, path_effects=HALO)
        (head,) = ax.plot([], [], "o", color=c, mec="#ffffff", ms=8, zorder=4, animated=True)
        lines.append(line)
        heads.append(head)
    start = next(iter(trajectories.values())).points[0] if trajectories else surface.start
    ax.plot(start[0], start[1], "o", color="#ffffff", mec="#000000", ms=8, zorder=6)
    ax.legend(handles=lines, loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=8,
              ncol=4, frameon=False)
    ax.set_title(_race_title(surface, trajectories, noise), fontsize=9)
    caption = ax.text(0.99, 0.02, "", transform=ax.transAxes, ha="right", va="bottom",
                      fontsize=11, bbox={"facecolor": "#ffffff", "alpha": 0.8, "lw": 0},
                      animated=True)
    fig.tight_layout()
    # Blitting: the contour map is drawn once; each frame restores it and draws the moving
    # artists only (animated=True keeps them out of the background).
    canvas = fig.canvas
    canvas.draw()
    background = canvas.copy_from_bbox(fig.bbox)
    out: list[Array] = []
    for s in shown:
        canvas.restore_region(background)
        for line, head, tr in zip(lines, heads, trajectories.values()):
            pts = tr.points[: s + 1]
            pts = pts[np.all(np.isfinite(pts), axis=1)]
            line.set_data(pts[:, 0], pts[:, 1])
            head.set_data(pts[-1:, 0], pts[-1:, 1])
            ax.draw_artist(line)
            ax.draw_artist(head)
        caption.set_text(f"step {s}")
        ax.draw_artist(caption)
        out.append(np.asarray(canvas.buffer_rgba())[..., :3].copy())
    plt.close(fig)
    frame_ms = round(1000 / fps)
    durations = [frame_ms] * len(out)
    durations[-1] += hold_ms
    return out, durations


# -- network race -----------------------------------------------------------------------------
def network_curves_figure(race: NetworkRace) -> plt.Figure:
    """Training loss and test loss against gradient evaluations, one curve per contender."""
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12.5, 4.8))
    for i, (name, run) in enumerate(race.runs.items()):
        c = color(name, i)
        ev = np.asarray(run.evaluations)
        ls = "--" if "sgd" in name and name != "sgd mini-batch" else "-"
        ax.plot(ev, run.train_loss, ls, color=c, lw=1.6, label=f"{name} (batch {run.batch_size})")
        bx.plot(ev, run.test_loss, ls, color=c, lw=1.6, label=name)
    for a, what in ((ax, "training"), (bx, "test")):
        a.set_yscale("log")
        a.set_xlabel("gradient evaluations (samples processed)")
        a.set_ylabel(f"{what} loss")
        a.grid(True, alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    cfg = race.session.config
    arch = "-".join(str(s) for s in race.session.net.sizes)
    fig.suptitle(f"{cfg.dataset} · {arch} {cfg.activation} · the same initial weights, "
                 f"{race.budget:,} gradient evaluations each ({race.epochs} epochs of "
                 f"{race.n_train})", fontsize=11)
    fig.tight_layout()
    return fig


def _contour_landscape(ax: plt.Axes, land: Landscape, levels: int = 30) -> None:
    a, b = np.meshgrid(land.alphas, land.betas)
    z = np.log10(np.clip(land.losses, 1e-6, 1e6))
    finite = np.isfinite(z)
    lo, hi = float(z[finite].min()), float(z[finite].max())
    lv = np.linspace(lo, hi if hi > lo else lo + 1e-6, levels)
    cs = ax.contourf(a, b, np.where(finite, z, hi), levels=lv, cmap=LANDSCAPE_CMAP)
    ax.contour(a, b, np.where(finite, z, hi), levels=lv, colors="#3a6d99", linewidths=0.35,
               alpha=0.35)
    cb = ax.figure.colorbar(cs, ax=ax, shrink=0.85)
    cb.set_label("log₁₀ training loss")


def network_paths_figure(race: NetworkRace, plane: PathPlane, land: Landscape) -> plt.Figure:
    """The contenders' weight paths projected on the PCA plane of the paths, over the loss on
    that plane; a dot per epoch, the start (shared θ₀) white."""
    fig, ax = plt.subplots(figsize=(8.6, 7.2))
    _contour_landscape(ax, land)
    for i, (name, xy) in enumerate(plane.coords.items()):
        c = color(name, i)
        ax.plot(xy[:, 0], xy[:, 1], "-", color=c, lw=1.5, label=name, zorder=3,
                path_effects=HALO)
        ax.plot(xy[:, 0], xy[:, 1], ".", color=c, ms=3.5, zorder=3)
        ax.plot(xy[-1, 0], xy[-1, 1], "o", color=c, mec="#ffffff", ms=8, zorder=4)
    ax.plot(0, 0, "o", color="#ffffff", mec="#000000", ms=9, zorder=5)
    ax.annotate("θ₀ (every run starts here)", (0, 0), textcoords="offset points",
                xytext=(8, -14), fontsize=9)
    ax.set_xlabel("PC 1 of the paths")
    ax.set_ylabel("PC 2 of the paths")
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="best", framealpha=0.85)
    ax.set_title("Weight paths on their PCA plane (a dot per epoch) over the training loss on "
                 f"that plane\nthe plane holds {100 * plane.explained:.1f}% of the paths' squared "
                 "length", fontsize=10)
    fig.tight_layout()
    return fig


def random_landscape_figure(land: Landscape, title: str = "") -> plt.Figure:
    """Li et al.'s filter-normalized 2-D slice: contours (left) and a 3-D surface (right)."""
    fig = plt.figure(figsize=(12.5, 5.6))
    ax = fig.add_subplot(1, 2, 1)
    _contour_landscape(ax, land)
    ax.plot(0, 0, "o", color="#ffffff", mec="#000000", ms=8)
    ax.set_xlabel("α (filter-normalized direction 1)")
    ax.set_ylabel("β (filter-normalized direction 2)")
    ax.set_aspect("equal")
    ax.set_title("contours of log₁₀ loss; ○ the trained weights", fontsize=10)
    bx = fig.add_subplot(1, 2, 2, projection="3d")
    a, b = np.meshgrid(land.alphas, land.betas)
    z = np.where(np.isfinite(land.losses), land.losses, np.nan)
    cap = np.nanquantile(z, 0.95)
    bx.plot_surface(a, b, np.minimum(z, cap), cmap="viridis", linewidth=0, antialiased=True,
                    alpha=0.95)
    bx.set_xlabel("α")
    bx.set_ylabel("β")
    for axis in (bx.xaxis, bx.yaxis):
        axis.set_major_locator(matplotlib.ticker.MaxNLocator(5))
    bx.tick_params(labelsize=8)
    bx.set_zlabel("loss")
    bx.set_title("the same slice as a surface (capped at the 95th percentile)", fontsize=10)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.subplots_adjust(bottom=0.13)  # tight_layout leaves the 2-D axis label under a 3-D axes
    return fig


def line_figure(profiles: Mapping[str, tuple[Array, Array]]) -> plt.Figure:
    """ℓ(α) = L(θ₀ + α(θ_final − θ₀)) per contender: α = 0 the shared start, 1 its end."""
    fig, ax = plt.subplots(figsize=(8.6, 4.6))
    for i, (name, (a, loss)) in enumerate(profiles.items()):
        ax.plot(a, loss, color=color(name, i), lw=1.5, label=name)
    ax.axvline(0.0, color="#888888", lw=0.8, ls=":")
    ax.axvline(1.0, color="#888888", lw=0.8, ls=":")
    ax.set_yscale("log")
    ax.set_xlabel("α   (0: the initial weights θ₀, 1: the run's final weights)")
    ax.set_ylabel("training loss")
    ax.set_title("Loss along the straight line from the initial to each final set of weights",
                 fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


# -- initialization lab -----------------------------------------------------------------------
def _positive(v: Array) -> Array:
    v = np.asarray(v, dtype=np.float64)
    return np.where(v > 0, v, np.nan)


def init_stats_figure(lab: InitLab) -> plt.Figure:
    """Per layer at initialization: activation std, activation mean, ‖∂L/∂W‖ (log scales),
    a line per initializer, a column per activation."""
    acts = lab.activations
    fig, axes = plt.subplots(3, len(acts), figsize=(6.4 * len(acts), 10.5), squeeze=False)
    for j, act in enumerate(acts):
        for i, spec in enumerate(lab.inits):
            run = lab.runs[act, spec.label]
            c = _CYCLE[i % len(_CYCLE)]
            layers = np.arange(1, len(run.stats.act_std) + 1)
            axes[0, j].plot(layers, _positive(run.stats.act_std), "o-", color=c, ms=3,
                            label=spec.label)
            axes[1, j].plot(layers, run.stats.act_mean, "o-", color=c, ms=3, label=spec.label)
            g = np.arange(1, len(run.stats.grad_norm) + 1)
            axes[2, j].plot(g, _positive(run.stats.grad_norm), "o-", color=c, ms=3,
                            label=spec.label)
        axes[0, j].set_yscale("log")
        axes[2, j].set_yscale("log")
        axes[0, j].set_title(f"{act}: std of each hidden layer's activations", fontsize=10)
        axes[1, j].set_title(f"{act}: mean of each hidden layer's activations", fontsize=10)
        axes[2, j].set_title(f"{act}: gradient norm ‖∂L/∂W‖ of each layer", fontsize=10)
        axes[0, j].set_xlabel("hidden layer")
        axes[1, j].set_xlabel("hidden layer")
        axes[2, j].set_xlabel("layer (the last is the output layer)")
        for a in axes[:, j]:
            a.grid(True, alpha=0.3)
        axes[1, j].set_yscale("symlog", linthresh=1e-2)
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 5), fontsize=9,
               frameon=False)
    fig.suptitle(f"At initialization: {lab.depth} hidden layers × {lab.width} units "
                 "(a value of exactly 0, e.g. every layer of zeros, is not drawn on the log "
                 "scales)", fontsize=11)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    return fig


def init_histograms_figure(lab: InitLab, activation: str,
                           layers: Sequence[int] | None = None) -> plt.Figure:
    """Histograms of every hidden layer's activations at initialization: a row per
    initializer, a column per layer (all by default)."""
    specs = lab.inits
    depth = len(next(iter(lab.runs.values())).stats.activations)
    cols = list(range(depth)) if layers is None else [k for k in layers if 0 <= k < depth]
    fig, axes = plt.subplots(len(specs), len(cols), figsize=(1.5 * len(cols) + 1.6,
                                                            1.05 * len(specs) + 1.0),
                             squeeze=False, sharey="row")
    for i, spec in enumerate(specs):
        run = lab.runs[activation, spec.label]
        vals = [run.stats.activations[k] for k in cols]
        finite = np.concatenate([v[np.isfinite(v)] for v in vals])
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
        if hi - lo < 1e-12:
            lo, hi = lo - 0.5, hi + 0.5
        for j, k in enumerate(cols):
            ax = axes[i, j]
            v = vals[j]
            ax.hist(v[np.isfinite(v)], bins=30, range=(lo, hi), color=_CYCLE[i % 10],
                    density=False)
            ax.set_yticks([])
            ax.tick_params(labelsize=6)
            ax.text(0.97, 0.92, f"σ {np.std(v):.1e}", transform=ax.transAxes, ha="right",
                    va="top", fontsize=6)
            if i == 0:
                ax.set_title(f"layer {k + 1}", fontsize=8)
        axes[i, 0].set_ylabel(spec.label, fontsize=7, rotation=0, ha="right", va="center")
    fig.suptitle(f"{activation}: activations of each hidden layer at initialization "
                 "(one x range per row)", fontsize=10)
    fig.tight_layout()
    return fig


def init_training_figure(lab: InitLab) -> plt.Figure:
    """Training loss per epoch for every initializer, a panel per activation."""
    acts = lab.activations
    fig, axes = plt.subplots(1, len(acts), figsize=(6.4 * len(acts), 4.6), squeeze=False)
    for j, act in enumerate(acts):
        ax = axes[0, j]
        for i, spec in enumerate(lab.inits):
            run = lab.runs[act, spec.label]
            label = spec.label + (" (diverged)" if run.diverged else "")
            ax.plot(np.arange(len(run.train_loss)), run.train_loss, color=_CYCLE[i % 10],
                    lw=1.5, label=label)
            if run.diverged:
                ax.plot(len(run.train_loss) - 1, run.train_loss[-1], "X", color=_CYCLE[i % 10],
                        ms=10, mec="#000000")
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("training loss")
        ax.set_title(f"{act}", fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    cfg = next(iter(lab.runs.values())).session.config
    fig.suptitle(f"Training from each initialization ({cfg.dataset}, {lab.depth}×{lab.width}, "
                 f"{cfg.optimizer} lr {cfg.lr:g}, batch {cfg.batch_size})", fontsize=11)
    fig.tight_layout()
    return fig


def symmetry_figure(lab: InitLab, activation: str, compare: str | None = None,
                    layer: int = 1) -> plt.Figure:
    """Hidden layer ``layer``'s weights (0-based; a row per unit) after training, for the
    symmetric initializers and one other: equal rows = units that stayed identical."""
    labels = [s.label for s in lab.inits if s.name in SYMMETRIC_INITS]
    if compare is None:
        preferred = "he_normal" if activation == "relu" else "glorot_normal"
        others = [s.label for s in lab.inits if s.name not in SYMMETRIC_INITS]
        compare = preferred if preferred in others else next(iter(others), None)
    if compare is not None:
        labels.append(compare)
    fig, axes = plt.subplots(1, max(len(labels), 1), figsize=(4.3 * max(len(labels), 1), 4.9),
                             squeeze=False)
    for ax, label in zip(axes[0], labels):
        run = lab.runs[activation, label]
        w = run.session.net.weights[layer]
        lim = float(np.max(np.abs(w))) or 1.0
        im = ax.imshow(w, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto",
                       interpolation="nearest")
        fig.colorbar(im, ax=ax, shrink=0.8)
        spread = run.spread_trained[layer] if run.spread_trained is not None else math.nan
        same = " (every entry " + f"{float(w.flat[0]):.4g})" if np.all(w == w.flat[0]) else ""
        ax.set_title(f"{label}{same}\nlargest difference between units: {spread:.3g}",
                     fontsize=9)
        ax.set_xlabel(f"input (unit of layer {layer})")
        ax.set_ylabel(f"unit of hidden layer {layer + 1}")
    fig.suptitle(f"{activation}: W of hidden layer {layer + 1} after {lab.epochs} epochs. "
                 "Units that start equal get equal gradients and stay equal", fontsize=10)
    fig.tight_layout()
    return fig


# -- preprocessing lab ------------------------------------------------------------------------
def _cov_ellipse(ax: plt.Axes, x: Array, n_std: float = 2.0) -> None:
    mu = x.mean(axis=0)
    cov = np.cov(x.T, bias=True)
    lam, vec = np.linalg.eigh(cov)
    lam = np.clip(lam, 0.0, None)
    angle = math.degrees(math.atan2(vec[1, -1], vec[0, -1]))
    ax.add_patch(Ellipse(tuple(mu), 2 * n_std * math.sqrt(lam[-1]), 2 * n_std * math.sqrt(lam[0]),
                         angle=angle, fill=False, color="#000000", lw=1.0, ls="--"))


def preprocess_data_figure(lab: PreprocessLab) -> plt.Figure:
    """Each transform's training inputs: top row with equal axis scales (true proportions and
    the 2σ covariance ellipse), bottom row with each axis stretched to fit."""
    names = list(lab.runs)
    fig, axes = plt.subplots(2, len(names), figsize=(3.5 * len(names), 7.0), squeeze=False)
    cols = _class_colors(lab.y)
    for j, name in enumerate(names):
        run = lab.runs[name]
        x = run.x_train
        for i in range(2):
            ax = axes[i, j]
            ax.scatter(x[:, 0], x[:, 1], c=cols, s=6, lw=0)
            ax.tick_params(labelsize=7)
            ax.set_xlabel("input 1", fontsize=8)
            ax.set_ylabel("input 2", fontsize=8)
        axes[0, j].set_aspect("equal", adjustable="datalim")
        _cov_ellipse(axes[0, j], x)
        axes[0, j].set_title(f"{LABELS.get(name, name)}\nκ(Σ) = {run.condition:.3g}, "
                             f"κ(E[x̃x̃ᵀ]) = {run.hessian_condition:.3g}", fontsize=9)
        axes[1, j].set_title("each axis stretched to fit", fontsize=8)
    fig.suptitle("The training inputs after each transform. Top: equal scales on both axes "
                 "(dashed: 2σ of the covariance); bottom: autoscaled", fontsize=10)
    fig.tight_layout()
    return fig


def preprocess_curves_figure(lab: PreprocessLab) -> plt.Figure:
    """Training loss per epoch for each transform, with the target loss."""
    fig, ax = plt.subplots(figsize=(8.6, 4.8))
    for i, (name, run) in enumerate(lab.runs.items()):
        hit = ("target never reached" if run.epochs_to_target is None
               else f"target at epoch {run.epochs_to_target}")
        ax.plot(np.arange(len(run.train_loss)), run.train_loss, color=_CYCLE[i % 10], lw=1.6,
                label=f"{LABELS.get(name, name)} ({hit})")
    _level(ax, lab.target, f"target {lab.target:g} ")
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss")
    cfg = lab.config
    arch = "-".join(["2", *(str(n) for n in cfg.layers), "1"])
    ax.set_title(f"The same network ({arch} {cfg.activation}, {cfg.optimizer} lr {cfg.lr:g}, "
                 f"batch {cfg.batch_size}) on each version of the inputs", fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
