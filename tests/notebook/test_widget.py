"""``depthlens.Playground``, the notebook widget: its LiveSession over the widget's channel.

In-process, the widget's handler is called with the front end's messages and what it sends is
captured; then a real IPython kernel (jupyter_client) makes the widget, opens its comm as a front
end would, and trains the notebook's own Session through it, and the other way round.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import time
from typing import Any

import pytest

from depthlens.experiment import Config, Session
from depthlens.notebook.widget import Playground, page_css, page_html, page_modules, scoped_css
from depthlens.web.frames import decode_frame


def test_import_depthlens_imports_no_widget_library() -> None:
    """``import depthlens`` leaves anywidget and ipywidgets alone; ``dl.Playground`` is the
    widget class."""
    code = textwrap.dedent("""
        import sys, depthlens as dl
        print(sorted(m for m in ("anywidget", "ipywidgets") if m in sys.modules))
        print(dl.Playground.__module__)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1] == "depthlens.notebook.widget"


def test_page_modules_are_the_served_pages() -> None:
    """The widget ships the served page's own modules (no copy), widget.js among them."""
    modules = page_modules()
    assert {"main.js", "frames.js", "heatmap.js", "widget.js"} <= modules.keys()
    assert "export function decodeFrame" in modules["frames.js"]


def test_the_widget_holds_the_served_pages_body_and_its_css_scoped_to_it() -> None:
    """The widget's page is index.html's body (its ids, no script) and every stylesheet of it
    with the document's selectors turned into the shadow root's and the window's media
    queries into container queries of the page box."""
    html = page_html()
    for name in ("play", "epoch", "network", "heatmap", "lens", "space-panel", "toast"):
        assert html.count(f'id="{name}"') == 1, name
    assert "<script" not in html and "<body" not in html
    css = page_css()
    assert "@media" not in css and css.count("@container (") == 5
    assert ":host {" in css and ".depthlens-page.present .columns" in css
    assert ".lab-race-body" in css  # a class ending in "body" is left alone
    assert scoped_css("body.present .a { x: 1 }\n@media (max-width: 9px) { .b { y: 2 } }") \
        .endswith(".depthlens-page.present .a { x: 1 }\n@container (max-width: 9px) "
                  "{ .b { y: 2 } }")
    for bad in ("html { margin: 0 }", "body > p { x: 1 }", "@media print { a { b: c } }"):
        with pytest.raises(ValueError, match="cannot scope"):
            scoped_css(bad)


