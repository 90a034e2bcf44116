"""Words for every control, in a real browser: a sentence on hover and on keyboard focus,
human names in the menus (the link keeps the identifiers), names under the dataset
thumbnails, readable regression thumbnails, and a dataset's own parameters as controls that
go into the link."""

from __future__ import annotations

from depthlens.web import wording
from tests.web.pages import canvas_pixels, load, page_state, wait_config

CONTROLS = """() => [...document.querySelectorAll(
    '.bar :is(button, input, select), .data-column :is(button, input, select), ' +
    '.output-column :is(button, input, select)')]
  .filter((e) => !e.closest('.panel:not(.userdata-panel)'))"""
"""Every control of the top bar, the data column and the output column (the lens panels of
the column beside them bring their own words)."""


def test_every_control_has_a_sentence_that_shows_on_focus(page, server):
    load(page, server, "dataset=rings&optimizer=adam&init=he_normal")
    page.wait_for_selector("#dataset-k")
    controls = page.evaluate(f"""() => ({CONTROLS})().map((e, i) => {{
        e.dataset.wordsTest = String(i);
        return {{ i, id: e.id, help: e.dataset.help ?? '', title: e.title,
                  described: (e.getAttribute('aria-describedby') ?? '').split(' ')
                    .map((id) => document.getElementById(id)?.textContent ?? '').join(' '),
                  visible: e.checkVisibility() && !e.disabled }};
    }})""")
    assert len(controls) > 40  # the bar, the param boxes, the thumbnails, the downloads…
    ids = {c["id"] for c in controls}
    assert {"lr", "optimizer-betas-0", "init-gain", "init-mode", "dataset-k", "ratio",
            "noise", "batch", "show-test", "export-png", "ud-clear"} <= ids
    shown = 0
    for c in controls:
        where = c["id"] or f"control {c['i']}"
        assert c["help"].strip(), f"{where} has no sentence"
        assert c["title"] == c["help"] and c["help"] in c["described"], where
        if not c["visible"]:
            continue
        page.focus(f"[data-words-test='{c['i']}']")
        tip = page.locator("#help-tip")
        assert tip.is_visible(), where
        assert tip.inner_text() == c["help"], where
        shown += 1
    assert shown > 40
    page.keyboard.press("Escape")
    assert not page.locator("#help-tip").is_visible()


def test_hovering_a_control_or_its_label_shows_its_sentence(page, server):
    load(page, server)
    page.hover("label[for='lr']")
    tip = page.locator("#help-tip")
    assert tip.inner_text() == wording.HELP["lr"]
    box, under = tip.bounding_box(), page.locator("label[for='lr']").bounding_box()
    assert box["y"] >= under["y"] + under["height"]  # under what it speaks of, not over it
    page.hover("#lr")
    assert tip.inner_text() == wording.HELP["lr"]
    assert page.locator("#lr").get_attribute("title") is None  # no second, native tooltip
    page.hover("#epoch")
    assert not tip.is_visible()
    assert page.locator("#lr").get_attribute("title") == wording.HELP["lr"]
    page.hover("#optimizer-momentum")
    assert tip.inner_text() == wording.PARAM_HELP["optimizer.momentum"]


def test_menus_say_human_names_and_the_link_keeps_the_identifiers(page, server):
    load(page, server)
    texts = page.evaluate("() => [...document.querySelectorAll('#optimizer option')]"
                          ".map((o) => [o.value, o.textContent])")
    assert texts[:3] == [["sgd", "SGD"], ["momentum", "Momentum"],
                         ["nesterov", "Nesterov momentum"]]
    init = dict(page.evaluate("() => [...document.querySelectorAll('#init option')]"
                              ".map((o) => [o.value, o.textContent])"))
    assert init["glorot_normal"] == "Glorot (Xavier) normal"
    assert init["he_uniform"] == "He (Kaiming) uniform"
    heads = page.evaluate("() => [...document.querySelectorAll('#head option')]"
                          ".map((o) => o.textContent)")
    assert "binary cross-entropy (sigmoid)" in heads and "cross-entropy (softmax)" in heads
    labels = page.evaluate("() => [...document.querySelectorAll('#optimizer-params label')]"
                           ".map((l) => l.textContent)")
    assert labels == ["momentum", "dampening", "weight decay", "Nesterov"]
    page.select_option("#optimizer", label="Adam")
    wait_config(page, "c.optimizer === 'adam'")
    page.wait_for_function("() => location.hash.includes('optimizer=adam')")
    assert "optimizer=Adam" not in page.evaluate("() => location.hash")
    labels = page.evaluate("() => [...document.querySelectorAll('#optimizer-params label')]"
                           ".map((l) => l.textContent)")
    assert labels[0] == wording.PARAM_NAMES["optimizer.betas.0"] and "AMSGrad" in labels
    page.select_option("#optimizer", label="Adagrad")
    wait_config(page, "c.optimizer === 'adagrad'")
    assert page.inner_text("label[for='optimizer-lr_decay']") == "learning-rate decay"


