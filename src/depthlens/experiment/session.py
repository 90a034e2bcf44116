"""A Session builds everything a Config names and trains it step by step.

Pipeline, each stage from the Config alone (so the same Config gives the same numbers):

    dataset (generated with the data seed, or read from CSV)
      → train/test split (split seed; whole sequences held out when the set has groups)
      → input features (x1, x2, x1², …; for data with 1 or 2 inputs)
      → preprocessing fitted on the training inputs only
      → MLP [inputs, *layers, outputs] initialized with the init seed, or for a recurrent
        ``model`` a RecurrentNet (``layers`` stacked cells of one size) reading each sample's
        inputs as a sequence, one value a time step (``net_inputs``: (n, T) → (n, T, 1))
      → pre-training of its hidden layers when the Config asks (``nn/pretraining.py``, on the
        training inputs; ``pretraining`` keeps every layer's reconstruction losses)
      → Trainer (optimizer, batch size, batch-order seed, regularization).

The web page, the command line and the Python API all drive a Session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import numpy as np

from depthlens.data import (
    Dataset,
    expand_features,
    load_csv,
    make_dataset,
    make_preprocessor,
    split,
    split_groups,
)
from depthlens.errors import ConfigError, DataError
from depthlens.experiment.config import CSV_PREFIX, Config
from depthlens.nn.network import MLP
from depthlens.nn.pretraining import PretrainResult, pretrain
from depthlens.nn.recurrent import RecurrentNet
from depthlens.nn.training import History, Trainer

DEFAULT_FEATURES = Config().features


def load_data(config: Config) -> Dataset:
    """The whole dataset a Config names (before splitting)."""
    if config.is_csv:
        return load_csv(config.dataset[len(CSV_PREFIX):], target=config.target)
    return make_dataset(config.dataset, n_samples=config.n_samples, noise=config.noise,
                        seed=config.seeds()["data"], **config.dataset_params)


def feature_names(config: Config, n_inputs: int) -> tuple[str, ...] | None:
    """The feature expansion to apply to data with ``n_inputs`` raw inputs, or None for none.

    Expansions (x1², sin x1, …) are defined for 1 or 2 inputs; a 1-input set with the default
    features uses x1 alone; wider data (the sequence set, a wide CSV) is used as it is, and then
    ``features`` must be left at its default.
    """
    if n_inputs > 2:
        if config.features != DEFAULT_FEATURES:
            raise ConfigError("features", ",".join(config.features),
                              f"the default: expansions apply to 1 or 2 inputs, the data has "
                              f"{n_inputs}")
        return None
    if n_inputs == 1 and config.features == DEFAULT_FEATURES:
        return ("x1",)
    return config.features


class Session:
    """One experiment: data, network and trainer built from ``config``.

    Args:
        config: the experiment.
        dataset: use this data instead of the one the Config names (e.g. points a user drew).
        run_pretraining: False builds the network without the Config's pre-training (its
            initializer's weights only, ``pretraining`` None): for weights about to be put in
            from elsewhere (``load_run``), where pre-training would be wasted work.
    """

    picture_maker: ClassVar[Callable[[Session], bytes] | None] = None
    """Makes the run picture (PNG bytes) that notebooks show for a Session (``_repr_png_``).
    experiment/ draws nothing, so a layer that may draw puts it here: ``depthlens/__init__``
    sets one that draws ``depthlens.draw.figures.run_figure`` (imported only when a picture
    is asked for)."""

    def __init__(self, config: Config, dataset: Dataset | None = None, *,
                 run_pretraining: bool = True):
        self.config = config
        self.dataset = dataset if dataset is not None else load_data(config)
        seeds = config.seeds()
        if self.dataset.groups is not None:
            self.train_data, self.test_data = split_groups(self.dataset, config.train_ratio,
                                                           seeds["split"])
        else:
            self.train_data, self.test_data = split(self.dataset, config.train_ratio,
                                                    seeds["split"])
        self.features = feature_names(config, self.dataset.x.shape[1])
        x_train = self._expand(self.train_data.x)
        self.preprocessor = make_preprocessor(config.preprocessing,
                                              **config.preprocessing_params).fit(x_train)
        self.x_train = self.preprocessor.transform(x_train)
        self.x_test = self.preprocessor.transform(self._expand(self.test_data.x))
        self.problem = self.dataset.problem
        self.n_classes = self.dataset.n_classes
        self.output, self.loss = config.resolved_loss(self.problem, self.n_classes)
        self.reset(run_pretraining)

    # -- structure ----------------------------------------------------------------------------
    @property
    def n_outputs(self) -> int:
        """Output units: one per class (one in all for two classes, except softmax), or one per
        regression target."""
        if self.problem == "regression":
            y = self.dataset.y
            return 1 if y.ndim == 1 else int(y.shape[1])
        if self.n_classes <= 2 and self.loss != "cross_entropy":
            return 1
        return max(self.n_classes, 2)

    @property
    def sizes(self) -> list[int]:
        """[inputs, *layers, outputs]; a recurrent model reads one input a time step."""
        n_in = 1 if self.config.recurrent else int(self.x_train.shape[1])
        return [n_in, *self.config.layers, self.n_outputs]

    def reset(self, run_pretraining: bool = True) -> None:
        """New network and trainer from the Config (same seeds: the same initial weights):
        the initializer's weights, then the Config's pre-training, if any, on the training
        inputs (``pretraining``: its per-layer reconstruction losses, None without)."""
        self.imported = False
        """True while the network holds weights trained elsewhere (``from_model``), until a
        reset: pictures then say "imported weights" rather than "epoch 0"."""
        cfg = self.config
        seeds = cfg.seeds()
        if cfg.recurrent:
            self.net: MLP | RecurrentNet = RecurrentNet(
                1, cfg.layers[0], cfg.model, cfg.activation, self.n_outputs, len(cfg.layers),
                self.output, self.loss, cfg.dtype, init="zeros")
        else:
            self.net = MLP(self.sizes, cfg.activation, self.output, self.loss, cfg.dtype)
        self.net.initialize(cfg.init, seeds["init"], **cfg.init_params)
        self.pretraining: PretrainResult | None = None
        if run_pretraining and cfg.pretrain != "none":
            try:
                self.pretraining = pretrain(self.net, self.x_train, cfg.pretrain,
                                            cfg.pretrain_settings(), cfg.pretrain_seed())
            except DataError as e:
                raise self._data_error(e) from None
        self.rebuild_trainer()

    def rebuild_trainer(self) -> None:
        """A new Trainer for the current network's parameters, as ``reset`` makes one (fresh
        optimizer state, counters and history at 0): for weights put in from elsewhere
        (``from_model``)."""
        cfg = self.config
        seeds = cfg.seeds()
        try:
            self.trainer = Trainer(
                self.net, cfg.make_optimizer(), self.net_inputs(self.x_train),
                self.train_data.y, problem=self.problem, batch_size=cfg.batch_size,
                shuffle=cfg.shuffle, seed=seeds["order"], regularization=cfg.regularization,
                reg_rate=cfg.reg_rate, x_test=self.net_inputs(self.x_test),
                y_test=self.test_data.y, clip_norm=cfg.clip_norm,
            )
        except DataError as e:
            raise self._data_error(e) from None

    def _data_error(self, e: DataError) -> DataError:
        """The Trainer's DataError about its arrays, said in terms of this session's data: the
        dataset, the split and what was done to its inputs (a finite value can become inf in
        float32, or through a feature such as x1²); field, value and index kept."""
        split = "test" if e.field in ("x_test", "y_test") else "training"
        steps = ", ".join(self.features) if self.features else "the inputs as they are"
        err = DataError(f"dataset {self.dataset.name!r}, its {split} split as the network's "
                        f"{self.config.dtype} inputs (features {steps}; preprocessing "
                        f"{self.config.preprocessing}): {e}", field=e.field, value=e.value)
        err.index = getattr(e, "index", None)
        return err

    @classmethod
    def from_model(cls, net: MLP, dataset: Dataset, config: Config | None = None) -> Session:
        """A Session on ``dataset`` whose network is a copy of ``net`` (a model trained
        elsewhere: ``from_torch``, ``from_sklearn``), its Config derived from the network
        (``experiment/imported.py``'s ``from_model``, which this calls)."""
        from depthlens.experiment.imported import from_model

        return from_model(net, dataset, config)

    def regenerated(self, seed: int) -> Session:
        """A Session on new data drawn with ``seed`` (the Config with that seed) that keeps this
        one's network: its parameters and its epoch and step counters (Playground's
        "Regenerate": new points, training goes on). The optimizer state starts afresh."""
        other = Session(self.config.replace(seed=seed))
        if not other.adopt_network(self):
            raise ConfigError("seed", seed, "a seed whose data has the same inputs and outputs")
        return other

    def adopt_network(self, other: Session) -> bool:
        """Take ``other``'s parameters and epoch/step counters when the two networks have the
        same sizes (new data, training goes on); False, changing nothing, when they differ."""
        if other.sizes != self.sizes:
            return False
        self.net.params[...] = other.net.params
        self.trainer.epochs_done = other.trainer.epochs_done
        self.trainer.steps_done = other.trainer.steps_done
        return True

    # -- data ---------------------------------------------------------------------------------
    def _expand(self, x: np.ndarray) -> np.ndarray:
        return x if self.features is None else expand_features(x, self.features)

    def transform(self, x_raw: np.ndarray) -> np.ndarray:
        """Raw inputs (as in the dataset) → the network's inputs (features, preprocessing)."""
        x_raw = np.asarray(x_raw, dtype=np.float64)
        if x_raw.ndim == 1:
            x_raw = x_raw[:, None]
        return self.preprocessor.transform(self._expand(x_raw))

    def net_inputs(self, x: np.ndarray) -> np.ndarray:
        """Transformed inputs (n, d) as the network reads them: as they are for an MLP; for a
        recurrent model a sequence of d steps of one value each, (n, d, 1)."""
        return np.asarray(x)[:, :, None] if self.config.recurrent else x

    def predict(self, x_raw: np.ndarray) -> np.ndarray:
        """The network's outputs (n, m) for raw inputs."""
        return self.net.forward(self.net_inputs(self.transform(x_raw)))

    # -- training -----------------------------------------------------------------------------
    @property
    def history(self) -> History:
        return self.trainer.history

    @property
    def epoch(self) -> int:
        return self.trainer.epochs_done

    def step(self) -> float:
        """Train one mini-batch; return its loss."""
        return self.trainer.step()

    def train_epoch(self) -> dict[str, float]:
        """Train to the end of the current epoch; return the history's newest row."""
        return self.trainer.epoch()

    def run(self, epochs: int | None = None,
            callback: Callable[[dict[str, float]], object] | None = None) -> History:
        """Train ``epochs`` epochs (the Config's by default), calling ``callback(row)`` after each.

        Stops early, keeping what was trained, if the callback returns False."""
        for _ in range(self.config.epochs if epochs is None else int(epochs)):
            row = self.trainer.epoch()
            if callback is not None and callback(row) is False:
                break
        return self.history

    def metrics(self) -> dict[str, float | int | str]:
        """Final numbers: train/test loss and accuracy (classification) or R² (regression)."""
        x, y, t = self.trainer.x, self.trainer.y, self.trainer.t
        train_loss, train_metric = self.trainer.evaluate(x, y, t)
        out: dict[str, float | int | str] = {
            "problem": self.problem,
            "epochs": self.epoch,
            "steps": self.trainer.steps_done,
            "train_loss": train_loss,
        }
        name = "accuracy" if self.problem == "classification" else "r2"
        if self.trainer.x_test is not None:
            test_loss, test_metric = self.trainer.evaluate(self.trainer.x_test,
                                                           self.trainer.y_test,
                                                           self.trainer.t_test)
            out["test_loss"] = test_loss
        out[f"train_{name}"] = train_metric
        if self.trainer.x_test is not None:
            out[f"test_{name}"] = test_metric
        return out

    def _repr_png_(self) -> bytes | None:
        """The run picture (decision map or fit, and the loss curves), for notebooks: made by
        ``Session.picture_maker``; None (no PNG to show) when nothing has set one."""
        maker = Session.picture_maker
        return None if maker is None else maker(self)

    def __repr__(self) -> str:
        return (f"Session({self.config.dataset}, {self.net!r}, epoch={self.epoch}, "
                f"train={len(self.train_data.y)}, test={len(self.test_data.y)})")
