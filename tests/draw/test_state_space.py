"""Pictures of a recurrent state space, read by their pixels.

A hand-set 2-unit Elman net whose readout decides by the sign of unit 1 (w = (1, 0), b = 0): its
decision line is the vertical axis u₁ = 0, so its pixels can be computed from the axes
transform; the all-(+1) sequence ends furthest right (blue), the all-(−1) furthest left
(orange)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.text import Text
from PIL import Image

from depthlens.draw import colors
from depthlens.draw import state_space as ss
from depthlens.draw.stage_axes import canvas_rgb, png_bytes
from depthlens.errors import ConfigError
from depthlens.nn.recurrent import RecurrentNet

STEPS = 7


def hand_net(hidden: int = 2) -> RecurrentNet:
    net = RecurrentNet(1, hidden, "elman", "tanh", n_outputs=1, output="sigmoid", loss="bce",
                       dtype=np.float64)
    net.params[...] = 0.0
    w_hh = np.array([[0.9, -0.3], [0.2, 0.7]])
    net.tensors["weight_hh_l0"][...] = np.eye(hidden) * 0.8
    net.tensors["weight_hh_l0"][:2, :2] = w_hh
    net.tensors["weight_ih_l0"][:2, 0] = (0.6, 0.25)
    net.tensors["readout.weight"][0, 0] = 1.0  # decide by the sign of unit 1
    return net


def data(n: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """The all-(+1) and all-(−1) sequences first, then random ones with |sum| ≤ 3 (so no
    other final state lies near the two extremes' dots)."""
    x = np.random.default_rng(0).choice([-1.0, 1.0], size=(4 * n, STEPS, 1))
    x = x[np.abs(x.sum(axis=(1, 2))) <= 3][:n]
    x[0], x[1] = 1.0, -1.0
    return x, (x.sum(axis=(1, 2)) > 0).astype(np.int64)


def pixel(fig: plt.Figure, ax, point, image: np.ndarray) -> np.ndarray:
    """The canvas colour at a data point of ``ax``."""
    px, py = ax.transData.transform(point)
    return image[round(image.shape[0] - py), round(px)].astype(int)


def near(rgb: np.ndarray, target, tol: int = 40) -> bool:
    return bool(np.all(np.abs(rgb - np.array(target)) <= tol))


def check_fonts(fig: plt.Figure) -> None:
    fig.canvas.draw()
    small = [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text)
             if t.get_visible() and t.get_text().strip() and t.get_fontsize() < 12]
    assert not small, small[:5]


def png_width(fig: plt.Figure) -> int:
    with Image.open(io.BytesIO(png_bytes(fig, dpi=ss.DPI))) as im:
        return im.size[0]


def test_carved_space_shows_the_decision_line_and_the_final_states_in_their_colours():
    net = hand_net()
    x, y = data()
    fig = ss.state_space_figure(net, x, y, class_names=("neg", "pos"))
    ax = fig.axes[0]
    image = canvas_rgb(fig)
    final = net.states(x)[:, -1]
    assert near(pixel(fig, ax, final[0], image), colors.BLUE)
    assert near(pixel(fig, ax, final[1], image), colors.ORANGE)
    # the decision line u₁ = 0 is dashed: most of its points away from h₀ are dark
    dark = [near(pixel(fig, ax, (0.0, v), image), (0x22, 0x22, 0x22), 60)
            for v in np.r_[np.linspace(-0.95, -0.25, 30), np.linspace(0.25, 0.95, 30)]]
    assert np.mean(dark) >= 0.4, np.mean(dark)
    assert ax.get_xlabel() == "unit 1"
    check_fonts(fig)
    assert png_width(fig) >= 1200


