"""The profile's package specs as the solve reads them, checked before any solve.

The solve parses every spec with rattler's MatchSpec in strict mode; a spec it refuses
would otherwise end a command with rattler's exception. Here each one is a problem at its
own key (file:line:column), all at once, before any repodata is fetched. `validate`
checks the same from factory.profiles; this keeps `lock`, `doctor` and their library
callers safe without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from factory.errors import Problem, ProfileInvalid
from factory.profiles.diagnostics import format_path
from factory.profiles.load import LoadedProfile

KeyPath = tuple[str | int, ...]


def _specs(packages: Any) -> Iterator[tuple[KeyPath, str]]:
    for group, specs in packages.specs.items():
        for index, spec in enumerate(specs):
            yield ("packages", "specs", group, index), spec
    for os_, groups in packages.os.items():
        for group, specs in groups.items():
            for index, spec in enumerate(specs):
                yield ("packages", "os", os_.value, group, index), spec
    for platform, groups in packages.platform.items():
        for group, specs in groups.items():
            for index, spec in enumerate(specs):
                yield ("packages", "platform", platform.value, group, index), spec


def parse(spec: str) -> Any:
    """rattler's MatchSpec for `spec`, read as the solve reads it; ValueError with rattler's
    reason (first line) when it cannot."""
    import rattler

    try:
        return rattler.MatchSpec(spec, strict=True)
    except Exception as exc:  # rattler's InvalidMatchSpecError; its module varies by version
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "cannot be parsed"
        raise ValueError(reason) from None


def check_specs(loaded: LoadedProfile) -> None:
    """ProfileInvalid listing every spec of the profile the solve could not read."""
    problems = []
    for path, spec in _specs(loaded.profile.packages):
        try:
            parse(spec)
        except ValueError as exc:
            where = loaded.layered.location(path)
            message = f"`{spec}` is not a package spec the solver can read ({exc})"
            problems.append(Problem(where, format_path(path), message))
    if problems:
        raise ProfileInvalid(problems)
