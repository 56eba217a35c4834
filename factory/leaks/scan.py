"""Look through rendered projects, logs, reports and built installers for tokens.

`scan_paths` reads files and directories, opens containers it recognises by content (zip,
tar, gzip/bzip2/xz/zstd streams, `.conda` packages, constructor `.sh` installers with
archives appended to a shell header) and reports every known token value and every
token-shaped string, by file, member and byte offset. The matched text is never kept: a
finding, a skip reason or an error message cannot leak what it found.

Containers are opened in memory (archives.py), never extracted to disk, with caps on
nesting depth and on bytes decompressed, so an archive bomb is a skip, not a full memory.
What could not be read whole (damaged, encrypted, unsupported, too deep, over a limit) is
`unreadable`, and makes the result not ok: a token may hide there.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from factory.errors import InputError
from factory.leaks.archives import (
    MAX_CARVE_TRIES,
    Extraction,
    carve_candidates,
    decompressed_name,
    reason,
    sniff,
    tar_header_ok,
    zip_data_offset,
)
from factory.leaks.findings import Finding, ScanResult, Unreadable
from factory.leaks.redact import REDACTED
from factory.leaks.regions import (
    Blob,
    BlobReader,
    GiB,
    KiB,
    MiB,
    merged,
    read_blob,
    windows,
    within,
)
from factory.leaks.shapes import Match, find_token_shapes
from factory.leaks.values import ValueFinder

# A verbatim member this big is not searched again in its parent: its bytes were searched
# as the member (compressed bytes that decompressed whole are never searched raw). Its
# edges are, MARGIN bytes either side, for a token that straddles them; smaller members
# cost less to search twice than to cut out.
EXCLUDE_AT = 4 * KiB
MARGIN = 512
# Blobs inside containers are carved for appended archives only when they look like what
# carries them: a shell script (.sh installer), a xar (.pkg) or a Windows executable.
_CARRIERS = (b"#!", b"xar!", b"MZ")


def scan_paths(
    paths: list[Path],
    secrets: dict[str, bytes] | None = None,
    *,
    max_depth: int = 4,
    max_bytes: int = 2 * GiB,
    max_member_bytes: int = 512 * MiB,
    shapes: bool = True,
) -> ScanResult:
    """Scan files and directory trees for the `secrets` values and for token shapes.

    `max_depth` is how many archive levels are opened (a .sh payload's tar is one, a
    .conda inside it two, the .tar.zst inside that three). `max_bytes` caps the bytes
    extracted or decompressed from containers over the whole scan, `max_member_bytes` those
    of any one member; files on disk are always scanned whole. `shapes=False` looks for the
    known values only. Raises InputError when a path cannot be read.
    """
    scanner = _Scanner(secrets or {}, max_depth, max_bytes, max_member_bytes, shapes)
    for path in paths:
        scanner.scan_path(Path(path))
    return scanner.result()


# --- reading files and trees ------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    file: str
    member: str | None = None

    def child(self, name: str) -> _Where:
        return _Where(self.file, f"{self.member}/{name}" if self.member else name)

    def __str__(self) -> str:
        return f"{self.file}!{self.member}" if self.member else self.file


@dataclass
class _Child:
    """A member or payload to scan: its bytes, or where they sit verbatim in the parent."""

    name: str
    data: Blob
    origin: int | None = None  # offset in the parent when stored there uncompressed
    may_decompress: bool = True
    level: int = 1  # archive levels it adds; a decompressed stream adds none
    covers: tuple[int, int] | None = None  # parent bytes it accounts for, when read whole


class _Scanner:
    def __init__(
        self,
        secrets: dict[str, bytes],
        max_depth: int,
        max_bytes: int,
        max_member_bytes: int,
        shapes: bool,
    ):
        self.values = ValueFinder(secrets)
        self.max_depth = max_depth
        self.extract = Extraction(max_bytes, max_member_bytes, self.unreadable)
        self.max_member_bytes = max_member_bytes
        self.shapes = shapes
        self.findings: set[Finding] = set()
        self.skipped: dict[str, None] = {}  # ordered set
        self.unread: dict[Unreadable, None] = {}
        self.files = 0
        self.members = 0
        self.bytes = 0
        self.seen: set[Path] = set()

    def result(self) -> ScanResult:
        order = sorted(self.findings, key=lambda f: (f.file, f.member or "", f.offset, f.kind))
        return ScanResult(
            order, self.files, self.members, self.bytes, list(self.skipped), list(self.unread)
        )

    # Paths and names come from the outside world too: show them with any token masked.
    def safe(self, text: str) -> str:
        raw = text.encode("utf-8", "surrogateescape")
        found = self._matches(raw, 0, len(raw), shapes=True, loose=True)
        spans = sorted((m.start, m.start + m.length) for m in found)
        if not spans:
            return text
        out, last = [], 0
        for start, end in spans:
            if end <= last:
                continue
            out += [raw[last : max(start, last)], REDACTED.encode()]
            last = end
        out.append(raw[last:])
        return b"".join(out).decode("utf-8", "replace")

    def skip(self, where: _Where | str, reason: str) -> None:
        self.skipped[f"{where}: {reason}"] = None

    def unreadable(self, where: _Where | str, reason: str) -> None:
        self.skip(where, reason)
        self.unread[Unreadable(str(where), reason)] = None

    def scan_path(self, path: Path) -> None:
        shown = self.safe(str(path))
        if path.is_dir():
            self._walk(path, path.resolve(), shown)
        elif path.is_file():
            self._scan_file(path, shown)
        elif path.exists():
            self.skip(shown, "not a regular file")
        else:
            raise InputError(f"cannot read {shown}: no such file or directory")

    def _walk(self, directory: Path, root: Path, shown: str) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            raise InputError(f"cannot read directory {shown}: {reason(exc)}") from None
        for entry in entries:
            path, name = Path(entry.path), f"{shown}/{self.safe(entry.name)}"
            if entry.is_symlink():
                self._symlink(path, root, name)
            elif entry.is_dir(follow_symlinks=False):
                self._walk(path, root, name)
            elif entry.is_file(follow_symlinks=False):
                self._scan_file(path, name)
            else:
                self.skip(name, "not a regular file")

    def _symlink(self, path: Path, root: Path, shown: str) -> None:
        # A link inside the tree is scanned where it points; one leading out is not followed.
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            self.skip(shown, "broken symlink")
            return
        if target != root and root not in target.parents:
            self.skip(shown, "symlink out of the scanned tree, not followed")

    def _scan_file(self, path: Path, shown: str) -> None:
        real = path.resolve()
        if real in self.seen:  # named twice, or also inside a directory given
            return
        self.seen.add(real)
        try:
            data = read_blob(path)
        except OSError as exc:
            raise InputError(f"cannot read {shown}: {reason(exc)}") from None
        self.files += 1
        try:
            self.scan_blob(data, _Where(shown), depth=0)
        finally:
            if isinstance(data, mmap.mmap):
                # Still referenced by a reader? Then the garbage collector closes it.
                with contextlib.suppress(BufferError):
                    data.close()

    # --- one blob: what it contains first, then its own bytes that are left ------------

    def scan_blob(
        self, data: Blob, where: _Where, depth: int, *, may_decompress: bool = True
    ) -> tuple[set[tuple[str, int]], list[tuple[int, int]]]:
        """Record findings in `data` and its contents. Return the (kind, offset) of every
        hit in its bytes, its own and its verbatim members' (mapped to its offsets), and
        the ranges of its bytes that were left to its members.

        Members come first. A hit inside a member stored verbatim is reported once, at the
        member's own offset; a big member is not searched again here at all.
        """
        # loose shapes only in top-level text (projects, logs, reports); package contents
        # inside installers and archives get the strict ones
        loose = where.member is None and data.find(b"\x00") == -1
        inner: set[tuple[str, int]] = set()
        done: list[tuple[int, int]] = []  # ranges of `data` its members searched for it
        for child in self._children(data, where, depth, may_decompress):
            hits, left = self.scan_blob(
                child.data,
                where.child(child.name),
                depth + child.level,
                may_decompress=child.may_decompress,
            )
            self.members += 1
            if child.origin is not None:
                inner |= {(kind, child.origin + offset) for kind, offset in hits}
                done += [(child.origin + a, child.origin + b) for a, b in left]
            # compressed bytes read whole are never searched raw: only noise is there
            if child.covers and (
                child.origin is None or child.covers[1] - child.covers[0] >= EXCLUDE_AT
            ):
                done.append(child.covers)
        own: set[tuple[str, int]] = set()
        done = merged(done)
        for start, end in windows(done, len(data), MARGIN):
            self.bytes += end - start
            for match in self._matches(data, start, end, shapes=self.shapes, loose=loose):
                if within(done, match.start, match.start + match.length):
                    continue  # the member's own search found it
                own.add((match.kind, match.start))
                if (match.kind, match.start) not in inner:
                    self.findings.add(Finding(where.file, where.member, match.start, match.kind))
        return own | inner, done

    def _matches(
        self, data: Blob, start: int, end: int, *, shapes: bool, loose: bool
    ) -> Iterator[Match]:
        values = list(self.values.find(data, start, end)) if self.values else []
        yield from values
        if not shapes:
            return
        # A known value that also looks like a token is reported once, by its name.
        spans = [(m.start, m.start + m.length) for m in values]
        for match in find_token_shapes(data, loose=loose, start=start, end=end):
            stop = match.start + match.length
            if not any(s <= match.start and stop <= e for s, e in spans):
                yield match

    def _children(
        self, data: Blob, where: _Where, depth: int, may_decompress: bool
    ) -> Iterator[_Child]:
        kind = sniff(data)
        if kind == "compressed" and not may_decompress:
            return  # no gzip-of-gzip chains: one stream layer per archive level
        if kind == "compressed":  # a stream layer, not an archive level: not counted
            stream = self.extract.decompress(data, 0, where, strict=True)
            if stream is not None:
                out, consumed, whole = stream
                name = decompressed_name(where.member or where.file)
                yield _Child(name, out, None, False, 0, (0, consumed) if whole else None)
            return
        if depth >= self.max_depth:
            if kind:
                reason = f"nested deeper than {self.max_depth} levels: raw bytes only"
                self.unreadable(where, reason)
            return
        if kind == "zip":
            yield from self._zip_members(data, where)
        elif kind == "tar":
            yield from self._tar_members(data, 0, where, "", [0])
        elif where.member is None or data[:4].startswith(_CARRIERS):
            yield from self._carve(data, where)

    # --- containers ---------------------------------------------------------------------

    def _zip_members(self, data: Blob, where: _Where) -> Iterator[_Child]:
        try:
            archive = zipfile.ZipFile(BlobReader(data))
            infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            self.unreadable(where, f"unreadable zip archive ({type(exc).__name__}): raw bytes only")
            return
        for info in infos:
            if info.is_dir():
                continue
            name = self.safe(info.filename)
            if info.flag_bits & 0x1:
                self.unreadable(where.child(name), "encrypted zip member")
                continue
            stored = info.compress_type == zipfile.ZIP_STORED
            at = zip_data_offset(data, info)
            if stored and at is not None and at + info.file_size <= len(data):
                # in place, like a tar member (a .conda's parts): no copy through zipfile
                blob = self.extract.slice(data, at, info.file_size, where.child(name))
                yield _Child(name, blob, at, covers=(at, at + len(blob)))
                continue
            read = self.extract.read_capped(lambda i=info: archive.open(i), stored, where, name)
            if read is None:
                continue
            blob, whole = read
            covers = (at, at + info.compress_size) if whole and at is not None else None
            yield _Child(name, blob, at if stored else None, covers=covers)

    def _tar_members(
        self, data: Blob, start: int, where: _Where, prefix: str, end: list[int]
    ) -> Iterator[_Child]:
        """Regular members of the tar at `start`, lazily; end[0] is set to where it ends.

        Members are stored verbatim, so each is a slice of `data` (not charged to the
        extraction total: it cannot be bigger than what holds it).
        """
        label = where.child(prefix.rstrip("/")) if prefix else where
        reader = BlobReader(data)
        reader.seek(start)
        try:
            # Nothing to close: the archive reads our in-memory reader, not a file.
            archive = tarfile.open(fileobj=reader, mode="r:")  # noqa: SIM115
        except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
            if not prefix:  # a whole blob that looked like a tar: worth saying
                why = f"unreadable tar archive ({type(exc).__name__}): raw bytes only"
                self.unreadable(label, why)
            return
        count = 0
        try:
            for info in archive:
                end[0] = max(end[0], archive.offset)
                if not info.isreg():
                    continue
                count += 1
                name = prefix + self.safe(info.name)
                blob = self.extract.slice(data, info.offset_data, info.size, where.child(name))
                at = info.offset_data
                yield _Child(name, blob, at, covers=(at, at + len(blob)))
        except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
            reason = f"tar archive unreadable after {count} members ({type(exc).__name__})"
            self.unreadable(label, reason)
        end[0] = max(end[0], archive.offset)

    def _carve(self, data: Blob, where: _Where) -> Iterator[_Child]:
        """Archives appended to something else, e.g. a constructor .sh installer's payload.

        Every candidate offset is tried; a tar or stream that opens covers its bytes, so
        the tar headers of its own members are not tried again.
        """
        reach, tries = [0], 0  # reach[0]: where what was opened so far ends
        for offset, magic in carve_candidates(data, lambda: reach[0]):
            offset = offset - 257 if magic == b"ustar" else offset
            if offset < reach[0] or offset <= 0:  # offset 0 was sniffed as a whole already
                continue
            if magic == b"ustar" and not tar_header_ok(data, offset):
                continue
            tries += 1
            if tries > MAX_CARVE_TRIES:
                reason = f"more than {MAX_CARVE_TRIES} embedded archive candidates"
                self.unreadable(where, reason)
                return
            if magic == b"ustar":
                extent = [offset]
                yield from self._tar_members(data, offset, where, f"payload@{offset}.tar/", extent)
                reach[0] = extent[0]
                continue
            stream = self.extract.decompress(data, offset, where, strict=False)
            if stream is None:
                continue
            out, consumed, whole = stream
            reach[0] = offset + consumed
            name = f"payload@{offset}.tar" if sniff(out) == "tar" else f"payload@{offset}"
            covers = (offset, reach[0]) if whole else None
            yield _Child(name, out, may_decompress=False, covers=covers)
