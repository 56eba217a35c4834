"""`build` and `deploy-kit`: installers from profiles, and kits for existing builds."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import TYPE_CHECKING

from factory.cli.common import (
    AddCommand,
    allow_stale_option,
    constructor_option,
    load_all,
    platform_option,
    profile_argument,
    select_targets,
)
from factory.cli.output import Console
from factory.cli.page import check_previous_option, previous_option, write_page
from factory.errors import InputError
from factory.platforms import Platform

if TYPE_CHECKING:
    from factory.builds.run import BuildsReport


def add_build(add: AddCommand) -> None:
    p = add(
        "build",
        "render a profile and build its installers with constructor",
        "Render, then run the real constructor for each platform this host builds\n"
        "natively (Linux builds linux-64 or linux-aarch64, macOS its osx platform,\n"
        "Windows win-64); other platforms are listed as skipped with the reason.\n"
        "Tokens the profile bakes in or the solve needs are read from the environment\n"
        "or files now and handed to constructor in a private temporary directory.\n"
        "OUTPUT/<installer name>/<platform>/ gets the installers, <installer>.sha256,\n"
        "build.log, build-report.json and the project that was built; a failed job\n"
        "leaves its log and report in <platform>-failed/ and earlier output untouched.\n"
        "Every output is scanned for tokens before success is reported.\n\n"
        "Cross-builds: with --conda-exe PLATFORM=PATH, a standalone conda for another\n"
        "Linux architecture, a Linux host also builds that platform's .sh (constructor\n"
        "--platform and --conda-exe). A profile with `conda_exe` is built only with the\n"
        "standalone it pins: the file given, or natively constructor's own when it is\n"
        "that one. Each file is checked first (its platform from its executable header\n"
        "or conda-meta record, kind and version by running it or from that record).\n\n"
        "exit status: 0 every job built or skipped, 5 a job failed, 6 constructor\n"
        "missing, 1 invalid profile, missing token or wrong --conda-exe, 3 output not\n"
        "written",
    )
    profile_argument(p)
    platform_option(p)
    p.add_argument(
        "--output", "-o", type=Path, metavar="DIR", help="output directory (default: dist/)"
    )
    p.add_argument(
        "--installer-type",
        choices=("sh", "pkg", "exe", "msi"),
        help="build only this installer type (constructor --installer-type)",
    )
    constructor_option(p)
    conda_exe_option(p)
    allow_stale_option(p)
    previous_option(p)
    p.set_defaults(func=cmd_build)


_PLATFORM_PREFIX = re.compile(r"^((?:linux|osx|win)-[A-Za-z0-9_]+)=(.+)$")


def _conda_exe_value(text: str) -> tuple[Platform | None, Path]:
    match = _PLATFORM_PREFIX.match(text)
    if match is None:
        return None, Path(text)
    try:
        return Platform(match.group(1)), Path(match.group(2))
    except ValueError:
        known = ", ".join(p.value for p in Platform)
        raise argparse.ArgumentTypeError(
            f"{match.group(1)} is not a platform profiles target ({known})"
        ) from None


def conda_exe_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--conda-exe",
        action="append",
        default=[],
        type=_conda_exe_value,
        metavar="[PLATFORM=]PATH",
        help="standalone conda (conda-standalone or micromamba) for PLATFORM, which constructor "
        "bundles; a Linux host cross-builds other Linux platforms with it (repeatable; "
        "without PLATFORM=, read from the file)",
    )


def add_deploy_kit(add: AddCommand) -> None:
    p = add(
        "deploy-kit",
        "write deployment kits and manifest.json for existing builds",
        "For each build folder (OUTPUT/<name>/<platform>/, made by `build`) whose profile\n"
        "has a `deploy` section, write deploy/<installer type>/: install and uninstall\n"
        "wrappers that verify and log, Intune and SCCM fields (Windows), Jamf fields\n"
        "(macOS), an Ansible task file (Linux) and a DEPLOY.md; then OUTPUT/manifest.json\n"
        "listing every installer. `build` does this itself; use this after `rehash`.",
    )
    p.add_argument("directories", nargs="+", type=Path, metavar="DIR", help="a build folder")
    p.set_defaults(func=cmd_deploy_kit)


def cmd_build(args: argparse.Namespace, out: Console) -> int:
    from factory.builds.run import report_builds, run_builds

    check_previous_option(args)
    _, loaded = load_all([args.profile], out)
    targets = select_targets(loaded, args.platform, "build")
    output = args.output or Path("dist")
    results = run_builds(
        [(t.loaded, t.platform, args.installer_type) for t in targets],
        output,
        constructor=args.constructor,
        allow_stale=args.allow_stale,
        progress=out.progress,
        detail=out.detail,
        conda_exes=args.conda_exe,
    )
    write_page(output, args, out)
    return print_builds(report_builds(results), args.json, out)


def print_builds(report: BuildsReport, as_json: bool, out: Console) -> int:
    if as_json:
        out.json(report.data)
    else:
        for line in report.lines:
            out.emit(line)
    if report.failed:
        out.emit(f"installer-factory: {report.failed} build(s) failed", err=True)
    return report.exit_code


def cmd_deploy_kit(args: argparse.Namespace, out: Console) -> int:
    from factory.deploy.kit import read_facts, write_kit
    from factory.deploy.manifest import write_manifest
    from factory.errors import display_path
    from factory.output.layout import REPORT_FILE, output_root

    results = []
    for directory in args.directories:
        if not (directory / REPORT_FILE).is_file():
            raise InputError(
                f"{display_path(directory)}: not a build folder (no build-report.json)"
            )
        if read_facts(directory) is None:
            raise InputError(
                f"{display_path(directory)}: its profile has no `deploy` section, so there is "
                "no kit to write"
            )
    roots: dict[Path, None] = {}  # each output folder's manifest, written once, in order
    for directory in args.directories:
        files = write_kit(directory)
        roots[output_root(directory).resolve()] = None
        results.append({"directory": str(directory), "files": [str(f) for f in files]})
        if not args.json:
            for file in files:
                out.emit(file)
    manifests = [write_manifest(root) for root in roots]
    for root in roots:
        write_page(root, args, out, refresh=True)
    if args.json:
        out.json({"ok": True, "kits": results, "manifests": [str(m) for m in manifests]})
    else:
        for manifest in manifests:
            out.info(f"manifest: {display_path(manifest)}")
    return 0
