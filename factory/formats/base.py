"""What every file format of ours shares: a strict pydantic base and one JSON encoding.

Each file installer-factory writes and later reads back (build-report.json, deploy.json,
installer.json, manifest.json, the lock file) has one model, derived from `StrictModel`,
that both writes and reads it; the JSON ones derive from `JsonFile`. Unknown keys are
errors and instances are immutable, so a typo in a hand-edited file is reported rather
than ignored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from factory.errors import InputError, display_path
from factory.formats.jsontext import json_text


class StrictModel(BaseModel):
    """No unknown keys, no mutation: the base of every model in the package."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def read_json(path: Path, *, missing: str = "no such file") -> Any:
    """A JSON file's data; InputError naming the file and what is wrong with it."""
    shown = display_path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{shown}: {missing}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{shown}: cannot read: {exc}") from None
    except ValueError as exc:
        raise InputError(f"{shown}: not JSON: {exc}") from None


def first_problem(error: ValidationError, within: str = "") -> str:
    """One line for data that does not fit its model: the first key that is wrong."""
    problems = error.errors(include_url=False)
    item = problems[0]
    where = ".".join(str(part) for part in (within, *item["loc"]) if part != "") or "the file"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    message = str(item["msg"]).removeprefix("Value error, ")  # a validator's own words
    return f"{where}: {message}{more}"


_File = TypeVar("_File", bound="JsonFile")


class JsonFile(StrictModel):
    """A JSON file of ours: written with `json_text`, read back through the same model."""

    def data(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def text(self) -> str:
        return json_text(self.data())

    @classmethod
    def read(cls: type[_File], path: Path) -> _File:
        return cls.from_data(read_json(path), path)

    @classmethod
    def from_data(cls: type[_File], data: Any, path: Path) -> _File:
        """The model of data read from `path`; InputError naming the file when it does not
        fit."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise InputError(f"{display_path(path)}: {first_problem(exc)}") from None
