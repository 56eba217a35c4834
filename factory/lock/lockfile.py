"""A lock and its profile: the inputs each platform is solved from, whether a lock is still
the profile's (per platform, by the sha256 of those inputs), and the pins render writes.

The file format itself is factory.formats.lock_file. No rattler here: validate and render
read locks without loading the solver.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from factory.errors import InputError, display_path
from factory.formats.lock_file import (
    LockData,
    Locked,
    PlatformLock,
    dump_lock,
    lock_path,
    read_lock,
)
from factory.platforms import Platform
from factory.profiles.model import Profile

# the lock commands and tests import the file's names from here too
__all__ = [
    "LockData",
    "Locked",
    "PlatformLock",
    "channel_labels",
    "channel_priority",
    "dump_lock",
    "inputs_sha256",
    "lock_path",
    "lock_warnings",
    "pins",
    "platform_inputs",
    "read_lock",
    "require_fresh",
    "stale_platforms",
    "usable_lock",
    "virtual_packages",
]


# What the solve assumes about target machines unless told otherwise: the oldest systems
# the big channels still build for. A profile's install-time virtual_specs (`__glibc >=2.28`)
# raise these, and `lock --virtual-package` overrides them.
_LINUX = {"__unix": "0", "__linux": "5.10", "__glibc": "2.17", "__archspec": "1"}
DEFAULT_VIRTUAL: dict[Platform, dict[str, str]] = {
    Platform.linux_64: _LINUX,
    Platform.linux_aarch64: _LINUX,
    Platform.osx_64: {"__unix": "0", "__osx": "10.15", "__archspec": "1"},
    Platform.osx_arm64: {"__unix": "0", "__osx": "11.0", "__archspec": "1"},
    Platform.win_64: {"__win": "0", "__archspec": "1"},
}
ARCHSPEC_BUILD = {
    Platform.linux_64: "x86_64",
    Platform.linux_aarch64: "aarch64",
    Platform.osx_64: "x86_64",
    Platform.osx_arm64: "arm64",
    Platform.win_64: "x86_64",
}


def channel_priority(profile: Profile) -> str:
    """rattler has strict and disabled; conda's flexible is closest to disabled."""
    return "strict" if profile.condarc.channel_priority in (None, "strict") else "disabled"


def virtual_packages(
    profile: Profile, platform: Platform, overrides: dict[str, str] | None = None
) -> list[str]:
    values = dict(DEFAULT_VIRTUAL[platform])
    for spec in profile.packages.virtual_specs.get(platform.os, []):
        name, _, rest = spec.partition(">=")
        if rest and name.strip() in values:  # the install refuses older systems anyway
            values[name.strip()] = rest.strip().split(",")[0].split()[0]
    values.update(overrides or {})
    builds = {"__archspec": ARCHSPEC_BUILD[platform]}
    return sorted(f"{k}={v}={builds.get(k, '0')}" for k, v in values.items())


def inputs_sha256(channels: list[str], priority: str, specs: list[str], virtual: list[str]) -> str:
    payload = {"channels": channels, "priority": priority, "specs": specs, "virtual": virtual}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def platform_inputs(
    profile: Profile, platform: Platform, overrides: dict[str, str] | None = None
) -> PlatformLock:
    from factory.profiles import channels as ch

    channels = ch.build_channels(profile)
    specs = list(profile.packages.specs_for(platform))
    virtual = virtual_packages(profile, platform, overrides)
    digest = inputs_sha256(channels, channel_priority(profile), specs, virtual)
    return PlatformLock(specs=specs, virtual_packages=virtual, inputs_sha256=digest)


def stale_platforms(profile: Profile, lock: LockData, platforms: list[Platform]) -> list[str]:
    """Platforms whose lock is missing or was made from other inputs than the profile's.
    Virtual packages given on the command line count as chosen: only the profile's own
    parts (specs, channels, priority, virtual_specs) are compared."""
    from factory.profiles import channels as ch

    out = []
    for platform in platforms:
        entry = lock.platforms.get(platform.value)
        if entry is None:
            out.append(platform.value)
            continue
        specs = list(profile.packages.specs_for(platform))
        digest = inputs_sha256(
            ch.build_channels(profile), channel_priority(profile), specs, entry.virtual_packages
        )
        if digest != entry.inputs_sha256 or lock.channels != ch.build_channels(profile):
            out.append(platform.value)
    return out


def pins(records: Sequence[Locked], labels: dict[str, str]) -> list[str]:
    """Exact match specs for constructor: `channel::name==version=build`, one per record.
    `labels` maps a record's channel URL back to the profile's own name for it."""
    return [
        f"{labels.get(r.channel, r.channel)}::{r.name}=={r.version}={r.build}"
        for r in sorted(records)
    ]


def channel_labels(channels: list[str], platform: Platform) -> dict[str, str]:
    """Clean channel URL -> the profile's own name for it (`conda-forge`, a URL...)."""
    from factory.profiles.channels import channel_urls

    return {url: channel for channel in channels for url in channel_urls(channel, platform.value)}


def usable_lock(
    file: Path, profile: Profile, platforms: list[Platform], allow_stale: bool
) -> LockData | None:
    """The profile's lock for rendering, None when it has none. A lock made from other
    inputs than the profile's is an error unless `allow_stale`."""
    lock = read_lock(lock_path(file))
    if lock is not None:
        require_fresh(file, profile, lock, platforms, allow_stale)
    return lock


def require_fresh(
    file: Path, profile: Profile, lock: LockData, platforms: list[Platform], allow_stale: bool
) -> None:
    """InputError when `lock` is stale for any of `platforms`, unless `allow_stale`."""
    stale = stale_platforms(profile, lock, platforms)
    if stale and not allow_stale:
        raise InputError(
            f"{display_path(lock_path(file))}: stale for {', '.join(stale)}: the profile "
            f"changed after locking; run `installer-factory lock {display_path(file)}` (or "
            "pass --allow-stale to build from the old lock)"
        )


def lock_warnings(file: Path, profile: Profile, where: Any) -> list[Any]:
    """validate's view: a stale or unreadable lock is a warning at the profile's packages."""
    from factory.errors import Problem

    path = lock_path(file)
    try:
        lock = read_lock(path)
    except InputError as exc:
        return [Problem(where, "packages", str(exc), "warning")]
    if lock is None:
        return []
    stale = stale_platforms(profile, lock, list(profile.platforms))
    if not stale:
        return []
    message = (
        f"{path.name} is stale for {', '.join(stale)}: specs or channels changed after "
        "locking; run `installer-factory lock`"
    )
    return [Problem(where, "packages", message, "warning")]
