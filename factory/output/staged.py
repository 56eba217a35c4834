"""Write rendered projects to disk atomically, replacing only directories we made.

Every project is first written in full to a temporary sibling directory; only when all of
them are on disk are the old directories swapped out. A failure before that leaves every
earlier output untouched. A directory without our stamp file is never replaced.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Protocol

from factory.errors import OutputError, display_path
from factory.output.layout import STAMP_FILE


class Project(Protocol):
    """What the staged writer needs of a rendered project."""

    @property
    def relpath(self) -> PurePosixPath: ...

    @property
    def files(self) -> dict[str, bytes]: ...


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


DIR_MODE = 0o777 & ~_umask()


def check_ours(target: Path) -> None:
    if not target.exists():
        return
    stamp = target / STAMP_FILE
    try:
        data = json.loads(stamp.read_text(encoding="utf-8"))
        ours = data.get("generator") == "installer-factory"
    except (OSError, ValueError, AttributeError):
        ours = False
    if not ours:
        raise OutputError(
            f"{display_path(target)}: exists and was not rendered by "
            f"installer-factory (no {STAMP_FILE}); move it away or pick another "
            "--output"
        )


def write_projects(projects: list[Project], out_dir: Path) -> list[Path]:
    targets = [out_dir / p.relpath for p in projects]
    for target in targets:
        check_ours(target)
    staged: list[tuple[Path, Path]] = []
    try:
        for project, target in zip(projects, targets, strict=True):
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
            tmp.chmod(DIR_MODE)  # mkdtemp makes 0700; outputs are shared with build agents
            staged.append((tmp, target))
            for rel, data in project.files.items():
                file = tmp / rel
                file.parent.mkdir(parents=True, exist_ok=True)
                file.write_bytes(data)
                if rel.endswith(".sh"):
                    file.chmod(0o755)
    except OSError as exc:
        for tmp, _ in staged:
            shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"cannot write {display_path(out_dir)}: {exc.strerror or exc}") from None
    for tmp, target in staged:
        swap(tmp, target)
    return targets


def swap(new: Path, target: Path) -> None:
    """Put `new` where `target` is, replacing it in one rename (old copy removed after)."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, old / "x")
    os.replace(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
