"""Installer files with and without a signature, laid out as their formats' specifications
give them, for the release page's signature reading (factory/pages/signatures.py)."""

from __future__ import annotations

import struct
import zlib


def portable_executable(certificate_table: tuple[int, int], *, pe32_plus: bool = True) -> bytes:
    """A minimal PE/COFF file laid out as Microsoft's "PE Format" gives it: the DOS stub's
    e_lfanew at 0x3C, "PE\\0\\0", a 20-byte COFF header, then the optional header whose data
    directories (16 of them) start at 112 (PE32+) or 96 (PE32); number 4 is the
    Certificate Table (file offset, size)."""
    start = 0x40
    dos = b"MZ" + bytes(0x3C - 2) + struct.pack("<I", start)
    offset = 112 if pe32_plus else 96
    optional = bytearray(offset + 16 * 8)
    optional[0:2] = struct.pack("<H", 0x20B if pe32_plus else 0x10B)
    optional[offset - 4 : offset] = struct.pack("<I", 16)
    optional[offset + 32 : offset + 40] = struct.pack("<II", *certificate_table)
    return dos + b"PE\0\0" + bytes(20) + bytes(optional) + b"payload"


def xar(toc: bytes) -> bytes:
    """A xar archive's header (magic, header size 28, version 1, compressed and plain TOC
    lengths, checksum algorithm) and its zlib-compressed table of contents."""
    packed = zlib.compress(toc)
    return b"xar!" + struct.pack(">HHQQI", 28, 1, len(packed), len(toc), 1) + packed
