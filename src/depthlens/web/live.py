"""One browser tab's experiment: a Session trained live and streamed to the page.

A ``LiveSession`` owns a :class:`~depthlens.experiment.session.Session` and answers the page's
messages (``protocol``). While playing, a background task trains in chunks in a worker thread
(``asyncio.to_thread``; the numba kernels release the GIL, so the event loop stays responsive)
and sends at most ``FPS`` frames a second, each carrying what was trained since the last one.
A chunk is ``epochs_per_frame`` epochs (1 is Playground's pace: one epoch per animation frame),
or with ``'max'`` as many epochs as fit in the frame's training budget: what the frame
interval leaves once the rest of a frame's work is paid (see ``train_budget``), at most
``TRAIN_BUDGET`` seconds.

Server → page messages:

- text ``hello`` (once: limits and the option lists: optimizers, initializers and the valid
  loss/output heads with their parameters' defaults), ``state`` (the Config, its URL query, the
  network's structure, counters, the colour tables; ``fresh`` when the network was rebuilt or
  reset, so the page clears its loss chart), ``status`` (playing, speed), ``stopped`` (reason:
  play paused at Config.epochs or at the target test loss), ``error`` (field, message in the
  page's words, the ``seq`` of the last Config change seen), ``diverged`` (epoch, step, loss,
  the likely cause, whether the restored weights can be trained on, message) and ``notice``
  (the fields of a link that fell back to their defaults, and a message);
- binary (``frames``) ``thumbnails`` (once: every dataset's picture), ``data`` (the points and
  the nine feature maps, when the data changes) and ``frame`` (epoch, steps, the ``batch``
  position (``batch_position``), new history rows, current losses, weights and biases, the
  output map and every node's map; a frame answering a ``step`` also has ``stepped``: unit,
  count, ``done`` (how many were trained), ``cut`` (None; 'time' after STEP_SECONDS;
  'superseded' by a newer message) and the training loss before and after).

Panels (``panels``: the hidden space, probes, gradients, the operation player, the backprop
stepper) answer their own messages with a binary frame of their kind; live ones are re-sent
after training chunks while subscribed. Your own data (points added by clicking, an uploaded
CSV: ``userdata``) replaces the Config's generated data until another dataset is picked.

Steps, edits and panel requests run on the app's own small thread pool (``Services.pool``,
given with the app's panel registry at construction), so a click is not queued behind the
training chunks of every other tab. A step goes through it in slices of STEP_SLICE seconds and
stops after STEP_SECONDS, when a newer message supersedes it or when the tab closes: the
socket's reader (``app``) ``read``s each message as it arrives, while an earlier one is still
being answered, and sets ``closing`` when the page goes.

Every state change happens under one asyncio lock, so a frame never mixes two networks and an
edit lands between two chunks (within one frame's time) even while training; the one exception
is a live Config change (learning rate, stop epoch, reshuffle: plain assignments the chunk under
way picks up at its next step).
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import io
import json
import logging
import random
import secrets
import threading
import time
import zipfile
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from depthlens.data import DATASETS, Dataset, make_dataset
from depthlens.data.features import FEATURES
from depthlens.errors import ConfigError, DepthlensError, DivergenceError
from depthlens.experiment.config import Config
from depthlens.experiment.diagnosis import Edit, explain_divergence
from depthlens.experiment.session import Session
from depthlens.nn import ACTIVATIONS
from depthlens.nn.initializers import INITIALIZERS, PARAM_CHOICES, init_params
from depthlens.nn.optimizers import OPTIMIZERS, PRESETS
from depthlens.nn.regularization import REGULARIZATIONS
from depthlens.nn.serialize import model_arrays, model_spec, npz_bytes
from depthlens.web import palettes, userdata, wording
from depthlens.web.dataset_params import param_controls
from depthlens.web.frames import encode_frame, json_safe
from depthlens.web.heatmaps import NODE_RESOLUTION, RESOLUTION, PlaneView, make_view
from depthlens.web.protocol import (
    LIMITS,
    PLAYGROUND_DATASETS,
    TARGET_KEY,
    ConfigMessage,
    EditMessage,
    PauseMessage,
    PlayMessage,
    PointsMessage,
    ProtocolError,
    RegenerateMessage,
    ResetMessage,
    SpeedMessage,
    StepMessage,
    check_edit,
    config_of,
    page_default,
    parse_message,
)

if TYPE_CHECKING:
    from depthlens.nn.training import Trainer
    from depthlens.web.services import Services

log = logging.getLogger(__name__)

FPS = 60
TRAIN_BUDGET = 0.012
"""At most this many seconds of training per frame at speed 'max' (a frame is 1/60 s)."""
MIN_TRAIN_BUDGET = 0.002
"""At least this many: a big network's frame must still train."""
STEP_SLICE = 0.05
"""Seconds of training in one trip through the interactive pool for a ``step``: a long step
(1,000 epochs of a big network) goes in slices, within an epoch if need be, so other tabs'
requests are served between them, and a step whose tab closed stops after the slice under
way."""
STEP_SECONDS = 5.0
"""A step trains for at most this long (the heaviest the limits allow, 1,000 epochs of a
10 × 16 network at batch 1 on 5,000 points, would take minutes); its frame says how much it
trained (``stepped.done``, ``stepped.cut``)."""
CHUNK_SECONDS = 0.1
"""While playing at a fixed speed, a frame trains its epochs or this long, whichever ends
first (at least one epoch): 1,000 epochs a frame of a big network would hold a worker for
minutes. The frames' epoch numbers show the pace actually reached."""
SUPERSEDING = frozenset({"pause", "play", "reset", "regenerate", "config", "edit", "points"})
"""Messages that stop a step under way at its next slice (``stepped.cut`` 'superseded'): what
the page sends when the user changes the training. A newer ``step`` does not: each click
counts."""
FRAME_MARGIN = 0.0025
"""Seconds of a frame interval left free for the jitter of a shared machine."""


