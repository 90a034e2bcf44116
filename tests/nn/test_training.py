"""Trainer semantics: batches, epochs, determinism, history, learning, divergence, validation."""

from __future__ import annotations

import copy
import math
import pickle

import numpy as np
import pytest

from depthlens.errors import ConfigError, DataError, DivergenceError
from depthlens.nn import ACTIVATIONS, MLP, Trainer, make_optimizer

from .support import BACKENDS


def circle_data(n=200, seed=0):
    """Points in the square [-1, 1]², class 1 inside the circle of radius 0.6."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    return x, (np.hypot(x[:, 0], x[:, 1]) < 0.6).astype(np.int64)


def regression_data(n=50, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    return x, x.sum(axis=1) + 0.1 * x[:, 0] ** 2


def classifier(output="softmax", loss="cross_entropy", backend="numpy", dtype=np.float64,
               seed=0):
    m = 2 if output == "softmax" else 1
    return MLP((2, 8, 8, m), "tanh", output, loss, dtype=dtype, backend=backend).initialize(
        "glorot_uniform", seed=seed)


def trainer(net=None, x=None, y=None, optimizer=None, **kwargs):
    if x is None:
        x, y = circle_data()
    net = classifier() if net is None else net
    opt = optimizer or make_optimizer("sgd", lr=0.1)
    return Trainer(net, opt, x, y, **kwargs)


@pytest.mark.parametrize("backend", BACKENDS)
def test_same_seed_gives_identical_histories(backend):
    runs = []
    for _ in range(2):
        tr = trainer(classifier(backend=backend), optimizer=make_optimizer("adam", lr=0.01),
                     batch_size=16, seed=42)
        runs.append((tr.fit(3).to_csv(), tr.net.params.copy()))
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    other = trainer(classifier(backend=backend), optimizer=make_optimizer("adam", lr=0.01),
                    batch_size=16, seed=43)
    other.fit(3)
    assert not np.array_equal(other.net.params, runs[0][1])  # the seed orders the batches


def test_shuffle_false_takes_the_rows_in_order():
    x, y = circle_data(30)
    tr = trainer(x=x, y=y, batch_size=8, shuffle=False)
    net = tr.net
    for start in (0, 8, 16, 24, 0, 8):  # two epochs: 8 + 8 + 8 + 6 rows, then again
        rows = slice(start, start + 8)
        expected = net.loss(x[rows], tr.t[rows])
        assert tr.step() == pytest.approx(expected, rel=1e-12)


def test_shuffle_true_redraws_the_order_every_epoch():
    """With batch size 1 and a negligible learning rate each step's loss identifies its row."""
    x, y = circle_data(30)
    tr = trainer(x=x, y=y, batch_size=1, shuffle=True, optimizer=make_optimizer("sgd", lr=1e-12))
    per_row = tr.net.head.per_sample(*_logits_and_outputs(tr.net, x), tr.t)
    assert len(set(np.round(per_row, 9))) == 30  # rows are told apart by their losses
    orders = []
    for _ in range(3):
        losses = [tr.step() for _ in range(30)]
        orders.append([int(np.argmin(np.abs(per_row - v))) for v in losses])
    assert all(sorted(o) == list(range(30)) for o in orders)
    assert orders[0] != list(range(30))
    assert orders[0] != orders[1] != orders[2]


def _logits_and_outputs(net, x):
    z = x
    for k, name in enumerate(net.activations):
        z = ACTIVATIONS[name](z @ net.weights[k].T + net.biases[k])
    z = z @ net.weights[-1].T + net.biases[-1]
    return z, net.head.forward(z)


