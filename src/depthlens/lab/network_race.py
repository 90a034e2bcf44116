"""The optimizer race on a network: one dataset, one set of initial weights, one budget.

Every contender trains a copy of the same network from the *same* initial weights θ₀ (the
Session's, copied into each run), on the same training set, with the same batch-order seed.
The budget is counted in **gradient evaluations** = samples whose gradient was computed
(one per sample of every mini-batch). An epoch costs n_train evaluations whatever the batch
size, so a budget of E epochs gives every contender E·n_train evaluations:

    per-sample SGD   (batch 1)      E·n_train updates of one sample each
    mini-batch SGD   (batch b)      E·⌈n_train / b⌉ updates
    full-batch GD    (batch n)      E updates of the whole set
    Momentum, Nesterov, Adagrad, RMSprop, Adadelta, Adam  (batch b)

so the race compares what each rule makes of the same amount of computation. After every
epoch the run records its evaluations so far, the train and test loss and accuracy (or R²),
and a snapshot of θ (for the path pictures of ``landscape``). A contender that diverges stops
there (``diverged`` holds the message).

The race runs in **rounds**: round k trains every contender its k-th epoch. A race stopped
between rounds (``stop``: the web Lab's time limit) has given every contender the same number
of epochs, so its comparison is as fair as a whole one; ``NetworkRace.epochs`` is the rounds
done and ``requested_epochs`` the rounds asked. Each contender owns its network copy, optimizer
state and batch-order generator (seeded alike), so the numbers are those of training the
contenders one after the other. :func:`network_race_slices` is the race as a generator that
yields after every epoch of every contender (a cooperative scheduler runs it a slice at a time:
``depthlens.web.lab_queue``); :func:`network_race` runs it to the end.

Python::

    from depthlens.lab import network_race
    race = network_race(Config(), epochs=30)
    race.runs["adam"].train_loss[-1]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from depthlens.errors import ConfigError, DivergenceError
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.nn.optimizers import make_optimizer
from depthlens.nn.training import Trainer

Array = np.ndarray


@dataclass(frozen=True)
class Contender:
    """A racer: a label, an optimizer name with its hyperparameters, and a batch size
    (a whole number, or 'all' for full batch)."""

    name: str
    optimizer: str
    hyper: dict[str, Any]
    batch_size: int | str = 10


DEFAULT_CONTENDERS: tuple[Contender, ...] = (
    Contender("sgd per-sample", "sgd", {"lr": 0.01}, 1),
    Contender("sgd mini-batch", "sgd", {"lr": 0.03}, 10),
    Contender("sgd full batch", "sgd", {"lr": 0.3}, "all"),
    Contender("momentum", "momentum", {"lr": 0.01}, 10),
    Contender("nesterov", "nesterov", {"lr": 0.01}, 10),
    Contender("adagrad", "adagrad", {"lr": 0.05}, 10),
    Contender("rmsprop", "rmsprop", {"lr": 0.003}, 10),
    Contender("adadelta", "adadelta", {"lr": 1.0}, 10),
    Contender("adam", "adam", {"lr": 0.01}, 10),
)
"""The default race: the three batch regimes of SGD, and every other rule at batch 10."""


def describe(c: Contender) -> str:
    """The contender's rule in a few words, e.g. 'sgd lr=0.01 μ=0.9'."""
    opt = make_optimizer(c.optimizer, **c.hyper)
    text = f"{opt.name} lr={opt.lr:g}"
    if opt.name == "sgd" and opt.hyper["momentum"]:
        text += f" μ={opt.hyper['momentum']:g}" + (" nesterov" if opt.hyper["nesterov"] else "")
    return text


def contenders_from(names: Sequence[str]) -> list[Contender]:
    """The default contenders with these names (in that order); ConfigError for others."""
    table = {c.name: c for c in DEFAULT_CONTENDERS}
    aliases = {"per-sample": "sgd per-sample", "sgd": "sgd mini-batch",
               "mini-batch": "sgd mini-batch", "full-batch": "sgd full batch",
               "full": "sgd full batch"}
    out = []
    for n in names:
        key = aliases.get(n.strip(), n.strip())
        if key not in table:
            raise ConfigError("optimizers", n, [*table, *aliases])
        out.append(table[key])
    return out


@dataclass
class NetworkRun:
    """One contender's run: per-epoch records (index 0 = before training)."""

    name: str
    optimizer: str
    batch_size: int
    evaluations: list[int] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    train_metric: list[float] = field(default_factory=list)
    test_metric: list[float] = field(default_factory=list)
    path: list[Array] = field(default_factory=list)
    diverged: str | None = None

    @property
    def final(self) -> Array:
        """The last weights θ of the run."""
        return self.path[-1]

    def record(self, trainer: Trainer, evaluations: int) -> None:
        train = trainer.evaluate(trainer.x, trainer.y, trainer.t)
        test = ((math.nan, math.nan) if trainer.x_test is None else
                trainer.evaluate(trainer.x_test, trainer.y_test, trainer.t_test))
        self.evaluations.append(evaluations)
        self.steps.append(trainer.steps_done)
        self.train_loss.append(float(train[0]))
        self.train_metric.append(float(train[1]))
        self.test_loss.append(float(test[0]))
        self.test_metric.append(float(test[1]))
        self.path.append(trainer.net.params.astype(np.float64))


