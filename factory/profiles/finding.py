"""One finding of a cross-key rule: the key path to blame, what is wrong, how bad.

load.py turns the path into file:line:column; the rules (rules.py, install_rules.py) only
name keys.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    path: tuple[str | int, ...]
    message: str
    severity: str = "error"