def test_batch_size_all_is_one_full_batch_step_per_epoch():
    x, y = circle_data(40)
    tr = trainer(x=x, y=y, batch_size="all", shuffle=True)
    assert tr.steps_per_epoch == 1
    manual = tr.net.copy()
    opt = make_optimizer("sgd", lr=0.1)
    state = opt.init(manual.params)
    t = manual.head.encode(y, 2, np.float64)
    history = tr.fit(3)
    for _ in range(3):
        manual.loss_and_grad(x, t)
        opt.update(manual.params, manual.grads, state)
    assert history.epoch == [1, 2, 3] and history.step == [1, 2, 3]
    np.testing.assert_allclose(tr.net.params, manual.params, rtol=1e-12, atol=1e-15)


def test_batch_size_above_n_means_full_batch():
    x, y = circle_data(40)
    assert trainer(x=x, y=y, batch_size=1000).steps_per_epoch == 1
    assert trainer(x=x, y=y, batch_size=40).batch_size == 40


@pytest.mark.parametrize(("n", "batch", "steps"), [(23, 5, 5), (20, 5, 4), (7, 1, 7),
                                                   (10, 3, 4), (1, 4, 1)])
def test_leftover_samples_make_a_last_smaller_batch(n, batch, steps):
    x, y = circle_data(n)
    tr = trainer(x=x, y=y, batch_size=batch, shuffle=False)
    assert tr.steps_per_epoch == steps
    for k in range(steps):
        assert tr.epochs_done == 0 and len(tr.history) == 0
        rows = slice(k * batch, min((k + 1) * batch, n))
        expected = tr.net.loss(x[rows], tr.t[rows])
        assert tr.step() == pytest.approx(expected, rel=1e-12)
    assert tr.epochs_done == 1 and len(tr.history) == 1 and tr.history.step == [steps]


def test_last_batch_loss_is_taken_on_the_leftover_rows():
    x, y = circle_data(23)
    tr = trainer(x=x, y=y, batch_size=5, shuffle=False)
    for _ in range(4):
        tr.step()
    expected = tr.net.loss(x[20:], tr.t[20:])
    assert tr.step() == pytest.approx(expected, rel=1e-12)
    assert tr.epochs_done == 1


def test_epoch_finishes_the_current_epoch_and_fit_counts_epochs():
    x, y = circle_data(50)
    tr = trainer(x=x, y=y, batch_size=10)
    tr.step()
    tr.step()
    row = tr.epoch()
    assert tr.steps_done == 5 and tr.epochs_done == 1
    assert row["epoch"] == 1 and row["step"] == 5
    tr.fit(2)
    assert tr.steps_done == 15 and tr.epochs_done == 3


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])  # sgd: one compiled call; adam: step by step
@pytest.mark.parametrize("parts", [(1, 2, 3, 100), (5, 5, 5, 5, 5), (1000,)])
def test_an_epoch_trained_in_parts_is_the_epoch(backend, optimizer, parts):
    whole = trainer(classifier(backend=backend), optimizer=make_optimizer(optimizer, lr=0.05),
                    batch_size=8, seed=3)
    split = copy.deepcopy(whole)
    for _ in range(2):
        whole.epoch()
    ended = []
    for _ in range(2):
        for k in parts:
            ended.append(split.train_steps(k))
            if ended[-1]:
                break
    assert ended.count(True) == 2 and split.epochs_done == 2  # 200 rows / 8 = 25 steps
    assert split.steps_done == whole.steps_done == 50
    np.testing.assert_array_equal(split.net.params, whole.net.params)
    assert split.history.to_csv() == whole.history.to_csv()


def test_train_steps_stops_at_the_end_of_the_epoch():
    tr = trainer(batch_size=8)
    assert tr.train_steps(24) is False and tr.steps_done == 24 and tr.epochs_done == 0
    assert tr.train_steps(10) is True and tr.steps_done == 25 and tr.epochs_done == 1
    assert tr.train_steps(1) is False and tr.steps_done == 26  # the next epoch begins


