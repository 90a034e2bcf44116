"""Each app owns its interactive pool and its panel registry: made when it starts, shut down
when it stops, shared with no other app; importing ``depthlens.web`` starts no thread."""

from __future__ import annotations

import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from depthlens.web import create_app
from depthlens.web.services import INTERACTIVE_THREADS, Services, default_panels
from tests.web.support import open_session, send, until

KINDS = {"space", "probes", "operations", "gradients", "backprop"}


def test_the_default_registry_has_every_panel_once():
    registry = default_panels()
    assert set(registry) == KINDS and len(registry) == len(KINDS)
    assert registry.models()["space"] is registry["space"].model
    assert default_panels() is not registry  # a new one each time
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(registry["space"])


def test_two_apps_have_their_own_pool_and_registry():
    with TestClient(create_app()) as a, TestClient(create_app()) as b:
        sa, sb = a.app.state.services, b.app.state.services
        assert isinstance(sa, Services) and isinstance(sb, Services)
        assert sa.pool is not sb.pool
        assert sa.panels is not sb.panels
        assert sa.lab is not sb.lab
        assert sa.pool._max_workers == sb.pool._max_workers == INTERACTIVE_THREADS


def test_closing_one_app_leaves_the_other_answering_a_step():
    other = TestClient(create_app())
    with other:
        with TestClient(create_app()) as first:
            closed = first.app.state.services
            with first.websocket_connect("/ws") as ws:
                open_session(ws)
        with pytest.raises(RuntimeError):  # its pool is shut down
            closed.pool.submit(print)
        assert other.app.state.services.pool is not closed.pool
        with other.websocket_connect("/ws") as ws:
            _, _, frame = open_session(ws)
            send(ws, type="step", count=2)
            header, _ = until(ws, "frame")
            assert header["epoch"] > frame[0]["epoch"]


def test_a_restarted_app_gets_a_new_pool():
    app = create_app()
    with TestClient(app):
        first = app.state.services
    with TestClient(app) as c:
        assert app.state.services is not first
        with c.websocket_connect("/ws") as ws:
            open_session(ws)


def test_importing_the_web_package_starts_no_thread():
    """No thread, and no pool or registry to start one later (a pool starts its threads on
    first use, so counting threads alone would not see one made at import)."""
    code = ("import gc, threading, concurrent.futures as cf; before = threading.active_count(); "
            "import depthlens.web, depthlens.web.live, depthlens.web.lab, "
            "depthlens.web.services, depthlens.web.panel_registry as p; "
            "pools = [o for o in gc.get_objects() if issubclass(type(o), cf.ThreadPoolExecutor)]; "
            "registries = [o for o in gc.get_objects() if type(o) is p.PanelRegistry]; "
            "print(before, threading.active_count(), len(pools), len(registries), "
            "[t.name for t in threading.enumerate()])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split(maxsplit=4)
    before, after, pools, registries, names = *map(int, out[:4]), out[4]
    assert after == before, names
    assert pools == 0 and registries == 0
