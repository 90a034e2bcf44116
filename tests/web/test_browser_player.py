"""The five-operation player in a real browser (headless Chromium through Playwright): it names
the five operations and groups its steps under them, draws each step in the space it acts in
(a rotation of a plane is a rigid rotation on screen), follows training or holds an epoch and
offers to catch up, sizes itself by its box, and downloads its picture at slide resolution.
A screenshot of the panel is kept in ``test-artifacts/player.png``."""

from __future__ import annotations

import numpy as np
from playwright.sync_api import Page

from tests.web.pages import ARTIFACTS, PLAYGROUND, canvas_pixels, load

PLAYER = "window.depthlens.panels.get('player')"
GROUPS = ["raise/lower dimension", "scale", "rotate", "translate", "bend"]
TITLE = "Five operations: " + " \u00b7 ".join(GROUPS)


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


def show_tab(page: Page) -> None:
    """Bring the player into view: its lens tab, when the page has one."""
    tab = page.locator(".lens-tab[data-panel=player]")
    if tab.count() and tab.is_visible():
        tab.click()


def open_player(page: Page, server, query: str = PLAYGROUND) -> None:
    load(page, server, query)
    show_tab(page)
    wait_player(page, "p.header !== null && p.drawn > 0 && !p.pending")


def groups(page: Page) -> dict[str, list[str]]:
    """The chips (or the note of a group without a step) under each group's name."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        '#player-steps .player-group')].map((g) => [g.dataset.group,
        [...g.querySelectorAll('.player-chip, .player-none')].map((c) => c.textContent)]))""")


def drawn_at(page: Page, frame: int) -> np.ndarray:
    """The data points' canvas positions (N, 2) when frame ``frame`` is shown."""
    return np.array(player(page, f"(p.show({frame}), Array.from(p.drawnPoints))"),
                    dtype=np.float64).reshape(-1, 2)


def distance_correlation(a: np.ndarray, b: np.ndarray) -> float:
    i, j = np.triu_indices(len(a), 1)
    return float(np.corrcoef(np.linalg.norm(a[i] - a[j], axis=1),
                             np.linalg.norm(b[i] - b[j], axis=1))[0, 1])


def test_the_title_names_the_five_operations_and_the_chips_are_grouped_under_them(page, server):
    open_player(page, server)
    assert page.text_content("#player-title") == TITLE
    assert list(groups(page)) == GROUPS
    # 2→4: Vᵀ and U both rotate; the lift is under raise/lower dimension; numbered as played
    assert groups(page) == {"raise/lower dimension": ["3 lift 2\u21924"], "scale": ["2 \u03a3"],
                            "rotate": ["1 V\u1d40", "4 U"], "translate": ["5 + b"],
                            "bend": ["6 tanh"]}
    labels = page.locator("#player-layer option").all_inner_texts()
    assert labels == ["Layer 1: 2\u21924 tanh", "Layer 2: 4\u21922 tanh", "Output: 2\u21921 tanh"]
    page.select_option("#player-layer", "2")
    wait_player(page, "p.header.layer === 2 && !p.pending")
    assert groups(page)["rotate"] == ["1 V\u1d40"]  # 2→1: no U to turn a line
    assert groups(page)["raise/lower dimension"] == ["3 lower 2\u21921"]


def test_a_layer_that_keeps_its_dimension_says_so(page, server):
    open_player(page, server, "layers=2,2&" + PLAYGROUND)
    page.select_option("#player-layer", "1")
    wait_player(page, "p.header.layer === 1 && !p.pending")
    chips = groups(page)
    assert chips["raise/lower dimension"] == ["2 \u2192 2: no change"]
    assert len(chips["rotate"]) >= 2 and chips["rotate"][0].endswith("V\u1d40")
    assert chips["rotate"][-1].endswith("U")


