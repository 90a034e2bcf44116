"""Colour tables and codes: computed from draw/colors.py, codes always index the table."""

from __future__ import annotations

import numpy as np

from depthlens.draw import colors
from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.web import palettes
from depthlens.web.heatmaps import PlaneView, block_mean


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


def test_the_node_table_holds_a_white_to_class_colour_ramp_per_class():
    lut = palettes.node_palette()
    base, levels = palettes.PROBABILITY_BASE, palettes.PROBABILITY_LEVELS
    assert base == 31 and base + palettes.MAX_CLASSES * levels <= palettes.NAN_CODE
    white = np.array(palettes.WHITE, dtype=np.int64)
    for c in range(palettes.MAX_CLASSES):
        ramp = lut[base + c * levels : base + (c + 1) * levels].astype(np.int64)
        colour = np.array(colors.class_color(c), dtype=np.int64)
        assert tuple(ramp[0]) == palettes.WHITE and tuple(ramp[-1]) == colors.class_color(c)
        # p = level/21 on the straight line from white to the class colour
        p = np.arange(levels)[:, None] / (levels - 1)
        assert np.abs(ramp - (white + p * (colour - white))).max() <= 0.5
        assert (np.diff(np.abs(ramp - colour).sum(axis=1)) <= 0).all()  # darker toward p = 1
    np.testing.assert_array_equal(lut[:31], colors.two_class(np.linspace(-1, 1, 31), True))


def test_probability_codes_pick_the_class_ramp_and_the_level():
    p = np.array([[0.0, 0.5, 1.0], [1.0, 0.24, np.nan]])
    codes = palettes.probability_codes(p, np.array([0, 1, 2]))
    base, levels = palettes.PROBABILITY_BASE, palettes.PROBABILITY_LEVELS
    assert codes.tolist() == [[base, base + levels + 10, base + 2 * levels + 21],
                              [base + 21, base + levels + 5, palettes.NAN_CODE]]


def test_output_units_of_a_k_class_network_show_their_class_probability():
    """Hovering output unit j of a 3-class network: its map is p_j = softmax(z)_j on class j's
    ramp (white → class j's colour), not the two-class orange–blue scale of 2·p_j − 1."""
    session = Session(Config(dataset="rings", layers=(6,), optimizer="adam", lr=0.03))
    session.run(40)
    view = PlaneView(session, (-6.0, 6.0))
    _, nodes = view.codes()
    out = session.net.forward(view.inputs).astype(np.float64)
    p = block_mean(session.net.head.probabilities(out))  # (3, 20, 20)
    lut = palettes.node_palette()
    base, levels = palettes.PROBABILITY_BASE, palettes.PROBABILITY_LEVELS
    for j in range(3):
        codes = nodes[-3 + j].astype(np.int64)
        assert ((codes - base) // levels == j).all()
        np.testing.assert_allclose((codes - base) % levels, p[j] * (levels - 1), atol=0.5 + 1e-6)
        expect = palettes.probability_ramp(j)[np.rint(p[j] * (levels - 1)).astype(int)]
        np.testing.assert_array_equal(lut[codes], expect)
    assert p.max() > 0.9 and p.min() < 0.1  # a map that goes from one end to the other
    # hidden units and the inputs stay on the two-class scale
    assert nodes[:-3].max() <= palettes.SHADES


def test_two_class_output_units_stay_orange_to_blue():
    session = Session(Config(dataset="circle"))
    _, nodes = PlaneView(session, (-6.0, 6.0)).codes()
    assert nodes.max() <= palettes.SHADES
