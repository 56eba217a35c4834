"""The organization profile: every key an admin may write, its type and its own checks.

The value types keys are made of are in fields.py. Rules that relate several keys (or need
files, certificates or the target platform) live in rules.py; rendering lives in
factory/render. Unknown keys are errors at every level (extra="forbid"): a typo must
never be silently ignored.

This module is long because the profile format is one document: one model per section, in
the order a profile is written, so a single read shows every key an admin can use.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    model_validator,
)

from factory.formats.base import StrictModel
from factory.platforms import OS, Platform
from factory.profiles.admin_keys import (
    BuildOutput,
    DestPath,
    ExtraFileValue,
    FileName,
    InstallerFilename,
    Scripts,
)
from factory.profiles.auth_methods import (
    AnacondaAuth,
    AnonUsageAuth,
    ChannelSettingsAuth,
    CondaTokenAuth,
)
from factory.profiles.fields import (
    ENV_NAME_PATTERN,
    MONTH_PATTERN,
    SITE_PATTERN,
    WIN_ABS,
    AnyText,
    Channel,
    EnvName,
    EnvValue,
    FilePath,
    GroupName,
    HttpUrl,
    Name,
    SpecGroups,
    Text,
    UnixAbsPath,
    Url,
    VirtualSpec,
    WinAbsPath,
    _text,
)


class Images(StrictModel):
    """Installer artwork, paths relative to the profile that names them."""

    welcome: FilePath | None = Field(None, description="EXE side panel / PKG background.")
    header: FilePath | None = Field(None, description="EXE header image (150x57).")
    icon: FilePath | None = Field(None, description="EXE icon (.ico, 256x256).")
    welcome_text: Text | None = Field(
        None, description="Text of the generated welcome image when none is given (EXE, PKG)."
    )
    header_text: Text | None = Field(
        None, description="Text of the generated header image when none is given (EXE)."
    )
    color: Literal["red", "green", "blue", "yellow"] | None = Field(
        None, description="Colour of the generated images (EXE). Default: blue."
    )


class InstallerTypes(StrictModel):
    """Which installer formats to build on each OS."""

    linux: list[Literal["sh"]] = Field(default_factory=lambda: ["sh"], min_length=1)
    osx: list[Literal["pkg", "sh"]] = Field(default_factory=lambda: ["pkg"], min_length=1)
    win: list[Literal["exe", "msi"]] = Field(
        default_factory=lambda: ["exe"],
        min_length=1,
        description="exe (NSIS), msi (experimental in constructor: Briefcase and WiX).",
    )

    def for_os(self, os: OS) -> list[str]:
        return list(getattr(self, os.value))


class Release(StrictModel):
    """Release naming: series_YYYYMM, plus a rebuild letter for an out-of-band rebuild."""

    series: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_]*$")] = Field(
        description="Environment series, e.g. data_science."
    )
    month: Annotated[str, StringConstraints(pattern=MONTH_PATTERN)] = Field(
        description="Release month as YYYY-MM, e.g. 2026-11."
    )
    rebuild: Annotated[str, StringConstraints(pattern=r"^[a-z]?$")] = Field(
        "", description="Out-of-band security rebuild letter: '', a, b, ..."
    )

    @property
    def stamp(self) -> str:
        return self.month.replace("-", "") + self.rebuild

    @property
    def name(self) -> str:
        return f"{self.series}_{self.stamp}"


# a package name as constructor's `exclude` takes it (main.py refuses ` =<>*`)
PackageName = Annotated[str, StringConstraints(pattern=r"^[^ =<>*]+$")]


class SpecGroupSet(StrictModel):
    """Loose specs (intent) in named groups: for every platform, per OS, per platform.
    The base environment (`packages`) and each of `extra_envs` are one."""

    specs: SpecGroups = Field(
        default_factory=dict,
        description="Named groups of package specs for every platform. Layers add groups "
        "or replace one by name; null removes an inherited group.",
    )
    os: dict[OS, SpecGroups] = Field(
        default_factory=dict, description="Extra groups for one OS only (linux, osx, win)."
    )
    platform: dict[Platform, SpecGroups] = Field(
        default_factory=dict, description="Extra groups for one platform only."
    )

    def groups_for(self, platform: Platform) -> list[tuple[str, list[str]]]:
        """(group label, specs) in a stable order: common, then OS, then platform groups."""
        out = [(name, list(specs)) for name, specs in self.specs.items()]
        out += [
            (f"os.{platform.os.value}.{n}", list(s))
            for n, s in self.os.get(platform.os, {}).items()
        ]
        out += [
            (f"platform.{platform.value}.{n}", list(s))
            for n, s in self.platform.get(platform, {}).items()
        ]
        return out

    def specs_for(self, platform: Platform) -> list[str]:
        return [spec for _, specs in self.groups_for(platform) for spec in specs]


class Packages(SpecGroupSet):
    """What goes into the base environment: the loose specs (intent), in named groups."""

    exclude: list[PackageName] = Field(
        default_factory=list, description="Package names dropped after the solve."
    )
    virtual_specs: dict[OS, list[VirtualSpec]] = Field(
        default_factory=dict, description="Install-time system requirements per OS."
    )
    menu_packages: list[Text] | None = Field(
        None, description="Only these packages get shortcuts; [] for none; absent for all."
    )


class ChannelRemap(StrictModel):
    src: Url = Field(description="Channel URL the build solves and downloads from.")
    dest: Url = Field(description="Channel URL installed machines record and use instead.")


class Freeze(StrictModel):
    """A protected environment (CEP-22): the installer writes `conda-meta/frozen`, and conda
    then refuses to install into, update or remove from it unless told to override."""

    message: Text | None = Field(
        None, description="What conda says when it refuses a change (the frozen file's message)."
    )


class ExtraEnv(SpecGroupSet):
    """An environment installed beside base, under envs/<name> (constructor `extra_envs`)."""

    exclude: list[PackageName] | None = Field(
        None,
        description="Package names dropped after this environment's solve. Default: "
        "packages.exclude (constructor inherits it); names need not be in the solve.",
    )
    menu_packages: list[Text] | None = Field(
        None,
        description="Only these packages get shortcuts; [] for none. Default: as "
        "packages.menu_packages.",
    )
    channels: list[Channel] | None = Field(
        None,
        min_length=1,
        description="Channels this environment solves from, highest first. Default: the "
        "profile's build channels.",
    )
    channels_remap: list[ChannelRemap] | None = Field(
        None, description="Solve from src, installed machines use dest. Default: channels_remap."
    )
    freeze: Freeze | None = Field(
        None, description="Protect this environment from changes (constructor `freeze_env`)."
    )


class ProxyServers(StrictModel):
    http: Url | None = None
    https: Url | None = None


CONDARC_MANAGED = (
    "channels",
    "default_channels",
    "channel_alias",
    "channel_priority",
    "report_errors",
    "ssl_verify",
    "proxy_servers",
    "pkgs_dirs",
    "envs_dirs",
    "allowlist_channels",
)


def _unmanaged(key: str) -> str:
    if key in CONDARC_MANAGED:
        raise ValueError(f"`{key}` has its own place: set condarc.{key} instead")
    return key


CondarcKey = Annotated[
    str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$"), AfterValidator(_unmanaged)
]


class Condarc(StrictModel):
    """The .condarc the installer ships. Built from the profile with remapped URLs."""

    channels: list[Channel] | None = Field(
        None, description="Installed channel list. Default: the build channels after remap."
    )
    default_channels: list[Channel] | None = None
    channel_alias: HttpUrl | None = None
    channel_priority: Literal["strict", "flexible", "disabled"] = "strict"
    report_errors: bool = False
    ssl_verify: bool | Literal["ca_bundle", "truststore"] | None = Field(
        None,
        description="true/false; ca_bundle for the installed CA bundle; truststore for the "
        "operating system's store (conda >=23.9). Default: ca_bundle when ca_certs are "
        "given, else conda's own default.",
    )
    proxy_servers: ProxyServers | None = None
    pkgs_dirs: list[Text] | None = None
    envs_dirs: list[Text] | None = None
    allowlist_channels: list[Channel] | None = None
    settings: dict[CondarcKey, Any] = Field(
        default_factory=dict, description="Any other .condarc keys, written as given."
    )
    enforce: list[Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$")]] = Field(
        default_factory=list,
        description="Keys of this .condarc that users must not override: written again, "
        "marked #!final, into <prefix>/condarc.d/00-installer-factory.yml, which conda "
        "reads before every user-level condarc.",
    )


class PsmAuth(StrictModel):
    """Post-install setup of an Anaconda PSM (repo) site through conda-repo-cli."""

    site: Annotated[str, StringConstraints(pattern=SITE_PATTERN, max_length=64)] = Field(
        description="Site name used by conda-repo-cli (letters, digits, _ and -)."
    )
    url: HttpUrl = Field(description="The site's API URL, e.g. https://repo.corp/api.")
    oauth2: bool = Field(True, description="Log in through the organization's SSO.")
    ssl_verify: bool | Literal["ca_bundle"] | None = Field(
        None, description="Default: ca_bundle when ca_certs are given, else true."
    )
    settings: dict[
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")], AnyText
    ] = Field(
        default_factory=dict,
        description="Further `conda-repo config --set KEY VALUE` pairs, applied in key order.",
    )


class Auth(StrictModel):
    """Repository authentication methods (README: Choosing an authentication method)."""

    psm: PsmAuth | None = None
    anaconda_auth: AnacondaAuth | None = Field(
        None, description="anaconda-auth for an organization, with an API key from `tokens:`."
    )
    conda_token: CondaTokenAuth | None = Field(
        None, description="What `conda token set --system` configures, token from `tokens:`."
    )
    anon_usage: AnonUsageAuth | None = Field(
        None, description="anaconda-anon-usage's organization token, telemetry kept on."
    )
    channel_settings: list[ChannelSettingsAuth] = Field(
        default_factory=list,
        description="Mirrors behind HTTP basic authentication (conda-auth's http-basic), "
        "password from `tokens:`.",
    )


class DefaultPrefix(StrictModel):
    """Install location offered by default; env vars expand on the installing machine."""

    linux: Text | None = None
    osx: Text | None = None
    win: Text | None = None
    win_all_users: Text | None = Field(None, description="Windows 'All Users' default.")
    win_domain_user: Text | None = Field(None, description="Windows 'Just Me' on a domain.")


class PkgDomains(StrictModel):
    enable_anywhere: bool = True
    enable_currentUserHome: bool = True
    enable_localSystem: bool = False


class PathSpacesPerOs(StrictModel):
    """`check_path_spaces` per OS: e.g. false on Windows only, for C:\\Program Files\\..."""

    linux: bool = True
    osx: bool = True
    win: bool = True


ScopeValue = Literal["user", "all_users"]


class InstallScope(StrictModel):
    """Who an installation serves, per OS: `user` (the installing account) or `all_users`
    (every user of the machine). Left out, it follows the installer options (README: What
    an installed machine gets)."""

    linux: ScopeValue | None = Field(
        None, description="Default: all_users when deploy.unix is given (root installs), else user."
    )
    osx: ScopeValue | None = Field(
        None,
        description="Default: all_users when pkg_domains enable only localSystem, else user.",
    )
    win: ScopeValue | None = Field(
        None,
        description="Default: deploy.windows.install_type (AllUsers: all_users), else user.",
    )


class Install(StrictModel):
    """How the installer behaves on the target machine (constructor's own keys, and `scope`)."""

    scope: InstallScope = Field(
        default_factory=InstallScope,
        description="Install scope per OS (user or all_users); decides where the "
        "post-install puts repository settings and who can read installed tokens.",
    )
    default_prefix: DefaultPrefix = Field(default_factory=DefaultPrefix)
    default_location_pkg: Text | None = None
    pkg_name: (
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_. -]*$")] | None
    ) = None
    pkg_domains: PkgDomains | None = None
    uninstall_name: Text | None = None
    reverse_domain_identifier: (
        Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")] | None
    ) = None
    keep_pkgs: bool = False
    ignore_duplicate_files: bool = True
    initialize_conda: bool | Literal["classic", "condabin"] | None = None
    initialize_by_default: bool | None = None
    register_python: bool = True
    register_python_default: bool | None = None
    register_envs: bool = True
    check_path_spaces: bool | PathSpacesPerOs = Field(
        True,
        description="Refuse install folders with spaces: true/false for every OS, or per OS "
        "({linux: .., osx: .., win: ..}; an OS left out keeps true).",
    )
    batch_mode: bool = False
    uninstall_with_conda_exe: bool | None = None
    transmute_file_type: Literal[".conda"] | None = None
    progress_notifications: bool = False
    welcome_text: AnyText | None = None
    readme_text: AnyText | None = None
    conclusion_text: AnyText | None = None
    install_path_exists_error_text: Text | None = None
    script_env_variables: dict[
        Annotated[str, StringConstraints(pattern=ENV_NAME_PATTERN)], EnvValue
    ] = Field(default_factory=dict)
    installer_filename: InstallerFilename | None = Field(
        None, description="The installer's file name per OS (README: Admin scripts and files)."
    )
    build_outputs: list[BuildOutput] = Field(
        default_factory=list,
        description="Extra files constructor writes beside the installers: a name, or "
        "{name: options} (hash: algorithm; pkgs_list, lockfile: env; licenses: include_text, "
        "text_errors). hash without an algorithm gets sha256.",
    )

    def checks_path_spaces(self, os: OS) -> bool:
        """check_path_spaces as constructor gets it for one OS."""
        value = self.check_path_spaces
        return value if isinstance(value, bool) else bool(getattr(value, os.value))


