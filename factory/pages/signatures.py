"""Whether an installer file carries a signature, read from its own bytes for the release
page; nothing is verified (signtool verify, pkgutil --check-signature do that).

- .exe (PE/COFF, Microsoft's "PE Format" specification): the optional header's data
  directory 4, the Certificate Table, holds the Authenticode signature's file offset and
  size; both are 0 in an unsigned file.
- .pkg (xar archive, as productsign writes it): the table of contents, zlib-compressed
  after the header, has a <signature> element.
- .msi (OLE compound file, as signtool signs it): a stream named "\\x05DigitalSignature",
  whose name is stored UTF-16LE in a directory sector.

None: not this kind of file (a stand-in, a damaged or foreign file): the page then says
only what the build report knows.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

_HEAD = 1 << 16
_CHUNK = 1 << 20
_OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
_MSI_SIGNATURE = "\x05DigitalSignature".encode("utf-16-le")


def _pe_signed(head: bytes) -> bool | None:
    if head[:2] != b"MZ" or len(head) < 0x40:
        return None
    pe = int.from_bytes(head[0x3C:0x40], "little")
    if head[pe : pe + 4] != b"PE\0\0":
        return None
    optional = pe + 24  # after the signature and the 20-byte COFF header
    magic = int.from_bytes(head[optional : optional + 2], "little")
    offset = {0x10B: 96, 0x20B: 112}.get(magic)  # PE32, PE32+: where the directories start
    if offset is None or len(head) < optional + offset + 5 * 8:
        return None
    count = int.from_bytes(head[optional + offset - 4 : optional + offset], "little")
    if count <= 4:
        return False
    address, size = struct.unpack_from("<II", head, optional + offset + 4 * 8)
    return address > 0 and size > 0


def _xar_signed(path: Path, head: bytes) -> bool | None:
    if head[:4] != b"xar!" or len(head) < 28:
        return None
    header_size, _version, toc_length = struct.unpack(">HHQ", head[4:16])
    with path.open("rb") as handle:
        handle.seek(header_size)
        compressed = handle.read(toc_length)
    try:
        toc = zlib.decompress(compressed)
    except zlib.error:
        return None
    return b"<signature" in toc


def _msi_signed(path: Path) -> bool:
    keep = len(_MSI_SIGNATURE) - 1
    tail = b""
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if _MSI_SIGNATURE in tail + chunk:
                return True
            tail = chunk[-keep:]
    return False


def signed(path: Path, installer_type: str) -> bool | None:
    """True or False for an installer of a kind that carries signatures; None otherwise."""
    try:
        with path.open("rb") as handle:
            head = handle.read(_HEAD)
        if installer_type == "exe":
            return _pe_signed(head)
        if installer_type == "pkg":
            return _xar_signed(path, head)
        if installer_type == "msi" and head.startswith(_OLE_MAGIC):
            return _msi_signed(path)
    except OSError:
        return None
    return None