def test_history_columns_have_one_row_per_epoch():
    x, y = circle_data(60)
    xt, yt = circle_data(40, seed=9)
    tr = trainer(x=x, y=y, batch_size=16, x_test=xt, y_test=yt)
    h = tr.fit(4)
    assert len(h) == 4
    for column in h.COLUMNS:
        assert len(getattr(h, column)) == 4, column
    assert h.epoch == [1, 2, 3, 4]
    assert h.step == [4, 8, 12, 16]
    assert all(math.isfinite(v) for v in h.test_loss + h.test_metric + h.train_metric)
    assert h.penalty == [0.0] * 4
    # The recorded train loss is the loss of the whole set at the end of the epoch.
    assert h.train_loss[-1] == pytest.approx(tr.net.loss(x, tr.t), rel=1e-12)
    lines = h.to_csv().splitlines()
    assert lines[0] == ("epoch,step,train_loss,penalty,test_loss,train_accuracy,"
                        "test_accuracy")
    assert len(lines) == 5
    assert set(h.last()) == {"epoch", "step", "train_loss", "penalty", "test_loss",
                             "train_accuracy", "test_accuracy"}


def test_history_without_test_data_has_nan_test_columns_and_regression_reports_r2():
    x, y = regression_data()
    net = MLP((3, 6, 1), "tanh", "linear", "mse", dtype=np.float64).initialize("torch", seed=0)
    tr = Trainer(net, make_optimizer("adam", lr=0.05), x, y, problem="regression",
                 batch_size=10)
    h = tr.fit(30)
    assert h.metric == "r2"
    assert all(math.isnan(v) for v in h.test_loss + h.test_metric)
    assert h.train_metric[-1] > 0.9
    pred = net.forward(x)[:, 0]
    r2 = 1 - ((y - pred) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    assert h.train_metric[-1] == pytest.approx(r2, rel=1e-9)
    assert "train_r2" in h.to_csv().splitlines()[0]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("output", "loss"), [("softmax", "cross_entropy"), ("sigmoid", "bce"),
                                              ("tanh", "half_mse")])
def test_loss_falls_and_accuracy_reaches_95_percent_on_a_circle(output, loss, backend):
    x, y = circle_data(200)
    xt, yt = circle_data(200, seed=1)
    net = classifier(output, loss, backend=backend, dtype=np.float32)
    tr = trainer(net, x, y, optimizer=make_optimizer("adam", lr=0.03), batch_size=10,
                 x_test=xt, y_test=yt)
    h = tr.fit(100)
    assert h.train_loss[-1] < 0.25 * h.train_loss[0]
    assert h.train_metric[-1] >= 0.95
    assert h.test_metric[-1] >= 0.9
    assert (net.head.decide(net.forward(x)) == y).mean() == pytest.approx(h.train_metric[-1])


def diverging_trainer(dtype=np.float32, backend="numpy", batch_size=10, lr=1e6):
    x, y = regression_data()
    net = MLP((3, 8, 8, 1), "relu", "linear", "mse", dtype=dtype, backend=backend)
    net.initialize("torch", seed=0)
    return Trainer(net, make_optimizer("sgd", lr=lr), x, y, problem="regression",
                   batch_size=batch_size, shuffle=False)


def run_until_divergence(tr: Trainer) -> tuple[DivergenceError, list[np.ndarray]]:
    """Step until DivergenceError; return it and the parameters each step started from."""
    starts = []
    with pytest.raises(DivergenceError) as err:
        for _ in range(1000):
            starts.append(tr.net.params.copy())
            tr.step()
    return err.value, starts


