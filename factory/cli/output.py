"""Everything the command line prints goes through one Console, redacted on the way out.

The Console holds the run's Redactor: the values of secret-named environment variables
from the start, and each profile's token values as soon as the profile is read. Whatever
path a value took into a message, it never reaches the screen.

stdout carries results (what scripts parse); stderr carries errors, warnings and, unless
--quiet, progress and informational lines. --verbose adds detail lines. On a terminal,
progress is one line rewritten in place; elsewhere (logs, CI) one line per step.
"""

from __future__ import annotations

import re
import shutil
import sys
from typing import Any

from factory.errors import Location, Problem
from factory.formats.jsontext import json_text
from factory.leaks.redact import Redactor

# `file:line:column: message`, how located one-line errors (YAML syntax, ...) are written
_LOCATED = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?P<message>.*)$", re.S)


class Console:
    def __init__(self, redactor: Redactor, *, quiet: bool = False, verbose: bool = False) -> None:
        self.redactor = redactor
        self.quiet = quiet
        self.verbose = verbose
        self._status_shown = False  # a progress line is on the terminal, not yet ended

    def progress(self, message: str) -> None:
        """One step of long work (a fetch, a solve, a build), on stderr so that stdout stays
        what scripts parse; silent with --quiet."""
        if self.quiet:
            return
        if not _is_terminal(sys.stderr):
            self.emit(message, err=True)
            return
        # one line rewritten in place, cut to the width so it never wraps
        width = max(shutil.get_terminal_size((80, 24)).columns - 1, 20)
        line = self.redactor.text(" ".join(str(message).split()))[:width]
        sys.stderr.write(f"\r{line}\x1b[K")
        sys.stderr.flush()
        self._status_shown = True

    def info(self, message: object) -> None:
        """A line for the reader, not the result (what was written where, what to do next);
        stderr, silent with --quiet."""
        if not self.quiet:
            self.emit(message, err=True)

    def detail(self, message: object) -> None:
        """Detail only --verbose shows (each line constructor prints, each file considered)."""
        if self.verbose and not self.quiet:
            self.emit(message, err=True)

    def emit(self, text: object = "", *, err: bool = False) -> None:
        self.end_progress()
        stream = sys.stderr if err else sys.stdout
        print(self.redactor.text(str(text)), file=stream)

    def end_progress(self) -> None:
        """Clear the in-place progress line, so that what follows starts on a clean line."""
        if self._status_shown:
            self._status_shown = False
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()

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

    def error(self, message: str, as_json: bool) -> None:
        """A one-line error; with --json also one JSON document, its location structured
        when the line starts with one (a YAML syntax error, a bad extends)."""
        self.unreadable([], [message], as_json)

    def unreadable(self, problems: list[Problem], errors: list[str], as_json: bool) -> None:
        """Problems of the files that were read, then one line per file that could not be;
        with --json, one document holding them all (the last error is its `error`)."""
        if as_json:
            located = [p for p in map(located_problem, errors) if p is not None]
            found = [p.as_dict() for p in [*problems, *located]]
            self.json({"ok": False, "error": errors[-1], "problems": found})
        for problem in problems:
            self.emit(problem, err=True)
        for message in errors:
            self.emit(f"installer-factory: error: {message}", err=True)


def located_problem(message: str) -> Problem | None:
    """`file:line:column: message` as a Problem; None for a message with no location."""
    match = _LOCATED.match(message)
    if match is None:
        return None
    where = Location(match["file"], int(match["line"]), int(match["column"]))
    return Problem(where, "", match["message"])


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
