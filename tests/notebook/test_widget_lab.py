"""``depthlens.Playground`` in JupyterLab and in Notebook 7 themselves: the server started on a
loopback port (with a token), a notebook opened in headless Chromium, its cells run.

In each: the widget is the served page (its own controls, network and lens, no Lab tab); its
output map shows the kernel Session's own network (the weights a cell set: the colour at
known points of the plane); a weight edited in the widget is the weight the kernel's Session
has; play trains, the epoch counts up, and the next cell sees the epochs the widget trained.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Locator, Page, expect, sync_playwright

from depthlens.draw.colors import BLUE, ORANGE
from depthlens.web.palettes import value_codes
from tests.web.pages import ARGS, CHROMIUM
from tests.web.support import free_port

TOKEN = "depthlens-test-token"
CELLS = ["import depthlens as dl\n"
         "s = dl.Session(dl.Config(dataset='xor', layers=(), epochs=0))\n"
         "s.net.weights[0][:] = [[6.0, 3.0]]\n"
         "s.net.biases[0][:] = [-6.0]\n"
         "w = dl.Playground(s)\n"
         "w",
         "print('weight', float(s.net.weights[0][0, 0]))",
         "print('epoch', s.epoch)",
         "dl.Playground(dl.Config(dataset='circle'))"]
"""The notebook: a Session whose score is tanh(6·x1 + 3·x2 − 6) (no hidden layer, the
playground's tanh head) in a widget; a cell reading the weight W0[0, 0]; one reading the epoch;
a second widget."""
SPOTS_OF = {(6.0, 3.0): [(4.0, -1.0, BLUE), (-3.0, 3.0, ORANGE), (2.0, 3.5, BLUE)],
            (-6.0, 3.0): [(4.0, -1.0, ORANGE), (-3.0, 3.0, BLUE), (2.0, 3.5, ORANGE)]}
"""For the score tanh(w·x − 6) of each w: points of the plane and Playground's colour there
(blue positive, orange negative; the score saturated). Editing W0[0, 0] to −6 flips them."""
FRONTENDS = {"jupyterlab": ("jupyterlab", "lab/tree/widget.ipynb"),
             "notebook7": ("notebook", "notebooks/widget.ipynb")}
"""Each front end: the module that starts its server, the notebook's path on it."""
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WIDGET = """() => [...document.querySelectorAll('*')]
    .find((e) => e.shadowRoot?.querySelector('.depthlens-page'))"""
"""The widget's element (its shadow root holds the page; ``el.depthlens`` is its Playground)."""


def notebook(folder: Path) -> None:
    cells = [{"cell_type": "code", "metadata": {}, "source": c, "outputs": [],
              "execution_count": None} for c in CELLS]
    (folder / "widget.ipynb").write_text(json.dumps({"cells": cells, "metadata": {
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")


@pytest.fixture(params=sorted(FRONTENDS))
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(front end, URL of the notebook) on a server of that front end serving ``tmp_path``."""
    name = request.param
    module, path = FRONTENDS[name]
    notebook(tmp_path)
    if name == "jupyterlab":  # no "news?" notification over the page (Notebook 7 asks none)
        settings = tmp_path / ".settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True)
        (settings / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")
    port = free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / ".config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / ".runtime"),
           "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / ".settings")}
    log = tmp_path / "server.log"
    process = subprocess.Popen(
        [sys.executable, "-m", module, "--no-browser", "--allow-root", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={TOKEN}",
         f"--ServerApp.root_dir={tmp_path}"],
        env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    base = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < end, f"{module} did not start"
            time.sleep(0.5)
    yield name, f"{base}/{path}?token={TOKEN}"
    process.terminate()
    process.wait(30)


def kernel_idle(page: Page) -> None:
    """Wait until the notebook's kernel is idle (a key pressed before it is ready is lost),
    asking the server (both front ends show it differently)."""
    base = page.url.split("/lab/")[0].split("/notebooks/")[0]
    end = time.monotonic() + 90
    while time.monotonic() < end:
        with urllib.request.urlopen(f"{base}/api/sessions?token={TOKEN}", timeout=5) as r:
            sessions = json.loads(r.read())
        if sessions and sessions[0]["kernel"]["execution_state"] == "idle":
            return
        time.sleep(0.3)
    pytest.fail("the notebook's kernel did not become idle")


def run_cell(page: Page, index: int) -> Locator:
    """Run cell ``index`` (click its prompt, then Shift+Enter) and return its output."""
    kernel_idle(page)
    cell = page.locator(".jp-Notebook .jp-Cell").nth(index)
    cell.locator(".jp-InputPrompt").click()
    page.keyboard.press("Shift+Enter")
    expect(cell.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[(\*|\d+)\]"),
                                                          timeout=30_000)
    return cell.locator(".jp-OutputArea-output")


def printed(output: Locator, word: str) -> float:
    """The number a cell printed after ``word``."""
    expect(output).to_have_text(re.compile(rf"{word} -?[\d.]+"), timeout=60_000)
    return float(output.inner_text().split()[1])


def epoch_of(text: str) -> int:
    """The page's epoch counter (000,123) as a number."""
    return int(text.replace(",", ""))


def assert_map(page: Page, w: tuple[float, float], b: float) -> None:
    """The widget's output map (#heatmap's backing store) is, at points of the plane far from
    its line, the colour of the score of w·x + b at that pixel's cell centre on the
    state's palette (x1 to the right, x2 up): the Python side's map of the kernel's network.
    The pointer is moved off the widget first (a hovered node shows its own map there)."""
    page.mouse.move(2, 2)
    page.wait_for_function(f"() => ({WIDGET})().depthlens.hovered === null")
    page.wait_for_timeout(100)
    image, state = page.evaluate(f"""() => {{
        const host = ({WIDGET})();
        const c = host.shadowRoot.getElementById('heatmap');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return [[c.width, c.height, Array.from(d)], host.depthlens.state];
    }}""")
    width, height, data = image
    pixels = np.asarray(data, np.int32).reshape(height, width, 4)
    palette = np.asarray(state["palettes"]["output"], np.int32).reshape(256, 3)
    lo, hi = state["grid"]["extent"]
    centres = lo + (hi - lo) / width * (np.arange(width) + 0.5)
    x1, x2 = np.meshgrid(centres, centres[::-1])  # row 0 at the top: the largest x2
    z = w[0] * x1 + w[1] * x2 + b
    head = state["network"]["output"]  # the map shows tanh(z), or 2·σ(z) − 1 = tanh(z / 2)
    assert head in ("tanh", "sigmoid"), head
    score = np.tanh(z if head == "tanh" else z / 2)
    far = np.abs(score) > 0.9  # no float32 rounding to a neighbouring shade
    assert far.sum() > width * height / 4 and (score[far] > 0).any() and (score[far] < 0).any()
    code = value_codes(score).astype(np.int64)
    # a cell at a shade's edge may round to its neighbour (float32 in the kernel)
    error = np.min([np.abs(pixels[..., :3] - palette[np.clip(code + d, 0, 30)]).max(axis=-1)
                    for d in (-1, 0, 1)], axis=0)
    expected = palette[code]
    bad = np.argwhere(far & (error > 2))
    assert not len(bad), (f"{len(bad)} pixels off, e.g. at {bad[:3].tolist()}: "
                          f"{pixels[tuple(bad[0])][:3]} for {expected[tuple(bad[0])]}, w={w}")
    for a, b_, colour in SPOTS_OF[w]:  # and Playground's own colours where it is saturated
        row, col = int((hi - b_) / (hi - lo) * height), int((a - lo) / (hi - lo) * width)
        assert np.abs(pixels[row, col, :3] - colour).max() <= 20, ((a, b_), colour)


def edit_first_weight(page: Page, value: str) -> None:
    """Click the edge X1 → output in the widget's diagram and type ``value`` for it."""
    x, y = page.evaluate(f"""() => {{
        const path = ({WIDGET})().shadowRoot.querySelector('#edges path.edge-hit');
        const p = path.getPointAtLength(path.getTotalLength() / 2);
        const box = path.ownerSVGElement.getBoundingClientRect();
        return [box.left + p.x, box.top + p.y];
    }}""")
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    box = page.locator(".depthlens-page #hovercard-input")
    box.fill("")
    box.press_sequentially(value)  # typed, key by key: the notebook's shortcuts must not fire
    box.press("Enter")


def test_widget_is_the_page_and_trains_the_kernels_session(server: tuple[str, str]) -> None:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing", pytrace=False)
    name, url = server
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.on("pageerror", lambda e: errors.append(f"{e}\n{e.stack}"))
        page.goto(url)
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=90_000)
        run_cell(page, 0)
        # the served page's own controls, in the widget's shadow root (locators pierce it)
        widget = page.locator(".depthlens-page").first
        epoch = widget.locator("#epoch")
        expect(epoch).to_have_text("000,000", timeout=90_000)
        expect(widget.locator("#network .node.output")).to_have_count(1, timeout=30_000)
        expect(widget.locator("#tabs")).to_be_hidden()  # no Lab tab in a notebook
        page.wait_for_function(f"() => ({WIDGET})().depthlens.drawn > 0")
        assert page.evaluate(f"() => ({WIDGET})().depthlens.state.network.sizes") == [2, 1]
        assert_map(page, (6.0, 3.0), -6.0)  # the kernel's weights, drawn
        widget.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"widget-{name}-1280x800.png"))
        # a weight edited in the widget is the kernel Session's
        edit_first_weight(page, "-6")
        page.wait_for_function(
            f"() => ({WIDGET})().depthlens.frame?.arrays.W0.data[0] === -6")
        page.wait_for_timeout(100)  # drawn on the next animation frame
        assert_map(page, (-6.0, 3.0), -6.0)
        # typing in the widget left the notebook alone ("6" in command mode: a heading cell)
        expect(page.locator(".jp-Notebook .jp-Cell.jp-MarkdownCell")).to_have_count(0)
        expect(page.locator(".jp-Notebook .jp-Cell")).to_have_count(len(CELLS))
        assert printed(run_cell(page, 1), "weight") == -6.0
        # play trains the kernel's Session: the epoch counts up, the next cell sees it
        play = widget.locator("#play")
        play.click()
        expect(widget).to_have_class(re.compile(r"\bplaying\b"), timeout=30_000)
        expect(epoch).not_to_have_text("000,000", timeout=30_000)
        first = epoch_of(epoch.inner_text())
        expect(epoch).not_to_have_text(epoch.inner_text(), timeout=30_000)  # still counting
        play.click()
        expect(widget).not_to_have_class(re.compile(r"\bplaying\b"), timeout=30_000)
        page.wait_for_timeout(300)
        shown = epoch_of(epoch.inner_text())
        assert shown > first
        assert printed(run_cell(page, 2), "epoch") >= shown
        # a second widget is a page of its own: its own ids, Session and counter
        run_cell(page, 3)
        pages = page.locator(".depthlens-page")
        expect(pages).to_have_count(2, timeout=60_000)
        second = pages.nth(1)
        expect(second.locator("#epoch")).to_have_text("000,000", timeout=60_000)
        expect(second.locator(".dataset.selected")).to_have_attribute("aria-label", "Circle")
        second.locator("#step").click()
        expect(second.locator("#epoch")).to_have_text("000,001", timeout=30_000)
        assert epoch_of(epoch.inner_text()) == shown  # the first one is left as it was
        assert page.evaluate(f"() => ({WIDGET})().depthlens.state.config.dataset") == "xor"
        browser.close()
    # the widget's page threw nothing: its modules are Blob URLs (Notebook 7.6 itself throws
    # a TypeError reading a settings schema, from its own bundle, with or without the widget)
    assert [e for e in errors if "blob:" in e] == []
