"""Colour tables and codes: computed from draw/colors.py, codes always index the table."""

from __future__ import annotations

import numpy as np

from depthlens.draw import colors
from depthlens.web import palettes


def test_node_table_is_playgrounds_31_shades():
    lut = palettes.node_palette()
    assert lut.shape == (256, 3) and lut.dtype == np.uint8
    assert tuple(lut[0]) == colors.ORANGE
    assert tuple(lut[15]) == colors.GREY
    assert tuple(lut[30]) == colors.BLUE
    v = np.linspace(-1, 1, 101)
    np.testing.assert_array_equal(lut[palettes.value_codes(v)], colors.two_class(v, True))


def test_value_codes_clip_and_mark_nan():
    codes = palettes.value_codes(np.array([-5.0, -1.0, 0.0, 1.0, 7.0, np.nan]))
    assert codes.tolist() == [0, 0, 15, 30, 30, 255]


def test_class_codes_follow_draw_colors_classes():
    rng = np.random.default_rng(0)
    for k in (3, 5, 10):
        p = rng.dirichlet(np.ones(k), size=400)
        codes = palettes.class_codes(p)
        assert codes.max() < k * palettes.CLASS_LEVELS
        lut = palettes.class_palette(k)
        np.testing.assert_array_equal(codes // palettes.CLASS_LEVELS, p.argmax(axis=1))
        # the table's colour is draw.colors.classes' to within one confidence level
        diff = np.abs(lut[codes].astype(int) - colors.classes(p).astype(int)).max()
        assert diff <= 255 // (palettes.CLASS_LEVELS - 1) + 1
        assert tuple(lut[(k - 1) * 25 + 24]) == colors.class_color(k - 1)


def test_label_codes_are_full_colour():
    y = np.array([0, 1, 1, 0])
    assert palettes.label_codes(y, "classification", 2, 1.0).tolist() == [0, 30, 30, 0]
    assert palettes.label_codes(np.array([2, 0]), "classification", 3, 1.0).tolist() == [74, 24]
    assert palettes.label_codes(np.array([-2.0, 0.0, 1.2]), "regression", 0, 2.0).tolist() == [
        0, 15, 24]
