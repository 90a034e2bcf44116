"""Rich display in Jupyter: networks, sessions, lens strips and animations shown inline.

Jupyter shows an object inline when it has ``_repr_html_`` or ``_repr_png_``. matplotlib
figures (``layer_strip``, ``separability_chart``, …) already display themselves. For the rest:

- :class:`Picture` wraps a figure or PNG bytes (``_repr_png_``);
- :class:`Animation` wraps a GIF or MP4 file (``_repr_html_``: the file embedded in the page);
- :func:`forward` writes the five-operation animation of a session and returns an Animation;
- :func:`strip` returns a session's layer strip as a Picture;
- :func:`mlp_html`, :func:`session_html`, :func:`session_png` render the core objects;
- :func:`enable` registers those renderers with IPython, so a bare ``net`` or ``session`` in a
  cell displays as a table (and a session with its run picture) without touching the classes.

Nothing here imports IPython unless :func:`enable` is called.
"""

from __future__ import annotations

import base64
import html
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import matplotlib.pyplot as plt

    from depthlens.experiment.session import Session
    from depthlens.nn.network import MLP

MIME = {".gif": "image/gif", ".mp4": "video/mp4"}


class Picture:
    """A PNG that displays itself: from a matplotlib figure (rendered once, then closed) or from
    PNG bytes."""

    def __init__(self, figure: plt.Figure | bytes, dpi: int = 80):
        if isinstance(figure, bytes | bytearray):
            self.data = bytes(figure)
        else:
            from depthlens.draw.stage_axes import png_bytes

            self.data = png_bytes(figure, dpi=dpi)

    def _repr_png_(self) -> bytes:
        return self.data

    def save(self, path: str | Path) -> Path:
        """Write the PNG to ``path``."""
        from depthlens.files import write_bytes

        write_bytes(path, self.data)
        return Path(path)

    def __repr__(self) -> str:
        return f"Picture({len(self.data):,} bytes of PNG)"


class Animation:
    """A GIF or MP4 file that displays itself (embedded as a data URI, so the notebook keeps
    it)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.suffix.lower() not in MIME:
            raise ValueError(f"{self.path}: an animation is a .gif or .mp4 file")

    def _repr_html_(self) -> str:
        mime = MIME[self.path.suffix.lower()]
        uri = f"data:{mime};base64,{base64.b64encode(self.path.read_bytes()).decode('ascii')}"
        if mime == "video/mp4":
            return f'<video src="{uri}" controls loop autoplay muted style="max-width:100%">' \
                   "</video>"
        return f'<img src="{uri}" style="max-width:100%">'

    def __repr__(self) -> str:
        return f"Animation({self.path})"


def forward(session: Session, path: str | Path | None = None, **options: Any) -> Animation:
    """Write ``session``'s forward-pass animation (the five operations of every layer,
    ``draw.animate.forward_animation`` with ``options``) and return it for display; to a
    temporary .gif when ``path`` is None."""
    from depthlens.draw.animate import forward_animation

    if path is None:
        path = Path(tempfile.mkdtemp(prefix="depthlens-")) / "forward.gif"
    return Animation(forward_animation(session, path, **options))


def strip(session: Session, **options: Any) -> Picture:
    """The layer strip of ``session`` (``draw.strip.layer_strip`` with ``options``)."""
    from depthlens.draw.strip import layer_strip

    return Picture(layer_strip(session, **options))


def _table(rows: list[tuple[str, ...]], head: tuple[str, ...]) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def mlp_html(net: MLP) -> str:
    """A network as an HTML table: one row per dense layer (shape, activation, parameters)."""
    rows = []
    for k, ((out, inp), act) in enumerate(zip(net.shapes, net.layer_activations)):
        rows.append((str(k + 1), f"{inp} → {out}", act, f"{out * inp + out:,}"))
    arch = " → ".join(str(s) for s in net.sizes)
    title = (f"<b>MLP {html.escape(arch)}</b> · loss {html.escape(net.head.loss)} · "
             f"{net.n_params:,} parameters · {net.dtype.name}")
    return f"<div>{title}{_table(rows, ('layer', 'W·x + b', 'activation', 'parameters'))}</div>"


def session_html(session: Session) -> str:
    """A session as HTML: data, network, training so far and the latest numbers."""
    cfg = session.config
    m = session.metrics() if session.epoch else {}
    facts = [("dataset", f"{cfg.dataset} ({len(session.train_data.y)} train, "
                         f"{len(session.test_data.y)} test)"),
             ("preprocessing", cfg.preprocessing),
             ("optimizer", f"{cfg.optimizer}, lr {cfg.lr:g}, batch {cfg.batch_size}"),
             ("epochs done", str(session.epoch))]
    facts += [(k, f"{v:.4f}" if isinstance(v, float) else str(v)) for k, v in m.items()
              if k not in ("problem", "epochs")]
    return (f"<div><b>Session</b>{_table(facts, ('', ''))}{mlp_html(session.net)}</div>")


def session_png(session: Session) -> bytes:
    """The run picture of a session (``draw.figures.run_figure``) as PNG bytes."""
    from depthlens.draw.figures import run_figure

    return Picture(run_figure(session)).data


def enable(ip: Any = None) -> bool:
    """Register the renderers above with IPython (the running one, or ``ip``): a bare MLP or
    Session in a cell then displays inline. Returns False outside IPython."""
    if ip is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        ip = get_ipython()
        if ip is None:
            return False
    from depthlens.experiment.session import Session
    from depthlens.nn.network import MLP

    formatters = ip.display_formatter.formatters
    formatters["text/html"].for_type(MLP, mlp_html)
    formatters["text/html"].for_type(Session, session_html)
    formatters["image/png"].for_type(Session, session_png)
    return True


__all__ = ["Animation", "Picture", "enable", "forward", "mlp_html", "session_html",
           "session_png", "strip"]
