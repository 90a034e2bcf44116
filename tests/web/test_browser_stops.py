"""In the browser, a link pauses at the same epoch with the same numbers at every speed."""

from __future__ import annotations

import pytest

from tests.web.pages import load

LINK = "loss=half_mse&output=tanh&seed=3&epochs=0&target_loss=0.1"


def _play_to_the_pause(page, server, link: str, speed: str) -> tuple[str, str, str]:
    page.goto("about:blank")  # the same link again must be a new page, not a hash change
    load(page, server, link)
    page.select_option("#speed", speed)
    page.wait_for_function(f"() => String(window.depthlens.state.epochs_per_frame) === '{speed}'")
    page.click("#play")
    page.wait_for_function("() => !document.getElementById('banner').hidden", timeout=30_000)
    page.wait_for_function("() => window.depthlens.drawnEpoch === window.depthlens.stopped?.epoch")
    return (page.inner_text("#epoch"), page.get_attribute("#test-loss", "data-value"),
            page.inner_text("#banner-text"))


@pytest.mark.parametrize("link", [LINK, LINK.replace("epochs=0&target_loss=0.1", "epochs=23")])
def test_the_same_link_pauses_at_the_same_epoch_and_numbers_at_every_speed(page, server, link):
    slow = _play_to_the_pause(page, server, link, "1")
    fast = _play_to_the_pause(page, server, link, "max")
    assert slow == fast, (slow, fast)
    assert slow[2].startswith(f"Paused at epoch {int(slow[0].replace(',', ''))}")
