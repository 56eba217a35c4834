"""`validate`, `render`, `schema`, `new`, `config` and `stamp`: commands about profiles."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from factory.cli.common import (
    AddCommand,
    allow_stale_option,
    by_profile,
    load_all,
    platform_option,
    profile_argument,
    select_targets,
    template_answer_options,
)
from factory.cli.output import Console


def add_validate(add: AddCommand) -> None:
    p = add(
        "validate",
        "check profiles without writing anything",
        "Load each profile and its extends chain, check every key and the rules\n"
        "constructor only applies at build time, and print every problem as\n"
        "file:line:column: key.path: message. Exit 1 when any profile has an error.",
    )
    profile_argument(p, many=True)
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.set_defaults(func=cmd_validate)


def add_render(add: AddCommand) -> None:
    p = add(
        "render",
        "write constructor projects for profiles",
        "Validate, then write OUTPUT/<installer name>/<platform>/ for each profile:\n"
        "construct.yaml, post-install scripts, CA bundle, licence and a README.\n"
        "Nothing is written unless every profile is valid; earlier output is replaced\n"
        "only when the new one is complete.",
    )
    profile_argument(p, many=True)
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


def add_schema(add: AddCommand) -> None:
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


def add_new(add: AddCommand) -> None:
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
    template_answer_options(p, "profile=eng-ml")
    p.set_defaults(func=cmd_new)


def add_config(add: AddCommand) -> None:
    p = add(
        "config",
        "show the user config file and the settings in force",
        "Show where the user config file is ($INSTALLER_FACTORY_CONFIG overrides the\n"
        "location) and the settings in force. Keys: profile_paths (folders searched\n"
        "for profiles given by name), output_dir (default render output).",
    )
    p.set_defaults(func=cmd_config)


def add_stamp(add: AddCommand) -> None:
    p = add(
        "stamp",
        "set a profile's release month or bump its rebuild letter",
        "Edit release.month (default: this month; clears the rebuild letter) or, with\n"
        "--rebuild, move to the next letter for an out-of-band security rebuild of the\n"
        "month in the file (data_science_202611 -> data_science_202611a). With --rebuild,\n"
        "--month only confirms which month is rebuilt: it must be the profile's month.\n"
        "A release never moves backwards: an earlier month, or the same month again\n"
        "after a rebuild letter, is refused. Comments are kept.\n\n"
        "exit status: 0 stamped, 2 a bad or backward month, 1 a profile without a\n"
        "release to stamp",
    )
    profile_argument(p)
    p.add_argument(
        "--month",
        metavar="YYYY-MM",
        type=_month,
        help="release month (default: this month); with --rebuild: the month being rebuilt, "
        "which must be the profile's",
    )
    p.add_argument(
        "--rebuild", action="store_true", help="next rebuild letter of the profile's month"
    )
    p.set_defaults(func=cmd_stamp)


def _month(value: str) -> str:
    """--month's check at parse time: a bad month is a usage error (exit 2)."""
    import re

    from factory.profiles.fields import MONTH_PATTERN

    if not re.fullmatch(MONTH_PATTERN, value):
        raise argparse.ArgumentTypeError(f"{value!r}: expected YYYY-MM, e.g. 2026-11")
    return value


def cmd_validate(args: argparse.Namespace, out: Console) -> int:
    from factory.errors import FactoryError, Problem
    from factory.lock.lockfile import lock_path, lock_warnings, read_lock
    from factory.lock.path_length import path_length_problems

    _, loaded = load_all(args.profiles, out)
    per_item = []  # each profile's warnings: under --strict they fail that profile
    for item in loaded:
        found = list(item.warnings)
        if not item.layered.abstract:
            where = item.layered.location(("packages",))
            found += lock_warnings(item.file, item.profile, where)
            try:
                lock = read_lock(lock_path(item.file))
            except FactoryError:
                lock = None  # lock_warnings said why
            for platform in item.profile.platforms:
                locked = lock.platforms.get(platform.value) if lock is not None else None
                found += path_length_problems(item, platform, locked)
        per_item.append(found)
    warnings = [w for found in per_item for w in found]
    for warning in warnings:
        out.emit(warning, err=True)

    def bad(found: list[Problem]) -> bool:  # an error, or a warning under --strict
        return any(p.severity == "error" for p in found) or bool(args.strict and found)

    failed = any(bad(found) for found in per_item)
    if args.json:
        out.json(
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
                        "ok": not bad(found),
                    }
                    for item, found in zip(loaded, per_item, strict=True)
                ],
                "problems": [w.as_dict() for w in warnings],
            }
        )
    else:
        for item, found in zip(loaded, per_item, strict=True):
            count = f"{len(item.profile.platforms)} platform(s)"
            what = f"{item.profile.name} {item.profile.installer_version}, {count}"
            errors = sum(1 for p in found if p.severity == "error")
            if errors:
                out.emit(f"failed: {item.file} ({errors} error(s))")
                continue
            if args.strict and found:
                out.emit(f"failed: {item.file} ({len(found)} warning(s), errors under --strict)")
                continue
            out.emit(
                f"ok: {item.file} ({'abstract base, ' + count if item.layered.abstract else what})"
            )
    if failed:
        if not any(p.severity == "error" for p in warnings):
            out.emit("installer-factory: warnings are errors under --strict", err=True)
        return 1
    return 0


