"""The `installer-factory` command: parse arguments, call the library, print, pick the exit code.

Each command group lives in a module of its own (profiles, scan, build, lock, matrix) and
adds its parsers here; handlers take the parsed arguments and the Console that prints,
redacted. Heavy modules are imported inside the handlers so `--help` and `validate`
start fast.

Exit codes: 0 success, 1 invalid input (profile, config, YAML, missing token), 2 usage
(bad arguments, or $INSTALLER_FACTORY_CONFIG naming a missing file), 3 output could not be
written, 4 internal error, 5 a build failed, 6 constructor missing, 130 interrupted.
With --json, every exit prints one JSON document on stdout, usage errors included.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from factory.errors import FactoryError, ProfileInvalid
from factory.version import __version__

if TYPE_CHECKING:
    from factory.cli.output import Console
    from factory.leaks.redact import Redactor

DESCRIPTION = """\
Turn organization profiles (YAML) into constructor projects for every platform.

A profile declares the installer's name and release, packages, build channels and their
remap to the internal mirror, the .condarc to ship, CA certificates, repository
authentication and tokens. `validate` checks without writing; `render` writes one
constructor project per platform; `build` runs constructor on the platforms this host
builds natively. build-matrix.yml lists what to build where: `matrix plan` shows the
jobs, `matrix run` builds them here, `matrix ci` writes a GitHub Actions, GitLab CI or
Azure Pipelines pipeline that builds every OS on its own runners.
`init` scaffolds an organization's own repository of profiles, matrix and pipeline.
"""

EPILOG = """\
examples:
  installer-factory validate profiles/acme-datasci-prod.yaml
  installer-factory render profiles/acme-datasci-prod.yaml --output build
  installer-factory render acme-datasci-prod --platform win-64   (name found on profile_paths)
  installer-factory stamp profiles/acme-datasci-prod.yaml --month 2026-12
  installer-factory show profiles/acme-datasci-prod.yaml --origin
  installer-factory diff dist-202611/ dist-202612/ --markdown
  installer-factory build profiles/acme-datasci-prod.yaml --platform linux-64
  installer-factory matrix plan
  installer-factory matrix ci github --output .github/workflows/installers.yml
  installer-factory scan build/ --profile profiles/acme-datasci-prod.yaml
  installer-factory new --no-input --set profile=eng-ml --set installer_name=Eng-ML
  installer-factory init acme-installers --ci gitlab --no-input --set organization=acme

global options (before or after the command): --quiet (-q) hides progress and
  informational lines, never errors or results; --verbose (-v) adds detail lines
  (constructor's own output during a build)

exit status: 0 ok, 1 invalid input, 2 usage error, 3 output not written, 4 internal error,
  5 a build failed, 6 constructor missing, 10 diff --exit-code found differences,
  130 interrupted (2 also for a bad option value such as --month 2026-13, and for
  $INSTALLER_FACTORY_CONFIG naming a file that does not exist)
  with --json, stdout holds one JSON document on every path: {"ok": false, "error": ...,
  "problems": [{file, line, column, path, message, severity}]} when something failed
"""


class _Parser(argparse.ArgumentParser):
    """argparse prints usage errors itself; they quote arguments, so redact them too. With
    --json among the arguments, a usage error is also a JSON document on stdout."""

    redactor: Redactor | None = None
    json_requested = False

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            text = self.redactor.text(message) if self.redactor is not None else message
            (file or sys.stderr).write(text)

    def error(self, message: str) -> NoReturn:
        if self.json_requested:
            from factory.formats.jsontext import json_text

            document = {"ok": False, "error": message, "problems": []}
            self._print_message(json_text(document), sys.stdout)
        super().error(message)  # usage and the message on stderr, exit 2


def _parser(redactor: Redactor) -> argparse.ArgumentParser:
    from factory.cli import build, init_repo, lock, matrix, page, profiles, review, scan
    from factory.cli.common import verbosity_options

    _Parser.redactor = redactor  # subparsers are made by argparse, of the same class
    parser = _Parser(
        prog="installer-factory",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    verbosity_options(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help_: str, description: str, *, json_flag: bool = True):
        command = sub.add_parser(
            name,
            help=help_,
            description=description,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        verbosity_options(command)
        if json_flag:
            command.add_argument(
                "--json", action="store_true", help="print one JSON document on stdout"
            )
        return command

    for register in (
        profiles.add_validate,
        profiles.add_render,
        scan.add_scan,
        profiles.add_schema,
        profiles.add_new,
        init_repo.add_init,
        profiles.add_config,
        build.add_build,
        build.add_deploy_kit,
        profiles.add_stamp,
        review.add_show,
        lock.add_lock,
        lock.add_doctor,
        lock.add_sbom,
        matrix.add_matrix,
        matrix.add_rehash,
        page.add_page,
        review.add_diff,
    ):
        register(add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from factory.cli.output import Console
    from factory.leaks.redact import Redactor

    # before anything can fail: values of secret-named variables never reach the screen
    out = Console(Redactor.from_environment())
    parser = _parser(out.redactor)
    arguments = list(sys.argv[1:] if argv is None else argv)
    before_end = arguments[: arguments.index("--")] if "--" in arguments else arguments
    # argparse takes a unique prefix (`--js`) for the option, so this does too
    _Parser.json_requested = any(len(a) > 3 and "--json".startswith(a) for a in before_end)
    args = parser.parse_args(arguments)
    out.quiet, out.verbose = args.quiet, args.verbose
    if out.quiet and out.verbose:
        parser.error("--quiet and --verbose exclude each other")
    try:
        return run(args, out)
    except BrokenPipeError:  # while printing an error: the reader went away all the same
        return _reader_gone()
    finally:
        out.end_progress()


def run(args: argparse.Namespace, out: Console) -> int:
    """Call the command's handler; turn what it raises into messages and an exit code."""
    from factory.cli.common import Unreadable

    as_json = getattr(args, "json", False)
    try:
        return int(args.func(args, out))
    except ProfileInvalid as exc:
        out.problems(exc.problems, as_json)
        return exc.exit_code
    except Unreadable as exc:
        out.unreadable(exc.problems, [str(e) for e in exc.errors], as_json)
        return exc.exit_code
    except FactoryError as exc:
        out.error(str(exc), as_json)
        return exc.exit_code
    except KeyboardInterrupt:
        if as_json:
            out.json({"ok": False, "error": "interrupted", "problems": []})
        out.emit("installer-factory: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return _reader_gone()
    except Exception:  # a bug: report it, redacted, rather than a raw traceback
        import traceback

        if as_json:
            out.json({"ok": False, "error": "internal error (a bug)", "problems": []})
        out.emit(traceback.format_exc().rstrip(), err=True)
        out.emit(
            "installer-factory: internal error (a bug); please report it with the lines above",
            err=True,
        )
        return 4


def _reader_gone() -> int:
    """The reader went away (`| head`): stop quietly, and keep Python's exit-time flush
    from failing on the same pipe."""
    import os

    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 141
