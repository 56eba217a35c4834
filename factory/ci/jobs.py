"""Expand a loaded build matrix into jobs: one per (profile, platform, installer type).

`plan_jobs` is the one list `matrix plan`, the CI generators and `matrix run` share. A
profile that pins `conda_exe` has its Linux platforms built by one linux-64 job, which
cross-builds the others with the pinned standalone for each (builds/cross.py): those jobs
are folded into it (`built_on`), and no runner of their own builds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factory.ci.matrix import LoadedMatrix, MatrixBuild
from factory.platforms import OS, Platform

FOLD_HOST = Platform.linux_64  # the runner folded Linux builds run on

_PLATFORM_ORDER = {p: n for n, p in enumerate(Platform)}


@dataclass(frozen=True)
class Job:
    profile: str  # as written in build-matrix.yml (relative to it)
    file: Path  # that profile file, resolved against build-matrix.yml
    name: str  # the profile's installer name: outputs go to OUTPUT/<name>/<platform>/
    platform: Platform
    installer_type: str
    runner: str
    signing: bool
    built_on: Platform  # the platform of the build job that makes it
    conda_exe: tuple[str, str] | None = None  # the profile's pinned (kind, version)

    @property
    def folded(self) -> bool:
        return self.built_on is not self.platform

    def as_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "name": self.name,
            "platform": self.platform.value,
            "installer_type": self.installer_type,
            "runner": self.runner,
            "signing": self.signing,
            "built_on": self.built_on.value,
        }


def built_on(build: MatrixBuild, platform: Platform) -> Platform:
    """Where `platform`'s installers of this build are made: its own runner, or the
    linux-64 one when the profile pins a standalone to cross-build with."""
    if build.loaded.profile.conda_exe is not None and platform.os is OS.linux:
        return FOLD_HOST
    return platform


def plan_jobs(matrix: LoadedMatrix) -> list[Job]:
    """Every job, sorted by profile (as written), platform, then installer type."""
    jobs = [
        Job(
            profile=build.profile_ref,
            file=build.loaded.file,
            name=build.name,
            platform=platform,
            installer_type=kind,
            runner=matrix.runner(built_on(build, platform)),
            signing=matrix.signs(platform, kind),
            built_on=built_on(build, platform),
            conda_exe=_pin(build),
        )
        for build in matrix.builds
        for platform in build.platforms
        for kind in build.installer_types[platform.os]
    ]
    return sorted(jobs, key=lambda j: (j.profile, _PLATFORM_ORDER[j.platform], j.installer_type))


@dataclass(frozen=True)
class BuildUnit:
    """What one CI build job makes: every installer type of one profile on one platform,
    and those of the platforms folded into it (`targets` beyond its own)."""

    build: MatrixBuild
    platform: Platform  # the build job's own platform (its runner)
    jobs: tuple[Job, ...]

    @property
    def targets(self) -> list[Platform]:
        """Every platform the job builds, in plan order."""
        return list(dict.fromkeys(j.platform for j in self.jobs))

    def jobs_for(self, platform: Platform) -> list[Job]:
        return [j for j in self.jobs if j.platform is platform]

    @property
    def installer_types(self) -> list[str]:
        return [j.installer_type for j in self.jobs]


def _pin(build: MatrixBuild) -> tuple[str, str] | None:
    pin = build.loaded.profile.conda_exe
    return (pin.kind, pin.version) if pin is not None else None


def folded_jobs(jobs: list[Job]) -> list[dict[str, str]]:
    """Which (profile, platform) is built by another platform's job, once each."""
    seen: dict[tuple[str, str], dict[str, str]] = {}
    for job in jobs:
        if job.folded:
            pin = job.conda_exe
            seen.setdefault(
                (job.profile, job.platform.value),
                {
                    "profile": job.profile,
                    "platform": job.platform.value,
                    "into": job.built_on.value,
                    "conda_exe": f"{pin[0]} {pin[1]}" if pin else "",
                },
            )
    return list(seen.values())


def build_units(matrix: LoadedMatrix) -> list[BuildUnit]:
    """The jobs grouped by (profile, the platform of the job that builds them), in plan
    order."""
    by_build = {(b.profile_ref, p): b for b in matrix.builds for p in b.platforms}
    units: dict[tuple[str, Platform], list[Job]] = {}
    for job in plan_jobs(matrix):
        units.setdefault((job.profile, job.built_on), []).append(job)
    return [
        BuildUnit(by_build[(key[0], jobs[0].platform)], key[1], tuple(jobs))
        for key, jobs in units.items()
    ]