CA_ENV_VARS = (
    "PIP_CERT",
    "REQUESTS_CA_BUNDLE",
    "SSL_CERT_FILE",
    "CURL_CA_BUNDLE",
    "AWS_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "GIT_SSL_CAINFO",
)


class Trust(StrictModel):
    """Which clients besides conda are pointed at the installed CA bundle."""

    env: list[Literal[CA_ENV_VARS]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["PIP_CERT"],
        description="Variables set to the bundle's path in the base environment (conda env "
        "config vars), applied on activation.",
    )


# Characters a token may hold when it is installed: conda puts it into URL paths
# (`/t/<token>/`), and these need no escaping there, in sh or in cmd.exe.
# conda reads a URL's token as /t/[a-zA-Z0-9-]* (split_anaconda_token, conda/common/url.py)
INSTALLED_TOKEN_PATTERN = r"^[A-Za-z0-9-]{8,1000}$"


class TokenDeploy(StrictModel):
    """Where the post-install step finds the token on the target machine (deploy time)."""

    env: Annotated[str, StringConstraints(pattern=ENV_NAME_PATTERN)] | None = Field(
        None, description="Environment variable the deployment tool sets for the installer."
    )
    unix_file: UnixAbsPath | None = Field(
        None, description="Absolute path of a file holding the token on Linux and macOS."
    )
    win_file: WinAbsPath | None = Field(
        None, description="Absolute path of a file holding the token on Windows."
    )
    remove_file: bool = Field(
        False, description="Delete the token file once the token is installed."
    )

    @model_validator(mode="after")
    def _some_source(self) -> TokenDeploy:
        if self.env is None and self.unix_file is None and self.win_file is None:
            raise ValueError("give `env`, `unix_file` or `win_file` (or several)")
        return self


