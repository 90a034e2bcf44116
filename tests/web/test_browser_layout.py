"""The lens beside the output: at 1280×800 and 1920×1080 the network, the output map and a lens
panel are on one screen with no scrolling, all live while training; the lens tabs switch its
panel (wide: two side by side); narrow windows stack with nothing cut off; presentation mode
(`present=1`) is large dark text with fewer controls, and stays in the link."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.web.pages import ARTIFACTS, box, load, on_screen, overlap, page_state

SCREENS = [(1280, 800), (1920, 1080)]

def at(page, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_function(f"() => innerWidth === {width}")
    time.sleep(0.2)  # the ResizeObserver's callback


@pytest.mark.parametrize(("width", "height"), SCREENS)
def test_network_output_and_hidden_space_on_one_screen_while_training(page, server, width,
                                                                      height):
    page.set_viewport_size({"width": width, "height": height})
    load(page, server)
    page.click("#play")
    page.wait_for_function("() => window.depthlens.drawn > 20 && "
                           "window.depthlens.panels.get('space').drawn > 0", timeout=30_000)
    assert page.evaluate("() => scrollY") == 0
    parts = ["#network .node.output", "#network .node.input", "#heatmap", ".space-canvas",
             "#test-loss", "#epoch"]
    for part in parts:
        assert on_screen(page, part), f"{part} is not on the first screen at {width}×{height}"
    assert not overlap(box(page, "#network"), box(page, "#heatmap"))
    assert not overlap(box(page, "#heatmap"), box(page, ".space-canvas"))
    # live: the hidden space draws again while training goes on
    drawn = page.evaluate("() => window.depthlens.panels.get('space').drawn")
    page.wait_for_function(f"() => window.depthlens.panels.get('space').drawn > {drawn}",
                           timeout=15_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"layout-{width}x{height}.png"))


def test_the_lens_tabs_switch_the_panel_beside_the_output(page, server):
    at(page, 1280, 800)
    load(page, server)
    assert page.evaluate("() => window.depthlens.lens.visible()") == ["space"]
    page.click(".lens-tab[data-panel='player']")
    assert page.evaluate("() => window.depthlens.lens.visible()") == ["player"]
    page.wait_for_function("() => window.depthlens.panels.get('player').drawn > 0")
    # its title, canvas and the five groups of steps on the first screen (the canvas is
    # bounded by the window's height as well as the column's width)
    for part in ("#player-title", "#player-canvas", "#player-steps"):
        assert on_screen(page, part), part
    assert box(page, ".space-canvas") is None
    page.click(".lens-tab[data-panel='backprop']")
    assert page.evaluate("() => window.depthlens.lens.visible()") == ["backprop"]
    assert on_screen(page, "#backprop-panel")
    # the separability bars stay under whichever panel is shown
    assert box(page, "#probes-panel") is not None
    page.click(".lens-tab[data-panel='space']")
    assert page.evaluate("() => window.depthlens.lens.visible()") == ["space"]
    # what each panel was told: shown, hidden, shown again
    assert page.evaluate("() => Object.fromEntries(window.depthlens.lens.shown)") == {
        "space": True, "player": False, "backprop": False}


def subscribed(server, page) -> set[str]:
    """The live panels the server builds frames for, for this page's session."""
    session = page.evaluate("() => window.depthlens.hello.session")
    (live,) = [s for s in server[1].state.sessions if s.id == session]
    return set(live.subscriptions)


def test_a_hidden_lens_panel_costs_the_server_nothing(page, server):
    at(page, 1280, 800)
    load(page, server)
    page.wait_for_function("() => window.depthlens.panels.get('space').drawn > 0")
    assert "space" in subscribed(server, page)
    page.click(".lens-tab[data-panel='player']")
    page.wait_for_timeout(300)
    assert "space" not in subscribed(server, page)
    drawn = page.evaluate("() => window.depthlens.panels.get('space').drawn")
    page.click(".lens-tab[data-panel='space']")  # back: subscribed and drawn again
    page.wait_for_function(f"() => window.depthlens.panels.get('space').drawn > {drawn}")
    assert "space" in subscribed(server, page)


def test_a_wide_lens_shows_the_hidden_space_and_a_second_panel_side_by_side(page, server):
    at(page, 1920, 1080)
    load(page, server)
    assert page.evaluate("() => window.depthlens.lens.wide")
    assert sorted(page.evaluate("() => window.depthlens.lens.visible()")) == ["player", "space"]
    assert box(page, ".lens-tab[data-panel='space']") is None  # pinned, so no tab of its own
    space, player = box(page, "#space-panel"), box(page, "#player-panel")
    assert space[2] <= player[0]  # side by side, the hidden space on the left
    page.click(".lens-tab[data-panel='backprop']")
    assert sorted(page.evaluate("() => window.depthlens.lens.visible()")) == ["backprop", "space"]
    assert on_screen(page, "#backprop-panel") and on_screen(page, ".space-canvas")
    at(page, 1280, 800)  # narrower: one panel again, the one last picked
    assert page.evaluate("() => window.depthlens.lens.visible()") == ["backprop"]


