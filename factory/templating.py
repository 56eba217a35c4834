"""One way to set up Jinja for every folder of templates the package ships.

Each subpackage keeps the templates it renders beside its code (render/templates,
deploy/templates, ci/templates); they ship inside the wheel as package data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def template_environment(
    folder: Path, filters: dict[str, Callable[..., str]], *, html: bool = False
) -> Any:
    """A Jinja environment for one templates folder, set up the same way for all of them:
    only explicit context (StrictUndefined), block tags that leave no blank lines, and the
    quoting filters that folder's files need. Scripts and YAML quote their values with
    those filters and are not escaped; an HTML page (`html`) has every value escaped."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=html,
    )
    env.filters.update(filters)
    return env
