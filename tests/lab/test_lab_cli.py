"""`depthlens lab …` in-process: files, the report, errors."""

from __future__ import annotations

import re

import pytest

from depthlens.cli import main

from .support import assert_not_blank, gif_frames, png_file


def _report_ok(folder, n_png, n_gif=0):
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert html.count('<img src="data:image/png;base64,') == n_png
    assert html.count('<img src="data:image/gif;base64,') == n_gif
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, flags=re.I)
    assert "<script" not in html and "<link" not in html
    return html


def test_lab_optimizers(tmp_path, capsys):
    out = tmp_path / "opt"
    assert main(["lab", "optimizers", "--out", str(out), "--surfaces", "double_well,saddle",
                 "--steps", "60", "--frames", "5", "--dpi", "40", "--noise", "0.1",
                 "--lr", "adam=0.05", "--quiet"]) == 0
    for s in ("double_well", "saddle"):
        assert_not_blank(png_file(out / f"race_{s}.png"), min_colours=100)
        assert len(gif_frames(out / f"race_{s}.gif")) == 5
        csv = (out / f"race_{s}.csv").read_text()
        assert csv.count("\n") == 8 and "adam,0.05," in csv
    html = _report_ok(out, 2, 2)
    assert "Double well" in html and "minimum reached" in html
    assert "report.html" in capsys.readouterr().out


def test_lab_network(tmp_path):
    out = tmp_path / "net"
    assert main(["lab", "network", "--out", str(out), "--n-samples", "80", "--epochs", "3",
                 "--optimizers", "adam,momentum,full-batch", "--resolution", "9",
                 "--dpi", "40", "--quiet"]) == 0
    for name in ("network_curves", "network_paths", "network_landscape", "network_line"):
        assert_not_blank(png_file(out / f"{name}.png"), min_colours=60)
    lines = (out / "network_race.csv").read_text().strip().splitlines()
    assert len(lines) == 4 and all(",120," in line for line in lines[1:])  # 3 × 40 samples
    _report_ok(out, 4)


def test_lab_init(tmp_path):
    out = tmp_path / "init"
    assert main(["lab", "init", "--out", str(out), "--activations", "relu", "--init", "zeros",
                 "--init", "gaussian:std=0.01", "--depth", "3", "--width", "6", "--epochs",
                 "2", "--dpi", "40", "--quiet"]) == 0
    for name in ("init_stats", "init_training", "init_hist_relu", "init_symmetry_relu",
                 "strip_relu_zeros", "strip_relu_gaussian_std_0_01"):
        assert_not_blank(png_file(out / f"{name}.png"), min_colours=30)
    html = _report_ok(out, 6)
    assert "gaussian(std=0.01)" in html


def test_lab_preprocess(tmp_path):
    out = tmp_path / "prep"
    assert main(["lab", "preprocess", "--out", str(out), "--epochs", "5", "--dpi", "40",
                 "--quiet"]) == 0
    for name in ("preprocess_data", "preprocess_curves"):
        assert_not_blank(png_file(out / f"{name}.png"), min_colours=60)
    assert (out / "preprocess_lab.csv").read_text().count("\n") == 6
    assert "κ(Σ)" in _report_ok(out, 2)


@pytest.mark.parametrize("argv, field", [
    (["lab", "optimizers", "--surfaces", "moon"], "surface"),
    (["lab", "optimizers", "--lr", "adam"], "--lr"),
    (["lab", "optimizers", "--start", "1"], "--start"),
    (["lab", "network", "--optimizers", "lbfgs"], "optimizers"),
    (["lab", "init", "--init", "warm"], "init"),
])
def test_lab_errors_name_the_field(tmp_path, capsys, argv, field):
    assert main([*argv, "--out", str(tmp_path / "x"), "--quiet"]) == 2
    assert field in capsys.readouterr().err
