"""manifest.json: every installer of an output folder, with what a desktop management system
needs: checksum, silent install and uninstall commands, detection rule, report and SBOM.

The shape is the pydantic model below; `manifest.schema.json` at the repository root is
generated from it (`installer-factory schema --manifest`) and a test keeps it current.
"""

from __future__ import annotations

import json
from pathlib import Path
from shlex import quote
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from factory.deploy.kit import EXIT_CODES, environment, read_facts
from factory.output.atomic import write_bytes_atomic
from factory.output.layout import (
    INDEX_FILE,
    KITS_DIR,
    MANIFEST_FILE,
    REPORT_FILE,
    SBOM_FILE,
    report_files,
)
from factory.version import __version__


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Command(_Model):
    command: str = Field(description="The silent command line, run from the build folder.")
    wrapper: str | None = Field(
        None, description="The kit's wrapper doing the same with checks and a log."
    )


class RegistryDetection(_Model):
    type: Literal["registry"] = "registry"
    hive: Literal["HKLM", "HKCU"]
    key: str
    value: Literal["DisplayVersion"] = "DisplayVersion"
    equals: str


class ReceiptDetection(_Model):
    type: Literal["receipt"] = "receipt"
    receipt: str = Field(description="pkgutil package id; `pkgutil --pkg-info` shows version.")
    version: str
    marker: str = Field(description="installer.json in the installation, holding the version.")


class FileDetection(_Model):
    type: Literal["file"] = "file"
    path: str = Field(description="installer.json in the installation.")
    version: str = Field(description="The version that file must hold.")


class Entry(_Model):
    name: str
    version: str
    platform: str
    installer_type: Literal["sh", "pkg", "exe", "msi"]
    file: str = Field(description="Path of the installer, relative to the manifest.")
    size: int
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    report: str = Field(description="build-report.json, relative to the manifest.")
    sbom: str | None = Field(None, description="CycloneDX SBOM, when built from a lock.")
    install: Command | None = Field(None, description="None when the profile has no `deploy`.")
    uninstall: Command | None = None
    detection: RegistryDetection | ReceiptDetection | FileDetection | None = None
    deploy_page: str | None = Field(None, description="The kit's DEPLOY.md for this installer.")


class Manifest(_Model):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="installer-factory manifest",
        json_schema_extra={"$comment": "Generated from factory/manifest.py; do not edit."},
    )

    generator: Literal["installer-factory"] = "installer-factory"
    generator_version: str
    installers: list[Entry]


def schema_text() -> str:
    return json.dumps(Manifest.model_json_schema(), indent=2, sort_keys=True) + "\n"


def _entry(root: Path, build_dir: Path, report: dict[str, Any], item: dict[str, Any]) -> Entry:
    facts = read_facts(build_dir)
    rel = build_dir.relative_to(root).as_posix()
    kind = item["installer_type"]
    install = uninstall = detection = None
    page = None
    if facts is not None:
        install, uninstall, detection = _commands(facts, item["file"], kind, rel)
        page = f"{rel}/{KITS_DIR}/{kind}/{INDEX_FILE}"
    sbom = build_dir / SBOM_FILE
    return Entry(
        name=report["name"],
        version=report["version"],
        platform=report["platform"],
        installer_type=kind,
        file=f"{rel}/{item['file']}",
        size=item["size"],
        sha256=item["sha256"],
        report=f"{rel}/{REPORT_FILE}",
        sbom=f"{rel}/{SBOM_FILE}" if sbom.is_file() else None,
        install=install,
        uninstall=uninstall,
        detection=detection,
        deploy_page=page,
    )


def _commands(facts: dict[str, Any], file: str, kind: str, rel: str) -> tuple[Any, Any, Any]:
    version = facts["version"]
    wrapper = f"{rel}/{KITS_DIR}/{kind}"
    if kind == "exe" and "windows" in facts:
        win = facts["windows"]
        prefix = win["prefix"]
        options = " ".join(win["options"])
        install = Command(
            command=f'start "" /wait "{file}" /S {options} /D={prefix}',
            wrapper=f"{wrapper}/install.cmd",
        )
        uninstall = Command(
            command=f'"{prefix}\\{win["uninstaller"]}" /S _?={prefix}',
            wrapper=f"{wrapper}/uninstall.cmd",
        )
        detection: Any = RegistryDetection(
            hive=win["hive"], key=win["registry_key"], equals=version
        )
        return install, uninstall, detection
    if kind == "pkg" and "pkg" in facts:
        pkg = facts["pkg"]
        install = Command(
            command=f"installer -pkg {file} -target /", wrapper=f"{wrapper}/install.sh"
        )
        uninstall = Command(
            command=f"sudo {quote(wrapper + '/uninstall.sh')}", wrapper=f"{wrapper}/uninstall.sh"
        )
        detection = ReceiptDetection(
            receipt=pkg["receipt"], version=version, marker=f"{pkg['prefix']}/{facts['marker']}"
        )
        return install, uninstall, detection
    if kind == "sh" and "unix" in facts:
        prefix = facts["unix"]["prefix"]
        command = f"bash {quote(file)} -b -p {quote(prefix)}"
        install = Command(command=command, wrapper=f"{wrapper}/install.sh")
        uninstall = Command(command=f"rm -rf {quote(prefix)}", wrapper=f"{wrapper}/uninstall.sh")
        detection = FileDetection(path=f"{prefix}/{facts['marker']}", version=version)
        return install, uninstall, detection
    return None, None, None


def build_manifest(root: Path) -> Manifest:
    entries = []
    for report_file in report_files(root):
        report = json.loads(report_file.read_text(encoding="utf-8"))
        if report.get("status") != "ok":
            continue
        for item in report.get("installers", []):
            entries.append(_entry(root, report_file.parent, report, item))
    return Manifest(generator_version=__version__, installers=entries)


def write_manifest(root: Path) -> Path:
    """manifest.json and its readable twin DEPLOY.md for every built installer under root."""
    manifest = build_manifest(root)
    target = root / MANIFEST_FILE
    data = manifest.model_dump(mode="json")
    write_bytes_atomic(target, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode())
    page = environment().get_template("index.md.j2").render(data, exit_codes=EXIT_CODES)
    write_bytes_atomic(root / INDEX_FILE, page.encode())
    return target
