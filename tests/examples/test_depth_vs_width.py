"""``depth-vs-width`` as a sweep: equal parameter budgets, and the claim its page makes."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from depthlens.errors import ConfigError
from depthlens.examples import commands, run_example
from depthlens.examples.depth_vs_width import conclusions, findings, n_params, widths_for_budget
from tests.examples.support import check_page, check_pictures


@pytest.mark.parametrize("n_out", [1, 3])
@pytest.mark.parametrize("budget", [60, 300, 1000])
def test_widths_for_budget_is_the_closest_equal_width(budget, n_out):
    for depth in range(1, 7):
        layers = widths_for_budget(depth, budget, 2, n_out)
        assert len(layers) == depth and len(set(layers)) == 1
        w = layers[0]
        got = abs(n_params(layers, 2, n_out) - budget)
        for other in (w - 1, w + 1):
            if other >= 1:
                assert got <= abs(n_params((other,) * depth, 2, n_out) - budget)


def test_widths_at_300_parameters():
    assert [widths_for_budget(d, 300) for d in (1, 2, 3, 4, 5, 6)] == [
        (75,), (15, 15), (11, 11, 11), (9,) * 4, (8,) * 5, (7,) * 6]
    assert [n_params(widths_for_budget(d, 300)) for d in range(1, 7)] == [
        301, 301, 309, 307, 321, 309]
    assert n_params((75,)) == 2 * 75 + 75 + 75 + 1


def test_widths_for_budget_refuses_bad_values_naming_them():
    with pytest.raises(ConfigError, match="depth: 0 is not allowed"):
        widths_for_budget(0, 300)
    with pytest.raises(ConfigError, match="budget: 5 is not allowed; expected at least 9"):
        widths_for_budget(3, 5)


def summary_of(rows: list[tuple[str, int, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"dataset": ds, "depth": d, "mean": m, "ci95": h, "std": s}
                         for ds, d, m, h, s in rows])


PLAN = {ds: {d: widths_for_budget(d, 300) for d in range(1, 7)}
        for ds in ("spiral", "rings")}


def test_the_words_follow_the_numbers():
    summary = summary_of([
        ("spiral", 1, 0.75, 0.02, 0.03), ("spiral", 3, 0.95, 0.01, 0.015),
        ("spiral", 6, 0.80, 0.02, 0.03),
        ("rings", 1, 0.97, 0.01, 0.01), ("rings", 3, 0.975, 0.01, 0.01),
        ("rings", 6, 0.97, 0.01, 0.01)])
    found = findings(summary, ["spiral", "rings"])
    assert found["spiral"]["best"] == 3 and found["spiral"]["deep_clear"]
    assert found["spiral"]["worse"] == [1, 6]
    assert not found["rings"]["clear"]  # 0.975 ± 0.01 against 0.97 ± 0.01: overlap
    text = conclusions(found, PLAN)
    assert "**spiral**: the best depth is 3 (3 × 11 units, 0.950 ± 0.010)" in text
    assert "so depth helps here" in text
    assert "no clear gain from depth" in text  # rings
    tail = text.split("**Where depth does not help**:")[1]
    assert "on rings depth 3 is not clearly better than one layer (0.975 ± 0.010 against " \
           "0.970 ± 0.010)" in tail
    assert "on spiral depth 6 (7 units a layer) is clearly worse than depth 3" in tail


def test_the_words_when_depth_helps_everywhere():
    summary = summary_of([("spiral", 1, 0.7, 0.01, 0.01), ("spiral", 2, 0.9, 0.01, 0.01),
                          ("spiral", 3, 0.91, 0.01, 0.01)])
    text = conclusions(findings(summary, ["spiral"]), PLAN)
    assert "nowhere in this sweep is the best depth 1" in text


def test_the_flags_reach_the_example():
    import argparse

    parser = argparse.ArgumentParser()
    commands.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["example", "depth-vs-width", "--depths", "1,3", "--seeds", "4",
                              "--datasets", "spiral,rings", "--param-budget", "200",
                              "--workers", "1"])
    assert commands.options_of(args) == {"depths": "1,3", "seeds": 4,
                                         "datasets": "spiral,rings", "param_budget": 200,
                                         "workers": 1}


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("depth-sweep")
    return run_example("depth-vs-width", quick=True, sweep_out=out), out


def test_quick_sweep_best_deep_net_beats_one_layer_by_more_than_the_seeds_spread(quick):
    """The claim, at ~300 parameters and 300 epochs of Adam (the quick version's budget; the
    full study's 1000 epochs let one wide layer catch up on the spiral, and its page says
    so)."""
    r, _ = quick
    n = r.numbers
    assert n["runs"] == 4 * 5 and n["failed"] == 0
    s = r.objects["summary"].set_index("depth")
    assert list(s.index) == [1, 2, 3, 4] and (s["n"] == 5).all()
    # every net within ~7% of the budget
    for p in n["spiral_n_params"].split(", "):
        assert abs(int(p) - 300) <= 21
    deep = s[s.index >= 3]
    best = int(deep["mean"].idxmax())
    assert n["spiral_best_deep_depth"] == best
    gap = deep.loc[best, "mean"] - s.loc[1, "mean"]
    spread = max(deep.loc[best, "std"], s.loc[1, "std"])
    assert gap > spread  # the claim: more than the seeds' spread …
    assert deep.loc[best, "ci95_low"] > s.loc[1, "ci95_high"]  # … and the intervals apart
    assert n["spiral_depth_helps"] is True
    assert n["spiral_gain_best_deep_over_depth1"] == pytest.approx(gap, abs=1e-4)
    for d in (1, 2, 3, 4):
        assert n[f"spiral_depth{d}_mean"] == pytest.approx(s.loc[d, "mean"], abs=1e-4)
        assert not math.isnan(n[f"spiral_depth{d}_ci95"])


def test_quick_sweep_page_pictures_and_files(quick):
    r, out = quick
    check_pictures(r, ("", "probes", "curves"))
    check_page(r)
    assert "**spiral**: the best depth is" in r.text
    assert "**Where depth does not help**" in r.text
    assert f"**Earlier in training** (epoch {r.numbers['early_epoch']} of 300" in r.text
    assert f"the best depth is {r.numbers['spiral_best_depth']} " in r.text
    for name in ("results.csv", "results.parquet", "report.html", "heatmap.png",
                 "curves.png", "probes.png"):
        assert (out / name).is_file(), name
    assert len(pd.read_csv(out / "results.csv")) == 20
    assert len(list((out / "runs").glob("*.json"))) == 20
