"""The five-operation player in a real browser (headless Chromium through Playwright): it asks
for a layer, draws it, scrubs, plays and asks again for another layer or fresh weights. A
screenshot of the panel is kept in ``test-artifacts/player.png``."""

from __future__ import annotations

import numpy as np
from playwright.sync_api import Page

from tests.web.pages import ARTIFACTS, PLAYGROUND, canvas_pixels, load

PLAYER = "window.depthlens.panels.get('player')"


def player(page: Page, expression: str):
    """Evaluate ``expression`` over ``p``, the page's OperationPlayer."""
    return page.evaluate(f"() => {{ const p = {PLAYER}; return {expression}; }}")


def wait_player(page: Page, check: str, timeout: int = 15_000) -> None:
    page.wait_for_function(f"() => {{ const p = {PLAYER}; return !!p && ({check}); }}",
                           timeout=timeout)


def pixels(page: Page) -> np.ndarray:
    """The player's canvas as (height, width, 4) RGBA."""
    return canvas_pixels(page, "#player-canvas")


def inked(page: Page) -> int:
    """Pixels of the player's canvas that are not white."""
    return int((pixels(page)[..., :3] < 245).any(axis=-1).sum())


def scrub(page: Page, frame: int) -> None:
    """Move the slider to ``frame`` as a user's drag does (value + an input event)."""
    page.evaluate("""(f) => {
        const s = document.getElementById('player-slider');
        s.value = String(f);
        s.dispatchEvent(new Event('input', { bubbles: true }));
    }""", frame)


def open_player(page: Page, server, query: str = PLAYGROUND) -> None:
    load(page, server, query)
    wait_player(page, "p.header !== null && p.drawn > 0")


def test_the_player_draws_the_first_layer_and_scrubbing_changes_picture_and_caption(page,
                                                                                     server):
    open_player(page, server)
    assert page.inner_text("#player-panel h4").lower() == "five operations"
    assert player(page, "p.header.layer") == 0
    assert player(page, "p.frameIndex") == 0
    assert inked(page) > 500
    labels = page.locator("#player-layer option").all_inner_texts()
    assert labels == ["Layer 1: 2\u21924 tanh", "Layer 2: 4\u21922 tanh", "Output: 2\u21921 tanh"]
    chips = page.locator("#player-steps .player-chip").all_inner_texts()
    assert chips == ["1 rotate", "2 lift", "3 scale", "4 rotate", "5 translate", "6 bend"]

    n_frames = player(page, "p.header.n_frames")
    scrub(page, n_frames - 1)
    assert player(page, "p.frameIndex") == n_frames - 1
    end_caption = page.inner_text("#player-caption")
    end_picture = pixels(page)
    assert "bend by tanh" in end_caption
    assert page.locator("#player-steps .player-chip.active").inner_text() == "6 bend"

    scrub(page, n_frames // 2)
    middle_caption = page.inner_text("#player-caption")
    middle_picture = pixels(page)
    assert middle_caption != end_caption and middle_caption.startswith("Step ")
    changed = int((end_picture != middle_picture).sum())
    assert changed > 1000
    assert inked(page) > 500
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#player-panel").screenshot(path=str(ARTIFACTS / "player.png"))


def test_picking_another_layer_asks_for_it_and_draws_it(page, server):
    open_player(page, server)
    asked = player(page, "p.requests")
    page.select_option("#player-layer", "1")
    wait_player(page, "p.header.layer === 1 && !p.pending")
    assert player(page, "p.requests") == asked + 1
    assert player(page, "p.header.title") == "Layer 2: 4\u21922 tanh"
    assert "lower 4-D to 2-D" in player(page, "p.header.steps[1].caption")
    assert player(page, "p.frameIndex") == 0
    assert inked(page) > 500
    page.select_option("#player-layer", "2")
    wait_player(page, "p.header.layer === 2")
    assert page.locator("#player-steps .player-chip").count() == 5


def test_play_advances_the_frames_and_a_step_chip_plays_that_step(page, server):
    open_player(page, server)
    page.click("#player-play")
    wait_player(page, "p.frameIndex > 3")
    page.click("#player-play")
    wait_player(page, "!p.playing")
    paused_at = player(page, "p.frameIndex")
    assert paused_at > 3
    page.locator("#player-steps .player-chip").nth(2).click()  # scale
    start, count = player(page, "[p.header.steps[2].start, p.header.steps[2].count]")
    wait_player(page, f"!p.playing && p.frameIndex === {start + count - 1}")
    assert "scale by" in page.inner_text("#player-caption")


def test_refresh_takes_the_weights_trained_since(page, server):
    open_player(page, server)
    assert player(page, "p.header.epoch") == 0
    page.click("#step")
    page.wait_for_function("() => window.depthlens.drawnEpoch === 1", timeout=10_000)
    assert player(page, "p.header.epoch") == 0  # a training frame does not ask again
    page.click("#player-refresh")
    wait_player(page, "p.header.epoch === 1")
    assert inked(page) > 500


def test_pausing_play_shows_the_layer_as_trained(page, server):
    open_player(page, server)
    assert player(page, "p.header.epoch") == 0
    page.select_option("#speed", "5")
    page.click("#play")
    page.wait_for_function("() => window.depthlens.drawnEpoch >= 10", timeout=10_000)
    assert player(page, "p.header.epoch") == 0  # while training plays the player keeps still
    page.click("#play")  # pause
    wait_player(page, "p.header.epoch >= 10")
    epoch = page.evaluate("() => window.depthlens.frame.header.epoch")
    assert player(page, "p.header.epoch") == epoch


def test_the_canvas_text_is_never_clipped(page, server):
    """The scale ("half-width …") is written inside the canvas at every frame and angle."""
    open_player(page, server, PLAYGROUND + "&layers=6,4")
    for layer in (0, 1, 2):
        page.select_option("#player-layer", str(layer))
        wait_player(page, f"p.header.layer === {layer} && !p.pending")
        n_frames = player(page, "p.header.n_frames")
        for frame in range(0, n_frames, max(1, n_frames // 8)):
            for yaw, pitch in ((-0.55, 0.5), (2.0, -1.5), (0.0, 1.5)):
                player(page, f"(p.yaw = {yaw}, p.pitch = {pitch}, p.show({frame}), 0)")
                boxes = player(page, "p.labelBoxes.map((b) => [b.text, b.left, b.top, b.right, "
                                     "b.bottom])")
                assert boxes and boxes[0][0].startswith("half-width ")
                for text, left, top, right, bottom in boxes:
                    assert 0 <= left < right <= 300 and 0 <= top < bottom <= 300, (text, bottom)
                    assert "-" not in text.removeprefix("half-width")  # the true minus sign
