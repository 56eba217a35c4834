"""Look through rendered projects, logs, reports and built installers for tokens.

`scan_paths` reads files and directories, opens containers it recognises by content (zip,
tar, gzip/bzip2/xz/zstd streams, `.conda` packages, constructor `.sh` installers with
archives appended to a shell header) and reports every known token value and every
token-shaped string, by file, member and byte offset. The matched text is never kept: a
finding, a skip reason or an error message cannot leak what it found.

Containers are opened in memory, never extracted to disk, with caps on nesting depth and
on bytes decompressed (per member and in total) so an archive bomb is recorded as a skip
rather than filling memory.
"""

from __future__ import annotations

import bz2
import contextlib
import io
import lzma
import mmap
import os
import re
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from factory.errors import InputError
from factory.leaks.redact import REDACTED
from factory.leaks.shapes import Match, find_token_shapes, find_values

MiB = 1 << 20
GiB = 1 << 30

# Files at least this big are memory-mapped rather than read, so a 1 GB installer costs
# address space, not RAM.
_MMAP_AT = 64 * MiB
_CHUNK = 1 * MiB
# Stop trying candidate archive offsets in one blob after this many; each failed try is
# cheap, but a crafted file could hold millions of magic numbers.
_MAX_CARVE_TRIES = 512
# A damaged stream found by carving is kept only if it gave at least this much.
_MIN_PARTIAL = 4096

# A blob is bytes read or extracted, or a read-only map of a large file (both have .find).
Blob = bytes | mmap.mmap

_GZIP = b"\x1f\x8b\x08"
_XZ = b"\xfd7zXZ\x00"
_ZSTD = b"\x28\xb5\x2f\xfd"
_BZIP2 = re.compile(rb"BZh[1-9]1AY&SY")  # stream header plus first block magic
# Where an embedded archive may start: a tar header's `ustar` magic (257 bytes in) or a
# compressed stream's magic number.
_CARVE = re.compile(rb"ustar|\x1f\x8b\x08|BZh[1-9]1AY&SY|\xfd7zXZ\x00")

_DECOMPRESSED_NAME = {".tgz": ".tar", ".tbz2": ".tar", ".tbz": ".tar", ".txz": ".tar"}
_COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")

try:  # optional: .conda packages and .tar.zst need it
    import zstandard
except ImportError:  # pragma: no cover - depends on the environment
    zstandard = None


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


@dataclass
class ScanResult:
    findings: list[Finding] = field(default_factory=list)
    files_scanned: int = 0  # files on disk
    members_scanned: int = 0  # archive members, payloads and decompressed streams
    bytes_scanned: int = 0  # bytes run through the matchers, all layers together
    skipped: list[str] = field(default_factory=list)  # "where: reason", nothing secret

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "findings": [f.as_dict() for f in self.findings],
            "files_scanned": self.files_scanned,
            "members_scanned": self.members_scanned,
            "bytes_scanned": self.bytes_scanned,
            "skipped": list(self.skipped),
        }


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


