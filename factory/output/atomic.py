"""Write one file atomically: in full beside its target, then renamed into place.

Every single file installer-factory writes (lock, schema, pipeline, manifest, reports,
the profile `stamp` edits) goes through here, so no reader ever sees half a file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from factory.errors import OutputError, display_path


def write_bytes_atomic(target: Path, data: bytes, mode: int = 0o644) -> None:
    """Write one whole file beside its target, then rename it into place."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    except OSError as exc:
        raise OutputError(f"cannot write {display_path(target)}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {display_path(target)}: {exc.strerror or exc}") from None
