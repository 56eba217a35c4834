"""deploy.json: what a deployment kit needs besides the built installer itself.

Render computes the facts from the profile (factory.deploy.facts) and writes them into
the project; after a build, the kit (factory.deploy.kit) and manifest.json are made from
this file alone. The kit's templates get `DeployFacts.data()` as their context.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from factory.formats.base import JsonFile, StrictModel
from factory.platforms import OS, Platform


class WindowsFacts(StrictModel):
    prefix: str
    install_type: Literal["AllUsers", "JustMe"]
    options: list[str] = Field(description="/D= is added last, unquoted, by the wrapper.")
    uninstaller: str
    hive: Literal["HKLM", "HKCU"]
    registry_key: str
    log_dir: str


class UnixFacts(StrictModel):
    prefix: str
    log_dir: str


class PkgFacts(StrictModel):
    prefix: str
    receipt: str
    receipts_prefix: str
    log_dir: str


class TokenFacts(StrictModel):
    """A deploy-time token the kit hands over to the installer (never its value)."""

    name: str
    env: str | None = Field(None, description="The variable the post-install step reads.")
    unix_file: str | None = Field(None, description="The file it reads on Linux and macOS.")
    win_file: str | None = Field(None, description="The file it reads on Windows.")
    remove_file: bool = False


class UninstallFacts(StrictModel):
    """What an uninstall removes besides the prefix (constructor's uninstaller options)."""

    remove_caches: bool = False
    remove_config_files: Literal["none", "user", "system", "all"] = "none"
    remove_user_data: bool = False


class MsiFacts(StrictModel):
    """The .msi (constructor's experimental MSI): how msiexec installs it and how Windows
    Installer knows it (factory/profiles/msi_rules.py says where each value comes from)."""

    prefix: str = Field(description="TARGETDIR; the base environment is in <prefix>\\base.")
    base: str = Field("base", description="The conda prefix, relative to `prefix`.")
    all_users: bool
    properties: list[str] = Field(description="msiexec properties; TARGETDIR= is added.")
    uninstall_properties: list[str]
    product_name: str
    product_version: str = Field(description="ProductVersion: the registry's DisplayVersion.")
    bundle_identifier: str
    upgrade_code: str = Field(description="{GUID}; the ProductCode is new in every build.")
    upgrade_code_packed: str
    upgrade_key: str = Field(description="Where the UpgradeCode's products are registered.")
    uninstall_key: str = Field(description="Add {ProductCode} for the product's entry.")
    log_dir: str


_SECTIONS = ("windows", "unix", "pkg", "msi")


class DeployFacts(JsonFile):
    generator: Literal["installer-factory"] = "installer-factory"
    name: str
    version: str
    platform: Platform
    os: OS
    company: str | None
    org: str
    upgrade: Literal["replace", "side_by_side"]
    conda: str = Field(description="The installed conda, relative to the prefix.")
    marker: str = Field(description="installer.json, relative to the prefix.")
    marker_staged: str | None = Field(
        None,
        description="Where the installer places the marker, relative to the prefix; the "
        "post-install step moves it to `marker` as its last step, so a prefix holding "
        "only this one is a half install of ours.",
    )
    expected: list[str] = Field(description="What a good install holds, relative paths.")
    variables: list[str] = Field(
        default_factory=list,
        description="Variables the post-install sets in the base environment; a good "
        "install names each in `variables_file`.",
    )
    variables_file: str | None = Field(
        None,
        description="Where conda keeps the base environment's variables (conda-meta/state, "
        "JSON), relative to the prefix.",
    )
    tokens: list[TokenFacts] = Field(
        default_factory=list, description="Deploy-time tokens the kit must hand over."
    )
    uninstall: UninstallFacts = Field(default_factory=UninstallFacts)
    initialize_conda: bool = Field(
        False, description="Whether the installer may have run `conda init` for shells."
    )
    register_envs: bool = Field(
        True, description="Whether the installer records the prefix in environments.txt."
    )
    condarc_tokens: list[str] = Field(
        default_factory=list,
        description="Text the installed .condarc holds once each installed token is in "
        "place: the URL the token follows, then /t/ (never the token).",
    )
    windows: WindowsFacts | None = None
    unix: UnixFacts | None = None
    pkg: PkgFacts | None = None
    msi: MsiFacts | None = None

    def data(self) -> dict[str, Any]:
        # a section that does not apply is left out rather than null
        omit = {key for key in _SECTIONS if getattr(self, key) is None}
        return self.model_dump(mode="json", exclude=omit)
