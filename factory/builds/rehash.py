"""Recompute installer checksums after signing changed the installers' bytes.

`installer-factory build` leaves in OUTPUT/<name>/<platform>/ the installers, one
`<installer>.sha256` per installer and `build-report.json` (factory.formats.build_report),
whose `installers` list has `{"file": <name in this folder>, "sha256": <hex>, "size":
<bytes>, ...}` per installer. Signing (signtool, productsign, stapler) rewrites installers
in place, so CI runs `installer-factory rehash DIR` afterwards. constructor's own
`<installer>.<algorithm>` files (build_outputs `hash`), which the report lists under
`outputs`, are rewritten too. Every file is replaced atomically.

The report is edited as a JSON document, not through its model: only each installer's
`sha256` and `size` change (and `built_sha256`, the sha256 constructor made, is added the
first time the bytes differ: the release page's signing state), and whatever else the
report holds (say, from another installer-factory version than this one) is written back
as it was.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factory.errors import InputError, display_path
from factory.formats.base import read_json
from factory.formats.jsontext import json_text
from factory.output.atomic import write_bytes_atomic
from factory.output.layout import REPORT_FILE
from factory.profiles.admin_keys import HASH_ALGORITHMS

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Rehashed:
    file: str
    sha256: str
    size: int
    changed: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sha256": self.sha256,
            "size": self.size,
            "changed": self.changed,
        }


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def checksum_line(sha256: str, file_name: str) -> str:
    """The `sha256sum` format, so `sha256sum -c X.sha256` checks the installer beside it."""
    return f"{sha256}  {file_name}\n"


def _other_hash_files(directory: Path, installer: str, report: dict[str, Any]) -> list[str]:
    """The algorithms of constructor's own `<installer>.<algorithm>` files (build_outputs
    `hash`, constructor/build_outputs.py dump_hash) that the report lists, besides sha256."""
    outputs = report.get("outputs")
    listed = set(outputs) if isinstance(outputs, list) else set()
    return sorted(
        algorithm
        for algorithm in sorted(HASH_ALGORITHMS - {"sha256"})
        if f"{installer}.{algorithm}" in listed
        and (directory / f"{installer}.{algorithm}").is_file()
    )


def _hash_of(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def rehash(directory: Path) -> list[Rehashed]:
    """Update every installer's checksum file and report entry; nothing is written when any
    listed installer is missing or the report cannot be read."""
    report_file = directory / REPORT_FILE
    shown = display_path(report_file)
    report = read_json(report_file, missing="no such file (is this a build output folder?)")
    entries = report.get("installers") if isinstance(report, dict) else None
    if not isinstance(entries, list):
        raise InputError(f"{shown}: has no `installers` list")
    results: list[Rehashed] = []
    for number, entry in enumerate(entries):
        name = entry.get("file") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name or Path(name).name != name or name in (".", ".."):
            raise InputError(
                f"{shown}: installers[{number}].file must be a file name in this folder"
            )
        installer = directory / name
        if not installer.is_file():
            raise InputError(f"{shown}: installers[{number}]: {display_path(installer)} is missing")
        sha256, size = sha256_of(installer), installer.stat().st_size
        changed = entry.get("sha256") != sha256 or entry.get("size") != size
        if changed and isinstance(entry.get("sha256"), str):  # the page's signing state
            entry.setdefault("built_sha256", entry["sha256"])
        entry["sha256"], entry["size"] = sha256, size
        results.append(Rehashed(name, sha256, size, changed))
    for item in results:
        write_bytes_atomic(
            directory / f"{item.file}.sha256", checksum_line(item.sha256, item.file).encode()
        )
        for algorithm in _other_hash_files(directory, item.file, report):
            digest = _hash_of(directory / item.file, algorithm)
            write_bytes_atomic(
                directory / f"{item.file}.{algorithm}", checksum_line(digest, item.file).encode()
            )
    write_bytes_atomic(report_file, json_text(report).encode())
    return results
