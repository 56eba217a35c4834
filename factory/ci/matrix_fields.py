"""Value types of build-matrix.yml, shared by its sections (matrix.py, factory_pin.py,
ci_secrets.py): every one of them lands in shell steps and YAML of three CI engines, so
each is kept to a plain alphabet."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

from factory.leaks.shapes import looks_like_token

SECRET_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# the oldest constructor with what the factory relies on (see README: 3.16 or later)
MIN_CONSTRUCTOR = (3, 16)
REPO_PATH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*$")
_RUNNER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")

TOKEN_MESSAGE = (
    "looks like a secret value; build-matrix.yml is committed: name the CI secret that "
    "holds it instead (e.g. WINDOWS_SIGNING_PFX_PASSWORD)"
)


def _version(value: str) -> str:
    if not re.fullmatch(r"\d+\.\d+(\.\d+)?", value):
        raise ValueError("must be a constructor version such as 3.16.3")
    if tuple(int(p) for p in value.split(".")[:2]) < MIN_CONSTRUCTOR:
        raise ValueError("must be 3.16 or later (the factory relies on constructor 3.16)")
    return value


def repo_path(value: str) -> str:
    if value.startswith("/") or ".." in value.split("/"):
        raise ValueError("must be a path inside the repository, relative to build-matrix.yml")
    if not REPO_PATH.fullmatch(value):
        raise ValueError(
            "must be a relative path of letters, digits, `.`, `_`, `-` and `/` "
            "(it is used in CI shell steps)"
        )
    return value


def _secret_name(value: str) -> str:
    if looks_like_token(value):
        # reported once, by the whole-file token check; never repeated here
        raise ValueError(TOKEN_MESSAGE)
    if not SECRET_NAME.fullmatch(value):
        raise ValueError(
            "must be the NAME of a CI secret (uppercase letters, digits and _, e.g. "
            "WINDOWS_SIGNING_PFX_BASE64), never its value"
        )
    return value


def _runner(value: str) -> str:
    if not _RUNNER.fullmatch(value):
        raise ValueError("must be a runner label: letters, digits, `.`, `_` and `-`")
    return value


ConstructorVersion = Annotated[str, AfterValidator(_version)]
SecretName = Annotated[str, AfterValidator(_secret_name)]
RepoPath = Annotated[str, AfterValidator(repo_path)]
Runner = Annotated[str, AfterValidator(_runner)]
