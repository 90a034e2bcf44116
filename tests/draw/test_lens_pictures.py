"""The lens pictures: scene geometry, the layer strip, neuron maps, 3-D view, separability."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from depthlens.draw import charts, neurons, scene, space3d, strip
from depthlens.draw.stage_axes import draw_stage, save_figure, stage_projection
from depthlens.lens import ProbeResult, probe, represent, stages

from .test_lens_support import DPI, assert_two_class_picture, n_colours, render, trained


def _fake_probes(session, which="post"):
    return [ProbeResult(s.name, s.width, "accuracy", 0.9, 0.8) for s in stages(session.net)
            if which == "all" or s.kind != "pre"]


# -- scene ------------------------------------------------------------------------------------
def test_scene_carries_data_grid_and_cells_through_every_stage():
    s = trained()
    sc = scene.build_scene(s, resolution=8, n_lines=5, per_line=11)
    assert sc.names == ["input", "z1", "a1", "z2", "a2", "z3", "output"]
    widths = [2, 4, 4, 2, 2, 1, 1]
    for i, w in enumerate(widths):
        assert sc.data[i].shape == (len(s.train_data.y), w)
        assert sc.grid[i].shape == (2 * 5 * 11, w)
        assert sc.corners[i].shape == (9 * 9, w)
    # The input stage holds the plane's own coordinates (no features, no preprocessing).
    lo, hi = sc.plane.extent
    assert sc.corners[0].min() == pytest.approx(lo) and sc.corners[0].max() == pytest.approx(hi)
    np.testing.assert_allclose(sc.data[0], s.x_train)
    # The output stage is what the network predicts.
    np.testing.assert_allclose(sc.data[-1], s.net.forward(s.x_train), rtol=1e-5, atol=1e-6)
    polys = sc.cell_polygons(sc.corners[0])
    assert polys.shape == (64, 4, 2)
    assert sc.cell_rgb.shape == (64, 3) and sc.cell_rgb.dtype == np.uint8
    assert len(sc.grid_lines(sc.grid[3])) == 10
    assert sc.last_hidden == 4


def test_cell_quadrilaterals_tile_the_input_window():
    sc = scene.build_scene(trained(), resolution=6)
    polys = sc.cell_polygons(sc.corners[0])
    x, y = polys[..., 0], polys[..., 1]
    area = 0.5 * np.abs(np.sum(x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y, axis=1))
    lo, hi = sc.plane.extent
    assert area.sum() == pytest.approx((hi - lo) ** 2)


def test_separating_line_in_the_last_hidden_layer_is_where_the_output_flips():
    s = trained()
    sc = scene.build_scene(s)
    proj = stage_projection(sc, sc.last_hidden)
    normal, offset = proj.hyperplane(*sc.hyperplane)
    # Points on the line, pushed through the output layer, sit at the decision threshold.
    direction = np.array([-normal[1], normal[0]])
    p0 = -offset * normal / (normal @ normal)
    on_line = p0 + np.linspace(-1, 1, 7)[:, None] * direction
    out = scene.continue_from(s.net, sc.last_hidden, on_line)
    np.testing.assert_allclose(out[:, 0], 0.5, atol=1e-5)


def test_continuing_from_any_stage_gives_the_networks_outputs():
    s = trained()
    sc = scene.build_scene(s, resolution=4)
    expected = s.net.forward(s.x_train)
    for i in range(len(sc.stages)):
        out = scene.continue_from(s.net, i, sc.data[i])
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
        if i:  # past the input the pictures evaluate the function in float64
            assert out.dtype == np.float64
            np.testing.assert_array_equal(out, s.net.forward_from(i, sc.data[i], np.float64))


def test_units_and_pca_views_of_a_wide_stage():
    s = trained()
    sc = scene.build_scene(s)
    a1 = sc.index("a1")
    by_units = scene.stage_view(sc.data[a1], sc.stages[a1], 2, (3, 1))
    np.testing.assert_array_equal(by_units(sc.data[a1]), sc.data[a1][:, [3, 1]])
    assert by_units.labels == ["unit 4", "unit 2"]
    pca = scene.stage_view(sc.data[a1], sc.stages[a1], 2, (0, 9))  # unit 10 does not exist
    assert pca.view.method == "pca" and "PCA" in pca.note
    # The hyperplane cut of a units view keeps the other units at the data's mean.
    w, b = np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([0.5])
    normal, offset = by_units.hyperplane(w, b)
    np.testing.assert_allclose(normal, [4.0, 2.0])
    mean = sc.data[a1].mean(axis=0)
    assert offset == pytest.approx(1.0 * mean[0] + 3.0 * mean[2] + 0.5)


def test_square_limits_have_equal_sides_and_hold_the_data():
    rng = np.random.default_rng(1)
    data = rng.normal(size=(50, 2)) * [3.0, 0.2] + [10.0, -4.0]
    lo, hi = scene.square_limits(data, data * 100)
    assert (hi - lo)[0] == pytest.approx((hi - lo)[1])
    assert np.all(lo <= data.min(axis=0)) and np.all(hi >= data.max(axis=0))
    # A window blown up far beyond the data does not squash it: the box stays near the data.
    assert (hi - lo)[0] < 3 * np.ptp(data[:, 0])


def test_wide_inputs_use_the_plane_of_their_leading_principal_axes():
    s = trained(dataset="sequence", n_samples=None, epochs=2, layers=(3,))
    plane = scene.input_plane(s)
    assert plane.dim == 2 and plane.axes.shape == (2, s.dataset.x.shape[1])
    np.testing.assert_allclose(plane.axes @ plane.axes.T, np.eye(2), atol=1e-9)


# -- pictures ---------------------------------------------------------------------------------
def test_layer_strip_two_classes_shows_both_playground_colours():
    s = trained()
    fig = strip.layer_strip(s, probes=_fake_probes(s))
    assert len(fig.axes) == 4  # input, a1, a2, output
    labels = " ".join(ax.get_xlabel() for ax in fig.axes)
    assert labels.count("linear probe accuracy 0.800 (train 0.900)") == 4
    for ax in fig.axes[:3]:
        assert ax.get_aspect() == 1.0  # equal scales
    img = render(fig)
    assert_two_class_picture(img, min_colours=300)


def test_layer_strip_all_stages_in_3d_with_chosen_units():
    s = trained(layers=(4, 3))
    fig = strip.layer_strip(s, which="all", dims=3, units=(0, 1, 3),
                            probes=_fake_probes(s, "all"))
    kinds = [getattr(ax, "name", "") for ax in fig.axes]
    assert len(kinds) == 7
    assert kinds.count("3d") == 4  # z1, a1 (4 units → units 1, 2, 4), z2, a2 (3 units)
    assert "units 1, 2, 4 of 4" in fig.axes[1].get_title()
    assert_two_class_picture(render(fig), min_colours=300, min_pixels=10)


def test_layer_strip_computes_probes_when_not_given():
    s = trained(layers=(2,))
    fig = strip.layer_strip(s)
    assert all("linear probe accuracy" in ax.get_xlabel() for ax in fig.axes)
    plt.close(fig)


@pytest.mark.parametrize("fields", [
    {"dataset": "line-fn", "n_samples": 150, "layers": (3,)},    # 1-D regression
    {"dataset": "reg-gauss", "n_samples": 150, "layers": (3, 2)},  # 2-D regression
    {"dataset": "spirals", "n_samples": 150, "layers": (4, 2)},   # 3 classes, softmax
    {"dataset": "odd-even", "n_samples": 150, "layers": (2, 1)},  # 1-D classification
])
def test_strip_and_neurons_for_other_problems_are_not_blank(fields):
    s = trained(**fields)
    img = render(strip.layer_strip(s, probes=_fake_probes(s)))
    assert n_colours(img) > 200
    img = render(neurons.neuron_maps(s, resolution=24))
    assert n_colours(img) > 100


def test_neuron_maps_one_panel_per_unit_layer_by_layer(tmp_path):
    s = trained()
    fig = neurons.neuron_maps(s, resolution=24)
    visible = [ax for ax in fig.axes if ax.axison]
    assert len(visible) == 2 + 4 + 2 + 1  # x1, x2 | 4 units | 2 units | output
    img = render(fig)
    assert_two_class_picture(img, min_colours=100, min_pixels=200)


def test_neuron_maps_cap_wide_layers():
    s = trained(layers=(7,))
    fig = neurons.neuron_maps(s, resolution=12, max_units=5)
    assert len([ax for ax in fig.axes if ax.axison]) == 2 + 5 + 1
    assert any("first 5" in t.get_text() for ax in fig.axes for t in ax.texts)
    plt.close(fig)


def test_unit_colours_follow_the_activation_range():
    s = trained()
    values = np.array([-1.0, 0.0, 1.0])
    tanh = neurons.unit_colors(values, "post", "tanh", s, 0, 1.0)
    assert [tuple(c) for c in tanh] == [(0xF5, 0x93, 0x22), (0xE8, 0xEA, 0xEB),
                                        (0x08, 0x77, 0xBD)]
    sig = neurons.unit_colors(np.array([0.0, 0.5, 1.0]), "post", "sigmoid", s, 0, 1.0)
    np.testing.assert_array_equal(sig, tanh)
    relu = neurons.unit_colors(np.array([0.0, 2.0, 4.0]), "post", "relu", s, 0, 4.0)
    assert tuple(relu[0]) == (0xE8, 0xEA, 0xEB) and tuple(relu[2]) == (0x08, 0x77, 0xBD)


def test_space_3d_of_a_three_unit_layer_and_none_without_one(tmp_path):
    assert space3d.space_3d(trained()) is None  # layers 4, 2: no 3-unit layer
    s = trained(layers=(3,))
    fig = space3d.space_3d(s, resolution=10)
    assert fig is not None and fig.axes[0].name == "3d"
    assert "separating plane" in fig.axes[0].get_title()
    data = save_figure(fig, tmp_path / "space3d.png", dpi=DPI)
    assert (tmp_path / "space3d.png").read_bytes() == data
    from PIL import Image

    with Image.open(tmp_path / "space3d.png") as im:
        img = np.asarray(im.convert("RGB"))
    assert_two_class_picture(img, min_colours=100, min_pixels=10)
    # Any stage can be shown in 3-D, through a PCA if it is wider.
    fig = space3d.space_3d(trained(layers=(5,)), stage="a1", resolution=6)
    assert "PCA" in fig.axes[0].get_title()
    plt.close(fig)


def test_draw_stage_on_3d_axes_uses_a_cubic_box():
    s = trained(layers=(3,))
    sc = scene.build_scene(s, resolution=6)
    fig = plt.figure()
    ax = fig.add_subplot(projection="3d")
    draw_stage(ax, sc, sc.last_hidden)
    spans = [np.ptp(ax.get_xlim()), np.ptp(ax.get_ylim()), np.ptp(ax.get_zlim())]
    assert spans[0] == pytest.approx(spans[1]) == pytest.approx(spans[2])
    plt.close(fig)


@pytest.mark.parametrize("which", ["post", "all"])
def test_stage_probes_are_the_per_stage_probes_with_or_without_a_progress_bar(which, capsys):
    s = trained()
    reps, tests = represent(s.net, s.x_train), represent(s.net, s.x_test)
    expected = [probe(reps[i], s.train_data.y, tests[i], s.test_data.y, s.problem, s.n_classes,
                      st.name) for i, st in enumerate(stages(s.net))
                if which == "all" or st.kind != "pre"]  # the loop charts used to run itself
    assert charts.stage_probes(s, which) == expected
    assert charts.stage_probes(s, which, progress=True) == expected
    assert "probes" in capsys.readouterr().err


def test_separability_chart_bars_before_and_after():
    s = trained()
    after = charts.stage_probes(s)
    before = charts.stage_probes(s, net=charts.initial_network(s))
    assert [r.stage for r in after] == ["input", "a1", "a2", "output"]
    assert after[0] == before[0]  # the input does not depend on the weights
    fig = charts.separability_chart(s, after, before)
    bars = [p for p in fig.axes[0].patches]
    assert len(bars) == 8
    np.testing.assert_allclose(sorted(b.get_height() for b in bars),
                               sorted([charts.score(r) for r in after + before]))
    img = render(fig)
    assert n_colours(img) > 30


def test_initial_network_is_the_configs_start():
    from depthlens.experiment import Session

    s = trained()
    np.testing.assert_array_equal(charts.initial_network(s).params, Session(s.config).net.params)
