"""The `installer-factory` command: parse arguments, call the library, print, pick the exit code.

Heavy modules are imported inside the command handlers so `--help` and `validate` start fast.
Exit codes: 0 success, 1 invalid input (profile, config, YAML, missing token), 2 usage,
3 output could not be written, 4 internal error, 5 a build failed, 6 constructor missing,
130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from factory.errors import FactoryError, InputError, Problem, ProfileInvalid
from factory.version import __version__

PLATFORMS = ("linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64")

DESCRIPTION = """\
Turn organization profiles (YAML) into constructor projects for every platform.

A profile declares the installer's name and release, packages, build channels and their
remap to the internal mirror, the .condarc to ship, CA certificates, repository
authentication and tokens. `validate` checks without writing; `render` writes one
constructor project per platform; `build` runs constructor on the platforms this host
builds natively. build-matrix.yml lists what to build where: `matrix plan` shows the
jobs, `matrix run` builds them here, `matrix ci` writes a GitHub Actions, GitLab CI or
Azure Pipelines pipeline that builds every OS on its own runners.
"""

EPILOG = """\
examples:
  installer-factory validate profiles/acme-datasci-prod.yaml
  installer-factory render profiles/acme-datasci-prod.yaml --output build
  installer-factory render acme-datasci-prod --platform win-64   (name found on profile_paths)
  installer-factory stamp profiles/acme-datasci-prod.yaml --month 2026-12
  installer-factory build profiles/acme-datasci-prod.yaml --platform linux-64
  installer-factory matrix plan
  installer-factory matrix ci github --output .github/workflows/installers.yml
  installer-factory scan build/ --profile profiles/acme-datasci-prod.yaml
  installer-factory new --no-input --set profile=eng-ml --set installer_name=Eng-ML

exit status: 0 ok, 1 invalid input, 2 usage error, 3 output not written, 4 internal error,
  5 a build failed, 6 constructor missing, 130 interrupted
"""


class _Parser(argparse.ArgumentParser):
    """argparse prints usage errors itself; they quote arguments, so redact them too."""

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            from factory.leaks.redact import redact

            (file or sys.stderr).write(redact(message, KNOWN_SECRETS))


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="installer-factory",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help_: str, description: str, *, json_flag: bool = True):
        command = sub.add_parser(
            name,
            help=help_,
            description=description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if json_flag:
            command.add_argument(
                "--json", action="store_true", help="print one JSON document on stdout"
            )
        return command

    p = add(
        "validate",
        "check profiles without writing anything",
        "Load each profile and its extends chain, check every key and the rules\n"
        "constructor only applies at build time, and print every problem as\n"
        "file:line:column: key.path: message. Exit 1 when any profile has an error.",
    )
    p.add_argument("profiles", nargs="+", metavar="PROFILE", help="profile file or name")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.set_defaults(func=cmd_validate)

    p = add(
        "render",
        "write constructor projects for profiles",
        "Validate, then write OUTPUT/<installer name>/<platform>/ for each profile:\n"
        "construct.yaml, post-install scripts, CA bundle, licence and a README.\n"
        "Nothing is written unless every profile is valid; earlier output is replaced\n"
        "only when the new one is complete.",
    )
    p.add_argument("profiles", nargs="+", metavar="PROFILE", help="profile file or name")
    platform_option(p)
    p.add_argument(
        "--output",
        "-o",
        type=Path,
        metavar="DIR",
        help="output directory (default: config output_dir, else build/)",
    )
    allow_stale_option(p)
    p.set_defaults(func=cmd_render)

    p = add(
        "scan",
        "look for tokens in rendered projects, logs, reports and installers",
        "Search files and folders (inside .sh installer payloads, zip, tar and .conda\n"
        "archives too) for the token values of the given profiles and of environment\n"
        "variables named like secrets, and for anything token-shaped. Each finding is\n"
        "file[!member]:offset: kind, never the value. Exit 1 when anything is found.",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="file or folder to search")
    p.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="PROFILE",
        help="also search for this profile's token values (repeatable)",
    )
    p.add_argument(
        "--values-only",
        action="store_true",
        help="search for known values only, not for token shapes",
    )
    p.set_defaults(func=cmd_scan)

    p = add(
        "schema",
        "print the profile JSON Schema (for editors)",
        "Print the JSON Schema of one profile file. Every key is optional because a\n"
        "file may be one layer of an extends chain; unknown keys are errors.",
        json_flag=False,
    )
    p.add_argument("--output", "-o", type=Path, metavar="FILE", help="write to FILE instead")
    p.add_argument(
        "--manifest",
        action="store_true",
        help="the schema of a build's manifest.json instead (manifest.schema.json)",
    )
    p.set_defaults(func=cmd_schema)

    p = add(
        "new",
        "scaffold a new profile from the bundled template",
        "Ask for a few values (or take them from --set with --no-input) and write\n"
        "<profile>.yaml into the output directory. Never overwrites a file.",
    )
    p.add_argument(
        "--output-dir",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="where to write the profile (default: current directory)",
    )
    p.add_argument("--no-input", action="store_true", help="do not prompt; use defaults")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="template value, e.g. profile=eng-ml (repeatable)",
    )
    p.set_defaults(func=cmd_new)

    p = add(
        "config",
        "show the user config file and the settings in force",
        "Show where the user config file is ($INSTALLER_FACTORY_CONFIG overrides the\n"
        "location) and the settings in force. Keys: profile_paths (folders searched\n"
        "for profiles given by name), output_dir (default render output).",
    )
    p.set_defaults(func=cmd_config)

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
        "exit status: 0 every job built or skipped, 5 a job failed, 6 constructor\n"
        "missing, 1 invalid profile or missing token, 3 output not written",
    )
    p.add_argument("profile", metavar="PROFILE", help="profile file or name")
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
    allow_stale_option(p)
    p.set_defaults(func=cmd_build)

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

    p = add(
        "stamp",
        "set a profile's release month or bump its rebuild letter",
        "Edit release.month (default: this month; clears the rebuild letter) or, with\n"
        "--rebuild, move to the next letter for an out-of-band security rebuild\n"
        "(data_science_202611 -> data_science_202611a). Comments are kept.",
    )
    p.add_argument("profile", metavar="PROFILE", help="profile file or name")
    p.add_argument("--month", metavar="YYYY-MM", help="release month")
    p.add_argument("--rebuild", action="store_true", help="next rebuild letter")
    p.set_defaults(func=cmd_stamp)

    from factory.cli.lock import add_lock_parser
    from factory.cli.matrix import add_matrix_parser

    add_lock_parser(sub, add)
    add_matrix_parser(sub, add)
    return parser


def platform_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--platform",
        action="append",
        choices=PLATFORMS,
        metavar="PLATFORM",
        help=f"only this platform (repeatable; one of {', '.join(PLATFORMS)}); "
        "default: the profile's platforms",
    )


def allow_stale_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-stale",
        action="store_true",
        help="use a lock even when the profile changed after it was made",
    )


def constructor_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--constructor",
        metavar="PATH",
        help="constructor executable (default: $INSTALLER_FACTORY_CONSTRUCTOR, else PATH)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    from factory.leaks.redact import secret_environment

    # before anything can fail: values of secret-named variables never reach the screen
    KNOWN_SECRETS[:] = secret_environment().values()
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ProfileInvalid as exc:
        _emit_problems(exc.problems, getattr(args, "json", False))
        return exc.exit_code
    except FactoryError as exc:
        if getattr(args, "json", False):
            _print_json({"ok": False, "error": str(exc)})
        emit(f"installer-factory: error: {exc}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        emit("installer-factory: interrupted", err=True)
        return 130
    except BrokenPipeError:
        # the reader went away (`| head`): stop quietly, and keep Python's exit-time flush
        # from failing on the same pipe
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception:  # a bug: report it, redacted, rather than a raw traceback
        import traceback

        emit(traceback.format_exc().rstrip(), err=True)
        emit(
            "installer-factory: internal error (a bug); please report it with the lines above",
            err=True,
        )
        return 4


# --- helpers ----------------------------------------------------------------------------

# Token values known to this run; every line printed is redacted against them and against
# token shapes, whatever path a value took to get into a message.
KNOWN_SECRETS: list[str] = []


def emit(text: object = "", *, err: bool = False) -> None:
    from factory.leaks.redact import redact

    stream = sys.stderr if err else sys.stdout
    print(redact(str(text), KNOWN_SECRETS), file=stream)


def _print_json(data: Any) -> None:
    from factory.leaks.redact import redact_data

    # redacted before encoding: JSON escaping would hide a value from text redaction
    emit(json.dumps(redact_data(data, KNOWN_SECRETS), indent=2, sort_keys=True))


def _emit_problems(problems: list[Problem], as_json: bool) -> None:
    if as_json:
        _print_json({"ok": False, "problems": [p.as_dict() for p in problems]})
    for problem in problems:
        emit(problem, err=True)
    errors = sum(1 for p in problems if p.severity == "error")
    if errors:
        emit(f"installer-factory: {errors} error(s); nothing written", err=True)


def _load_all(refs: list[str]) -> tuple[Any, list[Any]]:
    """Load every profile; collect all problems from all of them before failing."""
    from factory.profile.layering import find_profile
    from factory.profile.load import load_profile
    from factory.profile.user_config import load_settings

    settings = load_settings()
    loaded, problems, unreadable = [], [], []
    for ref in refs:
        try:
            file = find_profile(ref, relative_to=None, search_paths=settings.profile_paths)
            loaded.append(load_profile(file, search_paths=settings.profile_paths))
        except ProfileInvalid as exc:
            problems.extend(exc.problems)
        except InputError as exc:
            unreadable.append(exc)
    if unreadable:
        for problem in problems:
            emit(problem, err=True)
        for exc in unreadable[:-1]:
            emit(f"installer-factory: error: {exc}", err=True)
        raise unreadable[-1]
    if problems:
        raise ProfileInvalid(problems)
    from factory.profile.tokens import token_values

    for item in loaded:  # from here on, no output can show these values
        KNOWN_SECRETS.extend(token_values(item).values())
    return settings, loaded


# --- commands ---------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    from factory.lock.lockfile import lock_warnings

    _, loaded = _load_all(args.profiles)
    warnings = [w for item in loaded for w in item.warnings]
    for item in loaded:
        if not item.layered.abstract:
            where = item.layered.location(("packages",))
            warnings += lock_warnings(item.file, item.profile, where)
    for warning in warnings:
        emit(warning, err=True)
    failed = bool(args.strict and warnings)
    if args.json:
        _print_json(
            {
                "ok": not failed,
                "profiles": [
                    {
                        "file": str(item.file),
                        "name": item.profile.name,
                        "version": item.profile.installer_version,
                        "abstract": item.layered.abstract,
                        "platforms": [p.value for p in item.profile.platforms],
                        "extends": [str(f) for f in item.layered.chain[:-1]],
                    }
                    for item in loaded
                ],
                "problems": [w.as_dict() for w in warnings],
            }
        )
    else:
        for item in loaded:
            count = f"{len(item.profile.platforms)} platform(s)"
            what = f"{item.profile.name} {item.profile.installer_version}, {count}"
            emit(
                f"ok: {item.file} ({'abstract base, ' + count if item.layered.abstract else what})"
            )
    if failed:
        emit("installer-factory: warnings are errors under --strict", err=True)
        return 1
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    from factory.lock.lockfile import usable_lock
    from factory.output.staged import write_projects
    from factory.platforms import Platform
    from factory.profile.diagnostics import format_path
    from factory.render.project import render_project

    settings, loaded = _load_all(args.profiles)
    problems: list[Problem] = []
    jobs = []
    for item in loaded:
        layered, profile = item.layered, item.profile
        if layered.abstract:
            problems.append(
                Problem(
                    layered.location(("abstract",)),
                    "abstract",
                    "this profile is a base meant to be extended; render a profile that extends it",
                )
            )
            continue
        wanted = [Platform(p) for p in args.platform] if args.platform else profile.platforms
        for platform in wanted:
            if platform not in profile.platforms:
                where = layered.location(("platforms",))
                problems.append(
                    Problem(
                        where,
                        format_path(("platforms",)),
                        f"{platform.value} was asked for, but this profile "
                        f"targets {', '.join(p.value for p in profile.platforms)}",
                    )
                )
                continue
            jobs.append((item, platform))
    if problems:
        raise ProfileInvalid(problems)
    for warning in (w for item in loaded for w in item.warnings):
        emit(warning, err=True)
    out_dir = args.output or settings.output_dir
    locks = {
        id(item): usable_lock(
            item.file, item.profile, [p for i, p in jobs if i is item], args.allow_stale
        )
        for item, _ in jobs
    }
    projects = []
    for index, (item, platform) in enumerate(jobs, start=1):
        projects.append(render_project(item, platform, locks[id(item)]))
        if not args.json:
            emit(
                f"[{index}/{len(jobs)}] rendered {item.profile.name} for {platform.value}",
                err=True,
            )
    targets = write_projects(projects, out_dir)
    if args.json:
        _print_json(
            {
                "ok": True,
                "output": str(out_dir),
                "projects": [
                    {
                        "profile": p.name,
                        "platform": p.platform.value,
                        "path": str(t),
                        "input_sha256": p.input_hash,
                        "files": sorted(p.files),
                    }
                    for p, t in zip(projects, targets, strict=True)
                ],
            }
        )
    else:
        for target in targets:
            emit(target)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from factory.platforms import Platform

    _, loaded = _load_all([args.profile])
    item = loaded[0]
    if item.layered.abstract:
        raise ProfileInvalid(
            [Problem(item.layered.location(("abstract",)), "abstract", "a base cannot be built")]
        )
    wanted = [Platform(p) for p in args.platform] if args.platform else item.profile.platforms
    missing = [p.value for p in wanted if p not in item.profile.platforms]
    if missing:
        raise InputError(f"{item.profile.name} does not target {', '.join(missing)}")
    results = run_builds(
        [(item, p, args.installer_type) for p in wanted],
        args.output or Path("dist"),
        constructor=args.constructor,
        allow_stale=args.allow_stale,
    )
    return report_builds(results, args.json)


def run_builds(
    jobs: list[tuple[Any, Any, str | None]],
    out_root: Path,
    *,
    constructor: str | None = None,
    allow_stale: bool = False,
) -> list[Any]:
    """Build each (loaded profile, platform, installer type or None for all) job in turn;
    a failure does not stop the rest. Progress and constructor's output go to stderr."""
    from factory.build.job import (
        BuildResult,
        build_one,
        constructor_version,
        ensure_writable,
        find_constructor,
        native_skip_reason,
    )
    from factory.errors import display_path

    exe, version = None, ""
    if any(native_skip_reason(platform) is None for _, platform, _ in jobs):
        exe = find_constructor(constructor)
        version = constructor_version(exe)
        ensure_writable(out_root)
    results = []
    for index, (item, platform, installer_type) in enumerate(jobs, start=1):
        label = f"[{index}/{len(jobs)}] {item.profile.name} {platform.value}"
        if exe is None or native_skip_reason(platform):
            reason = native_skip_reason(platform) or ""
            results.append(
                BuildResult(
                    profile=display_path(item.file),
                    name=item.profile.name,
                    version=item.profile.installer_version,
                    platform=platform.value,
                    status="skipped",
                    reason=reason,
                )
            )
        else:
            emit(f"{label}: building with constructor {version}", err=True)
            results.append(
                build_one(
                    item,
                    platform,
                    out_root,
                    constructor=exe,
                    version=version,
                    installer_type=installer_type,
                    allow_stale=allow_stale,
                    on_line=lambda line: emit(f"  | {line}", err=True),
                )
            )
        done = results[-1]
        emit(f"{label}: {done.status}{': ' + done.reason if done.reason else ''}", err=True)
    return results


