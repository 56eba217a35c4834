"""`show` (the effective profile) and `diff` (two releases): arguments and printing; the
work is in factory.profiles.effective and factory.releases."""

from __future__ import annotations

import argparse
from pathlib import Path

from factory.cli.common import AddCommand, load_all, profile_argument
from factory.cli.output import Console
from factory.errors import FactoryError, display_path


def add_show(add: AddCommand) -> None:
    p = add(
        "show",
        "print the effective profile, after its extends: chain",
        "Print what a profile merges to once every profile it extends is applied, as\n"
        "YAML: only what the files set (defaults are not shown; see `schema`), keys in\n"
        "the order `schema` lists them. The profile is checked first, as `validate`\n"
        "does. Relative paths stay as written: relative to the file that sets them.\n"
        "With --origin each value ends in a comment `# <file>:<line>` naming the line\n"
        "that sets it (the output stays valid YAML).\n\n"
        "exit status: 0 shown, 1 invalid profile",
    )
    profile_argument(p)
    p.add_argument(
        "--origin", action="store_true", help="end each value with the file:line it came from"
    )
    p.set_defaults(func=cmd_show)


def add_diff(add: AddCommand) -> None:
    p = add(
        "diff",
        "what changed between two releases (locks or build folders)",
        "Compare two releases, each a lock file (<profile>.lock.yaml) or a build output\n"
        "folder (what `build` or `matrix run` wrote, or one <name>/<platform>/ folder of\n"
        "it); both of one kind. Per platform (and extra environment): packages added,\n"
        "removed, upgraded, downgraded or rebuilt (same version, other build, channel or\n"
        "sha256). Then channel and remap changes, CA certificates added, removed or\n"
        "expiring, tokens and authentication methods added or removed (names and URLs,\n"
        "never values), installer sizes. A lock holds packages and channels only: the\n"
        "rest is n/a there. Text by default, --markdown for a merge request or change\n"
        "ticket, --json for tools.\n\n"
        "exit status: 0 compared (with --exit-code: 0 no difference, 10 differences),\n"
        "1 unreadable release, 2 a lock file against a build folder",
    )
    p.add_argument("old", type=Path, metavar="OLD", help="the earlier release")
    p.add_argument("new", type=Path, metavar="NEW", help="the later release")
    p.add_argument(
        "--markdown", action="store_true", help="Markdown tables (for a merge request or ticket)"
    )
    p.add_argument(
        "--expiry-days",
        type=_days,
        default=None,
        metavar="N",
        help="list CA certificates of NEW expiring within N days (default 90)",
    )
    p.add_argument(
        "--exit-code",
        action="store_true",
        help="exit 10 when the releases differ (as `git diff --exit-code` does with 1)",
    )
    p.set_defaults(func=cmd_diff)


def _days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        days = -1
    if days < 0:
        raise argparse.ArgumentTypeError(f"{value!r}: a number of days, 0 or more")
    return days


DIFFERENT = 10  # --exit-code: not 1, which is invalid input for every command


def cmd_show(args: argparse.Namespace, out: Console) -> int:
    from factory.profiles.effective import effective_data, effective_yaml, origins

    _, loaded = load_all([args.profile], out)
    item = loaded[0]
    for warning in item.warnings:
        out.info(warning)
    if args.json:
        document = {
            "ok": True,
            "file": display_path(item.file),
            "chain": [display_path(p) for p in item.layered.chain],
            "profile": effective_data(item.layered),
        }
        if args.origin:
            document["origins"] = {
                path: {"file": where.file, "line": where.line, "column": where.column}
                for path, where in origins(item.layered).items()
            }
        out.json(document)
        return 0
    out.emit(effective_yaml(item.layered, with_origins=args.origin).rstrip("\n"))
    return 0


def cmd_diff(args: argparse.Namespace, out: Console) -> int:
    from factory.releases.diff import EXPIRY_DAYS, compare
    from factory.releases.report import diff_markdown, diff_text

    if args.markdown and args.json:
        raise _usage("--markdown and --json exclude each other")
    days = EXPIRY_DAYS if args.expiry_days is None else args.expiry_days
    result = compare(args.old, args.new, expiry_days=days)
    if args.json:
        out.json({"ok": True, **result.as_dict()})
    elif args.markdown:
        out.emit(diff_markdown(result).rstrip("\n"))
    else:
        out.emit(diff_text(result).rstrip("\n"))
    return DIFFERENT if args.exit_code and result.changed else 0


class _Usage(FactoryError):
    """Options that exclude each other: exit 2, a JSON document with --json."""

    exit_code = 2


def _usage(message: str) -> Exception:
    return _Usage(message)
