"""build-matrix.yml `factory:`: which installer-factory every generated CI job installs.

Exactly one of: a released `version` from the package index, a `wheel` committed in the
repository, a `vcs` URL pinned to a commit or release tag, or `checkout` (the
installer-factory source at that path of the repository, for a repository that holds
it, as this one does). The pipeline never depends on where installer-factory's own
source lives otherwise. Without `factory:`, the version generating the pipeline is
pinned: its steps are written for that version's command line.

CI jobs run `installer-factory build` and `rehash` only, which need no extras.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from factory.ci.matrix_fields import repo_path
from factory.ci.repository import repo_relative
from factory.formats.base import StrictModel
from factory.version import __version__

PACKAGE = "installer-factory"
Kind = Literal["version", "wheel", "vcs", "checkout"]
KINDS: tuple[Kind, ...] = ("version", "wheel", "vcs", "checkout")

# an exact PEP 440 release (no ranges, no local versions)
_VERSION = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")
# the wheel's file name as built for PyPI: installer_factory-<version>-<tags>.whl
_WHEEL = re.compile(r"^installer_factory-[0-9][A-Za-z0-9.+]*(-[A-Za-z0-9._]+){3}\.whl$")
_VCS = re.compile(
    r"^git\+https://(?P<host>[A-Za-z0-9.-]+(:[0-9]+)?)/(?P<path>[A-Za-z0-9._~/-]+)"
    r"@(?P<ref>[A-Za-z0-9._/+-]+)$"
)
_FULL_SHA = re.compile(r"^([0-9a-f]{40}|[0-9a-f]{64})$")
_HEX = re.compile(r"^[0-9a-f]{4,63}$")
# a release tag: a version, optionally with a v (v0.9.0, 0.9.0, v1.2.3rc1, 1.2.3-post1)
_TAG = re.compile(r"^v?\d+(\.\d+)+([.+-]?[A-Za-z0-9]+)*$")
# what the checkout's pyproject.toml must say to be installer-factory's source
_OUR_NAME = re.compile(r'^name\s*=\s*["\']installer-factory["\']\s*$', re.MULTILINE)


def _version(value: str) -> str:
    if not _VERSION.fullmatch(value):
        raise ValueError(
            "must be an exact installer-factory version such as 0.1.0 (no ranges: the "
            "pin keeps CI builds reproducible)"
        )
    return value


def _wheel(value: str) -> str:
    repo_path(value)
    if not _WHEEL.fullmatch(value.rsplit("/", 1)[-1]):
        raise ValueError(
            "must be an installer-factory wheel in the repository, e.g. "
            "wheels/installer_factory-0.1.0-py3-none-any.whl"
        )
    return value


def _vcs(value: str) -> str:
    if value.startswith("git+https://") and "@" in value.split("/", 3)[2]:
        raise ValueError(
            "must not carry credentials (user:password@host): build-matrix.yml is "
            "committed; use a repository CI can read, or a wheel"
        )
    match = _VCS.fullmatch(value)
    if match is None:
        raise ValueError(
            "must be a pinned git URL: git+https://HOST/PATH@REF, REF a full commit sha "
            "or a release tag (e.g. git+https://github.com/org/installer-factory@v0.1.0)"
        )
    ref = match["ref"]
    if _FULL_SHA.fullmatch(ref) or (_TAG.fullmatch(ref) and not _HEX.fullmatch(ref)):
        return value
    if _HEX.fullmatch(ref):
        raise ValueError(f"@{ref} is a short commit sha, which can turn ambiguous: give all of it")
    raise ValueError(
        f"@{ref} looks like a branch, which moves: every CI run would install whatever it "
        "holds that day; pin a full commit sha or a release tag such as v0.1.0"
    )


def _checkout(value: str) -> str:
    return value if value == "." else repo_path(value)


class FactoryPin(StrictModel):
    """Which installer-factory CI installs: exactly one of the four."""

    version: Annotated[str, AfterValidator(_version)] | None = Field(
        None, description="A released version, installed from the package index."
    )
    wheel: Annotated[str, AfterValidator(_wheel)] | None = Field(
        None, description="A wheel committed in the repository, relative to build-matrix.yml."
    )
    vcs: Annotated[str, AfterValidator(_vcs)] | None = Field(
        None, description="git+https://HOST/PATH@REF, REF a full commit sha or a release tag."
    )
    checkout: Annotated[str, AfterValidator(_checkout)] | None = Field(
        None,
        description="installer-factory's own source at this path of the repository ('.' "
        "for its own repository).",
    )

    @model_validator(mode="after")
    def _exactly_one(self) -> FactoryPin:
        given = [k for k in KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            said = f" (given: {', '.join(given)})" if given else ""
            raise ValueError(f"give exactly one of version, wheel, vcs or checkout{said}")
        return self

    @property
    def kind(self) -> Kind:
        return next(k for k in KINDS if getattr(self, k) is not None)

    @property
    def value(self) -> str:
        return str(getattr(self, self.kind))

    def describe(self) -> str:
        """For `matrix plan`: what CI installs, in words."""
        if self.version is not None:
            return f"{PACKAGE}=={self.version} from the package index"
        if self.wheel is not None:
            return f"the wheel {self.wheel}"
        if self.vcs is not None:
            return f"{PACKAGE} from {self.vcs}"
        return f"the {PACKAGE} source at {self.checkout} in the repository"

    def requirement(self) -> str:
        """What `pip install` is given, from the checkout root."""
        if self.version is not None:
            return f"{PACKAGE}=={self.version}"
        if self.vcs is not None:
            return f"{PACKAGE} @ {self.vcs}"
        path = self.wheel or self.checkout or "."
        return path if path == "." else f"./{path}"


def default_pin() -> FactoryPin:
    """Without `factory:`: the version generating the pipeline, whose steps it writes."""
    return FactoryPin(version=__version__)


def pin_problems(pin: FactoryPin, root: Path) -> list[tuple[str, str]]:
    """(key under `factory`, message) for a wheel or checkout the repository lacks."""
    if pin.wheel is not None:
        file = root / pin.wheel
        if not file.is_file():
            return [("wheel", f"no such file: {pin.wheel} (commit the wheel, or pin a version)")]
        if repo_relative(root, file) is None:
            return [("wheel", "resolves outside the repository (a symlink): commit the wheel")]
    if pin.checkout is not None:
        folder = root / pin.checkout
        project = folder / "pyproject.toml"
        try:
            ours = bool(_OUR_NAME.search(project.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            ours = False
        if not ours:
            return [
                (
                    "checkout",
                    f"{pin.checkout} holds no installer-factory source (no pyproject.toml "
                    "naming installer-factory); outside its own repository pin a `version`",
                )
            ]
        if repo_relative(root, folder) is None:
            return [("checkout", "resolves outside the repository (a symlink)")]
    return []
