"""Containers opened in memory: what a blob is (zip, tar, a compressed stream), and how
to get its contents out within fixed limits. Nothing here knows what a token looks like;
scan.py walks the contents and matches.

Limits: nesting depth and bytes decompressed (per member and in total), so an archive
bomb is recorded as a skip rather than filling memory.
"""

from __future__ import annotations

import bz2
import io
import lzma
import mmap
import os
import re
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO

MiB = 1 << 20
GiB = 1 << 30

# Files at least this big are memory-mapped rather than read, so a 1 GB installer costs
# address space, not RAM.
MMAP_AT = 64 * MiB
CHUNK = 1 * MiB
# Stop trying candidate archive offsets in one blob after this many; each failed try is
# cheap, but a crafted file could hold millions of magic numbers.
MAX_CARVE_TRIES = 512
# A damaged stream found by carving is kept only if it gave at least this much.
MIN_PARTIAL = 4096

# A blob is bytes read or extracted, or a read-only map of a large file (both have .find).
Blob = bytes | mmap.mmap

_GZIP = b"\x1f\x8b\x08"
_XZ = b"\xfd7zXZ\x00"
_ZSTD = b"\x28\xb5\x2f\xfd"
_BZIP2 = re.compile(rb"BZh[1-9]1AY&SY")  # stream header plus first block magic
# Where an embedded archive may start: a tar header's `ustar` magic (257 bytes in) or a
# compressed stream's magic number.
CARVE = re.compile(rb"ustar|\x1f\x8b\x08|BZh[1-9]1AY&SY|\xfd7zXZ\x00")

_DECOMPRESSED_NAME = {".tgz": ".tar", ".tbz2": ".tar", ".tbz": ".tar", ".txz": ".tar"}
_COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")

try:  # optional: .conda packages and .tar.zst need it
    import zstandard
except ImportError:  # pragma: no cover - depends on the environment
    zstandard = None

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

    def slice(self, data: Blob, start: int, size: int, where: object) -> bytes:
        limit = self.max_member_bytes  # memory only: the bytes were scanned in place
        if size > limit:
            self.skip(where, f"over the extraction limit: only the first {limit} bytes scanned")
        return data[start : start + min(size, limit)]

    def read_capped(
        self, opener: Callable[[], IO[bytes]], stored: bool, parent: Where, name: str
    ) -> bytes | None:
        where = parent.child(name)
        limit = self.allowance(where) if not stored else self.max_member_bytes
        if limit <= 0:
            return None
        chunks, total = [], 0
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
        except (NotImplementedError, RuntimeError, ValueError) as exc:
            self.skip(where, f"cannot decompress ({type(exc).__name__}): not opened")
            return None
        blob = b"".join(chunks)[:limit]
        self.charge(0 if stored else len(blob), total > limit, limit, where)
        return blob

    def decompress(
        self, data: Blob, start: int, where: object, *, strict: bool
    ) -> tuple[bytes, int] | None:
        """(output, input bytes consumed) of the compressed stream at `start`.

        `strict` is for a blob that is wholly a stream (damage is worth a skip); a carved
        candidate that does not decompress was just a chance magic number.
        """
        kind = stream_kind(data, start)
        if kind == "zstd" and zstandard is None:
            self.skip(where, "zstd-compressed; install zstandard to scan inside")
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
            out, consumed, complete = damaged.out, damaged.consumed, True
        self.charge(len(out), not complete, limit, where)
        return out, consumed


def read_blob(path: Path) -> Blob:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < MMAP_AT:
            return handle.read()
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


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
    # A zip with something prepended (a self-extracting archive) is found by its end.
    if len(data) >= 22 and data.rfind(b"PK\x05\x06", max(0, len(data) - 66000)) != -1:
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
    """Where a stored (uncompressed) member's bytes sit in the zip, else None."""
    if info.compress_type != zipfile.ZIP_STORED:
        return None
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


class Damaged(Exception):
    def __init__(self, out: bytes, consumed: int):
        super().__init__("damaged stream")
        self.out, self.consumed = out, consumed


def inflate(kind: str | None, data: Blob, start: int, limit: int) -> tuple[bytes, int, bool]:
    """Decompress one stream from data[start:]: at most `limit` bytes out.

    Returns (output, input bytes consumed, complete); raises Damaged with what came out
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
        raise Damaged(b"", 0)
    out, pos, pending = bytearray(), start, b""
    try:
        while not decoder.eof and len(out) <= limit:
            if kind == "gzip":
                if not pending:
                    pending, pos = data[pos : pos + CHUNK], pos + CHUNK
                    if not pending:
                        break
                out += decoder.decompress(pending, limit + 1 - len(out))
                pending = decoder.unconsumed_tail
            else:
                chunk = b""
                if decoder.needs_input:
                    chunk, pos = data[pos : pos + CHUNK], pos + CHUNK
                    if not chunk:
                        break
                out += decoder.decompress(chunk, limit + 1 - len(out))
    except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError):
        raise Damaged(bytes(out[:limit]), min(pos, len(data)) - start) from None
    pos = min(pos, len(data))
    if not decoder.eof and len(out) <= limit:  # ran out of input: truncated stream
        raise Damaged(bytes(out), pos - start)
    consumed = pos - start - len(pending) - (len(decoder.unused_data) if decoder.eof else 0)
    return bytes(out[:limit]), consumed, len(out) <= limit


def _unzstd(data: Blob, start: int, limit: int) -> tuple[bytes, int, bool]:
    assert zstandard is not None
    source = BlobReader(data)
    source.seek(start)
    out = bytearray()
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(source, read_across_frames=False)
        while len(out) <= limit:
            chunk = reader.read(min(CHUNK, limit + 1 - len(out)))
            if not chunk:
                break
            out += chunk
    except zstandard.ZstdError:
        raise Damaged(bytes(out[:limit]), source.tell() - start) from None
    return bytes(out[:limit]), source.tell() - start, len(out) <= limit


class BlobReader(io.RawIOBase):
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
