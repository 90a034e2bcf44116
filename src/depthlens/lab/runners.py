"""The four labs end to end: compute, draw, write the files and report.html into a folder.

Each ``run_*_lab(out, …)`` returns {file name: path} of what it wrote (report.html last); the
command ``depthlens lab optimizers|network|init|preprocess`` calls them.

    run_optimizers_lab   race_<surface>.png / .gif / .csv per surface
    run_network_lab      network_curves.png, network_paths.png, network_landscape.png,
                         network_line.png, network_race.csv
    run_init_lab         init_stats.png, init_training.png, init_hist_<act>.png,
                         init_symmetry_<act>.png, strip_<act>_<init>.png, init_lab.csv
    run_preprocess_lab   preprocess_data.png, preprocess_curves.png, preprocess_lab.csv
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from depthlens.draw.animate import check_output, write_animation
from depthlens.draw.stage_axes import save_figure
from depthlens.draw.strip import layer_strip
from depthlens.errors import ConfigError
from depthlens.experiment.config import Config
from depthlens.files import write_text
from depthlens.lab import figures
from depthlens.lab.init_lab import InitLab, InitSpec, init_lab
from depthlens.lab.landscape import line_profile, path_plane, plane_landscape, random_landscape
from depthlens.lab.network_race import DEFAULT_CONTENDERS, Contender, network_race
from depthlens.lab.preprocess_lab import LABELS, preprocess_lab
from depthlens.lab.race import optimizers_for, race_on_surface, race_table
from depthlens.lab.report import REPORT, Section, table, write_report
from depthlens.lab.surfaces import SURFACES, get_surface

Paths = dict[str, Path]


def _bar(total: int, desc: str, progress: bool) -> tqdm:
    return tqdm(total=total, desc=desc, disable=not progress, dynamic_ncols=True,
                file=sys.stderr)


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    def cell(v: object) -> str:
        if v is None:
            return ""
        text = repr(v) if isinstance(v, float) else str(v)
        return f'"{text}"' if ("," in text or '"' in text) else text

    return "\n".join([",".join(header), *(",".join(cell(c) for c in r) for r in rows)]) + "\n"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def _settings(**kw: Any) -> str:
    return json.dumps(kw, indent=2, default=str, ensure_ascii=False)


# -- optimizers on surfaces -------------------------------------------------------------------
RACE_HEADER = ("optimizer", "lr", "steps to tolerance", "final f", "final x", "final y",
               "minimum reached", "kind")

SURFACE_TEXT = {
    "double_well": "Two valleys: the start lies in the shallower (local) one. Plain gradient "
                   "descent and the adaptive rules stop at the bottom of the valley they start "
                   "in; momentum gathers speed on the way down and rolls over the ridge into the "
                   "deeper (global) valley.",
    "rosenbrock": "A curved valley with a flat floor: the gradient points across the valley, "
                  "not along it. Gradient descent zigzags and crawls; Adam's per-coordinate "
                  "steps with momentum follow the floor to (1, 1).",
    "beale": "A long flat arm leads to the minimum at (3, 0.5) while the walls are steep; "
             "gradients differ by orders of magnitude across the map.",
    "saddle": "Started almost on the ridge of a saddle: the gradient along the way down is tiny, "
              "so plain gradient descent leaves very slowly, while rules that rescale small "
              "gradients (Adagrad, RMSprop, Adam) leave at once.",
    "himmelblau": "Four minima of equal value around a local maximum near the start: which one "
                  "an optimizer reaches depends on the path its rule takes.",
    "rastrigin": "A bowl covered with local minima: every rule stops in one near the start "
                 "unless its steps are large (or noisy) enough to hop between them.",
    "ravine": "A narrow straight valley tilted by 30°: the step size that is stable across the "
              "valley is tiny along it. Momentum accumulates the consistent along-valley "
              "component; per-coordinate rescaling (Adagrad, RMSprop, Adam) cannot straighten "
              "a tilted valley.",
}


def run_optimizers_lab(out: str | Path, surfaces: Sequence[str] | None = None,
                       optimizers: Sequence[str] | None = None,
                       lrs: dict[str, float] | None = None, steps: int | None = None,
                       noise: float = 0.0, seed: int = 0,
                       start: Sequence[float] | None = None, frames: int = 48,
                       fps: float = 12.0, dpi: int = 80, animation: bool = True,
                       video: str = "gif", progress: bool = False) -> Paths:
    """Race the optimizers on each surface; a PNG, an animation (GIF, embedded in the report,
    or MP4 with ``video='mp4'``, written beside it) and a CSV table per surface."""
    out = Path(out)
    if video not in ("gif", "mp4"):
        raise ConfigError("--format", video, ["gif", "mp4"])
    if animation:
        check_output(out / f"race.{video}")  # MP4 without ffmpeg: a clear error before work
    chosen = [get_surface(s) for s in (surfaces or list(SURFACES))]
    written: Paths = {}
    sections = []
    bar = _bar(len(chosen), "lab optimizers", progress)
    try:
        for s in chosen:
            bar.set_postfix_str(s.name, refresh=True)
            paths = race_on_surface(s, optimizers_for(s, optimizers, lrs), start=start,
                                    steps=steps, noise=noise, seed=seed)
            rows = race_table(s, paths)
            cells = [(r.name, r.lr, r.steps_to_tol, r.final_value, r.final_x, r.final_y,
                      r.minimum, r.kind) for r in rows]
            png, gif, csv = (f"race_{s.name}.png", f"race_{s.name}.{video}",
                             f"race_{s.name}.csv")
            save_figure(figures.surface_race_figure(s, paths, noise), out / png, dpi=dpi)
            written[png] = out / png
            files = [png]
            if animation:
                frames_rgb, durations = figures.surface_race_frames(s, paths, frames, noise,
                                                                    dpi=min(dpi, 72), fps=fps)
                write_animation(frames_rgb, durations, out / gif, fps=fps)
                written[gif] = out / gif
                if video == "gif":
                    files.append(gif)
            write_text(out / csv, _csv(RACE_HEADER, cells))
            written[csv] = out / csv
            header = list(RACE_HEADER)
            header[2] = f"steps to f − f* ≤ {s.tol:g}"
            sections.append(Section(f"{s.title}: f = {s.formula}", SURFACE_TEXT.get(s.name, ""),
                                    files, table(header, cells)))
            bar.update(1)
    finally:
        bar.close()
    lead = ("Every optimizer of the engine (the same code that trains the networks) started "
            "from one point of a 2-D surface, a point being a parameter buffer of two numbers. "
            "★ global minimum, ✕ local minimum, ○ start; the right panel shows f − f* per step. "
            "Learning rates are set per surface so every rule moves on that surface's scale.")
    written[REPORT] = write_report(out, "depthlens lab · optimizers on surfaces", lead, sections,
                                   _settings(steps=steps, noise=noise, seed=seed, lrs=lrs,
                                             optimizers=optimizers, start=start))
    return written


# -- optimizers on a network ------------------------------------------------------------------
def run_network_lab(out: str | Path, config: Config | None = None,
                    contenders: Sequence[Contender] | Sequence[str] | None = None,
                    epochs: int = 50, resolution: int = 51, span: float = 1.0, seed: int = 0,
                    bias: str = "zero", dpi: int = 90, progress: bool = False) -> Paths:
    """The network race, its loss curves, the paths on their PCA plane, the filter-normalized
    landscape around the best run's weights and the line from θ₀ to every final θ."""
    out = Path(out)
    n = len(contenders) if contenders is not None else len(DEFAULT_CONTENDERS)
    bar = _bar(n * epochs + 3, "lab network", progress)
    try:
        race = network_race(config, contenders, epochs,
                            progress=lambda name, e: bar.update(1))
        bar.n = n * epochs
        net, tr = race.session.net, race.session.trainer
        runs = race.runs
        plane = path_plane({k: np.array(r.path) for k, r in runs.items()}, race.initial)
        bar.set_postfix_str("path plane", refresh=True)
        pland = plane_landscape(net, tr.x, tr.t, plane, resolution)
        bar.update(1)
        ok = [r for r in runs.values() if r.diverged is None] or list(runs.values())
        best = min(ok, key=lambda r: r.train_loss[-1])
        bar.set_postfix_str("landscape", refresh=True)
        rland = random_landscape(net, tr.x, tr.t, best.final, span, resolution, seed, bias)
        bar.update(1)
        profiles = {k: line_profile(net, tr.x, tr.t, race.initial, r.final)
                    for k, r in runs.items()}
        bar.update(1)
    finally:
        bar.close()
    files = {"network_curves.png": figures.network_curves_figure(race),
             "network_paths.png": figures.network_paths_figure(race, plane, pland),
             "network_landscape.png": figures.random_landscape_figure(
                 rland, f"Filter-normalized 2-D slice around the final weights of "
                        f"'{best.name}' (Li et al. 2018; biases {bias})"),
             "network_line.png": figures.line_figure(profiles)}
    written: Paths = {}
    for name, fig in files.items():
        save_figure(fig, out / name, dpi=dpi)
        written[name] = out / name
    m = race.metric
    header = ["contender", "rule", "batch", "updates", "gradient evaluations", "train loss",
              "test loss", f"train {m}", f"test {m}", "diverged"]
    cells = [(r.name, r.optimizer, r.batch_size, r.steps[-1], r.evaluations[-1],
              r.train_loss[-1], r.test_loss[-1], r.train_metric[-1], r.test_metric[-1],
              r.diverged or "") for r in runs.values()]
    write_text(out / "network_race.csv", _csv(header, cells))
    written["network_race.csv"] = out / "network_race.csv"
    cfg = race.session.config
    arch = "-".join(str(s) for s in net.sizes)
    bias_text = "not perturbed" if bias == "zero" else "moved along their own values"
    sections = [
        Section("Loss against computation",
                f"Every contender starts from the same initial weights θ₀ and processes the "
                f"same {race.budget:,} samples ({race.epochs} epochs of {race.n_train}): "
                "per-sample SGD makes one update per sample, full-batch descent one per epoch. "
                "Curves are per epoch, on a log scale.",
                ["network_curves.png"], table(header, cells)),
        Section("The paths on their own plane",
                "All weight snapshots (one per epoch, every contender) minus θ₀, reduced by "
                "PCA to the two directions that hold most of their length; the background is "
                "the training loss on that plane. Random directions would not do here: in many "
                "dimensions a path is almost orthogonal to them.",
                ["network_paths.png"]),
        Section("The landscape around a solution",
                "Li et al.'s picture: the loss on the plane through the best run's final weights "
                "spanned by two random directions, each rescaled so that every unit's incoming "
                "weights (a row of W, the paper's 'filter') have the norm of that row in the "
                f"weights; biases are {bias_text} (the paper's code offers both). "
                f"α, β ∈ [−{span:g}, {span:g}], "
                f"{resolution}×{resolution} points.",
                ["network_landscape.png"]),
        Section("From the start to each end",
                "The loss along the straight line from θ₀ (α = 0) to each run's final weights "
                "(α = 1), continued a half on each side. A line that dips below both ends or "
                "rises on the way shows the run did not travel in a straight valley.",
                ["network_line.png"]),
    ]
    lead = (f"{cfg.dataset} · {arch} {cfg.activation}: every rule of the engine, and SGD with "
            "one sample, mini-batches and the whole set per update, from one set of initial "
            "weights with one budget of gradient evaluations.")
    written[REPORT] = write_report(out, "depthlens lab · optimizers on a network", lead,
                                   sections, _settings(config=cfg.to_dict(), epochs=epochs,
                                                       resolution=resolution, span=span,
                                                       seed=seed, bias=bias))
    return written


