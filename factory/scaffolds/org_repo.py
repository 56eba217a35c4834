"""`installer-factory init DIR`: an organization's profiles repository, from the cookiecutter
template in org-repo/ beside this.

The template writes the profiles (an abstract organization base and one installer that
extends it), build-matrix.yml pinning this installer-factory's version, the
.pre-commit-config.yaml that runs our hooks, a README for the repository's admins and a
.gitignore. The profile schema and the CI pipeline are added by the same code as
`schema` and `matrix ci`, so they are byte for byte what those commands write. The whole
repository is made and checked (every answer, then the profiles and the matrix as
`matrix plan` loads them) in a scratch folder before anything is written into DIR.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factory.ci.engines import TARGET_FILES, Engine
from factory.ci.matrix_fields import MIN_CONSTRUCTOR
from factory.errors import InputError, Location, OutputError, Problem, ProfileInvalid, display_path
from factory.output.file_set import existing, write_file_set
from factory.profiles import scaffold
from factory.profiles.scaffold import (
    _check_file_stem,
    _check_month,
    _check_name,
    _check_python,
    _check_series,
    _check_text,
    _check_url,
)
from factory.version import __version__

# Where our pre-commit hooks (.pre-commit-hooks.yaml) are published; pyproject.toml's
# project URL says the same.
HOOKS_REPOSITORY = "https://github.com/installer-factory/installer-factory"
SCHEMA_FILE = "profiles/profile.schema.json"


def template_dir() -> Path:
    return Path(__file__).parent / "org-repo"


def template_keys() -> dict[str, str]:
    return scaffold.template_keys(template_dir())


def parse_sets(pairs: list[str]) -> dict[str, str]:
    return scaffold.parse_sets(pairs, template_dir(), "init")


def _check_constructor(value: str) -> str | None:
    if not re.fullmatch(r"\d+\.\d+(\.\d+)?", value):
        return "must be a constructor version such as 3.16.3"
    if tuple(int(p) for p in value.split(".")[:2]) < MIN_CONSTRUCTOR:
        return "must be 3.16 or later (installer-factory relies on constructor 3.16)"
    return None


_CHECKS: dict[str, Callable[[str], str | None]] = {
    "organization": _check_file_stem,
    "company": _check_text,
    "profile": _check_file_stem,
    "installer_name": _check_name,
    "release_series": _check_series,
    "release_month": _check_month,
    "build_channel": _check_url,
    "mirror_channel": _check_url,
    "python": _check_python,
    "constructor": _check_constructor,
}
_OPTIONAL = frozenset({"company", "mirror_channel"})


def check_answers(answers: dict[str, str], *, asked: bool) -> None:
    """Every problem with the answers at once, as one InputError; nothing is written."""
    # the profile, installer name and series default from the organization's name
    checked = _CHECKS if answers.get("organization") else {"organization": _check_file_stem}
    problems = scaffold.answer_problems(answers, checked, _OPTIONAL, asked=asked)
    base = f"{answers.get('organization')}-base"
    if answers.get("profile") == base:
        problems.append(f"profile: {base} is the organization base's file name; pick another")
    if answers.get("mirror_channel") and answers.get("mirror_channel") == answers.get(
        "build_channel"
    ):
        problems.append("mirror_channel: is the build channel itself; leave it empty instead")
    if problems:
        raise InputError("init: " + "; ".join(problems) + "; nothing written")


def answers_for(values: dict[str, str], *, no_input: bool) -> dict[str, str]:
    """The template's values, checked."""
    answers = scaffold.prompt_answers(template_dir(), values, no_input=no_input, command="init")
    check_answers(answers, asked=not no_input)
    return answers


@dataclass(frozen=True)
class Repository:
    """What `init` wrote (or would write): relative POSIX paths, sorted."""

    root: Path
    engine: Engine
    files: list[str]
    replaced: list[str]
    profile: str  # the installer profile, relative to root

    def as_dict(self) -> dict[str, Any]:
        return {
            "directory": str(self.root),
            "ci": self.engine,
            "files": self.files,
            "replaced": self.replaced,
            "profile": self.profile,
            "factory_version": __version__,
        }


