"""Build the release page's model (formats/release_page.py `ReleasePage`) from an output
folder's own files: every build report under OUTPUT/<name>/<platform>/ (failed ones too),
with what each build folder holds (pages/contents.py) and the deploy commands of its
installers (pages/commands.py). Nothing here looks at the clock or the machine: the same
folder gives the same model.
"""

from __future__ import annotations

from pathlib import Path

from factory.deploy.manifest import build_manifest
from factory.errors import InputError, display_path
from factory.formats.base import read_json
from factory.formats.build_report import BuildReport
from factory.formats.release_page import (
    PageBuild,
    PageCertificate,
    PageCommand,
    PagePrevious,
    ReleasePage,
)
from factory.output.layout import report_files
from factory.pages.commands import deploy_commands
from factory.pages.contents import (
    certificates,
    channels,
    construct_data,
    environments,
    installer_entry,
)
from factory.profiles.certificates import Certificate
from factory.version import __version__


def collect_page(root: Path, previous: PagePrevious | None = None) -> ReleasePage:
    """The page of one output folder; InputError when it holds no build report."""
    reports = report_files(root)
    if not reports:
        raise InputError(
            f"{display_path(root)}: no build report under <name>/<platform>/ (is this the "
            "output folder of `build` or `matrix run`?)"
        )
    commands = _commands(root)
    builds: list[PageBuild] = []
    shipped: dict[str, tuple[str, Certificate, list[str]]] = {}
    for report_file in reports:
        build_dir = report_file.parent
        report = BuildReport.from_data(read_json(report_file), report_file)
        directory = build_dir.relative_to(root).as_posix()
        if report.status != "ok":  # its installers were not kept: its status and reason only
            builds.append(_unfinished(report, directory))
            continue
        construct = construct_data(build_dir)
        fingerprints = []
        for name, cert in certificates(build_dir):
            fingerprints.append(cert.sha256)
            entry = shipped.setdefault(cert.sha256, (name, cert, []))
            entry[2].append(f"{report.name} {report.platform}")
        builds.append(
            PageBuild(
                name=report.name,
                version=report.version,
                platform=report.platform,
                status=report.status,
                reason=report.reason,
                directory=directory,
                constructor_version=report.constructor_version,
                installers=[
                    installer_entry(build_dir, directory, i, construct) for i in report.installers
                ],
                environments=environments(build_dir, construct),
                channels=channels(construct),
                commands=[
                    c for i in report.installers for c in commands.get(_key(directory, i.file), [])
                ],
                certificates=fingerprints,
            )
        )
    certs = [
        PageCertificate(
            name=name,
            subject=cert.subject,
            not_after=f"{cert.not_after:%Y-%m-%d %H:%M}",
            sha256=cert.sha256,
            shipped_by=sorted(users),
        )
        for name, cert, users in sorted(shipped.values(), key=lambda c: (c[1].not_after, c[0]))
    ]
    return ReleasePage(
        generator_version=__version__,
        title=_title(builds),
        builds=builds,
        certificates=certs,
        previous=previous,
    )


def _unfinished(report: BuildReport, directory: str) -> PageBuild:
    return PageBuild(
        name=report.name,
        version=report.version,
        platform=report.platform,
        status=report.status,
        reason=report.reason,
        directory=directory,
        constructor_version=report.constructor_version,
    )


def _key(directory: str, file: str) -> str:
    return f"{directory}/{file}"


def _commands(root: Path) -> dict[str, list[PageCommand]]:
    """Deploy commands by installer path (relative to root), from the successful builds."""
    out = {}
    for entry in build_manifest(root).installers:
        directory = entry.file.rsplit("/", 1)[0]
        out[entry.file] = deploy_commands(root, entry, directory)
    return out


def _title(builds: list[PageBuild]) -> str:
    releases = sorted({f"{b.name} {b.version}" for b in builds})
    return ", ".join(releases)
