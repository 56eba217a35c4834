"""manifest.json: every installer of an output folder, with what a desktop management system
needs: checksum, silent install and uninstall commands, detection rule, report and SBOM.

`manifest.schema.json` at the repository root is generated from `Manifest`
(`installer-factory schema --manifest`) and a test keeps it current; factory.deploy.manifest
fills it in from the build reports and deploy facts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from factory.formats.base import JsonFile, StrictModel
from factory.formats.jsontext import json_text


class Command(StrictModel):
    command: str = Field(description="The silent command line, run from the build folder.")
    wrapper: str | None = Field(
        None, description="The kit's wrapper doing the same with checks and a log."
    )


class RegistryDetection(StrictModel):
    type: Literal["registry"] = "registry"
    hive: Literal["HKLM", "HKCU"]
    key: str
    value: Literal["DisplayVersion"] = "DisplayVersion"
    equals: str


class ReceiptDetection(StrictModel):
    type: Literal["receipt"] = "receipt"
    receipt: str = Field(description="pkgutil package id; `pkgutil --pkg-info` shows version.")
    version: str
    marker: str = Field(description="installer.json in the installation, holding the version.")


class FileDetection(StrictModel):
    type: Literal["file"] = "file"
    path: str = Field(description="installer.json in the installation.")
    version: str = Field(description="The version that file must hold.")


class MsiDetection(StrictModel):
    type: Literal["msi"] = "msi"
    upgrade_code: str = Field(
        description="Windows Installer's UpgradeCode; each build has a new ProductCode, so a "
        "rule asks which products the UpgradeCode has and their version."
    )
    version: str = Field(description="The ProductVersion those products must have.")


Detection = RegistryDetection | ReceiptDetection | FileDetection | MsiDetection


class Entry(StrictModel):
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
    detection: Detection | None = None
    deploy_page: str | None = Field(None, description="The kit's DEPLOY.md for this installer.")


class Manifest(JsonFile):
    model_config = ConfigDict(
        title="installer-factory manifest",
        # the published schema's text: changing it changes manifest.schema.json
        json_schema_extra={"$comment": "Generated from factory/formats/manifest.py; do not edit."},
    )

    generator: Literal["installer-factory"] = "installer-factory"
    generator_version: str
    installers: list[Entry]


def schema_text() -> str:
    return json_text(Manifest.model_json_schema())
