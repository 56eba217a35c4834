"""Small archives built in memory for the scan tests: a plain tar, and a .conda (a stored
zip of metadata.json and a zstd-compressed tar, as conda-package-handling writes them)."""

from __future__ import annotations

import io
import tarfile
import zipfile


def tar_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def conda_bytes(packed_tar: bytes) -> bytes:
    """A .conda holding `packed_tar` (already zstd-compressed, or deliberately broken)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("metadata.json", b'{"conda_pkg_format_version": 2}')
        archive.writestr("pkg-x-1.0-0.tar.zst", packed_tar)
    return buffer.getvalue()
