"""The pre-training race (``init_lab.pretrain_race``) as files: its picture, made to be
projected, its table and a report (``depthlens lab pretrain``).

``pretrain_race.png`` has two panels side by side, read left to right as the work is done:

- **before epoch 0** — every hidden layer's autoencoder reconstruction loss J_l (mean squared
  error of ĉ against its input c^{l−1}) over its own pre-training epochs, one line per layer,
  shades of one colour from the first layer (dark) to the last (light): the extra work the
  pre-trained contender did, which the race's epochs do not count;
- **the race** — the supervised training loss (bce) of every contender per epoch from the same
  data, log scale, each line labelled at its end with its final loss, the ln 2 level of a
  network that answers 1/2 everywhere dashed (a final loss on it says "= ln 2"): the small
  Gaussian start sits on it.

The title names the network and the optimizer, the caption what was not counted.
``pretrain_race.csv``: per contender the loss before and after training, the test accuracy,
the epochs until the training loss is ≤ 0.1, and each pre-trained layer's reconstruction loss
before and after its pre-training.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from depthlens.draw.stage_axes import save_figure
from depthlens.files import write_text
from depthlens.lab.init_lab import PRETRAIN_INITS, InitLab, InitSpec, pretrain_race
from depthlens.lab.report import REPORT, Section, table, write_report

PRETRAIN_COLORS = {"gaussian": "#7f7f7f", "pretrain": "#d95f02", "glorot_normal": "#1b9e77",
                   "he_normal": "#7570b3"}
"""A contender's colour by what it is (colour-blind-safe Dark2; grey for the plain small
start): the pre-trained line orange, the one the eye should follow."""


def _colour(label: str, name: str, i: int) -> str:
    if "+pretrain" in label:
        return PRETRAIN_COLORS["pretrain"]
    return PRETRAIN_COLORS.get(name, plt.rcParams["axes.prop_cycle"].by_key()["color"][i % 10])


def pretrain_race_figure(lab: InitLab, activation: str = "sigmoid") -> plt.Figure:
    """The two panels of the module docstring for ``lab``'s ``activation`` networks (the
    pre-trained contenders' autoencoder curves on the left, every contender's training loss
    on the right)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(13.0, 5.4),
                                      gridspec_kw={"width_ratios": [1, 1.6]})
    pre_runs = [r for r in (lab.runs[activation, s.label] for s in lab.inits)
                if r.session.pretraining is not None]
    for run in pre_runs[:1]:  # one pre-trained contender's layers (a second would clutter)
        losses = run.session.pretraining.losses
        shades = plt.cm.Oranges(np.linspace(1.0, 0.35, max(len(losses), 1)))
        for k, curve in enumerate(losses):
            left.plot(np.arange(len(curve)), curve, "o-", ms=3, lw=2, color=shades[k],
                      label=f"layer {k + 1}")
        settings = run.session.pretraining.settings
        left.set_title(f"before epoch 0: pre-training\n({settings['epochs']} epochs per layer, "
                       f"{settings['optimizer']} lr {settings['lr']:g})", fontsize=13)
    if not pre_runs:
        left.text(0.5, 0.5, "no pre-trained contender", ha="center", va="center",
                  transform=left.transAxes, fontsize=13, color="#555555")
    left.set_yscale("log")
    left.set_xlabel("pre-training epoch (of that layer)", fontsize=12)
    left.set_ylabel("reconstruction loss (mse)", fontsize=12)
    left.grid(True, alpha=0.3)
    if pre_runs:
        left.legend(fontsize=11, ncol=2, title="autoencoder of", title_fontsize=11)

    right.hlines(math.log(2), 0, lab.epochs, color="#888888", ls="--", lw=1.2)
    ends: list[float] = []
    for i, spec in enumerate(lab.inits):
        run = lab.runs[activation, spec.label]
        colour = _colour(spec.label, spec.name, i)
        heavy = "+pretrain" in spec.label
        right.plot(np.arange(len(run.train_loss)), run.train_loss, color=colour,
                   lw=3.2 if heavy else 2.2, label=spec.label)
        end = run.train_loss[-1]
        ends.append(end)
        text = f"{end:.3g}" + (" = ln 2" if abs(end - math.log(2)) < 0.005 else "")
        right.annotate(text, (len(run.train_loss) - 1, end), xytext=(6, 0),
                       textcoords="offset points", va="center", fontsize=12, color=colour,
                       fontweight="bold")
    right.set_yscale("log")
    right.set_xlim(0, lab.epochs * 1.2)
    right.set_xlabel("training epoch (the same data and optimizer for all)", fontsize=12)
    right.set_ylabel("training loss (bce)", fontsize=12)
    right.set_title("the race: training from each start", fontsize=13)
    right.grid(True, alpha=0.3)
    right.legend(fontsize=11, loc="lower left")
    cfg = next(iter(lab.runs.values())).session.config
    fig.suptitle(f"Greedy layer-wise pre-training vs. initializers: {cfg.dataset}, "
                 f"{lab.depth} hidden {activation} layers × {lab.width}, {cfg.optimizer} "
                 f"lr {cfg.lr:g}, batch {cfg.batch_size}", fontsize=14)
    fig.text(0.5, 0.01, "The pre-training epochs (left) come before epoch 0 and are not "
             "counted in the race (right); the output layer keeps its initializer's weights.\n"
             "ln 2 (dashed): the loss of a network that answers ½ everywhere.",
             ha="center", fontsize=11, color="#444444")
    fig.tight_layout(rect=(0, 0.07, 1, 0.95))
    return fig


