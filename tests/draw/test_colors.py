"""Colour scales: Playground's orange–grey–blue and the class palette."""

from __future__ import annotations

import numpy as np
import pytest

from depthlens.draw import colors
from depthlens.draw.colors import BLUE, GREY, ORANGE, PALETTE


def test_two_class_ends_and_middle_are_playgrounds_colours_exactly():
    rgb = colors.two_class(np.array([-1.0, 0.0, 1.0]))
    assert rgb.dtype == np.uint8
    assert rgb.shape == (3, 3)
    assert tuple(rgb[0]) == ORANGE == (0xF5, 0x93, 0x22)
    assert tuple(rgb[1]) == GREY == (0xE8, 0xEA, 0xEB)
    assert tuple(rgb[2]) == BLUE == (0x08, 0x77, 0xBD)


def test_two_class_clips_values_outside_minus_one_to_one_and_maps_nan_to_grey():
    rgb = colors.two_class(np.array([-5.0, 7.0, np.nan]))
    assert tuple(rgb[0]) == ORANGE
    assert tuple(rgb[1]) == BLUE
    assert tuple(rgb[2]) == GREY


def test_two_class_blends_linearly_toward_the_end_colour():
    half = colors.two_class(np.array([0.5]))[0].astype(int)
    expected = np.round((np.array(GREY) + np.array(BLUE)) / 2).astype(int)
    np.testing.assert_array_equal(half, expected)


def test_two_class_keeps_the_input_shape():
    assert colors.two_class(np.zeros((4, 5))).shape == (4, 5, 3)


def test_quantized_two_class_has_at_most_31_shades():
    v = np.linspace(-1.0, 1.0, 10_001)
    rgb = colors.two_class(v, quantize=True)
    shades = {tuple(c) for c in rgb}
    assert 25 <= len(shades) <= 31
    assert len({tuple(c) for c in colors.two_class(v)}) > 31
    assert tuple(rgb[0]) == ORANGE and tuple(rgb[-1]) == BLUE


def test_diverging_scales_by_the_largest_magnitude_by_default():
    rgb = colors.diverging(np.array([-4.0, 0.0, 2.0]))
    assert tuple(rgb[0]) == ORANGE
    assert tuple(rgb[1]) == GREY
    np.testing.assert_array_equal(rgb[2], colors.two_class(np.array([0.5]))[0])


def test_diverging_with_a_scale_saturates_beyond_it():
    rgb = colors.diverging(np.array([10.0, -0.5]), scale=1.0)
    assert tuple(rgb[0]) == BLUE
    np.testing.assert_array_equal(rgb[1], colors.two_class(np.array([-0.5]))[0])


def test_diverging_of_all_zeros_is_grey():
    assert {tuple(c) for c in colors.diverging(np.zeros(5))} == {GREY}


def test_class_colours_start_with_playgrounds_orange_and_blue_and_cycle():
    assert colors.class_color(0) == ORANGE
    assert colors.class_color(1) == BLUE
    assert len({colors.class_color(k) for k in range(10)}) == 10
    assert colors.class_color(12) == colors.class_color(2)


@pytest.mark.parametrize("k", [2, 3, 5, 10])
def test_classes_gives_each_sure_class_its_palette_colour(k):
    rgb = colors.classes(np.eye(k))
    assert rgb.dtype == np.uint8
    np.testing.assert_array_equal(rgb, PALETTE[:k])


def test_classes_fades_toward_grey_as_confidence_falls_but_keeps_the_winners_hue():
    neutral = np.array(colors.NEUTRAL, dtype=float)
    uniform = colors.classes(np.full((1, 4), 0.25))[0].astype(float)
    first = PALETTE[0].astype(float)  # argmax of a tie: class 0
    np.testing.assert_allclose(uniform, np.round(neutral + 0.4 * (first - neutral)))
    assert np.linalg.norm(uniform - neutral) > 20  # still says which class wins
    sure = colors.classes(np.array([[0.0, 0.0, 1.0]]))[0].astype(float)
    unsure = colors.classes(np.array([[0.2, 0.2, 0.6]]))[0].astype(float)
    assert np.linalg.norm(unsure - neutral) < np.linalg.norm(sure - neutral)


@pytest.mark.parametrize("k", [3, 5, 10])
def test_the_pictures_and_the_page_colour_a_k_class_map_alike(k):
    from depthlens.web.palettes import CLASS_LEVELS, class_palette

    lut = class_palette(k)
    for c in range(k):
        for level in (0, 7, 24):
            conf = level / (CLASS_LEVELS - 1)
            winner = 1.0 / k + conf * (1.0 - 1.0 / k)
            p = np.full(k, (1.0 - winner) / (k - 1))
            p[c] = winner
            if level == 0:
                p[c] += 1e-12  # a tie: let class c win it
            np.testing.assert_array_equal(colors.classes(p[None])[0], lut[c * CLASS_LEVELS + level])
