"""The first minute: the bare link plays on and learns the circle; an optimizer picked from
the menu brings its customary learning rate."""

from __future__ import annotations

from depthlens.experiment.config import Config
from depthlens.experiment.session import Session
from depthlens.web.live import CUSTOMARY_LR, LEARNING_RATES, optimizer_options
from depthlens.web.protocol import config_of_link, page_default
from tests.web.pages import ARTIFACTS, load, on_screen, page_state, wait_config

from .support import open_session

FPS = 60
FIRST_SECONDS = 10


def test_the_bare_link_plays_on_and_a_full_link_keeps_its_epochs():
    assert config_of_link("")[0] == page_default() == Config(epochs=0)
    assert config_of_link("dataset=xor")[0].epochs == 0  # a hand-made link plays on too
    made = Config(dataset="xor", epochs=200)  # a link made from a Config (depthlens train)
    assert config_of_link(made.to_query())[0] == made


def test_the_bare_link_learns_the_circle_within_its_first_ten_seconds_of_frames():
    """At Playground's pace (one epoch a frame, 60 frames a second) ten seconds are 600
    epochs: the bare link's experiment is at test accuracy ≥ 0.95 well before."""
    session = Session(page_default())
    for _ in range(FPS * FIRST_SECONDS):
        row = session.train_epoch()
        if row["test_accuracy"] >= 0.95:
            break
    assert row["test_accuracy"] >= 0.95 and session.epoch <= FPS * FIRST_SECONDS // 2


def test_the_bare_link_over_the_socket_names_no_stop(ws):
    state, _, _ = open_session(ws, "")
    assert state["config"]["epochs"] == 0 and "epochs=0" in state["query"]


def test_every_optimizer_has_a_customary_learning_rate_the_menu_offers():
    options = {o["name"]: o["lr"] for o in optimizer_options()}
    assert options == CUSTOMARY_LR
    assert options["adadelta"] == 1.0 and options["adam"] == 0.01 and options["sgd"] == 0.03
    assert set(options.values()) <= set(LEARNING_RATES)


def test_play_on_the_bare_link_learns_the_circle_without_a_pause(page, server):
    """…and the screen at 1280×800 shows it learned, with the network, the output map and the
    hidden space together (the screenshot is kept in test-artifacts/)."""
    page.set_viewport_size({"width": 1280, "height": 800})
    load(page, server)
    page.click("#play")
    page.wait_for_function(
        "() => Number(document.getElementById('test-metric').dataset.value) >= 0.95",
        timeout=60_000)
    epoch = page_state(page)["epoch"]
    assert epoch <= FPS * FIRST_SECONDS  # within ten seconds of frames at one epoch a frame
    assert page.evaluate("() => document.getElementById('banner').hidden")
    assert page.evaluate("() => window.depthlens.stopped") is None
    for part in ("#network .node.output", "#heatmap", ".space-canvas", "#test-metric"):
        assert on_screen(page, part), part
    page.wait_for_function("() => window.depthlens.panels.get('space').drawn > 0")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "first-minute-1280x800.png"))


def test_picking_an_optimizer_sets_its_learning_rate_unless_the_link_names_one(page, server):
    load(page, server)
    page.select_option("#optimizer", "adadelta")
    wait_config(page, "c.optimizer === 'adadelta' && c.lr === 1")
    assert page.input_value("#lr") == "1"
    page.select_option("#optimizer", "adam")
    wait_config(page, "c.optimizer === 'adam' && c.lr === 0.01")
    page.goto("about:blank")
    load(page, server, "optimizer=adam&lr=0.3")  # the link's own rate is kept
    assert page_state(page)["config"]["lr"] == 0.3 and page.input_value("#lr") == "0.3"
