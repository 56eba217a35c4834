"""What a scan reports: each token found (where and what kind, never the value), what could
not be read and why, and the totals."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    """One token found: where it is, and what kind; never the value."""

    file: str
    member: str | None  # path inside archives/payloads, '/'-joined when nested
    offset: int  # byte offset within `member` (or within `file` when member is None)
    kind: str

    def __str__(self) -> str:
        where = f"{self.file}!{self.member}" if self.member else self.file
        return f"{where}:{self.offset}: {self.kind} (value redacted)"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "member": self.member, "offset": self.offset, "kind": self.kind}


@dataclass(frozen=True)
class Unreadable:
    """A file, member or stream whose bytes were not all searched, and why."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "reason": self.reason}


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    files_scanned: int = 0  # files on disk
    members_scanned: int = 0  # archive members, payloads and decompressed streams
    bytes_scanned: int = 0  # bytes run through the matchers, all layers together
    skipped: list[str] = field(default_factory=list)  # "where: reason", nothing secret
    unreadable: list[Unreadable] = field(default_factory=list)  # also among `skipped`

    @property
    def ok(self) -> bool:
        return not self.findings and not self.unreadable

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "findings": [f.as_dict() for f in self.findings],
            "unreadable": [u.as_dict() for u in self.unreadable],
            "files_scanned": self.files_scanned,
            "members_scanned": self.members_scanned,
            "bytes_scanned": self.bytes_scanned,
            "skipped": list(self.skipped),
        }
