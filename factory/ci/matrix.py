"""build-matrix.yml: which profiles are built on which platforms, by which CI runners,
and which CI secrets sign the results; which installer-factory CI installs (`factory:`,
factory_pin.py) and which secrets provide files and variables (`secrets:`, ci_secrets.py).

Loaded like a profile (factory.loader keeps the position of every key), so every problem
is `file:line:column: key.path: message`, all at once; unknown keys are errors. Each
listed profile is loaded too, and its own problems are reported with the matrix's.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, ValidationError

from factory.ci.ci_secrets import CiSecrets
from factory.ci.factory_pin import FactoryPin, default_pin
from factory.ci.matrix_fields import (
    REPO_PATH,
    ConstructorVersion,
    RepoPath,
    Runner,
    SecretName,
)
from factory.errors import InputError, Problem, ProfileInvalid, display_path
from factory.formats.base import StrictModel
from factory.platforms import OS, Platform
from factory.profiles.diagnostics import format_path, problems_from_validation
from factory.profiles.layering import Layered
from factory.profiles.load import literal_tokens
from factory.profiles.yamlfile import Path_, load_yaml_file

# Installer formats constructor makes on each OS (msi is constructor's experimental one).
OS_INSTALLER_TYPES: dict[OS, tuple[str, ...]] = {
    OS.linux: ("sh",),
    OS.osx: ("pkg", "sh"),
    OS.win: ("exe", "msi"),
}

# Hosted runners the builds use when build-matrix.yml names none (GitHub labels; the
# pipelines module maps them to each CI engine's own names).
DEFAULT_RUNNERS: dict[Platform, str] = {
    Platform.linux_64: "ubuntu-latest",
    Platform.linux_aarch64: "ubuntu-24.04-arm",
    Platform.osx_64: "macos-15-intel",
    Platform.osx_arm64: "macos-14",
    Platform.win_64: "windows-latest",
}


def _builds(value: list[Any]) -> list[Any]:
    if not value:
        raise ValueError("list at least one build (a profile and, optionally, its platforms)")
    return value


class WindowsSecrets(StrictModel):
    """Authenticode signing with signtool and a .pfx certificate."""

    pfx_base64: SecretName = Field(description="Secret holding the .pfx file, base64-encoded.")
    password: SecretName = Field(description="Secret holding the .pfx password.")


class MacSecrets(StrictModel):
    """productsign with a Developer ID Installer certificate, then Apple notarization."""

    certificate_base64: SecretName = Field(
        description="Secret holding the Developer ID Installer .p12, base64-encoded."
    )
    certificate_password: SecretName = Field(description="Secret holding the .p12 password.")
    identity: SecretName = Field(
        description="Secret holding the identity name ('Developer ID Installer: Org (TEAMID)'); "
        "not secret itself, but kept beside the certificate it names."
    )
    notary_apple_id: SecretName | None = Field(
        None, description="Secret holding the Apple ID notarytool signs in with."
    )
    notary_team_id: SecretName | None = Field(None, description="Secret holding the team ID.")
    notary_password: SecretName | None = Field(
        None, description="Secret holding an app-specific password for that Apple ID."
    )

    @property
    def notarize(self) -> bool:
        return self.notary_password is not None


class SigningSecrets(StrictModel):
    """Names of secrets in the CI engine's store. Without them, installers stay unsigned."""

    windows: WindowsSecrets | None = None
    macos: MacSecrets | None = None


class InstallerTypeChoice(StrictModel):
    """Which of the profile's installer types this matrix signs, tests and plans, per OS."""

    linux: list[Literal["sh", "pkg", "exe", "msi"]] | None = Field(None, min_length=1)
    osx: list[Literal["sh", "pkg", "exe", "msi"]] | None = Field(None, min_length=1)
    win: list[Literal["sh", "pkg", "exe", "msi"]] | None = Field(None, min_length=1)


class Build(StrictModel):
    profile: RepoPath = Field(description="Profile file, relative to build-matrix.yml.")
    platforms: list[Platform] | None = Field(
        None, min_length=1, description="Default: the profile's own platforms."
    )
    installer_types: InstallerTypeChoice = Field(
        default_factory=InstallerTypeChoice,
        description="Per OS (linux, osx, win). Default: the profile's installer_types.",
    )


class MatrixFile(StrictModel):
    """build-matrix.yml as written."""

    constructor: ConstructorVersion = Field(
        description="constructor version CI installs from conda-forge, e.g. 3.16.3."
    )
    output: RepoPath = Field("dist", description="Where builds and CI artifacts go.")
    runners: dict[Platform, Runner] = Field(
        default_factory=dict,
        description="Self-hosted runners by platform: a GitHub runs-on label, a GitLab "
        "runner tag, an Azure agent pool name. Default: the engine's hosted runners.",
    )
    signing: SigningSecrets = Field(default_factory=SigningSecrets)
    factory: FactoryPin | None = Field(
        None,
        description="Which installer-factory CI installs (version, wheel, vcs or checkout). "
        "Default: the version generating the pipeline.",
    )
    secrets: CiSecrets = Field(
        default_factory=CiSecrets,
        description="CI secrets that provide the files and variables profiles read at build time.",
    )
    builds: Annotated[list[Build], AfterValidator(_builds)] = Field(
        description="Profiles to build, each on its platforms."
    )


