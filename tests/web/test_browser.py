"""The page in a real browser: Debian's headless Chromium driven by Playwright.

The fixtures (``conftest.py``) serve the page from this process, so a test can read the
server's own state (``app.state.sessions``) as well as the page's. A whole-page screenshot is
kept in ``test-artifacts/playground.png``.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.web.protocol import config_of_link
from tests.web.pages import (
    ARTIFACTS,
    PLAYGROUND,
    counts,
    load,
    page_state,
    point_on,
    step_until_the_lens_is_drawn,
    wait_config,
    wait_drawn,
)


def test_page_loads_with_no_console_errors(page, server):
    load(page, server)
    assert page.title() == "depthlens playground"
    assert page.inner_text("#epoch") == "000,000"
    assert page.locator(".dataset").count() >= 6
    assert page.locator("#connection.ok").count() == 1
    nodes, edges = counts(page)
    assert (nodes, edges) == (9 + 4 + 2 + 1, 2 * 4 + 4 * 2 + 2 * 1)
    assert page.evaluate("() => location.hash").startswith("#dataset=circle")
    # everything fits the 1280-px window: no sideways scrolling
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    assert page.problems == []


def test_play_brings_the_test_loss_on_circle_below_0_1(page, server):
    # Playground's own head, its default network and lr 0.03; no stop at the Config's epochs
    load(page, server, PLAYGROUND + "&epochs=0")
    page.click("#play")
    page.wait_for_function(
        "() => Number(document.getElementById('test-loss').dataset.value) < 0.1",
        timeout=30_000)
    page.click("#play")
    page.wait_for_function("() => !window.depthlens.state.playing", timeout=5_000)
    epoch = int(page.inner_text("#epoch").replace(",", ""))
    assert epoch > 20
    assert page.evaluate("() => window.depthlens.chart.epochs.length") > 20


def test_dataset_features_and_layers_redraw_the_network(page, server):
    load(page, server)
    page.click("#add-layer")
    wait_config(page, "c.layers.length === 3")
    page.wait_for_function("() => document.querySelectorAll('#edges path.edge').length === 22")
    assert counts(page) == (9 + 4 + 2 + 2 + 1, 8 + 8 + 4 + 2)
    page.locator(".node-label", has_text="X\u2081\u00b2").click()
    wait_config(page, "c.features.length === 3")
    page.wait_for_function("() => document.querySelectorAll('#edges path.edge').length === 26")
    page.locator(".layer-head").first.locator("button", has_text="+").click()
    wait_config(page, "c.layers[0] === 5")
    assert counts(page) == (9 + 5 + 2 + 2 + 1, 3 * 5 + 5 * 2 + 4 + 2)
    page.click("#remove-layer")
    wait_config(page, "c.layers.length === 2")
    page.locator(".dataset[data-name='xor']").click()
    wait_config(page, "c.dataset === 'xor'")
    assert page.locator(".dataset.selected").get_attribute("data-name") == "xor"
    assert counts(page) == (9 + 5 + 2 + 1, 3 * 5 + 5 * 2 + 2)
    page.select_option("#problem", "regression")
    wait_config(page, "c.dataset === 'reg-plane'")
    assert page_state(page)["network"]["problem"] == "regression"
    page.locator("#network .node.hidden").first.hover()
    assert page.inner_text("#heatmap-label").startswith("layer 1")


def test_url_gives_the_same_config_and_the_same_loss_after_k_steps(page, server):
    query = ("dataset=xor&noise=0.15&train_ratio=0.6&features=x1,x2,x1*x2&layers=5,3"
             "&activation=relu&loss=half_mse&output=tanh&lr=0.1&batch_size=7&seed=42")
    load(page, server, query)
    state = page_state(page)
    config = config_of_link(query)[0]  # the page's reading: the link names no epochs
    assert config == Config.from_query(query).replace(epochs=0)
    assert Config.from_query(state["query"]) == config
    assert Config.from_dict(state["config"]) == config
    k = 5
    session = Session(config)
    session.run(k)
    for run in range(2):  # the link's run, then Reset: the same numbers again
        for epoch in range(1, k + 1):
            page.click("#step")
            wait_drawn(page, epoch)
        assert page.inner_text("#epoch") == f"000,00{k}"
        shown = float(page.get_attribute("#test-loss", "data-value"))
        assert shown == session.history.test_loss[-1], run
        assert float(page.get_attribute("#train-loss", "data-value")) == \
            session.history.train_loss[-1]
        page.click("#reset")
        wait_drawn(page, 0)


def test_clicking_an_edge_and_a_bias_edits_them_on_the_server(page, server):
    _, app = server
    load(page, server, PLAYGROUND)
    x, y = point_on(page, "#edges path.edge-hit", 0)  # X1 → neuron 1 of layer 1: W0[0, 0]
    page.mouse.move(x, y)
    assert page.inner_text("#hovercard-text").startswith("Weight is")
    page.mouse.click(x, y)
    page.fill("#hovercard-input", "1.5")
    page.press("#hovercard-input", "Enter")
    page.wait_for_function("() => window.depthlens.frame?.arrays.W0.data[0] === 1.5")
    live = [s for s in app.state.sessions if s.session is not None]
    assert any(s.session.net.weights[0][0, 0] == 1.5 for s in live)
    page.locator("#network .node.output .bias").click()
    page.fill("#hovercard-input", "-0.5")
    page.press("#hovercard-input", "Enter")
    page.wait_for_function("() => window.depthlens.frame?.arrays.b2.data[0] === -0.5")
    assert any(s.session.net.biases[2][0] == -0.5 for s in live)


def test_screenshot_of_the_whole_page(page, server):
    load(page, server, PLAYGROUND + "&noise=0.1&layers=6,4,2&seed=4")
    page.check("#show-test")
    page.select_option("#speed", "5")
    page.click("#play")
    page.wait_for_function("() => window.depthlens.frame?.header.epoch >= 150", timeout=30_000)
    page.click("#play")
    page.wait_for_function("() => !window.depthlens.state.playing")
    page.locator("#network .node.hidden").nth(2).hover()
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "playground.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 50_000


def test_divergence_shows_a_banner_and_reset_recovers(page, server):
    load(page, server, "dataset=reg-plane&activation=linear&lr=10")
    page.click("#play")
    page.wait_for_selector("#banner:not([hidden])", timeout=10_000)
    assert "diverged at epoch 1" in page.inner_text("#banner-text")
    assert "learning rate" in page.inner_text("#banner-text")
    assert not page_state(page)["playing"]
    page.click("#banner-reset")
    page.wait_for_selector("#banner", state="hidden")
    page.wait_for_function("() => window.depthlens.frame?.header.epoch === 0")
    page.select_option("#lr", "0.01")
    wait_config(page, "c.lr === 0.01")
    page.click("#step")
    wait_drawn(page, 1)
    assert float(page.get_attribute("#train-loss", "data-value")) < 1


def test_closing_the_tab_frees_its_session(browser, server):
    _, app = server
    before = set(app.state.sessions)
    tab = browser.new_page()
    load(tab, server)
    tab.click("#play")
    tab.wait_for_function("() => window.depthlens.frame?.header.epoch > 3")
    (live,) = set(app.state.sessions) - before
    tab.close()
    deadline = time.monotonic() + 5
    while live in app.state.sessions and time.monotonic() < deadline:
        time.sleep(0.02)
    assert live not in app.state.sessions and live.session is None


def test_learning_rate_changes_live_and_keeps_the_picture(page, server):
    load(page, server, PLAYGROUND)
    page.click("#step")
    wait_drawn(page, 1)
    page.select_option("#lr", "0.3")
    wait_config(page, "c.lr === 0.3")
    state = page_state(page)
    assert state["epoch"] == 1 and not state["fresh"]
    assert "lr=0.3" in page.evaluate("() => location.hash")
    alpha = page.evaluate("() => document.getElementById('heatmap').getContext('2d')"
                          ".getImageData(50, 50, 1, 1).data[3]")
    assert alpha > 0  # the output map is still drawn
    page.click("#step")
    wait_drawn(page, 2)
    session = Session(Config.from_query(PLAYGROUND))
    session.run(1)
    session.trainer.optimizer.hyper["lr"] = 0.3
    session.run(1)
    assert float(page.get_attribute("#train-loss", "data-value")) == session.history.train_loss[-1]


def test_optimizer_init_head_and_stop_pickers_drive_the_config_and_the_url(page, server):
    load(page, server, PLAYGROUND)
    page.select_option("#optimizer", "adam")
    wait_config(page, "c.optimizer === 'adam'")
    assert page.input_value("#optimizer-betas-0") == "0.9"
    assert page.input_value("#optimizer-eps") == "1e-8"
    page.fill("#optimizer-betas-1", "0.99")
    page.press("#optimizer-betas-1", "Enter")
    wait_config(page, "c.optimizer_params.betas?.[1] === 0.99")
    page.select_option("#init", "gaussian")
    wait_config(page, "c.init === 'gaussian'")
    page.fill("#init-std", "0.5")
    page.press("#init-std", "Enter")
    wait_config(page, "c.init_params.std === 0.5")
    page.select_option("#head", "bce|sigmoid")
    wait_config(page, "c.loss === 'bce' && c.output === 'sigmoid'")
    page.uncheck("#shuffle")
    wait_config(page, "c.shuffle === false")
    page.fill("#epochs", "4")
    page.press("#epochs", "Enter")
    wait_config(page, "c.epochs === 4")
    page.fill("#target-loss", "0.001")
    page.press("#target-loss", "Enter")
    page.wait_for_function("() => window.depthlens.state.target_loss === 0.001")
    query = page.evaluate("() => location.hash.slice(1)")
    assert Config.from_query(query.replace("&target_loss=0.001", "")) == Config.from_dict(
        page_state(page)["config"])
    assert "optimizer=adam" in query and "target_loss=0.001" in query
    page.click("#play")
    page.wait_for_selector("#banner:not([hidden])", timeout=10_000)
    assert "Paused at epoch 4" in page.inner_text("#banner-text")
    assert not page_state(page)["playing"]
    tab = page.context.new_page()  # the shared link gives the same Config and target
    load(tab, server, query)
    assert page_state(tab)["config"] == page_state(page)["config"]
    assert tab.input_value("#optimizer-betas-1") == "0.99"
    assert tab.input_value("#target-loss") == "0.001"
    tab.close()
    assert page.problems == []


def test_a_layers_activation_menu_sets_that_layer_and_the_global_menu_sets_all(page, server):
    load(page, server, PLAYGROUND)
    assert page.locator("#network select.layer-act").count() == 2
    page.select_option("#layer-act-1", "relu")
    wait_config(page, "Array.isArray(c.activation) && c.activation.join() === 'tanh,relu'")
    assert page_state(page)["network"]["activations"] == ["tanh", "relu"]
    assert page.input_value("#layer-act-1") == "relu"
    shown = "() => { const s = document.getElementById('layer-act-1'); " \
            "return s.options[s.selectedIndex].textContent; }"
    assert page.evaluate(shown) == "ReLU"  # its human name; the link keeps the identifier
    assert "activation=tanh,relu" in page.evaluate("() => decodeURIComponent(location.hash)")
    page.select_option("#activation", "sigmoid")
    wait_config(page, "c.activation === 'sigmoid'")
    assert page.input_value("#layer-act-0") == "sigmoid"
    assert page.input_value("#layer-act-1") == "sigmoid"
    assert page.problems == []


def test_penalty_curve_confusion_matrix_and_rmse_are_shown(page, server):
    load(page, server, PLAYGROUND + "&regularization=l2&reg_rate=0.01")
    page.click("#step")
    wait_drawn(page, 1)
    assert page.locator("#confusion tr").count() == 3
    cells = [int(t) for t in page.locator("#confusion td").all_inner_texts()]
    assert sum(cells) == page_state(page)["n_test"]
    penalty = page.evaluate("() => window.depthlens.chart.series[2]")
    assert len(penalty) == 1 and penalty[0] > 0
    assert page.locator("#rmse-box").is_hidden()
    page.select_option("#problem", "regression")
    wait_config(page, "c.dataset === 'reg-plane'")
    page.click("#step")
    wait_drawn(page, 1)
    assert page.locator("#confusion").is_hidden()
    assert page.locator("#rmse-box").is_visible()
    rmse = float(page.get_attribute("#test-rmse", "data-value"))
    loss = float(page.get_attribute("#test-loss", "data-value"))
    assert rmse == pytest.approx(loss ** 0.5, rel=1e-5)
    assert page.problems == []


def test_downloads_of_the_config_the_model_and_the_output_picture(page, server, tmp_path):
    import json
    import zipfile

    from depthlens.nn.serialize import load_model

    _, app = server
    load(page, server, PLAYGROUND + "&seed=5")
    page.click("#step")
    wait_drawn(page, 1)
    with page.expect_download() as info:
        page.click("#export-config")
    download = info.value
    assert download.suggested_filename == "depthlens-config.json"
    saved = json.loads(Path(download.path()).read_text())
    assert Config.from_dict(saved) == Config.from_dict(page_state(page)["config"])
    with page.expect_download() as info:
        page.click("#export-model")
    assert info.value.suggested_filename == "depthlens-model.zip"
    with zipfile.ZipFile(info.value.path()) as z:
        z.extractall(tmp_path)
    session_id = page.evaluate("() => window.depthlens.hello.session")
    (live,) = [s for s in app.state.sessions if s.id == session_id]
    x = np.linspace(-6, 6, 40, dtype=np.float32).reshape(20, 2)
    np.testing.assert_allclose(load_model(tmp_path).forward(x), live.session.net.forward(x),
                               rtol=1e-6)
    with page.expect_download() as info:
        page.click("#export-png")
    assert info.value.suggested_filename == "depthlens-output.png"
    assert Path(info.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.problems == []


def test_every_picture_downloads_as_a_png_at_slide_resolution(page, server):
    """Each Download button gives a PNG at least 1200 px on its long side (drawn again at that
    size: see test_browser_downloads.py for what is where in each), never a blank page."""
    from PIL import Image

    step_until_the_lens_is_drawn(page, server, 3)  # the loss chart draws between epochs
    for button in ("export-png", "export-chart", "export-space", "export-player",
                   "export-network", "export-probes"):
        with page.expect_download() as info:
            page.click(f"#{button}")
        assert info.value.suggested_filename.endswith(".png"), button
        if button == "export-network":  # kept beside the page's screenshot
            ARTIFACTS.mkdir(exist_ok=True)
            info.value.save_as(ARTIFACTS / "network.png")
        with Image.open(info.value.path()) as image:
            assert image.format == "PNG" and max(image.size) >= 1200, (button, image.size)
            pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
        # a picture, not a blank page: a good share of the pixels are not white
        assert (np.abs(pixels - 255).sum(axis=2) > 30).mean() > 0.01, button
    assert page.problems == []
