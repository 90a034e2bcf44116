"""Separability: a linear probe on every stage, before and after training, as a chart.

``stage_probes`` fits a linear probe (``lens.probe_stages``) on each stage's representation of
the training data and scores it on the test data (accuracy for classification, R² for
regression). Before training means the Config's initial network (``Session(config)`` fresh: a
run is a pure function of its Config, so this is the network the saved run started from).

``separability_chart`` draws the test score per stage as grouped bars, at initialization
(grey) and trained (blue), with the train score as a tick on each bar and, for
classification, the majority-class rate as the dashed "chance" line.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from depthlens.draw import colors
from depthlens.draw.stage_axes import hexcolor
from depthlens.lens.probes import ProbeResult, probe_stages
from depthlens.nn.network import MLP

if TYPE_CHECKING:
    from depthlens.experiment.session import Session


def stage_probes(session: Session, which: str = "post", net: MLP | None = None,
                 progress: bool = False) -> list[ProbeResult]:
    """A probe per stage of ``net`` (the session's network by default): 'post' = input, each
    activation and the output; 'all' adds the pre-activations (``lens.probe_stages`` on the
    session's train/test split, with a progress bar if ``progress``)."""
    net = session.net if net is None else net
    has_test = len(session.x_test) > 0
    return probe_stages(net, session.x_train, session.train_data.y,
                        session.x_test if has_test else None,
                        session.test_data.y if has_test else None, session.problem,
                        session.n_classes if session.problem == "classification" else None,
                        which, progress=progress)


def initial_network(session: Session) -> MLP:
    """The network the session's Config starts from (same seeds: the same initial weights)."""
    from depthlens.experiment.session import Session as _Session

    return _Session(session.config, session.dataset).net


def score(result: ProbeResult) -> float:
    """The probe's test score, or its train score when there is no test set."""
    return result.train if math.isnan(result.test) else result.test


def probe_text(result: ProbeResult) -> str:
    """'probe accuracy 0.84 (train 0.87)' or 'probe R² 0.91 (train 0.93)'."""
    name = "accuracy" if result.metric == "accuracy" else "R²"
    if math.isnan(result.test):
        return f"linear probe {name} {result.train:.3f} (train)"
    return f"linear probe {name} {result.test:.3f} (train {result.train:.3f})"


def chance_rate(session: Session) -> float | None:
    """The majority class's share of the test (or train) labels; None for regression."""
    if session.problem != "classification":
        return None
    y = session.test_data.y if len(session.test_data.y) else session.train_data.y
    counts = np.bincount(np.asarray(y).astype(np.int64))
    return float(counts.max() / counts.sum())


def separability_chart(session: Session, after: list[ProbeResult],
                       before: list[ProbeResult] | None = None) -> plt.Figure:
    """Grouped bars of the probe score per stage (``after`` trained, ``before`` at init)."""
    n = len(after)
    fig, ax = plt.subplots(figsize=(max(5.0, 1.1 * n + 2.5), 3.8))
    x = np.arange(n)
    metric = "accuracy" if after[0].metric == "accuracy" else "R²"
    groups = [("trained", after, hexcolor(colors.BLUE))]
    if before is not None:
        groups.insert(0, ("at initialization", before, "#b0b4b8"))
    width = 0.8 / len(groups)
    for g, (name, results, color) in enumerate(groups):
        xs = x - 0.4 + width * (g + 0.5)
        vals = np.array([score(r) for r in results])
        bars = ax.bar(xs, vals, width * 0.92, color=color, label=f"{name} (test)")
        trains = np.array([r.train for r in results])
        ax.scatter(xs, trains, marker="_", s=260 * width, color="#222222", zorder=3,
                   label="train" if g == len(groups) - 1 else None)
        for b, v in zip(bars, vals):
            ax.annotate(f"{v:.2f}", (b.get_x() + b.get_width() / 2, max(v, 0)),
                        xytext=(0, 2), textcoords="offset points", ha="center", fontsize=7)
    chance = chance_rate(session)
    if chance is not None:
        ax.axhline(chance, color="#555555", ls="--", lw=1, label=f"chance ({chance:.2f})")
    lows = [score(r) for r in after] + ([score(r) for r in before] if before else [])
    bottom = min(0.0, float(np.nanmin(lows)) - 0.05) if metric == "R²" else 0.0
    ax.set_ylim(max(bottom, -1.0), 1.3)
    ax.set_yticks([t for t in np.arange(-1.0, 1.01, 0.2) if t >= max(bottom, -1.0) - 1e-9])
    ax.set_xticks(x, [f"{r.stage}\n{r.width}-D" for r in after], fontsize=8)
    ax.set_ylabel(f"linear probe {metric}", fontsize=9)
    ax.set_xlabel("stage (input → output)", fontsize=9)
    ax.set_title("How linearly separable is each stage?" if metric == "accuracy"
                 else "How linear is the target in each stage?", fontsize=10)
    ax.legend(fontsize=7, loc="upper center", ncol=4, framealpha=0.9)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig
