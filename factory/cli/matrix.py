"""`matrix plan|run|ci` and `rehash`: arguments and printing; the work is in factory.ci
(the matrix, its jobs, the pipelines) and factory.builds (running builds, rehash)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from factory.cli.build import conda_exe_option
from factory.cli.common import AddCommand, constructor_option, verbosity_options
from factory.cli.output import Console
from factory.cli.page import check_previous_option, previous_option, write_page
from factory.errors import display_path

MATRIX_HELP = "build-matrix.yml to read (default: ./build-matrix.yml)"


def add_matrix(add: AddCommand) -> None:
    from factory.ci.engines import DEFAULT_MATRIX, ENGINES, TARGET_FILES

    p = add(
        "matrix",
        "plan the builds in build-matrix.yml, or generate a CI pipeline for them",
        "build-matrix.yml lists profiles and the platforms to build them on, CI runners\n"
        "and the names of signing secrets. `plan` checks it (and every profile in it)\n"
        "and lists the jobs; `ci` writes a GitHub Actions, GitLab CI or Azure Pipelines\n"
        "pipeline that builds, signs and tests them.",
        json_flag=False,
    )
    actions = p.add_subparsers(dest="matrix_command", metavar="ACTION", required=True)
    plan = actions.add_parser(
        "plan",
        help="check build-matrix.yml and list its jobs",
        description="One job per (profile, platform, installer type), with its runner and\n"
        "whether CI signs it. A profile with `conda_exe` has its Linux platforms built\n"
        "by its linux-64 job (cross-builds with the pinned standalone): the plan says\n"
        "which jobs were folded into which, and says which installer-factory CI\n"
        "installs (`factory:`). Exit 1 with every problem when the matrix or a profile\n"
        "in it is invalid, or CI could not build a job: a token file or certificate no\n"
        "CI secret (`secrets:`) or repository file provides, a file:// build channel,\n"
        "a file outside the repository. `ci` checks the same.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    plan.add_argument("--matrix", type=Path, default=Path(DEFAULT_MATRIX), help=MATRIX_HELP)
    plan.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    ci = actions.add_parser(
        "ci",
        help="generate a CI pipeline from build-matrix.yml",
        description="Print (or write with --output) the pipeline for one CI engine. Put it at\n"
        + "\n".join(f"  {engine}: {path}" for engine, path in TARGET_FILES.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ci.add_argument("engine", choices=ENGINES, metavar="ENGINE", help=" | ".join(ENGINES))
    ci.add_argument("--matrix", type=Path, default=Path(DEFAULT_MATRIX), help=MATRIX_HELP)
    ci.add_argument("--output", "-o", type=Path, metavar="FILE", help="write to FILE instead")
    run = actions.add_parser(
        "run",
        help="build the matrix's jobs this host can build natively",
        description="Render and run constructor for every (profile, platform) of the matrix\n"
        "that this host builds natively, or cross-builds with a --conda-exe for that\n"
        "platform (as `build` does); the others are listed as skipped with the reason.\n"
        "A failing job does not stop the others. Outputs as for `build`.\n\n"
        "exit status: 0 every job built or skipped, 5 a job failed, 6 constructor\n"
        "missing, 1 invalid matrix or profile, or a wrong --conda-exe",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("--matrix", type=Path, default=Path(DEFAULT_MATRIX), help=MATRIX_HELP)
    run.add_argument(
        "--output", "-o", type=Path, metavar="DIR", help="default: the matrix's `output`"
    )
    constructor_option(run)
    conda_exe_option(run)
    previous_option(run)
    run.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    for action in (plan, ci, run):
        verbosity_options(action)
    p.set_defaults(func=cmd_matrix)


def add_rehash(add: AddCommand) -> None:
    r = add(
        "rehash",
        "recompute installer checksums after signing",
        "For every installer listed in DIR/build-report.json, recompute its sha256 and\n"
        "size, rewrite <installer>.sha256 and update the report. Run it after signing.\n"
        "The output folder's release page (index.html) is written again.",
    )
    r.add_argument("directory", type=Path, metavar="DIR", help="a build output folder")
    r.set_defaults(func=cmd_rehash)


def cmd_matrix(args: argparse.Namespace, out: Console) -> int:
    if args.matrix_command == "plan":
        return _plan(args, out)
    if args.matrix_command == "run":
        return _run(args, out)
    return _ci(args, out)


def _run(args: argparse.Namespace, out: Console) -> int:
    from factory.builds.run import report_builds, run_builds
    from factory.ci.jobs import build_units
    from factory.ci.matrix import load_matrix
    from factory.cli.build import print_builds
    from factory.profiles.tokens import token_values

    check_previous_option(args)
    matrix = load_matrix(args.matrix)
    jobs = []
    for unit in build_units(matrix):
        loaded = unit.build.loaded
        out.redactor.add(token_values(loaded).values())
        for platform in unit.targets:
            own = loaded.profile.installer_types.for_os(platform.os)
            types = [j.installer_type for j in unit.jobs_for(platform)]
            # constructor takes one --installer-type: given when the matrix picks one of several
            chosen = types[0] if len(types) == 1 and types != own else None
            jobs.append((loaded, platform, chosen))
    root = args.output or matrix.root / matrix.model.output
    results = run_builds(
        jobs,
        root,
        constructor=args.constructor,
        progress=out.progress,
        detail=out.detail,
        conda_exes=args.conda_exe,
    )
    write_page(root, args, out)
    return print_builds(report_builds(results), args.json, out)


def _plan(args: argparse.Namespace, out: Console) -> int:
    from factory.ci.ci_needs import load_for_ci
    from factory.ci.jobs import folded_jobs, plan_jobs

    matrix = load_for_ci(args.matrix)
    jobs = plan_jobs(matrix)
    folded = folded_jobs(jobs)
    pin = matrix.pin
    if args.json:
        out.json(
            {
                "ok": True,
                "matrix": str(args.matrix),
                "factory": {
                    "kind": pin.kind,
                    "value": pin.value,
                    "requirement": pin.requirement(),
                    "default": matrix.model.factory is None,
                },
                "jobs": [j.as_dict() for j in jobs],
                "folded": folded,
            }
        )
        return 0
    rows = [("PROFILE", "PLATFORM", "TYPE", "RUNNER", "SIGNED")]
    rows += [
        (j.profile, j.platform.value, j.installer_type, j.runner, "yes" if j.signing else "no")
        for j in jobs
    ]
    if folded:  # only then: the table of a matrix without folds stays as it was
        rows = [(*rows[0], "BUILT BY")] + [
            (*row, f"{j.built_on.value} job" if j.folded else "own job")
            for row, j in zip(rows[1:], jobs, strict=True)
        ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.emit("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    for fold in folded:
        out.info(
            f"folded: {fold['profile']} {fold['platform']} into its {fold['into']} build job "
            f"(cross-built with {fold['conda_exe']})"
        )
    builds = len({(j.profile, j.built_on) for j in jobs})
    out.info(f"{len(jobs)} installer(s) from {builds} build job(s)")
    how = " (no `factory:`: the version running now)" if matrix.model.factory is None else ""
    out.info(f"CI installs {pin.describe()}{how}")
    return 0


def _ci(args: argparse.Namespace, out: Console) -> int:
    from factory.ci.ci_needs import load_for_ci
    from factory.ci.pipelines import render_pipeline

    text = render_pipeline(load_for_ci(args.matrix), args.engine)
    if args.output is None:
        sys.stdout.write(text)  # names of secrets only, never values: no redaction needed
        return 0
    from factory.output.atomic import write_bytes_atomic

    write_bytes_atomic(args.output, text.encode())
    out.info(f"wrote {display_path(args.output)}")
    return 0


def cmd_rehash(args: argparse.Namespace, out: Console) -> int:
    from factory.builds.rehash import rehash
    from factory.output.layout import output_root

    results = rehash(args.directory)
    write_page(output_root(args.directory), args, out, refresh=True)  # sha256s, sizes
    if args.json:
        out.json(
            {
                "ok": True,
                "directory": str(args.directory),
                "installers": [r.as_dict() for r in results],
            }
        )
    else:
        for item in results:
            state = "updated" if item.changed else "unchanged"
            out.emit(f"{item.sha256}  {item.file}  ({item.size} bytes, {state})")
    return 0
