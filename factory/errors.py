"""Errors as data. Library code raises these; only factory.cli prints them and picks exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Location:
    """Where a value came from: a file and a 1-based line and column."""

    file: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, order=True)
class Problem:
    """One finding about a profile, printed as `file:line:column: key.path: message`."""

    location: Location
    path: str
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.location}: {self.path}: " if self.path else f"{self.location}: "
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{where}{prefix}{self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "path": self.path,
            "message": self.message,
            "severity": self.severity,
        }


class FactoryError(Exception):
    """Root of every error installer-factory reports to its user."""

    exit_code = 1


class InputError(FactoryError):
    """A profile, config or other input that cannot be read: one line, no traceback."""


class ProfileInvalid(FactoryError):
    """A profile that was read but breaks rules: every problem, all at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__(f"{len(self.errors)} problem(s) in profile")

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class OutputError(FactoryError):
    """Output that cannot be written safely (not ours to replace, disk trouble)."""

    exit_code = 3


class UnsafeValue(ValueError):
    """A value that cannot be carried literally into a given shell; caught by validation first."""


def display_path(path: Path | str) -> str:
    """A path as the user should read it: relative to the working directory when below it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)
