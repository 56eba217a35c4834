"""Render and write the release page: OUTPUT/index.html from the ReleasePage model, and
the model itself as OUTPUT/release-page.json.

The template escapes every value (autoescape on: names, versions, channels and commands
come from profiles, reports and package metadata); the page has no script and loads
nothing (inline CSS, links only to files in the folder). Both files are written
atomically, and the same folder gives the same bytes.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from factory.errors import InputError
from factory.formats.release_page import PagePrevious, ReleasePage
from factory.output.atomic import write_bytes_atomic
from factory.output.layout import PAGE_DATA_FILE, PAGE_FILE
from factory.pages.collect import collect_page
from factory.pages.previous import previous_section
from factory.templating import template_environment

TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Any:
    return template_environment(TEMPLATES, {"size": human_size}, html=True)


def human_size(size: int) -> str:
    """`4,503 bytes (4.4 KiB)`: exact for checking, readable at a glance."""
    if size < 1024:
        return f"{size:,} bytes"
    value = float(size)
    for unit in ("KiB", "MiB", "GiB"):
        value /= 1024
        if value < 1024:
            return f"{size:,} bytes ({value:.1f} {unit})"
    return f"{size:,} bytes ({value / 1024:.1f} TiB)"


def render_page(page: ReleasePage) -> str:
    return _environment().get_template("index.html.j2").render(page=page)


def _stored_previous(root: Path) -> PagePrevious | None:
    """The diff the page had, to keep across a refresh (say `rehash` after signing)."""
    path = root / PAGE_DATA_FILE
    if not path.is_file():
        return None
    try:
        return ReleasePage.read(path).previous
    except InputError:
        return None  # a page of another version: written anew


def write_release_page(root: Path, previous: Path | None = None) -> Path:
    """Write OUTPUT/index.html and release-page.json. Without `previous`, the diff the page
    had is kept: recomputed when its folder is still there, else as it was."""
    if previous is not None:
        section: PagePrevious | None = previous_section(previous, root)
    else:
        section = _stored_previous(root)
        if section is not None and Path(section.label).is_dir():
            section = previous_section(Path(section.label), root)
    page = collect_page(root, section)
    target = root / PAGE_FILE
    write_bytes_atomic(root / PAGE_DATA_FILE, page.text().encode())
    write_bytes_atomic(target, render_page(page).encode("utf-8"))
    return target
