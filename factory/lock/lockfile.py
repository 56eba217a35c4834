"""A lock and its profile: the inputs each platform is solved from, whether a lock is still
the profile's (per platform, by the sha256 of those inputs), and the explicit environment
file render writes from it.

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
    EnvLock,
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
    "EnvLock",
    "LockData",
    "Locked",
    "PlatformLock",
    "add_pip_as_python_dependency",
    "channel_priority",
    "dump_lock",
    "env_inputs",
    "explicit_text",
    "inputs_sha256",
    "lock_path",
    "lock_warnings",
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


def add_pip_as_python_dependency(profile: Profile) -> bool:
    """conda's `add_pip_as_python_dependency` as the installed conda will have it: true
    unless the profile's .condarc settings turn it off (conda reads yes/no/on/off too)."""
    value = profile.condarc.settings.get("add_pip_as_python_dependency", True)
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "no", "off", "0", "n", "f")
    return bool(value)


def inputs_sha256(
    channels: list[str],
    priority: str,
    specs: list[str],
    virtual: list[str],
    add_pip: bool,
) -> str:
    # add_pip: a lock made before pip was added as conda adds it is stale, so that it is
    # solved again rather than built into an installer without pip
    payload = {
        "channels": channels,
        "priority": priority,
        "specs": specs,
        "virtual": virtual,
        "add_pip_as_python_dependency": add_pip,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def platform_inputs(
    profile: Profile, platform: Platform, overrides: dict[str, str] | None = None
) -> PlatformLock:
    from factory.profiles import channels as ch

    channels = ch.build_channels(profile)
    specs = list(profile.packages.specs_for(platform))
    virtual = virtual_packages(profile, platform, overrides)
    add_pip = add_pip_as_python_dependency(profile)
    digest = inputs_sha256(channels, channel_priority(profile), specs, virtual, add_pip)
    envs = {name: env_inputs(profile, platform, name, virtual) for name in profile.extra_envs}
    return PlatformLock(specs=specs, virtual_packages=virtual, inputs_sha256=digest, envs=envs)


def env_inputs(profile: Profile, platform: Platform, name: str, virtual: list[str]) -> EnvLock:
    """An extra environment's inputs on one platform (no records yet): its specs, its
    channels, and the platform's virtual packages and the profile's priority and pip."""
    from factory.profiles.env_channels import env_build_channels

    env = profile.extra_envs[name]
    channels = env_build_channels(profile, env)
    specs = list(env.specs_for(platform))
    add_pip = add_pip_as_python_dependency(profile)
    digest = inputs_sha256(channels, channel_priority(profile), specs, virtual, add_pip)
    return EnvLock(specs=specs, channels=channels, inputs_sha256=digest)


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
            ch.build_channels(profile),
            channel_priority(profile),
            specs,
            entry.virtual_packages,
            add_pip_as_python_dependency(profile),
        )
        moved = digest != entry.inputs_sha256 or lock.channels != ch.build_channels(profile)
        if moved or _envs_stale(profile, platform, entry):
            out.append(platform.value)
    return out


def _envs_stale(profile: Profile, platform: Platform, entry: PlatformLock) -> bool:
    """An extra environment added, dropped, or changed since locking."""
    if set(entry.envs) != set(profile.extra_envs):
        return True
    return any(
        env_inputs(profile, platform, name, entry.virtual_packages).inputs_sha256
        != entry.envs[name].inputs_sha256
        for name in profile.extra_envs
    )


def explicit_text(platform: Platform, records: Sequence[Locked], env: str | None = None) -> str:
    """The lock of one platform as conda's explicit environment file (`@EXPLICIT`, one
    full package URL per line with its hash, as `conda list --explicit --sha256` writes
    it, with the `sha256:` prefix conda >=24.9 reads; `#<md5>` for a record without a
    sha256). `conda create --file` installs exactly these records without a solve: no
    channel parsing, so no `channel::` spec for conda to misread."""
    what = "this platform's lock" if env is None else f"environment {env} in this platform's lock"
    lines = [
        f"# The packages of {what}, exactly: constructor's environment_file.",
        "# $ conda create --prefix <env> --file <this file>",
        f"# platform: {platform.value}",
        "@EXPLICIT",
    ]
    for record in sorted(records, key=lambda r: (r.name, r.url)):
        digest = f"sha256:{record.sha256}" if record.sha256 else record.md5
        lines.append(f"{record.url}#{digest}" if digest else record.url)
    return "\n".join(lines) + "\n"


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
