"""Run pictures: one PNG per kind of problem, the right size, with real content."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from depthlens.draw import figures
from depthlens.draw.colors import BLUE, ORANGE
from depthlens.experiment import Config, Session

WIDTH, HEIGHT = 1000, 460  # figsize (10, 4.6) at 100 dpi


def _png(session: Session, path) -> np.ndarray:
    written = figures.save_png(figures.run_figure(session), path)
    assert written == path
    with Image.open(path) as im:
        assert im.format == "PNG"
        assert im.size == (WIDTH, HEIGHT)
        return np.asarray(im.convert("RGB"))


def _n_colours(img: np.ndarray) -> int:
    return len(np.unique(img.reshape(-1, 3), axis=0))


def _near(img: np.ndarray, rgb: tuple[int, int, int], tol: float = 50.0) -> int:
    d = np.linalg.norm(img.astype(float) - np.array(rgb, dtype=float), axis=-1)
    return int((d < tol).sum())


def _trained(epochs: int, **fields) -> Session:
    s = Session(Config(epochs=epochs, **fields))
    s.run()
    return s


def test_two_class_decision_map_shows_playgrounds_orange_and_blue(tmp_path):
    s = _trained(150, loss="half_mse", output="tanh", shuffle=False)
    img = _png(s, tmp_path / "circle.png")
    assert _n_colours(img) > 200
    left = img[:, : WIDTH // 2]
    # The map is drawn at alpha 0.85 over white, the points in the class colours themselves.
    assert _near(left, ORANGE) > 2000
    assert _near(left, BLUE) > 1500
    assert not plt.get_fignums()  # save_png closed the figure


def test_untrained_map_is_mostly_pale(tmp_path):
    s = Session(Config(init="zeros", layers=[], n_samples=40))  # output 0.5 everywhere
    img = _png(s, tmp_path / "flat.png")
    left = img[:, : WIDTH // 2]
    assert _near(left, BLUE, 30) < 500
    assert _n_colours(img) > 20


@pytest.mark.parametrize("fields", [
    {"dataset": "line-fn", "n_samples": 200, "layers": [8], "optimizer": "adam", "lr": 0.03},
    {"dataset": "odd-even", "n_samples": 200},
    {"dataset": "line-sign", "n_samples": 200, "optimizer": "adam", "lr": 0.03},
    {"dataset": "spirals", "n_samples": 200, "layers": [8, 8], "optimizer": "adam",
     "lr": 0.03},
    {"dataset": "reg-gauss", "n_samples": 200, "layers": [8], "optimizer": "adam", "lr": 0.03},
    {"dataset": "sequence", "n_samples": 200, "layers": [8], "optimizer": "adam", "lr": 0.01},
], ids=lambda f: f["dataset"])
def test_run_figure_draws_every_kind_of_problem(tmp_path, fields):
    s = _trained(5, **fields)
    img = _png(s, tmp_path / "run.png")
    assert _n_colours(img) > 100
    left, right = img[:, : WIDTH // 2], img[:, WIDTH // 2:]
    assert (left < 200).any(axis=-1).mean() > 0.01  # something drawn in the prediction panel
    assert (right < 200).any(axis=-1).mean() > 0.01  # and the loss curves


def test_a_recurrent_runs_figure_names_its_cell_and_steps(tmp_path):
    s = _trained(2, dataset="sequence", n_samples=200, model="gru", layers=[4],
                 optimizer="adam", lr=0.01)
    fig = figures.run_figure(s)
    assert "GRU 1-4-48 over 39 steps" in fig._suptitle.get_text()
    plt.close(fig)


def test_k_class_map_uses_more_than_two_class_colours(tmp_path):
    s = _trained(30, dataset="spirals", n_samples=300, layers=[16, 16], optimizer="adam",
                 lr=0.03)
    img = _png(s, tmp_path / "spirals.png")
    green = (0x2C, 0xA0, 0x2C)
    left = img[:, : WIDTH // 2]
    assert _near(left, green, 40) > 50
    assert _near(left, ORANGE, 40) > 50
    assert _near(left, BLUE, 40) > 50


def test_figure_of_a_run_without_epochs_still_renders(tmp_path):
    img = _png(Session(Config(n_samples=40)), tmp_path / "zero.png")
    assert _n_colours(img) > 20


def test_domain_is_the_datasets_window_or_the_padded_data_range(tmp_path):
    s = Session(Config(n_samples=40))
    assert figures.domain(s) == (-6.0, 6.0)
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,c\n0,0,0\n10,5,1\n2,3,0\n4,4,1\n")
    c = Session(Config(dataset=f"csv:{csv}", train_ratio=0.5))
    assert figures.domain(c) == pytest.approx((-1.0, 11.0))


def test_the_loss_axis_is_logarithmic_only_when_the_loss_spans_orders_of_magnitude():
    falling = _trained(300, dataset="circle", seed=1)  # 0.70 → 0.007
    h = falling.history
    assert max(h.train_loss) / min(h.train_loss) > figures.LOG_SPAN
    assert figures.run_figure(falling).axes[1].get_yscale() == "log"
    flat = _trained(5, dataset="spirals", seed=1)  # 1.10 → 1.08: a narrow range
    assert max(flat.history.train_loss) / min(flat.history.train_loss) < 2
    assert figures.run_figure(flat).axes[1].get_yscale() == "linear"
    plt.close("all")