TARGET = 0.1
"""The training loss the table counts epochs to."""

HEADER = ("start", "loss at epoch 0", "final loss", "test accuracy", f"epochs to loss ≤ {TARGET}",
          "reconstruction loss per layer (before → after pre-training)")


def race_rows(lab: InitLab, activation: str = "sigmoid") -> list[tuple]:
    """The table's rows (``HEADER``), one per contender in the race's order."""
    rows = []
    for spec in lab.inits:
        run = lab.runs[activation, spec.label]
        to_target = next((i for i, v in enumerate(run.train_loss) if v <= TARGET), None)
        pre = run.session.pretraining
        layers = "" if pre is None else "; ".join(f"{ls[0]:.3g} → {ls[-1]:.3g}"
                                                  for ls in pre.losses)
        rows.append((spec.label, run.train_loss[0], run.train_loss[-1], run.test_metric[-1],
                     to_target, layers))
    return rows


def _csv(rows: Sequence[Sequence[object]]) -> str:
    def cell(v: object) -> str:
        text = "" if v is None else repr(v) if isinstance(v, float) else str(v)
        return f'"{text}"' if any(c in text for c in ',";') else text

    return "\n".join([",".join(HEADER), *(",".join(cell(c) for c in r) for r in rows)]) + "\n"


def run_pretrain_race(out: str | Path, depth: int = 6, width: int = 32,
                      dataset: str = "circle", epochs: int = 40, optimizer: str = "adam",
                      lr: float = 0.003, seed: int = 0,
                      inits: Sequence[InitSpec | str] = PRETRAIN_INITS, dpi: int = 100
                      ) -> dict[str, Path]:
    """Run the race and write pretrain_race.png, pretrain_race.csv and report.html into
    ``out``; return {file name: path} (report.html last)."""
    out = Path(out)
    lab = pretrain_race(depth, width, dataset, epochs, optimizer, lr, seed=seed, inits=inits)
    written: dict[str, Path] = {}
    save_figure(pretrain_race_figure(lab), out / "pretrain_race.png", dpi)
    written["pretrain_race.png"] = out / "pretrain_race.png"
    rows = race_rows(lab)
    write_text(out / "pretrain_race.csv", _csv(rows))
    written["pretrain_race.csv"] = out / "pretrain_race.csv"
    lead = (f"A deep sigmoid network ({depth} hidden layers × {width} units) on {dataset}, from "
            "small Gaussian weights with and without greedy layer-wise autoencoder "
            "pre-training, and from Glorot and He starts.")
    text = ("Left: every hidden layer's autoencoder, trained in turn on the codes of the "
            "layers below, reconstructs its input better and better; its encoder becomes the "
            "layer's starting weights. Right: the supervised race from each start. From "
            "N(0, 0.01²) the signal and the gradient vanish through the sigmoid layers and the "
            "network stays at ln 2; pre-trained, the same start learns. He's scaled start "
            "needs no pre-training at all, which is why it fell out of use.")
    written[REPORT] = write_report(
        out, "depthlens lab · pre-training", lead,
        [Section("Pre-training against initializers", text, ["pretrain_race.png"],
                 table(list(HEADER), rows))],
        json.dumps({"depth": depth, "width": width, "dataset": dataset, "epochs": epochs,
                    "optimizer": optimizer, "lr": lr, "seed": seed,
                    "inits": [s.label if isinstance(s, InitSpec) else s for s in inits]},
                   indent=2, ensure_ascii=False))
    return written