@dataclass
class NetworkRace:
    """The race's results: the Session (data, network with θ₀), θ₀, and every run.

    ``epochs`` is the rounds done (every contender trained that many epochs, unless it
    diverged), ``requested_epochs`` the rounds asked, and ``stopped`` why the race ended
    before them (the ``stop`` callable's reason), or None."""

    session: Session
    initial: Array
    runs: dict[str, NetworkRun]
    epochs: int
    metric: str
    requested_epochs: int = 0
    stopped: str | None = None

    def __post_init__(self) -> None:
        if not self.requested_epochs:
            self.requested_epochs = self.epochs

    @property
    def n_train(self) -> int:
        return int(self.session.trainer.n_train)

    @property
    def budget(self) -> int:
        """Gradient evaluations each contender was given (epochs × n_train)."""
        return self.epochs * self.n_train

    def curves(self) -> dict[str, dict[str, list]]:
        """Per run, plain lists for a web page: evaluations, steps, train/test loss and
        metric per epoch (index 0 = before training)."""
        return {name: {"evaluations": list(r.evaluations), "steps": list(r.steps),
                       "train_loss": list(r.train_loss), "test_loss": list(r.test_loss),
                       "train_metric": list(r.train_metric),
                       "test_metric": list(r.test_metric), "batch_size": r.batch_size,
                       "rule": r.optimizer, "diverged": r.diverged}
                for name, r in self.runs.items()}

    def table(self) -> list[dict[str, Any]]:
        """A row per run: name, optimizer, batch, updates, evaluations, final numbers."""
        rows = []
        for r in self.runs.values():
            rows.append({"name": r.name, "optimizer": r.optimizer, "batch": r.batch_size,
                         "updates": r.steps[-1], "evaluations": r.evaluations[-1],
                         "train_loss": r.train_loss[-1], "test_loss": r.test_loss[-1],
                         f"train_{self.metric}": r.train_metric[-1],
                         f"test_{self.metric}": r.test_metric[-1],
                         "diverged": r.diverged or ""})
        return rows


def network_race(config: Config | None = None,
                 contenders: Sequence[Contender] | Sequence[str] | None = None,
                 epochs: int = 50,
                 progress: Callable[[str, int], object] | None = None,
                 stop: Callable[[], str | None] | None = None) -> NetworkRace:
    """Race ``contenders`` on ``config``'s data and network for ``epochs`` epochs each
    (module docstring). ``config`` defaults to ``Config()`` (Playground's default network on
    the circle set); its optimizer and batch size are ignored, everything else is used.
    ``progress(name, epoch)`` is called after every epoch of every run; ``stop()`` after every
    round: a reason (text) ends the race there (``NetworkRace.stopped``)."""
    slices = network_race_slices(config, contenders, epochs, progress, stop)
    while True:
        try:
            next(slices)
        except StopIteration as done:
            return done.value


def network_race_slices(config: Config | None = None,
                        contenders: Sequence[Contender] | Sequence[str] | None = None,
                        epochs: int = 50,
                        progress: Callable[[str, int], object] | None = None,
                        stop: Callable[[], str | None] | None = None,
                        ) -> Generator[tuple[str, int], None, NetworkRace]:
    """:func:`network_race` as a generator: it yields (contender, epoch) after every epoch of
    every contender and returns the :class:`NetworkRace` (``StopIteration.value``). Closing it
    drops the race. The data, θ₀ and every contender's trainer are made before the first
    yield (Session's cost, a few ms for the Playground's sets)."""
    cfg = Config() if config is None else config
    if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 1:
        raise ConfigError("epochs", epochs, "a whole number ≥ 1")
    chosen = list(DEFAULT_CONTENDERS if contenders is None else contenders)
    if chosen and isinstance(chosen[0], str):
        chosen = contenders_from(chosen)  # type: ignore[arg-type]
    session = Session(cfg)
    theta0 = session.net.params.copy()
    seeds = cfg.seeds()
    racers: list[tuple[Contender, Trainer, NetworkRun]] = []
    for c in chosen:
        net = session.net.copy()  # each contender its own network, optimizer and order RNG
        net.params[...] = theta0
        trainer = Trainer(net, make_optimizer(c.optimizer, **c.hyper), session.x_train,
                          session.train_data.y, problem=session.problem,
                          batch_size=c.batch_size, shuffle=cfg.shuffle, seed=seeds["order"],
                          regularization=cfg.regularization, reg_rate=cfg.reg_rate,
                          x_test=session.x_test, y_test=session.test_data.y)
        run = NetworkRun(c.name, describe(c), trainer.batch_size)
        run.record(trainer, 0)
        racers.append((c, trainer, run))
    done, stopped = 0, None
    while done < epochs:
        for c, trainer, run in racers:
            if run.diverged is not None:
                continue
            try:
                trainer.epoch()
            except DivergenceError as err:
                run.diverged = str(err)
                continue
            run.record(trainer, run.evaluations[-1] + trainer.n_train)
            if progress is not None:
                progress(c.name, done + 1)
            yield c.name, done + 1
        done += 1
        if done < epochs and stop is not None:
            stopped = stop()
            if stopped is not None:
                break
    metric = "accuracy" if session.problem == "classification" else "r2"
    return NetworkRace(session, theta0.astype(np.float64), {c.name: run for c, _, run in racers},
                       done, metric, requested_epochs=int(epochs), stopped=stopped)
