"""What changed between two locks, per platform and per extra environment, for review."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from factory.formats.lock_file import LockData, Locked


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


def changes(old: Sequence[Locked], new: Sequence[Locked]) -> list[Change]:
    """One environment's changes, by package name."""
    import rattler

    before = {r.name: r for r in old}
    after = {r.name: r for r in new}
    out = []
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name), after.get(name)
        if a is None and b is not None:
            out.append(Change("added", name, None, f"{b.version} {b.build}"))
        elif b is None and a is not None:
            out.append(Change("removed", name, f"{a.version} {a.build}", None))
        elif a is not None and b is not None and _differ(a, b):
            va, vb = rattler.Version(a.version), rattler.Version(b.version)
            kind = "upgraded" if vb > va else "downgraded" if vb < va else "rebuilt"
            out.append(Change(kind, name, f"{a.version} {a.build}", f"{b.version} {b.build}"))
    return out


def _differ(a: Locked, b: Locked) -> bool:
    """Another version, build or channel; or the same file with other contents (a
    re-upload): sha256 is compared where both records have one."""
    if (a.version, a.build, a.channel) != (b.version, b.build, b.channel):
        return True
    return bool(a.sha256 and b.sha256 and a.sha256 != b.sha256)


def diff(old: LockData | None, new: LockData) -> dict[str, list[Change]]:
    """Base environment changes per platform."""
    names = set(new.platforms) | set(old.platforms if old else {})
    return {p: changes(_packages(old, p), _packages(new, p)) for p in sorted(names)}


def diff_envs(old: LockData | None, new: LockData) -> dict[str, dict[str, list[Change]]]:
    """Extra environment changes: platform -> environment name -> changes (an environment
    added or dropped shows every package added or removed)."""
    out: dict[str, dict[str, list[Change]]] = {}
    for platform in sorted(set(new.platforms) | set(old.platforms if old else {})):
        before = _envs(old, platform)
        after = _envs(new, platform)
        per_env = {
            name: changes(before.get(name, []), after.get(name, []))
            for name in sorted(set(before) | set(after))
        }
        if per_env:
            out[platform] = per_env
    return out


def _packages(lock: LockData | None, platform: str) -> list[Locked]:
    if lock is None or platform not in lock.platforms:
        return []
    return lock.platforms[platform].packages


def _envs(lock: LockData | None, platform: str) -> dict[str, list[Locked]]:
    if lock is None or platform not in lock.platforms:
        return {}
    return {name: env.packages for name, env in lock.platforms[platform].envs.items()}
