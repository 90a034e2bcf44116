"""The init lab's pre-training race (issue 17, item 4): where greedy autoencoder pre-training
helps, and where a modern initializer makes it unnecessary.

Setting (``pretrain_race``'s defaults, seed 0): the circle set (500 points, 250 to train),
standardized; 6 hidden sigmoid layers × 32 units, bce; Adam at lr 0.003, batch 10, 40 epochs,
from the same data for every contender. Pre-training: 10 epochs per layer, Adam at 0.01, batch
10 (``nn/pretraining.PRETRAIN_DEFAULTS``), not counted in the 40.

Measured (training loss after 40 epochs): N(0, 0.01²) 0.693 (it never leaves ln 2), the same
start pre-trained 0.0025, Glorot normal 0.53, He normal 0.0031.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from depthlens.errors import ConfigError
from depthlens.lab.init_lab import (
    PRETRAIN_INITS,
    init_spec,
    lab_config,
    parse_init,
    pretrain_race,
    with_pretraining,
)

SMALL, PRE, GLOROT, HE = (s.label for s in PRETRAIN_INITS)


@pytest.fixture(scope="module")
def race():
    return pretrain_race(seed=0)


def _epochs_to(curve: list[float], level: float) -> float:
    return next((i for i, v in enumerate(curve) if v <= level), math.inf)


def test_pre_training_rescues_a_deep_sigmoid_net_from_small_gaussian_weights(race):
    small, pre = race.runs["sigmoid", SMALL], race.runs["sigmoid", PRE]
    assert PRE == "gaussian(std=0.01)+pretrain"
    # the small start stays at ln 2 (every output 1/2): its gradient vanished
    assert small.train_loss[-1] > 0.98 * math.log(2)
    assert small.test_metric[-1] < 0.6
    # the same start, pre-trained, learns the circle in the same 40 epochs
    assert pre.train_loss[-1] < 0.05 * small.train_loss[-1]
    assert pre.test_metric[-1] >= 0.95
    # it starts from the same loss: the help is in the hidden layers, not the output
    assert abs(pre.train_loss[0] - small.train_loss[0]) < 0.01
    assert pre.session.pretraining is not None and small.session.pretraining is None
    for losses in pre.session.pretraining.losses:
        assert losses[-1] < losses[0]


def test_he_makes_pre_training_unnecessary_and_glorot_at_least_beats_the_small_start(race):
    pre, he = race.runs["sigmoid", PRE], race.runs["sigmoid", HE]
    glorot, small = race.runs["sigmoid", GLOROT], race.runs["sigmoid", SMALL]
    assert he.session.pretraining is None
    # He, no pre-training: as low a loss and as good a test accuracy, reached sooner
    assert he.train_loss[-1] < 2 * pre.train_loss[-1]
    assert he.test_metric[-1] >= pre.test_metric[-1] - 0.01
    assert _epochs_to(he.train_loss, 0.1) <= _epochs_to(pre.train_loss, 0.1) < math.inf
    # Glorot (gain 1, made for tanh; σ'(0) = 1/4 shrinks it per layer) only partly: it leaves
    # ln 2, but stays far above the pre-trained net in 40 epochs
    assert glorot.train_loss[-1] < small.train_loss[-1] - 0.1
    assert glorot.train_loss[-1] > 10 * pre.train_loss[-1]


def test_the_initial_session_is_the_pre_trained_network_without_pre_training_again(race):
    run = race.runs["sigmoid", PRE]
    s = race.initial_session("sigmoid", PRE)
    np.testing.assert_array_equal(s.net.params, run.initial)
    assert s.pretraining == run.session.pretraining
    fresh = race.initial_session("sigmoid", SMALL)
    assert not np.array_equal(fresh.net.params[: fresh.net.n_weights],
                              run.initial[: fresh.net.n_weights])


def test_pretrain_specs_parse_label_and_reach_the_config():
    spec = parse_init("gaussian:std=0.01+pretrain:epochs=3,optimizer=sgd,lr=0.5")
    assert spec.label == "gaussian(std=0.01)+pretrain(epochs=3, optimizer=sgd, lr=0.5)"
    assert spec.kwargs == {"std": 0.01}
    assert spec.pretrain_kwargs == {"epochs": 3, "optimizer": "sgd", "lr": 0.5}
    assert parse_init("he_normal+pretrain") == with_pretraining(init_spec("he_normal"))
    cfg = lab_config("sigmoid", spec, depth=2, width=4)
    assert cfg.pretrain == "autoencoder"
    assert cfg.pretrain_params == {"epochs": 3, "optimizer": "sgd", "lr": 0.5}
    assert lab_config("sigmoid", init_spec("he_normal")).pretrain == "none"
    with pytest.raises(ConfigError, match=r"^pretrain\.epochs: "):
        parse_init("he_normal+pretrain:epochs=0")
    with pytest.raises(ConfigError, match="init"):
        parse_init("he_normal+pretrained")


# -- the picture, the table, the command -------------------------------------------------------
def test_the_race_figure_draws_both_panels_with_every_contender(race):
    from depthlens.lab.pretrain_race import pretrain_race_figure

    from .support import assert_not_blank, render

    fig = pretrain_race_figure(race)
    left, right = fig.axes[:2]
    assert len(left.get_lines()) == 6  # one autoencoder curve per hidden layer
    labels = [t.get_text() for t in right.get_legend().get_texts()]
    assert labels == [s.label for s in PRETRAIN_INITS]
    ends = [t.get_text() for t in right.texts]
    assert "0.693 = ln 2" in ends
    assert f"{race.runs['sigmoid', PRE].train_loss[-1]:.3g}" in ends
    assert_not_blank(render(fig), min_colours=60)


def test_lab_pretrain_writes_the_picture_the_table_and_the_report(tmp_path, capsys):
    from depthlens.cli import main

    from .support import assert_not_blank, png_file

    out = tmp_path / "pre"
    assert main(["lab", "pretrain", "--out", str(out), "--depth", "3", "--width", "8",
                 "--epochs", "3", "--dpi", "40", "--init", "gaussian:std=0.01",
                 "--init", "gaussian:std=0.01+pretrain:epochs=2", "--quiet"]) == 0
    assert_not_blank(png_file(out / "pretrain_race.png"), min_colours=40)
    rows = (out / "pretrain_race.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 3 and rows[0].startswith("start,loss at epoch 0,final loss")
    assert rows[2].startswith("gaussian(std=0.01)+pretrain(epochs=2),")
    assert rows[2].count("→") == 3  # three hidden layers pre-trained
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.count('<img src="data:image/png;base64,') == 1
    assert "report.html" in capsys.readouterr().out
