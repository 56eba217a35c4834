"""Facts about each target platform. Plain data, no rendering."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class OS(str, Enum):
    linux = "linux"
    osx = "osx"
    win = "win"

    @property
    def display_name(self) -> str:
        return _DISPLAY_NAMES[self]


_DISPLAY_NAMES = {OS.linux: "Linux", OS.osx: "macOS", OS.win: "Windows"}


class Platform(str, Enum):
    linux_64 = "linux-64"
    linux_aarch64 = "linux-aarch64"
    osx_64 = "osx-64"
    osx_arm64 = "osx-arm64"
    win_64 = "win-64"

    @property
    def os(self) -> OS:
        return OS(self.value.split("-", 1)[0])

    @property
    def facts(self) -> PlatformFacts:
        return FACTS[self.os]


@dataclass(frozen=True)
class PlatformFacts:
    script_suffix: str  # post_install script kind
    conda_relpath: str  # the installed conda executable, relative to the prefix
    # conda-repo-cli's own entry point: conda 26.3 and later no longer run `conda-*`
    # executables as `conda *` subcommands (conda pull request 15840)
    conda_repo_relpath: str
    sep: str  # path separator inside the installed prefix


FACTS: dict[OS, PlatformFacts] = {
    OS.linux: PlatformFacts(".sh", "bin/conda", "bin/conda-repo", "/"),
    OS.osx: PlatformFacts(".sh", "bin/conda", "bin/conda-repo", "/"),
    OS.win: PlatformFacts(".bat", "Scripts\\conda.exe", "Scripts\\conda-repo.exe", "\\"),
}

# Where the CA bundle lands, relative to the installed prefix: a directory of our own so
# it never collides with the openssl/ca-certificates packages' files.
CA_BUNDLE_RELPATH = ("etc", "installer-factory", "ca-bundle.pem")

# installer.json (name, version, platform) in the installation, for the deployment
# wrappers to check which release they find. The installer places it under
# MARKER_STAGED_RELPATH; the post-install step moves it to MARKER_RELPATH as its very last
# step, so an installation whose post-install failed has no marker.
MARKER_RELPATH = ("etc", "installer-factory", "installer.json")
MARKER_STAGED_RELPATH = ("etc", "installer-factory", "installer.json.pending")

# `conda env config vars set -p PREFIX` keeps the variables here as JSON, {"env_vars": {...}}
# (PREFIX_STATE_FILE in conda/base/constants.py, written by conda/core/prefix_data.py)
ENV_STATE_RELPATH = ("conda-meta", "state")
# Baked tokens ride in the installer here until the post-install step reads them into
# .condarc and deletes the file (factory/profiles/token_carriers.py).
STAGED_TOKENS_RELPATH = ("etc", "installer-factory", "tokens")
