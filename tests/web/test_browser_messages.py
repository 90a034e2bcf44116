"""The page's messages are current and say the right thing once; no input is lost; numbers fit
their boxes (headless Chromium)."""

from __future__ import annotations

from depthlens.experiment.config import Config
from tests.web.pages import load, page_state, wait_config

BANNER_SHOWN = "() => !document.getElementById('banner').hidden"
BANNER_HIDDEN = "() => document.getElementById('banner').hidden"


def _banner(page) -> str:
    return page.inner_text("#banner-text")


def test_the_pause_banner_goes_as_soon_as_training_resumes_or_the_experiment_changes(page,
                                                                                    server):
    load(page, server, "epochs=3")
    page.click("#play")
    page.wait_for_function(BANNER_SHOWN, timeout=10_000)
    assert _banner(page).startswith("Paused at epoch 3")
    page.click("#play")  # trains on past the Config's epochs: not paused any more
    page.wait_for_function(BANNER_HIDDEN, timeout=5_000)
    page.click("#play")
    page.wait_for_function("() => !window.depthlens.state.playing")
    page.fill("#epochs", "2")  # a stop epoch already passed: play pauses at once
    page.dispatch_event("#epochs", "change")
    wait_config(page, "c.epochs === 2")
    page.click("#reset")
    page.click("#play")
    page.wait_for_function(BANNER_SHOWN, timeout=10_000)
    page.locator(".dataset[data-name='xor']").click()  # another experiment: the banner goes
    wait_config(page, "c.dataset === 'xor'")
    page.wait_for_function(BANNER_HIDDEN, timeout=5_000)


def test_divergence_says_its_cause_once_and_offers_reset_when_the_weights_are_lost(page,
                                                                                  server):
    load(page, server, "dataset=reg-plane&activation=linear&lr=10&epochs=0")
    page.click("#play")
    page.wait_for_function(BANNER_SHOWN, timeout=10_000)
    text = _banner(page)
    assert text.count("diverged") == 1 and text.count("learning rate") == 1
    assert "1 is a good next try" in text
    assert page.evaluate("() => document.getElementById('banner').classList.contains("
                         "'needs-reset')") is False
    load(page, server, "regularization=l2&reg_rate=10&lr=0.3&epochs=0")
    page.select_option("#speed", "max")
    page.click("#play")
    page.wait_for_function(BANNER_SHOWN, timeout=20_000)
    text = _banner(page)
    assert "L2 rate" in text and "learning rate:" not in text and "enormous" in text
    assert page.evaluate("() => document.getElementById('banner').classList.contains("
                         "'needs-reset')") is True
    page.click("#banner-reset")
    page.wait_for_function(BANNER_HIDDEN, timeout=5_000)
    assert page_state(page)["epoch"] == 0


def test_an_error_names_the_field_once_in_the_pages_words_and_goes_at_the_next_action(page,
                                                                                     server):
    load(page, server)
    page.fill("#optimizer-momentum", "-1")
    page.dispatch_event("#optimizer-momentum", "change")
    page.wait_for_function("() => !document.getElementById('toast').hidden")
    text = page.inner_text("#toast")
    assert text == "Momentum must be a number \u2265 0 (you gave \u22121)"
    assert page.input_value("#optimizer-momentum") == "0"  # the control is put back
    page.click("#step")  # the next action: its result is not hidden by the old note (which
    page.wait_for_function("() => document.getElementById('toast').hidden",  # lasts 6 s)
                           timeout=1_000)