def test_a_sets_parameter_goes_into_the_link_and_comes_back_from_it(page, server):
    load(page, server, "dataset=rings")
    k = page.locator("#dataset-k")
    assert k.input_value() == "3" and page.inner_text("label[for='dataset-k']") == "classes (k)"
    k.fill("4")
    k.dispatch_event("change")
    wait_config(page, "c.dataset_params.k === 4")
    page.wait_for_function("() => location.hash.includes('dataset.k=4')")
    assert page_state(page)["network"]["n_classes"] == 4
    link = page.evaluate("() => location.hash.slice(1)")
    page.goto("about:blank")
    load(page, server, link)
    assert page.locator("#dataset-k").input_value() == "4"
    state = page_state(page)
    assert state["config"]["dataset_params"] == {"k": 4} and state["network"]["n_classes"] == 4
    k = page.locator("#dataset-k")
    k.fill("99")
    k.dispatch_event("change")
    page.wait_for_function("() => window.depthlens.errors.length > 0")
    error = page.evaluate("() => window.depthlens.errors.at(-1)")
    expected = "Number of classes (k) must be an integer from 2 to 10 (you gave 99)"
    assert error["field"] == "dataset_params.k" and error["message"] == expected
    assert page.inner_text("#toast") == expected
    page.wait_for_function("() => document.getElementById('dataset-k').value === '4'")
    assert page_state(page)["config"]["dataset_params"] == {"k": 4}
    # a set without parameters shows none; the function of a 1-D set is a menu of names
    page.click(".dataset[data-name='circle']")
    wait_config(page, "c.dataset === 'circle'")
    assert not page.locator("#dataset-params").is_visible()
    page.select_option("#problem", "regression")
    page.click(".dataset[data-name='line-fn']")
    wait_config(page, "c.dataset === 'line-fn'")
    fn = dict(page.evaluate("() => [...document.querySelectorAll('#dataset-fn option')]"
                            ".map((o) => [o.value, o.textContent])"))
    assert fn == {"sin": "sin x", "abs": "|x|", "cubic": "x\u00b3", "step": "step"}
    page.select_option("#dataset-fn", "cubic")
    wait_config(page, "c.dataset_params.fn === 'cubic'")
    page.wait_for_function("() => location.hash.includes('dataset.fn=cubic')")


def test_the_picker_names_each_set_under_its_thumbnail(page, server):
    load(page, server)
    names = page.evaluate("""() => [...document.querySelectorAll('.dataset')]
        .filter((b) => !b.hidden).map((b) => {
            const s = b.querySelector('.dataset-name'), c = b.querySelector('canvas');
            const r = s.getBoundingClientRect(), t = c.getBoundingClientRect();
            const col = b.closest('.column').getBoundingClientRect();
            const range = document.createRange();
            range.selectNodeContents(s);
            const ink = range.getBoundingClientRect();  // the words themselves
            return { name: b.dataset.name, text: s.textContent.replace(/\\u00ad/g, ''),
                     size: parseFloat(getComputedStyle(s).fontSize),
                     line: parseFloat(getComputedStyle(s).lineHeight),
                     fits: s.scrollWidth <= s.clientWidth + 1 && ink.left >= r.left - 1 &&
                       ink.right <= r.right + 1 && ink.right <= col.right &&
                       t.right <= col.right,
                     below: r.top >= t.bottom - 1,
                     height: r.height, visible: r.width > 0 };
        })""")
    by_name = {n["name"]: n for n in names}
    assert by_name["circle"]["text"] == "Circle" and by_name["xor"]["text"] == "XOR"
    assert by_name["gauss"]["text"] == "Gaussian" and by_name["spiral"]["text"] == "Spiral"
    for n in names:
        assert n["visible"] and n["fits"] and n["below"], n
        assert 11 <= n["size"] <= 12.5, n
        assert n["height"] <= 2 * n["line"] + 1, n  # at most two lines


def test_regression_thumbnails_show_their_colour_ramp(page, server):
    load(page, server, "dataset=reg-plane&" + "loss=mse&output=linear")
    page.wait_for_selector(".dataset[data-name='reg-plane']:not([hidden])")
    px = canvas_pixels(page, ".dataset[data-name='reg-plane'] canvas").astype(int)
    # y = (x1 + x2)/10: blue at the top right, orange at the bottom left, grey between
    top_right, bottom_left, middle = px[6, 93, :3], px[93, 6, :3], px[50, 50, :3]
    assert top_right[2] - top_right[0] > 120, top_right  # strongly blue
    assert bottom_left[0] - bottom_left[2] > 120, bottom_left  # strongly orange
    assert abs(int(middle[0]) - int(middle[2])) < 40 and middle.min() > 180, middle
    covered = (px[..., :3].min(axis=2) < 250).mean()
    assert covered > 0.95  # the whole plane is coloured, not scattered dots on white
    opacity = page.evaluate("() => Math.min(...[...document.querySelectorAll('.dataset')]"
                            ".filter((b) => !b.hidden).map((b) => "
                            "Number(getComputedStyle(b).opacity)))")
    assert opacity >= 0.8  # unselected thumbnails are not washed out


LENS = """() => [...document.querySelectorAll(
    '#space-panel select, #player-panel :is(select, button, input), ' +
    '#backprop-panel :is(select, button, input)')]
  .filter((e) => e.checkVisibility() && !e.disabled && !e.classList.contains('player-chip'))
  .map((e) => [e.id || e.className, e.dataset.help ?? ''])"""


def test_the_lens_panels_controls_have_their_sentences_too(page, server):
    """The hidden space's menus, the player's and the stepper's controls (the chips keep
    their step's own caption)."""
    load(page, server)
    page.wait_for_function("() => window.depthlens.panels.get('space').drawn > 0")
    seen = {}
    for tab in ("space", "player", "backprop"):
        page.click(f".lens-tab[data-panel='{tab}']")
        page.wait_for_timeout(300)  # the panel laid out, its controls found by help.js
        seen.update(dict(page.evaluate(LENS)))
    assert {"player-layer", "player-play", "player-slider", "bp-index", "bp-open"} <= set(seen)
    assert any(k.startswith("space-stage") for k in seen)
    for control, text in seen.items():
        assert text.strip(), f"{control} has no sentence"
    page.click(".lens-tab[data-panel='player']")
    page.focus("#player-layer")
    assert page.locator("#help-tip").inner_text() == wording.HELP["player-layer"]
