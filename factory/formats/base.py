"""What every file format of ours shares: a strict pydantic base and one JSON encoding.

Each file installer-factory writes and later reads back (build-report.json, deploy.json,
installer.json, manifest.json, the lock file) has one model, derived from `FileModel`, that
both writes and reads it. Unknown keys are errors and instances are immutable, so a typo
in a hand-edited file is reported rather than ignored.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    """No unknown keys, no mutation: the base of every model in the package."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def json_text(data: Any) -> str:
    """The one JSON encoding of every file and `--json` document: sorted keys, two-space
    indent, a final newline; the same data always gives the same bytes."""
    return json.dumps(data, indent=2, sort_keys=True) + "\n"