class Captured:
    """What a widget sends: (content, buffers) pairs, decoded."""

    def __init__(self, widget: Playground) -> None:
        self.texts: list[dict[str, Any]] = []
        self.frames: list[dict[str, Any]] = []
        self.replies: list[tuple[dict[str, Any], list[bytes] | None]] = []
        widget.send = self.send  # type: ignore[method-assign]

    def send(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        if content["kind"] == "reply":  # the answer to a request: kept whole
            self.replies.append((content, buffers))
        elif content["kind"] == "text":
            assert buffers is None
            self.texts.append(json.loads(content["text"]))
        else:
            assert content == {"kind": "bytes"} and buffers is not None and len(buffers) == 1
            self.frames.append(decode_frame(buffers[0])[0])

    def types(self) -> list[str]:
        return [m["type"] for m in self.texts]

    def kinds(self) -> list[str]:
        return [h["kind"] for h in self.frames]


async def until(condition: Any, seconds: float = 60.0) -> None:
    """Let the loop run until ``condition()`` holds (a test waiting forever fails instead)."""
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "the widget never sent what was awaited"
        await asyncio.sleep(0.01)


async def opened(widget: Playground) -> Captured:
    """What ``widget`` sends, captured, once a view has opened it and its first frame is out."""
    sent = Captured(widget)
    widget._on_custom(widget, {"kind": "open"}, [])
    await until(lambda: "frame" in sent.kinds())
    return sent


def test_widget_trains_the_session_it_was_given() -> None:
    """Open → hello, thumbnails, then the given Session's state, data and frame; a step sent by
    the front end trains that very Session; ``refresh`` shows what a cell did to it."""

    async def main() -> None:
        session = Session(Config(dataset="xor", epochs=0))
        widget = Playground(session)
        sent = await opened(widget)
        assert sent.types()[:2] == ["hello", "state"]
        assert sent.kinds() == ["thumbnails", "data", "frame"]
        assert sent.texts[1]["config"]["dataset"] == "xor"
        assert widget.session is session

        step = json.dumps({"type": "step", "unit": "epoch", "count": 3})
        widget._on_custom(widget, {"kind": "text", "text": step}, [])
        await until(lambda: sent.kinds().count("frame") == 2)
        assert sent.frames[-1]["epoch"] == 3 and session.epoch == 3

        session.run(4)  # a cell trains it; the widget shows it when asked
        widget.refresh()
        await until(lambda: sent.kinds().count("frame") == 3)
        assert sent.frames[-1]["epoch"] == 7
        assert len(sent.frames[-1]["rows"]) == 7  # the chart drawn again from every row
        widget.close()

    asyncio.run(main())


def test_bad_message_gets_the_pages_error() -> None:
    """A page message the protocol refuses is answered with an ``error`` naming the field."""

    async def main() -> None:
        widget = Playground(Config(dataset="circle"))
        sent = Captured(widget)
        widget._on_custom(widget, {"kind": "text", "text": json.dumps({"type": "speed",
                                                                      "epochs_per_frame": -3})},
                          [])
        await until(lambda: "error" in sent.types())
        error = sent.texts[sent.types().index("error")]
        assert error["field"] == "epochs_per_frame"
        widget.close()

    asyncio.run(main())


def test_playground_refuses_what_is_not_a_session_or_config() -> None:
    async def main() -> None:
        with pytest.raises(TypeError, match="str is not allowed"):
            Playground("xor")  # type: ignore[arg-type]

    asyncio.run(main())


def test_playground_of_a_torch_model_trains_its_weights_on_its_data() -> None:
    """``Playground(model, X, y)``: the widget trains ``imported.session_for``'s Session, whose
    network holds the torch model's weights, drawn over the data's own window."""
    torch = pytest.importorskip("torch")
    import numpy as np

    from depthlens.nn.interop import from_torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1),
                                torch.nn.Sigmoid())
    rng = np.random.default_rng(0)
    X = rng.uniform(3, 7, size=(60, 2))  # far from any registry window
    y = (X[:, 0] > X[:, 1]).astype(int)

    async def main() -> None:
        widget = Playground(model, X, y)
        sent = Captured(widget)
        session = widget.session
        assert np.array_equal(session.net.params, from_torch(model).params)
        assert session.imported and session.dataset.n_samples == 60
        widget._on_custom(widget, {"kind": "open"}, [])
        await until(lambda: "frame" in sent.kinds())
        assert widget.live.view is not None and widget.live.session is session
        before = session.net.params.copy()
        step = json.dumps({"type": "step", "unit": "epoch", "count": 2})
        widget._on_custom(widget, {"kind": "text", "text": step}, [])
        await until(lambda: sent.kinds().count("frame") == 2)
        assert session.epoch == 2 and sent.frames[-1]["epoch"] == 2
        assert not np.array_equal(session.net.params, before)
        widget.close()

    asyncio.run(main())


