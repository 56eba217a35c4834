"""Run many build jobs in turn, and say how they went.

Each profile's tokens and lock are read once, and each (profile, platform) is planned and
rendered once, here, for `build_one` to build. A failing job does not stop the others.
Progress lines (which job, constructor started and finished, how long it took) go to the
`progress` callback and constructor's own output to `detail` (the command line prints both
on stderr, redacted, the second only with --verbose); the summary is data, printed by the
caller, with the exit status scripts rely on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from factory.builds.constructor import constructor_version, find_constructor
from factory.builds.cross import (
    CondaExeArg,
    JobStandalone,
    job_standalone,
    resolve_standalones,
    skip_reason,
)
from factory.builds.job import BuildInput, BuildResult, baked_tokens, build_one, ensure_writable
from factory.errors import display_path
from factory.formats.lock_file import LockData
from factory.lock.lockfile import lock_path, read_lock, require_fresh
from factory.platforms import Platform
from factory.profiles.load import LoadedProfile
from factory.profiles.tokens import token_values
from factory.render.project import RenderedProject, render_project

BUILD_FAILED_EXIT = 5

# a summary line never shows a bare "-": when a job has no installers and no reason
_NO_REASON = {
    "ok": "no installers were made",
    "failed": "no reason recorded; see build.log",
    "skipped": "not built on this host",
}

Job = tuple[LoadedProfile, Platform, "str | None"]


def _quiet(_line: str) -> None:
    pass


@dataclass
class _Inputs:
    """What the jobs build from, each part made once and only when a job gets that far."""

    allow_stale: bool
    tokens: dict[int, tuple[dict[str, str], dict[str, str]]] = field(default_factory=dict)
    locks: dict[int, LockData | None] = field(default_factory=dict)
    projects: dict[tuple[int, Platform], RenderedProject] = field(default_factory=dict)

    def job(self, item: LoadedProfile, platform: Platform) -> BuildInput:
        key = id(item)
        if key not in self.tokens:
            values = token_values(item)
            self.tokens[key] = (values, baked_tokens(item, values))
        values, baked = self.tokens[key]
        if (key, platform) not in self.projects:
            if key not in self.locks:
                self.locks[key] = read_lock(lock_path(item.file))
            lock = self.locks[key]
            if lock is not None:
                require_fresh(item.file, item.profile, lock, [platform], self.allow_stale)
            self.projects[key, platform] = render_project(item, platform, lock)
        return BuildInput(item, self.projects[key, platform], values, baked)


def run_builds(
    jobs: list[Job],
    out_root: Path,
    *,
    constructor: str | None = None,
    allow_stale: bool = False,
    progress: Callable[[str], None] = _quiet,
    detail: Callable[[str], None] = _quiet,
    conda_exes: Sequence[CondaExeArg] = (),
) -> list[BuildResult]:
    """Build each (loaded profile, platform, installer type or None for all) job in turn;
    a failure does not stop the rest. constructor is looked for only when some job can be
    built here (natively, or cross with a `conda_exes` standalone for its platform); every
    other job is reported as skipped, with the reason. Every job's standalone is checked
    before the first build (StandaloneRefused: nothing is built)."""
    standalones = resolve_standalones(conda_exes)
    reasons = [skip_reason(item.profile, platform, standalones) for item, platform, _ in jobs]
    exe, version = None, ""
    chosen: list[JobStandalone | None] = [None] * len(jobs)
    if any(reason is None for reason in reasons):
        exe = find_constructor(constructor)
        version = constructor_version(exe)
        for number, (item, platform, _) in enumerate(jobs):
            if reasons[number] is None:
                chosen[number] = job_standalone(item.profile, platform, standalones, exe)
        ensure_writable(out_root)
    inputs = _Inputs(allow_stale)
    results = []
    for index, (item, platform, installer_type) in enumerate(jobs, start=1):
        label = f"[{index}/{len(jobs)}] {item.profile.name} {platform.value}"
        reason = reasons[index - 1]
        standalone = chosen[index - 1]
        if exe is None or reason or standalone is None:
            results.append(
                BuildResult(
                    profile=display_path(item.file),
                    name=item.profile.name,
                    version=item.profile.installer_version,
                    platform=platform.value,
                    status="skipped",
                    reason=reason or "",
                )
            )
            progress(f"{label}: skipped: {results[-1].reason or 'constructor not run'}")
            continue
        progress(f"{label}: rendering the project")
        job = inputs.job(item, platform)
        bundles = standalone.conda_exe
        using = f" with --conda-exe {display_path(bundles)}" if bundles is not None else ""
        progress(f"{label}: constructor {version} started{using}")
        started = time.monotonic()
        done = build_one(
            job,
            out_root,
            constructor=exe,
            version=version,
            installer_type=installer_type,
            on_line=lambda line: detail(f"  | {line}"),
            conda_exe=standalone.conda_exe,
            host_conda=standalone.host_conda,
        )
        results.append(done)
        took = _duration(time.monotonic() - started)
        outcome = done.status + (f": {done.reason}" if done.reason else "")
        progress(f"{label}: constructor finished in {took}: {outcome}")
    return results


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}m{rest:02d}s"


@dataclass(frozen=True)
class BuildsReport:
    """What a run of builds amounts to: a line per job, the JSON document, the exit code."""

    lines: list[str]
    data: dict[str, Any]
    failed: int

    @property
    def exit_code(self) -> int:
        return BUILD_FAILED_EXIT if self.failed else 0


def report_builds(results: list[BuildResult]) -> BuildsReport:
    failed = [r for r in results if r.status == "failed"]
    lines = []
    for r in results:
        # what a reader needs per status: the installers, or why there are none
        files = ", ".join(i.file for i in r.installers)
        what = files or r.reason or _NO_REASON[r.status]
        where = f" in {r.directory}" if r.directory else ""
        lines.append(f"{r.status:8} {r.name} {r.platform}: {what}{where}")
    data = {"ok": not failed, "jobs": [r.as_dict() for r in results]}
    return BuildsReport(lines, data, len(failed))
