"""Facts about the two standalone condas constructor bundles (`--conda-exe`): where each
package puts its executable, the spec that fetches a pinned one for any platform, and how
versions compare. Plain data, shared by the rules, the builds and the CI pipelines.

conda-forge's `conda-standalone` package installs `standalone_conda/conda.exe` on every
platform (its recipe's package_contents test; constructor's own default is
`<its prefix>/standalone_conda/conda.exe`, main.py). `micromamba` installs `bin/micromamba`
(`Library/bin/micromamba.exe` on Windows, where constructor refuses it anyway). Both are
built for linux-64, linux-aarch64, linux-ppc64le, osx-64, osx-arm64 and win-64.
"""

from __future__ import annotations

import re
from typing import Literal

Kind = Literal["conda-standalone", "micromamba"]
CHANNEL = "conda-forge"
# the executable inside an installed package, by kind and OS ("win" or anything else)
_EXE = {
    "conda-standalone": ("standalone_conda/conda.exe", "standalone_conda/conda.exe"),
    "micromamba": ("bin/micromamba", "Library/bin/micromamba.exe"),
}


def exe_relpath(kind: str, platform: str) -> str:
    """Where `kind`'s executable is in a prefix `conda create --platform platform` made."""
    unix, win = _EXE[kind]
    return win if platform.startswith("win-") else unix


def package_spec(kind: str, version: str) -> str:
    return f"{kind}={version}"


def fetch_command(kind: str, version: str, platform: str, prefix: str = "DIR") -> str:
    """A command that fetches the pinned standalone for `platform` on any machine."""
    return (
        f"conda create -p {prefix} --platform {platform} -c {CHANNEL} --override-channels "
        f"{package_spec(kind, version)} (micromamba create takes the same arguments); "
        f"the executable is then {prefix}/{exe_relpath(kind, platform)}"
    )


def version_tuple(text: str) -> tuple[int, ...]:
    """Numeric release parts, enough for constructor's checks (utils.py check_version
    compares with conda's VersionOrder; the versions it tests are plain X.Y.Z)."""
    match = re.match(r"\d+(?:\.\d+)*", text)
    return tuple(int(p) for p in match.group(0).split(".")) if match else ()


def in_range(version: str, minimum: str | None = None, below: str | None = None) -> bool:
    """constructor's check_version: minimum inclusive, `below` exclusive."""
    have = version_tuple(version)
    if minimum and have < version_tuple(minimum):
        return False
    return not (below and have >= version_tuple(below))