@dataclass
class MatrixBuild:
    """One `builds:` entry with its profile loaded and its choices resolved."""

    index: int
    spec: Build
    loaded: Any  # factory.profiles.load.LoadedProfile
    platforms: list[Platform]
    installer_types: dict[OS, list[str]]

    @property
    def profile_ref(self) -> str:
        return self.spec.profile

    @property
    def name(self) -> str:
        return str(self.loaded.profile.name)


@dataclass
class LoadedMatrix:
    file: Path
    model: MatrixFile
    builds: list[MatrixBuild] = field(default_factory=list)
    where: Layered | None = None  # the file's positions, for located findings
    set_aside: frozenset[str] = frozenset()  # top-level keys dropped as invalid (_salvage)

    @property
    def pin(self) -> FactoryPin:
        """The installer-factory CI installs."""
        return self.model.factory or default_pin()

    @property
    def root(self) -> Path:
        """The repository root as CI sees it: the folder of build-matrix.yml."""
        return self.file.parent

    def runner(self, platform: Platform) -> str:
        return self.model.runners.get(platform, DEFAULT_RUNNERS[platform])

    def signs(self, platform: Platform, installer_type: str) -> bool:
        signing = self.model.signing
        if platform.os is OS.win:
            return signing.windows is not None and installer_type in ("exe", "msi")
        if platform.os is OS.osx:
            return signing.macos is not None and installer_type == "pkg"
        return False


MatrixCheck = Callable[["LoadedMatrix", Layered], list[Problem]]


def load_matrix(file: Path, checks: Sequence[MatrixCheck] = ()) -> LoadedMatrix:
    """Every problem at once in ProfileInvalid; InputError when the file cannot be read.
    `checks` add their findings to the same report (ci_needs: what CI cannot provide)."""
    doc = load_yaml_file(file)
    where = Layered(data=doc.data, values=doc.values, keys=doc.keys, chain=[file])
    keep = "in the CI engine's secret store and name the secret here"
    tokens = list(literal_tokens(where, "build-matrix.yml", keep))
    token_paths = {p.path for p in tokens}
    problems = list(tokens)
    try:
        model = MatrixFile.model_validate(doc.data)
    except ValidationError as exc:
        found = problems_from_validation(exc, where, MatrixFile)
        problems += [p for p in found if p.path not in token_paths]
        salvaged = _salvage(doc.data, exc)
        if salvaged is None:
            # the profiles' own problems too, in the same pass, as far as the file names them
            builds = doc.data.get("builds")
            for index, entry in enumerate(builds if isinstance(builds, list) else []):
                ref = entry.get("profile") if isinstance(entry, dict) else None
                if isinstance(ref, str) and REPO_PATH.fullmatch(ref) and ".." not in ref:
                    problems += _load_profile(file.parent / ref, ("builds", index), where)[1]
            raise ProfileInvalid(problems) from None
        model = salvaged  # the rest is checked as usual; `problems` makes it fail
    set_aside = frozenset(doc.data) - frozenset(model.model_fields_set)
    matrix = LoadedMatrix(file, model, where=where, set_aside=set_aside)
    problems += _check_signing(model, where)
    for index, build in enumerate(model.builds):
        problems += _load_build(matrix, index, build, where)
    problems += _duplicates(matrix, where)
    for extra in checks:
        problems += extra(matrix, where)
    if problems:
        raise ProfileInvalid(problems)
    return matrix


def _salvage(data: dict[str, Any], error: ValidationError) -> MatrixFile | None:
    """The matrix without its failing optional sections (signing, secrets, factory...),
    so the builds and the checks on them still run in the same pass; None when
    `constructor` or `builds` failed."""
    bad = {item["loc"][0] for item in error.errors() if item["loc"]}
    if bad & {"constructor", "builds"}:
        return None
    try:
        return MatrixFile.model_validate({k: v for k, v in data.items() if k not in bad})
    except ValidationError:
        return None


def _check_signing(model: MatrixFile, where: Layered) -> list[Problem]:
    mac = model.signing.macos
    if mac is None:
        return []
    notary = {
        "notary_apple_id": mac.notary_apple_id,
        "notary_team_id": mac.notary_team_id,
        "notary_password": mac.notary_password,
    }
    given = [k for k, v in notary.items() if v is not None]
    if not given or len(given) == len(notary):
        return []
    path: Path_ = ("signing", "macos")
    missing = ", ".join(k for k in notary if k not in given)
    return [
        Problem(
            where.location(path, key=True),
            format_path(path),
            f"notarization needs all of notary_apple_id, notary_team_id and notary_password; "
            f"missing: {missing}",
        )
    ]


