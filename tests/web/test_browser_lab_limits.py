"""The Lab's limits seen from the page (#13 item 3): its requests name the tab's session, a
network race stopped at the Lab's time budget says so under the table, and a burst of surface
races never supersedes the tab's own request (one at a time: no 409, the last one shown)."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.web.test_browser_lab import LAB, open_lab

SESSION_HEADER = "x-depthlens-session"


def lab_requests(page: Page) -> list[tuple[str, str | None]]:
    """(path, session header) of every Lab request the page makes from now on."""
    seen: list[tuple[str, str | None]] = []

    def note(request) -> None:
        if "/api/lab/" in request.url:
            seen.append((request.url.split("/api/lab/")[1], request.headers.get(SESSION_HEADER)))

    page.on("request", note)
    return seen


def test_a_stopped_network_race_says_so_and_names_its_tab(page, server, monkeypatch):
    _, app = server
    monkeypatch.setattr(app.state.services.lab, "seconds", 0.1)
    seen = lab_requests(page)
    open_lab(page, server)
    session = page.evaluate("() => window.depthlens.hello.session")
    live = {s.id for s in app.state.sessions}
    assert session in live
    page.select_option(".lab-dataset", "spiral")
    page.fill(".lab-layers", "8, 8")
    page.fill(".lab-budget", "50000")
    page.click(".lab-net-race")
    page.wait_for_function(f"() => ({LAB})().networkRace !== null", timeout=60_000)
    race = page.evaluate(f"() => ({LAB})().networkRace")
    assert race["stopped"] and race["epochs"] < race["requested_epochs"]
    summary = page.text_content(".lab-net-summary")
    assert f"{race['epochs']} epochs of {race['n_train']} training samples" in summary
    assert f"The race was {race['stopped']}." in summary
    assert "rounded to whole epochs" not in summary  # the budget was cut by time, not rounding
    assert ("network", session) in seen
    assert all(header == session for path, header in seen if path in ("race", "network"))


def test_a_burst_of_surface_races_sends_one_at_a_time_and_shows_the_last(page, server):
    seen = lab_requests(page)
    answers: list[int] = []
    page.on("response", lambda r: answers.append(r.status) if "/api/lab/race" in r.url else None)
    open_lab(page, server)
    first = len([p for p, _ in seen if p == "race"])
    page.evaluate(f"""() => {{
        const s = ({LAB})().surface;
        for (const steps of [101, 102, 103, 104, 105]) {{ s.steps.value = String(steps); s.run(); }}
    }}""")
    page.wait_for_function(f"() => ({LAB})().race?.steps === 105 && !({LAB})().surface.racing",
                           timeout=30_000)
    sent = len([p for p, _ in seen if p == "race"]) - first
    assert 1 <= sent <= 2  # the one under way when the burst began, then the newest form
    assert 409 not in answers and set(answers) == {200}