# -- initialization ---------------------------------------------------------------------------
def run_init_lab(out: str | Path, activations: Sequence[str] = ("tanh", "relu"),
                 inits: Sequence[InitSpec | str] | None = None, depth: int = 10,
                 width: int = 32, dataset: str = "circle", epochs: int = 30,
                 optimizer: str = "momentum", lr: float = 0.01, seed: int = 0,
                 strips: bool = True, dpi: int = 80, progress: bool = False) -> Paths:
    """The initialization lab: statistics at init, histograms, curves, symmetry, and the lens
    strip of every network at initialization. Steps: run the lab (with the strips), draw the
    figures, write the table, write the report."""
    out = Path(out)
    from depthlens.lab.init_lab import DEFAULT_INITS

    n_inits = len(DEFAULT_INITS if inits is None else inits)
    total = len(activations) * n_inits * (2 if strips else 1)
    bar = _bar(total, "lab init", progress)
    try:
        lab = init_lab(activations, inits, depth, width, dataset, epochs, optimizer, lr,
                       seed=seed, progress=lambda _: bar.update(1))
        written = _init_strips(lab, out, dpi, bar) if strips else {}
    finally:
        bar.close()
    strip_files = list(written)
    written.update(_init_figures(lab, out, dpi))
    header, cells = _init_table(lab, depth)
    write_text(out / "init_lab.csv", _csv(header, cells))
    written["init_lab.csv"] = out / "init_lab.csv"
    lead = (f"A deep plain network ({depth} hidden layers × {width} units) on {dataset}, built "
            "with each initializer: what its layers do before training, and how it trains.")
    written[REPORT] = write_report(out, "depthlens lab · initialization", lead,
                                   _init_sections(lab.activations, header, cells, strip_files),
                                   _settings(activations=list(activations),
                                             inits=[s.label for s in lab.inits], depth=depth,
                                             width=width, dataset=dataset, epochs=epochs,
                                             optimizer=optimizer, lr=lr, seed=seed))
    return written