def cmd_render(args: argparse.Namespace, out: Console) -> int:
    from factory.lock.lockfile import usable_lock
    from factory.output.staged import write_projects
    from factory.render.project import render_project

    settings, loaded = load_all(args.profiles, out)
    targets = select_targets(loaded, args.platform, "render")
    for warning in (w for item in loaded for w in item.warnings):
        out.emit(warning, err=True)
    out_dir = args.output or settings.output_dir
    locks = {
        key: usable_lock(item.file, item.profile, platforms, args.allow_stale)
        for key, (item, platforms) in by_profile(targets).items()
    }
    projects = []
    for index, target in enumerate(targets, start=1):
        item, platform = target.loaded, target.platform
        projects.append(render_project(item, platform, locks[id(item)]))
        if not args.json:
            out.progress(
                f"[{index}/{len(targets)}] rendered {item.profile.name} for {platform.value}"
            )
    written = write_projects(projects, out_dir)
    if args.json:
        out.json(
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
                    for p, t in zip(projects, written, strict=True)
                ],
            }
        )
    else:
        for target in written:
            out.emit(target)
    return 0


def cmd_schema(args: argparse.Namespace, out: Console) -> int:
    if args.manifest:
        from factory.deploy.manifest import schema_text
    else:
        from factory.profiles.schema import schema_text

    text = schema_text()
    if args.output:
        from factory.output.atomic import write_bytes_atomic

        write_bytes_atomic(args.output, text.encode())
    else:
        sys.stdout.write(text)  # the schema holds no profile values
    return 0


def cmd_new(args: argparse.Namespace, out: Console) -> int:
    from factory.profiles.scaffold import parse_sets, scaffold

    target = scaffold(args.output_dir, parse_sets(args.set), no_input=args.no_input)
    if args.json:
        out.json({"ok": True, "profile": str(target)})
    else:
        out.emit(target)
        out.info(f"next: installer-factory validate {target}")
    return 0


def cmd_config(args: argparse.Namespace, out: Console) -> int:
    from factory.profiles.user_config import load_settings

    settings = load_settings()
    if args.json:
        out.json(settings.as_dict())
        return 0
    state = "exists" if settings.exists else "not present; defaults in force"
    out.emit(f"config file: {settings.file} ({state})")
    paths = ", ".join(str(p) for p in settings.profile_paths) or "(none)"
    out.emit(f"profile_paths: {paths}  [{settings.sources['profile_paths']}]")
    out.emit(f"output_dir: {settings.output_dir}  [{settings.sources['output_dir']}]")
    return 0


def cmd_stamp(args: argparse.Namespace, out: Console) -> int:
    from factory.profiles.layering import find_profile
    from factory.profiles.release import stamp
    from factory.profiles.user_config import load_settings

    settings = load_settings()
    file = find_profile(args.profile, relative_to=None, search_paths=settings.profile_paths)
    result = stamp(file, month=args.month, rebuild=args.rebuild)
    if args.json:
        out.json(
            {
                "ok": True,
                "profile": str(file),
                "release": result.name,
                "previous": result.previous or None,
                "month": result.month,
                "rebuild": result.rebuild,
            }
        )
    else:
        was = f"{result.previous} -> " if result.previous else ""
        out.emit(f"{file}: release {was}{result.name}")
    return 0