def report_builds(results: list[Any], as_json: bool) -> int:
    failed = [r for r in results if r.status == "failed"]
    if as_json:
        _print_json({"ok": not failed, "jobs": [r.as_dict() for r in results]})
    else:
        for r in results:
            files = ", ".join(i["file"] for i in r.installers) or "-"
            where = f" in {r.directory}" if r.directory else ""
            emit(f"{r.status:8} {r.name} {r.platform}: {files}{where}")
    if failed:
        emit(f"installer-factory: {len(failed)} build(s) failed", err=True)
        return 5
    return 0


def cmd_deploy_kit(args: argparse.Namespace) -> int:
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
    for directory in args.directories:
        files = write_kit(directory)
        manifest = write_manifest(output_root(directory))
        results.append({"directory": str(directory), "files": [str(f) for f in files]})
        if not args.json:
            for file in files:
                emit(file)
            emit(f"manifest: {manifest}", err=True)
    if args.json:
        _print_json({"ok": True, "kits": results})
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    from factory.leaks.redact import secret_environment
    from factory.leaks.scan import scan_paths
    from factory.profile.tokens import token_values

    names = {value: f"${name}" for name, value in secret_environment().items()}
    if args.profile:
        _, loaded = _load_all(args.profile)
        for item in loaded:  # a profile's name for a value wins over the variable's
            names |= {v: f"{item.profile.name}.{n}" for n, v in token_values(item).items()}
    known = {name: value.encode() for value, name in names.items()}
    result = scan_paths([Path(p) for p in args.paths], known, shapes=not args.values_only)
    if args.json:
        _print_json({"ok": result.ok, **result.as_dict()})
    else:
        for finding in result.findings:
            emit(finding)
        for skipped in result.skipped:
            emit(f"skipped: {skipped}", err=True)
        emit(
            f"scanned {result.files_scanned} file(s), {result.bytes_scanned / 1e6:.1f} MB: "
            f"{len(result.findings)} finding(s)",
            err=True,
        )
    return 0 if result.ok else 1


def cmd_schema(args: argparse.Namespace) -> int:
    if args.manifest:
        from factory.deploy.manifest import schema_text
    else:
        from factory.profile.schema import schema_text

    text = schema_text()
    if args.output:
        from factory.output.atomic import write_bytes_atomic

        write_bytes_atomic(args.output, text.encode())
    else:
        sys.stdout.write(text)  # the schema holds no profile values
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    from factory.profile.scaffold import parse_sets, scaffold

    target = scaffold(args.output_dir, parse_sets(args.set), no_input=args.no_input)
    if args.json:
        _print_json({"ok": True, "profile": str(target)})
    else:
        emit(target)
        emit(f"next: installer-factory validate {target}", err=True)
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    from factory.profile.user_config import load_settings

    settings = load_settings()
    if args.json:
        _print_json(settings.as_dict())
        return 0
    state = "exists" if settings.exists else "not present; defaults in force"
    emit(f"config file: {settings.file} ({state})")
    paths = ", ".join(str(p) for p in settings.profile_paths) or "(none)"
    emit(f"profile_paths: {paths}  [{settings.sources['profile_paths']}]")
    emit(f"output_dir: {settings.output_dir}  [{settings.sources['output_dir']}]")
    return 0


def cmd_stamp(args: argparse.Namespace) -> int:
    from factory.profile.layering import find_profile
    from factory.profile.release import stamp
    from factory.profile.user_config import load_settings

    settings = load_settings()
    file = find_profile(args.profile, relative_to=None, search_paths=settings.profile_paths)
    result = stamp(file, month=args.month, rebuild=args.rebuild)
    if args.json:
        _print_json(
            {
                "ok": True,
                "profile": str(file),
                "release": result.name,
                "month": result.month,
                "rebuild": result.rebuild,
            }
        )
    else:
        emit(f"{file}: release {result.name}")
    return 0