def epoch_start(tr: Trainer, starts: list[np.ndarray], epoch: int) -> np.ndarray:
    """The parameters the diverging epoch started from: what a diverged trainer hands back."""
    return starts[(epoch - 1) * tr.steps_per_epoch]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("batch_size", [10, "all"])
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_huge_learning_rate_raises_divergence_error_and_restores_finite_weights(dtype, backend,
                                                                                batch_size):
    tr = diverging_trainer(dtype, backend, batch_size)
    e, starts = run_until_divergence(tr)
    message = str(e)
    assert f"epoch {e.epoch}" in message and f"step {e.step}" in message
    assert "lower learning rate" in message
    assert e.epoch >= 1 and e.step >= 2 and not math.isfinite(e.loss)
    assert np.all(np.isfinite(tr.net.params))
    np.testing.assert_array_equal(tr.net.params, epoch_start(tr, starts, e.epoch))
    assert tr.steps_done == (e.epoch - 1) * tr.steps_per_epoch  # the epoch is undone
    assert len(tr.history) == e.epoch - 1
    if e.epoch > 1:
        assert not np.array_equal(tr.net.params, starts[0])  # it did train before diverging


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("batch_size", [10, "all"])
def test_training_continues_after_a_one_step_divergence_with_a_lower_learning_rate(batch_size):
    tr = diverging_trainer(np.float64, batch_size=batch_size, lr=1e200)
    e, starts = run_until_divergence(tr)
    np.testing.assert_array_equal(tr.net.params, starts[0])  # back to the initial weights
    assert "1e+200" in str(e)  # the message quotes the learning rate it suggests lowering
    tr.optimizer.hyper["lr"] = 1e-3
    before = tr.net.loss(tr.x, tr.t)
    history = tr.fit(5)
    assert all(math.isfinite(v) for v in history.train_loss)
    assert history.train_loss[-1] < before


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_training_continues_after_divergence_with_a_lower_learning_rate():
    """After a slow blow-up (sgd lr 1e6) the weights of the step before the divergence are
    already huge; the epoch-start snapshot is what lets a lower learning rate go on."""
    tr = diverging_trainer(np.float64)
    run_until_divergence(tr)
    tr.optimizer.hyper["lr"] = 1e-4
    history = tr.fit(3)
    assert all(math.isfinite(v) for v in history.train_loss[-3:])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_history_epochs_stay_consecutive_after_a_divergence_is_recovered():
    """A divergence found when the epoch is recorded undoes the whole epoch, counters too, so
    the history's epochs stay consecutive."""
    tr = diverging_trainer(np.float64, batch_size="all", lr=1e200)
    run_until_divergence(tr)
    tr.optimizer.hyper["lr"] = 1e-3
    tr.fit(2)
    assert tr.history.epoch == list(range(1, len(tr.history) + 1))
    assert tr.history.step == tr.history.epoch  # one full-batch step per epoch


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_penalty_column_equals_the_formula(kind):
    rate = 0.003
    tr = trainer(batch_size=20, regularization=kind, reg_rate=rate)
    h = tr.fit(3)
    w = tr.net.params[: tr.net.n_weights]
    expected = rate * np.abs(w).sum() if kind == "l1" else rate * 0.5 * np.dot(w, w)
    assert h.penalty[-1] > 0
    assert h.penalty[-1] == pytest.approx(expected, rel=1e-12)
    # Biases are not in the penalty.
    tr.net.biases[0][:] = 100.0
    tr.fit(1)
    w = tr.net.params[: tr.net.n_weights]
    expected = rate * np.abs(w).sum() if kind == "l1" else rate * 0.5 * np.dot(w, w)
    assert h.penalty[-1] == pytest.approx(expected, rel=1e-12)


def test_l2_regularization_shrinks_the_weights():
    norms = []
    for rate in (0.0, 0.05):
        tr = trainer(batch_size=20, regularization="l2", reg_rate=rate, seed=1)
        tr.fit(20)
        norms.append(np.linalg.norm(tr.net.params[: tr.net.n_weights]))
    assert norms[1] < 0.8 * norms[0]


@pytest.mark.parametrize("batch_size", [0, -3, 2.5, "ten", None, "All"])
def test_bad_batch_size_raises_config_error(batch_size):
    with pytest.raises(ConfigError) as err:
        trainer(batch_size=batch_size)
    assert err.value.field == "batch_size"


def test_bad_problem_raises_config_error():
    with pytest.raises(ConfigError) as err:
        trainer(problem="clustering")
    assert err.value.field == "problem"


