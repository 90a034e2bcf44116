"""The sweep's pictures, checked by their pixels: the colour at a cell's centre, a line's colour
at a data point's display position (the PNG is written at the figure's own resolution, so
``ax.transData`` gives the pixel)."""

from __future__ import annotations

import io
from typing import Any

import matplotlib
import numpy as np
import pytest
from PIL import Image

from depthlens.draw import colors
from depthlens.errors import DataError
from depthlens.sweep import figures
from depthlens.sweep.results import table
from tests.sweep.test_results import record

matplotlib.use("Agg")


def pixels(fig) -> np.ndarray:
    """The figure as the PNG ``save`` writes, read back: (H, W, 3) uint8."""
    with Image.open(io.BytesIO(figures.png(fig, close=False))) as im:
        return np.asarray(im.convert("RGB"))


def pixel_at(img: np.ndarray, ax, x: float, y: float) -> np.ndarray:
    """The pixel of data point (x, y) of ``ax`` (display y counts from the bottom)."""
    px, py = ax.transData.transform((x, y))
    return img[int(np.floor(img.shape[0] - py)), int(np.floor(px))].astype(int)


def close_to(rgb: np.ndarray, expected: Any, tol: int = 3) -> bool:
    return bool(np.all(np.abs(np.asarray(rgb, int) - np.asarray(expected, int)) <= tol))


def cmap_rgb(t: float) -> np.ndarray:
    return np.round(np.asarray(figures.CMAP(t)[:3]) * 255).astype(int)


def hex_rgb(h: str) -> tuple[int, int, int]:
    return int(h[1:3], 16), int(h[3:5], 16), int(h[5:7], 16)


def check_readable(fig, img: np.ndarray) -> None:
    """1200+ px wide, every piece of text at least 12 pt."""
    assert img.shape[1] >= 1200
    fig.canvas.draw()
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]
    assert texts
    small = [(t.get_text(), t.get_fontsize()) for t in texts if t.get_fontsize() < 12]
    assert not small, small


# -- heatmap ------------------------------------------------------------------------------------
def grid_df(best: tuple[str, str] = ("8,8", "adam")):
    """layers × optimizer, 3 seeds each: accuracy 0.6 + small spread, 0.95 in the ``best``
    cell, 0.5 in the (8, sgd) cell."""
    recs, i = [], 0
    for layers in ("8", "8,8", "8,8,8"):
        for opt in ("sgd", "adam"):
            base = 0.95 if (layers, opt) == best else 0.5 if (layers, opt) == ("8", "sgd") \
                else 0.7
            for s in range(3):
                recs.append(record(f"r{i}", {"layers": layers, "optimizer": opt, "seed": s},
                                   metric=base + 0.01 * (s - 1)))
                i += 1
    return table(recs)


def test_heatmap_highest_cell_has_the_top_colour_lowest_the_bottom():
    df = grid_df()
    fig = figures.heatmap(df, "layers", "optimizer")
    ax = fig.axes[0]
    img = pixels(fig)
    # columns: layers 8, 8,8, 8,8,8 (j); rows: optimizer sgd, adam (i); the text is at the
    # centre, so read the cell a little inside its corner
    top, bottom = cmap_rgb(1.0), cmap_rgb(0.0)
    assert close_to(pixel_at(img, ax, 1 - 0.4, 1 - 0.4), top)  # (8,8, adam)
    assert close_to(pixel_at(img, ax, 0 - 0.4, 0 - 0.4), bottom)  # (8, sgd)
    middle = pixel_at(img, ax, 2 - 0.4, 0 - 0.4)  # a 0.7 cell: neither end
    assert not close_to(middle, top, 20) and not close_to(middle, bottom, 20)
    check_readable(fig, img)