def _holds_training(method: Callable[..., Any]) -> Callable[..., Any]:
    """A LiveSession method its worker thread trains in, run holding ``self.training``."""
    @functools.wraps(method)
    def holding(self: LiveSession, *args: Any) -> Any:
        with self.training:
            return method(self, *args)
    return holding


def step_slice(session: Session, unit: str, left: int, budget: float | None = None
               ) -> tuple[int, DivergenceError | None]:
    """Train towards ``left`` epochs (``unit`` 'epoch': each to the end of the epoch under
    way, as ``Session.train_epoch``) or mini-batches ('batch') of ``session``, at least one
    mini-batch, stopping once ``budget`` seconds (STEP_SLICE) have gone by, within an epoch if
    need be (the next slice goes on from there: ``Trainer.train_steps``; the updates are the
    same as in one call): (how many epochs or batches were completed, the DivergenceError
    that stopped them or None).

    An epoch goes in parts of k mini-batches, k chosen from the last part's time per
    mini-batch so that a part takes about a quarter of the budget: a small network's epoch
    is one compiled call, a 10 × 16 network's at batch 1 (110 ms) is cut into slices."""
    budget = STEP_SLICE if budget is None else budget
    trainer = session.trainer
    start = time.perf_counter()
    done, part = 0, 1
    try:
        while done < left:
            if unit == "epoch":
                began, steps = time.perf_counter(), trainer.steps_done
                if trainer.train_steps(part):
                    done += 1
                each = (time.perf_counter() - began) / max(trainer.steps_done - steps, 1)
                part = int(min(max(budget / 4 / max(each, 1e-7), 1), 1 << 20))
            else:
                session.step()
                done += 1
            if time.perf_counter() - start >= budget:
                break
    except DivergenceError as e:
        return done, e
    return done, None


def train_budget(overhead: float, interval: float = 1.0 / FPS) -> float:
    """Seconds to train in a frame at speed 'max': the frame interval less the rest of a
    frame's work (``overhead``: building the frame and its panels, sending it, the thread hop,
    as last measured) and a margin, within [MIN_TRAIN_BUDGET, TRAIN_BUDGET]. With a fixed
    12 ms, a frame whose other work took 5 ms (a 10×16 network's maps, or a busy machine)
    missed its 1/60 s and the page got 55 or 35 frames a second instead of 60."""
    return min(TRAIN_BUDGET, max(MIN_TRAIN_BUDGET, interval - overhead - FRAME_MARGIN))
HISTORY_KEEP = 10_000
"""History rows kept on the server once sent (the page keeps its own chart)."""
THUMBNAIL_POINTS = 200
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
CUSTOMARY_LR = {"sgd": 0.03, "momentum": 0.01, "nesterov": 0.01, "adagrad": 0.01,
                "rmsprop": 0.01, "adadelta": 1.0, "adam": 0.01, "adamw": 0.01}
"""The learning rate the page puts in the box when an optimizer is picked from the menu: SGD
Playground's 0.03; with momentum 0.9 a tenth-ish, since the velocity sums about ten steps;
Adadelta PyTorch's (and Zeiler's) 1.0, which its step's own units need; the adaptive ones 0.01,
which trains the playground's small networks in a few hundred epochs (PyTorch's 0.001 for
Adam is ten times slower there). A link that names ``lr`` keeps its own."""
REG_RATES = (0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10)
SPEEDS = (1, 2, 5, 10, 20, 50, 100, "max")
LIVE_FIELDS = frozenset({"lr", "epochs", "shuffle"})
"""Config fields whose change needs no new network (Playground: the learning rate)."""

SendText = Callable[[str], Awaitable[None]]
SendBytes = Callable[[bytes], Awaitable[None]]


HEADS = (
    (None, None, "default for the problem"),
    ("bce", "sigmoid", "cross-entropy (sigmoid)"),
    ("cross_entropy", "softmax", "cross-entropy (softmax)"),
    ("half_mse", "tanh", "\u00bd\u00b7MSE on tanh (Playground)"),
    ("mse", "linear", "MSE (linear)"),
    ("mse", "tanh", "MSE on tanh"),
    ("half_mse", "linear", "\u00bd\u00b7MSE (linear)"),
)
"""The (loss, output) pairs the page offers, with their labels; None = the problem's default."""


def _defaults(factory: Callable[..., Any], skip: int) -> dict[str, Any]:
    sig = inspect.signature(factory)
    return {p.name: (list(p.default) if isinstance(p.default, tuple) else p.default)
            for p in list(sig.parameters.values())[skip:]
            if p.default is not inspect.Parameter.empty}


def optimizer_options() -> list[dict[str, Any]]:
    """Every optimizer (and preset) with its parameters' defaults and its customary learning
    rate (``CUSTOMARY_LR``: ``lr`` has its own menu)."""
    out = []
    for name, factory in OPTIMIZERS.items():
        params = _defaults(factory, 0)
        params.pop("lr", None)
        out.append({"name": name, "params": params, "lr": CUSTOMARY_LR[name]})
    for name, (base, preset) in PRESETS.items():
        params = {k: v for k, v in _defaults(OPTIMIZERS[base], 0).items() if k != "lr"}
        out.append({"name": name, "params": {**params, **preset}, "lr": CUSTOMARY_LR[name]})
    order = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw"]
    return sorted(out, key=lambda o: order.index(o["name"]) if o["name"] in order else 99)


