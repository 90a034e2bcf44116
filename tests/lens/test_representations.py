"""Where the data sits at every stage: names and widths, the engine's own numbers, stage
lookup, grid lines, views (own units, chosen units, PCA) and the flat decision boundary seen from
the last hidden layer."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.decomposition import PCA

from depthlens.errors import ConfigError
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.lens import (
    grid_lines,
    make_view,
    represent,
    separating_hyperplane,
    stage_index,
    stages,
)
from depthlens.lens.representations import last_hidden
from depthlens.nn.network import MLP

NAMES = ["input", "z1", "a1", "z2", "a2", "z3", "output"]


@pytest.fixture(scope="module")
def net() -> MLP:
    """A 2-4-3-1 network: tanh, relu, sigmoid head."""
    return MLP([2, 4, 3, 1], activation=["tanh", "relu"], output="sigmoid",
               loss="bce").initialize("glorot_uniform", seed=3)


@pytest.fixture(scope="module")
def circle_session() -> Session:
    """Circle through one 3-unit tanh layer, trained to ≥ 98% (sigmoid head, bce)."""
    cfg = Config(dataset="circle", layers=(3,), activation="tanh", optimizer="adam", lr=0.03,
                 epochs=300, init="glorot_uniform", seed=0)
    s = Session(cfg)
    s.run()
    assert s.metrics()["train_accuracy"] >= 0.98
    return s


# -- stages ------------------------------------------------------------------------------------
def test_stages_name_and_size_every_place_in_the_network(net):
    st_ = stages(net)
    assert [s.name for s in st_] == NAMES
    assert [s.width for s in st_] == [2, 4, 4, 3, 3, 1, 1]
    assert [s.layer for s in st_] == [0, 1, 1, 2, 2, 3, 3]
    assert [s.kind for s in st_] == ["input", "pre", "post", "pre", "post", "pre", "output"]
    assert st_[2].label == "layer 1: tanh (4-D)"
    assert st_[4].label == "layer 2: relu (3-D)"
    assert st_[6].label == "layer 3: sigmoid (1-D)"
    assert st_[0].label == "input (2-D)"


def test_represent_is_the_engines_own_trace(net):
    x = np.random.default_rng(0).uniform(-6, 6, (50, 2))
    reps = represent(net, x)
    tr = net.trace(x)
    assert len(reps) == len(NAMES)
    np.testing.assert_array_equal(reps[0], tr.inputs)
    for k in range(net.n_layers):
        np.testing.assert_array_equal(reps[1 + 2 * k], tr.pre[k])
        np.testing.assert_array_equal(reps[2 + 2 * k], tr.post[k])
    for rep, s in zip(reps, stages(net)):
        assert rep.dtype == np.float64 and rep.shape == (50, s.width)
    np.testing.assert_allclose(reps[-1], net.forward(x), rtol=1e-6, atol=1e-7)
    # And the numbers mean what their names say: a = act(z), z = W·a_prev + b.
    np.testing.assert_allclose(reps[2], np.tanh(reps[1]), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(reps[4], np.maximum(reps[3], 0.0))
    w, b = net.weights[1].astype(np.float64), net.biases[1].astype(np.float64)
    np.testing.assert_allclose(reps[3], reps[2] @ w.T + b, rtol=1e-5, atol=1e-5)


def test_represent_of_a_float64_network_matches_forward_to_rounding():
    net64 = MLP([2, 5, 3], activation="elu", output="softmax", loss="cross_entropy",
                dtype=np.float64).initialize("he_normal", seed=1)
    x = np.random.default_rng(1).normal(size=(40, 2))
    np.testing.assert_allclose(represent(net64, x)[-1], net64.forward(x), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("key, index", [
    ("input", 0), ("z1", 1), ("a1", 2), ("a2", 4), ("output", 6),
    ("a3", 6),  # the last layer's activation is the output
    ("last_hidden", 4),
    (0, 0), (3, 3), (-1, 6), (-7, 0), (np.int64(-2), 5),
])
def test_stage_index_by_name_alias_and_index(net, key, index):
    assert stage_index(net, key) == index


@pytest.mark.parametrize("key", ["a4", "hidden", "", 7, -8])
def test_stage_index_of_an_unknown_stage_names_the_field(net, key):
    with pytest.raises(ConfigError) as err:
        stage_index(net, key)
    assert err.value.field == "stage"
    assert str(err.value).startswith("stage: ")


def test_last_hidden_of_a_network_without_hidden_layers_is_the_input():
    flat = MLP([2, 1], output="sigmoid", loss="bce")
    assert stage_index(flat, "last_hidden") == 0
    assert last_hidden(flat) == 0
    assert last_hidden(MLP([2, 4, 3, 1])) == 4


# -- grid lines --------------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(n_lines=st.integers(2, 15), per_line=st.integers(2, 60),
       lo=st.floats(-10, -0.5), hi=st.floats(0.5, 10))
def test_grid_lines_are_straight_ordered_lines_across_the_square(n_lines, per_line, lo, hi):
    g = grid_lines((lo, hi), n_lines=n_lines, per_line=per_line)
    assert g.points.shape == (2 * n_lines * per_line, 2)
    assert g.line_id.shape == (2 * n_lines * per_line,)
    assert sorted(set(g.line_id.tolist())) == list(range(2 * n_lines))
    assert g.points.min() == pytest.approx(lo) and g.points.max() == pytest.approx(hi)
    lines = g.lines(g.points)
    assert len(lines) == 2 * n_lines
    for i, line in enumerate(lines):
        assert line.shape == (per_line, 2)
        fixed, along = (0, 1) if i < n_lines else (1, 0)
        assert np.all(line[:, fixed] == line[0, fixed])  # straight: one coordinate constant
        assert np.all(np.diff(line[:, along]) > 0)  # ordered along the other
        assert line[0, along] == pytest.approx(lo) and line[-1, along] == pytest.approx(hi)
    verticals = np.array([line[0, 0] for line in lines[:n_lines]])
    np.testing.assert_allclose(verticals, np.linspace(lo, hi, n_lines))


def test_grid_of_1d_input_is_the_line_itself():
    g = grid_lines((-3.0, 3.0), per_line=31, dim=1)
    assert g.points.shape == (31, 1)
    np.testing.assert_array_equal(g.line_id, 0)
    np.testing.assert_allclose(g.points[:, 0], np.linspace(-3, 3, 31))


def test_grid_of_3d_input_is_refused():
    with pytest.raises(ConfigError) as err:
        grid_lines(dim=3)
    assert err.value.field == "grid dimension"


def test_lines_splits_carried_points_in_the_grids_order(net):
    g = grid_lines(n_lines=5, per_line=21)
    carried = represent(net, g.points)[stage_index(net, "a1")]
    lines = g.lines(carried)
    assert len(lines) == 10
    assert all(line.shape == (21, 4) for line in lines)
    np.testing.assert_array_equal(np.concatenate(lines), carried)
    for i, line in enumerate(lines):
        np.testing.assert_array_equal(line, represent(net, g.points[g.line_id == i])[2])


# -- views -------------------------------------------------------------------------------------
@pytest.mark.parametrize("width, dims", [(1, 2), (2, 2), (2, 3), (3, 3)])
def test_a_narrow_stage_is_drawn_in_its_own_units(width, dims):
    data = np.random.default_rng(0).normal(size=(30, width))
    view = make_view(data, dims=dims)
    assert view.method == "own"
    np.testing.assert_array_equal(view(data), data)
    assert view.axis_labels(stages(MLP([width, 1]))[0]) == [f"unit {i + 1}"
                                                            for i in range(width)]


def test_a_wide_stage_can_be_drawn_through_chosen_units():
    data = np.random.default_rng(1).normal(size=(30, 6))
    view = make_view(data, dims=2, units=(4, 1))
    assert view.method == "units" and view.units == (4, 1)
    np.testing.assert_array_equal(view(data), data[:, [4, 1]])
    assert view.axis_labels(None) == ["unit 5", "unit 2"]
    default = make_view(data, dims=3, method="units")
    assert default.units == (0, 1, 2)


@pytest.mark.parametrize("kwargs, field", [
    ({"units": (0, 6)}, "units"),
    ({"units": (-1, 2)}, "units"),
    ({"dims": 4}, "dims"),
    ({"dims": 1}, "dims"),
    ({"method": "tsne"}, "view"),
])
def test_bad_view_choices_name_the_field(kwargs, field):
    data = np.random.default_rng(2).normal(size=(30, 6))
    with pytest.raises(ConfigError) as err:
        make_view(data, **kwargs)
    assert err.value.field == field


@settings(max_examples=30, deadline=None)
@given(width=st.integers(4, 9), dims=st.sampled_from([2, 3]), seed=st.integers(0, 10_000))
def test_pca_view_has_orthonormal_axes_and_the_variances_it_reports(width, dims, seed):
    rng = np.random.default_rng(seed)
    data = rng.normal(size=(200, width)) @ rng.normal(size=(width, width)) + rng.normal(
        size=width)
    view = make_view(data, dims=dims)
    assert view.method == "pca"
    assert view.axes.shape == (dims, width)
    np.testing.assert_allclose(view.axes @ view.axes.T, np.eye(dims), atol=1e-10)
    ratios = view.explained
    assert np.all(np.diff(ratios) <= 1e-12) and np.all(ratios <= 1.0) and ratios.sum() <= 1.0
    proj = view(data)
    assert proj.shape == (200, dims)
    np.testing.assert_allclose(proj.mean(axis=0), 0.0, atol=1e-9)
    total = ((data - data.mean(axis=0)) ** 2).sum()
    np.testing.assert_allclose((proj**2).sum(axis=0) / total, ratios, rtol=1e-9)
    # The same numbers as an independent PCA.
    ref = PCA(n_components=dims).fit(data)
    np.testing.assert_allclose(ratios, ref.explained_variance_ratio_, rtol=1e-8)
    np.testing.assert_allclose(np.abs(view.axes @ ref.components_.T), np.eye(dims), atol=1e-6)
    # Signs are fixed: the largest entry of each axis is positive.
    assert np.all(view.axes[np.arange(dims), np.abs(view.axes).argmax(axis=1)] > 0)
    labels = view.axis_labels(None)
    assert len(labels) == dims and labels[0].startswith("PC1 (")


# -- the flat boundary seen from the last hidden layer -----------------------------------------
def test_separating_plane_in_the_last_hidden_layer_is_the_networks_decision(circle_session):
    """Trained circle net with a 3-unit tanh last hidden layer: the side of the plane
    w·h + b = 0 a point's a1 lies on is the class the network predicts (for a sigmoid head this
    is exact, up to points within float32 rounding of the plane)."""
    s = circle_session
    net = s.net
    w, b = separating_hyperplane(net)
    assert w.shape == (1, 3) and b.shape == (1,)
    x = np.concatenate([s.x_train, s.x_test])
    grid = grid_lines(n_lines=9, per_line=41).points
    for pts in (x, s.transform(grid)):
        h = represent(net, pts)[stage_index(net, "last_hidden")]
        side = (h @ w.T + b)[:, 0] > 0
        decided = net.head.decide(net.forward(pts)) == 1
        agree = np.mean(side == decided)
        assert agree >= 0.99
        margin = np.abs(h @ w.T + b)[:, 0] > 1e-4
        assert np.array_equal(side[margin], decided[margin])
    # Both sides are populated: the plane really splits the data.
    h = represent(net, x)[2]
    assert 0.2 < np.mean((h @ w.T + b)[:, 0] > 0) < 0.8


def test_separating_plane_of_a_two_way_softmax_is_the_difference_of_its_rows():
    net = MLP([2, 5, 2], activation="tanh", output="softmax", loss="cross_entropy",
              dtype=np.float64).initialize("he_normal", seed=4)
    w, b = separating_hyperplane(net)
    np.testing.assert_allclose(w[0], net.weights[-1][1] - net.weights[-1][0])
    x = np.random.default_rng(5).normal(scale=3.0, size=(500, 2))
    h = represent(net, x)[2]
    side = (h @ w.T + b)[:, 0] > 0
    assert 0.05 < side.mean() < 0.95
    np.testing.assert_array_equal(side, net.head.decide(net.forward(x)) == 1)


@pytest.mark.parametrize("output, loss, logit", [
    ("tanh", "half_mse", 0.0),  # labels ±1: decides at output 0
    ("sigmoid", "mse", 0.0),
    ("linear", "mse", 0.5),  # labels 0/1: decides at output 0.5
    ("relu", "mse", 0.5),
    ("leaky_relu", "mse", 0.5),
    ("elu", "mse", 0.5),
    ("softplus", "mse", math.log(math.expm1(0.5))),
    ("swish", "mse", None),
    ("gelu", "mse", None),
])
def test_separating_plane_sits_at_the_heads_threshold(output, loss, logit):
    """Regression: the plane was put at logit 0 for every head but linear, so for relu, elu,
    leaky_relu, softplus, swish and gelu outputs (which decide at a(z) > 0.5) it disagreed with
    the network on ~14% of points."""
    net = MLP([2, 4, 1], activation="tanh", output=output, loss=loss,
              dtype=np.float64).initialize("he_normal", seed=6)
    net.weights[-1][...] *= 3.0
    w, b = separating_hyperplane(net)
    if logit is not None:
        np.testing.assert_allclose(b, net.biases[-1] - logit, atol=1e-12)
    x = np.random.default_rng(7).normal(scale=3.0, size=(2000, 2))
    h = represent(net, x)[2]
    side = (h @ w.T + b)[:, 0] > 0
    assert 0.02 < side.mean() < 0.98
    np.testing.assert_array_equal(side, net.head.decide(net.forward(x)) == 1)


def test_no_single_plane_for_a_sine_output():
    """sin z > 0.5 holds on infinitely many intervals of z: no one plane is the boundary."""
    net = MLP([2, 4, 1], output="sine", loss="mse")
    assert separating_hyperplane(net) is None


@pytest.mark.parametrize("sizes, output, loss", [
    ([2, 4, 3], "softmax", "cross_entropy"),
    ([2, 4, 3], "linear", "mse"),
])
def test_no_single_plane_for_three_outputs(sizes, output, loss):
    assert separating_hyperplane(MLP(sizes, output=output, loss=loss)) is None
