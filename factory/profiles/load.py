"""Load, merge and check a profile: the one entry point `validate` and `render` share.

Checking runs in two stages, reported together: the shape (keys, types, values: pydantic)
and the cross-key rules (rules.py). When the shape is wrong, the offending keys are set
aside and the rules run on the rest, so one pass shows every problem; a rule finding
that touches a key set aside is dropped, as it would only echo the first problem.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from factory.errors import Problem, ProfileInvalid
from factory.profiles.diagnostics import data_path, format_path, problems_from_validation
from factory.profiles.finding import Finding
from factory.profiles.layering import Layered, load_layered
from factory.profiles.model import Profile
from factory.profiles.rules import check
from factory.profiles.secret_values import secret_problem
from factory.profiles.sources import ProfileSources, read_sources
from factory.profiles.yamlfile import Path_

ABSTRACT_PLACEHOLDERS = {"name": "abstract-base", "version": "0"}
_SALVAGE_ROUNDS = 8


@dataclass
class LoadedProfile:
    file: Path
    layered: Layered
    profile: Profile
    sources: ProfileSources  # the files it names, read once
    problems: list[Problem]  # warnings only, once loading succeeded

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


def load_profile(file: Path, *, search_paths: Iterable[Path] = ()) -> LoadedProfile:
    """Every problem at once in ProfileInvalid; InputError for unreadable input."""
    layered = load_layered(file, search_paths=search_paths)
    data = layered.data
    if layered.abstract:
        # a base leaves identity to the profiles that extend it; check everything else
        data = {**ABSTRACT_PLACEHOLDERS, **data}
    problems: list[Problem] = list(literal_tokens(layered))
    set_aside: list[Path_] = []
    try:
        profile: Profile | None = Profile.model_validate(data)
    except ValidationError as exc:
        problems += problems_from_validation(exc, layered, Profile)
        profile, set_aside = _salvage(data, exc)

    def resolve(path: Path_, value: str) -> Path:
        candidate = Path(value).expanduser()
        if not candidate.is_absolute():
            candidate = layered.source_file(path).parent / candidate
        return Path(os.path.normpath(candidate))

    if profile is None:
        raise ProfileInvalid(problems)
    sources = read_sources(profile, resolve)
    problems += [
        Problem(layered.location(f.path), format_path(f.path), f.message, f.severity)
        for f in check(profile, sources)
        # from a salvaged profile, only errors away from what was set aside are news
        if not set_aside or (f.severity == "error" and not _touches(f, set_aside))
    ]
    if any(p.severity == "error" for p in problems):
        raise ProfileInvalid(problems)
    return LoadedProfile(file, layered, profile, sources, sorted(problems))


def literal_tokens(
    layered: Layered, what: str = "a profile", keep: str = "in the build's environment"
) -> Iterator[Problem]:
    """A committed file names where a token comes from, never the token (secret_values.py
    says what counts). The value itself is never repeated in the message."""

    def walk(node: Any, path: Path_) -> Iterator[Problem]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, (*path, index))
        elif isinstance(node, str) and (message := secret_problem(path, node, what, keep)):
            yield Problem(layered.location(path), format_path(path), message)

    yield from walk(layered.data, ())


def _salvage(data: dict[str, Any], error: ValidationError) -> tuple[Profile | None, list[Path_]]:
    """The profile without the keys that failed, for the rules to look at; None if the
    remainder still cannot make a profile."""
    trial = copy.deepcopy(data)
    removed: list[Path_] = []
    for _ in range(_SALVAGE_ROUNDS):
        for item in error.errors(include_url=False):
            path, _key = data_path(item["loc"], trial)
            while path and isinstance(path[-1], int):
                path = path[:-1]  # drop a whole list rather than shift its indexes
            if item["type"] == "missing" and path and path[-1] in ABSTRACT_PLACEHOLDERS:
                _set(trial, path, ABSTRACT_PLACEHOLDERS[str(path[-1])])
            elif not path or not _delete(trial, path):
                return None, removed
            removed.append(path)
        try:
            return Profile.model_validate(trial), removed
        except ValidationError as again:
            error = again
    return None, removed


def _delete(data: Any, path: Path_) -> bool:
    node = data
    for part in path[:-1]:
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    if isinstance(node, dict) and path[-1] in node:
        del node[path[-1]]
        return True
    return False


def _set(data: dict[str, Any], path: Path_, value: Any) -> None:
    node = data
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def _touches(finding: Finding, set_aside: list[Path_]) -> bool:
    path = finding.path
    return any(path[: len(r)] == r or r[: len(path)] == path for r in set_aside)