def test_heatmap_moves_with_the_best_cell():
    fig = figures.heatmap(grid_df(best=("8,8,8", "sgd")), "layers", "optimizer")
    ax, img = fig.axes[0], pixels(fig)
    assert close_to(pixel_at(img, ax, 2 - 0.4, 0 - 0.4), cmap_rgb(1.0))
    assert not close_to(pixel_at(img, ax, 1 - 0.4, 1 - 0.4), cmap_rgb(1.0), 20)


def test_heatmap_annotates_mean_interval_and_n():
    df = grid_df()
    fig = figures.heatmap(df, "layers", "optimizer")
    texts = [t.get_text() for t in fig.axes[0].texts]
    # 0.95 ± t(2)·0.01/√3 = 0.95 ± 0.0248
    assert "0.950 ± 0.025\nn = 3" in texts
    assert len(texts) == 6


def test_heatmap_says_when_a_cell_has_one_seed():
    recs = [record("a", {"layers": "8", "seed": 0}, metric=0.8),
            record("b", {"layers": "8,8", "seed": 0}, metric=0.9),
            record("c", {"layers": "8,8", "seed": 1}, metric=0.92)]
    fig = figures.heatmap(table(recs), "layers", None)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "0.800\nn = 1" in texts  # no ± for one seed
    assert any("n = 1 has no interval" in t.get_text() for t in fig.texts)


# -- curves -------------------------------------------------------------------------------------
def curve_records() -> list[dict[str, Any]]:
    """Two groups, two seeds each, ±0.1 around known means: A 2 − e/10, B 0.5 + e/20."""
    ep = list(range(1, 11))
    means = {"A": [2 - e / 10 for e in ep], "B": [0.5 + e / 20 for e in ep]}
    recs = []
    for g, m in means.items():
        for s, d in enumerate((0.1, -0.1)):
            curve = {"epoch": ep, "train_loss": m, "test_loss": [v + d for v in m],
                     "test_metric": [0.5] * 10}
            recs.append(record(f"{g}{s}", {"group": g, "seed": s}, curve=curve))
    return recs


def test_curves_draw_each_groups_mean_in_its_colour():
    fig = figures.curves(curve_records(), ["group"])
    ax = fig.axes[0]
    img = pixels(fig)
    orange, blue = hex_rgb(figures.group_color(0)), hex_rgb(figures.group_color(1))
    assert orange == colors.ORANGE and blue == colors.BLUE
    for e in (3, 6):
        assert close_to(pixel_at(img, ax, e, 2 - e / 10), orange, 6)
        assert close_to(pixel_at(img, ax, e, 0.5 + e / 20), blue, 6)
    # a seed's own curve lies inside the shaded band, not on the line
    seed = pixel_at(img, ax, 4.5, 2 - 0.45 + 0.1)
    assert not close_to(seed, orange, 20) and not close_to(seed, (255, 255, 255), 3)
    check_readable(fig, img)


def test_curves_grouped_by_a_table_column_in_panels_keep_their_colours():
    recs = curve_records()
    df = table(recs)
    df["speed"] = ["fast", "slow"] * 2  # a column of the table, not a grid axis
    g = figures.group_curves(recs, ["group", "speed"], table=df)
    assert list(g) == [("A", "fast"), ("A", "slow"), ("B", "fast"), ("B", "slow")]
    fig = figures.curves(recs, ["speed", "group"], table=df, panel="group")
    axes = [a for a in fig.axes if a.get_visible()]
    assert [a.get_title() for a in axes] == ["group = A", "group = B"]
    colours = [[line.get_color() for line in a.get_lines()] for a in axes]
    assert colours[0] == colours[1] == [figures.group_color(0), figures.group_color(1)]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["speed=fast", "speed=slow"]
    img = pixels(fig)
    # seed 0 of A is 'fast' (+0.1 over A's mean), seed 1 'slow' (−0.1): one run per line
    assert close_to(pixel_at(img, axes[0], 5, 2 - 0.5 + 0.1), colors.ORANGE, 6)
    assert close_to(pixel_at(img, axes[1], 5, 0.5 + 0.25 - 0.1), colors.BLUE, 6)
    check_readable(fig, img)


