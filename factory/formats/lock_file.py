"""The lock file, `<profile stem>.lock.yaml` beside the profile: per platform, the loose
inputs it was solved from and every record chosen, for base and for each extra
environment (`envs`, lock version 2).

YAML rather than JSON so that review diffs read well: one line per package, and the same
lock always gives the same bytes (no timestamps, sorted). `dump_lock` writes that text by
hand; `read_lock` reads it back through the models below. What a lock means for a
profile (inputs, staleness, the explicit list) is factory.lock.lockfile's business.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ConfigDict, Field, ValidationError, field_validator

from factory.errors import InputError, display_path
from factory.formats.base import StrictModel, first_problem
from factory.platforms import Platform
from factory.quoting import yamltext

# version 2 added `envs` (extra environments) to each platform; a lock without them is
# still written as version 1, so existing locks keep their bytes and both read back
LOCK_VERSION = 2
READABLE_VERSIONS = (1, 2)
LOCK_SUFFIX = ".lock.yaml"


class _Record(StrictModel):
    # YAML reads an unquoted 1.10 as a number: text fields take numbers as their text
    model_config = ConfigDict(coerce_numbers_to_str=True)

    def __init__(self, *args: Any, **fields: Any) -> None:
        # also built positionally, fields in declaration order, as records are short
        names = list(type(self).model_fields)
        if len(args) > len(names):
            raise TypeError(f"{type(self).__name__} takes at most {len(names)} fields")
        super().__init__(**dict(zip(names, args, strict=False)), **fields)


class Locked(_Record):
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

    def row(self) -> tuple[Any, ...]:
        """The fields in order: records sort by it."""
        return tuple(getattr(self, name) for name in type(self).model_fields)

    def __lt__(self, other: Locked) -> bool:
        return self.row() < other.row()


class EnvLock(_Record):
    """One extra environment of a platform: its own inputs and records."""

    specs: list[str]
    channels: list[str]  # what it was solved from (its own, or the profile's)
    inputs_sha256: str
    packages: list[Locked] = Field(default_factory=list)

    @field_validator("packages", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value


class PlatformLock(_Record):
    specs: list[str]
    virtual_packages: list[str]  # name=version=build
    inputs_sha256: str
    packages: list[Locked] = Field(default_factory=list)
    # Windows: the longest path the installer writes below its prefix, when lock could
    # read every package (factory/lock/path_length.py)
    longest_path: int | None = None
    # extra environments by name (lock version 2)
    envs: dict[str, EnvLock] = Field(default_factory=dict)

    @field_validator("envs", mode="before")
    @classmethod
    def _no_envs(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("packages", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return [] if value is None else value  # `packages:` with no entries


class LockData(_Record):
    channels: list[str]
    channel_priority: str
    platforms: dict[str, PlatformLock] = Field(default_factory=dict)
    version: int = LOCK_VERSION

    @field_validator("platforms", mode="before")
    @classmethod
    def _no_platforms(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("platforms")
    @classmethod
    def _known_platforms(cls, value: dict[str, PlatformLock]) -> dict[str, PlatformLock]:
        for name in value:
            Platform(name)
        return value


def lock_path(profile_file: Path) -> Path:
    return profile_file.with_name(profile_file.name.removesuffix(".yaml") + LOCK_SUFFIX)


def _record_lines(records: list[Locked], pad: str) -> list[str]:
    lines = []
    for record in sorted(records):
        fields = ", ".join(
            f"{key}: {yamltext.scalar(value)}"
            for key, value in record.model_dump().items()
            if value is not None
        )
        lines.append(f"{pad}- {{{fields}}}")
    return lines


def dump_lock(lock: LockData, profile_file: Path) -> str:
    with_envs = any(entry.envs for entry in lock.platforms.values())
    lines = [
        f"# Lock for {profile_file.name}, made by `installer-factory lock`: review its diff and",
        "# commit it beside the profile. render and build install exactly these records.",
        f"version: {LOCK_VERSION if with_envs else 1}",
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
            *([] if entry.longest_path is None else [f"    longest_path: {entry.longest_path}"]),
            "    specs:",
            *(f"      - {yamltext.scalar(s)}" for s in entry.specs),
            "    virtual_packages:",
            *(f"      - {yamltext.scalar(v)}" for v in entry.virtual_packages),
            "    packages:",
            *_record_lines(entry.packages, "      "),
        ]
        if entry.envs:
            lines.append("    envs:")
        for env_name in sorted(entry.envs):
            env = entry.envs[env_name]
            lines += [
                f"      {yamltext.key(env_name)}:",
                f"        inputs_sha256: {env.inputs_sha256}",
                "        channels:",
                *(f"          - {yamltext.scalar(c)}" for c in env.channels),
                "        specs:",
                *(f"          - {yamltext.scalar(s)}" for s in env.specs),
                "        packages:",
                *_record_lines(env.packages, "          "),
            ]
    return "\n".join(lines) + "\n"


def read_lock(path: Path) -> LockData | None:
    """The lock at `path`, None when there is none; InputError when it is unreadable."""
    from ruamel.yaml import YAML

    if not path.is_file():
        return None
    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("version") not in READABLE_VERSIONS:
            raise ValueError(f"not a version {' or '.join(map(str, READABLE_VERSIONS))} lock file")
        return LockData.model_validate(data)
    except ValidationError as exc:
        what = first_problem(exc)
    except Exception as exc:  # unreadable, not YAML: one clear line, never a traceback
        what = str(exc)
    message = f"{display_path(path)}: unreadable lock file ({what}); run `installer-factory lock`"
    raise InputError(message)
