"""`installer-factory new`: a profile from the cookiecutter template in new-profile/ beside this.

The template has no organization's values built in: the profile's name is asked for (or
given with --set) and the rest default from it, or stay out of the profile. Every answer
is checked before anything is written, with the profile's own rules for that key.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from factory.errors import InputError, OutputError, display_path
from factory.profiles.fields import MONTH_PATTERN, NAME_PATTERN, URL_PATTERN, _any_text


def template_dir() -> Path:
    return Path(__file__).parent / "new-profile"


def template_keys(folder: Path | None = None) -> dict[str, str]:
    """The questions of a cookiecutter template (default: new-profile/) and their defaults."""
    file = (folder or template_dir()) / "cookiecutter.json"
    data = json.loads(file.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def parse_sets(pairs: list[str], folder: Path | None = None, command: str = "") -> dict[str, str]:
    """`--set KEY=VALUE` answers for a template's questions; `command` prefixes messages."""
    allowed = template_keys(folder)
    lead = f"{command}: " if command else ""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise InputError(f"{lead}--set {pair!r}: expected KEY=VALUE")
        if key not in allowed:
            raise InputError(f"{lead}--set {key}: unknown; known keys: {', '.join(allowed)}")
        out[key] = value
    return out


def _check_name(value: str) -> str | None:
    if not re.fullmatch(NAME_PATTERN, value) or len(value) > 128:
        return (
            "must be letters, digits, `.`, `_` or `-`, starting and ending with a letter, "
            "digit or `_` (constructor's rule for installer names)"
        )
    return None


def _check_file_stem(value: str) -> str | None:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", value):
        return "must be a file name without .yaml: letters, digits, `.`, `_` or `-`"
    return None


def _check_text(value: str) -> str | None:
    try:
        _any_text(value)
    except ValueError as exc:
        return str(exc)
    return None


def _check_series(value: str) -> str | None:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_]*", value):
        return "must be lowercase letters, digits and _, e.g. data_science"
    return None


def _check_month(value: str) -> str | None:
    return None if re.fullmatch(MONTH_PATTERN, value) else "must be a month as YYYY-MM"


def _check_url(value: str) -> str | None:
    if not value.startswith("https://") or not URL_PATTERN.fullmatch(value):
        return "must be an https:// URL with no spaces"
    return None


def _check_python(value: str) -> str | None:
    return None if re.fullmatch(r"3\.\d+", value) else "must be a Python version such as 3.12"


_CHECKS: dict[str, Callable[[str], str | None]] = {
    "profile": _check_file_stem,
    "installer_name": _check_name,
    "company": _check_text,
    "extends": _check_text,
    "release_series": _check_series,
    "release_month": _check_month,
    "build_channel": _check_url,
    "mirror_channel": _check_url,
    "python": _check_python,
}
_OPTIONAL = frozenset({"company", "extends", "mirror_channel"})
_UNUSED_WITH_EXTENDS = frozenset({"build_channel", "mirror_channel", "python"})


def answer_problems(
    answers: dict[str, str],
    checks: Mapping[str, Callable[[str], str | None]],
    optional: Collection[str],
    *,
    asked: bool,
    skip: Collection[str] = (),
) -> list[str]:
    """`key: problem` for each answer its check refuses, and for each required one that
    is empty (`asked`: the user was prompted, else the value comes from --set)."""
    problems = []
    for key, check in checks.items():
        if key in skip:
            continue
        value = answers.get(key, "")
        if not value:
            if key not in optional:
                how = "answer it" if asked else f"give --set {key}=..."
                problems.append(f"{key}: has no value; {how}")
            continue
        if (problem := check(value)) is not None:
            problems.append(f"{key}: {problem}")
    return problems


def check_answers(answers: dict[str, str], *, asked: bool) -> None:
    """Every problem with the answers at once, as one InputError; nothing is written."""
    # the name and series default from the profile's name: without it, that is the news
    checked = _CHECKS if answers.get("profile") else {"profile": _check_file_stem}
    skip = _UNUSED_WITH_EXTENDS if answers.get("extends") else ()
    problems = answer_problems(answers, checked, _OPTIONAL, asked=asked, skip=skip)
    if problems:
        raise InputError("new: " + "; ".join(problems) + "; nothing written")


def prompt_answers(
    folder: Path, values: dict[str, str], *, no_input: bool, command: str
) -> dict[str, str]:
    """A cookiecutter template's values: --set ones, then (asked, or by default) the rest;
    an empty release month is this month. Input that ends before the last question is an
    InputError, not a crash."""
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config

    context: dict[str, Any] = generate_context(
        str(folder / "cookiecutter.json"), default_context={}, extra_context=values
    )
    if "release_month" in context["cookiecutter"] and not context["cookiecutter"].get(
        "release_month"
    ):
        context["cookiecutter"]["release_month"] = f"{dt.date.today():%Y-%m}"
    try:
        rendered = prompt_for_config(context, no_input=no_input)
    except EOFError:  # stdin closed or empty: nobody to ask
        raise InputError(
            f"{command}: input ended before every question was answered; give the values "
            "with --no-input --set KEY=VALUE; nothing written"
        ) from None
    return {k: str(v).strip() for k, v in rendered.items() if not k.startswith("_")}


def answers_for(values: dict[str, str], *, no_input: bool) -> dict[str, str]:
    """The template's values, checked."""
    answers = prompt_answers(template_dir(), values, no_input=no_input, command="new")
    check_answers(answers, asked=not no_input)
    return answers


def scaffold(output_dir: Path, values: dict[str, str], *, no_input: bool) -> Path:
    """Ask for (or take) the values and check them, render the template into a scratch
    folder, then move the profile into place."""
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.main import cookiecutter

    try:
        answers = answers_for(values, no_input=no_input)
    except CookiecutterException as exc:
        raise InputError(f"new: {exc}") from None

    with tempfile.TemporaryDirectory(prefix="installer-factory-new-") as scratch:
        scratch_dir = Path(scratch)
        config = {  # keep cookiecutter's replay files out of the user's home
            "replay_dir": str(scratch_dir / "replay"),
            "cookiecutters_dir": str(scratch_dir / "cookiecutters"),
            "default_context": {},
            "abbreviations": {},
        }
        try:
            made = Path(
                cookiecutter(
                    str(template_dir()),
                    no_input=True,  # asked above
                    extra_context=answers,
                    output_dir=str(scratch_dir / "out"),
                    default_config=config,
                )
            )
        except CookiecutterException as exc:
            raise InputError(f"new: {exc}") from None
        produced = sorted(made.glob("*.yaml"))
        if len(produced) != 1:
            raise OutputError("new: the template produced no profile")
        target = output_dir / produced[0].name
        if target.exists():
            raise OutputError(f"{display_path(target)}: already exists; not overwritten")
        output_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(produced[0], target)
    schema = output_dir / "profile.schema.json"
    if not schema.exists():  # the new profile's `$schema=` line points at it
        from factory.profiles.schema import schema_text

        schema.write_text(schema_text(), encoding="utf-8")
    return target