class TokenSource(StrictModel):
    """A repository token: where it comes from, never the token itself."""

    env: Annotated[str, StringConstraints(pattern=ENV_NAME_PATTERN)] | None = Field(
        None, description="Environment variable holding the token on the build machine."
    )
    file: FilePath | None = Field(
        None,
        description="File holding the token on the build machine (relative to this "
        "profile, or absolute).",
    )
    url: HttpUrl = Field(
        description="The repository URL the token is for: conda sends it for every channel "
        "under this prefix (e.g. https://repo.acme.example/)."
    )
    install: Literal["none", "bake", "deploy"] = Field(
        "none",
        description="none: used only by the build's solve; bake: built into the installer; "
        "deploy: read on the target machine at install time (see `deploy`).",
    )
    deploy: TokenDeploy | None = Field(
        None, description="Where the token is found at install time (install: deploy)."
    )
    shared: StrictBool = Field(
        False,
        description="A site token: an all-users install gives it to every local user of "
        "the machine (readable by all); validate asks for it on an installed token there.",
    )

    @model_validator(mode="after")
    def _sources(self) -> TokenSource:
        if self.env is not None and self.file is not None:
            raise ValueError("give only one of `env` or `file`")
        if self.install != "deploy" and self.env is None and self.file is None:
            raise ValueError("give `env` or `file`: where the build machine holds the token")
        if (self.install == "deploy") != (self.deploy is not None):
            raise ValueError("`deploy` is given exactly when `install: deploy`")
        return self


