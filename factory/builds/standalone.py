"""Which standalone conda a file is (`build --conda-exe`), and whether it is the one a
build may bundle.

constructor identifies its `--conda-exe` by running it (utils.py `identify_conda_exe`):
`--version` printing `conda X` is conda-standalone X; otherwise, when `--help` mentions
mamba, it is micromamba and the whole `--version` output is its version. A standalone for
another architecture does not run here, so the factory also reads what the file tells
without running it: its executable header (ELF, Mach-O or PE: the platform it is for),
and, when it sits in a prefix that `conda create --platform` made, the conda-meta record
of the package that installed it (name, version, subdir). Every source that answers must
agree, and a pinned build needs at least one that names kind and version.
"""

from __future__ import annotations

import json
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

from factory.errors import InputError, display_path
from factory.platforms import Platform
from factory.profiles.model import CondaExe
from factory.profiles.standalones import exe_relpath, fetch_command, version_tuple

KINDS = ("conda-standalone", "micromamba")
# ELF e_machine values (System V ABI): x86-64, AArch64, PowerPC64 (little-endian data)
_ELF = {62: "linux-64", 183: "linux-aarch64", 21: "linux-ppc64le"}
_MACHO = {0x01000007: "osx-64", 0x0100000C: "osx-arm64"}  # cputype of a 64-bit Mach-O
_PE = {0x8664: "win-64", 0xAA64: "win-arm64"}  # IMAGE_FILE_MACHINE_*


class StandaloneRefused(InputError):
    """A `--conda-exe` that is not what the build needs: exit 1, nothing built."""


@dataclass(frozen=True)
class Standalone:
    path: Path
    kind: str | None
    version: str | None
    platform: str | None  # the conda subdir it runs on, e.g. linux-aarch64
    runs_here: bool

    def describe(self) -> str:
        what = f"{self.kind} {self.version}" if self.kind else "an unidentified standalone"
        return f"{display_path(self.path)} ({what}, {self.platform or 'platform unknown'})"


def header_platform(path: Path) -> str | None:
    """The platform an executable is built for, from its header; None for anything else
    (a script, a universal Mach-O)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(64)
            if head[:4] == b"\x7fELF" and len(head) >= 20:
                order = "<" if head[5] == 1 else ">"
                (machine,) = struct.unpack(order + "H", head[18:20])
                found = _ELF.get(machine)
                # big-endian PowerPC64 is not a conda platform
                return None if found == "linux-ppc64le" and order == ">" else found
            if head[:4] == b"\xcf\xfa\xed\xfe" and len(head) >= 8:
                return _MACHO.get(struct.unpack("<I", head[4:8])[0])
            if head[:2] == b"MZ" and len(head) >= 64:
                (offset,) = struct.unpack("<I", head[60:64])
                handle.seek(offset)
                pe = handle.read(6)
                if pe[:4] == b"PE\0\0" and len(pe) == 6:
                    return _PE.get(struct.unpack("<H", pe[4:6])[0])
    except OSError:
        return None
    return None


def package_record(path: Path) -> tuple[str, str, str] | None:
    """(kind, version, subdir) of the conda package that installed `path`, from the
    conda-meta record of the prefix it sits in; None when there is none."""
    resolved = path.resolve()
    for kind in KINDS:
        for platform in ("linux-64", "win-64"):  # the two layouts: bin/... and Library/...
            rel = exe_relpath(kind, platform)
            parts = Path(rel).parts
            if resolved.parts[-len(parts) :] != parts:
                continue
            prefix = resolved.parents[len(parts) - 1]
            for meta in sorted((prefix / "conda-meta").glob(f"{kind}-*.json")):
                try:
                    data = json.loads(meta.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                if data.get("name") == kind and rel in data.get("files", []):
                    return kind, str(data.get("version", "")), str(data.get("subdir", ""))
    return None


def run_identify(path: Path) -> tuple[str, str] | None:
    """constructor's identify_conda_exe: (kind, version), or None when it cannot run."""
    try:
        shown = _output([str(path), "--version"])
        fields = shown.split()
        if "conda" in fields and len(fields) > fields.index("conda") + 1:
            return "conda-standalone", fields[fields.index("conda") + 1]
        if "mamba" in _output([str(path), "--help"]):
            return "micromamba", shown
    except (OSError, subprocess.SubprocessError):
        return None
    return None


