"""Your own data and the 1-D view in a real browser (Debian's Chromium through Playwright):
upload a good and a bad CSV, click to add a point, and train on a line y = f(x).

Screenshots go to ``test-artifacts/userdata-*.png``."""

from __future__ import annotations

from tests.web.pages import ARTIFACTS, load, page_state, wait_config, wait_drawn

GOOD = ("x1,x2,label\n" + "".join(
    f"{x / 2},{y / 2},{'in' if x * x + y * y < 16 else 'out'}\n"
    for x in range(-8, 9, 2) for y in range(-8, 9, 2))).encode()
BAD = b"x1,x2,label\n1,2,a\n3,zz,b\n4,5,a\n6,7,b\n"


def _live(server):
    """The server's sessions that have a network (the page's tab)."""
    _, app = server
    return [s for s in app.state.sessions if s.session is not None]


def _upload(page, name: str, body: bytes) -> None:
    page.set_input_files("#ud-file", files=[{"name": name, "mimeType": "text/csv",
                                              "buffer": body}])


def _expected_upload_failure(page) -> None:
    """Drop what the fixture counts as a problem but this test asked for: the 400 answer."""
    page.problems[:] = [p for p in page.problems
                        if "/upload" not in p and "status of 400" not in p]


def test_upload_a_good_csv_and_the_network_trains_on_it(page, server):
    load(page, server)
    assert page.locator("#userdata-panel h4").inner_text().lower() == "your data"
    _upload(page, "good.csv", GOOD)
    page.wait_for_function("() => window.depthlens.state.user_data?.name === 'good.csv'",
                           timeout=15_000)
    state = page_state(page)
    assert state["user_data"] == {"name": "good.csv", "points": 81, "inputs": 2}
    assert state["network"]["class_names"] == ["in", "out"]
    page.wait_for_function("() => document.querySelector('.ud-message').textContent"
                           ".includes('81 points')")
    assert "good.csv" in page.inner_text(".ud-status")
    (live,) = [s for s in _live(server) if s.user_data is not None]
    assert live.session.dataset.n_samples == 81
    for epoch in (1, 2, 3):
        page.click("#step")
        wait_drawn(page, epoch)
    assert live.session.epoch == 3
    assert page.get_attribute("#train-loss", "data-value")
    page.locator(".data-column").screenshot(path=str(ARTIFACTS / "userdata-upload.png"))


def test_a_bad_csv_shows_its_error_and_the_session_goes_on(page, server):
    load(page, server)
    _upload(page, "bad.csv", BAD)
    message = page.locator(".ud-message.error")
    message.wait_for(timeout=10_000)
    text = message.inner_text()
    assert "bad.csv" in text and "line 3" in text and "'x2'" in text and "'zz'" in text
    _expected_upload_failure(page)
    assert page_state(page)["user_data"] is None
    page.click("#step")
    wait_drawn(page, 1)
    page.screenshot(path=str(ARTIFACTS / "userdata-bad-csv.png"), full_page=True)


def test_clicking_the_output_view_adds_a_point(page, server):
    load(page, server, "dataset=gauss")
    state = page_state(page)
    before = state["n_train"] + state["n_test"]
    page.check("#ud-click")
    page.locator(".ud-class[data-class='1']").click()
    page.click("#points", position={"x": 200, "y": 100})
    page.wait_for_function(f"() => window.depthlens.state.user_data?.points === {before + 1}",
                           timeout=10_000)
    (live,) = [s for s in _live(server) if s.user_data is not None]
    assert live.user_data.n_samples == before + 1
    x1, x2 = live.user_data.x[-1]
    assert x1 > 0 and x2 > 0 and live.user_data.y[-1] == 1  # right of centre, above it


def _curve_pixels(page) -> int:
    """Dark pixels of the output view's top layer: the curve (and the axes' labels)."""
    return page.evaluate("""() => {
        const c = document.getElementById('points');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200 && d[i] < 60 && d[i + 1] < 60) n++;
        return n;
    }""")


