"""`lock --update`: which names may move, and the exact records every other package keeps.

An update re-solves with every locked record but the named ones pinned; a name must be
locked or requested (in base or an extra environment) on some platform being locked.
"""

from __future__ import annotations

from typing import Any

from factory.errors import InputError
from factory.formats.lock_file import LockData, Locked
from factory.lock.lockfile import platform_inputs
from factory.lock.specs import parse
from factory.platforms import Platform
from factory.profiles.load import LoadedProfile


class RecordGone(InputError):
    """A locked record the channels no longer have."""


def find_records(sparse: list[Any], wanted: list[Locked]) -> list[Any]:
    """The repodata records behind locked entries (to pin them in a re-solve)."""
    import rattler

    by_name: dict[str, list[Locked]] = {}
    for item in wanted:
        by_name.setdefault(item.name, []).append(item)
    out = []
    for name, items in sorted(by_name.items()):
        keys = {(i.version, i.build, i.subdir, i.channel) for i in items}
        found = [
            r
            for source in sparse
            for r in source.load_records(rattler.PackageName(name))
            if (str(r.version), str(r.build), str(r.subdir), str(r.channel).rstrip("/")) in keys
        ]
        if not found:
            raise RecordGone(
                f"{name} {items[0].version} {items[0].build} is locked but no longer in "
                f"{items[0].channel}; update it too (lock --update {name})"
            )
        out.extend(found[:1])
    return out


def _spec_names(specs: list[str]) -> set[str]:
    return {name.normalized for name in (parse(s).name for s in specs) if name is not None}


def pins(
    platform: Platform,
    sparse: list[Any],
    previous: LockData | None,
    update: list[str],
    env: str | None = None,
) -> list[Any]:
    """The records every package but the updated ones keeps (of base, or of `env`)."""
    old = previous.platforms.get(platform.value) if previous else None
    if old is None:
        raise InputError(f"{platform.value} has no lock to update; run lock without --update")
    names = {n.lower() for n in update}
    # an environment new to the lock has no records to keep: it is solved freshly
    env_records = old.envs[env].packages if env in old.envs else []
    records = old.packages if env is None else env_records
    return find_records(sparse, [r for r in records if r.name not in names])


def check_update(
    loaded: LoadedProfile,
    platforms: list[Platform],
    previous: LockData | None,
    update: list[str],
    virtual_overrides: dict[str, str] | None,
) -> None:
    """A name to update must be locked, or be one of the profile's specs (base or an extra
    environment), on some platform being locked: otherwise it is a typo, refused before
    any fetch."""
    known: set[str] = set()
    for platform in platforms:
        old = previous.platforms.get(platform.value) if previous else None
        if old:
            known |= {r.name for r in old.packages}
            known |= {r.name for env in old.envs.values() for r in env.packages}
        inputs = platform_inputs(loaded.profile, platform, virtual_overrides)
        known |= _spec_names(inputs.specs)
        known |= {n for env in inputs.envs.values() for n in _spec_names(env.specs)}
    unknown = sorted({n.lower() for n in update} - known)
    if unknown:
        where = ", ".join(p.value for p in platforms)
        raise InputError(
            f"--update {' '.join(unknown)}: not in the lock ({where}) and not among the "
            "profile's specs; add it to packages first"
        )