def test_three_quick_menu_changes_all_apply_in_order(page, server):
    load(page, server)
    page.evaluate("""() => {
        for (const [id, value] of [["activation", "relu"], ["regularization", "l2"],
                                   ["lr", "0.1"]]) {
            const select = document.getElementById(id);
            select.value = value;
            select.dispatchEvent(new Event("change"));
        }
    }""")
    wait_config(page, "c.activation === 'relu' && c.regularization === 'l2' && c.lr === 0.1")
    page.wait_for_function("() => window.depthlens.pending === null")
    state = page_state(page)
    assert Config.from_query(page.evaluate("() => location.hash.slice(1)")) == \
        Config.from_dict(state["config"])
    page.evaluate("""() => {  // three quick clicks on a layer's "+": three more neurons
        const plus = [...document.querySelector(".layer-head").querySelectorAll("button")]
            .find((b) => b.textContent === "+");
        for (let k = 0; k < 3; k++) plus.click();
    }""")
    wait_config(page, "c.layers[0] === 7")


def test_a_link_with_one_bad_field_keeps_the_others_and_says_which(page, server):
    load(page, server, "dataset=spiral&layers=99,4&activation=relu&optimizer=adam")
    c = page_state(page)["config"]
    assert (c["dataset"], c["activation"], c["optimizer"], c["layers"]) == \
        ("spiral", "relu", "adam", [4, 2])
    page.wait_for_function(BANNER_SHOWN)
    assert _banner(page).startswith("Hidden layers must be at most 16 neurons each")
    assert page.evaluate("() => location.hash.slice(1) === window.depthlens.state.query")
    page.click("#play")  # the notice is about the link, not about training: it stays
    page.wait_for_function("() => window.depthlens.state.playing")
    page.click("#play")
    page.wait_for_function("() => !window.depthlens.state.playing")
    assert page.evaluate(BANNER_SHOWN)
    assert _banner(page).startswith("Hidden layers must be")
    page.locator(".dataset[data-name='xor']").click()
    wait_config(page, "c.dataset === 'xor'")
    page.wait_for_function(BANNER_HIDDEN)


def test_a_name_parameter_gets_a_menu_and_mixed_activations_say_so(page, server):
    load(page, server)
    page.select_option("#init", "he_normal")
    wait_config(page, "c.init === 'he_normal'")
    options = page.eval_on_selector("#init-mode", "s => [s.tagName, [...s.options].map("
                                    "o => o.value)]")
    assert options == ["SELECT", ["fan_in", "fan_out"]]
    page.select_option("#init-mode", "fan_out")
    wait_config(page, "c.init_params.mode === 'fan_out'")
    page.evaluate("() => window.depthlens.controls.setLayerActivation(1, 'relu')")
    wait_config(page, "Array.isArray(c.activation)")
    assert page.input_value("#activation") == "mixed"
    assert page.inner_text("#activation option:checked") == "mixed"
    page.select_option("#activation", "sigmoid")  # one name sets every layer
    wait_config(page, "c.activation === 'sigmoid'")


def test_the_your_data_note_never_speaks_of_an_earlier_state(page, server):
    load(page, server)
    page.click("#ud-clear")
    assert page.inner_text(".ud-message").startswith("Click 4 points")
    page.locator(".dataset[data-name='xor']").click()
    wait_config(page, "c.dataset === 'xor'")
    page.wait_for_function("() => document.querySelector('.ud-message').textContent === ''")


def test_huge_losses_are_compact_and_fit_their_box(page, server):
    load(page, server)
    shown = page.evaluate("""async () => {
        const { compact, setting } = await import('/static/js/format.js');
        return [compact(1.580355623622885e+31), compact(0.1234), compact(-2.5e-7),
                compact(null), compact(Infinity), setting(0.00001), setting(0.03)];
    }""")
    assert shown == ["1.58e+31", "0.123", "\u22122.50e\u22127", "\u2013", "\u221e",
                     "1e\u22125", "0.03"]
    page.evaluate("""() => {  // a frame with an enormous loss, drawn as the page draws any
        const p = window.depthlens;
        p.frame.header.now.test_loss = 1.580355623622885e+31;
        p.frame.header.now.train_loss = 9.87654321e+300;
        p.draw();
    }""")
    assert page.inner_text("#test-loss") == "1.58e+31"
    for box in ("#test-loss", "#train-loss"):
        assert page.eval_on_selector(box, "e => e.scrollWidth <= e.parentElement.clientWidth")