@pytest.mark.parametrize(("labels", "m"), [([0, 1, 2, 1], 1), ([0, 1, 3, 1], 3), ([0, 1, 5, 1], 2)])
def test_labels_out_of_range_raise_config_error(labels, m):
    x = np.zeros((4, 2))
    output = "softmax" if m > 1 else "sigmoid"
    net = MLP((2, 3, m), "tanh", output, "cross_entropy" if m > 1 else "bce")
    with pytest.raises(ConfigError) as err:
        Trainer(net, make_optimizer("sgd"), x, np.array(labels))
    assert err.value.field == "y"
    assert f"0..{max(m, 2) - 1}" in str(err.value)


def test_negative_label_error_names_the_offending_class():
    """The message quotes the bad label, here a negative one (not the largest label)."""
    net = MLP((2, 3, 1), "tanh", "sigmoid", "bce")
    with pytest.raises(ConfigError) as err:
        Trainer(net, make_optimizer("sgd"), np.zeros((3, 2)), np.array([-1, 0, 1]))
    assert err.value.field == "y"
    assert "-1" in str(err.value)


def test_label_count_must_match_the_samples_and_test_labels_are_checked():
    with pytest.raises(ConfigError) as err:
        trainer(x=np.zeros((5, 2)), y=np.zeros(4, dtype=int))
    assert err.value.field == "y"
    x, y = circle_data(20)
    with pytest.raises(ConfigError) as err:
        trainer(x=x, y=y, x_test=x[:5], y_test=np.array([0, 1, 2, 0, 1]))
    assert err.value.field == "y_test"


def test_bad_regularization_raises_config_error():
    with pytest.raises(ConfigError) as err:
        trainer(regularization="l3")
    assert err.value.field == "regularization"
    with pytest.raises(ConfigError) as err:
        trainer(regularization="l2", reg_rate=-0.1)
    assert err.value.field == "reg_rate"
    with pytest.raises(ConfigError) as err:
        trainer(regularization="l2", reg_rate=float("nan"))
    assert err.value.field == "reg_rate"


def test_empty_training_set_raises_data_error():
    with pytest.raises(DataError) as err:
        trainer(x=np.zeros((0, 2)), y=np.zeros(0, dtype=int))
    assert err.value.field == "x" and "0 rows" in str(err.value)


@pytest.mark.parametrize("optimizer", [
    {"name": "sgd", "lr": 0.1},
    {"name": "sgd", "lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"name": "sgd", "lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01},
    {"name": "adam", "lr": 0.01},
    {"name": "adamw", "lr": 0.01, "amsgrad": True},
    {"name": "adagrad", "lr": 0.05, "lr_decay": 0.01},
    {"name": "rmsprop", "lr": 0.01, "momentum": 0.5, "centered": True},
    {"name": "adadelta", "weight_decay": 0.01},
])
@pytest.mark.parametrize("shuffle", [True, False])
def test_compiled_and_numpy_trainers_take_the_same_steps(optimizer, shuffle):
    """Same seed, same batches: the compiled path (which runs the steps fused in one call)
    and the numpy path end every epoch with the same history and weights."""
    x, y = circle_data(53)
    runs = []
    for backend in BACKENDS:
        hyper = dict(optimizer)
        tr = trainer(classifier(backend=backend), x, y,
                     optimizer=make_optimizer(hyper.pop("name"), **hyper), batch_size=8,
                     shuffle=shuffle, seed=5)
        tr.step()  # a single step, then whole epochs from the middle of one
        tr.fit(3)
        runs.append(tr)
    a, b = runs
    assert a.steps_done == b.steps_done == 1 + 3 * 7 - 1 and a.epochs_done == b.epochs_done
    np.testing.assert_allclose(a.net.params, b.net.params, rtol=1e-10, atol=1e-12)
    for column in ("epoch", "step"):
        assert getattr(a.history, column) == getattr(b.history, column)
    np.testing.assert_allclose(a.history.train_loss, b.history.train_loss, rtol=1e-10)
    assert int(a.state["t"]) == int(b.state["t"]) == a.steps_done


