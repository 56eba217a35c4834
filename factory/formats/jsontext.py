"""The one JSON encoding of every file and `--json` document. Apart from base.py so that
the command line can print JSON without importing pydantic."""

from __future__ import annotations

import json
from typing import Any


def json_text(data: Any) -> str:
    """The one JSON encoding of every file and `--json` document: sorted keys, two-space
    indent, a final newline; the same data always gives the same bytes."""
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
