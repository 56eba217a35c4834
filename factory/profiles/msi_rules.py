"""MSI on Windows (`installer_types: {win: [msi]}`): what constructor's MSI does with a
profile, and the identity Windows Installer will know the product by.

constructor 3.16 builds an MSI with BeeWare Briefcase and WiX (constructor/briefcase.py,
read at f57a3e7b) and documents it as experimental ("MSI Installers (Experimental)",
docs/source/howto.md). What follows from its source:

- **Version.** `get_name_version` takes the last PEP 440-like match of the version
  (`-` read as `.`) as the Briefcase version, and moves whatever is left (a rebuild letter)
  into the product name; Briefcase's WiX template writes major.minor.build from it
  (`version_triple`, zero-padded). Windows Installer compares only those three fields, the
  first two at most 255 (ProductVersion, Microsoft's Windows Installer documentation).
- **UpgradeCode.** `get_bundle_app_name` splits `reverse_domain_identifier` at its last dot
  into Briefcase's `bundle` and app name (without one it uses `io.continuum` and an app name
  made from the name *with the version's leftovers*); Briefcase's bundle identifier is
  `<bundle>.<app name with _ as ->` (lower case), and its UpgradeCode is
  `uuid5(NAMESPACE_DNS, <bundle identifier's parts reversed, joined by dots>)`
  (briefcase/platforms/windows/__init__.py `output_format_template_context`, read at
  0b5b31f). The ProductCode is not set in the WiX template's `<Package>`, so WiX makes a
  new one for every build: it is known only from the built .msi, or on a machine from the
  UpgradeCode's registered products. The template has no `<MajorUpgrade>`: a newer MSI
  does not remove an older one by itself.
- **Keys it does not use** (constructor's key table, `exe`-only keys): `default_prefix*`
  (the MSI installs to TARGETDIR), `uninstall_name`, `check_path_spaces`,
  `uninstall_with_conda_exe` (the MSI always uninstalls with the standalone conda).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from factory.platforms import Platform
from factory.profiles.finding import Finding
from factory.profiles.model import Profile
from factory.profiles.sources import ProfileSources

DEFAULT_REVERSE_DOMAIN_ID = "io.continuum"  # constructor/utils.py
DEFAULT_VERSION = "0.0.1"  # constructor/briefcase.py, when the version holds no number
_PEP440 = re.compile(r"(\d+!)?\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")
_APP_NAME = re.compile(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", re.IGNORECASE)
# packed GUID (the registry's form): where each character of the GUID's 32 hex digits comes
# from in the packed string; Windows Installer reverses the first three groups and swaps
# the two digits of each byte of the last two.
PACKED_ORDER = (
    *range(7, -1, -1),
    *range(11, 7, -1),
    *range(15, 11, -1),
    *(i ^ 1 for i in range(16, 32)),
)


@dataclass(frozen=True)
class MsiIdentity:
    product_name: str  # Briefcase's project name: the name plus the version's leftovers
    product_version: str  # Windows Installer's ProductVersion (DisplayVersion)
    bundle_identifier: str
    upgrade_code: str  # {GUID}, upper case, as the registry and Intune show it

    @property
    def upgrade_code_packed(self) -> str:
        return pack_guid(self.upgrade_code)


def pack_guid(guid: str) -> str:
    """The packed form Windows Installer files a GUID under in the registry."""
    digits = guid.strip("{}").replace("-", "").upper()
    packed = [""] * 32
    for packed_at, digit_at in enumerate(PACKED_ORDER):
        packed[packed_at] = digits[digit_at]
    return "".join(packed)


def _name_version(name: str, version: str) -> tuple[str, str]:
    matches = list(_PEP440.finditer(version.lower().replace("-", ".")))
    if not matches:
        return f"{name} {version}", DEFAULT_VERSION
    match = matches[-1]
    start, end = match.span()
    before = version[:start].strip(" .-_")
    after = version[end:].strip(" .-_")
    return " ".join(s for s in (name, before, after) if s), match.group()


def _app_name(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def msi_identity(profile: Profile) -> MsiIdentity:
    version = profile.installer_version
    project_name, msi_version = _name_version(profile.name, version)
    rdi = profile.install.reverse_domain_identifier
    if rdi is not None:
        bundle, app_name = rdi.rsplit(".", 1)
        if not _APP_NAME.fullmatch(app_name):
            app_name = _app_name(app_name)
    else:
        bundle, app_name = DEFAULT_REVERSE_DOMAIN_ID, _app_name(project_name)
    identifier = f"{bundle}.{app_name.replace('_', '-').lower()}"
    domain = ".".join(identifier.split(".")[::-1])
    code = uuid.uuid5(uuid.NAMESPACE_DNS, domain)
    release = [int(p) for p in msi_version.split("!")[-1].split(".") if p.isdigit()]
    triple = ".".join(str(p) for p in [*release, 0, 0][:3])
    return MsiIdentity(
        product_name=project_name,
        product_version=triple,
        bundle_identifier=identifier,
        upgrade_code="{" + str(code).upper() + "}",
    )


def builds_msi(profile: Profile) -> bool:
    return Platform.win_64 in profile.platforms and "msi" in profile.installer_types.win


def msi_installers(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """What an MSI build of this profile will do differently from what the profile says."""
    if not builds_msi(profile):
        return
    types = ("installer_types", "win")
    yield Finding(
        types,
        "constructor marks MSI installers experimental (3.16: built with Briefcase and WiX, "
        "on a Windows host only); the .exe is the supported Windows installer",
        "warning",
    )
    install = profile.install
    exe_too = "exe" in profile.installer_types.win
    also = " (the .exe still uses it)" if exe_too else ""
    prefix = install.default_prefix
    for key in ("win", "win_all_users", "win_domain_user"):
        if getattr(prefix, key) is not None:
            yield Finding(
                ("install", "default_prefix", key),
                "the MSI ignores it: it installs to TARGETDIR (deploy.windows.prefix in the "
                f"kit; %LOCALAPPDATA% or %ProgramFiles% by default){also}",
                "warning",
            )
    ignored = {
        "uninstall_name": "Programs and Features shows the MSI as '<name> <version>'",
        "uninstall_with_conda_exe": "the MSI always uninstalls with the standalone conda",
        "check_path_spaces": "the MSI does not check the install folder for spaces",
    }
    for key, why in ignored.items():
        if key in install.model_fields_set:
            yield Finding(("install", key), f"the MSI ignores it: {why}{also}", "warning")
    identity = msi_identity(profile)
    if install.reverse_domain_identifier is None:
        yield Finding(
            ("install",),
            "set reverse_domain_identifier (e.g. com.acme.datascience) for the MSI: without "
            f"it constructor files the product under {identity.bundle_identifier}, made from "
            "the name and the version's letters, so its UpgradeCode "
            f"({identity.upgrade_code}) changes with a rebuild letter and is shared with "
            "every other organization's installer of that name",
            "warning",
        )
    version_path = ("version",) if profile.version else ("release",)
    major, minor, _build = (int(p) for p in identity.product_version.split("."))
    if major > 255 or minor > 255:
        yield Finding(
            version_path,
            f"the MSI's ProductVersion becomes {identity.product_version}; Windows Installer "
            "allows at most 255 for major and minor: set `version` (e.g. 26.11.0) for msi",
            "warning",
        )
    suffix = identity.product_name[len(profile.name) :].strip()
    if suffix:
        yield Finding(
            version_path,
            f"Windows Installer sees version {identity.product_version}: '{suffix}' is not "
            "part of it (constructor moves it into the product name), so this release and "
            "the one without it look the same to upgrades and detection by version",
            "warning",
        )
    remove = profile.deploy.uninstall.remove_config_files if profile.deploy else "none"
    if remove in ("user", "system"):
        yield Finding(
            ("deploy", "uninstall", "remove_config_files"),
            "the MSI has only OPTION_REMOVE_CONFIG_FILES=1, which removes them all: "
            "use none or all",
            "warning" if exe_too else "error",
        )
    for name, value in sorted(install.script_env_variables.items()):
        if '"' in name or '"' in value:
            yield Finding(
                ("install", "script_env_variables", name),
                "constructor refuses a double quote here in an MSI build",
            )