def hello() -> dict[str, Any]:
    """The first message: limits and what the page's menus offer."""
    return {
        "type": "hello",
        "limits": {**LIMITS, "step_seconds": STEP_SECONDS},
        "options": {
            "datasets": [{"name": n, "problem": DATASETS[n].problem,
                          "description": DATASETS[n].description,
                          "inputs": DATASETS[n].n_features,
                          "params": param_controls(n)} for n in PLAYGROUND_DATASETS],
            "user_data": {"min_points": userdata.MIN_POINTS, "max_classes": palettes.MAX_CLASSES,
                          "max_value": userdata.MAX_VALUE},
            "features": list(FEATURES),
            "activations": list(ACTIVATIONS),
            "learning_rates": list(LEARNING_RATES),
            "regularizations": list(REGULARIZATIONS),
            "reg_rates": list(REG_RATES),
            "speeds": list(SPEEDS),
            "optimizers": optimizer_options(),
            "initializers": [{"name": n, "params": init_params(n),
                              "choices": {k: list(PARAM_CHOICES[k]) for k in init_params(n)
                                          if k in PARAM_CHOICES}} for n in INITIALIZERS],
            "heads": [{"loss": loss, "output": out, "label": label}
                      for loss, out, label in HEADS],
        },
        "fps": FPS,
        **wording.page_words(),  # labels (names of options) and help (a sentence a control)
    }


@functools.cache
def thumbnails() -> bytes:
    """A binary frame with each offered dataset's points (noise 0) and their colours (made
    once per process).

    Every set's points are (n, 2) in the header's ``extent``: a 1-D set's are laid out as a
    plot — x stretched over the window, and as height the target (y = f(x), scaled to 80 % of
    the half window) or one row per class (``inputs`` says which sets are 1-D)."""
    extent = DATASETS["circle"].domain or (-6.0, 6.0)
    arrays: dict[str, np.ndarray] = {}
    for name in PLAYGROUND_DATASETS:
        d = make_dataset(name, n_samples=THUMBNAIL_POINTS, noise=0.0, seed=0)
        x = d.x if d.x.shape[1] == 2 else _line_thumbnail(d, DATASETS[name].domain or extent,
                                                          extent)
        arrays[f"{name}.x"] = x.astype(np.float32)
        arrays[f"{name}.rgb"] = palettes.rgb_of_labels(d.y, d.problem, d.n_classes)
    return encode_frame({"kind": "thumbnails", "datasets": list(PLAYGROUND_DATASETS),
                         "extent": list(extent),
                         "inputs": {n: DATASETS[n].n_features for n in PLAYGROUND_DATASETS}},
                        arrays)


def _line_thumbnail(d: Dataset, domain: tuple[float, float],
                    extent: tuple[float, float]) -> np.ndarray:
    """A 1-D set's points as (n, 2) in ``extent``: x from ``domain`` stretched over the window,
    height the target (regression) or the class's row (classification)."""
    lo, hi = extent
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    x = lo + (d.x[:, 0] - domain[0]) / (domain[1] - domain[0]) * (hi - lo)
    if d.problem == "regression":
        y = np.asarray(d.y, dtype=np.float64).reshape(len(d.y), -1)[:, 0]
        top = float(np.abs(y).max()) or 1.0
        h = mid + 0.8 * half * y / top
    else:
        k = max(d.n_classes, 2)
        h = mid + 0.6 * half * ((np.asarray(d.y) + 0.5) / k * 2 - 1)
    return np.column_stack([x, h])


def trim_history(session: Session, sent: int, keep: int = HISTORY_KEEP) -> int:
    """Drop the oldest rows of the session's history once more than ``2·keep`` are kept and
    all but ``keep`` were sent; returns the new count of rows already sent."""
    h = session.history
    if len(h) <= 2 * keep or sent < len(h) - keep:
        return sent
    cut = len(h) - keep
    h.drop_oldest(cut)
    return sent - cut


