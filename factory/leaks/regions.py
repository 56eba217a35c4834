"""Bytes to search: a file read whole or mapped, a region of a larger buffer (a member
searched where it lies, not copied out), and a seekable reader over either for zipfile,
tarfile and the decompressors.
"""

from __future__ import annotations

import bisect
import io
import mmap
import os
from collections.abc import Iterator
from pathlib import Path

KiB = 1 << 10
MiB = 1 << 20
GiB = 1 << 30

# Files at least this big are memory-mapped rather than read, so a 1 GB installer costs
# address space, not RAM.
MMAP_AT = 64 * MiB
CHUNK = 1 * MiB


class Region:
    """Part of a larger buffer, searched where it lies instead of copied out: a tar
    member, a .conda's stored part. Slicing gives bytes; offsets are the region's own."""

    __slots__ = ("data", "hi", "lo")

    def __init__(self, data: bytes | mmap.mmap | Region, lo: int, hi: int) -> None:
        if isinstance(data, Region):  # a region of a region: one level, never a chain
            data, lo, hi = data.data, data.lo + lo, data.lo + hi
        self.data, self.lo, self.hi = data, lo, hi

    def __len__(self) -> int:
        return self.hi - self.lo

    def __getitem__(self, item: slice) -> bytes:
        start, stop, _ = item.indices(self.hi - self.lo)
        return self.data[self.lo + start : self.lo + max(start, stop)]

    def find(self, sub: bytes, start: int = 0, end: int | None = None) -> int:
        end = len(self) if end is None else min(end, len(self))
        at = self.data.find(sub, self.lo + start, self.lo + end)
        return at - self.lo if at != -1 else -1

    def rfind(self, sub: bytes, start: int = 0, end: int | None = None) -> int:
        end = len(self) if end is None else min(end, len(self))
        at = self.data.rfind(sub, self.lo + start, self.lo + end)
        return at - self.lo if at != -1 else -1


# A blob is bytes read or extracted, a read-only map of a large file, or a region of either
# (all have .find and slicing to bytes; `buffer` gives what re and zstandard read).
Blob = bytes | mmap.mmap | Region


def buffer(data: Blob) -> tuple[bytes | mmap.mmap, int]:
    """(the underlying buffer, where `data` starts in it)."""
    return (data.data, data.lo) if isinstance(data, Region) else (data, 0)


def read_blob(path: Path) -> Blob:
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size < MMAP_AT:
            return handle.read()
        # mapped in at once where the system can (one call, not a page fault per page)
        flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
        return mmap.mmap(handle.fileno(), 0, flags=flags, prot=mmap.PROT_READ)


class BlobReader(io.RawIOBase):
    """A seekable read-only file over bytes or an mmap, without copying the whole."""

    def __init__(self, data: Blob):
        self._data, self._pos = data, 0
        base, lo = buffer(data)  # one copy per read, straight into the caller's buffer
        self._view = memoryview(base)[lo : lo + len(data)]

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        chunk = self._view[self._pos : self._pos + len(buffer)]
        buffer[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._data)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos


# --- which parts of a blob are left to search ------------------------------------------


def merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The ranges sorted, overlapping and touching ones joined."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def windows(done: list[tuple[int, int]], size: int, margin: int) -> Iterator[tuple[int, int]]:
    """The parts of [0, size) outside `done`, each margin bytes into its neighbours."""
    last = 0
    for start, end in [*done, (size, size)]:
        if start > last or (start, end) == (size, size):
            yield max(0, last - margin), min(size, start + margin)
        last = end


def within(done: list[tuple[int, int]], start: int, end: int) -> bool:
    """Is [start, end) wholly inside one of the (sorted, merged) `done` ranges?"""
    at = bisect.bisect_right(done, (start, float("inf"))) - 1
    return at >= 0 and done[at][0] <= start and end <= done[at][1]
