"""The profile's package specs as the solve reads them, checked before any solve.

The solve parses every spec with rattler's MatchSpec in strict mode; a spec it refuses
would otherwise end a command with rattler's exception. Here each one is a problem at its
own key (file:line:column), all at once, before any repodata is fetched. `validate`
checks the same from factory.profiles; this keeps `lock`, `doctor` and their library
callers safe without it.
"""

from __future__ import annotations

from typing import Any

from factory.errors import Problem, ProfileInvalid
from factory.profiles.diagnostics import format_path
from factory.profiles.load import LoadedProfile
from factory.profiles.spec_rules import parse_problem, profile_specs


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
    for path, spec in profile_specs(loaded.profile):
        reason = parse_problem(spec, True)
        if reason is not None:
            where = loaded.layered.location(path)
            message = f"`{spec}` is not a package spec the solver can read ({reason})"
            problems.append(Problem(where, format_path(path), message))
    if problems:
        raise ProfileInvalid(problems)
