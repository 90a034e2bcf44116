"""The page's code, one way: one DOM helper (dom.js), one number module (format.js), panels
registered by name that reach the page only through their PanelApi (panel-api.js), and each
panel's PNG download its own picture. The first tests read the scripts; the others run them in
headless Chromium."""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import numpy as np
import pytest

import depthlens.web
from tests.web.pages import PLAYGROUND, load, step_until_the_lens_is_drawn

STATIC = Path(depthlens.web.__file__).parent / "static"
SCRIPTS = {p.name: p.read_text() for p in sorted((STATIC / "js").glob("*.js"))}
PANEL_MODULES = ("space.js", "player.js", "backprop.js", "userdata.js")
PANEL_NAMES = ["space", "probes", "player", "backprop", "userdata"]
# What a panel may read and call (panel-api.js); the browser test checks the object itself.
API = {"send", "toast", "upload", "state", "frame", "network", "output"}
NETWORK_HOOKS = {"onHover", "decorate"}
OUTPUT_HOOKS = {"setCurve", "onPick", "adding", "mark"}
# The ids TensorFlow Playground's page has, which tests and users' scripts rely on.
IDS = ["play", "reset", "step", "epoch", "speed", "test-loss", "train-loss", "test-metric",
       "banner", "banner-text", "toast", "network", "heatmap", "space-panel", "probes-panel",
       "player-panel"]


def _defining(pattern: str) -> list[str]:
    return [name for name, text in SCRIPTS.items() if re.search(pattern, text)]


# -- the scripts, read ------------------------------------------------------------------------
def test_only_dom_js_defines_the_dom_helpers_and_every_user_imports_them():
    assert _defining(r"\bfunction\s+el\s*\(|\b(?:const|let|var)\s+el\s*=") == ["dom.js"]
    assert _defining(r"\b(?:const|let|var)\s+\$\s*=|\bfunction\s+\$\s*\(") == ["dom.js"]
    for name, text in SCRIPTS.items():
        if name == "dom.js":
            continue
        imported = re.search(r'import\s*\{([^}]*)\}\s*from\s*"\./dom\.js"', text)
        names = {n.strip() for n in imported.group(1).split(",")} if imported else set()
        for helper, call in (("el", r"(?<![\w$.])el\("), ("$", r"(?<![\w$.])\$\(")):
            if re.search(call, text):
                assert helper in names, f"{name} calls {helper}() without importing it from dom.js"


def test_only_format_js_turns_numbers_into_text_with_digits_or_signs():
    """Significant digits and exponent forms (toPrecision, toExponential), the true minus
    sign put in by a replace, and the exported formatters: format.js only. (Fixed decimals of
    bounded values, `toFixed`, stay where they are written: see format.js's header.)"""
    assert _defining(r"\.toPrecision\(") == ["format.js"]
    assert _defining(r"\.toExponential\(") == ["format.js"]
    assert set(_defining(r"\.replace\([^;\n]*(?:\\u2212|\u2212|MINUS)")) == {"format.js"}
    assert _defining(r"\bMINUS\s*=") == ["format.js"]
    formatters = set(re.findall(r"export function (\w+)", SCRIPTS["format.js"]))
    assert {"compact", "setting", "formatNumber", "roundShown", "fmt", "minus"} <= formatters
    for name, text in SCRIPTS.items():
        if name != "format.js":
            exported = set(re.findall(r"export (?:function|const) (\w+)", text))
            assert not exported & formatters, f"{name} defines {sorted(exported & formatters)}"


def test_panels_reach_the_page_only_through_their_api():
    for name in PANEL_MODULES:
        code = re.sub(r"/\*[\s\S]*?\*/|//.*", "", SCRIPTS[name])  # no comments
        assert "playground" not in code, name
        assert set(re.findall(r"\bapi\.(\w+)", code)) <= API, name
        assert set(re.findall(r"\bapi\.network\.(\w+)", code)) <= NETWORK_HOOKS, name
        assert set(re.findall(r"\bapi\.output\.(\w+)", code)) <= OUTPUT_HOOKS, name
    main = SCRIPTS["main.js"]
    assert not re.search(r"panels\[|panels\.push", main)  # by name, and panels only
    for key in PANEL_NAMES:
        assert f'["{key}", new ' in main


