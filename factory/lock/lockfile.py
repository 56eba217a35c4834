"""The lock file: per platform, the loose inputs it was solved from and every record chosen.

`<profile stem>.lock.yaml` sits beside the profile. One line per package keeps review
diffs readable; the same inputs always give the same bytes (no timestamps, sorted). Each
platform records the sha256 of its inputs (specs, channels, priority, virtual packages),
so a profile changed after locking is noticed per platform. No rattler here: validate and
render read locks without loading the solver.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from factory.errors import InputError, display_path
from factory.platforms import Platform
from factory.profile.model import Profile
from factory.quoting import yamltext

LOCK_VERSION = 1
LOCK_SUFFIX = ".lock.yaml"

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


@dataclass(frozen=True, order=True)
class Locked:
    """One package record, exactly as solved (channel is the clean URL, never a token)."""

    name: str
    version: str
    build: str
    channel: str
    subdir: str
    file: str
    sha256: str
    md5: str
    size: int
    license: str | None = None

    @property
    def url(self) -> str:
        return f"{self.channel}/{self.subdir}/{self.file}"


@dataclass
class PlatformLock:
    specs: list[str]
    virtual_packages: list[str]  # name=version=build
    inputs_sha256: str
    packages: list[Locked] = field(default_factory=list)


@dataclass
class LockData:
    channels: list[str]
    channel_priority: str
    platforms: dict[str, PlatformLock] = field(default_factory=dict)


def lock_path(profile_file: Path) -> Path:
    return profile_file.with_name(profile_file.name.removesuffix(".yaml") + LOCK_SUFFIX)


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
    from factory.profile import channels as ch

    channels = ch.build_channels(profile)
    specs = list(profile.packages.specs_for(platform))
    virtual = virtual_packages(profile, platform, overrides)
    digest = inputs_sha256(channels, channel_priority(profile), specs, virtual)
    return PlatformLock(specs=specs, virtual_packages=virtual, inputs_sha256=digest)


def stale_platforms(profile: Profile, lock: LockData, platforms: list[Platform]) -> list[str]:
    """Platforms whose lock is missing or was made from other inputs than the profile's.
    Virtual packages given on the command line count as chosen: only the profile's own
    parts (specs, channels, priority, virtual_specs) are compared."""
    from factory.profile import channels as ch

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


# --- reading and writing --------------------------------------------------------------


def dump_lock(lock: LockData, profile_file: Path) -> str:
    lines = [
        f"# Lock for {profile_file.name}, made by `installer-factory lock`: review its diff and",
        "# commit it beside the profile. render and build pin exactly these records.",
        f"version: {LOCK_VERSION}",
        f"channel_priority: {lock.channel_priority}",
        "channels:",
        *(f"  - {yamltext.scalar(c)}" for c in lock.channels),
        "platforms:",
    ]
    for name in sorted(lock.platforms):
        entry = lock.platforms[name]
        lines += [
            f"  {name}:",
            f"    inputs_sha256: {entry.inputs_sha256}",
            "    specs:",
            *(f"      - {yamltext.scalar(s)}" for s in entry.specs),
            "    virtual_packages:",
            *(f"      - {yamltext.scalar(v)}" for v in entry.virtual_packages),
            "    packages:",
        ]
        for record in sorted(entry.packages):
            fields = ", ".join(
                f"{key}: {yamltext.scalar(value)}"
                for key, value in asdict(record).items()
                if value is not None
            )
            lines.append(f"      - {{{fields}}}")
    return "\n".join(lines) + "\n"


def read_lock(path: Path) -> LockData | None:
    """The lock at `path`, None when there is none; InputError when it is unreadable."""
    from ruamel.yaml import YAML

    if not path.is_file():
        return None
    shown = display_path(path)
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("version") != LOCK_VERSION:
            raise ValueError(f"not a version {LOCK_VERSION} lock file")
        platforms = {}
        for name, entry in (data.get("platforms") or {}).items():
            Platform(name)
            platforms[name] = PlatformLock(
                specs=[str(s) for s in entry["specs"]],
                virtual_packages=[str(v) for v in entry["virtual_packages"]],
                inputs_sha256=str(entry["inputs_sha256"]),
                packages=[_record(p) for p in entry.get("packages") or []],
            )
        return LockData(
            channels=[str(c) for c in data["channels"]],
            channel_priority=str(data["channel_priority"]),
            platforms=platforms,
        )
    except Exception as exc:  # any shape problem: one clear line, never a traceback
        message = f"{shown}: unreadable lock file ({exc}); run `installer-factory lock`"
        raise InputError(message) from None


def _record(item: Any) -> Locked:
    values = {k: item[k] for k in Locked.__dataclass_fields__ if k in item}
    values["version"] = str(values["version"])
    values["build"] = str(values["build"])
    values["size"] = int(values["size"])
    return Locked(**values)


def pins(records: list[Locked], labels: dict[str, str]) -> list[str]:
    """Exact match specs for constructor: `channel::name==version=build`, one per record.
    `labels` maps a record's channel URL back to the profile's own name for it."""
    return [
        f"{labels.get(r.channel, r.channel)}::{r.name}=={r.version}={r.build}"
        for r in sorted(records)
    ]


def channel_labels(channels: list[str], platform: Platform) -> dict[str, str]:
    """Clean channel URL -> the profile's own name for it (`conda-forge`, a URL...)."""
    from factory.profile.channels import channel_urls

    return {url: channel for channel in channels for url in channel_urls(channel, platform.value)}


def usable_lock(
    file: Path, profile: Profile, platforms: list[Platform], allow_stale: bool
) -> LockData | None:
    """The profile's lock for rendering, None when it has none. A lock made from other
    inputs than the profile's is an error unless `allow_stale`."""
    path = lock_path(file)
    lock = read_lock(path)
    if lock is None:
        return None
    stale = stale_platforms(profile, lock, platforms)
    if stale and not allow_stale:
        raise InputError(
            f"{display_path(path)}: stale for {', '.join(stale)}: the profile changed after "
            f"locking; run `installer-factory lock {display_path(file)}` (or pass "
            "--allow-stale to build from the old lock)"
        )
    return lock


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
