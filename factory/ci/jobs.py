"""Expand a loaded build matrix into jobs: one per (profile, platform, installer type).

`plan_jobs` is the one list `matrix plan`, the CI generators and `matrix run` share.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factory.ci.matrix import LoadedMatrix, MatrixBuild
from factory.platforms import Platform

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

    def as_dict(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "name": self.name,
            "platform": self.platform.value,
            "installer_type": self.installer_type,
            "runner": self.runner,
            "signing": self.signing,
        }


def plan_jobs(matrix: LoadedMatrix) -> list[Job]:
    """Every job, sorted by profile (as written), platform, then installer type."""
    jobs = [
        Job(
            profile=build.profile_ref,
            file=build.loaded.file,
            name=build.name,
            platform=platform,
            installer_type=kind,
            runner=matrix.runner(platform),
            signing=matrix.signs(platform, kind),
        )
        for build in matrix.builds
        for platform in build.platforms
        for kind in build.installer_types[platform.os]
    ]
    return sorted(jobs, key=lambda j: (j.profile, _PLATFORM_ORDER[j.platform], j.installer_type))


@dataclass(frozen=True)
class BuildUnit:
    """What one CI build job makes: every installer type of one profile on one platform."""

    build: MatrixBuild
    platform: Platform
    jobs: tuple[Job, ...]

    @property
    def installer_types(self) -> list[str]:
        return [j.installer_type for j in self.jobs]


def build_units(matrix: LoadedMatrix) -> list[BuildUnit]:
    """The jobs grouped by (profile, platform), in plan order."""
    by_build = {(b.profile_ref, p): b for b in matrix.builds for p in b.platforms}
    units: dict[tuple[str, Platform], list[Job]] = {}
    for job in plan_jobs(matrix):
        units.setdefault((job.profile, job.platform), []).append(job)
    return [BuildUnit(by_build[key], key[1], tuple(jobs)) for key, jobs in units.items()]