# constructor's Windows installer refuses an install folder holding any of these
WIN_PREFIX_REFUSED = "^%!=,()"


def _deploy_win_prefix(value: str) -> str:
    if not WIN_ABS.match(value):
        raise ValueError(r"must be an absolute Windows path (C:\...)")
    if re.fullmatch(r"[A-Za-z]:\\?|\\\\[^\\]+\\[^\\]+\\?", value):
        # the wrappers move the folder aside and remove it after a replace: never a whole
        # drive or share
        raise ValueError("must be a folder, not the root of a drive or share")
    refused = sorted({c for c in value if c in WIN_PREFIX_REFUSED})
    if refused:
        raise ValueError(
            f"contains {' '.join(refused)}, which the Windows installer refuses in its folder"
        )
    if not value.isascii():
        raise ValueError(
            "must be ASCII: the Windows installer refuses other folders when Python is in it"
        )
    if any(c in value for c in '"*?<>|'):
        raise ValueError('cannot contain " * ? < > | (not allowed in Windows paths)')
    return _text(value)


DeployWinPrefix = Annotated[str, AfterValidator(_deploy_win_prefix)]


class DeployWindows(StrictModel):
    prefix: DeployWinPrefix = Field(description="Install folder, e.g. C:\\ProgramData\\acme-ds.")
    install_type: Literal["AllUsers", "JustMe"] = Field(
        "AllUsers", description="AllUsers for SYSTEM-context deployments (Intune, SCCM)."
    )
    add_to_path: bool = Field(False, description="/AddToPath=1 (JustMe only).")
    register_python: bool = Field(False, description="/RegisterPython=1.")