class LiveSession:
    """The server side of one tab.

    Args:
        send_text: coroutine sending a text message.
        send_bytes: coroutine sending a binary message.
        services: the app's interactive pool and panel registry (``services.Services``).
        disconnect_errors: what the senders raise once the page has gone; these end the
            session instead of being reported to the page.
    """

    def __init__(self, send_text: SendText, send_bytes: SendBytes, services: Services,
                 disconnect_errors: tuple[type[BaseException], ...] = (OSError,)):
        self._pool = services.pool
        self.panels = services.panels
        """The app's panels by kind."""
        self.id = secrets.token_urlsafe(18)
        """The session's unguessable name: the page's key to its model download."""
        self._send_text = send_text
        self._send_bytes = send_bytes
        self._gone = disconnect_errors
        self.session: Session | None = None
        self.view: PlaneView | None = None
        self.playing = False
        self.epochs_per_frame: int | str = 1
        self.overhead = TRAIN_BUDGET / 3
        """Seconds of a frame's work besides training, as last measured (a moving average)."""
        self._trained = 0.0  # seconds the last chunk trained
        self.lock = asyncio.Lock()
        self._send_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._sent_rows = 0
        self.target_loss: float | None = None
        self.past_epochs = False
        """Play was pressed again after pausing at Config.epochs: train on until paused."""
        self.past_target = False
        """Play was pressed with the test loss already at the target: train on until paused."""
        self.training = threading.Lock()
        """Held while a worker thread trains this tab's Session (a play chunk, a step's
        slice): someone else about to train the same Session (a notebook cell) waits on it."""
        self.closing = False
        """The tab has gone (the socket's reader saw it close): work under way stops."""
        self._newer = 0
        """Messages read from the socket, not yet answered, that supersede a step."""
        self.seq: int | None = None
        """The ``seq`` of the last Config message handled (sent back in each state)."""
        self._edit: Edit | None = None
        """The last parameter set by hand (since the last rebuild or reset): a likely cause of
        a divergence soon after."""
        self.subscriptions: dict[str, Any] = {}
        """Live panels' requests by kind."""
        self._panel_sent: dict[str, float] = {}
        self.user_data: Dataset | None = None
        """The user's own points (clicked or uploaded), used instead of the Config's data."""
        self.user_data_name: str | None = None

    async def _interactive(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run ``fn(*args)`` on the app's interactive pool and wait for it."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, fn, *args)

    # -- sending ------------------------------------------------------------------------------
    async def send(self, message: dict[str, Any]) -> None:
        text = json.dumps(json_safe(message), separators=(",", ":"), allow_nan=False)
        async with self._send_lock:
            await self._send_text(text)

    async def send_binary(self, data: bytes) -> None:
        async with self._send_lock:
            await self._send_bytes(data)

    async def _send_frame(self) -> None:
        """Build (in a worker thread) and send a frame of the network as it is, then every
        subscribed panel."""
        s, view = self.session, self.view
        assert s is not None and view is not None
        await self.send_binary(await self._interactive(self._frame, s, view))
        await self._send_panels()

    def _due_panels(self, force: bool) -> list[tuple[str, Any]]:
        """The subscribed live panels to send now: all with ``force``, else those whose
        interval has passed; they are marked as sent."""
        now = time.monotonic()
        due = []
        for kind, request in list(self.subscriptions.items()):
            if force or now - self._panel_sent.get(kind, -1e9) >= self.panels[kind].interval:
                self._panel_sent[kind] = now
                due.append((kind, request))
        return due

    def _build_panels(self, s: Session, view: PlaneView, due: list[tuple[str, Any]]
                      ) -> tuple[list[bytes], list[str]]:
        """Build the ``due`` panels' frames (in a worker thread): (frames, kinds that failed).
        A rebuilt network can orphan a request (a layer it lost); the page asks again on its
        new state, so a failed subscription is simply dropped."""
        frames, failed = [], []
        for kind, request in due:
            try:
                frames.append(self.panels[kind].build(s, view, request))
            except (DepthlensError, ProtocolError) as e:
                log.debug("panel %s dropped: %s", kind, e)
                failed.append(kind)
        return frames, failed

    async def _send_built(self, built: tuple[list[bytes], list[str]]) -> None:
        frames, failed = built
        for kind in failed:
            self.subscriptions.pop(kind, None)
        for data in frames:
            await self.send_binary(data)

    async def _send_panels(self) -> None:
        """Send every subscribed live panel now (after something the user did: built on the
        interactive pool); call with the lock held. While playing, the due panels are built
        with each training chunk instead (``_chunk``), in the same worker call."""
        s, view = self.session, self.view
        due = self._due_panels(force=True) if s is not None and view is not None else []
        if due:
            await self._send_built(await self._interactive(self._build_panels, s, view, due))

    async def _send_data(self) -> None:
        """Build and send the data frame (points and feature maps)."""
        s, view = self.session, self.view
        assert s is not None and view is not None
        await self.send_binary(await self._interactive(self._data_frame, s, view))

    async def error(self, field: str, message: str, panel: str | None = None) -> None:
        error = {"type": "error", "field": field, "message": message, "seq": self.seq}
        await self.send(error if panel is None else {**error, "panel": panel})

    # -- life ---------------------------------------------------------------------------------
    async def start(self) -> None:
        """Greet the page: limits, options and the dataset thumbnails."""
        await self.send({**hello(), "session": self.id})
        await self.send_binary(await self._interactive(thumbnails))

    def close(self) -> None:
        """Stop training and free the session (the tab closed).

        Synchronous, so it also runs when the socket's task is being cancelled. A chunk still
        running in its worker thread holds its own references and finishes on its own; its
        result is dropped and the memory goes with it."""
        self.playing = False
        self.closing = True
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        self.session = None
        self.view = None

    async def model_zip(self) -> bytes | None:
        """A zip of ``model.json`` + ``model.npz`` (``depthlens.nn.serialize``'s format, for
        ``load_model``) and the ``config.json`` of the network as it is now; None before the
        first Config."""
        async with self.lock:
            s = self.session
            if s is None:
                return None
            spec, arrays = model_spec(s.net), model_arrays(s.net)
            config = s.config.to_json()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("model.json", json.dumps(spec, indent=2))
            z.writestr("model.npz", npz_bytes(arrays))
            z.writestr("config.json", config)
        return buf.getvalue()

    # -- messages -----------------------------------------------------------------------------
    async def handle(self, text: str | bytes) -> None:
        """Answer one message from the page (``read``, then ``answer``)."""
        await self.answer(self.read(text))

    def read(self, text: str | bytes) -> Any:
        """One message from the page, parsed as it arrives (the socket's reader calls this
        while an earlier message may still be answered): its model, or the exception to answer
        it with. A message of SUPERSEDING stops a step under way at its next slice."""
        try:
            message = parse_message(text, self.panels.models())
        except Exception as e:  # answered in turn, by ``answer``
            return e
        if message.type in SUPERSEDING:
            self._newer += 1
        return message

    async def answer(self, message: Any) -> None:
        """Answer one message ``read`` returned; a bad one gets an ``error`` and changes
        nothing (an error answering a panel's request also names the ``panel``)."""
        panel = None
        try:
            if isinstance(message, Exception):
                raise message
            if message.type in SUPERSEDING:
                self._newer -= 1
            panel = message.type if message.type in self.panels or message.type == "points" \
                else None
            if self.session is None and not isinstance(message, ConfigMessage):
                await self._build(page_default())
            if isinstance(message, ConfigMessage) and message.seq is not None:
                self.seq = message.seq
            await self._dispatch(message)
        except self._gone:
            raise
        except Exception as e:  # every failure is told to the page, once
            await self._report(e, panel)

    async def _report(self, e: Exception, panel: str | None) -> None:
        """Tell the page why its message was refused, in its words; a bug (or wording that
        fails on it) is logged and told as one plain sentence: the session goes on."""
        try:
            if isinstance(e, ProtocolError):
                field, text = e.field, wording.protocol_message(e.field, e.message)
            elif isinstance(e, ConfigError):
                field, text = e.field, wording.config_message(e)
            elif isinstance(e, DepthlensError):
                field, text = "config", str(e)
            else:
                raise e
        except Exception:  # a bug must not end the tab's session: report it, go on
            log.exception("message failed")
            field, text = "server", ("the server could not do this (a bug: it is in the "
                                     "server's log); the experiment goes on")
        await self.error(field, text, panel)

    async def _dispatch(self, message: Any) -> None:
        if isinstance(message, ConfigMessage):
            await self._on_config(message)
        elif isinstance(message, PlayMessage):
            await self._on_play()
        elif isinstance(message, PauseMessage):
            self.playing = False
            await self._status()
        elif isinstance(message, StepMessage):
            await self._on_step(message)
        elif isinstance(message, ResetMessage):
            await self._on_reset()
        elif isinstance(message, RegenerateMessage):
            await self._on_regenerate(message)
        elif isinstance(message, SpeedMessage):
            self.epochs_per_frame = message.epochs_per_frame
            await self._status()
        elif isinstance(message, EditMessage):
            await self._on_edit(message)
        elif isinstance(message, PointsMessage):
            await self._on_points(message)
        elif getattr(message, "type", None) in self.panels:
            await self._on_panel(message)

    async def _on_panel(self, message: Any) -> None:
        """A panel's request: answer it now; a live panel stays subscribed (``on: false``
        unsubscribes)."""
        panel = self.panels[message.type]
        if panel.live and getattr(message, "on", True) is False:
            self.subscriptions.pop(panel.kind, None)
            return
        async with self.lock:
            s, view = self.session, self.view
            assert s is not None and view is not None
            data = await self._interactive(panel.build, s, view, message)
            if panel.live:
                self.subscriptions[panel.kind] = message
                self._panel_sent[panel.kind] = time.monotonic()
            await self.send_binary(data)

    async def _on_points(self, message: PointsMessage) -> None:
        """Add the page's points to the user's own data (the current data becomes theirs).
        The network is kept, and trains on, unless its shape changes (a new class)."""
        s = self.session
        assert s is not None
        base = self.user_data if self.user_data is not None else s.dataset
        data = userdata.add_points(base, message.add, clear=message.clear)
        await self._build(s.config, data, self.user_data_name or "your points", keep=s)

    async def upload(self, name: str, body: bytes) -> dict[str, Any]:
        """A CSV upload (HTTP): the session's data becomes the file's; returns a summary, or
        raises DataError/ConfigError naming what is wrong (the session is unchanged)."""
        data = await self._interactive(userdata.parse_upload, name, body)
        config = userdata.config_for(self.session.config if self.session is not None
                                     else Config(), data)
        await self._build(config, data, name)
        return {"name": name, "points": len(data.y), "problem": data.problem,
                "n_classes": int(data.n_classes), "inputs": int(data.x.shape[1])}

    async def _on_config(self, message: ConfigMessage) -> None:
        try:
            config, target, fell_back = config_of(message, self._own_dataset())
        except ConfigError:
            if self.session is None:  # the page must get a state to draw: the defaults
                await self._build(page_default())
            raise
        if target != self.target_loss:
            self.past_target = False
        self.target_loss = target
        old = self.session
        if old is not None and self.user_data is not None and config.dataset != old.config.dataset:
            self.user_data = self.user_data_name = None  # another dataset picked: theirs go
        if old is not None and _changed(old.config, config) <= LIVE_FIELDS:
            # Without the lock: a live change is three plain assignments the training chunk
            # under way picks up at its next step (Playground's learning-rate menu acts the
            # same), and this tab's messages are handled one at a time, so no rebuild can run
            # meanwhile. Waiting for the chunk and its panels cost up to 226 ms on 20 tabs.
            old.config = config
            old.trainer.optimizer.hyper["lr"] = config.lr
            old.trainer.shuffle = config.shuffle
            await self.send(self._state(fresh=False))
            if fell_back:
                await self._fell_back(fell_back)
            return
        self.playing = False
        await self._build(config, self.user_data, self.user_data_name)
        if fell_back:
            await self._fell_back(fell_back)

    async def _fell_back(self, errors: list[ConfigError]) -> None:
        """Tell the page which fields of its link fell back to their defaults."""
        await self.send({"type": "notice", "kind": "link",
                         "fields": [e.field for e in errors],
                         "message": wording.fallback_message(errors)})

    async def _build(self, config: Config, dataset: Dataset | None = None,
                     name: str | None = None, keep: Session | None = None) -> None:
        """A new Session (new data and network) for ``config`` (on ``dataset``, the user's own
        data, when given; with the network of ``keep`` when it has the same shape); the old
        one stays on error."""
        self.playing = False
        async with self.lock:
            session, view = await self._interactive(_make, config, dataset)
            if keep is not None:
                session.adopt_network(keep)
            await self._install(session, view, dataset, name if dataset is not None else None)

    async def adopt(self, session: Session) -> None:
        """Train ``session`` itself from now on, in place of the one this LiveSession has (the
        notebook widget, ``depthlens.Playground``, hands it the notebook's own Session: what the
        page trains, that object has; it is not copied). Play pauses; the page gets the state
        (``fresh``: the chart is redrawn from every history row, sent again in the frame), the
        data and a frame. Called again with the same Session, it shows what the notebook did to
        it meanwhile (``session.run(100)`` in a cell). A Session on the notebook's own data
        (a ``csv:`` Config: ``Playground(model, X, y)``) makes that data the tab's own, as an
        upload would: the page's Config changes train on it (``_own_dataset``)."""
        self.playing = False
        own = session.dataset if session.config.is_csv else None
        async with self.lock:
            view = await self._interactive(_view_of, session, None)
            await self._install(session, view, own,
                                session.config.dataset.removeprefix("csv:") or "your data")

    def _own_dataset(self) -> str | None:
        """The ``csv:`` dataset name of the notebook's own data this tab trains on (adopted
        with its Session), which the page's Config may name; None otherwise."""
        s = self.session
        if s is None or self.user_data is None or not s.config.is_csv:
            return None
        return s.config.dataset

    async def _install(self, session: Session, view: PlaneView, dataset: Dataset | None,
                       name: str | None) -> None:
        """Make ``session`` (drawn through ``view``; on the user's own ``dataset`` when given)
        this tab's, counters afresh, and send the page its state, data and a frame; call with
        the lock held."""
        self.session, self.view = session, view
        self.user_data, self.user_data_name = dataset, name
        self.past_epochs = self.past_target = False
        self._edit = None
        self._sent_rows = 0
        await self.send(self._state(fresh=True))
        await self._send_data()
        await self._send_frame()

    async def _on_play(self) -> None:
        if self.playing:
            return
        s = self.session
        if s is not None and 0 < s.config.epochs <= s.epoch:
            self.past_epochs = True  # the Config's epochs are a pause, not a wall
        h = s.history if s is not None else None
        if self.target_loss is not None and h is not None and len(h) \
                and h.test_loss[-1] <= self.target_loss:
            self.past_target = True  # already there: play trains on, as after Config.epochs
        self.playing = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._play())
        await self._status()

    async def _on_step(self, message: StepMessage) -> None:
        """Train ``count`` epochs or batches, in slices of STEP_SLICE seconds (each one trip
        through the interactive pool; a short step is one trip, frame included), then send
        the frame. The same updates as one call. The step stops early, keeping what it
        trained, after STEP_SECONDS (``cut`` 'time') or when a newer message of SUPERSEDING
        arrives ('superseded'); at once, sending nothing, when the tab closes."""
        self.playing = False
        async with self.lock:
            session, view = self.session, self.view
            assert session is not None and view is not None
            stepped: dict[str, Any] = {"unit": message.unit, "count": message.count,
                                       "done": 0, "cut": None}
            began = time.perf_counter()
            diverged, frame = await self._interactive(self._step_part, session, view,
                                                      stepped, True)
            while frame is None:
                if self.closing or self.session is not session:  # gone, or rebuilt
                    return
                cut = ("superseded" if self._newer > 0 else
                       "time" if time.perf_counter() - began >= STEP_SECONDS else None)
                if cut is not None:
                    stepped["cut"] = cut
                    frame = await self._interactive(self._frame, session, view, stepped)
                    break
                diverged, frame = await self._interactive(self._step_part, session, view,
                                                          stepped, False)
            if self.closing:
                return
            await self.send_binary(frame)
            await self._send_panels()
            if diverged is not None:
                await self._diverged(diverged)
        await self._status()

    @_holds_training
    def _step_part(self, session: Session, view: PlaneView, stepped: dict[str, Any],
                   first: bool) -> tuple[DivergenceError | None, bytes | None]:
        """One slice of a step (in the interactive pool): the training loss before it (on the
        first), ``step_slice``, and the frame once the step is done or diverged (else None).
        Counts what was trained in ``stepped['done']``."""
        if first:
            t = session.trainer
            stepped["train_loss_before"] = t.evaluate(t.x, t.y, t.t)[0]
        n, diverged = step_slice(session, stepped["unit"], stepped["count"] - stepped["done"])
        stepped["done"] += n
        if diverged is None and stepped["done"] < stepped["count"]:
            return None, None
        return diverged, self._frame(session, view, stepped)

    async def _on_reset(self) -> None:
        self.playing = False
        async with self.lock:
            session = self.session
            assert session is not None
            await self._interactive(session.reset)
            self._sent_rows = 0
            self.past_epochs = self.past_target = False
            self._edit = None
            await self.send(self._state(fresh=True))
            await self._send_frame()

    async def _on_regenerate(self, message: RegenerateMessage) -> None:
        """New data from a new seed, the network kept (Playground: new data, no reset)."""
        seed = message.seed if message.seed is not None else random.randrange(100_000)
        if self.user_data is not None:
            raise ProtocolError("regenerate", "your own data has no seed to draw again; pick a "
                                "dataset to go back to generated data")
        async with self.lock:
            old = self.session
            assert old is not None
            session = await self._interactive(old.regenerated, seed)
            view = await self._interactive(_view_of, session, None)
            self.session, self.view = session, view
            self._sent_rows = 0
            await self.send(self._state(fresh=False))
            await self._send_data()
            await self._send_frame()

    async def _on_edit(self, message: EditMessage) -> None:
        async with self.lock:
            session = self.session
            assert session is not None
            net = session.net
            index = check_edit(message, net.shapes)
            target = net.weights if message.kind == "weight" else net.biases
            target[message.layer][index] = message.value
            self._edit = Edit(message.layer, message.kind, tuple(index), message.value,
                              session.epoch)
            if not self.playing:  # while playing the next frame shows it
                await self._send_frame()

    # -- playing ------------------------------------------------------------------------------
    async def _play(self) -> None:
        loop = asyncio.get_running_loop()
        interval = 1.0 / FPS
        deadline = loop.time()
        began, slept = None, 0.0
        try:
            while self.playing:
                # a frame's work besides training, over the whole last cycle (building and
                # sending the frame, the thread hop, waiting for the lock, waking up late)
                now = time.perf_counter()
                if began is not None:
                    other = now - began - slept - self._trained
                    self.overhead += 0.3 * (max(other, 0.0) - self.overhead)
                began = now
                async with self.lock:
                    if not self.playing or self.session is None:
                        break
                    stop = self._stop_reason(self.session, None)
                    if stop is None:
                        frame, diverged, stop, built = await asyncio.to_thread(
                            self._chunk, self.session, self.view, self._due_panels(False))
                        await self.send_binary(frame)
                        await self._send_built(built)
                        if diverged is not None:
                            self.playing = False
                            await self._diverged(diverged)
                            await self._status()
                            break
                    if stop is not None:
                        self.playing = False
                        await self.send({"type": "stopped", "reason": stop[0],
                                         "message": stop[1], "epoch": self.session.epoch})
                        await self._status()
                        break
                deadline += interval
                delay = deadline - loop.time()
                if delay < 0:
                    deadline = loop.time()
                    delay = 0.0
                slept = delay
                await asyncio.sleep(delay)
        except asyncio.CancelledError:
            raise
        except Exception:  # the socket closed under us: nothing left to tell
            log.debug("play loop stopped", exc_info=True)
            self.playing = False

    @_holds_training
    def _chunk(self, session: Session, view: PlaneView, due: list[tuple[str, Any]]
               ) -> tuple[bytes, DivergenceError | None, tuple[str, str] | None,
                          tuple[list[bytes], list[str]]]:
        """Train one frame's worth (in a worker thread, never past Config.epochs), then build
        the frame and the ``due`` live panels (one trip through the thread pool, not one per
        panel: with twenty tabs the pool's queue is long); also says why play must pause now
        (``_stop_reason``), if it must."""
        start = time.perf_counter()
        budget = train_budget(self.overhead)
        limit = 0 if self.past_epochs else session.config.epochs
        n = None if self.epochs_per_frame == "max" else int(self.epochs_per_frame)
        done = 0
        stop = None
        try:
            while limit <= 0 or session.epoch < limit:
                row = session.train_epoch()
                done += 1
                # every epoch's own test loss, so the pause does not depend on the speed
                stop = self._stop_reason(session, row.get("test_loss"))
                if stop is not None:
                    break
                if n is not None and (done >= n or
                                      time.perf_counter() - start >= CHUNK_SECONDS):
                    break
                if n is None and time.perf_counter() - start >= budget:
                    break
        except DivergenceError as e:
            self._trained = time.perf_counter() - start
            return self._frame(session, view), e, None, self._build_panels(session, view, due)
        self._trained = time.perf_counter() - start
        frame = self._frame(session, view)
        if stop is None:
            stop = self._stop_reason(session, None)
        return frame, None, stop, self._build_panels(session, view, due)

    def _stop_reason(self, session: Session, test_loss: float | None
                     ) -> tuple[str, str] | None:
        """('epochs'|'target', message) when play must pause: Config.epochs reached, or
        ``test_loss`` (the test loss of the epoch just trained) at most the target; None to go
        on. Checked after every epoch, so a link pauses at the same epoch at every speed."""
        limit = 0 if self.past_epochs else session.config.epochs
        if limit > 0 and session.epoch >= limit:
            return "epochs", (f"reached epoch {limit}, the Config's epochs (press play to "
                              "train on, or set the stop epoch to 0)")
        target = None if self.past_target else self.target_loss
        if target is not None and test_loss is not None and test_loss <= target:
            return "target", f"test loss {test_loss:.4g} reached the target {target:g}"
        return None

    async def _diverged(self, e: DivergenceError) -> None:
        """Tell the page, once, that training diverged: the likely cause and whether the
        restored weights can be trained on (else Reset is the way on)."""
        session = self.session
        assert session is not None
        d = await self._interactive(explain_divergence, session, e, self._edit)
        await self.send({"type": "diverged", "epoch": e.epoch, "step": e.step,
                         "loss": e.loss, "cause": d.cause, "restored_ok": d.restored_ok,
                         "message": d.message})

    async def _status(self) -> None:
        await self.send({"type": "status", "playing": self.playing,
                         "epochs_per_frame": self.epochs_per_frame})

    # -- what is sent -------------------------------------------------------------------------
    def _state(self, fresh: bool) -> dict[str, Any]:
        s, view = self.session, self.view
        assert s is not None and view is not None
        cfg = s.config
        return {
            "type": "state",
            "fresh": fresh,
            "config": cfg.to_dict(),
            "query": self._query(cfg),
            "target_loss": self.target_loss,
            "seq": self.seq,
            "network": {
                "sizes": s.sizes,
                "activations": list(s.net.activations),
                "output": s.output,
                "loss": s.loss,
                "problem": s.problem,
                "n_classes": s.n_classes,
                "class_names": list(s.dataset.class_names),
                "feature_names": list(s.features or s.dataset.feature_names),
                "metric": s.history.metric,
            },
            "epoch": s.epoch,
            "steps": s.trainer.steps_done,
            "steps_per_epoch": s.trainer.steps_per_epoch,
            "n_train": len(s.train_data.y),
            "n_test": len(s.test_data.y),
            "playing": self.playing,
            "epochs_per_frame": self.epochs_per_frame,
            "grid": {"extent": list(view.extent), "resolution": RESOLUTION,
                     "node_resolution": NODE_RESOLUTION},
            "output_scale": view.scale,
            "output_clamped": view.clamped,  # targets beyond ±output_scale (the legend says so)
            "palettes": {"node": palettes.node_palette().ravel().tolist(),
                         "output": view.output_palette().ravel().tolist()},
            "user_data": None if self.user_data is None else {
                "name": self.user_data_name, "points": len(self.user_data.y),
                "inputs": int(self.user_data.x.shape[1])},
        }

    def _query(self, cfg: Config) -> str:
        """The Config's URL query, with the playground's ``target_loss`` when set."""
        query = cfg.to_query()
        if self.target_loss is None:
            return query
        return f"{query}&{TARGET_KEY}={self.target_loss!r}" if query else \
            f"{TARGET_KEY}={self.target_loss!r}"

    def _data_frame(self, s: Session, view: PlaneView) -> bytes:
        """The points (raw inputs, colour codes, targets: the class index or the first
        regression value, for the 1-D plot) and the nine feature maps; on a line also
        ``curve_x``, the x of each value of the frames' ``curve``."""
        args = (s.problem, s.n_classes, view.scale)

        def targets(y: np.ndarray) -> np.ndarray:
            return np.asarray(y, dtype=np.float32).reshape(len(y), -1)[:, 0].copy()

        arrays = {
            "train_x": s.train_data.x.astype(np.float32),
            "train_c": palettes.label_codes(s.train_data.y, *args),
            "train_y": targets(s.train_data.y),
            "test_x": s.test_data.x.astype(np.float32),
            "test_c": palettes.label_codes(s.test_data.y, *args),
            "test_y": targets(s.test_data.y),
            "features": view.feature_maps(),
        }
        xs = getattr(view, "xs", None)
        if xs is not None:
            arrays["curve_x"] = np.asarray(xs, dtype=np.float32)
        return encode_frame({"kind": "data", "features": list(FEATURES),
                             "inputs": int(s.dataset.x.shape[1])}, arrays)

    def _frame(self, s: Session, view: PlaneView, stepped: dict[str, Any] | None = None
               ) -> bytes:
        """The network now: counters, new history rows, losses, parameters and maps;
        ``stepped`` (a step's unit, count and ``train_loss_before``) goes in the header with
        ``train_loss_after``, the training loss now."""
        h = s.history
        rows = [[getattr(h, c)[k] for c in h.COLUMNS] for k in range(self._sent_rows, len(h))]
        self._sent_rows = trim_history(s, len(h))
        t = s.trainer
        train_loss, train_metric = t.evaluate(t.x, t.y, t.t)
        now = {"train_loss": train_loss, "train_metric": train_metric}
        if t.x_test is not None:
            now["test_loss"], now["test_metric"] = t.evaluate(t.x_test, t.y_test, t.t_test)
        output, nodes = view.codes()
        arrays: dict[str, np.ndarray] = {"output": output, "nodes": nodes}
        curve = getattr(view, "curve", None)
        if curve is not None:  # a line: y = f(x) for the page's plot
            arrays["curve"] = curve()
        if t.x_test is not None:
            extra, confusion = scores_on_test_set(s, now.get("test_loss"))
            now.update(extra)
            if confusion is not None:
                arrays["confusion"] = confusion
        for k, (w, b) in enumerate(zip(s.net.weights, s.net.biases)):
            arrays[f"W{k}"] = w.astype(np.float32)
            arrays[f"b{k}"] = b.astype(np.float32)
        header = {"kind": "frame", "epoch": s.epoch, "steps": t.steps_done,
                  "batch": batch_position(t),
                  "playing": self.playing, "columns": list(h.COLUMNS), "rows": rows,
                  "now": now}
        if stepped is not None:
            header["stepped"] = {**stepped, "train_loss_after": train_loss}
        return encode_frame(header, arrays)


