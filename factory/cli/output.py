"""Everything the command line prints goes through one Console, redacted on the way out.

The Console holds the run's Redactor: the values of secret-named environment variables
from the start, and each profile's token values as soon as the profile is read. Whatever
path a value took into a message, it never reaches the screen.
"""

from __future__ import annotations

import sys
from typing import Any

from factory.errors import Problem
from factory.formats.jsontext import json_text
from factory.leaks.redact import Redactor


class Console:
    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor

    def emit(self, text: object = "", *, err: bool = False) -> None:
        stream = sys.stderr if err else sys.stdout
        print(self.redactor.text(str(text)), file=stream)

    def json(self, data: Any) -> None:
        # redacted before encoding: JSON escaping would hide a value from text redaction
        self.emit(json_text(self.redactor.data(data)).rstrip("\n"))

    def problems(self, problems: list[Problem], as_json: bool) -> None:
        if as_json:
            self.json({"ok": False, "problems": [p.as_dict() for p in problems]})
        for problem in problems:
            self.emit(problem, err=True)
        errors = sum(1 for p in problems if p.severity == "error")
        if errors:
            self.emit(f"installer-factory: {errors} error(s); nothing written", err=True)
