"""Compressed streams (gzip, bzip2, xz, zstd) decompressed from a blob within a limit, in
chunks, so a bomb costs the limit and not its full size; damage gives what came out before
it. archives.py decides what to open; this only inflates.
"""

from __future__ import annotations

import bz2
import lzma
import zlib

from factory.leaks.regions import CHUNK, Blob, buffer

try:  # a dependency (.conda packages, .tar.zst); a broken install is reported, not fatal
    import zstandard
except ImportError:  # pragma: no cover - depends on the environment
    zstandard = None


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
    out, pos, pending = _Output(), start, b""
    try:
        while not decoder.eof and out.size <= limit:
            if kind == "gzip":
                if not pending:
                    pending, pos = data[pos : pos + CHUNK], pos + CHUNK
                    if not pending:
                        break
                out.add(decoder.decompress(pending, limit + 1 - out.size))
                pending = decoder.unconsumed_tail
            else:
                chunk = b""
                if decoder.needs_input:
                    chunk, pos = data[pos : pos + CHUNK], pos + CHUNK
                    if not chunk:
                        break
                out.add(decoder.decompress(chunk, limit + 1 - out.size))
    except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError):
        raise Damaged(out.bytes(limit), min(pos, len(data)) - start) from None
    pos = min(pos, len(data))
    if not decoder.eof and out.size <= limit:  # ran out of input: truncated stream
        raise Damaged(out.bytes(limit), pos - start)
    consumed = pos - start - len(pending) - (len(decoder.unused_data) if decoder.eof else 0)
    return out.bytes(limit), consumed, out.size <= limit


def _unzstd(data: Blob, start: int, limit: int) -> tuple[bytes, int, bool]:
    """One zstd frame. A stream reader cannot tell a frame cut short from a whole one, so
    input goes in slices small enough that one slice cannot give much more than the limit
    (a zstd block expands at most about 32,768 times)."""
    assert zstandard is not None
    whole = _unzstd_at_once(data, start, limit)
    if whole is not None:
        return whole, len(data) - start, True
    decoder = zstandard.ZstdDecompressor().decompressobj()
    out, pos = _Output(), start
    try:
        while not decoder.eof and out.size <= limit:
            step = min(CHUNK, max(1024, (limit + 1 - out.size) >> 15))
            chunk, pos = data[pos : pos + step], pos + step
            if not chunk:
                break
            out.add(decoder.decompress(chunk))
    except zstandard.ZstdError:
        raise Damaged(out.bytes(limit), min(pos, len(data)) - start) from None
    pos = min(pos, len(data))
    if not decoder.eof and out.size <= limit:  # ran out of input: truncated stream
        raise Damaged(out.bytes(limit), pos - start)
    consumed = pos - start - (len(decoder.unused_data) if decoder.eof else 0)
    return out.bytes(limit), consumed, out.size <= limit


def _unzstd_at_once(data: Blob, start: int, limit: int) -> bytes | None:
    """The common case in one call, straight into one buffer: a single frame that says
    how big it is (within the limit) and fills the rest of `data`. None otherwise."""
    assert zstandard is not None
    try:
        size = zstandard.frame_content_size(bytes(data[start : start + 18]))
    except zstandard.ZstdError:
        return None
    if not 0 < size <= limit:  # -1: the frame does not say
        return None
    base, lo = buffer(data)
    view = memoryview(base)[lo + start : lo + len(data)]
    try:
        out = zstandard.ZstdDecompressor().decompress(
            view, max_output_size=size, allow_extra_data=False
        )
    except zstandard.ZstdError:  # damaged, or more after the frame: the careful way
        return None
    finally:
        view.release()
    return out if len(out) == size else None


class _Output:
    """Decompressed chunks, joined once at the end: growing one buffer chunk by chunk
    copies it over and over (most of the time of a .conda package, before this)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        self.chunks.append(chunk)
        self.size += len(chunk)

    def bytes(self, limit: int) -> bytes:
        if self.size > limit:
            return b"".join(self.chunks)[:limit]
        return self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)