def batch_position(trainer: Trainer) -> dict[str, int]:
    """Where training stands, as the page's "+1 batch" says it: the last mini-batch trained
    was batch ``index`` of ``of`` = ⌈n / batch size⌉ (1-based) of epoch ``epoch`` (1-based: the
    epoch that batch belongs to); before any training, index 0 of epoch 0.

    With c the rows of the epoch under way already used (0 < c ≤ n; c = n also before the first
    step, when an epoch has just ended and after a divergence put the epoch back):
    index = ⌈c / batch size⌉ and epoch = epochs done + 1 while c < n, else index = of and
    epoch = epochs done."""
    cursor = int(trainer.resume_state()[1]["cursor"])
    of, done = trainer.steps_per_epoch, trainer.epochs_done
    if cursor >= trainer.n_train:
        return {"index": of if done else 0, "of": of, "epoch": done}
    return {"index": -(-cursor // trainer.batch_size), "of": of, "epoch": done + 1}


def scores_on_test_set(s: Session, test_loss: float | None
                ) -> tuple[dict[str, float], np.ndarray | None]:
    """Scores of the test predictions: regression ``{'test_rmse'}`` (√ of the test loss when
    the loss is MSE, else from the predictions); classification the (k, k) int32 confusion
    matrix, rows the true class and columns the predicted one."""
    t = s.trainer
    assert t.x_test is not None and t.y_test is not None
    if s.problem == "regression":
        if s.loss == "mse" and test_loss is not None:
            return {"test_rmse": float(np.sqrt(test_loss))}, None
        out = s.net.forward(t.x_test)
        err = np.asarray(out, np.float64).reshape(len(t.y_test), -1) - np.asarray(
            t.y_test, np.float64).reshape(len(t.y_test), -1)
        return {"test_rmse": float(np.sqrt(np.mean(err * err)))}, None
    k = max(int(s.n_classes), 2)
    predicted = s.net.head.decide(s.net.forward(t.x_test))
    truth = np.asarray(t.y_test, np.int64)
    confusion = np.bincount(truth * k + predicted, minlength=k * k).reshape(k, k)
    return {}, confusion.astype(np.int32)


def _make(config: Config, dataset: Dataset | None = None) -> tuple[Session, PlaneView]:
    session = Session(config, dataset)
    return session, _view_of(session, dataset)


def _view_of(session: Session, dataset: Dataset | None) -> PlaneView:
    """The view of a session's input space: its dataset's window, or one holding the user's
    own points."""
    config = session.config
    extent = (DATASETS[config.dataset].domain if dataset is None and not config.is_csv
              else None) or userdata.extent_of(session.dataset)
    return make_view(session, extent)


def _changed(a: Config, b: Config) -> set[str]:
    """Names of the fields that differ between two Configs."""
    da, db = a.to_dict(), b.to_dict()
    return {k for k in da if da[k] != db[k]}