def _problem(where: Layered, path: Path_, message: str, *, key: bool = False) -> Problem:
    return Problem(where.location(path, key=key), format_path(path), message)


def _load_profile(file: Path, at: Path_, where: Layered) -> tuple[Any, list[Problem]]:
    """builds[i]'s profile, loaded, or None with every reason it cannot be built: its own
    problems, and that it is an abstract base whether or not it is also invalid."""
    from factory.profiles.load import load_profile

    at = (*at, "profile")
    if not file.is_file():
        return None, [_problem(where, at, f"no such file: {display_path(file)}")]
    base = "is an abstract base (abstract: true), never built; list the profiles that extend it"
    try:
        loaded = load_profile(file)
    except ProfileInvalid as exc:
        count = f"{len(exc.errors)} error(s), reported with it"
        with contextlib.suppress(InputError):  # read once already: it parses
            if load_yaml_file(file).data.get("abstract") is True:
                return None, [*exc.problems, _problem(where, at, f"{base} (also invalid: {count})")]
        return None, [*exc.problems, _problem(where, at, f"this profile is invalid ({count})")]
    except InputError as exc:
        return None, [_problem(where, at, f"cannot load this profile: {exc}")]
    return (None, [_problem(where, at, base)]) if loaded.layered.abstract else (loaded, [])


def _load_build(matrix: LoadedMatrix, index: int, build: Build, where: Layered) -> list[Problem]:
    at: Path_ = ("builds", index)

    def problem(path: Path_, message: str, *, key: bool = False) -> Problem:
        return _problem(where, path, message, key=key)

    loaded, failed = _load_profile(matrix.root / build.profile, at, where)
    if loaded is None:
        return failed
    problems: list[Problem] = []
    targets = list(loaded.profile.platforms)
    shown = ", ".join(p.value for p in targets)
    platforms = list(build.platforms) if build.platforms is not None else targets
    for number, platform in enumerate(platforms):
        if platform not in targets:
            problems.append(
                problem(
                    (*at, "platforms", number),
                    f"{platform.value} is not a platform of this profile (it targets {shown})",
                )
            )
    built_os = {p.os for p in platforms}
    chosen: dict[OS, list[str]] = {}
    for os_ in OS:
        own = loaded.profile.installer_types.for_os(os_)
        wanted = getattr(build.installer_types, os_.value)
        if wanted is None:
            chosen[os_] = own
            continue
        chosen[os_] = list(wanted)
        base: Path_ = (*at, "installer_types", os_.value)
        if os_ not in built_os:
            problems.append(problem(base, f"no {os_.value} platform is built here", key=True))
            continue
        for number, kind in enumerate(wanted):
            valid = OS_INSTALLER_TYPES[os_]
            if kind not in valid:
                problems.append(
                    problem(
                        (*base, number),
                        f"{kind} is not an installer type for {os_.value} "
                        f"(one of: {', '.join(valid)})",
                    )
                )
            elif kind not in own:
                problems.append(
                    problem(
                        (*base, number),
                        f"the profile does not build {kind} for {os_.value} (it builds: "
                        f"{', '.join(own)}); add it to the profile's installer_types.{os_.value}",
                    )
                )
            elif kind in wanted[:number]:
                problems.append(problem((*base, number), f"{kind} is listed twice"))
    matrix.builds.append(MatrixBuild(index, build, loaded, platforms, chosen))
    return problems


def _duplicates(matrix: LoadedMatrix, where: Layered) -> list[Problem]:
    """One job per (profile, platform); one profile file per installer name (outputs go
    to OUTPUT/<name>/<platform>/ and CI job ids are made from the name)."""
    problems: list[Problem] = []
    seen: dict[tuple[Path, Platform], int] = {}
    names: dict[str, tuple[Path, int]] = {}
    for build in matrix.builds:
        at: Path_ = ("builds", build.index)
        file = build.loaded.file.resolve()
        for number, platform in enumerate(build.platforms):
            first = seen.setdefault((file, platform), build.index)
            if first != build.index or platform in build.platforms[:number]:
                path = (*at, "platforms", number) if build.spec.platforms else (*at, "profile")
                by = "this build" if first == build.index else f"builds[{first}]"
                problems.append(
                    Problem(
                        where.location(path),
                        format_path(path),
                        f"{platform.value} of {build.profile_ref} is already built by {by}",
                    )
                )
        other = names.setdefault(job_slug(build.name), (file, build.index))
        if other[0] != file:
            path = (*at, "profile")
            problems.append(
                Problem(
                    where.location(path),
                    format_path(path),
                    f"installer name {build.name} of {display_path(file)} is also the name "
                    f"of {display_path(other[0])} (builds[{other[1]}]); their outputs and CI "
                    "jobs would collide",
                )
            )
    return problems


def job_slug(name: str) -> str:
    """An identifier every CI engine accepts in job ids (Azure allows only [A-Za-z0-9_])."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "x"