class DeployUnix(StrictModel):
    prefix: UnixAbsPath = Field(
        description="Install folder of the .sh installers (Linux, and macOS when it ships "
        ".sh), e.g. /opt/acme/data_science."
    )


class DeployUninstall(StrictModel):
    """What an uninstall removes besides the prefix. On Windows these are constructor's
    uninstaller options (they need install.uninstall_with_conda_exe)."""

    remove_caches: bool = Field(False, description="Package caches (/RemoveCaches=1).")
    remove_config_files: Literal["none", "user", "system", "all"] = Field(
        "none", description="conda configuration files (/RemoveConfigFiles=...)."
    )
    remove_user_data: bool = Field(
        False, description="Users' data such as ~/.conda (/RemoveUserData=1)."
    )


class Deploy(StrictModel):
    """What the deployment kit needs: where installs go and how upgrades happen."""

    org: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")] = Field(
        description="Folder name for install logs (%ProgramData%\\<org>\\installer-logs, "
        "/var/log/<org>/installer-logs, /Library/Logs/<org>/installer-logs)."
    )
    upgrade: Literal["replace", "side_by_side"] = Field(
        "replace",
        description="replace: the new release goes where the old one was, which is kept "
        "aside until the new one is verified and put back if it is not; side_by_side: each "
        "release in its own <prefix>-<version> folder.",
    )
    windows: DeployWindows | None = None
    unix: DeployUnix | None = None
    uninstall: DeployUninstall = Field(default_factory=DeployUninstall)


class WindowsSigning(StrictModel):
    tool: Literal["signtool", "azuresigntool"] = "signtool"
    certificate: Text | None = Field(
        None, description="Path of the .pfx on the build machine (signtool only)."
    )


class MacSigning(StrictModel):
    identity: Text | None = Field(None, description="'Developer ID Installer: ...' identity.")
    notarization_identity: Text | None = Field(
        None, description="'Developer ID Application: ...' identity."
    )


