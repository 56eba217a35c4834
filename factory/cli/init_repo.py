"""`init DIR`: arguments and printing; the work is in factory.scaffolds.org_repo."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from factory.cli.common import AddCommand, template_answer_options
from factory.cli.output import Console


def add_init(add: AddCommand) -> None:
    from factory.ci.engines import ENGINES, TARGET_FILES

    p = add(
        "init",
        "scaffold an organization's profiles repository",
        "Write into DIR (made when missing) what an organization's own repository of\n"
        "profiles needs: profiles/ with an abstract organization base and one installer\n"
        "that extends it (and profile.schema.json), build-matrix.yml pinning this\n"
        "installer-factory's version, the CI pipeline `matrix ci` makes for it,\n"
        ".pre-commit-config.yaml running installer-factory's hooks, a README for the\n"
        "repository's admins and a .gitignore. Asks for the organization's values (or\n"
        "takes them from --set with --no-input: at least organization=NAME) and checks\n"
        "every one, and the whole repository, before writing anything. An existing file\n"
        "is never replaced without --force.\n\n"
        "pipeline file per --ci:\n"
        + "\n".join(f"  {engine}: {path}" for engine, path in TARGET_FILES.items()),
    )
    p.add_argument("directory", type=Path, metavar="DIR", help="the repository's folder")
    p.add_argument(
        "--ci",
        choices=ENGINES,
        default="github",
        metavar="ENGINE",
        help=f"the CI engine whose pipeline to write: {' | '.join(ENGINES)} (default: github)",
    )
    p.add_argument("--force", action="store_true", help="replace files that already exist")
    template_answer_options(p, "organization=acme")
    p.set_defaults(func=cmd_init)


def cmd_init(args: argparse.Namespace, out: Console) -> int:
    from factory.scaffolds.org_repo import init_repository, parse_sets

    # the questions go to stderr when stdout is the JSON document's
    asking = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    with asking:
        made = init_repository(
            args.directory,
            args.ci,
            parse_sets(args.set),
            no_input=args.no_input,
            force=args.force,
        )
    if args.json:
        out.json({"ok": True, **made.as_dict()})
        return 0
    for name in made.files:
        out.emit(args.directory / name)
    if made.replaced:
        out.info(f"replaced: {', '.join(made.replaced)}")
    out.info(
        f"next: cd {args.directory} && git init && installer-factory validate profiles/*.yaml "
        f"&& installer-factory matrix plan"
    )
    return 0
