"""Where the shipped templates are: inside the wheel, or at the top of a source checkout.

The design card keeps templates/ at the repository root; the wheel carries it as
factory/templates (pyproject force-include). An editable install does not apply
force-include, so the checkout layout is the fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any


@cache
def templates_dir() -> Path:
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).parent.parent / "templates"
    if checkout.is_dir():
        return checkout
    raise RuntimeError("installer-factory is installed without its templates/ folder")


def template_environment(folder: str, filters: dict[str, Callable[..., str]]) -> Any:
    """A Jinja environment for one templates/ folder, set up the same way for all of them:
    only explicit context (StrictUndefined), no HTML escaping, block tags that leave no
    blank lines, and the quoting filters that folder's files need."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates_dir() / folder)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(filters)
    return env
