"""Rich display in notebooks: the wrappers and renderers of depthlens.examples.display."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

import depthlens as dl
from depthlens.examples import ExampleResult, display


@pytest.fixture(scope="module")
def session():
    s = dl.Session(dl.Config(dataset="xor", layers=(3,), epochs=5, seed=0))
    s.run()
    return s


def test_picture_from_figure_and_bytes(tmp_path):
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    pic = display.Picture(fig)
    assert pic._repr_png_()[:4] == b"\x89PNG"
    assert display.Picture(pic.data)._repr_png_() == pic.data
    assert pic.save(tmp_path / "p.png").read_bytes() == pic.data


def test_animation_embeds_gif_and_mp4(tmp_path):
    gif = tmp_path / "a.gif"
    gif.write_bytes(b"GIF89a...")
    assert display.Animation(gif)._repr_html_().startswith('<img src="data:image/gif;base64,')
    mp4 = tmp_path / "a.mp4"
    mp4.write_bytes(b"\x00\x00")
    assert "<video" in display.Animation(mp4)._repr_html_()
    with pytest.raises(ValueError):
        display.Animation(tmp_path / "a.png")


def test_network_and_session_as_html_and_png(session):
    html = display.mlp_html(session.net)
    assert "MLP 2 → 3 → 1" in html and "<table>" in html and "tanh" in html
    assert f"{session.net.n_params:,} parameters" in html
    page = display.session_html(session)
    assert "xor" in page and "test_accuracy" in page and "MLP 2 → 3 → 1" in page
    assert display.session_png(session)[:4] == b"\x89PNG"


def test_strip_and_forward_display_inline(session, tmp_path):
    assert display.strip(session)._repr_png_()[:4] == b"\x89PNG"
    movie = display.forward(session, tmp_path / "f.gif", per_step=2)
    assert movie.path.is_file() and "image/gif" in movie._repr_html_()


def test_enable_registers_formatters():
    class Formatter:
        def __init__(self):
            self.types = {}

        def for_type(self, cls, fn):
            self.types[cls] = fn

    class Shell:
        def __init__(self):
            self.display_formatter = type("Formatters", (), {})()
            self.display_formatter.formatters = {"text/html": Formatter(),
                                                 "image/png": Formatter()}

    shell = Shell()
    assert display.enable(shell) is True
    html = shell.display_formatter.formatters["text/html"].types
    assert html[dl.MLP] is display.mlp_html and html[dl.Session] is display.session_html
    assert shell.display_formatter.formatters["image/png"].types[dl.Session] is \
        display.session_png


def test_enable_outside_ipython_is_false(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_ipython(name, *args, **kwargs):
        if name.startswith("IPython"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ipython)
    assert display.enable() is False


def test_example_result_displays_its_page():
    r = ExampleResult("demo", "A <demo>", {"acc": 0.98765, "name": "x"}, "one\n\ntwo",
                      {"": b"\x89PNG...", "more": b"\x89PNG..."})
    html = r._repr_html_()
    assert html.count("data:image/png;base64,") == 2
    assert "A &lt;demo&gt;" in html and "<p>two</p>" in html and "0.9877" in html
    assert "demo.png" in r.markdown() and "demo-more.png" in r.markdown()
    assert repr(r) == "ExampleResult(demo: acc=0.9877, name=x)"