def _init_strips(lab: InitLab, out: Path, dpi: int, bar: tqdm) -> Paths:
    """The lens strip of every (activation, initializer) network at initialization."""
    written: Paths = {}
    for (act, label) in lab.runs:
        bar.set_postfix_str(f"strip {act} {label}", refresh=True)
        name = f"strip_{act}_{_slug(label)}.png"
        fig = layer_strip(lab.initial_session(act, label), probes=[], per_row=6, resolution=20)
        save_figure(fig, out / name, dpi=min(dpi, 60))
        written[name] = out / name
        bar.update(1)
    return written


def _init_figures(lab: InitLab, out: Path, dpi: int) -> Paths:
    """Statistics at init, training curves, and per activation the histograms and symmetry."""
    figs = {"init_stats.png": figures.init_stats_figure(lab),
            "init_training.png": figures.init_training_figure(lab)}
    for act in lab.activations:
        figs[f"init_hist_{act}.png"] = figures.init_histograms_figure(lab, act)
        figs[f"init_symmetry_{act}.png"] = figures.symmetry_figure(lab, act)
    written: Paths = {}
    for name, fig in figs.items():
        save_figure(fig, out / name, dpi=dpi)
        written[name] = out / name
    return written


def _init_table(lab: InitLab, depth: int) -> tuple[list[str], list[tuple]]:
    """One row per run: the activations' std at the first and last hidden layer and their ratio
    (how the signal's scale carries through depth), the weight-gradient norms of the first and
    output layers, the loss at init and after training, and how far units spread apart."""
    header = ["activation", "init", "act std layer 1", f"act std layer {depth}",
              "ratio last/first", "‖∂L/∂W‖ layer 1", "‖∂L/∂W‖ output", "loss at init",
              "final train loss", f"final test {lab.metric}", "unit spread after training",
              "diverged"]
    cells = []
    for (act, label), r in lab.runs.items():
        s0, s1 = float(r.stats.act_std[0]), float(r.stats.act_std[-1])
        cells.append((act, label, s0, s1, s1 / s0 if s0 > 0 else math.nan,
                      float(r.stats.grad_norm[0]), float(r.stats.grad_norm[-1]), r.stats.loss,
                      r.train_loss[-1], r.test_metric[-1],
                      float(np.max(r.spread_trained)) if r.spread_trained is not None
                      else math.nan, "yes" if r.diverged else ""))
    return header, cells


