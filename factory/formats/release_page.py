"""release-page.json: everything the release page (OUTPUT/index.html) shows, in one model.

factory.pages.collect builds it from an output folder's own files (build reports, SBOMs,
the projects that were built, deployment kits) and, with `--previous`, the diff against an
earlier release; factory.pages.render renders `index.html` from exactly this data. The
JSON is kept beside the page so that a later refresh (`rehash` after signing) keeps the
diff even when the previous release's folder is gone.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from factory.formats.base import JsonFile, StrictModel

SigningState = Literal[
    "signed", "signed-at-build", "changed-after-build", "unsigned", "not-signable"
]


class PageInstaller(StrictModel):
    file: str = Field(description="Path of the installer, relative to the output folder.")
    installer_type: str
    size: int
    sha256: str
    signing: SigningState = Field(
        description="signed / unsigned: a signature is, or is not, in the file (Authenticode "
        "in a .exe or .msi, productsign's in a .pkg). When the file's kind cannot be read "
        "(a stand-in): signed-at-build: constructor signed it (the project's signing keys); "
        "changed-after-build: its bytes changed after the build (signed by CI, then "
        "`rehash`); unsigned: neither; not-signable: a .sh, which carries no signature."
    )
    signing_detail: str = Field(description="Who signed, or what to check instead.")
    built_sha256: str | None = Field(
        None, description="The sha256 constructor made, when signing changed the bytes since."
    )


class PagePackage(StrictModel):
    name: str
    version: str = Field(description="Empty for a requested spec that was not locked.")
    build: str = ""
    channel: str = ""


class PageEnvironment(StrictModel):
    name: str = Field(description="base, or an extra environment's name.")
    locked: bool = Field(description="Exact records from the lock (SBOM), not just specs.")
    packages: list[PagePackage] = Field(default_factory=list)
    specs: list[str] = Field(
        default_factory=list, description="The requested specs, when there was no lock."
    )


class PageRemap(StrictModel):
    src: str
    dest: str


class PageChannels(StrictModel):
    build: list[str] = Field(default_factory=list, description="What the build solved from.")
    remap: list[PageRemap] = Field(default_factory=list)
    installed: list[str] = Field(
        default_factory=list, description="The shipped .condarc's channels."
    )
    default_channels: list[str] = Field(default_factory=list)
    channel_alias: str = ""


class PageCommand(StrictModel):
    system: str = Field(description="Plain, Intune, SCCM, Jamf or Ansible.")
    action: Literal["install", "uninstall", "package", "detect"]
    command: str
    note: str = ""


class PageBuild(StrictModel):
    name: str
    version: str
    platform: str
    status: str
    reason: str = ""
    directory: str = Field(description="The build folder, relative to the output folder.")
    constructor_version: str = ""
    installers: list[PageInstaller] = Field(default_factory=list)
    environments: list[PageEnvironment] = Field(default_factory=list)
    channels: PageChannels | None = None
    commands: list[PageCommand] = Field(default_factory=list)
    certificates: list[str] = Field(
        default_factory=list, description="sha256 fingerprints of the CA bundle it ships."
    )


class PageCertificate(StrictModel):
    name: str = Field(description="The profile's name for it (ca_certs), from the bundle.")
    subject: str
    not_after: str = Field(description="Expiry, UTC, YYYY-MM-DD HH:MM.")
    sha256: str
    shipped_by: list[str] = Field(default_factory=list, description="<name> <platform>")


class PageDiffRow(StrictModel):
    change: str = Field(description="added, removed, upgraded, downgraded, rebuilt, changed")
    subject: str
    old: str = ""
    new: str = ""


class PageDiffGroup(StrictModel):
    title: str
    rows: list[PageDiffRow] = Field(default_factory=list)


class PagePrevious(StrictModel):
    label: str = Field(description="The previous release's folder, as given.")
    groups: list[PageDiffGroup] = Field(default_factory=list)
    note: str = ""


class ReleasePage(JsonFile):
    generator: Literal["installer-factory"] = "installer-factory"
    generator_version: str
    title: str
    builds: list[PageBuild] = Field(default_factory=list)
    certificates: list[PageCertificate] = Field(default_factory=list)
    previous: PagePrevious | None = None