def test_the_page_keeps_playgrounds_element_ids():
    html = (STATIC / "index.html").read_text()
    for name in IDS:
        assert html.count(f'id="{name}"') == 1, name


# -- the page, run ---------------------------------------------------------------------------
def test_panels_are_registered_by_name_with_one_narrow_api(page, server):
    load(page, server, PLAYGROUND)
    found = page.evaluate("""() => {
        const d = window.depthlens;
        const apis = [...d.panels.values()].map((p) => p.api);
        const api = apis[0];
        const reaches = (o) => Object.values(o).some((v) => v === d || v === d.network
            || v === d.output || v === d.controls);
        return {
            names: [...d.panels.keys()],
            one: apis.every((a) => a === api),
            frozen: [api, api.network, api.output].every((o) => Object.isFrozen(o)),
            keys: Object.keys(api).sort(),
            network: Object.keys(api.network).sort(),
            output: Object.keys(api.output).sort(),
            reaches: reaches(api) || reaches(api.network) || reaches(api.output),
            state: api.state() === d.state,
            frame: api.frame() === d.frame,
        };
    }""")
    assert found["names"] == PANEL_NAMES
    assert found["one"] and found["frozen"] and not found["reaches"]
    assert set(found["keys"]) == API
    assert set(found["network"]) == NETWORK_HOOKS and set(found["output"]) == OUTPUT_HOOKS
    assert found["state"] and found["frame"]


COMPOSITE = """async (name) => {  // the named panel's picture over white, as a download
    const { onWhite } = await import('/static/js/picture.js');
    return onWhite([window.depthlens.panels.get(name).picture()]).toDataURL('image/png');
}"""


def _rgb(png: bytes) -> np.ndarray:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB"))


def test_each_panels_download_is_that_panels_picture(page, server):
    step_until_the_lens_is_drawn(page, server, 2)
    which = page.evaluate("""() => {
        const p = window.depthlens.panels;
        const probes = p.get('probes').picture();
        const space = p.get('space').picture();  // drawn again at slide resolution
        return {
            space: space instanceof HTMLCanvasElement && !space.isConnected && space.width >= 1200,
            player: ((c) => c instanceof HTMLCanvasElement && !c.isConnected
                && Math.max(c.width, c.height) >= 1200)(p.get('player').picture()),
            probes: probes instanceof HTMLCanvasElement && !probes.isConnected,
            none: [p.get('backprop').picture, p.get('userdata').picture],
        };
    }""")
    assert which == {"space": True, "player": True, "probes": True, "none": [None, None]}
    for button, name in (("export-space", "space"), ("export-player", "player"),
                         ("export-probes", "probes")):
        for _ in range(10):  # the space eases its bounds for a moment: until a picture holds
            before = page.evaluate(COMPOSITE, name)
            with page.expect_download() as info:
                page.click(f"#{button}")
            if page.evaluate(COMPOSITE, name) == before:
                break
        else:
            pytest.fail(f"the {name} panel's picture never held still")
        shown = _rgb(base64.b64decode(before.split(",", 1)[1]))
        saved = _rgb(Path(info.value.path()).read_bytes())
        assert saved.shape == shown.shape, button
        assert np.array_equal(saved, shown), button
        assert (np.abs(shown.astype(int) - 255).sum(axis=2) > 30).mean() > 0.01, name  # drawn
    assert page.problems == []


def test_the_lab_keeps_its_link_when_the_playground_hears_a_state(page, server):
    load(page, server, PLAYGROUND)
    config = page.evaluate("location.hash")
    page.click("#tabs [data-tab='lab']")
    page.wait_for_function("() => window.depthlens.lab?.ready && location.hash.startsWith('#lab:')",
                           timeout=15_000)
    link = page.evaluate("location.hash")
    page.evaluate("() => { window.before = window.depthlens.state; "
                  "window.depthlens.send({type: 'reset'}); }")
    page.wait_for_function("() => window.depthlens.state !== window.before", timeout=10_000)
    assert page.evaluate("location.hash") == link  # the state's Config query did not stay
    page.click("#tabs [data-tab='playground']")
    assert page.evaluate("location.hash") == config
    assert page.problems == []
