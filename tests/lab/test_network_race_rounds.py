"""The network race in rounds: the numbers of training the contenders one after the other, a
stop between rounds leaving every contender the same epochs, the generator form."""

from __future__ import annotations

import numpy as np
import pytest

from depthlens import Config
from depthlens.errors import DivergenceError
from depthlens.experiment.session import Session
from depthlens.lab import DEFAULT_CONTENDERS, Contender, network_race
from depthlens.lab.network_race import describe, network_race_slices
from depthlens.nn.optimizers import make_optimizer
from depthlens.nn.training import Trainer

CFG = Config(dataset="spiral", layers=(6, 6), activation="relu", n_samples=120, seed=5)
EPOCHS = 3


def one_after_the_other(cfg: Config, contenders, epochs: int) -> dict[str, dict]:
    """The race as it was first written: each contender trained to the end before the next
    one starts (same Session, θ₀, trainers and records as network_race)."""
    session = Session(cfg)
    theta0 = session.net.params.copy()
    out = {}
    for c in contenders:
        net = session.net.copy()
        net.params[...] = theta0
        trainer = Trainer(net, make_optimizer(c.optimizer, **c.hyper), session.x_train,
                          session.train_data.y, problem=session.problem,
                          batch_size=c.batch_size, shuffle=cfg.shuffle,
                          seed=cfg.seeds()["order"], regularization=cfg.regularization,
                          reg_rate=cfg.reg_rate, x_test=session.x_test,
                          y_test=session.test_data.y)
        losses, paths, diverged = [], [net.params.copy()], None
        losses.append(trainer.evaluate(trainer.x, trainer.y, trainer.t)[0])
        for _ in range(epochs):
            try:
                trainer.epoch()
            except DivergenceError as err:
                diverged = str(err)
                break
            losses.append(trainer.evaluate(trainer.x, trainer.y, trainer.t)[0])
            paths.append(net.params.copy())
        out[c.name] = {"loss": losses, "path": paths, "diverged": diverged,
                       "steps": trainer.steps_done, "rule": describe(c)}
    return out


@pytest.mark.parametrize("cfg", [CFG.replace(loss="mse"),
                                 Config(dataset="reg-gauss", n_samples=80)],
                         ids=["spiral", "reg-gauss"])
def test_rounds_give_the_numbers_of_one_contender_after_the_other(cfg):
    wild = Contender("wild", "sgd", {"lr": 1e3}, 1)  # diverges: the others go on without it
    contenders = [*DEFAULT_CONTENDERS, wild]
    race = network_race(cfg, contenders, epochs=EPOCHS)
    expected = one_after_the_other(cfg, contenders, EPOCHS)
    assert race.stopped is None and race.epochs == race.requested_epochs == EPOCHS
    assert list(race.runs) == list(expected)
    for name, run in race.runs.items():
        want = expected[name]
        assert run.train_loss == [float(v) for v in want["loss"]], name
        assert len(run.path) == len(want["path"])
        for got, exp in zip(run.path, want["path"], strict=True):
            np.testing.assert_array_equal(got, exp)
        assert run.steps[-1] == want["steps"] and run.diverged == want["diverged"]
    assert race.runs["wild"].diverged is not None


def test_a_stop_after_k_rounds_leaves_every_contender_k_epochs():
    asked: list[int] = []

    def stop() -> str | None:
        asked.append(1)
        return "2 rounds, the test's limit" if len(asked) == 2 else None

    seen: list[tuple[str, int]] = []
    race = network_race(CFG, epochs=10, stop=stop, progress=lambda name, e: seen.append((name, e)))
    assert len(asked) == 2  # asked after every round, until it said stop
    assert race.stopped == "2 rounds, the test's limit"
    assert race.epochs == 2 and race.requested_epochs == 10
    n = race.n_train
    assert race.budget == 2 * n
    for run in race.runs.values():
        assert run.diverged is None
        assert run.evaluations == [0, n, 2 * n] and len(run.path) == 3
    assert {row["evaluations"] for row in race.table()} == {race.budget}
    assert {c["evaluations"][-1] for c in race.curves().values()} == {race.budget}
    assert len(seen) == 2 * len(DEFAULT_CONTENDERS)
    assert [e for _, e in seen] == [1] * 9 + [2] * 9  # in rounds: every contender epoch 1 first
    whole = network_race(CFG, epochs=2)  # the stopped race is the first 2 epochs of a whole one
    for name, run in race.runs.items():
        assert run.train_loss == whole.runs[name].train_loss


def test_stop_is_not_asked_after_the_last_round():
    race = network_race(CFG, ["adam"], epochs=2, stop=lambda: "always")
    assert race.epochs == 1 and race.stopped == "always"
    race = network_race(CFG, ["adam"], epochs=1, stop=lambda: "always")
    assert race.epochs == 1 and race.stopped is None  # nothing was left to stop


def test_the_generator_yields_every_epoch_and_returns_the_race():
    slices = network_race_slices(CFG, ["adam", "full-batch"], epochs=2)
    got = []
    with pytest.raises(StopIteration) as end:
        while True:
            got.append(next(slices))
    assert got == [("adam", 1), ("sgd full batch", 1), ("adam", 2), ("sgd full batch", 2)]
    race = end.value.value
    assert race.epochs == 2 and list(race.runs) == ["adam", "sgd full batch"]
    closed = network_race_slices(CFG, epochs=5)
    next(closed)
    closed.close()  # dropping a race part-way is allowed
    with pytest.raises(StopIteration):
        next(closed)
