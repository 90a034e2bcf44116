"""``depthlens.Playground`` in JupyterLab itself: a lab server on a loopback port (with a
token), a notebook opened in headless Chromium, its cell run, play pressed, the epoch counting
up in the widget, and the notebook's Session trained by it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.web.pages import ARGS, CHROMIUM
from tests.web.support import free_port

TOKEN = "depthlens-test-token"
CELLS = ["import depthlens as dl\n"
         "s = dl.Session(dl.Config(dataset='xor', epochs=0))\n"
         "w = dl.Playground(s)\n"
         "w",
         "print('epoch', s.epoch)"]


def notebook(folder: Path) -> Path:
    cells = [{"cell_type": "code", "metadata": {}, "source": c, "outputs": [],
              "execution_count": None} for c in CELLS]
    path = folder / "widget.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    return path


@pytest.fixture
def lab(tmp_path: Path):
    """(base URL) of a JupyterLab serving ``tmp_path`` on a loopback port."""
    notebook(tmp_path)
    port = free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / ".config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / ".runtime")}
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
         f"--port={port}",
         f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={tmp_path}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "lab.log").open("w"))
    base = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            assert process.poll() is None, (tmp_path / "lab.log").read_text()
            assert time.monotonic() < end, "JupyterLab did not start"
            time.sleep(0.5)
    yield base
    process.terminate()
    process.wait(30)


def run_cell(page: Page, index: int) -> None:
    """Run the notebook's cell ``index`` from the toolbar once its kernel is idle (a key
    pressed before the notebook is ready is lost)."""
    expect(page.locator(".jp-StatusBar-TextItem", has_text="| Idle")).to_have_count(
        1, timeout=90_000)
    page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-InputPrompt").click()
    page.locator("jp-button[data-command='notebook:run-cell-and-select-next']").click()
    expect(page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-InputPrompt")
           ).to_have_text(re.compile(r"\[(\*|\d+)\]"), timeout=30_000)


def test_widget_plays_in_jupyterlab(lab: str) -> None:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing", pytrace=False)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{lab}/lab/tree/widget.ipynb?token={TOKEN}")
        cell = page.locator(".jp-Notebook .jp-Cell").first
        cell.wait_for(timeout=90_000)
        run_cell(page, 0)
        epoch = page.locator(".depthlens-widget .depthlens-epoch")
        expect(epoch).to_have_text("0", timeout=90_000)
        play = page.locator(".depthlens-widget .depthlens-play")
        play.click()
        expect(play).to_have_text("Pause", timeout=30_000)
        expect(epoch).not_to_have_text("0", timeout=30_000)
        first = int(epoch.inner_text())
        expect(epoch).not_to_have_text(str(first), timeout=30_000)  # still counting
        page.screenshot(path="/tmp/team/widget/lab-1280x800.png")
        play.click()
        expect(play).to_have_text("Run", timeout=30_000)
        shown = int(epoch.inner_text())
        assert shown > first
        # the notebook's Session is the one the widget trained
        run_cell(page, 1)
        out = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-OutputArea-output")
        expect(out).to_have_text(re.compile(r"epoch \d+"), timeout=60_000)
        assert int(out.inner_text().split()[1]) >= shown
        # the map was drawn: the heatmap canvas holds coloured pixels
        painted = page.evaluate("""() => {
            const c = document.querySelector('.depthlens-widget canvas.heatmap');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let k = 3; k < d.length; k += 4) if (d[k] > 0) n++;
            return n; }""")
        assert painted > 0
        browser.close()
    assert errors == []
