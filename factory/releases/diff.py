"""What changed between two releases (lock files or build folders, snapshot.py): packages
per target and environment (factory/lock/diff.py's `changes`), channels and remaps, CA
certificates (added, removed, expiring), tokens and authentication methods (names and
URLs only), installer sizes. `compare` is the API; report.py prints the result.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from factory.errors import FactoryError, display_path
from factory.lock.diff import Change, changes
from factory.releases.snapshot import Certificate, Release, Target, read_release

EXPIRY_DAYS = 90  # as validate's certificate warning (profiles/certificates.py)


class MixedKinds(FactoryError):
    """A lock file compared with a build folder: a usage error (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Listed:
    """Entries of a list (channels, remaps, tokens, methods) that came or went; None
    fields of a ReleaseDiff mean the facts are not in one of the releases (n/a)."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed)

    def as_dict(self) -> dict[str, Any]:
        return {"added": self.added, "removed": self.removed}


@dataclass(frozen=True)
class InstallerChange:
    """One installer type of a target, old and new (None: not built in that release)."""

    installer_type: str
    old_file: str | None
    new_file: str | None
    old_size: int | None
    new_size: int | None
    old_sha256: str | None
    new_sha256: str | None

    @property
    def size_change(self) -> int | None:
        if self.old_size is None or self.new_size is None:
            return None
        return self.new_size - self.old_size

    def as_dict(self) -> dict[str, Any]:
        return {
            "installer_type": self.installer_type,
            "old": {"file": self.old_file, "size": self.old_size, "sha256": self.old_sha256},
            "new": {"file": self.new_file, "size": self.new_size, "sha256": self.new_sha256},
            "size_change": self.size_change,
        }


@dataclass
class TargetDiff:
    """One platform (of one installer): `status` is both, added or removed."""

    label: str
    platform: str
    status: str
    old_version: str | None = None
    new_version: str | None = None
    packages: list[Change] | None = None  # None: a side has no package records
    envs: dict[str, list[Change]] = field(default_factory=dict)  # only environments changed
    installers: list[InstallerChange] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        moved = any(i.old_sha256 != i.new_sha256 for i in self.installers)
        return bool(self.status != "both" or self.packages or self.envs or moved)

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.label,
            "platform": self.platform,
            "status": self.status,
            "old_version": self.old_version,
            "new_version": self.new_version,
            "packages": None if self.packages is None else [c.as_dict() for c in self.packages],
            "envs": {n: [c.as_dict() for c in cs] for n, cs in self.envs.items()},
            "installers": [i.as_dict() for i in self.installers],
        }


@dataclass(frozen=True)
class Expiring:
    certificate: Certificate
    days_left: int  # negative: already expired

    def as_dict(self) -> dict[str, Any]:
        return {**self.certificate.as_dict(), "days_left": self.days_left}


@dataclass
class CertificateDiff:
    added: list[Certificate] = field(default_factory=list)
    removed: list[Certificate] = field(default_factory=list)
    expiring: list[Expiring] = field(default_factory=list)  # in the new release

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": [c.as_dict() for c in self.added],
            "removed": [c.as_dict() for c in self.removed],
            "expiring": [e.as_dict() for e in self.expiring],
        }


@dataclass
class ReleaseDiff:
    old: str  # paths as shown
    new: str
    kind: str  # lock or build
    expiry_days: int
    targets: list[TargetDiff] = field(default_factory=list)
    channels: dict[str, Listed] = field(default_factory=dict)  # base, envs/<name>: changed only
    remaps: Listed | None = None
    certificates: CertificateDiff | None = None
    tokens: Listed | None = None
    auth: Listed | None = None

    @property
    def changed(self) -> bool:
        """Whether the releases differ (expiring certificates alone are no difference)."""
        lists = [self.remaps, self.tokens, self.auth, *self.channels.values()]
        certs = self.certificates
        return (
            any(t.changed for t in self.targets)
            or any(x is not None and x.changed for x in lists)
            or (certs is not None and bool(certs.added or certs.removed))
        )

    def as_dict(self) -> dict[str, Any]:
        def optional(value: Any) -> Any:
            return None if value is None else value.as_dict()

        return {
            "old": self.old,
            "new": self.new,
            "kind": self.kind,
            "changed": self.changed,
            "targets": [t.as_dict() for t in self.targets],
            "channels": {scope: d.as_dict() for scope, d in self.channels.items()},
            "remaps": optional(self.remaps),
            "certificates": optional(self.certificates),
            "expiry_days": self.expiry_days,
            "tokens": optional(self.tokens),
            "auth": optional(self.auth),
        }


def compare(
    old: Path, new: Path, *, expiry_days: int = EXPIRY_DAYS, now: dt.datetime | None = None
) -> ReleaseDiff:
    """Compare two releases, each a lock file or a build folder (both of one kind).
    InputError for an unreadable release, MixedKinds for a lock against a folder."""
    before, after = read_release(old), read_release(new)
    if before.kind != after.kind:
        raise MixedKinds(
            f"{display_path(old)} is a {_KIND[before.kind]} and {display_path(new)} a "
            f"{_KIND[after.kind]}: compare two lock files or two build folders"
        )
    return compare_releases(before, after, expiry_days=expiry_days, now=now)


_KIND = {"lock": "lock file", "build": "build folder"}


def compare_releases(
    before: Release,
    after: Release,
    *,
    expiry_days: int = EXPIRY_DAYS,
    now: dt.datetime | None = None,
) -> ReleaseDiff:
    now = now or dt.datetime.now(dt.timezone.utc)
    result = ReleaseDiff(
        display_path(before.path), display_path(after.path), after.kind, expiry_days
    )
    for label in sorted(set(before.targets) | set(after.targets), key=_target_order):
        result.targets.append(_target(label, before.targets.get(label), after.targets.get(label)))
    for scope in sorted(set(before.channels) | set(after.channels), key=_scope_order):
        listed = _listed(before.channels.get(scope, []), after.channels.get(scope, []))
        if listed.changed:
            result.channels[scope] = listed
    result.remaps = _optional(before.remaps, after.remaps)
    result.tokens = _optional(before.tokens, after.tokens)
    result.auth = _optional(before.auth, after.auth)
    if before.certificates is not None and after.certificates is not None:
        result.certificates = _certificates(
            before.certificates, after.certificates, expiry_days, now
        )
    return result


def _target_order(label: str) -> tuple[str, str]:
    name, _, platform = label.rpartition("/")
    return (name, platform)


def _scope_order(scope: str) -> tuple[bool, str]:
    return (scope != "base", scope)


def _target(label: str, old: Target | None, new: Target | None) -> TargetDiff:
    either = new or old
    assert either is not None
    status = "both" if old and new else "added" if new else "removed"
    out = TargetDiff(label, either.platform, status)
    out.old_version = old.version if old else None
    out.new_version = new.version if new else None
    old_records = old.packages if old else []
    new_records = new.packages if new else []
    if old_records is not None and new_records is not None:
        out.packages = changes(old_records, new_records)
    old_envs, new_envs = (old.envs if old else {}), (new.envs if new else {})
    for name in sorted(set(old_envs) | set(new_envs)):
        env_changes = changes(old_envs.get(name, []), new_envs.get(name, []))
        if env_changes:
            out.envs[name] = env_changes
    out.installers = _installers(old, new)
    return out


def _installers(old: Target | None, new: Target | None) -> list[InstallerChange]:
    before = {i.installer_type: i for i in (old.installers or [])} if old else {}
    after = {i.installer_type: i for i in (new.installers or [])} if new else {}
    out = []
    for kind in sorted(set(before) | set(after)):
        a, b = before.get(kind), after.get(kind)
        out.append(
            InstallerChange(
                kind,
                a.file if a else None,
                b.file if b else None,
                a.size if a else None,
                b.size if b else None,
                a.sha256 if a else None,
                b.sha256 if b else None,
            )
        )
    return out


def _listed(old: list[str], new: list[str]) -> Listed:
    return Listed([x for x in new if x not in old], [x for x in old if x not in new])


def _optional(old: list[str] | None, new: list[str] | None) -> Listed | None:
    return None if old is None or new is None else _listed(old, new)


def _certificates(
    old: list[Certificate], new: list[Certificate], days: int, now: dt.datetime
) -> CertificateDiff:
    before = {c.sha256 for c in old}
    after = {c.sha256 for c in new}
    out = CertificateDiff(
        added=[c for c in new if c.sha256 not in before],
        removed=[c for c in old if c.sha256 not in after],
    )
    for cert in new:
        left = dt.datetime.fromisoformat(cert.not_after) - now
        if left <= dt.timedelta(days=days):
            out.expiring.append(Expiring(cert, left.days))
    return out
