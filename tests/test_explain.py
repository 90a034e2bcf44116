"""depthlens.explain(model, X, y): the lens report of a model trained elsewhere, on your data."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import depthlens as dl
from depthlens.errors import ConfigError, DataError
from depthlens.experiment import Config, Session

FAST = {"animation": False, "dpi": 40}
PICTURES = ("strip.png", "separability.png", "neurons.png")


def _pixels(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.int16)


def _metrics(report: Path) -> dict[str, str]:
    return dict(re.findall(r"<tr><th>(\w+)</th><td>([^<]*)</td></tr>", report.read_text()))


def _xor_session() -> Session:
    s = Session(Config(dataset="xor", n_samples=80, layers=(4, 3), epochs=15, seed=2))
    s.run()
    return s


@pytest.fixture(scope="module")
def iris():
    from sklearn.datasets import load_iris
    from sklearn.neural_network import MLPClassifier

    x, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: the fit need not be perfect
        est = MLPClassifier(hidden_layer_sizes=(3,), max_iter=300, random_state=0)
        est.fit(x, names)
    return est, x, names


def test_an_imported_torch_model_draws_the_same_pictures_as_the_depthlens_network(tmp_path):
    pytest.importorskip("torch")
    from depthlens.nn.interop import to_torch

    s = _xor_session()
    x, y = s.dataset.x, s.dataset.y
    ours = dl.explain(s.net, x, y, tmp_path / "ours", **FAST)
    theirs = dl.explain(to_torch(s.net), x, y, tmp_path / "torch", **FAST)
    assert ours == tmp_path / "ours" / "report.html" and theirs.is_file()
    for name in (*PICTURES, "space3d.png"):  # the 3-unit layer has its 3-D view
        a, b = _pixels(tmp_path / "ours" / name), _pixels(tmp_path / "torch" / name)
        assert a.shape == b.shape and a.shape[0] > 50
        assert np.array_equal(a, b), f"{name}: {np.count_nonzero(a != b)} values differ"
    assert _metrics(ours) == _metrics(theirs)


def test_a_fitted_sklearn_classifier_reports_its_own_accuracy(tmp_path, iris):
    est, x, names = iris
    report = dl.explain(est, x, names, tmp_path / "iris", **FAST)
    assert report == tmp_path / "iris" / "report.html"
    for name in PICTURES:
        assert _pixels(tmp_path / "iris" / name).shape[0] > 50
    m = _metrics(report)
    assert m["problem"] == "classification"
    n_train = int(np.floor(len(x) * Config().train_ratio))
    together = (n_train * float(m["train_accuracy"])
                + (len(x) - n_train) * float(m["test_accuracy"])) / len(x)
    assert together == pytest.approx(est.score(x, names), abs=1e-4)


def test_labels_map_to_the_classifiers_own_units_even_when_some_are_missing(tmp_path, iris):
    est, x, names = iris
    keep = names != "setosa"  # only units 1 and 2: sorted labels alone would say 0 and 1
    report = dl.explain(est, x[keep], names[keep], tmp_path / "two", **FAST)
    m = _metrics(report)
    n = int(keep.sum())
    n_train = int(np.floor(n * Config().train_ratio))
    together = (n_train * float(m["train_accuracy"])
                + (n - n_train) * float(m["test_accuracy"])) / n
    assert together == pytest.approx(est.score(x[keep], names[keep]), abs=1e-4)


def test_a_depthlens_regressor_and_the_default_folder(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, size=(60, 1))
    y = np.sin(x[:, 0])
    est = dl.MLPRegressor(hidden_layer_sizes=(5,), max_epochs=30, random_state=0).fit(x, y)
    monkeypatch.chdir(tmp_path)
    report = dl.explain(est, x, y, **FAST)
    assert report == Path(dl.EXPLAIN_FOLDER) / "report.html"
    assert (tmp_path / "depthlens-explain" / "strip.png").is_file()
    m = _metrics(report)
    assert m["problem"] == "regression" and "test_r2" in m


@pytest.mark.parametrize(("x", "y", "error", "field", "words"), [
    (np.zeros((10, 3)), np.zeros(10, int), ConfigError, "X", "the model takes 2 inputs"),
    (np.array([[np.nan, 0.0]] + [[0.0, 1.0]] * 9), np.zeros(10, int), DataError, "X",
     "not a finite number"),
    (np.zeros((1, 2)), np.zeros(1, int), DataError, "X", "at least 2"),
    (np.zeros((10, 2)), np.zeros(9, int), ConfigError, "y", "one per row of X"),
    (np.zeros((10, 2)), np.linspace(0, 1, 10), ConfigError, "y", "10 distinct labels"),
])
def test_bad_arrays_for_a_classifier_are_refused_naming_the_argument(x, y, error, field, words):
    net = dl.MLP([2, 3, 1], "tanh", "sigmoid", "bce")
    with pytest.raises(error, match=words) as e:
        dl.explain(net, x, y, **FAST)
    assert e.value.field == field


def test_class_labels_for_a_regression_model_are_refused():
    net = dl.MLP([2, 3, 1], "tanh", "linear", "mse")
    with pytest.raises(DataError, match="regression model") as e:
        dl.explain(net, np.zeros((10, 2)), np.array(["cat", "dog"] * 5), **FAST)
    assert e.value.field == "y"
    with pytest.raises(ConfigError, match="model") as e2:
        dl.explain(object(), np.zeros((10, 2)), np.zeros(10), **FAST)
    assert e2.value.field == "model"


def test_pictures_of_an_imported_model_say_so_until_it_trains(tmp_path, iris):
    from depthlens.draw.strip import layer_strip
    from depthlens.experiment.imported import arrays_dataset, model_network

    est, x, names = iris
    report = dl.explain(est, x, names, tmp_path / "iris", **FAST)
    assert "<h2>Metrics (imported weights)</h2>" in report.read_text()
    net = model_network(est)
    session = Session.from_model(net, arrays_dataset(net, x, names, classes=est.classes_))
    title = layer_strip(session)._suptitle.get_text()
    assert title.startswith("your data · 4-3-3 · relu · imported weights: ")
    session.run(1)
    assert " · epoch 1: " in layer_strip(session)._suptitle.get_text()
    session.reset()
    assert session.imported is False