def _init_sections(acts: Sequence[str], header: list[str], cells: list[tuple],
                   strip_files: list[str]) -> list[Section]:
    """The report's sections, in the order a reader follows the argument."""
    sections = [
        Section("Every layer at initialization",
                "The std and mean of each hidden layer's activations, and the norm of each "
                "layer's weight gradient, before any training. He (v = 2/n) keeps the scale "
                "through ReLU layers, Glorot/LeCun (v ≈ 1/n) through tanh layers; a small "
                "Gaussian shrinks every layer by the same factor until the signal, and the "
                "gradient with it, vanish; a large one saturates tanh or blows ReLU up.",
                ["init_stats.png"], table(header, cells)),
        Section("Histograms of the activations",
                "Each hidden layer's values over all samples and units. Saturated tanh units "
                "pile up at ±1; vanishing signals collapse to a spike at 0.",
                [f"init_hist_{a}.png" for a in acts]),
        Section("Training from each start",
                "The same data, optimizer and number of epochs for every initialization.",
                ["init_training.png"]),
        Section("Symmetry: units that start equal stay equal",
                "With zeros (or any constant), all units of a layer compute the same value and "
                "receive the same gradient, so after any amount of training every row of W is "
                "the same: the layer is one unit repeated. Random initialization breaks the "
                "symmetry (right).",
                [f"init_symmetry_{a}.png" for a in acts]),
    ]
    if strip_files:
        sections.append(Section(
            "The hidden spaces at initialization (the lens)",
            "Each network before training, through the lens: the data and a grid of the input "
            "plane carried through every layer (wide layers through a PCA). Look at the axis "
            "scales: a vanishing initialization shrinks space layer after layer; zeros collapse "
            "it to a point.", strip_files))
    return sections


