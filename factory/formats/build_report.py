"""build-report.json: what one (profile, platform) build did, beside the files it made.

`build` writes it (in a failed job's folder too); manifest.json is made from the reports of
an output folder. Signing changes installers after the build: `rehash` then rewrites the
checksums in place (factory.builds.rehash), and the deployment kit, written again after
that, reads only the installers listed (`listed_installers`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import (
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
)

from factory.errors import InputError, display_path
from factory.formats.base import JsonFile, StrictModel, first_problem, read_json

InstallerType = Literal["sh", "pkg", "exe", "msi"]
Status = Literal["ok", "failed", "skipped"]


class InstallerFile(StrictModel):
    installer_type: InstallerType
    file: str  # a file name in the build folder
    size: int
    sha256: str
    # the sha256 constructor made, set by `rehash` once signing has changed the bytes
    built_sha256: str | None = None

    @model_serializer(mode="wrap")
    def _without_unset(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if data.get("built_sha256") is None:  # reports of unsigned builds stay as they were
            data.pop("built_sha256", None)
        return data


class TokenFinding(StrictModel):
    """A token found in the build's outputs; never the value."""

    file: str  # a file name in the build folder
    member: str | None  # path inside an archive or payload
    offset: int
    kind: str


class UnreadableMember(StrictModel):
    """A part of an output the scan could not read whole: a token may hide there."""

    where: str
    reason: str


class ScanSummary(StrictModel):
    ok: bool
    findings: list[TokenFinding] = Field(default_factory=list)
    unreadable: list[UnreadableMember] = Field(default_factory=list)


class BuildReport(JsonFile):
    generator: Literal["installer-factory"] = "installer-factory"
    generator_version: str
    input_sha256: str  # the rendered project's, as in its construct.yaml
    log: str  # the build log, beside this file
    profile: str
    name: str
    version: str
    platform: str
    status: Status
    reason: str
    exit_status: int | None
    duration_seconds: float
    constructor_version: str
    installers: list[InstallerFile]
    # what constructor's build_outputs wrote beside them (hash files, info.json, ...), by name
    outputs: list[str] = Field(default_factory=list)
    # None only while the scan has not run yet: the scan reads this very file
    scan: ScanSummary | None


def listed_installers(path: Path) -> list[InstallerFile]:
    """The installers a build report lists, whatever else it holds."""
    data = read_json(path)
    entries = data.get("installers", []) if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise InputError(f"{display_path(path)}: has no `installers` list")
    out = []
    for number, entry in enumerate(entries):
        try:
            out.append(InstallerFile.model_validate(entry))
        except ValidationError as exc:
            problem = first_problem(exc, f"installers[{number}]")
            raise InputError(f"{display_path(path)}: {problem}") from None
    return out
