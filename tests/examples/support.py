"""Helpers for the example tests."""

from __future__ import annotations

import io

from PIL import Image

from depthlens.examples import ExampleResult

MAX_PICTURE_BYTES = 160_000


def check_pictures(result: ExampleResult, parts: tuple[str, ...] = ("",)) -> None:
    """Every expected picture is a non-blank PNG, small enough for docs/."""
    assert set(parts) <= set(result.pictures), sorted(result.pictures)
    for part, data in result.pictures.items():
        assert data[:8] == b"\x89PNG\r\n\x1a\n", part
        assert len(data) <= MAX_PICTURE_BYTES, (part, len(data))
        with Image.open(io.BytesIO(data)) as im:
            w, h = im.size
            assert w >= 400 and h >= 250, (part, im.size)
            colours = im.convert("RGB").getcolors(maxcolors=1 << 20)
            assert colours is not None and len(colours) > 20, part  # not blank


def check_page(result: ExampleResult) -> None:
    """The page names the command, shows every picture and lists every number."""
    page = result.markdown()
    assert page.startswith(f"# {result.title}")
    assert f"depthlens example {result.name}" in page
    for part in result.pictures:
        assert f"]({result.picture_name(part)})" in page
    for key in result.numbers:
        assert f"| {key} |" in page
    assert "{" not in result.text  # every number filled in