def test_widget_on_the_notebooks_own_data_takes_config_changes_on_that_data() -> None:
    """``Playground(net, X, y)``: the data is the tab's own (as an upload), so the page's
    controls change the network and train on those very points; picking a playground dataset
    leaves them, as on the page."""
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)

    async def main() -> None:
        widget = Playground(Session(Config(dataset="xor")).net, X, y)
        sent = await opened(widget)
        state = sent.texts[sent.types().index("state")]
        assert state["config"]["dataset"] == "csv:your data"
        assert state["user_data"] == {"name": "your data", "points": 80, "inputs": 2}

        async def change(**fields: Any) -> dict[str, Any]:
            n = len(sent.texts)
            config = {**state["config"], **fields}
            widget._on_custom(widget, {"kind": "text", "text": json.dumps(
                {"type": "config", "config": config, "seq": n})}, [])
            await until(lambda: any(m["type"] in ("state", "error") for m in sent.texts[n:]))
            return next(m for m in sent.texts[n:] if m["type"] in ("state", "error"))

        answer = await change(layers=[3])
        assert answer["type"] == "state", answer
        assert answer["network"]["sizes"] == [2, 3, 1]
        assert np.array_equal(np.sort(np.concatenate([widget.session.dataset.x[:, 0]])),
                              np.sort(X[:, 0].astype(widget.session.dataset.x.dtype)))
        answer = await change(dataset="circle")  # a playground dataset: theirs are left
        assert answer["type"] == "state" and answer["user_data"] is None
        assert answer["config"]["dataset"] == "circle"
        answer = await change(dataset="csv:your data")  # and not named again: no file is read
        assert answer["type"] == "error" and answer["field"] == "dataset"
        widget.close()

    asyncio.run(main())


def test_model_download_and_csv_upload_travel_over_the_widget_channel() -> None:
    """The page's two HTTP routes, as widget requests: the model as a zip (model.json, .npz,
    config.json) and a CSV file as the Session's data; a bad file is refused naming it."""
    import io
    import zipfile

    async def main() -> None:
        widget = Playground(Config(dataset="circle"))
        sent = await opened(widget)
        widget._on_custom(widget, {"kind": "model", "id": 1}, [])
        await until(lambda: len(sent.replies) == 1)
        reply, buffers = sent.replies[0]
        assert reply == {"kind": "reply", "id": 1, "ok": True} and buffers is not None
        names = zipfile.ZipFile(io.BytesIO(buffers[0])).namelist()
        assert {"model.json", "model.npz", "config.json"} <= set(names)

        rows = "x1,x2,label\n" + "".join(f"{i % 7},{i % 5},{i % 2}\n" for i in range(30))
        widget._on_custom(widget, {"kind": "upload", "id": 2, "name": "mine.csv"},
                          [memoryview(rows.encode())])
        await until(lambda: len(sent.replies) == 2)
        reply, _ = sent.replies[1]
        assert reply["ok"] and reply["body"]["points"] == 30 and reply["body"]["name"] == "mine.csv"
        assert widget.session.dataset.n_samples == 30

        widget._on_custom(widget, {"kind": "upload", "id": 3, "name": "bad.csv"},
                          [b"x1,x2,label\n1,2\n"])
        await until(lambda: len(sent.replies) == 3)
        reply, _ = sent.replies[2]
        assert reply["id"] == 3 and not reply["ok"] and "bad.csv" in reply["message"]
        assert widget.session.dataset.n_samples == 30  # kept
        widget.close()

    asyncio.run(main())


def test_cell_hooks_refresh_a_changed_session_and_drop_closed_widgets() -> None:
    """The cell events' handlers, called as IPython would: a Session trained between them is
    refreshed (a frame of its new epoch), and one whose weights a cell only set or copied;
    an unchanged one is not; a closed widget is gone."""
    from depthlens.notebook import widget as module

    async def main() -> None:
        session = Session(Config(dataset="xor", epochs=0))
        widget = Playground(session)
        sent = await opened(widget)
        module._before_cell()
        module._after_cell()  # a cell that trained nothing
        module._before_cell()
        session.run(3)
        module._after_cell()
        await until(lambda: sent.kinds().count("frame") == 2)
        assert sent.frames[-1]["epoch"] == 3
        widget.refresh()  # answered in order: after any refresh the hooks asked for
        await until(lambda: sent.kinds().count("frame") >= 3)
        assert sent.kinds().count("frame") == 3  # the unchanged cell sent nothing
        module._before_cell()
        session.net.weights[0][0, 0] = 2.5  # a cell that only sets a weight, in place
        module._after_cell()
        await until(lambda: sent.kinds().count("frame") == 4)
        assert sent.frames[-1]["epoch"] == 3  # not trained: refreshed for the weight alone
        module._before_cell()
        other = Session(Config(dataset="xor", epochs=0, seed=5))
        session.adopt_network(other)  # a cell that copies another network's parameters
        module._after_cell()
        await until(lambda: sent.kinds().count("frame") == 5)
        assert widget in module._open
        widget.close()
        assert widget not in module._open

    asyncio.run(main())


