"""Containers opened in memory: what a blob is (zip, tar, a compressed stream), and how
to get its contents out within fixed limits. Nothing here knows what a token looks like;
scan.py walks the contents and matches.

Limits: nesting depth and bytes decompressed (per member and in total), so an archive
bomb is recorded as a skip rather than filling memory.
"""

from __future__ import annotations

import lzma
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from typing import IO

from factory.leaks import streams
from factory.leaks.regions import CHUNK, Blob, BlobReader, MiB, Region, buffer
from factory.leaks.streams import Damaged, inflate

# Stop trying candidate archive offsets in one blob after this many; each failed try is
# cheap, but a crafted file could hold millions of magic numbers.
MAX_CARVE_TRIES = 512
# A damaged stream found by carving is kept only if it gave at least this much.
MIN_PARTIAL = 4096

_GZIP = b"\x1f\x8b\x08"
_XZ = b"\xfd7zXZ\x00"
_ZSTD = b"\x28\xb5\x2f\xfd"
_BZIP2 = re.compile(rb"BZh[1-9]1AY&SY")  # stream header plus first block magic
# Where an embedded archive may start: a tar header's `ustar` magic (257 bytes in) or a
# compressed stream's magic number. One search each: each starts with a literal, which re
# skips to fast; one alternation of them all would try every byte (ten times slower).
CARVE = [re.compile(re.escape(m)) for m in (b"ustar", _GZIP, _XZ)] + [_BZIP2]

_DECOMPRESSED_NAME = {".tgz": ".tar", ".tbz2": ".tar", ".tbz": ".tar", ".txz": ".tar"}
_COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")

Skip = Callable[[object, str], None]  # (where, reason)
Where = object  # anything with a str(): a file, or file!member


class Extraction:
    """What containers may still give: every byte decompressed or extracted is charged to
    a total, and no one member may give more than its own cap. What is cut short or cannot
    be opened is reported through `skip`, never raised."""

    def __init__(self, max_bytes: int, max_member_bytes: int, skip: Skip) -> None:
        self.budget = max_bytes  # bytes still allowed out of containers
        self.max_member_bytes = max_member_bytes
        self.skip = skip

    def allowance(self, where: object) -> int:
        """Bytes `where` may produce: the per-member cap, within what the total has left."""
        if self.budget <= 0:
            self.skip(where, "total extraction limit reached: not opened")
        return min(self.max_member_bytes, self.budget)

    def charge(self, nbytes: int, truncated: bool, limit: int, where: object) -> None:
        self.budget -= nbytes
        if truncated:
            self.skip(where, f"over the extraction limit: only the first {limit} bytes scanned")

    def slice(self, data: Blob, start: int, size: int, where: object) -> Region:
        limit = self.max_member_bytes  # as for what is decompressed: the same findings
        if size > limit:
            self.skip(where, f"over the extraction limit: only the first {limit} bytes scanned")
        return Region(data, start, min(start + min(size, limit), len(data)))

    def read_capped(
        self, opener: Callable[[], IO[bytes]], stored: bool, parent: Where, name: str
    ) -> tuple[bytes, bool] | None:
        """(member bytes, whole): whole when nothing was cut short or damaged."""
        where = parent.child(name)
        limit = self.allowance(where) if not stored else self.max_member_bytes
        if limit <= 0:
            return None
        chunks, total, whole = [], 0, True
        try:
            with opener() as stream:
                while total <= limit:
                    chunk = stream.read(min(CHUNK, limit + 1 - total))
                    if not chunk:
                        break
                    chunks.append(chunk)
                    total += len(chunk)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
            self.skip(where, f"damaged member ({type(exc).__name__}): partly scanned")
            whole = False
        except (NotImplementedError, RuntimeError, ValueError) as exc:
            self.skip(where, f"cannot decompress ({type(exc).__name__}): not opened")
            return None
        blob = b"".join(chunks)[:limit]
        self.charge(0 if stored else len(blob), total > limit, limit, where)
        return blob, whole and total <= limit

    def decompress(
        self, data: Blob, start: int, where: object, *, strict: bool
    ) -> tuple[bytes, int, bool] | None:
        """(output, input bytes consumed, whole) of the compressed stream at `start`; whole
        when the stream ended and all of its output fits the limits.

        `strict` is for a blob that is wholly a stream (damage is worth a skip); a carved
        candidate that does not decompress was just a chance magic number.
        """
        kind = stream_kind(data, start)
        if kind == "zstd" and streams.zstandard is None:
            self.skip(where, "zstd-compressed, and zstandard is not installed: not opened")
            return None
        limit = self.allowance(where)
        if limit <= 0:
            return None
        try:
            out, consumed, complete = inflate(kind, data, start, limit)
        except Damaged as damaged:
            # A carved candidate that dies at once was a chance magic number, not a payload.
            if not strict and len(damaged.out) < MIN_PARTIAL:
                return None
            self.skip(where, f"damaged {kind} stream: partly scanned")
            self.charge(len(damaged.out), False, limit, where)
            return damaged.out, damaged.consumed, False
        self.charge(len(out), not complete, limit, where)
        return out, consumed, complete