def test_a_line_draws_y_of_x_and_play_lowers_the_loss(page, server):
    load(page, server, "epochs=0")
    page.locator(".dataset[data-name='line-sign']").click()
    wait_config(page, "c.dataset === 'line-sign'")
    page.wait_for_function("() => window.depthlens.output.line && window.depthlens.output.curve"
                           " && window.depthlens.output.curve.shape[1] === 3", timeout=10_000)
    assert page_state(page)["config"]["features"] == ["x1"]
    page.click("#step")
    wait_drawn(page, 1)
    page.locator(".output-column").screenshot(path=str(ARTIFACTS / "userdata-line-sign.png"))
    page.select_option("#problem", "regression")
    wait_config(page, "c.dataset === 'line-fn'")
    page.wait_for_function("() => window.depthlens.state.network.problem === 'regression' && "
                           "window.depthlens.output.curve?.shape[1] === 1", timeout=10_000)
    state = page_state(page)
    assert state["network"]["sizes"][0] == 1
    assert page.locator("#network .node.input:not(.inactive)").count() == 1
    assert _curve_pixels(page) > 100
    blank = page.evaluate("""() => {
        const c = document.getElementById('heatmap');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        return d.every((v, i) => i % 4 !== 3 || v === 0);
    }""")
    assert not blank
    start = float(page.get_attribute("#test-loss", "data-value"))
    page.click("#play")
    page.wait_for_function(
        f"() => Number(document.getElementById('test-loss').dataset.value) < {start / 2}",
        timeout=40_000)
    page.click("#play")
    page.wait_for_function("() => !window.depthlens.state.playing", timeout=5_000)
    page.screenshot(path=str(ARTIFACTS / "userdata-line.png"), full_page=True)
    page.check("#ud-click")
    points = page_state(page)["n_train"] + page_state(page)["n_test"]
    page.click("#points", position={"x": 150, "y": 60})  # x = 0, y above zero
    page.wait_for_function(f"() => window.depthlens.state.user_data?.points === {points + 1}",
                           timeout=10_000)
    (live,) = [s for s in _live(server) if s.user_data is not None]
    x, y = live.user_data.x[-1, 0], live.user_data.y[-1]
    assert abs(x) < 0.2 and y > 0.3


def test_a_one_input_csv_is_drawn_as_a_line_with_one_input_node(page, server):
    load(page, server)
    body = ("x,y\n" + "".join(f"{x / 10},{(x / 10) ** 2 / 10:.4f}\n"
                              for x in range(-40, 41))).encode()
    _upload(page, "parabola.csv", body)
    page.wait_for_function("() => window.depthlens.state.user_data?.name === 'parabola.csv' && "
                           "window.depthlens.state.network.feature_names.join() === 'x1' && "
                           "window.depthlens.output.curve?.shape[1] === 1", timeout=15_000)
    state = page_state(page)
    assert state["user_data"] == {"name": "parabola.csv", "points": 81, "inputs": 1}
    assert state["network"]["problem"] == "regression" and state["network"]["sizes"][0] == 1
    page.wait_for_function("() => document.querySelectorAll("
                           "'#network .node.input:not(.inactive)').length === 1")
    assert _curve_pixels(page) > 100


def test_a_link_to_a_line_gets_the_line_features(page, server):
    load(page, server, "dataset=line-fn")
    wait_config(page, "c.dataset === 'line-fn'")
    state = page_state(page)
    assert state["network"]["sizes"][0] == 1 and state["network"]["feature_names"] == ["x1"]
    page.wait_for_function("() => document.querySelectorAll("
                           "'#network .node.input:not(.inactive)').length === 1")


def test_clear_then_clicks_start_your_own_points_with_the_chosen_value(page, server):
    load(page, server, "dataset=reg-plane")
    page.fill("#ud-value", "0.7")
    page.click("#ud-clear")
    assert page.is_checked("#ud-click")
    for k, (x, y) in enumerate([(60, 60), (240, 60), (60, 240), (240, 240)]):
        page.click("#points", position={"x": x, "y": y})
        if k < 3:
            assert "more point" in page.inner_text(".ud-status")
    page.wait_for_function("() => window.depthlens.state.user_data?.points === 4",
                           timeout=10_000)
    (live,) = [s for s in _live(server) if s.user_data is not None]
    assert live.user_data.n_samples == 4 and list(live.user_data.y) == [0.7] * 4
    page.click("#step")
    wait_drawn(page, 1)
