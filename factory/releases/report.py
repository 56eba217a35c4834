"""A ReleaseDiff as text (the terminal) or Markdown (a merge request or change ticket);
the JSON form is `ReleaseDiff.as_dict()`. Jinja templates beside this module."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from factory.releases.diff import ReleaseDiff
from factory.templating import template_environment

_TEMPLATES = Path(__file__).with_name("templates")


def size(value: int | None) -> str:
    """Bytes for people: 1.5 MiB; n/a for none."""
    if value is None:
        return "n/a"
    amount = float(abs(value))
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < 1024 or unit == "GiB":
            text = f"{amount:.0f} {unit}" if unit == "B" else f"{amount:.1f} {unit}"
            return f"-{text}" if value < 0 else text
        amount /= 1024
    return str(value)  # not reached


def signed_size(value: int | None) -> str:
    if value is None:
        return "n/a"
    return f"+{size(value)}" if value > 0 else size(value) if value < 0 else "same size"


def _md(value: object) -> str:
    """A value in a Markdown table cell: pipes escaped, in code spans."""
    text = str(value).replace("|", "\\|").replace("`", "'")
    return f"`{text}`"


def _environment() -> Any:
    return template_environment(_TEMPLATES, {"size": size, "signed": signed_size, "md": _md})


def diff_text(diff: ReleaseDiff) -> str:
    return _environment().get_template("diff.txt.j2").render(d=diff)


def diff_markdown(diff: ReleaseDiff) -> str:
    return _environment().get_template("diff.md.j2").render(d=diff)
