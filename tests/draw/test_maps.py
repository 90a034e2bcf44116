"""Maps: the grid over the plane and how outputs become pixels."""

from __future__ import annotations

import numpy as np
import pytest

from depthlens.draw import colors, maps
from depthlens.draw.colors import BLUE, GREY, ORANGE, PALETTE
from depthlens.nn.losses import make_head


def test_grid_has_one_point_per_cell_centre():
    pts = maps.grid((-6.0, 6.0), 4)
    assert pts.shape == (16, 2)
    np.testing.assert_allclose(np.unique(pts[:, 0]), [-4.5, -1.5, 1.5, 4.5])
    np.testing.assert_allclose(np.unique(pts[:, 1]), [-4.5, -1.5, 1.5, 4.5])


def test_grid_row_zero_is_the_top_of_the_plane():
    res = 5
    img = maps.grid((0.0, 10.0), res).reshape(res, res, 2)
    np.testing.assert_allclose(img[0, :, 1], 9.0)  # top row: largest x2
    np.testing.assert_allclose(img[-1, :, 1], 1.0)  # bottom row: smallest x2
    np.testing.assert_allclose(img[:, 0, 0], 1.0)  # left column: smallest x1
    np.testing.assert_allclose(img[:, -1, 0], 9.0)
    assert np.all(np.diff(img[:, 0, 1]) < 0)
    assert np.all(np.diff(img[0, :, 0]) > 0)


def test_grid_default_is_100_by_100_over_playgrounds_window():
    pts = maps.grid()
    assert pts.shape == (10_000, 2)
    assert pts.min() == pytest.approx(-5.94) and pts.max() == pytest.approx(5.94)


def test_signed_score_maps_sure_class_one_to_plus_one():
    head = make_head("sigmoid", "bce")
    np.testing.assert_allclose(maps.signed_score(head, np.array([[1.0], [0.5], [0.0]])),
                               [1.0, 0.0, -1.0])
    tanh = make_head("tanh", "half_mse")
    np.testing.assert_allclose(maps.signed_score(tanh, np.array([[1.0], [-1.0]])), [1.0, -1.0])


def _check(rgb: np.ndarray, n: int) -> None:
    assert rgb.dtype == np.uint8
    assert rgb.shape == (n, 3)


def test_colorize_two_classes_with_one_sigmoid_output():
    head = make_head("sigmoid", "bce")
    rgb = maps.colorize(head, "classification", np.array([[0.0], [0.5], [1.0]]))
    _check(rgb, 3)
    assert [tuple(c) for c in rgb] == [ORANGE, GREY, BLUE]


def test_colorize_two_classes_with_two_softmax_outputs():
    head = make_head("softmax", "cross_entropy")
    rgb = maps.colorize(head, "classification", np.array([[1.0, 0.0], [0.0, 1.0]]))
    _check(rgb, 2)
    assert [tuple(c) for c in rgb] == [ORANGE, BLUE]


def test_colorize_two_classes_discretized_has_only_the_two_end_colours():
    head = make_head("tanh", "half_mse")
    out = np.linspace(-0.9, 0.9, 50)[:, None]
    rgb = maps.colorize(head, "classification", out, discretize=True)
    _check(rgb, 50)
    assert {tuple(c) for c in rgb} == {ORANGE, BLUE}


def test_colorize_k_classes_uses_the_palette():
    head = make_head("softmax", "cross_entropy")
    p = np.array([[0.9, 0.05, 0.05], [0.1, 0.1, 0.8], [1 / 3, 1 / 3, 1 / 3]])
    rgb = maps.colorize(head, "classification", p)
    _check(rgb, 3)
    neutral = np.array(colors.NEUTRAL, dtype=float)  # a tie: a pale tint of class 0's colour
    expected = np.round(neutral + colors.CONFIDENCE_FLOOR * (PALETTE[0] - neutral))
    np.testing.assert_array_equal(rgb[2], expected)
    sharp = maps.colorize(head, "classification", p[:2], discretize=True)
    np.testing.assert_array_equal(sharp, PALETTE[[0, 2]])


def test_colorize_regression_is_diverging_around_zero():
    head = make_head("linear", "mse")
    out = np.array([[-2.0, 9.0], [0.0, 9.0], [2.0, 9.0]])  # only the first output is drawn
    rgb = maps.colorize(head, "regression", out)
    _check(rgb, 3)
    assert [tuple(c) for c in rgb] == [ORANGE, GREY, BLUE]
    scaled = maps.colorize(head, "regression", out, scale=4.0)
    assert tuple(scaled[2]) != BLUE and tuple(scaled[2]) != GREY