def test_scrubbing_changes_picture_and_caption_and_the_caption_names_the_epoch(page, server):
    open_player(page, server)
    assert player(page, "p.header.layer") == 0 and player(page, "p.frameIndex") == 0
    assert inked(page) > 500
    n_frames = player(page, "p.header.n_frames")
    scrub(page, n_frames - 1)
    assert player(page, "p.frameIndex") == n_frames - 1
    end_caption = page.inner_text("#player-caption")
    end_picture = pixels(page)
    assert "bend by tanh" in end_caption and "epoch 0" in end_caption
    assert "projected: 4-D drawn through 3 principal axes" in end_caption
    assert page.locator("#player-steps .player-chip.active").inner_text() == "6 tanh"
    scrub(page, 5)  # the first rotation: in the input plane, not projected
    first = page.inner_text("#player-caption")
    assert first.startswith("Step 1 of 6 (rotate)") and "epoch 0" in first
    assert "projected" not in first
    changed = int((end_picture != pixels(page)).sum())
    assert changed > 1000
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#player-panel").screenshot(path=str(ARTIFACTS / "player.png"))


def test_a_rotation_of_a_plane_keeps_the_drawn_distances(page, server):
    """For a 2→2 layer, the points' positions on the canvas at every frame of a rotation step
    have the pairwise distances of the step's start (Pearson correlation ≥ 0.99)."""
    open_player(page, server, "layers=2,2&" + PLAYGROUND)
    page.select_option("#player-layer", "1")
    wait_player(page, "p.header.layer === 1 && !p.pending")
    steps = player(page, "p.header.steps")
    rotations = [s for s in steps if s["name"] == "rotate"]
    assert len(rotations) == 2
    for st in rotations:
        before = drawn_at(page, st["start"] - 1)
        assert np.ptp(before, axis=0).min() > 20  # spread over the canvas, not collapsed
        for f in range(st["start"], st["start"] + st["count"], 3):
            assert distance_correlation(before, drawn_at(page, f)) >= 0.99, (st["caption"], f)
    # both axes at one scale: the ticks of x and y are as far apart on screen
    assert player(page, "p.labelBoxes.length") >= 4


def test_a_rotate_chip_plays_its_step_and_play_advances(page, server):
    open_player(page, server)
    page.click("#player-play")
    wait_player(page, "p.frameIndex > 3")
    page.click("#player-play")
    wait_player(page, "!p.playing")
    assert player(page, "p.frameIndex") > 3
    page.locator("#player-steps .player-chip", has_text="\u03a3").click()
    start, count = player(page, "[p.header.steps[1].start, p.header.steps[1].count]")
    wait_player(page, f"!p.playing && p.frameIndex === {start + count - 1}")
    assert "scale by" in page.inner_text("#player-caption")


def test_the_player_follows_training_and_holds_an_epoch_with_a_catch_up(page, server):
    open_player(page, server)
    assert player(page, "p.header.epoch") == 0 and player(page, "p.following")
    page.select_option("#speed", "5")
    page.click("#play")
    # it follows: a later epoch is shown while training plays, one request at a time
    wait_player(page, "p.header.epoch >= 20")
    assert "follows training" in page.inner_text("#player-status")
    assert player(page, "p.requests - p.answers") <= 1
    # scrubbing holds the epoch shown
    scrub(page, 10)
    held = player(page, "p.header.epoch")
    page.wait_for_function(f"() => window.depthlens.drawnEpoch >= {held + 40}", timeout=15_000)
    assert player(page, "p.header.epoch") == held and player(page, "p.frameIndex") == 10
    status = page.inner_text("#player-status")
    assert status.startswith(f"showing epoch {held} \u2014") and "catch up" in status
    assert f"epoch {held}" in page.inner_text("#player-caption")
    drawn = page.evaluate("() => window.depthlens.drawn")
    asked = player(page, "p.requests")
    assert asked * 5 < drawn  # about once a second, never once a frame
    page.click("#player-catch-up")
    wait_player(page, f"p.header.epoch > {held + 40} && p.following")
    assert player(page, "p.frameIndex") == 10  # the same moment of the animation, newer weights
    assert "follows training" in page.inner_text("#player-status")
    page.click("#play")  # pause: the player catches the last epoch
    page.wait_for_function("() => !window.depthlens.state.playing", timeout=10_000)
    # the last frame drawn, read in the same check (a frame trained before the pause may
    # still arrive after the page heard it)
    wait_player(page, "p.header.epoch === window.depthlens.frame.header.epoch")


