"""Solve a profile once per platform with py-rattler, before any build.

Repodata comes through repodata.Fetcher (tokens and cache stay there); the solver sees
clean channel URLs only. `lock_profile` returns the new lock and what changed; `diff`
compares two locks per platform for review. Every solve runs through rattler_calls, so
no rattler thread is left inside the interpreter when a call returns.
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
from factory.lock.lockfile import (
    add_pip_as_python_dependency,
    channel_priority,
    platform_inputs,
)
from factory.lock.path_length import longest_path
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
            raise SolveFailed(
                f"{name} {items[0].version} {items[0].build} is locked but no longer in "
                f"{items[0].channel}; update it too (lock --update {name})"
            )
        out.extend(found[:1])
    return out


# --- locking ----------------------------------------------------------------------------


@dataclass
class LockRun:
    lock: LockData
    changes: dict[str, list[Change]]
    solved: list[str]


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


def _spec_names(specs: list[str]) -> set[str]:
    return {name.normalized for name in (parse(s).name for s in specs) if name is not None}


def _pins(
    platform: Platform,
    sparse: list[Any],
    previous: LockData | None,
    update: list[str],
) -> list[Any]:
    """The records every package but the updated ones keeps."""
    old = previous.platforms.get(platform.value) if previous else None
    if old is None:
        raise InputError(f"{platform.value} has no lock to update; run lock without --update")
    names = {n.lower() for n in update}
    return find_records(sparse, [r for r in old.packages if r.name not in names])


def _check_update(
    loaded: LoadedProfile,
    platforms: list[Platform],
    previous: LockData | None,
    update: list[str],
    virtual_overrides: dict[str, str] | None,
) -> None:
    """A name to update must be locked, or be one of the profile's specs, on some platform
    being locked: otherwise it is a typo, refused before any fetch."""
    known: set[str] = set()
    for platform in platforms:
        old = previous.platforms.get(platform.value) if previous else None
        known |= {r.name for r in old.packages} if old else set()
        known |= _spec_names(platform_inputs(loaded.profile, platform, virtual_overrides).specs)
    unknown = sorted({n.lower() for n in update} - known)
    if unknown:
        where = ", ".join(p.value for p in platforms)
        raise InputError(
            f"--update {' '.join(unknown)}: not in the lock ({where}) and not among the "
            "profile's specs; add it to packages first"
        )


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
        _check_update(loaded, platforms, previous, update, virtual_overrides)
    jobs = []
    for platform in platforms:
        entry = platform_inputs(profile, platform, virtual_overrides)
        sparse = sources.sparse(platform)
        pinned = _pins(platform, sparse, previous, update) if update else None
        jobs.append((platform, entry, sparse, pinned))
    for platform, _, sparse, _ in jobs:
        sources.progress(f"solving {platform.value} ({record_count(sparse):,} records)")

    async def run_all() -> list[Any]:
        return await asyncio.gather(
            *(
                _solve(e.specs, s, e.virtual_packages, priority, p, add_pip=add_pip)
                for _, e, s, p in jobs
            ),
            return_exceptions=True,
        )

    results = rattler_calls.run(run_all())
    failures = []
    for (platform, entry, _, _), result in zip(jobs, results, strict=True):
        if isinstance(result, BaseException):
            failures.append(f"{platform.value}: {_explain(result)}")
            continue
        # sorted by each row once: Locked's own comparison rebuilds both rows every time
        packages = sorted((to_locked(r) for r in result), key=Locked.row)
        longest = longest_path(packages, packages_dir) if platform.os is OS.win else None
        entries[platform.value] = entry.model_copy(
            update={"packages": packages, "longest_path": longest}
        )
    if failures:
        hint = f"`installer-factory doctor {loaded.file.name}` explains which specs conflict"
        raise SolveFailed("cannot solve\n" + "\n".join(failures) + f"\n{hint}")
    new = LockData(channels=channels, channel_priority=priority, platforms=entries)
    changes = diff(previous, new) if previous is not None else diff(None, new)
    return LockRun(lock=new, changes=changes, solved=[p.value for p in platforms])


def needs_pip(records: list[Any]) -> bool:
    """Whether conda would add pip to this solution (see _solve's add_pip)."""
    names = {r.name.normalized: str(r.version) for r in records}
    python = names.get("python")
    return python is not None and python.startswith(("2.", "3.")) and "pip" not in names


def _explain(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.removeprefix("Cannot solve the request because of: ")


# --- diff -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    kind: str  # added, removed, upgraded, downgraded, rebuilt
    name: str
    old: str | None
    new: str | None

    def __str__(self) -> str:
        if self.kind == "added":
            return f"+ {self.name} {self.new}"
        if self.kind == "removed":
            return f"- {self.name} {self.old}"
        return f"~ {self.name} {self.old} -> {self.new} ({self.kind})"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "old": self.old, "new": self.new}


def diff(old: LockData | None, new: LockData) -> dict[str, list[Change]]:
    import rattler

    out: dict[str, list[Change]] = {}
    names = set(new.platforms) | set(old.platforms if old else {})
    for platform in sorted(names):
        before = {r.name: r for r in _packages(old, platform)}
        after = {r.name: r for r in _packages(new, platform)}
        changes = []
        for name in sorted(set(before) | set(after)):
            a, b = before.get(name), after.get(name)
            if a is None and b is not None:
                changes.append(Change("added", name, None, f"{b.version} {b.build}"))
            elif b is None and a is not None:
                changes.append(Change("removed", name, f"{a.version} {a.build}", None))
            elif (
                a is not None
                and b is not None
                and (a.version, a.build, a.channel) != (b.version, b.build, b.channel)
            ):
                va, vb = rattler.Version(a.version), rattler.Version(b.version)
                kind = "upgraded" if vb > va else "downgraded" if vb < va else "rebuilt"
                was, now = f"{a.version} {a.build}", f"{b.version} {b.build}"
                changes.append(Change(kind, name, was, now))
        out[platform] = changes
    return out


def _packages(lock: LockData | None, platform: str) -> list[Locked]:
    if lock is None or platform not in lock.platforms:
        return []
    return lock.platforms[platform].packages


__all__ = [
    "Change",
    "LockRun",
    "PlatformLock",
    "Progress",
    "SolveFailed",
    "diff",
    "lock_profile",
]