def test_values_panel_colours_each_state_by_its_value():
    net = hand_net()
    x, y = data()
    sums = np.concatenate([np.zeros((len(x), 1)), np.cumsum(x[:, :, 0], axis=1)], axis=1)
    fig = ss.state_space_figure(net, x, y, values=sums, value_label="the running sum",
                                value_scale=3.0, highlight=[0])
    ax = fig.axes[1]
    image = canvas_rgb(fig)
    final = net.states(x)[:, -1]
    assert near(pixel(fig, ax, final[0], image), colors.BLUE)  # sum 7 ≥ 3: full blue
    assert near(pixel(fig, ax, final[1], image), colors.ORANGE)
    assert "the running sum" in ax.get_title()
    check_fonts(fig)
    with pytest.raises(ConfigError) as e:
        ss.state_space_figure(net, x, y, values=sums[:, 1:])
    assert e.value.field == "values"
    plt.close("all")


def test_three_units_are_drawn_in_3d_and_more_through_a_pca():
    x, y = data(30)
    fig = ss.state_space_figure(hand_net(3), x, y)
    assert fig.axes[0].name == "3d"
    assert fig.axes[0].get_zlabel() == "unit 3"
    fig5 = ss.state_space_figure(hand_net(5), x, y)
    assert fig5.axes[0].name != "3d" and fig5.axes[0].get_xlabel().startswith("PC1 (")
    assert any("PCA" in t.get_text() for t in fig5.texts)
    plt.close("all")


def test_step_strip_is_the_operations_in_one_box_with_captions():
    net = hand_net()
    x, y = data()
    t = 4
    fig = ss.step_strip(net, x, y, t)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["start", "rotate: V\u1d40", "scale: \u03a3", "rotate: U",
                      "translate: + W_ih·x + b", "bend: tanh"]
    assert len({ax.get_xlim() for ax in fig.axes}) == 1  # one shared box: scaling shows
    texts = " ".join(t.get_text() for ax in fig.axes for t in ax.texts)
    assert "scale by" in texts and "bend by tanh" in texts and "x = +1 →" in texts
    image = canvas_rgb(fig)
    h = net.states(x)
    assert near(pixel(fig, fig.axes[-1], h[0, t - 1], image), colors.BLUE)  # h_t, last panel
    assert near(pixel(fig, fig.axes[0], h[1, t - 2], image), colors.ORANGE)  # h_{t−1}, first
    check_fonts(fig)
    assert png_width(fig) >= 1200
    plt.close("all")


def test_step_animation_frames_and_colours(tmp_path):
    net = hand_net()
    x, y = data(20)
    out = ss.step_animation(net, x, y, tmp_path / "steps.gif", steps=[1, 2], per_step=2)
    with Image.open(out) as im:
        assert im.n_frames == 2 * (1 + 2 * 5)  # each step: its start, 2 frames × 5 operations
        assert im.size[0] >= 1200
        im.seek(im.n_frames - 1)
        rgb = np.asarray(im.convert("RGB")).reshape(-1, 3).astype(int)
    for colour in (colors.BLUE, colors.ORANGE):
        assert np.any(np.all(np.abs(rgb - np.array(colour)) <= 12, axis=1)), colour
    with pytest.raises(ConfigError) as e:
        ss.step_animation(net, x, y, tmp_path / "steps.avi")
    assert e.value.field == "--out"


def test_a_gru_strip_adds_the_gates_steps():
    net = RecurrentNet(1, 2, "gru", n_outputs=1, output="sigmoid", loss="bce",
                       dtype=np.float64)
    net.params[...] = np.random.default_rng(1).normal(size=net.params.size)
    x, y = data(30)
    fig = ss.step_strip(net, x, y, 3)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[-5:] == ["translate: + b_hn", "scale: \u2299 r", "translate: + W_in·x + b_in",
                           "bend: tanh", "translate: + z\u2299(h \u2212 n)"]
    assert "n = tanh(W_in·x_3 + b_in + r ⊙ (W_hn·h_2 + b_hn))" in fig._suptitle.get_text()
    image = canvas_rgb(fig)
    h = net.states(x)
    colour = colors.BLUE if y[0] else colors.ORANGE
    assert near(pixel(fig, fig.axes[-1], h[0, 2], image), colour)  # h_t in the last panel
    check_fonts(fig)
    plt.close("all")
