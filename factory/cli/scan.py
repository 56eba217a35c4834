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
        "variables named like secrets, in every encoding (URL-encoded, JSON-escaped,\n"
        "UTF-16, base64), and for anything token-shaped, a /t/<token>/ in a URL included.\n"
        "Each finding is file[!member]:offset: kind, never the value.\n"
        "\n"
        "A member that could not be read whole (damaged, encrypted, an unsupported\n"
        "compression, nested too deep, over the size limits) is listed as\n"
        "'where: unreadable: reason'; a token could hide there.\n"
        "\n"
        "Exit 0: nothing found and everything read. Exit 1: a finding, or something\n"
        "unreadable (unless --allow-unreadable). Exit 2: bad usage.",
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
    p.add_argument(
        "--allow-unreadable",
        action="store_true",
        help="exit 0 when nothing is found, even if some members could not be read "
        "(they are still listed)",
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
    ok = not result.findings and (args.allow_unreadable or not result.unreadable)
    if args.json:
        out.json({**result.as_dict(), "ok": ok})
        return 0 if ok else 1
    for finding in result.findings:
        out.emit(finding)
    unreadable = {str(u) for u in result.unreadable}
    for item in result.unreadable:
        out.emit(f"{item.where}: unreadable: {item.reason}")
    for skipped in result.skipped:
        if skipped not in unreadable:
            out.emit(f"skipped: {skipped}", err=True)
    summary = (
        f"scanned {result.files_scanned} file(s), {result.bytes_scanned / 1e6:.1f} MB: "
        f"{len(result.findings)} finding(s)"
    )
    if result.unreadable:
        allowed = " (allowed)" if args.allow_unreadable else ""
        summary += f", {len(result.unreadable)} unreadable{allowed}"
    out.emit(summary, err=True)
    return 0 if ok else 1
