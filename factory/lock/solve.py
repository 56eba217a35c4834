"""Solve a profile once per platform with py-rattler, before any build.

Repodata comes through repodata.Fetcher (tokens and cache stay there); the solver sees
clean channel URLs only. `lock_profile` returns the new lock and what changed; `diff`
compares two locks per platform for review; `diagnose` explains a failed solve.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from factory.errors import FactoryError, InputError
from factory.formats.lock_file import LockData, Locked, PlatformLock
from factory.lock.lockfile import (
    add_pip_as_python_dependency,
    channel_priority,
    platform_inputs,
)
from factory.lock.repodata import Fetcher
from factory.platforms import Platform
from factory.profiles.channels import channel_urls
from factory.profiles.load import LoadedProfile


class SolveFailed(FactoryError):
    exit_code = 1


# --- sources ----------------------------------------------------------------------------


@dataclass
class Sources:
    """The channels' repodata for one platform, in priority order, read lazily by rattler."""

    fetcher: Fetcher
    channels: list[str]  # as the profile writes them
    labels: dict[str, str] = field(default_factory=dict)  # clean URL -> profile's label
    opened: list[Any] = field(default_factory=list)

    def close(self) -> None:
        """Release rattler's memory maps; left open they can abort the interpreter at exit."""
        for sparse in self.opened:
            sparse.close()
        self.opened.clear()

    def sparse(self, platform: Platform) -> list[Any]:
        import rattler

        out = []
        for channel in self.channels:
            for url in channel_urls(channel, platform.value):
                self.labels.setdefault(url, channel if "://" not in channel else url)
                for subdir in (platform.value, "noarch"):
                    path = self.fetcher.repodata(url, subdir)
                    if path is not None:
                        out.append(rattler.SparseRepoData(rattler.Channel(url), subdir, str(path)))
        self.opened.extend(out)
        return out


def _virtual(entries: list[str]) -> list[Any]:
    import rattler

    out = []
    for entry in entries:
        name, version, build = entry.split("=", 2)
        out.append(
            rattler.GenericVirtualPackage(
                rattler.PackageName(name), rattler.Version(version), rattler.BuildString(build)
            )
        )
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
) -> list[Any]:
    import rattler

    return await rattler.solve_with_sparse_repodata(
        specs,
        sparse,
        virtual_packages=_virtual(virtual),
        channel_priority=_priority(priority),
        pinned_packages=pinned or [],
        locked_packages=locked or [],
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
) -> LockRun:
    """Solve `platforms`; other platforms of `previous` are kept as they were. With
    `update`, every package of `previous` but those named keeps its exact record."""
    from factory.profiles import channels as ch

    sources = Sources(fetcher, ch.build_channels(loaded.profile))
    try:
        return _lock(loaded, platforms, sources, previous, update, virtual_overrides)
    finally:
        sources.close()


def _lock(
    loaded: LoadedProfile,
    platforms: list[Platform],
    sources: Sources,
    previous: LockData | None,
    update: list[str] | None,
    virtual_overrides: dict[str, str] | None,
) -> LockRun:
    profile = loaded.profile
    channels, priority = sources.channels, channel_priority(profile)
    entries: dict[str, PlatformLock] = {}
    if previous is not None and previous.channels == channels:
        keep = {p: e for p, e in previous.platforms.items() if Platform(p) in profile.platforms}
        entries.update(keep)
    jobs = []
    for platform in platforms:
        entry = platform_inputs(profile, platform, virtual_overrides)
        sparse = sources.sparse(platform)
        pinned = None
        if update:
            old = previous.platforms.get(platform.value) if previous else None
            if old is None:
                raise InputError(
                    f"{platform.value} has no lock to update; run lock without --update"
                )
            names = {n.lower() for n in update}
            unknown = sorted(names - {r.name for r in old.packages})
            if unknown:
                raise InputError(f"not in the {platform.value} lock: {', '.join(unknown)}")
            pinned = find_records(sparse, [r for r in old.packages if r.name not in names])
        jobs.append((platform, entry, sparse, pinned))

    async def run_all() -> list[Any]:
        return await asyncio.gather(
            *(_solve(e.specs, s, e.virtual_packages, priority, p) for _, e, s, p in jobs),
            return_exceptions=True,
        )

    results = asyncio.run(run_all())
    if add_pip_as_python_dependency(profile):
        results = _with_pip(jobs, results, priority)
    failures = []
    for (platform, entry, _, _), result in zip(jobs, results, strict=True):
        if isinstance(result, BaseException):
            failures.append(f"{platform.value}: {_explain(result)}")
            continue
        packages = sorted(to_locked(r) for r in result)
        entries[platform.value] = entry.model_copy(update={"packages": packages})
    if failures:
        hint = f"`installer-factory doctor {loaded.file.name}` explains which specs conflict"
        raise SolveFailed("cannot solve\n" + "\n".join(failures) + f"\n{hint}")
    new = LockData(channels=channels, channel_priority=priority, platforms=entries)
    changes = diff(previous, new) if previous is not None else diff(None, new)
    return LockRun(lock=new, changes=changes, solved=[p.value for p in platforms])


def needs_pip(records: list[Any]) -> bool:
    """Whether conda would add pip to this solution: conda appends `pip` to the depends of
    every python 2.x/3.x record it reads from repodata while `add_pip_as_python_dependency`
    is on (its default; conda/core/subdir_data.py, where the records are loaded), so a
    conda solve that has python also has pip and pip's own dependencies (setuptools, wheel
    on most channels). rattler reads repodata as it is and adds nothing."""
    names = {r.name.normalized: str(r.version) for r in records}
    python = names.get("python")
    return python is not None and python.startswith(("2.", "3.")) and "pip" not in names


def _with_pip(jobs: list[Any], results: list[Any], priority: str) -> list[Any]:
    """Solve again, with `pip` added to the specs, every platform whose solution has a
    python that conda would give pip (see needs_pip): the lock then holds what conda would
    install, and constructor, which installs exactly the lock, ships the same."""
    again = [
        i
        for i, result in enumerate(results)
        if not isinstance(result, BaseException) and needs_pip(result)
    ]
    if not again:
        return results

    async def run_again() -> list[Any]:
        return await asyncio.gather(
            *(
                _solve([*e.specs, "pip"], s, e.virtual_packages, priority, p)
                for _, e, s, p in (jobs[i] for i in again)
            ),
            return_exceptions=True,
        )

    out = list(results)
    for i, result in zip(again, asyncio.run(run_again()), strict=True):
        out[i] = result
    return out


def _explain(exc: BaseException) -> str:
    text = str(exc).strip()
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
                and (a.version, a.build, a.channel)
                != (
                    b.version,
                    b.build,
                    b.channel,
                )
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


__all__ = ["Change", "LockRun", "PlatformLock", "SolveFailed", "diff", "lock_profile"]