def test_curve_statistics_interval_over_seeds():
    g = figures.group_curves(curve_records(), ["group"])
    a = g[("A",)]
    np.testing.assert_allclose(a["mean"], [2 - e / 10 for e in range(1, 11)])
    # s = 0.1·√2, h = t(1)·s/√2 = 12.706·0.1
    np.testing.assert_allclose(a["ci95"], 1.2706205, rtol=1e-6)
    assert list(a["n"]) == [2] * 10


def test_curves_of_a_run_that_stopped_early_count_only_where_it_ran():
    recs = curve_records()[:2]
    short = recs[1]["curve"]
    for k in short:
        short[k] = short[k][:5]
    a = figures.group_curves(recs, ["group"])[("A",)]
    assert list(a["n"]) == [2] * 5 + [1] * 5
    assert np.isnan(a["ci95"][5:]).all()
    fig = figures.curves(recs, ["group"])
    assert any("no band" in t.get_text() for t in fig.texts)


# -- probes by depth ----------------------------------------------------------------------------
def probe_df():
    """Depth 1 (stages input, h1, output) and depth 2, two seeds each, ±0.02 around known
    means."""
    recs, i = [], 0
    means = {1: [0.5, 0.7, 0.75], 2: [0.5, 0.62, 0.9, 0.95]}
    for d, m in means.items():
        for s, dv in enumerate((0.02, -0.02)):
            recs.append(record(f"r{i}", {"layers": ",".join(["8"] * d), "seed": s},
                               probes=[v + dv for v in m]))
            i += 1
    recs.append(record("err", {"layers": "8", "seed": 5}, status="error", probes=[]))
    return table(recs), means


def test_probe_lines_depth_from_the_probe_count_with_intervals():
    df, means = probe_df()
    lines = figures.probe_lines(df)
    assert sorted(lines) == [1, 2]
    np.testing.assert_allclose(lines[2]["mean"], means[2])
    np.testing.assert_allclose(lines[1]["ci95"], 12.706205 * 0.02, rtol=1e-5)
    assert list(lines[1]["n"]) == [2, 2, 2]  # the errored run has no probes


def test_probes_by_depth_points_in_each_depths_colour():
    df, means = probe_df()
    fig = figures.probes_by_depth(df)
    ax = fig.axes[0]
    img = pixels(fig)
    shift = 0.025  # two lines: −0.025 and +0.025 apart so their bars do not overlap
    assert close_to(pixel_at(img, ax, 1 - shift, means[1][1]), colors.ORANGE, 6)
    assert close_to(pixel_at(img, ax, 2 + shift, means[2][2]), colors.BLUE, 6)
    assert close_to(pixel_at(img, ax, 1 + shift, means[2][1]), colors.BLUE, 6)
    check_readable(fig, img)


def test_probes_by_depth_one_panel_per_value():
    df, _ = probe_df()
    df["dataset"] = ["spiral", "rings"] * 2 + ["spiral"]
    fig = figures.probes_by_depth(df, panel="dataset")
    titles = [a.get_title() for a in fig.axes if a.get_visible()]
    assert titles == ["dataset = spiral", "dataset = rings"]


def test_save_writes_a_png_atomically(tmp_path):
    df, _ = probe_df()
    path = figures.save(figures.probes_by_depth(df), tmp_path / "p.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["p.png"]


@pytest.mark.parametrize("make", ["heatmap", "curves", "probes"])
def test_no_results_still_draw(make):
    df = table([])
    if make == "heatmap":
        with pytest.raises(DataError, match="'layers' is not a column"):  # no such axis
            figures.heatmap(df, "layers", None)
        return
    fig = figures.curves([], ["layers"]) if make == "curves" else figures.probes_by_depth(df)
    assert any("no " in t.get_text() for ax in fig.axes for t in ax.texts)
