"""Where the shipped templates are: inside the wheel, or at the top of a source checkout.

The design card keeps templates/ at the repository root; the wheel carries it as
factory/templates (pyproject force-include). An editable install does not apply
force-include, so the checkout layout is the fallback.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def templates_dir() -> Path:
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).parent.parent / "templates"
    if checkout.is_dir():
        return checkout
    raise RuntimeError("installer-factory is installed without its templates/ folder")