def _output(command: list[str]) -> str:
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=60, check=True, stdin=subprocess.DEVNULL
    )
    return done.stdout.strip()


def identify(path: Path) -> Standalone:
    """What `path` is, from every source that answers; StandaloneRefused when they differ."""
    shown = display_path(path)
    if not path.is_file():
        raise StandaloneRefused(f"--conda-exe {shown}: no such file")
    header = header_platform(path)
    record = package_record(path)
    ran = run_identify(path)
    kind = version = None
    if record is not None:
        kind, version = record[0], record[1]
    if ran is not None:
        if kind is not None and ran[0] != kind:
            raise StandaloneRefused(
                f"--conda-exe {shown}: it says it is {ran[0]}, its package record says {kind}"
            )
        # conda-standalone reports the conda it carries: X.Y.Z of a X.Y.Z.postN package
        if version is not None and version_tuple(ran[1])[:3] != version_tuple(version)[:3]:
            raise StandaloneRefused(
                f"--conda-exe {shown}: it says it is version {ran[1]}, its package record "
                f"says {version}"
            )
        kind, version = kind or ran[0], version or ran[1]
    platform = record[2] if record is not None and record[2] else None
    if header is not None and platform is not None and header != platform:
        raise StandaloneRefused(
            f"--conda-exe {shown}: the executable is for {header}, its package record "
            f"says {platform}"
        )
    return Standalone(path, kind, version, header or platform, ran is not None)


def check(
    standalone: Standalone,
    target: Platform,
    pin: CondaExe | None,
    *,
    native: bool,
    label: str = "--conda-exe",
) -> None:
    """Refuse a standalone that is not for `target`, or not the profile's pinned one."""
    shown = f"{label} {standalone.describe()}"
    fetch = fetch_hint(pin, target)
    if standalone.platform is None and not (native and standalone.runs_here):
        raise StandaloneRefused(
            f"{shown}: cannot tell which platform it is for (no executable header or "
            f"package record says); {fetch}"
        )
    if standalone.platform is not None and standalone.platform != target.value:
        raise StandaloneRefused(f"{shown}: it is for {standalone.platform}, not {target.value}")
    if standalone.kind == "micromamba" and target.os.value == "win":
        raise StandaloneRefused(
            f"{shown}: constructor refuses micromamba for Windows installers; use conda-standalone"
        )
    if pin is None:
        return
    if standalone.kind is None:
        raise StandaloneRefused(
            f"{shown}: cannot tell which standalone it is (it does not run on this host "
            f"and has no package record beside it), so not whether it is the pinned "
            f"{pin.kind} {pin.version}; {fetch}"
        )
    same_version = standalone.version is not None and (
        standalone.version == pin.version
        or version_tuple(standalone.version)[:3] == version_tuple(pin.version)[:3]
    )
    if standalone.kind != pin.kind or not same_version:
        raise StandaloneRefused(
            f"{shown}: the profile pins conda_exe {pin.kind} {pin.version}; {fetch}"
        )


def fetch_hint(pin: CondaExe | None, target: Platform) -> str:
    kind, version = (pin.kind, pin.version) if pin else ("conda-standalone", "<version>")
    return f"get one for {target.value} with: {fetch_command(kind, version, target.value)}"


def bundled_standalone(constructor: Path) -> Path | None:
    """The conda-standalone constructor uses without --conda-exe: `standalone_conda/conda.exe`
    in its own prefix (main.py), the prefix being the parent of its bin/ or Scripts/."""
    candidate = constructor.resolve().parent.parent / "standalone_conda" / "conda.exe"
    return candidate if candidate.is_file() else None
