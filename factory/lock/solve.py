"""Solve a profile once per platform with py-rattler, before any build.

Repodata comes through repodata.Fetcher (tokens and cache stay there); the solver sees
clean channel URLs only. `lock_profile` solves base and every extra environment and
returns the new lock and what changed (diff.py). Every solve runs through rattler_calls,
so no rattler thread is left inside the interpreter when a call returns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from factory.errors import FactoryError, InputError
from factory.formats.lock_file import LockData, Locked, PlatformLock
from factory.lock import rattler_calls
from factory.lock.diff import Change, diff, diff_envs
from factory.lock.lockfile import (
    add_pip_as_python_dependency,
    channel_priority,
    platform_inputs,
)
from factory.lock.path_length import longest_with_envs
from factory.lock.pins import check_update, pins
from factory.lock.repodata import Fetcher
from factory.lock.specs import check_specs, parse
from factory.platforms import OS, Platform
from factory.profiles.channels import channel_urls
from factory.profiles.load import LoadedProfile

Progress = Callable[[str], None]


class SolveFailed(FactoryError):
    exit_code = 1


def _quiet(message: str) -> None:
    """No progress wanted."""


# --- sources ----------------------------------------------------------------------------


@dataclass
class Sources:
    """The channels' repodata, per platform in priority order, read lazily by rattler.
    Each (channel, subdir) is opened once: noarch serves every platform."""

    fetcher: Fetcher
    channels: list[str]  # as the profile writes them
    progress: Progress = _quiet
    labels: dict[str, str] = field(default_factory=dict)  # clean URL -> profile's label
    opened: dict[tuple[str, str], Any] = field(default_factory=dict)

    def close(self) -> None:
        """Release rattler's memory maps of the repodata files now, not at some later
        garbage collection (a 600,000-record platform maps hundreds of megabytes)."""
        for sparse in self.opened.values():
            if sparse is not None:
                sparse.close()
        self.opened.clear()

    def sparse(self, platform: Platform) -> list[Any]:
        out = []
        for channel in self.channels:
            for url in channel_urls(channel, platform.value):
                self.labels.setdefault(url, channel if "://" not in channel else url)
                for subdir in (platform.value, "noarch"):
                    source = self._open(url, subdir)
                    if source is not None:
                        out.append(source)
        return out

    def _open(self, url: str, subdir: str) -> Any:
        import rattler

        key = (url, subdir)
        if key not in self.opened:
            path = self.fetcher.repodata(url, subdir, progress=self.progress)
            try:
                self.opened[key] = (
                    None
                    if path is None
                    else rattler.SparseRepoData(rattler.Channel(url), subdir, str(path))
                )
            except Exception as exc:  # rattler's own error types: one clear line
                self.fetcher.forget(url, subdir)
                raise InputError(f"{url}/{subdir}/repodata.json: unreadable ({exc})") from None
        return self.opened[key]


def record_count(sparse: list[Any]) -> int:
    return sum(source.record_count() for source in sparse)


def _virtual(entries: list[str]) -> list[Any]:
    import rattler

    out = []
    for entry in entries:
        name, version, build = entry.split("=", 2)
        try:
            out.append(
                rattler.GenericVirtualPackage(
                    rattler.PackageName(name), rattler.Version(version), rattler.BuildString(build)
                )
            )
        except Exception as exc:  # rattler's parse errors: a bad --virtual-package value
            raise InputError(f"virtual package {entry}: {exc}") from None
    return out


def _priority(name: str) -> Any:
    import rattler

    return rattler.ChannelPriority.Strict if name == "strict" else rattler.ChannelPriority.Disabled


def to_locked(record: Any) -> Locked:
    sha = record.sha256
    md5 = record.md5
    return Locked(
        name=record.name.normalized,
        version=str(record.version),
        build=str(record.build),
        channel=str(record.channel).rstrip("/"),
        subdir=str(record.subdir),
        file=str(record.file_name),
        sha256=sha.hex() if isinstance(sha, bytes) else str(sha or ""),
        md5=md5.hex() if isinstance(md5, bytes) else str(md5 or ""),
        size=int(record.size or 0),
        license=str(record.license) if record.license else None,
    )


async def _solve(
    specs: list[str],
    sparse: list[Any],
    virtual: list[str],
    priority: str,
    pinned: list[Any] | None = None,
    locked: list[Any] | None = None,
    *,
    add_pip: bool = False,
) -> list[Any]:
    """One solve. `add_pip`: conda's add_pip_as_python_dependency, which appends `pip` to
    the depends of every python 2.x/3.x record it reads from repodata (its default;
    conda/core/subdir_data.py), so a conda solve that has python also has pip and what
    pip needs; rattler does the same to the records when asked."""
    import rattler

    return await rattler.solve_with_sparse_repodata(
        [parse(spec) for spec in specs],
        sparse,
        virtual_packages=_virtual(virtual),
        channel_priority=_priority(priority),
        pinned_packages=pinned or [],
        locked_packages=locked or [],
        add_pip_as_python_dependency=add_pip,
    )


# --- locking ----------------------------------------------------------------------------


@dataclass
class LockRun:
    lock: LockData
    changes: dict[str, list[Change]]
    solved: list[str]
    # extra environments: platform -> environment name -> changes
    env_changes: dict[str, dict[str, list[Change]]] = field(default_factory=dict)


def lock_profile(
    loaded: LoadedProfile,
    platforms: list[Platform],
    fetcher: Fetcher,
    *,
    previous: LockData | None = None,
    update: list[str] | None = None,
    virtual_overrides: dict[str, str] | None = None,
    progress: Progress | None = None,
    packages_dir: Path | None = None,
) -> LockRun:
    """Solve `platforms`; other platforms of `previous` are kept as they were. With
    `update`, every package of `previous` but those named keeps its exact record; a named
    package the lock does not have yet (just added to the profile) is solved freshly.
    `progress` hears one line per fetch and per solve (never a token)."""
    from factory.profiles import channels as ch

    check_specs(loaded)
    sources = Sources(fetcher, ch.build_channels(loaded.profile), progress or _quiet)
    try:
        return _lock(loaded, platforms, sources, previous, update, virtual_overrides, packages_dir)
    finally:
        sources.close()


@dataclass
class _Job:
    platform: Platform
    env: str | None  # None: base
    specs: list[str]
    virtual: list[str]
    sparse: list[Any]
    pinned: list[Any] | None

    @property
    def label(self) -> str:
        return self.platform.value + ("" if self.env is None else f" envs/{self.env}")


def _lock(
    loaded: LoadedProfile,
    platforms: list[Platform],
    sources: Sources,
    previous: LockData | None,
    update: list[str] | None,
    virtual_overrides: dict[str, str] | None,
    packages_dir: Path | None = None,
) -> LockRun:
    profile = loaded.profile
    channels, priority = sources.channels, channel_priority(profile)
    add_pip = add_pip_as_python_dependency(profile)
    entries: dict[str, PlatformLock] = {}
    if previous is not None and previous.channels == channels:
        keep = {p: e for p, e in previous.platforms.items() if Platform(p) in profile.platforms}
        entries.update(keep)
    if update:
        check_update(loaded, platforms, previous, update, virtual_overrides)
    # each extra environment with channels of its own reads them through its own Sources
    by_channels = {tuple(channels): sources}
    inputs = {p: platform_inputs(profile, p, virtual_overrides) for p in platforms}
    jobs: list[_Job] = []
    try:
        for platform, entry in inputs.items():
            sparse = sources.sparse(platform)
            pinned = pins(platform, sparse, previous, update) if update else None
            jobs.append(_Job(platform, None, entry.specs, entry.virtual_packages, sparse, pinned))
            for name, env in entry.envs.items():
                own = by_channels.setdefault(
                    tuple(env.channels), Sources(sources.fetcher, env.channels, sources.progress)
                )
                env_sparse = own.sparse(platform)
                env_pins = pins(platform, env_sparse, previous, update, name) if update else None
                jobs.append(
                    _Job(platform, name, env.specs, entry.virtual_packages, env_sparse, env_pins)
                )
        for job in jobs:
            sources.progress(f"solving {job.label} ({record_count(job.sparse):,} records)")

        async def run_all() -> list[Any]:
            return await asyncio.gather(
                *(
                    _solve(j.specs, j.sparse, j.virtual, priority, j.pinned, add_pip=add_pip)
                    for j in jobs
                ),
                return_exceptions=True,
            )

        results = rattler_calls.run(run_all())
    finally:
        for other in by_channels.values():
            if other is not sources:
                other.close()
    failures = []
    solved: dict[tuple[str, str | None], list[Locked]] = {}
    for job, result in zip(jobs, results, strict=True):
        if isinstance(result, BaseException):
            failures.append(f"{job.label}: {_explain(result)}")
            continue
        # sorted by each row once: Locked's own comparison rebuilds both rows every time
        solved[(job.platform.value, job.env)] = sorted(
            (to_locked(r) for r in result), key=Locked.row
        )
    if failures:
        hint = f"`installer-factory doctor {loaded.file.name}` explains which specs conflict"
        raise SolveFailed("cannot solve\n" + "\n".join(failures) + f"\n{hint}")
    for platform, entry in inputs.items():
        packages = solved[(platform.value, None)]
        envs = {
            name: env.model_copy(update={"packages": solved[(platform.value, name)]})
            for name, env in entry.envs.items()
        }
        longest = None
        if platform.os is OS.win:
            records = {name: env.packages for name, env in envs.items()}
            longest = longest_with_envs(packages, records, packages_dir)
        entries[platform.value] = entry.model_copy(
            update={"packages": packages, "longest_path": longest, "envs": envs}
        )
    new = LockData(channels=channels, channel_priority=priority, platforms=entries)
    return LockRun(
        lock=new,
        changes=diff(previous, new),
        solved=[p.value for p in platforms],
        env_changes=diff_envs(previous, new),
    )


def needs_pip(records: list[Any]) -> bool:
    """Whether conda would add pip to this solution (see _solve's add_pip)."""
    names = {r.name.normalized: str(r.version) for r in records}
    python = names.get("python")
    return python is not None and python.startswith(("2.", "3.")) and "pip" not in names


def _explain(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.removeprefix("Cannot solve the request because of: ")


__all__ = [
    "Change",
    "LockRun",
    "PlatformLock",
    "Progress",
    "SolveFailed",
    "diff",
    "diff_envs",
    "lock_profile",
]