class CondaExe(StrictModel):
    """The standalone conda constructor bundles (`--conda-exe`), pinned so every build of
    the profile, native or cross, ships the same one (builds/standalone.py checks it)."""

    kind: Literal["conda-standalone", "micromamba"] = Field(
        description="conda-standalone, or micromamba (constructor refuses it for Windows)."
    )
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+(\.post\d+)?$")] = Field(
        description="The exact package version, e.g. 25.7.0; no ranges: the pin keeps "
        "builds reproducible."
    )


class Signing(StrictModel):
    windows: WindowsSigning | None = None
    macos: MacSigning | None = None


class Profile(StrictModel):
    """One organization profile after its `extends:` chain is merged."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="installer-factory profile",
        json_schema_extra={"$comment": "Generated from factory/profiles/model.py; do not edit."},
    )

    extends: Text | None = Field(
        None,
        description="A profile this one builds on: a path relative to this file, or a "
        "profile name found beside it or on the configured search paths.",
    )
    abstract: StrictBool = Field(
        False, description="A base meant only to be extended; not rendered."
    )
    name: Name = Field(description="Installer name (constructor `name`).")
    version: Name | None = Field(None, description="Installer version. Default: release stamp.")
    release: Release | None = None
    company: Text | None = None
    license_file: FilePath | None = Field(None, description="Licence text shown and accepted.")
    images: Images = Field(default_factory=Images)
    platforms: list[Platform] = Field(
        default_factory=lambda: list(Platform), min_length=1, description="Target platforms."
    )
    installer_types: InstallerTypes = Field(default_factory=InstallerTypes)
    packages: Packages = Field(default_factory=Packages)
    freeze_base: Freeze | None = Field(
        None,
        description="Protect the base environment: conda refuses to change it (CEP-22 "
        "frozen marker); users work in extra_envs or their own environments.",
    )
    extra_envs: dict[EnvName, ExtraEnv] = Field(
        default_factory=dict,
        description="Environments installed beside base, under envs/<name>, by name: "
        "layers add or replace one by name; null removes an inherited one. Needs conda "
        "in base.",
    )
    channels: list[Channel] = Field(
        default_factory=list, description="Channels the build solves from, highest first."
    )
    channels_remap: list[ChannelRemap] = Field(
        default_factory=list,
        description="Solve from src, but installed machines record and use dest.",
    )
    condarc: Condarc = Field(default_factory=Condarc)
    allow_insecure_http: StrictBool = Field(
        False,
        description="Accept http:// where installed machines or tokens use a URL "
        "(channels_remap dest, condarc channels and channel_alias, auth.psm.url, "
        "tokens.*.url); validate warns at each. Tokens and logins then travel in plain text.",
    )
    ca_certs: dict[GroupName, FilePath] = Field(
        default_factory=dict,
        description="PEM root certificates by name, bundled into the installation.",
    )
    auth: Auth = Field(default_factory=Auth)
    trust: Trust = Field(default_factory=Trust)
    tokens: dict[GroupName, TokenSource] = Field(
        default_factory=dict,
        description="Tokens by name, read at build time from the environment or a file.",
    )
    install: Install = Field(default_factory=Install)
    scripts: Scripts = Field(
        default_factory=Scripts, description="The admin's own install and uninstall scripts."
    )
    extra_files: dict[DestPath, ExtraFileValue] = Field(
        default_factory=dict,
        description="Files shipped into the installation, by destination relative to the "
        "install folder (/-separated); a path, or {source, os}. null drops an inherited one.",
    )
    temp_extra_files: dict[FileName, ExtraFileValue] = Field(
        default_factory=dict,
        description="Files the .exe unpacks into its temporary folder ($PLUGINSDIR, "
        "%INSTALLER_PLUGINSDIR% in scripts), by file name.",
    )
    signing: Signing = Field(default_factory=Signing)
    deploy: Deploy | None = Field(
        None, description="Deployment kit settings (Intune, SCCM, Jamf, Ansible wrappers)."
    )
    conda_exe: CondaExe | None = Field(
        None,
        description="The standalone conda to build with (constructor --conda-exe); with it, "
        "`build --conda-exe` cross-builds .sh for other Linux architectures.",
    )

    @property
    def installer_version(self) -> str:
        return self.version or (self.release.stamp if self.release else "")
