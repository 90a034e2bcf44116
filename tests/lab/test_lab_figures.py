"""The lab's pictures: sizes, not blank, GIF frame counts."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from depthlens import Config
from depthlens.draw.animate import write_animation
from depthlens.lab import figures as F
from depthlens.lab import (
    init_lab,
    line_profile,
    network_race,
    path_plane,
    plane_landscape,
    preprocess_lab,
    race_on_surface,
    random_landscape,
)
from depthlens.lab.surfaces import SURFACES

from .support import assert_not_blank, gif_frames, render


@pytest.mark.parametrize("name", ["double_well", "rosenbrock", "rastrigin"])
def test_surface_race_picture(name):
    s = SURFACES[name]
    img = render(F.surface_race_figure(s, race_on_surface(s, steps=60)), dpi=72)
    assert_not_blank(img, min_colours=150)
    # the racers' colours are drawn (Adam red, momentum blue)
    for c in ("#d62728", "#1f77b4"):
        rgb = np.array([int(c[i : i + 2], 16) for i in (1, 3, 5)])
        assert np.sum(np.linalg.norm(img.astype(float) - rgb, axis=-1) < 40) > 30, c


def test_frame_steps_are_increasing_and_cover_the_race():
    assert F.frame_steps(0, 5) == [0]
    for steps, frames in ((600, 48), (10, 48), (5, 2), (1000, 1000), (37, 36), (7, 7)):
        shown = F.frame_steps(steps, frames)
        assert shown[0] == 0 and shown[-1] == steps
        assert all(b > a for a, b in itertools.pairwise(shown))
        assert len(shown) == min(frames, steps + 1)


def test_race_gif_has_one_frame_per_shown_step(tmp_path):
    s = SURFACES["saddle"]
    paths = race_on_surface(s, steps=40)
    frames, durations = F.surface_race_frames(s, paths, frames=6, dpi=40)
    assert len(frames) == len(durations) == len(F.frame_steps(40, 6)) == 6
    assert durations[-1] > durations[0]
    write_animation(frames, durations, tmp_path / "race.gif")
    got = gif_frames(tmp_path / "race.gif")
    assert len(got) == 6
    assert got[0].shape == frames[0].shape
    assert_not_blank(got[-1], min_colours=20)
    assert not np.array_equal(got[0], got[-1])  # the paths grow


def test_network_pictures():
    race = network_race(Config(n_samples=80), ["adam", "sgd mini-batch"], epochs=3)
    net, tr = race.session.net, race.session.trainer
    plane = path_plane({k: np.array(r.path) for k, r in race.runs.items()}, race.initial)
    pics = [F.network_curves_figure(race),
            F.network_paths_figure(race, plane, plane_landscape(net, tr.x, tr.t, plane, 9)),
            F.random_landscape_figure(random_landscape(net, tr.x, tr.t, resolution=9)),
            F.line_figure({k: line_profile(net, tr.x, tr.t, race.initial, r.final,
                                           np.linspace(-0.5, 1.5, 9))
                           for k, r in race.runs.items()})]
    for fig in pics:
        assert_not_blank(render(fig), min_colours=60)


def test_init_and_preprocess_pictures():
    lab = init_lab(activations=("tanh", "relu"), inits=["zeros", "he_normal"], depth=3,
                   width=5, epochs=2, n_samples=60)
    for fig in (F.init_stats_figure(lab), F.init_training_figure(lab),
                F.init_histograms_figure(lab, "relu"), F.symmetry_figure(lab, "tanh")):
        assert_not_blank(render(fig), min_colours=40)
    prep = preprocess_lab(epochs=3)
    for fig in (F.preprocess_data_figure(prep), F.preprocess_curves_figure(prep)):
        assert_not_blank(render(fig), min_colours=60)
