"""Which standalone conda each build job bundles, decided for every job before any runs.

A job is built natively, or cross-built (a Linux target from a Linux host, host.py) with
a `--conda-exe` for its platform; a platform neither way is skipped with the reason and
how to get a standalone for it. A profile that pins `conda_exe` is built only with that
standalone: the one given for the platform, or for a native build constructor's own
(`standalone_conda/conda.exe` in its prefix) when it is the pinned one. A cross-build whose
project installs from a lock (`environment_file`) also needs a conda that runs here:
constructor runs `$CONDA_EXE create --file` for another platform (fcp.py `_solve_precs`),
so the host's standalone (given for the host's platform, else constructor's own) is
passed as CONDA_EXE.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from factory.builds.host import cross_skip_reason, host_platform, native_skip_reason
from factory.builds.standalone import (
    Standalone,
    StandaloneRefused,
    bundled_standalone,
    check,
    fetch_hint,
    identify,
)
from factory.errors import display_path
from factory.platforms import Platform
from factory.profiles.model import Profile

# (platform named on the command line or None, path)
CondaExeArg = tuple["Platform | None", Path]


@dataclass(frozen=True)
class JobStandalone:
    conda_exe: Path | None  # constructor --conda-exe; None: constructor's own
    host_conda: Path | None  # CONDA_EXE for a cross-build, when one is known


def resolve_standalones(given: Sequence[CondaExeArg]) -> dict[Platform, Standalone]:
    """Each `--conda-exe [PLATFORM=]PATH`, identified, by the platform it is for."""
    out: dict[Platform, Standalone] = {}
    for named, path in given:
        found = identify(path)
        shown = display_path(path)
        if named is not None and found.platform not in (None, named.value):
            raise StandaloneRefused(
                f"--conda-exe {named.value}={shown}: it is for {found.platform}, not {named.value}"
            )
        key = named.value if named is not None else found.platform
        if key is None:
            raise StandaloneRefused(
                f"--conda-exe {shown}: cannot tell which platform it is for; write "
                f"--conda-exe PLATFORM={shown}"
            )
        try:
            platform = Platform(key)
        except ValueError:
            targets = ", ".join(p.value for p in Platform)
            raise StandaloneRefused(
                f"--conda-exe {shown}: it is for {key}, which is not a platform profiles "
                f"target ({targets})"
            ) from None
        if platform in out:
            raise StandaloneRefused(
                f"--conda-exe: two standalones for {platform.value} "
                f"({display_path(out[platform].path)} and {shown})"
            )
        out[platform] = found
    return out


def skip_reason(
    profile: Profile, target: Platform, standalones: Mapping[Platform, Standalone]
) -> str | None:
    """Why this host does not build `target` for this profile; None when it does."""
    if native_skip_reason(target) is None:
        return None
    cross = cross_skip_reason(target)
    if cross is not None:
        return cross
    if target in standalones:
        return None
    return (
        f"{native_skip_reason(target)}; to cross-build it here, pass --conda-exe "
        f"{target.value}=PATH ({fetch_hint(profile.conda_exe, target)})"
    )


def job_standalone(
    profile: Profile,
    target: Platform,
    standalones: Mapping[Platform, Standalone],
    constructor: Path,
) -> JobStandalone:
    """The standalone a buildable job uses; StandaloneRefused when it cannot be the right
    one. Called for every job before the first build, so a refusal leaves nothing behind."""
    pin = profile.conda_exe
    native = native_skip_reason(target) is None
    given = standalones.get(target)
    exe: Path | None = None
    if given is not None:
        check(given, target, pin, native=native)
        exe = given.path
    elif native and pin is not None:
        bundled = bundled_standalone(constructor)
        if bundled is None:
            raise StandaloneRefused(
                f"{profile.name} {target.value}: the profile pins conda_exe {pin.kind} "
                f"{pin.version} and constructor has no standalone of its own beside it; "
                f"pass --conda-exe {target.value}=PATH ({fetch_hint(pin, target)})"
            )
        check(identify(bundled), target, pin, native=True, label="constructor's own standalone")
        exe = bundled
    host_conda = None
    if not native:
        here = host_platform()
        mine = standalones.get(here) if here is not None else None
        host_conda = mine.path if mine is not None and mine.runs_here else None
        host_conda = host_conda or bundled_standalone(constructor)
    return JobStandalone(exe, host_conda)