def init_repository(
    root: Path, engine: Engine, values: dict[str, str], *, no_input: bool, force: bool
) -> Repository:
    """Ask for (or take) the values, make and check the repository in a scratch folder,
    then write every file into `root` at once. An existing file is refused (all of them
    named, nothing written) unless `force`."""
    from cookiecutter.exceptions import CookiecutterException

    if root.exists() and not root.is_dir():
        raise OutputError(f"init: {display_path(root)}: exists and is not a folder")
    try:
        answers = answers_for(values, no_input=no_input)
    except CookiecutterException as exc:
        raise InputError(f"init: {exc}") from None
    files = _make(root, engine, answers)
    names = sorted(files)
    present = existing(root, names)
    folders = [n for n in present if (root / n).is_dir()]
    if folders:
        raise OutputError(f"init: {', '.join(folders)}: a folder is in the way; nothing written")
    if present and not force:
        raise OutputError(
            f"init: {len(present)} file(s) exist in {display_path(root)}: "
            f"{', '.join(present)}; nothing written (--force replaces them)"
        )
    write_file_set(root, files)
    profile = f"profiles/{answers['profile']}.yaml"
    return Repository(root, engine, names, present, profile)


def _make(root: Path, engine: Engine, answers: dict[str, str]) -> dict[str, bytes]:
    """Every file of the repository, made and checked in a scratch folder."""
    from factory.profiles.schema import schema_text

    with tempfile.TemporaryDirectory(prefix="installer-factory-init-") as scratch:
        made = _render_template(Path(scratch), engine, answers)
        # bytes as `schema -o` and `matrix ci --output` write them
        (made / SCHEMA_FILE).write_bytes(schema_text().encode())
        pipeline = _pipeline(made, root, engine)
        (made / TARGET_FILES[engine]).parent.mkdir(parents=True, exist_ok=True)
        (made / TARGET_FILES[engine]).write_bytes(pipeline.encode())
        return {
            path.relative_to(made).as_posix(): path.read_bytes()
            for path in sorted(made.rglob("*"))
            if path.is_file()
        }


def _render_template(scratch: Path, engine: Engine, answers: dict[str, str]) -> Path:
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.main import cookiecutter

    config = {  # keep cookiecutter's replay files out of the user's home
        "replay_dir": str(scratch / "replay"),
        "cookiecutters_dir": str(scratch / "cookiecutters"),
        "default_context": {},
        "abbreviations": {},
    }
    context = {
        **answers,
        "_ci": engine,
        "_pipeline_file": TARGET_FILES[engine],
        "_factory_version": __version__,
        "_hooks_repository": HOOKS_REPOSITORY,
    }
    try:
        made = cookiecutter(
            str(template_dir()),
            no_input=True,  # asked before
            extra_context=context,
            output_dir=str(scratch / "out"),
            default_config=config,
        )
    except CookiecutterException as exc:
        raise InputError(f"init: {exc}") from None
    return Path(made)


def _pipeline(made: Path, root: Path, engine: Engine) -> str:
    """The pipeline `matrix ci` writes for this repository, once the matrix and its
    profiles load and plan as `matrix plan` does; problems are reported at the files
    they will have in `root`."""
    from factory.ci.jobs import plan_jobs
    from factory.ci.matrix import load_matrix
    from factory.ci.pipelines import render_pipeline

    try:
        matrix = load_matrix(made / "build-matrix.yml")
        plan_jobs(matrix)
    except ProfileInvalid as exc:
        raise ProfileInvalid([_moved(p, made, root) for p in exc.problems]) from None
    return render_pipeline(matrix, engine)


def _moved(problem: Problem, made: Path, root: Path) -> Problem:
    """A problem found in the scratch copy, located in the file it will be in `root`."""
    file = problem.location.file
    scratch = str(made)
    if file.startswith(scratch):
        file = display_path(root / os.path.relpath(file, scratch))
    where = Location(file, problem.location.line, problem.location.column)
    return Problem(where, problem.path, problem.message, problem.severity)