def test_a_hidden_player_asks_for_nothing(page, server):
    load(page, server, PLAYGROUND)
    tab = page.locator(".lens-tab[data-panel=player]")
    if tab.count() and tab.is_visible() and page.locator("#player-panel").is_hidden():
        assert player(page, "p.requests") == 0
        tab.click()
        wait_player(page, "p.header !== null && p.requests === 1")
    else:  # no tabs (or the player is already shown): hide its box by hand
        wait_player(page, "p.header !== null")
        player(page, "(p.onShown(false), 0)")
        asked = player(page, "p.requests")
        page.click("#step")
        page.wait_for_function("() => window.depthlens.drawnEpoch === 1", timeout=10_000)
        assert player(page, "p.requests") == asked


def test_the_player_is_sized_by_its_box(page, server):
    page.set_viewport_size({"width": 1280, "height": 1600})  # the width decides, not the height
    open_player(page, server)
    sizes = []
    for width in (320, 560, 420):
        page.evaluate(f"""() => {{ const r = document.getElementById('player-panel');
            r.style.width = '{width}px'; r.style.boxSizing = 'border-box'; }}""")
        wait_player(page, f"Math.abs(p.size - ({width} - 2 - parseFloat(getComputedStyle("
                          "p.root).paddingLeft) - parseFloat(getComputedStyle(p.root)"
                          ".paddingRight))) <= 1")
        box = page.locator("#player-canvas").bounding_box()
        panel = page.locator("#player-panel").bounding_box()
        assert box["width"] <= panel["width"] and abs(box["width"] - box["height"]) < 1
        sizes.append(box["width"])
        assert inked(page) > 500
    assert sizes[0] < sizes[2] < sizes[1]


def test_the_canvas_text_is_never_clipped(page, server):
    """Every tick number and axis name is written inside the canvas, at every frame and
    angle, with the true minus sign."""
    open_player(page, server, PLAYGROUND + "&layers=6,4")
    for layer in (0, 1, 2):
        page.select_option("#player-layer", str(layer))
        wait_player(page, f"p.header.layer === {layer} && !p.pending")
        n_frames = player(page, "p.header.n_frames")
        size = player(page, "p.size")
        for frame in range(0, n_frames, max(1, n_frames // 8)):
            for yaw, pitch in ((-0.55, 0.5), (2.0, -1.5), (0.0, 1.5)):
                player(page, f"(p.yaw = {yaw}, p.pitch = {pitch}, p.show({frame}), 0)")
                boxes = player(page, "p.labelBoxes.map((b) => [b.text, b.left, b.top, b.right, "
                                     "b.bottom])")
                assert boxes
                for text, left, top, right, bottom in boxes:
                    assert 0 <= left < right <= size and 0 <= top < bottom <= size, text
                    assert "-" not in text  # the true minus sign


def test_the_picture_is_at_slide_resolution_with_the_points_in_their_colours(page, server):
    open_player(page, server)
    scrub(page, 5)
    url = page.evaluate(f"() => {PLAYER}.picture().toDataURL('image/png')")
    state = player(page, "p.pictureState")
    n = len(state["colors"])
    x, y = state["points"][2 * (n - 1)], state["points"][2 * (n - 1) + 1]
    rgb = [int(v) for v in state["colors"][n - 1][4:-1].split(",")]
    # read the PNG the download holds: its size, the last (topmost) point's centre and a
    # corner of the caption band
    width, height, centre, corner = page.evaluate("""async ([src, x, y]) => {
        const img = new Image();
        img.src = src;
        await img.decode();
        const c = document.createElement('canvas');
        c.width = img.width;
        c.height = img.height;
        const ctx = c.getContext('2d', { willReadFrequently: true });
        ctx.drawImage(img, 0, 0);
        const at = (u, v) => Array.from(ctx.getImageData(u, v, 1, 1).data);
        return [img.width, img.height, at(Math.round(x), Math.round(y)), at(img.width - 3, 2)];
    }""", [url, x, y])
    assert max(width, height) >= 1200 and [width, height] == [state["width"], state["height"]]
    assert np.abs(np.array(centre[:3]) - rgb).max() <= 3, (centre, rgb)
    assert corner[:3] == [255, 255, 255]