class _Scanner:
    def __init__(
        self,
        secrets: dict[str, bytes],
        max_depth: int,
        max_bytes: int,
        max_member_bytes: int,
        shapes: bool,
    ):
        self.secrets = {name: bytes(value) for name, value in secrets.items()}
        self.max_depth = max_depth
        self.budget = max_bytes  # bytes still allowed out of containers
        self.max_member_bytes = max_member_bytes
        self.shapes = shapes
        self.findings: set[Finding] = set()
        self.skipped: dict[str, None] = {}  # ordered set
        self.files = 0
        self.members = 0
        self.bytes = 0
        self.seen: set[Path] = set()

    def result(self) -> ScanResult:
        order = sorted(self.findings, key=lambda f: (f.file, f.member or "", f.offset, f.kind))
        return ScanResult(order, self.files, self.members, self.bytes, list(self.skipped))

    # Paths and names come from the outside world too: show them with any token masked.
    def safe(self, text: str) -> str:
        raw = text.encode("utf-8", "surrogateescape")
        spans = sorted((m.start, m.start + m.length) for m in self._matches(raw, shapes=True))
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
            raise InputError(f"cannot read directory {shown}: {_reason(exc)}") from None
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
            data = _read(path)
        except OSError as exc:
            raise InputError(f"cannot read {shown}: {_reason(exc)}") from None
        self.files += 1
        try:
            self.scan_blob(data, _Where(shown), depth=0)
        finally:
            if isinstance(data, mmap.mmap):
                # Still referenced by a reader? Then the garbage collector closes it.
                with contextlib.suppress(BufferError):
                    data.close()

    # --- one blob: raw bytes first, then whatever it contains ----------------------------

    def scan_blob(
        self, data: Blob, where: _Where, depth: int, *, may_decompress: bool = True
    ) -> set[tuple[str, int]]:
        """Record findings in `data` and its contents; return its raw (kind, offset) hits.

        A raw hit inside a member stored verbatim is reported once, at the member's own
        offset, when the member scan finds the same thing there.
        """
        self.bytes += len(data)
        # loose shapes only in top-level text (projects, logs, reports); package contents
        # inside installers and archives get the strict ones
        loose = where.member is None and data.find(b"\x00") == -1
        raw = list(self._matches(data, shapes=self.shapes, loose=loose))
        covered: set[tuple[str, int]] = set()
        for child in self._children(data, where, depth, may_decompress):
            hits = self.scan_blob(
                child.data,
                where.child(child.name),
                depth + child.level,
                may_decompress=child.may_decompress,
            )
            self.members += 1
            if child.origin is not None:
                covered |= {(kind, child.origin + offset) for kind, offset in hits}
        for match in raw:
            if (match.kind, match.start) not in covered:
                self.findings.add(Finding(where.file, where.member, match.start, match.kind))
        return {(m.kind, m.start) for m in raw}

    def _matches(self, data: Blob, *, shapes: bool, loose: bool = True) -> Iterator[Match]:
        values = list(find_values(data, self.secrets)) if self.secrets else []
        yield from values
        if not shapes:
            return
        # A known value that also looks like a token is reported once, by its name.
        spans = [(m.start, m.start + m.length) for m in values]
        for match in find_token_shapes(data, loose=loose):
            end = match.start + match.length
            if not any(s <= match.start and end <= e for s, e in spans):
                yield match

    def _children(
        self, data: Blob, where: _Where, depth: int, may_decompress: bool
    ) -> Iterator[_Child]:
        kind = _sniff(data)
        if kind == "compressed" and not may_decompress:
            return  # no gzip-of-gzip chains: one stream layer per archive level
        if kind == "compressed":  # a stream layer, not an archive level: not counted
            stream = self._decompress(data, 0, where, strict=True)
            if stream is not None:
                yield _Child(_decompressed_name(where), stream[0], None, False, level=0)
            return
        if depth >= self.max_depth:
            if kind:
                self.skip(where, f"nested deeper than {self.max_depth} levels: raw bytes only")
            return
        if kind == "zip":
            yield from self._zip_members(data, where)
        elif kind == "tar":
            yield from self._tar_members(data, 0, where, "", [0])
        else:
            yield from self._carve(data, where)

    # --- containers ---------------------------------------------------------------------

    def _zip_members(self, data: Blob, where: _Where) -> Iterator[_Child]:
        try:
            archive = zipfile.ZipFile(_Reader(data))
            infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            self.skip(where, f"unreadable zip archive ({type(exc).__name__}): raw bytes only")
            return
        for info in infos:
            if info.is_dir():
                continue
            name = self.safe(info.filename)
            if info.flag_bits & 0x1:
                self.skip(where.child(name), "encrypted zip member")
                continue
            stored = info.compress_type == zipfile.ZIP_STORED
            blob = self._read_capped(lambda i=info: archive.open(i), stored, where, name)
            if blob is not None:
                yield _Child(name, blob, _zip_data_offset(data, info))

    def _tar_members(
        self, data: Blob, start: int, where: _Where, prefix: str, end: list[int]
    ) -> Iterator[_Child]:
        """Regular members of the tar at `start`, lazily; end[0] is set to where it ends.

        Members are stored verbatim, so each is a slice of `data` (not charged to the
        extraction total: it cannot be bigger than what holds it).
        """
        label = where.child(prefix.rstrip("/")) if prefix else where
        reader = _Reader(data)
        reader.seek(start)
        try:
            # Nothing to close: the archive reads our in-memory reader, not a file.
            archive = tarfile.open(fileobj=reader, mode="r:")  # noqa: SIM115
        except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
            if not prefix:  # a whole blob that looked like a tar: worth saying
                self.skip(label, f"unreadable tar archive ({type(exc).__name__}): raw bytes only")
            return
        count = 0
        try:
            for info in archive:
                end[0] = max(end[0], archive.offset)
                if not info.isreg():
                    continue
                count += 1
                name = prefix + self.safe(info.name)
                blob = self._slice(data, info.offset_data, info.size, where.child(name))
                yield _Child(name, blob, info.offset_data)
        except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
            self.skip(label, f"tar archive unreadable after {count} members ({type(exc).__name__})")
        end[0] = max(end[0], archive.offset)

    def _carve(self, data: Blob, where: _Where) -> Iterator[_Child]:
        """Archives appended to something else, e.g. a constructor .sh installer's payload.

        Every candidate offset is tried; a tar or stream that opens covers its bytes, so
        the tar headers of its own members are not tried again.
        """
        end, tries = 0, 0
        for found in _CARVE.finditer(data):
            magic = found.group()
            offset = found.start() - 257 if magic == b"ustar" else found.start()
            if offset < end or offset <= 0:  # offset 0 was sniffed as a whole already
                continue
            if magic == b"ustar" and not _tar_header_ok(data, offset):
                continue
            tries += 1
            if tries > _MAX_CARVE_TRIES:
                self.skip(where, f"more than {_MAX_CARVE_TRIES} embedded archive candidates")
                return
            if magic == b"ustar":
                extent = [offset]
                yield from self._tar_members(data, offset, where, f"payload@{offset}.tar/", extent)
                end = extent[0]
                continue
            stream = self._decompress(data, offset, where, strict=False)
            if stream is None:
                continue
            out, consumed = stream
            end = offset + consumed
            name = f"payload@{offset}.tar" if _sniff(out) == "tar" else f"payload@{offset}"
            yield _Child(name, out, may_decompress=False)

    # --- bounded extraction -------------------------------------------------------------

    def _allowance(self, where: _Where) -> int:
        """Bytes `where` may produce: the per-member cap, within what the total has left."""
        if self.budget <= 0:
            self.skip(where, "total extraction limit reached: not opened")
        return min(self.max_member_bytes, self.budget)

    def _charge(self, nbytes: int, truncated: bool, limit: int, where: _Where) -> None:
        self.budget -= nbytes
        if truncated:
            self.skip(where, f"over the extraction limit: only the first {limit} bytes scanned")

    def _slice(self, data: Blob, start: int, size: int, where: _Where) -> bytes:
        limit = self.max_member_bytes  # memory only: the bytes were scanned in place
        if size > limit:
            self.skip(where, f"over the extraction limit: only the first {limit} bytes scanned")
        return data[start : start + min(size, limit)]

    def _read_capped(
        self, opener: Callable[[], IO[bytes]], stored: bool, parent: _Where, name: str
    ) -> bytes | None:
        where = parent.child(name)
        limit = self._allowance(where) if not stored else self.max_member_bytes
        if limit <= 0:
            return None
        chunks, total = [], 0
        try:
            with opener() as stream:
                while total <= limit:
                    chunk = stream.read(min(_CHUNK, limit + 1 - total))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    total += len(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
            self.skip(where, f"damaged member ({type(exc).__name__}): partly scanned")
        except (NotImplementedError, RuntimeError, ValueError) as exc:
            self.skip(where, f"cannot decompress ({type(exc).__name__}): not opened")
            return None
        blob = b"".join(chunks)[:limit]
        self._charge(0 if stored else len(blob), total > limit, limit, where)
        return blob

    def _decompress(
        self, data: Blob, start: int, where: _Where, *, strict: bool
    ) -> tuple[bytes, int] | None:
        """(output, input bytes consumed) of the compressed stream at `start`.

        `strict` is for a blob that is wholly a stream (damage is worth a skip); a carved
        candidate that does not decompress was just a chance magic number.
        """
        kind = _stream_kind(data, start)
        if kind == "zstd" and zstandard is None:
            self.skip(where, "zstd-compressed; install zstandard to scan inside")
            return None
        limit = self._allowance(where)
        if limit <= 0:
            return None
        try:
            out, consumed, complete = _inflate(kind, data, start, limit)
        except _Damaged as damaged:
            # A carved candidate that dies at once was a chance magic number, not a payload.
            if not strict and len(damaged.out) < _MIN_PARTIAL:
                return None
            self.skip(where, f"damaged {kind} stream: partly scanned")
            out, consumed, complete = damaged.out, damaged.consumed, True
        self._charge(len(out), not complete, limit, where)
        return out, consumed


# --- helpers ------------------------------------------------------------------------------


def _read(path: Path) -> Blob:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < _MMAP_AT:
            return handle.read()
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def _sniff(data: Blob) -> str | None:
    """What `data` is as a whole, judged by content: zip, tar, compressed or None."""
    head = data[:512]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if _stream_kind(data, 0):
        return "compressed"
    if _tar_header_ok(data, 0):
        return "tar"
    # A zip with something prepended (a self-extracting archive) is found by its end.
    if len(data) >= 22 and data.rfind(b"PK\x05\x06", max(0, len(data) - 66000)) != -1:
        try:
            return "zip" if zipfile.is_zipfile(_Reader(data)) else None
        except (OSError, ValueError):
            return None
    return None


def _stream_kind(data: Blob, start: int) -> str | None:
    head = data[start : start + 10]
    if head.startswith(_GZIP):
        return "gzip"
    if head.startswith(_XZ):
        return "xz"
    if head.startswith(_ZSTD):
        return "zstd"
    if _BZIP2.match(head):
        return "bzip2"
    return None


def _tar_header_ok(data: Blob, start: int) -> bool:
    """Does a valid 512-byte tar header (by its checksum) start at `start`?"""
    block = data[start : start + 512]
    if len(block) < 512 or block[0] == 0:
        return False
    try:
        stored = int(block[148:156].replace(b"\0", b" ").strip() or b"x", 8)
    except ValueError:
        return False
    unsigned = sum(block[:148]) + 8 * 32 + sum(block[156:])
    return stored == unsigned


def _zip_data_offset(data: Blob, info: zipfile.ZipInfo) -> int | None:
    """Where a stored (uncompressed) member's bytes sit in the zip, else None."""
    if info.compress_type != zipfile.ZIP_STORED:
        return None
    header = data[info.header_offset : info.header_offset + 30]
    if len(header) < 30 or not header.startswith(b"PK\x03\x04"):
        return None
    name_len = int.from_bytes(header[26:28], "little")
    extra_len = int.from_bytes(header[28:30], "little")
    return info.header_offset + 30 + name_len + extra_len


def _decompressed_name(where: _Where) -> str:
    """x.tar.gz -> x.tar, x.tgz -> x.tar, anything else -> name + '.out'."""
    base = (where.member or where.file).rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    if dot and f".{suffix}" in _DECOMPRESSED_NAME:
        return stem + _DECOMPRESSED_NAME[f".{suffix}"]
    if dot and f".{suffix}" in _COMPRESSION_SUFFIXES and stem:
        return stem
    return f"{base}.out"


class _Damaged(Exception):
    def __init__(self, out: bytes, consumed: int):
        super().__init__("damaged stream")
        self.out, self.consumed = out, consumed


def _inflate(kind: str | None, data: Blob, start: int, limit: int) -> tuple[bytes, int, bool]:
    """Decompress one stream from data[start:]: at most `limit` bytes out.

    Returns (output, input bytes consumed, complete); raises _Damaged with what came out
    before the damage. Works in chunks so a bomb costs `limit` bytes, not its full size.
    """
    if kind == "zstd":
        return _unzstd(data, start, limit)
    if kind == "gzip":
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif kind == "bzip2":
        decoder = bz2.BZ2Decompressor()
    elif kind == "xz":
        decoder = lzma.LZMADecompressor()
    else:
        raise _Damaged(b"", 0)
    out, pos, pending = bytearray(), start, b""
    try:
        while not decoder.eof and len(out) <= limit:
            if kind == "gzip":
                if not pending:
                    pending, pos = data[pos : pos + _CHUNK], pos + _CHUNK
                    if not pending:
                        break
                out += decoder.decompress(pending, limit + 1 - len(out))
                pending = decoder.unconsumed_tail
            else:
                chunk = b""
                if decoder.needs_input:
                    chunk, pos = data[pos : pos + _CHUNK], pos + _CHUNK
                    if not chunk:
                        break
                out += decoder.decompress(chunk, limit + 1 - len(out))
    except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError):
        raise _Damaged(bytes(out[:limit]), min(pos, len(data)) - start) from None
    pos = min(pos, len(data))
    if not decoder.eof and len(out) <= limit:  # ran out of input: truncated stream
        raise _Damaged(bytes(out), pos - start)
    consumed = pos - start - len(pending) - (len(decoder.unused_data) if decoder.eof else 0)
    return bytes(out[:limit]), consumed, len(out) <= limit


def _unzstd(data: Blob, start: int, limit: int) -> tuple[bytes, int, bool]:
    assert zstandard is not None
    source = _Reader(data)
    source.seek(start)
    out = bytearray()
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(source, read_across_frames=False)
        while len(out) <= limit:
            chunk = reader.read(min(_CHUNK, limit + 1 - len(out)))
            if not chunk:
                break
            out += chunk
    except zstandard.ZstdError:
        raise _Damaged(bytes(out[:limit]), source.tell() - start) from None
    return bytes(out[:limit]), source.tell() - start, len(out) <= limit


class _Reader(io.RawIOBase):
    """A seekable read-only file over bytes or an mmap, without copying the whole."""

    def __init__(self, data: Blob):
        self._data, self._pos = data, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        chunk = self._data[self._pos : self._pos + len(buffer)]
        buffer[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._data)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos
