"""Where a file stands relative to the repository CI checks out.

The repository root is the folder of build-matrix.yml: the pipelines run every command
there and every path in the matrix is relative to it (git's top level is not consulted:
a matrix in a subfolder would give paths the pipelines cannot use, and a checkout is not
always a git work tree)."""

from __future__ import annotations

import os
from pathlib import Path


def repo_relative(root: Path, file: Path) -> str | None:
    """`file` (symlinks resolved) relative to `root`, /-separated; None when outside it:
    a CI checkout carries a symlink, never what it points to outside the repository."""
    try:
        rel = Path(os.path.relpath(file.resolve(), root.resolve()))
    except ValueError:  # another drive on Windows
        return None
    return None if rel.parts[:1] == ("..",) or rel.is_absolute() else rel.as_posix()


def lexical_relative(root: Path, file: Path) -> str | None:
    """Where CI finds or writes `file`, relative to the checkout, symlinks not followed
    (a file not there yet, such as one a CI secret provides)."""
    try:
        rel = Path(os.path.relpath(os.path.normpath(file.absolute()), root.absolute()))
    except ValueError:  # another drive on Windows
        return None
    return None if rel.parts[:1] == ("..",) or rel.is_absolute() else rel.as_posix()
