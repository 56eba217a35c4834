"""Write a set of files into a folder all or nothing: each is written in full beside its
target first; only when every one is on disk are they renamed into place.

`init` uses it for a repository's files, which go into a folder that may hold other
files (a git checkout): unlike staged.py, it never replaces a folder, only named files.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path, PurePosixPath

from factory.errors import OutputError, display_path


def existing(root: Path, names: list[str]) -> list[str]:
    """The names (relative POSIX paths) under root that already exist, in the given order."""
    return [name for name in names if os.path.lexists(root / PurePosixPath(name))]


def write_file_set(root: Path, files: dict[str, bytes], mode: int = 0o644) -> list[Path]:
    """Write `{relative path: bytes}` under root; on any failure nothing is renamed into
    place, and the temporary files and the folders made for them are removed."""
    made: list[Path] = []  # folders this call created, outermost first
    staged: list[tuple[str, Path]] = []
    target = root
    try:
        for name, data in sorted(files.items()):
            target = root / PurePosixPath(name)
            for parent in reversed([target.parent, *target.parent.parents]):
                if not parent.exists():
                    parent.mkdir()
                    made.append(parent)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            staged.append((tmp, target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(tmp, mode)
    except OSError as exc:
        _undo(staged, made)
        raise OutputError(
            f"cannot write {display_path(target)}: {exc.strerror or exc}; nothing written"
        ) from None
    for tmp, target in staged:
        os.replace(tmp, target)
    return [target for _, target in staged]


def _undo(staged: list[tuple[str, Path]], made: list[Path]) -> None:
    for tmp, _ in staged:
        Path(tmp).unlink(missing_ok=True)
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()
