"""The profile keys of an admin's own additions: scripts, extra files, the installer's file
name and constructor's extra build outputs.

Each value type carries the checks it can make alone (a script's suffix, a destination's
shape, a file-name pattern); rules that need other keys are in admin_rules.py.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, Discriminator, Field, StrictBool, StringConstraints, Tag

from factory.formats.base import StrictModel
from factory.platforms import OS
from factory.profiles.fields import FilePath, Text

# --- scripts --------------------------------------------------------------------------


def _suffix(*suffixes: str) -> AfterValidator:
    def check(value: str) -> str:
        if not value.lower().endswith(suffixes):
            raise ValueError(f"must be a {' or '.join(suffixes)} script")
        return value

    return AfterValidator(check)


ShScript = Annotated[FilePath, _suffix(".sh")]
BatScript = Annotated[FilePath, _suffix(".bat")]


class OsScripts(StrictModel):
    """One script per OS, paths relative to the profile that names them."""

    linux: ShScript | None = Field(None, description="A .sh script for Linux installers.")
    osx: ShScript | None = Field(None, description="A .sh script for macOS installers.")
    win: BatScript | None = Field(None, description="A .bat script for Windows installers.")

    def for_os(self, os: OS) -> str | None:
        value: str | None = getattr(self, os.value)
        return value


class WinScript(StrictModel):
    """A script for Windows installers only."""

    win: BatScript | None = Field(None, description="A .bat script.")

    def for_os(self, os: OS) -> str | None:
        return self.win if os is OS.win else None


class Scripts(StrictModel):
    """The admin's own steps, run with the installer's variables (PREFIX, INSTALLER_*)."""

    pre_install: OsScripts = Field(
        default_factory=OsScripts,
        description="Run by the installer before packages are linked (constructor "
        "`pre_install`): only tools of the machine are available.",
    )
    post_install: OsScripts = Field(
        default_factory=OsScripts,
        description="Run after the factory's own post-install steps and before the "
        "installation is marked complete; a non-zero exit fails the install.",
    )
    pre_uninstall: WinScript = Field(
        default_factory=WinScript,
        description="Run by the Windows uninstaller (.exe and .msi) before it removes files.",
    )
    pre_install_desc: Text | None = Field(
        None,
        description="Checkbox text offering to skip pre_install (.pkg, .exe, .msi); "
        "without it the script always runs.",
    )
    post_install_desc: Text | None = Field(
        None,
        description="Checkbox text offering to skip the post-install step (.pkg, .exe, "
        ".msi); it skips the factory's own steps too. Without it the step always runs.",
    )


# --- extra files ----------------------------------------------------------------------

# not allowed in Windows file names; $ is NSIS's variable mark in the .exe's own script
_WIN_REFUSED = '<>:"|?*\\$'
_DEVICE = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)


def _file_name(value: str) -> str:
    if value in (".", "..") or not value.strip() or value != value.strip():
        raise ValueError("must be a file name")
    if "/" in value or any(c in value for c in _WIN_REFUSED):
        raise ValueError(f"cannot hold / or any of {_WIN_REFUSED} (not allowed on Windows)")
    if not value.isprintable():
        raise ValueError("must be printable text")
    if _DEVICE.match(value) or value.endswith((".", " ")):
        raise ValueError("is a name Windows does not allow for a file")
    return value


def _dest_path(value: str) -> str:
    if value.startswith("/") or re.match(r"^[A-Za-z]:", value):
        raise ValueError("must be relative to the install folder, not absolute")
    if "\\" in value:
        raise ValueError("separate folders with / (it is / on every OS)")
    for part in value.split("/"):
        if part in ("", ".", ".."):
            raise ValueError("must not hold empty, . or .. parts: it stays inside the prefix")
        _file_name(part)
    return value


FileName = Annotated[str, AfterValidator(_file_name)]
DestPath = Annotated[str, AfterValidator(_dest_path)]


class ExtraFile(StrictModel):
    """A file the profile ships, by its path on the build machine."""

    source: FilePath = Field(description="The file, relative to the profile that names it.")
    os: list[OS] | None = Field(
        None, min_length=1, description="Only in the installers of these OS; absent for all."
    )


ExtraFileValue = ExtraFile | FilePath  # a plain path: {source: path} on every OS


def extra_file(value: ExtraFileValue) -> ExtraFile:
    return value if isinstance(value, ExtraFile) else ExtraFile(source=value)


# --- installer file name --------------------------------------------------------------

PLACEHOLDERS = ("name", "version", "platform")
_PLACEHOLDER = r"\{(?:" + "|".join(PLACEHOLDERS) + r")\}"
_PATTERN = re.compile(rf"^(?:[A-Za-z0-9_]|{_PLACEHOLDER})(?:[A-Za-z0-9._+-]|{_PLACEHOLDER})*$")


def _pattern(*suffixes: str) -> AfterValidator:
    def check(value: str) -> str:
        if not _PATTERN.match(value):
            raise ValueError(
                "use letters, digits and . _ + - (starting with a letter, digit or _), "
                "and the placeholders {name}, {version}, {platform}"
            )
        if not value.endswith(suffixes):
            raise ValueError(f"must end in {' or '.join(suffixes)}")
        if _DEVICE.match(value):
            raise ValueError("is a name Windows does not allow for a file")
        return value

    return AfterValidator(check)


class InstallerFilename(StrictModel):
    """The installer's file name per OS (constructor `installer_filename`). {name},
    {version} and {platform} are replaced by the installer's own when rendering."""

    linux: Annotated[str, _pattern(".sh")] | None = Field(
        None, description="Ends in .sh, e.g. {name}-{version}-{platform}.sh."
    )
    osx: Annotated[str, _pattern(".pkg", ".sh")] | None = Field(
        None, description="Ends in .pkg or .sh, matching the one installer type macOS builds."
    )
    win: Annotated[str, _pattern(".exe", ".msi")] | None = Field(
        None, description="Ends in .exe or .msi, matching the one installer type Windows builds."
    )

    def for_os(self, os: OS) -> str | None:
        value: str | None = getattr(self, os.value)
        return value


