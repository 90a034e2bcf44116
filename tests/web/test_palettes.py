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


def _hue(rgb: np.ndarray) -> np.ndarray:
    """HSV hue in degrees of RGB rows (..., 3)."""
    import colorsys

    flat = np.asarray(rgb, dtype=np.float64).reshape(-1, 3) / 255.0
    return np.array([colorsys.rgb_to_hsv(*c)[0] * 360.0 for c in flat]).reshape(rgb.shape[:-1])


def _hue_gap(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = np.abs(np.asarray(a) - np.asarray(b)) % 360.0
    return np.minimum(d, 360.0 - d)


def test_class_codes_pick_the_winner_and_its_confidence_level():
    rng = np.random.default_rng(0)
    for k in (3, 5, 10):
        p = rng.dirichlet(np.ones(k), size=400)
        codes = palettes.class_codes(p)
        assert codes.max() < k * palettes.CLASS_LEVELS
        np.testing.assert_array_equal(codes // palettes.CLASS_LEVELS, p.argmax(axis=1))
        conf = (p.max(axis=1) - 1 / k) / (1 - 1 / k)
        np.testing.assert_allclose(codes % palettes.CLASS_LEVELS, conf * 24, atol=0.5 + 1e-9)
        lut = palettes.class_palette(k)
        assert tuple(lut[(k - 1) * 25 + 24]) == colors.class_color(k - 1)


def test_a_k_class_map_keeps_the_winners_hue_down_to_the_least_sure_level():
    """rgb = N + (f + (1 − f)·conf)·(colour − N) with a neutral N: every level of class c has
    class c's hue (within rounding), the least sure level keeps f = 40 % of the colour (not
    grey), and confidence only makes it paler."""
    k = 10
    lut = palettes.class_palette(k).astype(np.int64)
    neutral = np.array(palettes.NEUTRAL, dtype=np.int64)
    assert len(set(palettes.NEUTRAL)) == 1  # r = g = b: mixing with it keeps the hue
    for c in range(k):
        colour = np.array(colors.class_color(c), dtype=np.int64)
        ramp = lut[c * 25:(c + 1) * 25]
        share = palettes.CONFIDENCE_FLOOR + (1 - palettes.CONFIDENCE_FLOOR) * np.arange(25) / 24
        assert np.abs(ramp - (neutral + share[:, None] * (colour - neutral))).max() <= 0.5
        if np.ptp(colour) > 40:  # a colour with a hue (class 7 is tab10's grey)
            assert _hue_gap(_hue(ramp), _hue(colour[None])[0]).max() < 8, c
            assert np.ptp(ramp[0]) >= 0.35 * np.ptp(colour)  # the least sure still coloured
        # paler (nearer the neutral grey) as the confidence falls
        assert (np.diff(np.abs(ramp - neutral).sum(axis=1)) >= 0).all()
    # two classes at their least sure differ in hue, not only at full confidence
    assert _hue_gap(_hue(lut[0 * 25][None]), _hue(lut[2 * 25][None]))[0] > 60


def test_robust_scale_ignores_a_far_out_target_and_counts_it():
    rng = np.random.default_rng(1)
    y = rng.uniform(-1.0, 1.0, 300)
    scale, beyond = palettes.robust_scale(y)
    assert scale == np.abs(y).max() and beyond == 0  # ordinary data: its whole range
    scale, beyond = palettes.robust_scale(np.append(y, 1000.0))
    assert scale == np.abs(y).max() and beyond == 1
    scale, beyond = palettes.robust_scale(np.concatenate([y, [-500.0, 800.0, np.nan]]))
    assert scale == np.abs(y).max() and beyond == 2
    g = rng.normal(0.0, 2.0, 2000)  # a Gaussian's tails are not far out: nothing clamped
    assert palettes.robust_scale(g) == (np.abs(g).max(), 0)
    assert palettes.robust_scale(np.zeros(5)) == (1.0, 0)
    assert palettes.robust_scale(np.array([0.0, 0.0, 0.0, 5.0])) == (5.0, 0)
    assert palettes.robust_scale(np.array([])) == (1.0, 0)
    # four clicked points: with this little data nothing is an outlier
    assert palettes.robust_scale(np.array([1.0, 2.0, 3.0, 1000.0])) == (1000.0, 0)


def test_a_regression_view_with_a_far_out_target_keeps_its_colour_scale():
    session = Session(Config(dataset="reg-plane"))
    base = PlaneView(session, (-6.0, 6.0))
    assert base.clamped == 0
    y = np.asarray(session.dataset.y, dtype=np.float64).ravel()
    wide = session.dataset.replace(x=np.vstack([session.dataset.x, [[1.0, 1.0]]]),
                                   y=np.append(y, 1000.0))
    view = PlaneView(Session(session.config, dataset=wide), (-6.0, 6.0))
    assert view.scale == base.scale == np.abs(y).max() and view.clamped == 1


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
    out = session.net.forward(view.node_inputs).astype(np.float64)
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