CARVE_WINDOW = 4 * MiB


def carve_candidates(data: Blob, skip_to: Callable[[], int]) -> Iterator[tuple[int, bytes]]:
    """(offset, magic) of every place an embedded archive may start, in order, from
    `skip_to()` on: the caller moves it past what it opened (a payload tar reaching the end
    of an installer), and what that covers is not searched, one window at most."""
    base, lo = buffer(data)
    pos = 0
    while pos < len(data):
        end = min(len(data), pos + CARVE_WINDOW)
        found = sorted(  # a magic number may straddle the window's end: 16 bytes more
            (m.start() - lo, m.group())
            for pattern in CARVE
            for m in pattern.finditer(base, lo + pos, lo + min(len(data), end + 16))
            if m.start() - lo < end
        )
        pos = end
        for offset, magic in found:
            if offset >= skip_to():
                yield offset, magic
        pos = max(pos, skip_to())


def reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()


def sniff(data: Blob) -> str | None:
    """What `data` is as a whole, judged by content: zip, tar, compressed or None."""
    head = data[:512]
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if stream_kind(data, 0):
        return "compressed"
    if tar_header_ok(data, 0):
        return "tar"
    # A zip with something prepended (a self-extracting archive) is found by its end record,
    # which must end the data: a .sh installer whose payload tar happens to hold a .conda
    # (a zip) near its end is not a zip, and is carved instead.
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 66000))
    if end != -1 and end + 22 + int.from_bytes(data[end + 20 : end + 22], "little") == len(data):
        try:
            return "zip" if zipfile.is_zipfile(BlobReader(data)) else None
        except (OSError, ValueError):
            return None
    return None


def stream_kind(data: Blob, start: int) -> str | None:
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


def tar_header_ok(data: Blob, start: int) -> bool:
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


def zip_data_offset(data: Blob, info: zipfile.ZipInfo) -> int | None:
    """Where a member's (stored or compressed) bytes start in the zip, if its local header
    is where the directory says."""
    header = data[info.header_offset : info.header_offset + 30]
    if len(header) < 30 or not header.startswith(b"PK\x03\x04"):
        return None
    name_len = int.from_bytes(header[26:28], "little")
    extra_len = int.from_bytes(header[28:30], "little")
    return info.header_offset + 30 + name_len + extra_len


def decompressed_name(path: str) -> str:
    """x.tar.gz -> x.tar, x.tgz -> x.tar, anything else -> name + '.out'."""
    base = path.rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    if dot and f".{suffix}" in _DECOMPRESSED_NAME:
        return stem + _DECOMPRESSED_NAME[f".{suffix}"]
    if dot and f".{suffix}" in _COMPRESSION_SUFFIXES and stem:
        return stem
    return f"{base}.out"