# -- a real kernel ------------------------------------------------------------------------------
class Kernel:
    """An IPython kernel and a client that plays the widget's front end."""

    def __init__(self) -> None:
        from jupyter_client.manager import start_new_kernel

        self.km, self.kc = start_new_kernel(kernel_name="python3")
        self.comms: dict[str, dict[str, Any]] = {}
        self.custom: list[tuple[dict[str, Any], list[bytes]]] = []

    def run(self, code: str, seconds: float = 120) -> str:
        """Execute ``code``; its stdout (comm messages seen meanwhile are kept)."""
        msg_id = self.kc.execute(code)
        out, done = [], False
        end = time.monotonic() + seconds
        while not done:
            msg = self.kc.get_iopub_msg(timeout=max(end - time.monotonic(), 0.1))
            self._keep(msg)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                out.append(content["text"])
            elif kind == "error":
                raise AssertionError("\n".join(content["traceback"]))
            elif kind == "status" and content["execution_state"] == "idle":
                done = True
        return "".join(out)

    def _keep(self, msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "comm_open":
            self.comms[msg["content"]["comm_id"]] = msg["content"]
        elif msg["msg_type"] == "comm_msg":
            data = msg["content"]["data"]
            if data.get("method") == "custom":
                self.custom.append((data["content"], [bytes(b) for b in msg["buffers"]]))

    def send_custom(self, comm_id: str, content: dict[str, Any]) -> None:
        """What widget.js's ``model.send(content)`` sends."""
        msg = self.kc.session.msg("comm_msg", {"comm_id": comm_id,
                                               "data": {"method": "custom", "content": content}})
        self.kc.shell_channel.send(msg)

    def wait_custom(self, condition: Any, seconds: float = 120) -> None:
        end = time.monotonic() + seconds
        while not condition():
            assert time.monotonic() < end, "the kernel never sent what was awaited"
            try:
                self._keep(self.kc.get_iopub_msg(timeout=0.5))
            except Exception:  # queue.Empty: nothing yet
                continue

    def texts(self) -> list[dict[str, Any]]:
        return [json.loads(c["text"]) for c, _ in self.custom if c["kind"] == "text"]

    def frames(self) -> list[dict[str, Any]]:
        return [decode_frame(b[0])[0] for c, b in self.custom if c["kind"] == "bytes"]

    def stop(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


@pytest.fixture
def kernel() -> Any:
    k = Kernel()
    yield k
    k.stop()


def widget_comm(kernel: Kernel) -> str:
    """The comm of the depthlens widget the kernel opened (anywidget's model, with widget.js)."""
    ours = [cid for cid, c in kernel.comms.items()
            if c["data"]["state"].get("_anywidget_id") == "depthlens.notebook.widget.Playground"]
    assert len(ours) == 1, kernel.comms
    state = kernel.comms[ours[0]]["data"]["state"]
    assert "export default" in state["_esm"] and "heatmap.js" in state["_modules"]
    return ours[0]


def open_xor_widget(kernel: Kernel) -> str:
    """In the kernel: ``s`` a Session on xor, ``w = dl.Playground(s)`` displayed and opened as
    the front end opens it (hello … first frame received); its comm."""
    kernel.run("import depthlens as dl\n"
               "s = dl.Session(dl.Config(dataset='xor', epochs=0))\n"
               "w = dl.Playground(s)\n"
               "display(w)")
    comm = widget_comm(kernel)
    kernel.send_custom(comm, {"kind": "open"})
    kernel.wait_custom(lambda: len(kernel.frames()) >= 3)
    return comm


def test_real_kernel_widget_trains_the_notebooks_session(kernel: Kernel) -> None:
    """In a kernel: the widget's comm opens; a config message is answered with state + data +
    frame; a step from the front end trains the notebook's ``s``; ``s.run`` in a cell and
    ``w.refresh()`` send its new epoch; a second widget is independent."""
    comm = open_xor_widget(kernel)
    assert [m["type"] for m in kernel.texts()][:2] == ["hello", "state"]
    assert [f["kind"] for f in kernel.frames()] == ["thumbnails", "data", "frame"]

    config = {"type": "config", "query": "dataset=xor&epochs=0&lr=0.1"}
    kernel.send_custom(comm, {"kind": "text", "text": json.dumps(config)})
    kernel.wait_custom(lambda: sum(m["type"] == "state" for m in kernel.texts()) >= 2)
    assert kernel.texts()[-1]["config"]["lr"] == 0.1  # a live change: the same Session
    assert kernel.run("print(w.session is s, s.config.lr)").split() == ["True", "0.1"]

    step = {"type": "step", "unit": "epoch", "count": 5}
    kernel.send_custom(comm, {"kind": "text", "text": json.dumps(step)})
    kernel.wait_custom(lambda: kernel.frames()[-1].get("epoch") == 5)
    assert kernel.run("print(s.epoch)").strip() == "5"

    kernel.run("s.run(10)\nw.refresh()")
    kernel.wait_custom(lambda: kernel.frames()[-1].get("epoch") == 15)

    kernel.run("w2 = dl.Playground(dl.Config(dataset='circle'))\ndisplay(w2)")
    other = [cid for cid, c in kernel.comms.items() if cid != comm
             and c["data"]["state"].get("_anywidget_id", "").endswith("Playground")]
    assert len(other) == 1
    before = len(kernel.custom)
    kernel.send_custom(other[0], {"kind": "open"})
    kernel.wait_custom(lambda: any(f["kind"] == "frame" for f in kernel.frames()[3 + 3:])
                       and len(kernel.custom) > before + 4)
    assert kernel.run("print(w2.session is not s, w2.session.config.dataset, s.epoch)"
                      ).split() == ["True", "circle", "15"]


def test_real_kernel_cell_that_trains_the_session_refreshes_the_widget(kernel: Kernel) -> None:
    """After a cell ``s.run(5)`` the widget sends a frame of epoch 5 by itself (post_run_cell,
    no ``refresh()``)."""
    open_xor_widget(kernel)
    assert kernel.frames()[-1]["epoch"] == 0
    kernel.run("s.run(5)")
    kernel.wait_custom(lambda: kernel.frames()[-1].get("epoch") == 5)
    assert kernel.frames()[-1]["kind"] == "frame"


def test_real_kernel_next_cell_pauses_a_playing_widget(kernel: Kernel) -> None:
    """A playing widget is paused before the next cell runs (pre_run_cell): the cell sees
    ``playing`` False, and the page is told (a ``status`` with playing False)."""
    comm = open_xor_widget(kernel)
    kernel.send_custom(comm, {"kind": "text", "text": json.dumps({"type": "play"})})
    kernel.wait_custom(lambda: kernel.frames()[-1].get("epoch", 0) > 0)
    assert any(m["type"] == "status" and m["playing"] for m in kernel.texts())
    assert kernel.run("print(w.live.playing)").strip() == "False"
    kernel.wait_custom(lambda: any(m["type"] == "status" and not m["playing"]
                                   for m in kernel.texts()))
    assert kernel.run("print(w.live.playing)").strip() == "False"
