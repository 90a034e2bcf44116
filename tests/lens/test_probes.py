"""Linear probes: perfect on linearly separable data, no better than chance-ish on XOR, R² ≈ 1
for a linear target and low for a nonlinear one, deterministic, one result per stage."""

from __future__ import annotations

import math

import numpy as np
import pytest

from depthlens.lens import WarmStart, probe, probe_stages, represent, stages
from depthlens.lens.probes import fit_classifier_probe
from depthlens.nn.network import MLP


def separable(n: int, rng: np.random.Generator, dim: int = 2,
              normal: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Two classes on either side of a hyperplane (random unless given), a gap around it."""
    if normal is None:
        normal = rng.normal(size=dim)
    normal = normal / np.linalg.norm(normal)
    x = rng.normal(scale=2.0, size=(4 * n, dim))
    side = x @ normal - 0.3
    keep = np.abs(side) > 0.2
    x, side = x[keep][:n], side[keep][:n]
    return x, (side > 0).astype(np.int64)


def xor(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = rng.uniform(-1, 1, (n, 2))
    x += 0.1 * np.sign(x)  # keep off the axes
    return x, (x[:, 0] * x[:, 1] > 0).astype(np.int64)


def test_probe_on_linearly_separable_data_is_perfect():
    rng = np.random.default_rng(0)
    x, y = separable(300, rng, normal=np.array([0.6, -0.8]))
    xt, yt = separable(200, rng, normal=np.array([0.6, -0.8]))
    r = probe(x, y, xt, yt, stage="input")
    assert (r.train, r.test) == (1.0, 1.0)
    assert (r.stage, r.width, r.metric) == ("input", 2, "accuracy")


def test_probe_on_separable_data_in_many_dimensions_is_perfect():
    x, y = separable(300, np.random.default_rng(1), dim=7)
    assert probe(x, y).train == 1.0


def test_probe_with_three_separable_classes_uses_softmax_and_is_perfect():
    rng = np.random.default_rng(2)
    centers = np.array([[0.0, 4.0], [-4.0, -2.0], [4.0, -2.0]])
    y = rng.integers(0, 3, 400)
    x = centers[y] + rng.normal(scale=0.6, size=(400, 2))
    r = probe(x, y, n_classes=3)
    assert r.train == 1.0
    assert math.isnan(r.test)  # no test set given


def test_probe_on_xor_cannot_beat_three_quarters():
    rng = np.random.default_rng(3)
    x, y = xor(400, rng)
    xt, yt = xor(400, rng)
    r = probe(x, y, xt, yt)
    assert r.train <= 0.75 and r.test <= 0.75
    # …while the same points lifted by the product feature x1·x2 are separable.
    lifted = np.column_stack([x, x[:, 0] * x[:, 1]])
    assert probe(lifted, y).train == 1.0


def test_regression_probe_fits_a_linear_target_exactly():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(200, 3))
    y = x @ np.array([1.5, -2.0, 0.5]) + 3.0
    xt = rng.normal(size=(100, 3))
    yt = xt @ np.array([1.5, -2.0, 0.5]) + 3.0
    r = probe(x, y, xt, yt, problem="regression", stage="a1")
    assert r.metric == "r2"
    assert r.train == pytest.approx(1.0, abs=1e-12)
    assert r.test == pytest.approx(1.0, abs=1e-12)


def test_regression_probe_of_a_nonlinear_target_scores_low():
    rng = np.random.default_rng(5)
    x = rng.uniform(-2, 2, (300, 2))
    y = x[:, 0] ** 2 + x[:, 1] ** 2  # even in each input: no linear trend at all
    r = probe(x, y, problem="regression")
    assert r.train < 0.1
    linear_part = probe(x, y + 2.0 * x[:, 0], problem="regression")
    assert r.train < linear_part.train < 0.999


def test_regression_probe_of_several_targets():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(100, 2))
    y = np.column_stack([x[:, 0] - x[:, 1], 2 * x[:, 1] + 1])
    assert probe(x, y, problem="regression").train == pytest.approx(1.0, abs=1e-12)


def test_probe_is_deterministic():
    rng = np.random.default_rng(7)
    x, y = xor(300, rng)
    x = x + rng.normal(scale=0.3, size=x.shape)
    first, second = probe(x, y, x, y), probe(x, y, x, y)
    assert first == second
    a = fit_classifier_probe(x, y, 2)
    b = fit_classifier_probe(x, y, 2)
    np.testing.assert_array_equal(a.params, b.params)


def test_probe_is_fitted_by_the_engine_as_one_linear_layer():
    rng = np.random.default_rng(8)
    x, y = separable(200, rng)
    net = fit_classifier_probe(x, y, 2)
    assert isinstance(net, MLP)
    assert net.sizes == (2, 1) and net.head.output == "sigmoid"
    assert np.mean(net.head.decide(net.forward(x)) == y) == 1.0
    three = fit_classifier_probe(x, np.minimum(y + (x[:, 0] > 1), 2), 3, max_steps=50)
    assert three.sizes == (2, 3) and three.head.output == "softmax"


def test_probe_does_not_care_about_the_scale_of_features():
    """Features are standardized on the training set, so units do not change the answer."""
    x, y = separable(200, np.random.default_rng(9))
    scaled = x * np.array([1e3, 1e-3]) + np.array([50.0, -7.0])
    assert probe(x, y) == probe(scaled, y)


def test_probe_stages_gives_one_probe_per_post_activation_stage():
    net = MLP([2, 4, 3, 1], activation="tanh", output="sigmoid",
              loss="bce").initialize("glorot_uniform", seed=1)
    rng = np.random.default_rng(10)
    x, y = separable(120, rng)
    results = probe_stages(net, x, y, x, y)
    assert [r.stage for r in results] == ["input", "a1", "a2", "output"]
    assert [r.width for r in results] == [2, 4, 3, 1]
    assert results[0].train == 1.0
    everything = probe_stages(net, x, y, which="all")
    assert [r.stage for r in everything] == ["input", "z1", "a1", "z2", "a2", "z3", "output"]
    assert all(math.isnan(r.test) for r in everything)


def test_a_warm_start_tracks_a_moved_representation_in_few_steps():
    rng = np.random.default_rng(11)
    x, y = separable(300, rng)
    before = probe(x, y)
    assert before.params is not None
    moved = x @ np.array([[1.0, 0.1], [-0.1, 1.0]]) + 0.05 * rng.normal(size=x.shape)
    cold = probe(moved, y)
    warm = probe(moved, y, max_steps=30, init=before.params)
    short = probe(moved, y, max_steps=30)  # the same 30 steps from zero
    assert warm.train == pytest.approx(cold.train, abs=0.01)
    assert abs(warm.train - cold.train) <= abs(short.train - cold.train)


def per_stage_loop(net, x, y, x_test, y_test, problem="classification", n_classes=None,
                   which="post", **fit):
    """The loop every caller used to write: one ``probe`` per chosen stage of ``represent``."""
    reps, tests = represent(net, x), represent(net, x_test)
    return [probe(reps[i], y, tests[i], y_test, problem, n_classes, st.name, **fit)
            for i, st in enumerate(stages(net)) if which == "all" or st.kind != "pre"]


@pytest.mark.parametrize("which", ["post", "all"])
@pytest.mark.parametrize("problem", ["classification", "regression"])
def test_probe_stages_is_one_probe_per_stage(problem, which):
    net = MLP([2, 5, 3, 1], activation="tanh").initialize("glorot_uniform", seed=2)
    rng = np.random.default_rng(12)
    x, y = separable(150, rng)
    xt, yt = separable(60, rng)
    if problem == "regression":
        y, yt = np.sin(x[:, 0]) + x[:, 1], np.sin(xt[:, 0]) + xt[:, 1]
    got = probe_stages(net, x, y, xt, yt, problem, which=which, max_steps=400)
    expected = per_stage_loop(net, x, y, xt, yt, problem, which=which, max_steps=400)
    assert [(r.stage, r.width, r.train, r.test) for r in got] == [
        (r.stage, r.width, r.train, r.test) for r in expected]


def test_probe_stages_warm_start_fits_each_stage_from_its_last_fit():
    net = MLP([2, 6, 4, 3], activation="tanh", output="softmax",
              loss="cross_entropy").initialize("glorot_uniform", seed=3)
    rng = np.random.default_rng(13)
    x, xt = rng.normal(size=(150, 2)), rng.normal(size=(50, 2))
    y, yt = (x[:, 0] > 0) + (x[:, 1] > 0.5), (xt[:, 0] > 0) + (xt[:, 1] > 0.5)
    warm = WarmStart(steps=25)
    first = probe_stages(net, x, y, xt, yt, n_classes=3, warm=warm, max_steps=200)
    assert first == probe_stages(net, x, y, xt, yt, n_classes=3, max_steps=200)  # cold at first
    assert warm.input is first[0] and sorted(warm.params) == ["a1", "a2", "output"]
    kept = dict(warm.params)
    net.params[:] += 0.05 * rng.normal(size=net.n_params)  # the network moves a little
    again = probe_stages(net, x, y, xt, yt, n_classes=3, warm=warm, max_steps=200)
    assert again[0] is first[0]  # the input does not depend on the weights: fitted once
    reps, tests = represent(net, x), represent(net, xt)
    for r, i, st in zip(again[1:], [2, 4, 6], ["a1", "a2", "output"]):
        assert r == probe(reps[i], y, tests[i], yt, n_classes=3, stage=st, max_steps=25,
                          init=kept[st])
        assert warm.params[st] is r.params


def test_probe_stages_progress_bar_changes_no_number(capsys):
    net = MLP([2, 4, 1], activation="tanh", output="sigmoid",
              loss="bce").initialize("glorot_uniform", seed=4)
    x, y = separable(80, np.random.default_rng(14))
    quiet = probe_stages(net, x, y, max_steps=200)
    assert capsys.readouterr().err == ""
    loud = probe_stages(net, x, y, max_steps=200, progress=True)
    assert "probes" in capsys.readouterr().err
    assert loud == quiet