# -- preprocessing ----------------------------------------------------------------------------
def run_preprocess_lab(out: str | Path, epochs: int = 100, target: float = 0.3,
                       lr: float = 0.01, optimizer: str = "sgd", seed: int = 0, dpi: int = 90,
                       progress: bool = False) -> Paths:
    """The preprocessing lab on the badly scaled dataset."""
    out = Path(out)
    bar = _bar(5, "lab preprocess", progress)
    try:
        lab = preprocess_lab(epochs=epochs, target=target, lr=lr, optimizer=optimizer,
                             seed=seed, progress=lambda _: bar.update(1))
    finally:
        bar.close()
    written: Paths = {}
    for name, fig in {"preprocess_data.png": figures.preprocess_data_figure(lab),
                      "preprocess_curves.png": figures.preprocess_curves_figure(lab)}.items():
        save_figure(fig, out / name, dpi=dpi)
        written[name] = out / name
    header = ["inputs", "κ(Σ)", "κ(E[x̃x̃ᵀ])", f"epochs to loss ≤ {target:g}",
              "final train loss", "final test accuracy", "diverged"]
    cells = [(LABELS[k], r.condition, r.hessian_condition, r.epochs_to_target,
              r.train_loss[-1], r.test_metric[-1] if r.test_metric else math.nan,
              "yes" if r.diverged else "") for k, r in lab.runs.items()]
    write_text(out / "preprocess_lab.csv", _csv(header, cells))
    written["preprocess_lab.csv"] = out / "preprocess_lab.csv"
    sections = [
        Section("The data before and after",
                "Two classes written in bad units: input 1 in the tens with an offset of 50, "
                "input 2 in hundredths and correlated with input 1. κ(Σ) is the condition "
                "number of the inputs' covariance; κ(E[x̃x̃ᵀ]), of their second moment with a "
                "constant 1 appended, is what a linear unit with a bias sees (so it also "
                "counts the offset, which centering removes).",
                ["preprocess_data.png"], table(header, cells)),
        Section("Training on each version",
                "The same network, weights and optimizer on each version of the inputs. "
                "Gradient descent needs about κ steps to cross an elongated bowl; standardizing "
                "brings κ near 1, whitening to exactly 1.",
                ["preprocess_curves.png"]),
    ]
    lead = ("The founding text's cure for slow descent: pre-process the inputs (mean "
            "subtraction, normalization, PCA and whitening).")
    written[REPORT] = write_report(out, "depthlens lab · preprocessing", lead, sections,
                                   _settings(epochs=epochs, target=target, lr=lr,
                                             optimizer=optimizer, seed=seed))
    return written
