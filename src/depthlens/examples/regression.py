"""``regression``: the founding worked example, 39 past values → the next 48, end to end.

Pipeline (every choice a flag; defaults chosen by measurement, docs/examples/regression.md):

- data: the ``sequence`` set, windows of smooth synthetic series (39 inputs → 48 outputs),
  ``n_series`` series of ``n_samples / n_series`` windows each, split by *whole series*
  (``split_groups``): the test series are never seen in training;
- three networks on the same split, each with its own time budget (``budget`` caps them all):

  * **the text's recipe** (``sgd``): 39 → 1000 → 1000 → 48, ReLU hidden layers, linear
    output, MSE, He-uniform initialization (W ~ U(±√(6/fan_in)), biases 0), per-sample SGD
    (batch 1) reshuffled every epoch, on inputs preprocessed by a transform fitted on the
    training windows only: PCA whitening by default (mean subtraction, rotation onto the
    principal axes, each axis scaled to unit variance, eps 0.01 damping the near-empty
    directions), or standardize, PCA, ZCA, center, none; optionally the targets standardized
    too (the predictions mapped back, so every number is in the data's own units);
  * **the modern dense reference** (``adam``): the same network and inputs, Adam on
    mini-batches of ``ADAM_BATCH``;
  * **the recurrent network** (``rnn``): the 39 past values read one at a time as a sequence
    (n, 39, 1), a GRU (or Elman, LSTM) of ``rnn_hidden`` units, h_t = cell(x_t, h_{t−1}),
    h_0 = 0, and the linear readout ŷ = W·h_39 + b (48 outputs); the series scaled once,
    s' = (s − μ)/σ with μ, σ the mean and standard deviation of every training input value
    (inputs and targets alike; the predictions mapped back); Adam on mini-batches of
    ``RNN_BATCH``, gradients clipped to norm ``CLIP_NORM`` (``Trainer(clip_norm=…)``);

- ``model`` names the network the page is about ('dense': the text's recipe, the default;
  'rnn': the recurrent one): its numbers are the unprefixed ones and its figure the main
  picture; every network trained has its ``sgd_``/``adam_``/``rnn_`` numbers and the other
  network's figure is drawn too. ``compare=False`` trains only the ``model``'s network;
- the founding figure: actual against predicted for one output dimension over time, one row
  for a training series and two rows for unseen series, **chosen by a rule** (``shown_series``:
  the training series of median error, the two unseen series at the middle of the ranking by
  error, never the best or the worst); beside it the test MSE per horizon of every network
  against the predict-the-mean baseline and ridge regression, and the loss per epoch.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator
from tqdm import tqdm

from depthlens.data import Dataset, Standardize, split_groups
from depthlens.draw import colors
from depthlens.draw.stage_axes import hexcolor
from depthlens.errors import ConfigError
from depthlens.examples.common import Deadline, ExampleResult, blas_threads, png, rounded
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session, load_data
from depthlens.nn.optimizers import make_optimizer
from depthlens.nn.recurrent import CELLS, RecurrentNet
from depthlens.nn.training import History, Trainer

NAME = "regression"
TITLE = "The founding example: 39 past values → the next 48, on unseen series"
SUMMARY = ("sequence set: the text's 39 → 1000 → 1000 → 48 ReLU with per-sample SGD, the same "
           "with Adam, and a GRU reading the 39 values as a sequence; actual vs predicted")

MODELS = ("dense", "rnn")
CONTENDERS = ("sgd", "adam", "rnn")
"""The networks in the order the page lists them: the text's recipe, the dense net with Adam,
the recurrent net."""

DEFAULTS: dict[str, Any] = {
    "model": "dense",
    "compare": True,
    "n_samples": 40000,
    "n_series": 1000,
    "train_ratio": 0.75,
    "preprocessing": "pca-whiten",
    "whiten_eps": 0.01,
    "targets": "raw",
    "hidden": 1000,
    "optimizer": "sgd",
    "lr": 0.01,
    "batch_size": 1,
    "epochs": 3,
    "adam_lr": 0.001,
    "adam_epochs": 10,
    "adam_budget": 75.0,
    "cell": "gru",
    "rnn_hidden": 32,
    "rnn_lr": 0.01,
    "rnn_epochs": 30,
    "rnn_budget": 150.0,
    "output_dim": 11,
    "seed": 0,
}
DEFAULT_BUDGET = 200.0
"""Seconds of training at most for each network (the measured default run of the text's recipe
trains its 3 epochs in about 175 s); the Adam and recurrent networks have their own, smaller,
budgets (``adam_budget``, ``rnn_budget``), capped by this one."""

QUICK: dict[str, Any] = {"n_samples": 1500, "n_series": 150, "epochs": 2, "adam_epochs": 4,
                         "rnn_epochs": 10}
"""--quick: the same networks and pipeline on a 27th of the data and fewer epochs (about 30 s:
the text's recipe 2 epochs, Adam 4, the GRU 10)."""

ADAM_BATCH = 64
RNN_BATCH = 32
CLIP_NORM = 1.0
PREPROCESSING = ("pca-whiten", "standardize", "pca", "zca", "center", "none")
RIDGE_LAMBDA = 1.0


def make_config(o: dict[str, Any], recipe: str = "sgd") -> Config:
    """The Config of a dense run the options describe: the text's recipe (``recipe='sgd'``,
    the ``optimizer``/``lr``/``batch_size``/``epochs`` options) or the Adam reference
    (``'adam'``: ``adam_lr``, ``adam_epochs``, batches of ``ADAM_BATCH``)."""
    prep_params = ({"eps": o["whiten_eps"]} if o["preprocessing"] in ("pca-whiten", "zca")
                   else {})
    if recipe == "adam":
        optimizer, lr, batch, epochs = "adam", o["adam_lr"], ADAM_BATCH, o["adam_epochs"]
    else:
        optimizer, lr, batch, epochs = o["optimizer"], o["lr"], o["batch_size"], o["epochs"]
    return Config(dataset="sequence", n_samples=o["n_samples"],
                  dataset_params={"n_series": o["n_series"]}, train_ratio=o["train_ratio"],
                  preprocessing=o["preprocessing"], preprocessing_params=prep_params,
                  layers=(o["hidden"], o["hidden"]), activation="relu", output="linear",
                  loss="mse", init="he_uniform", optimizer=optimizer, lr=lr,
                  batch_size=batch, epochs=epochs, shuffle=True, seed=o["seed"])


@dataclass
class Fit:
    """One trained network of the comparison: its predictions on the training and unseen
    windows (the data's own units), its training record and how it was trained."""

    key: str  # 'sgd', 'adam' or 'rnn'
    label: str  # the legend's name
    recipe: str  # one line: architecture · optimizer, batches
    net: Any
    history: History
    pred_train: np.ndarray
    pred_test: np.ndarray
    timing: dict[str, Any]
    budget: float | None
    objects: dict[str, Any] = field(default_factory=dict)

    @property
    def n_params(self) -> int:
        return int(self.net.n_params)


def target_scaler(config: Config, dataset: Dataset) -> Standardize:
    """Standardize fitted on the targets of the training series (the Session's own split)."""
    train, _ = split_groups(dataset, config.train_ratio, config.seeds()["split"])
    return Standardize().fit(np.asarray(train.y))


def ridge(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray,
          lam: float = RIDGE_LAMBDA) -> np.ndarray:
    """Ridge regression's predictions on ``x_test`` (intercept not penalised)."""
    a = np.column_stack([x_train, np.ones(len(x_train))])
    reg = lam * np.eye(a.shape[1])
    reg[-1, -1] = 0.0
    coef = np.linalg.solve(a.T @ a + reg, a.T @ y_train)
    return np.column_stack([x_test, np.ones(len(x_test))]) @ coef


def cap(own: float | None, budget: float | None) -> float | None:
    """The smaller of two budgets in seconds, None meaning no limit."""
    given = [b for b in (own, budget) if b is not None]
    return min(given) if given else None


def train(trainer: Trainer, epochs: int, budget: float | None, progress: bool,
          desc: str = "train") -> dict[str, Any]:
    """Train ``epochs`` epochs, or until ``budget`` seconds have passed (checked every 128
    steps); return timings."""
    total = epochs * trainer.steps_per_epoch
    deadline = Deadline(budget)
    stopped = False
    bar = tqdm(total=total, desc=desc, unit="step", disable=not progress, file=sys.stderr,
               dynamic_ncols=True, mininterval=0.5)
    single = trainer.batch_size <= 4 or isinstance(trainer.net, RecurrentNet)
    try:
        with blas_threads(1 if single else None):
            while trainer.steps_done < total:
                done = trainer.epochs_done
                trainer.step()
                bar.update(1)
                if trainer.epochs_done > done:
                    row = trainer.history.last()
                    bar.set_postfix_str(f"epoch {row['epoch']} train {row['train_loss']:.4f} "
                                        f"test {row['test_loss']:.4f}", refresh=False)
                if trainer.steps_done % 128 == 0 and deadline.expired:
                    stopped = True
                    break
    finally:
        bar.close()
    return {"train_s": deadline.elapsed, "stopped_by_budget": stopped,
            "steps": trainer.steps_done,
            "epochs_done": trainer.steps_done / trainer.steps_per_epoch}


def fit_dense(o: dict[str, Any], recipe: str, dataset: Dataset, budget: float | None,
              progress: bool) -> Fit:
    """The dense network trained by ``recipe`` ('sgd': the text's, 'adam': the reference) on
    the Session's pipeline (preprocessing fitted on the training windows)."""
    config = make_config(o, recipe)
    scaler = target_scaler(config, dataset) if o["targets"] == "standardize" else None
    fit_data = dataset if scaler is None else dataset.replace(y=scaler.transform(dataset.y))
    session = Session(config, fit_data)
    # Report against the data's own (raw) targets, whatever the network was fitted on.
    raw_train, raw_test = split_groups(dataset, config.train_ratio, config.seeds()["split"])
    session.train_data, session.test_data = raw_train, raw_test
    timing = train(session.trainer, config.epochs, budget, progress, f"dense {recipe}")

    def predict(x: np.ndarray) -> np.ndarray:
        with blas_threads(None):
            out = np.asarray(session.net.forward(x), dtype=np.float64)
        return out if scaler is None else scaler.inverse_transform(out)

    arch = " → ".join(str(v) for v in session.net.sizes) + " ReLU"
    batch = config.batch_size
    how = ("per-sample SGD" if batch == 1 and config.optimizer == "sgd"
           else f"{config.optimizer}, batches of {batch}")
    label = "dense, the text's recipe" if recipe == "sgd" else "dense, Adam"
    return Fit(recipe, label, f"{arch} · {how}", session.net, session.history,
               predict(session.x_train), predict(session.x_test), timing, budget,
               {"session": session, "target_scaler": scaler})


def as_sequences(x: np.ndarray, mu: float, sd: float) -> np.ndarray:
    """Windows (n, 39) as scaled sequences (n, 39, 1): one value per time step."""
    return ((np.asarray(x, dtype=np.float64) - mu) / sd)[:, :, None]


def fit_recurrent(o: dict[str, Any], dataset: Dataset, budget: float | None,
                  progress: bool) -> Fit:
    """The recurrent network: each window's 39 values as a sequence, the 48 next values from
    the readout of the last state; Adam on batches of ``RNN_BATCH``, clip_norm ``CLIP_NORM``."""
    config = make_config(o)
    train_data, test_data = split_groups(dataset, config.train_ratio, config.seeds()["split"])
    x_train, x_test = np.asarray(train_data.x), np.asarray(test_data.x)
    mu, sd = float(x_train.mean()), float(x_train.std())
    seeds = config.seeds()
    net = RecurrentNet(1, int(o["rnn_hidden"]), o["cell"], n_outputs=dataset.n_outputs,
                       output="linear", loss="mse", seed=seeds["init"])
    trainer = Trainer(net, make_optimizer("adam", lr=o["rnn_lr"]),
                      as_sequences(x_train, mu, sd), (np.asarray(train_data.y) - mu) / sd,
                      problem="regression", batch_size=RNN_BATCH, shuffle=True,
                      seed=seeds["order"],
                      x_test=as_sequences(x_test, mu, sd),
                      y_test=(np.asarray(test_data.y) - mu) / sd, clip_norm=CLIP_NORM)
    timing = train(trainer, int(o["rnn_epochs"]), budget, progress, f"rnn {o['cell']}")

    def predict(x: np.ndarray) -> np.ndarray:
        with blas_threads(1):
            return np.asarray(net.forward(as_sequences(x, mu, sd)), dtype=np.float64) * sd + mu

    recipe = (f"{cell_name(o['cell'])} of {net.hidden} "
              f"units over 39 steps → {net.n_outputs} · Adam, batches of {RNN_BATCH}, "
              f"clip_norm {CLIP_NORM:g}")
    return Fit("rnn", f"recurrent ({o['cell']})", recipe, net, trainer.history,
               predict(x_train), predict(x_test), timing, budget,
               {"trainer": trainer, "scale": (mu, sd)})


def series_of(data: Dataset, group: int, predictions: np.ndarray) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """The whole series of one group (rebuilt from its windows) and the predictions of its
    windows (in window order)."""
    rows = np.flatnonzero(np.asarray(data.groups) == group)
    x, y = np.asarray(data.x)[rows], np.asarray(data.y)[rows]
    s = np.concatenate([x[:, 0], x[-1, 1:], y[-1]])
    return s, predictions[rows]


def series_errors(data: Dataset, predictions: np.ndarray, k: int) -> dict[int, float]:
    """Each series' MSE of output t+k over its windows: mean_i (ŷ_i,k − y_i,k)², by group."""
    groups = np.asarray(data.groups)
    sq = (predictions[:, k] - np.asarray(data.y)[:, k]) ** 2
    return {int(g): float(sq[groups == g].mean()) for g in np.unique(groups)}


def shown_series(errors: dict[int, float], count: int) -> list[tuple[int, int]]:
    """The rule that picks the series a figure shows: rank the series by error, lowest first
    (ties by group number), and take the ``count`` at the middle of the ranking, positions
    ⌊N/2⌋ − ⌊count/2⌋ … onwards (N series, 0-based): one series is the median (for even N the
    upper of the two middle ones), two are the two middle ones (for odd N the median and the
    one just below it). Returns (group, 1-based rank) pairs; neither the best nor the worst
    series is among them when N ≥ count + 2."""
    ranked = sorted(errors, key=lambda g: (errors[g], g))
    first = max(0, min(len(ranked) - count, len(ranked) // 2 - count // 2))
    return [(ranked[i], i + 1) for i in range(first, min(first + count, len(ranked)))]


def figure(fit: Fit, fits: dict[str, Fit], train_data: Dataset, test_data: Dataset,
           numbers: dict, per_horizon: dict[str, np.ndarray], k: int) -> plt.Figure:
    """The founding figure for ``fit``'s network: actual vs predicted output t+k over time
    (the training series of median error, the two unseen series at the middle of the ranking),
    with every network's test MSE per horizon and ``fit``'s loss per epoch beside it."""
    blue, orange = hexcolor(colors.BLUE), hexcolor(colors.ORANGE)
    fig = plt.figure(figsize=(11.5, 7.9))
    gs = fig.add_gridspec(3, 2, width_ratios=[2.2, 1], hspace=0.6, wspace=0.22)
    n_in = np.asarray(train_data.x).shape[1]
    train_err = series_errors(train_data, fit.pred_train, k)
    test_err = series_errors(test_data, fit.pred_test, k)
    (g_train, r_train), = shown_series(train_err, 1)
    shown = shown_series(test_err, 2)
    rows = [("training series", train_data, g_train, r_train, len(train_err), fit.pred_train)]
    rows += [("unseen series", test_data, g, r, len(test_err), fit.pred_test) for g, r in shown]
    for r, (what, data, g, rank, of, pred) in enumerate(rows):
        ax = fig.add_subplot(gs[r, 0])
        s, p = series_of(data, int(g), pred)
        t = np.arange(len(s))
        m = len(p)
        ax.plot(t, s, color="#333333", lw=1.4, label="actual series")
        ax.plot(n_in + k + np.arange(m), p[:, k], color=blue, lw=1.6, marker="o", ms=3,
                label=f"predicted t+{k} (one window each)")
        last = m - 1
        ax.plot(n_in + last + np.arange(p.shape[1]), p[last], color=orange, lw=1.2, ls="--",
                label="the last window's whole 48-step forecast")
        ax.axvspan(last - 0.5, last + n_in - 0.5, color="#fdf0e0", zorder=0,
                   label="the last window's 39 inputs")
        mse = float(np.mean((p[:, k] - s[n_in + k + np.arange(m)]) ** 2))
        ax.set_title(f"{what} #{int(g)} · output t+{k}: MSE {mse:.3f} on this series "
                     f"(rank {rank} of {of} by this error)", fontsize=9, loc="left")
        ax.set_xlim(0, len(s) - 1)
        ax.tick_params(labelsize=7)
        if r == 2:
            ax.set_xlabel("time step: each blue point is one window's prediction, placed at "
                          "the time it predicts", fontsize=8)
        if r == 0:
            fig.legend(*ax.get_legend_handles_labels(), fontsize=7, ncol=4, frameon=False,
                       loc="upper left", bbox_to_anchor=(0.04, 0.93))
    ax = fig.add_subplot(gs[0:2, 1])
    h = np.arange(len(per_horizon["baseline"]))
    ax.plot(h, per_horizon["baseline"], color="#888888", ls=":", lw=1.5,
            label=f"predict the mean ({numbers['baseline_mse']:.3f})")
    ax.plot(h, per_horizon["ridge"], color="#c9a227", lw=1.2,
            label=f"ridge regression ({numbers['ridge_mse']:.3f})")
    styles = {"sgd": (blue, "-"), "adam": ("#5a8fc0", "--"), "rnn": (orange, "-")}
    for key, other in fits.items():
        color, ls = styles[key]
        ax.plot(h, per_horizon[key], color=color, ls=ls, lw=2.4 if other is fit else 1.3,
                label=f"{other.label} ({numbers[f'{key}_test_mse']:.3f})")
    ax.axvline(k, color="#bbbbbb", lw=0.8)
    ax.set_title("test MSE per output, unseen series\n(mean over all 48 in brackets)",
                 fontsize=9)
    ax.set_xlabel("output t+h", fontsize=8)
    ax.set_ylim(bottom=0)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="lower right")
    ax = fig.add_subplot(gs[2, 1])
    hist = fit.history
    scale = fit.objects["scale"][1] ** 2 if fit.key == "rnn" else 1.0
    unit = " (standardized)" if fit.key != "rnn" and numbers["targets"] != "raw" else ""
    if len(hist):
        ax.plot(hist.epoch, np.asarray(hist.train_loss) * scale, color="#777777", marker="o",
                ms=3, label="train")
        ax.plot(hist.epoch, np.asarray(hist.test_loss) * scale, color="#000000", marker="o",
                ms=3, label="unseen series")
        ax.legend(fontsize=7)
    ax.set_xlabel("epoch", fontsize=8)
    ax.set_ylabel(f"MSE{unit}", fontsize=8)
    ax.set_title("loss after each epoch", fontsize=9)
    if 0 < len(hist) <= 12:
        ax.set_xticks(list(hist.epoch))
        ax.set_xlim(min(hist.epoch) - 0.5, max(hist.epoch) + 0.5)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.tick_params(labelsize=7)
    key = fit.key
    fig.suptitle(f"{fit.label}: {fit.recipe}\n{numbers[f'{key}_epochs_done']:.3g} epochs in "
                 f"{numbers[f'{key}_train_s']:.0f} s · test MSE "
                 f"{numbers[f'{key}_test_mse']:.3f} against {numbers['baseline_mse']:.3f} for "
                 f"predicting the mean ({numbers[f'{key}_mse_ratio']:.2f}×) on "
                 f"{numbers['n_test_series']} unseen series", fontsize=10)
    fig.text(0.05, 0.012, f"Series shown, by a rule: every series ranked by this network's "
             f"error on output t+{k}, lowest first; the training series of median error\n(rank "
             f"{r_train} of {len(train_err)}) and the two unseen series at the middle of their "
             f"ranking (ranks {' and '.join(str(r) for _, r in shown)} of {len(test_err)}): "
             "typical series, neither the best nor the worst.", fontsize=8, color="#444444")
    fig.subplots_adjust(left=0.05, right=0.985, top=0.865, bottom=0.115)
    return fig


def run(quick: bool = False, budget: float | None = DEFAULT_BUDGET, progress: bool = False,
        **options: Any) -> ExampleResult:
    """Run the example; ``options`` are the flags' names (``DEFAULTS``), ``quick`` shrinks the
    data (``QUICK``) unless an option says otherwise."""
    start = time.perf_counter()
    o = {**DEFAULTS, **(QUICK if quick else {}),
         **{k: v for k, v in options.items() if v is not None}}
    unknown = set(o) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown option(s) for {NAME}: {sorted(unknown)}")
    if o["model"] not in MODELS:
        raise ConfigError("model", o["model"], MODELS)
    if o["cell"] not in CELLS:
        raise ConfigError("cell", o["cell"], CELLS)
    k = int(o["output_dim"])
    config = make_config(o)
    dataset = load_data(config)
    if not 0 <= k < dataset.n_outputs:
        raise ConfigError("output_dim", k, f"an output index 0..{dataset.n_outputs - 1}")
    keys = (CONTENDERS if o["compare"] else ("sgd",) if o["model"] == "dense" else ("rnn",))
    fits: dict[str, Fit] = {}
    for key in keys:
        if key == "rnn":
            fits[key] = fit_recurrent(o, dataset, cap(o["rnn_budget"], budget), progress)
        else:
            own = o["adam_budget"] if key == "adam" else None
            fits[key] = fit_dense(o, key, dataset, cap(own, budget), progress)
    main = fits["sgd" if o["model"] == "dense" else "rnn"]

    train_data, test_data = split_groups(dataset, config.train_ratio, config.seeds()["split"])
    y_train, y_test = np.asarray(train_data.y), np.asarray(test_data.y)
    baseline = np.broadcast_to(y_train.mean(axis=0), y_test.shape)
    # the preprocessed inputs ridge reads: a dense fit's Session, or one built untrained
    x_prep = next((f.objects["session"] for f in fits.values() if "session" in f.objects),
                  None) or Session(config, dataset)
    ridge_test = ridge(x_prep.x_train, y_train, x_prep.x_test)
    per_horizon = {"ridge": ((ridge_test - y_test) ** 2).mean(axis=0),
                   "baseline": ((baseline - y_test) ** 2).mean(axis=0)}
    for key, f in fits.items():
        per_horizon[key] = ((f.pred_test - y_test) ** 2).mean(axis=0)
    baseline_mse = float(per_horizon["baseline"].mean())
    test_mse = float(per_horizon[main.key].mean())
    numbers: dict[str, Any] = {
        "model": o["model"],
        "test_mse": test_mse,
        "baseline_mse": baseline_mse,
        "mse_ratio": test_mse / baseline_mse,
        "ridge_mse": float(per_horizon["ridge"].mean()),
        "train_mse": float(((main.pred_train - y_train) ** 2).mean()),
        "test_mse_output_dim": float(per_horizon[main.key][k]),
        "output_dim": k,
        "n_train_series": len(np.unique(np.asarray(train_data.groups))),
        "n_test_series": len(np.unique(np.asarray(test_data.groups))),
        "n_train": len(y_train),
        "n_test": len(y_test),
        "n_params": main.n_params,
        "preprocessing": o["preprocessing"],
        "targets": o["targets"],
        "optimizer": o["optimizer"],
        "lr": o["lr"],
        "batch_size": o["batch_size"],
        "epochs": o["epochs"],
        "budget_s": budget if budget is not None else "none",
        **main.timing,
    }
    numbers["ms_per_step"] = 1000.0 * main.timing["train_s"] / max(main.timing["steps"], 1)
    for key, f in fits.items():
        mse = float(per_horizon[key].mean())
        numbers.update({
            f"{key}_test_mse": mse,
            f"{key}_mse_ratio": mse / baseline_mse,
            f"{key}_train_mse": float(((f.pred_train - y_train) ** 2).mean()),
            f"{key}_n_params": f.n_params,
            f"{key}_train_s": f.timing["train_s"],
            f"{key}_budget_s": f.budget if f.budget is not None else "none",
            f"{key}_epochs_done": f.timing["epochs_done"],
            f"{key}_steps": f.timing["steps"],
            f"{key}_stopped_by_budget": f.timing["stopped_by_budget"],
        })
    if "rnn" in fits:
        numbers.update(cell=o["cell"], rnn_hidden=int(o["rnn_hidden"]), rnn_lr=o["rnn_lr"],
                       rnn_batch_size=RNN_BATCH, clip_norm=CLIP_NORM)
    if "adam" in fits:
        numbers.update(adam_lr=o["adam_lr"], adam_batch_size=ADAM_BATCH)
    pictures: dict[str, bytes] = {}
    for f in sorted(fits.values(), key=lambda f: f is not main):
        if f.key == "adam":
            continue
        part = "" if f is main else ("rnn" if f.key == "rnn" else "dense")
        pictures[part] = png(figure(f, fits, train_data, test_data, numbers, per_horizon, k))
    numbers["elapsed_s"] = time.perf_counter() - start
    numbers = rounded(numbers)
    objects: dict[str, Any] = {"fits": fits, "net": main.net,
                               "session": main.objects.get("session"),
                               "target_scaler": main.objects.get("target_scaler")}
    return ExampleResult(NAME, TITLE, numbers, explanation(numbers), pictures, objects,
                         command=command(o, quick, budget))


def command(o: dict[str, Any], quick: bool, budget: float | None) -> str:
    """The command line that reproduces a run (only the options that differ from defaults)."""
    parts = [f"depthlens example {NAME}"]
    if quick:
        parts.append("--quick")
    if budget != DEFAULT_BUDGET:
        parts.append(f"--budget {budget}")
    base = {**DEFAULTS, **(QUICK if quick else {})}
    for key, value in o.items():
        if value != base[key]:
            if key == "compare":
                parts.append("--no-compare")
            else:
                parts.append(f"--{key.replace('_', '-')} {value}")
    return " ".join(parts)


MEASURED = """
**How the defaults were chosen** (measured on this project's machine: 2 cores, AMD EPYC,
numpy + OpenBLAS, float32, the engine's numpy path; the machine shared with other work, so
times vary by a third from run to run).

- One per-sample SGD step of 39 → 1000 → 1000 → 48 (1,089,048 parameters) with one BLAS
  thread: **1.93 ms** on a quiet machine. With OpenBLAS's default two threads: 5.3 ms — a
  1×1000 row times a 1000×1000 matrix is too small to split — so the text's recipe trains on
  one thread (through threadpoolctl, which comes with scikit-learn).
- The text's recipe, 3 epochs × 30,000 windows = 90,000 steps: about 174 s of training on a
  quiet machine; this page's run: {sgd_train_s:.0f} s{stopped}. Test MSE {sgd_test_mse:.3f}
  against the mean's {baseline_mse:.3f} ({sgd_mse_ratio:.2f}×); ridge {ridge_mse:.3f}.
- The same with `--preprocessing standardize` (one run, 3 full epochs): test MSE 0.603
  against 1.172 (0.51×); ridge 0.612. Whitening is worth a sixth of the error.
- With the sequence set's own defaults (2,000 windows from 40 series, 30 of them for
  training) the network overfits: its test MSE stays at 0.64–0.70 while ridge gets 0.48.
  What lets it generalise to unseen series is many different series, hence 1,000.
{measured_rnn}
The whole run trained for {total_train_s:.0f} s and took {elapsed_s:.0f} s;
`time depthlens example regression` adds about 2 s of start-up.

Per-sample SGD costs one step per window, so the data and the epochs are what the time limit
buys: 40,000 windows from 1,000 series (40 consecutive windows of each, which also makes the
rows of the picture long enough to read), 3 epochs at learning rate 0.01, and a 200 s budget
that stops training even mid-epoch so the command ends in reasonable time on a slower or
busier machine. Standardizing the targets (`--targets standardize`) is nearly the identity
here — their standard deviations are 1.05–1.06 and their means −0.03 — so it is off by default.
"""

MEASURED_RNN = """
- The recurrent network (a GRU, Adam, batches of 32, clip_norm 1.0), each setting trained once
  on the full data: 64 units at learning rate 0.003 reached test MSE 0.516 after 8 epochs
  (107 s) and 0.513 after 10 (135 s), its training error still falling (0.43): it begins to
  overfit; 64 units at 0.01: 0.518 after 11 epochs (106 s); 64 units in batches of 64: 0.523
  after 11 epochs (155 s); **32 units at 0.01: 0.508 after 16 epochs (100 s), 0.500 after 23
  (146 s)**. A step of the 32-unit GRU (batch 32, 39 time steps, forward and backprop through
  time) takes about 7 ms on one thread, of the 64-unit one 10–14 ms: the cost is numpy's per
  call over 39 small steps, so a second BLAS thread does not help and larger batches do not
  make epochs cheaper. The GRU levels off near 0.50 whatever the setting, so the default is
  the cheapest: 32 units at 0.01, up to {rnn_epochs} epochs in a {rnn_budget_default:.0f} s
  budget. This page's run: {rnn_epochs_done:.3g} epochs in {rnn_train_s:.0f} s, test MSE
  {rnn_test_mse:.3f} ({rnn_mse_ratio:.2f}× the mean's).
- The dense network with Adam (batches of 64, learning rate 0.001), once for 90 s: test MSE
  0.510 after 1 epoch, 0.439 after 4, 0.428 after 7, 0.421 after 10 and 0.419 after 14, its
  training error falling to 0.16 (it memorises the training series; the unseen error has
  levelled off by 10 epochs). A step of 39 → 1000 → 1000 → 48 on 64 windows takes about 14 ms
  with two BLAS threads, an epoch of 469 steps about 7 s: 10 epochs in a
  {adam_budget_default:.0f} s budget. This page's run: {adam_epochs_done:.3g} epochs in
  {adam_train_s:.0f} s ({adam_ms:.0f} ms a step), test MSE {adam_test_mse:.3f}
  ({adam_mse_ratio:.2f}×).
"""

_ROWS = {"sgd": "dense 39 → 1000 → 1000 → 48, the text's recipe: per-sample SGD",
         "adam": f"the same dense net, Adam, batches of {ADAM_BATCH}",
         "rnn": "recurrent: {cell_name} of {rnn_hidden} units reading the 39 values one by one, "
                f"Adam, batches of {RNN_BATCH}, clip_norm {CLIP_NORM:g}"}


def cell_name(cell: str) -> str:
    """'GRU', 'LSTM' or 'Elman', as the text writes them."""
    return "Elman" if cell == "elman" else cell.upper()


def comparison(n: dict[str, Any]) -> str:
    """The markdown table of every network trained, on the same unseen series."""
    lines = ["| network | test MSE | × the mean's | train MSE | parameters | epochs | "
             "training | budget |", "|---|---|---|---|---|---|---|---|"]
    for key in CONTENDERS:
        if f"{key}_test_mse" not in n:
            continue
        budget = n[f"{key}_budget_s"]
        lines.append(
            f"| {_ROWS[key].format(cell_name=cell_name(n.get('cell', 'gru')), **n)} | "
            f"**{n[f'{key}_test_mse']:.3f}** | "
            f"{n[f'{key}_mse_ratio']:.2f} | {n[f'{key}_train_mse']:.3f} | "
            f"{n[f'{key}_n_params']:,} | {n[f'{key}_epochs_done']:.3g} | "
            f"{n[f'{key}_train_s']:.0f} s | {budget if budget == 'none' else f'{budget:g} s'} |")
    lines.append(f"| predict the training mean of each output | {n['baseline_mse']:.3f} | 1.00 "
                 "| | 48 | | | |")
    lines.append(f"| ridge regression (λ = {RIDGE_LAMBDA:g}) on the preprocessed inputs | "
                 f"{n['ridge_mse']:.3f} | {n['ridge_mse'] / n['baseline_mse']:.2f} | | 1,920 | | "
                 "| |")
    return "\n".join(lines)


def explanation(n: dict[str, Any]) -> str:
    """The page's text with the run's numbers (and, for the default run's page, how the
    defaults were chosen)."""
    verdict = ("far below" if n["mse_ratio"] < 0.5 else
               "below" if n["mse_ratio"] < 1 else "not below")
    about = ("the text's dense network trained by the text's recipe"
             if n["model"] == "dense" else f"the recurrent network ({n['cell']})")
    budget_note = (f"Its time budget ended training after {n['epochs_done']:.3g} epochs. "
                   if n["stopped_by_budget"] else "")
    pictures = ("The first picture is the text's dense network, the second the recurrent "
                "one" if n["model"] == "dense" else "The first picture is the recurrent "
                "network, the second the text's dense one")
    if "rnn_test_mse" not in n or "sgd_test_mse" not in n:
        pictures = "The picture is the network's"
    return f"""
A network reads the last 39 values of a series and predicts the next 48. The series are smooth
sums of a slow drift and three faster waves (periods 8 to 60 steps) with their own random
offsets, amplitudes, frequencies and phases, so each series is different; the
{n['n_test_series']} test series are held out *whole* (`split_groups`): no network has seen a
single value of them.

**Result.** This page is about {about}. On the unseen series its mean squared error over all
48 outputs is **{n['test_mse']:.3f}**, against **{n['baseline_mse']:.3f}** for predicting the
training mean of each output: {n['mse_ratio']:.2f}× the baseline, {verdict} it; the training
error is {n['train_mse']:.3f}. {budget_note}Every network trained, on the same split and the
same unseen series (each with its own time budget, all capped by `--budget`):

{comparison(n)}

**The pictures.** {pictures} (`--model dense` or `--model rnn` chooses which comes first).
Each row is one series (dark line). The blue points are the network's output
t+{n['output_dim']}: every window predicts one value {n['output_dim'] + 1} steps past its end,
and its prediction is placed at the time it predicts, so the blue line is the network's
running forecast {n['output_dim'] + 1} steps ahead. The orange dashed line is the whole
48-step forecast of the last window, whose 39 inputs are the orange band. The top row is a
training series, the two below are series the network never saw. **Which series are shown is
a rule, not a choice**: every series is ranked by that network's error on output
t+{n['output_dim']}, and the picture shows the training series of median error and the two
unseen series at the middle of their ranking (the caption under each picture gives the ranks)
— typical series, neither the best nor the worst. On the right: every network's test error per
output — it grows with the horizon — and the loss after each epoch of the network drawn.

**The pipeline.** {n['n_train']} training windows from {n['n_train_series']} series,
{n['n_test']} test windows from {n['n_test_series']} others. The dense networks read inputs
preprocessed by `{n['preprocessing']}`, fitted on the training windows only. PCA whitening is
mean subtraction plus normalization along the principal axes: the 39 inputs of a smooth
series are strongly correlated, and whitening turns them into uncorrelated unit-variance
inputs, which makes per-sample SGD converge faster than standardizing each input alone (the
other option; see the measurements below). Targets: `{n['targets']}`. The text's network
39 → 1000 → 1000 → 48 (1,089,048 parameters), ReLU hidden layers, linear output, MSE loss,
He-uniform initialization (W ~ U(±√(6/fan_in)), biases 0: a uniform initialization whose bounds
keep the scale of the activations from layer to layer under ReLU). The text's recipe: optimizer
`{n['optimizer']}` at learning rate {n['lr']}, batch size {n['batch_size']} (1 = per-sample
SGD), the order reshuffled every epoch. The recurrent network reads the raw window instead —
no whitening, which would mix the time steps — as a sequence of 39 one-number inputs, the
series scaled once (s' = (s − μ)/σ with the training inputs' mean and standard deviation, the
predictions mapped back): h_t = {cell_name(n.get('cell', 'gru'))}(x_t, h_(t−1)) from h_0 = 0,
then ŷ = W·h_39 + b, all 48 outputs from the last state; PyTorch's initialization, Adam, the
gradient clipped to norm {CLIP_NORM:g} before each step.
""" + (measured(n) if is_default_run(n) else "")


def measured(n: dict[str, Any]) -> str:
    """``MEASURED`` with this run's own numbers filled in."""
    stopped = (f", the {n['sgd_budget_s']:g} s budget having ended training at step "
               f"{n['sgd_steps']:,} (the machine was shared)" if n["sgd_stopped_by_budget"]
               else f" ({n['sgd_steps']:,} steps)")
    rnn = MEASURED_RNN.strip().format(rnn_epochs=DEFAULTS["rnn_epochs"],
                              rnn_budget_default=DEFAULTS["rnn_budget"],
                              adam_budget_default=DEFAULTS["adam_budget"],
                              adam_ms=1000 * n["adam_train_s"] / max(n["adam_steps"], 1),
                              **n) + "\n"
    total = sum(n[f"{key}_train_s"] for key in CONTENDERS)
    return MEASURED.format(stopped=stopped, measured_rnn=rnn, total_train_s=total, **n)


def is_default_run(n: dict[str, Any]) -> bool:
    """Whether the numbers come from the default run (the one the measurements describe):
    every network trained, with the default recipes, on the full data."""
    return all(n.get(k) == DEFAULTS[k] for k in ("preprocessing", "targets", "optimizer", "lr",
                                                  "batch_size", "epochs")) and \
        n.get("n_train") == 30000 and all(f"{k}_test_mse" in n for k in CONTENDERS)
