"""`scan`: look for tokens in what was rendered or built."""

from __future__ import annotations

import argparse
from pathlib import Path

from factory.cli.common import AddCommand, load_all
from factory.cli.output import Console


def add_scan(add: AddCommand) -> None:
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


def cmd_scan(args: argparse.Namespace, out: Console) -> int:
    from factory.leaks.redact import secret_environment
    from factory.leaks.scan import scan_paths
    from factory.profiles.tokens import token_values

    names = {value: f"${name}" for name, value in secret_environment().items()}
    if args.profile:
        _, loaded = load_all(args.profile, out)
        for item in loaded:  # a profile's name for a value wins over the variable's
            names |= {v: f"{item.profile.name}.{n}" for n, v in token_values(item).items()}
    known = {name: value.encode() for value, name in names.items()}
    result = scan_paths([Path(p) for p in args.paths], known, shapes=not args.values_only)
    if args.json:
        out.json({"ok": result.ok, **result.as_dict()})
    else:
        for finding in result.findings:
            out.emit(finding)
        for skipped in result.skipped:
            out.emit(f"skipped: {skipped}", err=True)
        out.emit(
            f"scanned {result.files_scanned} file(s), {result.bytes_scanned / 1e6:.1f} MB: "
            f"{len(result.findings)} finding(s)",
            err=True,
        )
    return 0 if result.ok else 1