def expand_filename(pattern: str, name: str, version: str, platform: str) -> str:
    values = {"name": name, "version": version, "platform": platform}
    return re.sub(_PLACEHOLDER, lambda m: values[m.group(0)[1:-1]], pattern)


# --- build outputs --------------------------------------------------------------------

# hashlib.algorithms_guaranteed, as constructor's schema lists them, less shake_128 and
# shake_256: constructor's dump_hash calls hexdigest() with no length, which they refuse
HashAlgorithm = Literal[
    "blake2b",
    "blake2s",
    "md5",
    "sha1",
    "sha224",
    "sha256",
    "sha384",
    "sha3_224",
    "sha3_256",
    "sha3_384",
    "sha3_512",
    "sha512",
]
HASH_ALGORITHMS = frozenset(get_args(HashAlgorithm))
EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")]


class HashOptions(StrictModel):
    algorithm: HashAlgorithm | list[HashAlgorithm] | None = Field(
        None, description="One or several hashlib algorithms. Default: sha256."
    )


class EnvOptions(StrictModel):
    env: EnvName = Field("base", description="base or a name of extra_envs.")


class LicensesOptions(StrictModel):
    include_text: StrictBool = Field(False, description="Put each licence's text in the file.")
    text_errors: (
        Literal["strict", "ignore", "replace", "backslashreplace", "surrogateescape"] | None
    ) = Field(None, description="How undecodable licence text is read (open()'s errors).")


class HashOutput(StrictModel):
    hash: HashOptions | None = Field(description="<installer>.<algorithm> beside each installer.")


class PkgsListOutput(StrictModel):
    pkgs_list: EnvOptions | None = Field(description="pkg-list.<env>.txt.")


class LockfileOutput(StrictModel):
    lockfile: EnvOptions | None = Field(description="lockfile.<env>.txt (@EXPLICIT).")


class LicensesOutput(StrictModel):
    licenses: LicensesOptions | None = Field(description="licenses.json.")


BuildOutputName = Literal["hash", "info.json", "licenses", "lockfile", "pkgs_list"]


def _output_kind(value: object) -> str | None:
    """Which entry a value is: a plain name, or the one key of a mapping."""
    if isinstance(value, str):
        return "name"
    if isinstance(value, dict) and len(value) == 1:
        return str(next(iter(value)))
    if isinstance(value, StrictModel):
        return next(iter(type(value).model_fields))
    return None


BuildOutput = Annotated[
    Annotated[BuildOutputName, Tag("name")]
    | Annotated[HashOutput, Tag("hash")]
    | Annotated[PkgsListOutput, Tag("pkgs_list")]
    | Annotated[LockfileOutput, Tag("lockfile")]
    | Annotated[LicensesOutput, Tag("licenses")],
    Discriminator(
        _output_kind,
        custom_error_type="build_output",
        custom_error_message="must be hash, info.json, licenses, lockfile or pkgs_list, or one "
        "{name: options} of hash, licenses, lockfile, pkgs_list",
    ),
]


def output_entry(output: BuildOutput) -> tuple[str, dict[str, object]]:
    """(name, options) of one entry, as constructor reads it."""
    if isinstance(output, str):
        return output, {}
    name = next(iter(type(output).model_fields))
    options = getattr(output, name)  # null: no options, as constructor's _validate_output
    return name, {} if options is None else options.model_dump(exclude_none=True)
