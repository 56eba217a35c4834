"""`page`, and the `--previous` option `build` and `matrix run` share: the release page
(OUTPUT/index.html) of an output folder; the work is in factory.pages."""

from __future__ import annotations

import argparse
from pathlib import Path

from factory.cli.common import AddCommand
from factory.cli.output import Console
from factory.errors import display_path

PREVIOUS_HELP = (
    "the previous release's output folder: the release page (index.html) shows what changed"
)


def previous_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--previous", type=Path, metavar="DIR", help=PREVIOUS_HELP)


def add_page(add: AddCommand) -> None:
    p = add(
        "page",
        "write the release page (index.html) of an output folder",
        "Write DIR/index.html, one self-contained page (no script, nothing loaded from\n"
        "elsewhere) for a reviewer: each installer with its size, sha256 and signing\n"
        "state, the packages of every environment per platform, the channels and their\n"
        "remap, the CA certificates shipped with their expiry, the deploy commands per\n"
        "system and, with --previous, what changed since that release. DIR is an output\n"
        "folder of `build` or `matrix run` (they write the page themselves, and `rehash`\n"
        "and `deploy-kit` refresh it); release-page.json beside it holds the same data.\n\n"
        "exit status: 0 written, 1 DIR or --previous is not an output folder, 3 not written",
    )
    p.add_argument("directory", type=Path, metavar="DIR", help="an output folder")
    previous_option(p)
    p.set_defaults(func=cmd_page)


def check_previous_option(args: argparse.Namespace) -> None:
    """Before any build: a wrong --previous stops the command with nothing built."""
    if getattr(args, "previous", None) is not None:
        from factory.pages.previous import check_previous

        check_previous(args.previous)


def write_page(
    root: Path, args: argparse.Namespace, out: Console, *, refresh: bool = False
) -> Path | None:
    """The page of an output folder a command has just written to; None when no build
    report is there (every job skipped). refresh: `rehash` and `deploy-kit`, whose own
    work is done: a folder the page cannot be made of (a report of another version) is a
    warning, not a failure, and a written page is said only with --verbose."""
    from factory.errors import FactoryError
    from factory.output.layout import report_files
    from factory.pages.render import write_release_page

    if not report_files(root):
        return None
    try:
        page = write_release_page(root, getattr(args, "previous", None))
    except FactoryError as exc:
        if not refresh:
            raise
        out.emit(f"installer-factory: warning: release page not written: {exc}", err=True)
        return None
    (out.detail if refresh else out.info)(f"release page: {display_path(page)}")
    return page


def cmd_page(args: argparse.Namespace, out: Console) -> int:
    from factory.pages.render import write_release_page

    check_previous_option(args)
    page = write_release_page(args.directory, args.previous)
    if args.json:
        out.json({"ok": True, "page": str(page)})
    else:
        out.emit(display_path(page))
    return 0