def test_trainer_steps_equal_manual_gradient_and_update_steps():
    x, y = circle_data(30)
    tr = trainer(classifier(backend="compiled"), x, y, batch_size=7, shuffle=False,
                 optimizer=make_optimizer("sgd", lr=0.2, momentum=0.5))
    manual = tr.net.copy()
    opt = make_optimizer("sgd", lr=0.2, momentum=0.5)
    state = opt.init(manual.params)
    t = manual.head.encode(y, 2, np.float64)
    tr.fit(2)
    for _ in range(2):
        for start in range(0, 30, 7):
            manual.loss_and_grad(x[start : start + 7], t[start : start + 7])
            opt.update(manual.params, manual.grads, state)
    np.testing.assert_allclose(tr.net.params, manual.params, rtol=1e-12, atol=1e-14)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("batch_size", [10, 7, "all"])
def test_divergence_inside_fit_is_the_same_on_both_backends(batch_size):
    errors, params = [], []
    for backend in BACKENDS:
        tr = diverging_trainer(np.float64, backend, batch_size)
        with pytest.raises(DivergenceError) as err:
            tr.fit(1000)
        errors.append((err.value.epoch, err.value.step))
        params.append(tr.net.params.copy())
        assert np.all(np.isfinite(tr.net.params))
    assert errors[0] == errors[1]
    np.testing.assert_allclose(params[0], params[1], rtol=1e-9)


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop",
                                  "adadelta", "adam", "adamw"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_pickled_or_deep_copied_trainer_trains_exactly_as_the_original(name, backend):
    """The optimizer and its state are plain data: copies (taken mid-epoch) go on bit for bit."""
    x, y = circle_data(40)
    tr = trainer(classifier(backend=backend), x, y, batch_size=6, seed=3,
                 optimizer=make_optimizer(name, lr=0.05))
    tr.step()
    copies = [pickle.loads(pickle.dumps(tr)), copy.deepcopy(tr)]
    for t in (tr, *copies):
        t.epoch()
        t.epoch()
    for other in copies:
        assert other.net is not tr.net
        assert np.array_equal(other.net.params, tr.net.params)
        assert other.history.train_loss == tr.history.train_loss
        assert int(other.state["t"]) == int(tr.state["t"])


def test_the_fused_form_reads_the_hyperparameters_now():
    """A learning rate changed between steps (the page's menu) is the one the next fused
    step uses."""
    opt = make_optimizer("momentum", lr=0.01)
    state = opt.init(np.zeros(3))
    opt.hyper["lr"] = 0.5
    assert opt.fused_sgd(state)[1:3] == (0.5, 0.9)


def test_the_trainer_asks_the_optimizer_for_its_fused_form_and_imports_nothing_private():
    """SGD offers its fused arguments, the other rules none (they step one by one); the trainer
    module takes no private name from the optimizers."""
    import ast
    from pathlib import Path

    import depthlens.nn.training as training_module

    sgd = make_optimizer("nesterov", lr=0.1)
    state = sgd.init(np.zeros(3))
    buf, *scalars = sgd.fused_sgd(state)
    assert buf is state["momentum_buffer"] and scalars == [0.1, 0.9, 0.0, 0.0, True]
    assert all(make_optimizer(n).fused_sgd(make_optimizer(n).init(np.zeros(3))) is None
               for n in ("adagrad", "rmsprop", "adadelta", "adam", "adamw"))
    tree = ast.parse(Path(training_module.__file__).read_text())
    private = [a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
               for a in node.names if a.name.startswith("_")]
    assert private == []


@pytest.mark.parametrize("name", ["sgd", "momentum", "adagrad", "rmsprop", "adadelta", "adam",
                                  "adamw"])
def test_an_optimizer_is_plain_data(name):
    opt = make_optimizer(name, lr=0.2)
    back = pickle.loads(pickle.dumps(opt))
    assert back == opt and back is not opt and copy.deepcopy(opt) == opt
