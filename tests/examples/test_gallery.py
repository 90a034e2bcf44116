"""Every gallery example, run small, checked by its numbers, its pictures and its page."""

from __future__ import annotations

import numpy as np
import pytest

from depthlens.examples import molecules, odd_even, run_example
from tests.examples.support import check_page, check_pictures


def test_molecules_weight_rows_are_the_recipes_and_outputs_exact_counts():
    r = run_example("molecules", quick=True)
    w = r.objects["net"].weights[0]
    np.testing.assert_allclose(w, molecules.RECIPES, atol=1e-6)  # CO2 = (1, 2), O3, CO
    assert np.array_equal(np.round(w), molecules.RECIPES)
    assert r.numbers["weights_round_to_recipes"] is True
    assert r.numbers["max_bias"] < 1e-6
    out = r.objects["outputs"]
    expected = {"atoms counted once each": (3, 3, 2), "carbon only": (1, 0, 1),
                "oxygen only": (2, 3, 1), "protons (6, 8)": (22, 24, 14)}
    for name, counts in expected.items():
        np.testing.assert_allclose(out[name], counts, atol=1e-5)
        assert np.array_equal(np.round(out[name]), counts)
    np.testing.assert_allclose(out["masses"], (44.009, 47.997, 28.010), atol=1e-4)
    assert r.numbers["atoms for 2 CO2 + 1 O3 + 3 CO"] == "C 5.0000, O 10.0000"
    check_pictures(r)
    check_page(r)


def test_thresholds_two_cut_points_classify_every_point():
    r = run_example("thresholds", quick=True)
    n = r.numbers
    assert n["train_accuracy"] == 1.0 and n["test_accuracy"] == 1.0
    assert n["cut_low"] == pytest.approx(-0.5, abs=0.1)
    assert n["cut_high"] == pytest.approx(0.5, abs=0.1)
    assert n["probe_a1"] == 1.0
    check_pictures(r, ("", "strip"))
    check_page(r)


def test_odd_even_needs_the_mod_2_feature():
    r = run_example("odd-even", quick=True)
    n = r.numbers
    assert n["probe_x"] <= 0.6 and n["probe_x_train"] <= 0.6
    assert n["probe_x_mod2"] == 1.0 and n["probe_x_mod2_train"] == 1.0
    assert n["net_unseen_accuracy"] <= 0.6  # what a network learns does not extrapolate
    np.testing.assert_array_equal(odd_even.mod2(np.array([-3, -2, 0, 5])).ravel(), [1, 0, 0, 1])
    check_pictures(r)
    check_page(r)


def test_quadrants_are_linearly_separable():
    r = run_example("quadrants", quick=True)
    n = r.numbers
    assert n["probe_input"] >= 0.97
    assert n["test_accuracy"] >= 0.97
    s = r.objects["session"]
    assert s.net.sizes == (2, 4) and s.n_classes == 4
    check_pictures(r)
    check_page(r)


def test_two_curves_separated_by_a_plane_after_the_lift():
    r = run_example("two-curves", quick=True)
    n = r.numbers
    assert n["probe_input"] < 0.85
    assert n["probe_a1"] >= 0.97
    assert r.objects["session"].net.sizes == (2, 3, 1)
    check_pictures(r)
    check_page(r)


# depth-vs-width is a sweep now: tests/examples/test_depth_vs_width.py


def test_topology_two_units_fail_three_succeed():
    r = run_example("topology", quick=True)
    n = r.numbers
    assert n["test_accuracy_2_units"] <= 0.95
    assert n["probe_last_hidden_2_units"] <= 0.95
    assert n["test_accuracy_3_units"] >= 0.98
    assert n["probe_last_hidden_3_units"] >= 0.98
    check_pictures(r, ("", "2-units", "3-units"))
    check_page(r)


def test_digits_probe_rises_and_test_accuracy():
    r = run_example("digits", quick=True)  # scikit-learn is in the test extra
    n = r.numbers
    assert n["test_accuracy"] >= 0.9
    # in each stage's 2-D PCA view the classes separate more and more
    assert n["probe_pca2_input"] < n["probe_pca2_a1"] < n["probe_pca2_a2"]
    assert n["probe_pca2_a2"] - n["probe_pca2_input"] >= 0.1
    # with all units: from the (already nearly separable) pixels to the last hidden layer
    assert n["probe_a2"] >= n["probe_input"] - 0.01
    assert r.objects["net"].sizes == (64, 32, 16, 10)
    check_pictures(r, ("", "weights"))
    check_page(r)


def test_digits_without_scikit_learn_names_the_install(monkeypatch):
    import builtins

    from depthlens.errors import DataError
    from depthlens.examples import digits

    real = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(DataError, match="pip install scikit-learn"):
        digits.load_digits_dataset()


def test_local_minima_network_race_without_the_lab():
    r = run_example("local-minima", quick=True, no_lab=True)
    n = r.numbers
    assert n["double_well_from_lab"] is False
    per, slow = n["per_sample_SGD_lr_0.03_mean_accuracy"], n["full_batch_lr_0.03_mean_accuracy"]
    assert per >= 0.95 and per > slow + 0.1  # same gradient evaluations, far ahead
    assert n["per_sample_SGD_lr_0.03_solved"] == n["starts"] == 4
    check_pictures(r)
    check_page(r)


def test_local_minima_double_well_from_the_lab():
    r = run_example("local-minima", quick=True, starts=2, epochs=20)
    n = r.numbers
    assert n["double_well_from_lab"] is True
    assert n["well_sgd_minimum"] == "local"
    assert n["well_momentum_minimum"] == "global"
    check_pictures(r, ("", "network"))
    check_page(r)