@pytest.mark.parametrize("width", [900, 640])
def test_narrow_windows_stack_with_nothing_cut_off(page, server, width):
    at(page, width, 800)
    load(page, server)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    columns = [box(page, s) for s in (".data-column", ".network-column", ".output-column",
                                      ".lens-column")]
    for i, a in enumerate(columns):
        assert a[0] >= 0 and a[2] <= width
        for b in columns[i + 1:]:
            assert not overlap(a, b)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"layout-{width}-narrow.png"), full_page=True)


TEXT_SIZES = """() => {
    const small = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        if (!n.textContent.trim()) continue;
        const e = n.parentElement;
        if (e.closest('[hidden], #lab-tab, #hovercard, #toast, option')) continue;
        const r = e.getBoundingClientRect();
        const style = getComputedStyle(e);
        if (r.width === 0 || r.height === 0 || style.visibility === 'hidden') continue;
        const size = parseFloat(style.fontSize);
        const text = n.textContent.trim().slice(0, 30);
        if (size < 16) small.push(`${e.tagName}.${e.className}: ${text} ${size}px`);
    }
    return small;
}"""


def test_presentation_mode_from_the_link_is_large_dark_text_with_fewer_controls(page, server):
    at(page, 1280, 800)
    load(page, server, "dataset=xor&present=1")
    assert page.evaluate("() => document.body.classList.contains('present')")
    assert page.get_attribute("#present", "aria-pressed") == "true"
    state = page_state(page)
    assert state["config"]["dataset"] == "xor" and "present" not in state["query"]
    assert page.evaluate("() => location.hash").endswith("&present=1")
    assert page.evaluate("() => document.getElementById('banner').hidden")  # no notice
    assert page.evaluate(TEXT_SIZES) == []
    ink = page.evaluate("() => getComputedStyle(document.querySelector('.hint')).color")
    assert ink == "rgb(34, 34, 34)"  # dark text, not the normal page's grey
    for hidden in (".bar-second", ".exports", ".data-column"):
        assert box(page, hidden) is None or box(page, hidden)[2] == box(page, hidden)[0]
    for part in ("#network .node.output", "#heatmap", ".space-canvas"):
        assert on_screen(page, part)
    lens = box(page, "#lens")
    assert lens[2] - lens[0] > 450  # the lens large (the normal page's is about 330 px here)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "present-1280x800.png"))
    width = "() => Number(document.querySelector('#edges path.edge').getAttribute('stroke-width'))"
    thick = page.evaluate(width)
    page.click("#present")  # off: the link forgets it, the experiment stays
    assert not page.evaluate("() => document.body.classList.contains('present')")
    page.wait_for_function(f"() => ({width})() < {thick}")
    assert abs(thick / page.evaluate(width) - 1.6) < 0.02  # its lines were thicker
    assert "present" not in page.evaluate("() => location.hash")
    assert page_state(page)["config"]["dataset"] == "xor"
    assert page.evaluate(TEXT_SIZES) != []  # the normal page's small text is back


def test_presentation_mode_follows_the_address_bar(page, server):
    load(page, server)
    assert not page.evaluate("() => document.body.classList.contains('present')")
    page.click("#present")
    assert page.evaluate("() => location.hash").endswith("present=1")
    query = page_state(page)["query"]
    page.evaluate(f"() => {{ location.hash = '{query}'; }}")
    page.wait_for_function("() => !document.body.classList.contains('present')")


LINK = """async (query) => {
    const m = await import('/static/js/link.js');
    const { config, page } = m.splitLink(query);
    return [config, page.present, m.joinLink(config, page)];
}"""

PART = st.sampled_from(["dataset=xor", "lr=0.3", "layers=4,2", "noise=10", "present=1",
                        "present=0", "present=true", "epochs=0", "", "x=%20y"])


@settings(max_examples=40, deadline=None)
@given(st.lists(PART, max_size=6))
def test_the_page_fields_never_reach_the_config_and_survive_a_round_trip(page_for_links, parts):
    query = "&".join(parts)
    config, present, joined = page_for_links.evaluate(LINK, query)
    assert "present" not in config
    kept = [p for p in query.split("&") if p and not p.startswith("present=")]
    assert config == "&".join(kept)
    last = [p for p in parts if p.startswith("present=")]
    assert present == (bool(last) and last[-1] in ("present=1", "present=true"))
    assert page_for_links.evaluate(LINK, joined)[:2] == [config, present]


@pytest.fixture(scope="module")
def page_for_links(browser, server):
    tab = browser.new_page()
    tab.goto(server[0])
    yield tab
    tab.close()
