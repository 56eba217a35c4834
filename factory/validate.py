"""Load, merge and check a profile: the one entry point `validate` and `render` share."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from factory.errors import Problem, ProfileInvalid
from factory.layering import Layered, load_layered
from factory.locate import format_path, problems_from_validation
from factory.model import Profile
from factory.rules import Sources, check

ABSTRACT_PLACEHOLDERS = {"name": "abstract-base", "version": "0"}


@dataclass
class LoadedProfile:
    file: Path
    layered: Layered
    profile: Profile
    sources: Sources
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
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileInvalid(problems_from_validation(exc, layered, Profile)) from None

    def resolve(path: tuple[str | int, ...], value: str) -> Path:
        candidate = Path(value).expanduser()
        if candidate.is_absolute():
            return candidate
        return layered.source_file(path).parent / candidate

    sources = Sources.create(resolve)
    problems = [
        Problem(layered.location(f.path), format_path(f.path), f.message, f.severity)
        for f in check(profile, sources)
    ]
    if any(p.severity == "error" for p in problems):
        raise ProfileInvalid(problems)
    return LoadedProfile(file, layered, profile, sources, sorted(problems))
