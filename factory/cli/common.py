"""What several commands share: their options, loading profiles, and the one policy that
decides which (profile, platform) pairs a command may work on."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from factory.errors import InputError, Problem, ProfileInvalid
from factory.platforms import Platform

if TYPE_CHECKING:
    from factory.cli.output import Console
    from factory.profiles.load import LoadedProfile
    from factory.profiles.user_config import Settings

PLATFORMS = tuple(p.value for p in Platform)

# add(name, help, description, json_flag=True) -> the command's parser (see main.py)
AddCommand = Callable[..., argparse.ArgumentParser]


def verbosity_options(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """--quiet and --verbose, accepted before the command and after it: a command's parser
    leaves them unset (SUPPRESS) unless given there, so it never undoes the top level."""
    default: Any = False if top else argparse.SUPPRESS
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        default=default,
        help="no progress or informational lines; errors and results still print",
    )
    parser.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        default=default,
        help="detail lines too (constructor's output during builds)",
    )


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


def template_answer_options(parser: argparse.ArgumentParser, example: str) -> None:
    """--no-input and --set KEY=VALUE, for the commands that fill a cookiecutter template."""
    parser.add_argument("--no-input", action="store_true", help="do not prompt; use defaults")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help=f"template value, e.g. {example} (repeatable)",
    )


def profile_argument(parser: argparse.ArgumentParser, *, many: bool = False) -> None:
    if many:
        parser.add_argument("profiles", nargs="+", metavar="PROFILE", help="profile file or name")
    else:
        parser.add_argument("profile", metavar="PROFILE", help="profile file or name")


class Unreadable(InputError):
    """Some profiles could not be read at all (others may have problems): every one is
    reported, as lines and, with --json, as problems in one document."""

    def __init__(self, problems: list[Problem], errors: list[InputError]) -> None:
        self.problems, self.errors = sorted(problems), errors
        self.exit_code = max(e.exit_code for e in errors)
        super().__init__(str(errors[-1]))


def load_all(refs: list[str], out: Console) -> tuple[Settings, list[LoadedProfile]]:
    """Load every profile; collect all problems from all of them before failing. The token
    values of every profile loaded are known to the console from then on."""
    from factory.profiles.layering import find_profile
    from factory.profiles.load import load_profile
    from factory.profiles.tokens import token_values
    from factory.profiles.user_config import load_settings

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
        raise Unreadable(problems, unreadable)
    if problems:
        raise ProfileInvalid(problems)
    for item in loaded:  # from here on, no output can show these values
        out.redactor.add(token_values(item).values())
    return settings, loaded


@dataclass(frozen=True)
class Target:
    loaded: LoadedProfile
    platform: Platform


def select_targets(
    loaded: list[LoadedProfile], platforms: list[str] | None, verb: str
) -> list[Target]:
    """The command policy, decided here once for every command that works per platform:
    an abstract base is never rendered, built or locked, and a platform asked for must be
    one the profile targets (default: all of them). Every refusal is a located problem."""
    from factory.profiles.diagnostics import format_path

    problems: list[Problem] = _same_names(loaded)
    targets: list[Target] = []
    for item in loaded:
        layered, profile = item.layered, item.profile
        if layered.abstract:
            problems.append(
                Problem(
                    layered.location(("abstract",)),
                    "abstract",
                    f"this profile is a base meant to be extended; {verb} a profile that "
                    "extends it",
                )
            )
            continue
        wanted = [Platform(p) for p in platforms] if platforms else profile.platforms
        for platform in wanted:
            if platform not in profile.platforms:
                problems.append(
                    Problem(
                        layered.location(("platforms",)),
                        format_path(("platforms",)),
                        f"{platform.value} was asked for, but this profile "
                        f"targets {', '.join(p.value for p in profile.platforms)}",
                    )
                )
                continue
            targets.append(Target(item, platform))
    if problems:
        raise ProfileInvalid(problems)
    return targets


def _same_names(loaded: list[LoadedProfile]) -> list[Problem]:
    """Outputs go to OUTPUT/<installer name>/<platform>/: two profiles with one name (case
    aside, for macOS and Windows file systems) would overwrite each other's. Abstract bases
    are refused on their own and never written, so they take no name here."""
    from factory.errors import display_path

    first: dict[str, LoadedProfile] = {}
    problems: list[Problem] = []
    for item in loaded:
        if item.layered.abstract:
            continue
        name = str(item.profile.name)
        other = first.setdefault(name.casefold(), item)
        if other is item:
            continue
        where = other.layered.location(("name",))
        same = other.file.resolve() == item.file.resolve()
        problems.append(
            Problem(
                item.layered.location(("name",)),
                "name",
                f"{display_path(item.file)} is given twice"
                if same
                else f"installer name {name} is also the name of {display_path(other.file)} "
                f"({where}); their outputs would overwrite each other: give each its own name",
            )
        )
    return problems


def by_profile(targets: list[Target]) -> dict[int, tuple[Any, list[Platform]]]:
    """Targets grouped per loaded profile, in order: {id: (loaded, [platforms])}."""
    groups: dict[int, tuple[Any, list[Platform]]] = {}
    for target in targets:
        groups.setdefault(id(target.loaded), (target.loaded, []))[1].append(target.platform)
    return groups
