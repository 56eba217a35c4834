"""Package specs read by rattler's own MatchSpec parser, as the lock's solve reads them.

The solve parses specs strictly (rattler's solver builds each MatchSpec with strict=True),
so a spec only the lenient reading accepts (`numpy 1.2` for `numpy ==1.2`) fails there as
surely as `python =>3.12`. Either would otherwise surface as rattler's exception from
`lock` or `build`; here it is an error at its own key, in every command that loads the
profile (factory/lock/specs.py checks the same again before a solve).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from factory.leaks.shapes import looks_like_token
from factory.profiles.finding import Finding
from factory.profiles.model import Profile, SpecGroupSet
from factory.profiles.sources import ProfileSources

KeyPath = tuple[str | int, ...]
_NAME = re.compile(r"^(?:[^:\s]+::)?([A-Za-z0-9_][A-Za-z0-9_.\-]*)")


def spec_name(spec: str) -> str:
    """A spec's package name, lower case (after any `channel::`)."""
    match = _NAME.match(spec.strip())
    return match.group(1).lower() if match else spec.strip().lower()


HOW = "write NAME, NAME VERSION or NAME VERSION BUILD, e.g. `python >=3.12` or `numpy 1.26.*`"


@functools.lru_cache(maxsize=4096)  # profiles repeat specs across layers and commands
def parse_problem(spec: str, strict: bool) -> str | None:
    """rattler's reason for refusing `spec` (first line), or None when it parses."""
    import rattler
    from rattler.exceptions import InvalidMatchSpecError

    try:
        rattler.MatchSpec(spec, strict=strict)
    except InvalidMatchSpecError as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else "cannot be parsed"
    return None


def _group_specs(at: KeyPath, groups: SpecGroupSet) -> Iterator[tuple[KeyPath, str]]:
    """The specs of one environment's groups (`packages`, or one of `extra_envs`)."""
    for group, specs in groups.specs.items():
        for index, spec in enumerate(specs):
            yield (*at, "specs", group, index), spec
    for os_, by_os in groups.os.items():
        for group, specs in by_os.items():
            for index, spec in enumerate(specs):
                yield (*at, "os", os_.value, group, index), spec
    for platform, by_platform in groups.platform.items():
        for group, specs in by_platform.items():
            for index, spec in enumerate(specs):
                yield (*at, "platform", platform.value, group, index), spec


def profile_specs(profile: Profile) -> Iterator[tuple[KeyPath, str]]:
    """Every package spec of the profile with its key path, virtual specs included."""
    packages = profile.packages
    yield from _group_specs(("packages",), packages)
    for env_name, env in profile.extra_envs.items():
        yield from _group_specs(("extra_envs", env_name), env)
    for os_, virtual in packages.virtual_specs.items():
        for index, spec in enumerate(virtual):
            yield ("packages", "virtual_specs", os_.value, index), spec


def package_specs(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    for path, spec in profile_specs(profile):
        if looks_like_token(spec):
            continue  # refused as a secret already; rattler's reason could quote it
        if problem := parse_problem(spec, True):
            yield Finding(path, f"not a package spec the solver can read ({problem}); {HOW}")
