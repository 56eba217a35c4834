"""What a CI job cannot provide, found before a pipeline is planned or written.

A CI job has the repository's checkout (the folder of build-matrix.yml, repository.py),
the CI secrets build-matrix.yml names and the network; nothing of the admin's machine.
So `matrix plan` and `matrix ci` refuse, each at its place in build-matrix.yml or in the
profile that says it:
- a profile, a file it extends or a file it names (licence, images, admin scripts and
  files, CA certificates) outside the repository, symlinks resolved;
- a token read from a file (`tokens.<name>.file`) that no `secrets.files` entry provides:
  a token is never committed, so a repository file does not count;
- a CA certificate neither in the repository nor provided by `secrets.files`;
- a `file://` build channel (channels, channels_remap src, and those of extra_envs);
- a `secrets` entry no profile reads, or a secret file inside `output` (uploaded).
`matrix run` builds on this host, where those files are, and does not check these.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from factory.ci.factory_pin import pin_problems
from factory.ci.matrix import LoadedMatrix, MatrixBuild, load_matrix
from factory.ci.matrix_fields import SECRET_NAME
from factory.ci.repository import lexical_relative, repo_relative
from factory.errors import Problem, display_path
from factory.profiles.diagnostics import format_path
from factory.profiles.layering import Layered
from factory.profiles.yamlfile import Path_

OUTSIDE = "outside the repository (the folder of build-matrix.yml), so CI does not have it"


def load_for_ci(file: Path) -> LoadedMatrix:
    """load_matrix, with what CI cannot provide reported among its problems."""
    return load_matrix(file, checks=[ci_problems])


def token_files(matrix: LoadedMatrix, build: MatrixBuild) -> Iterator[tuple[str, str | None]]:
    """(token name, file relative to the checkout or None when outside it)."""
    loaded = build.loaded
    for name, source in sorted(loaded.profile.tokens.items()):
        if source.file is not None:
            path = loaded.sources.resolve(("tokens", name, "file"), source.file)
            yield name, lexical_relative(matrix.root, path)


def secret_files(matrix: LoadedMatrix, build: MatrixBuild) -> list[tuple[str, str]]:
    """(file, CI secret) the build job writes before building this profile."""
    files = matrix.model.secrets.files
    wanted = {rel for _, rel in token_files(matrix, build) if rel is not None}
    wanted |= {
        rel
        for cert in build.loaded.sources.certificate_files
        if (rel := lexical_relative(matrix.root, cert.path)) is not None
    }
    return sorted((rel, files[rel]) for rel in wanted if rel in files)


def secret_envs(matrix: LoadedMatrix, build: MatrixBuild) -> list[tuple[str, str]]:
    """(environment variable, CI secret) of this profile's tokens read from the environment."""
    secrets = matrix.model.secrets
    names = {t.env for t in build.loaded.profile.tokens.values() if t.env}
    return sorted((var, secrets.secret_for_env(var)) for var in names)


def ci_problems(matrix: LoadedMatrix, where: Layered) -> list[Problem]:
    def at(path: Path_, message: str, *, key: bool = False) -> Problem:
        return Problem(where.location(path, key=key), format_path(path), message)

    problems = []
    if "factory" not in matrix.set_aside:
        problems += [at(("factory", k), m) for k, m in pin_problems(matrix.pin, matrix.root)]
    secrets = matrix.model.secrets
    output = matrix.model.output
    # (the folders the pipelines cache all start with a dot, which a secrets.files path
    # cannot: matrix_fields.REPO_PATH)
    problems += [
        at(
            ("secrets", "files", rel),
            f"is inside `output` ({output}), which CI uploads as an artifact: keep secret "
            "files elsewhere (e.g. secrets/)",
            key=True,
        )
        for rel in secrets.files
        if rel == output or rel.startswith(output + "/")
    ]
    used_files: set[str] = set()
    used_env: set[str] = set()
    for build in matrix.builds:
        problems += _build_problems(matrix, build, where, used_files, used_env)
    known = "secrets" not in matrix.set_aside  # invalid: what it provides is unknown
    if known and len(matrix.builds) == len(matrix.model.builds):  # every profile was read
        unread = "no profile of `builds` reads this"
        problems += [
            at(("secrets", "files", rel), f"{unread} file (tokens.*.file, ca_certs)", key=True)
            for rel in secrets.files
            if rel not in used_files
        ]
        problems += [
            at(("secrets", "env", var), f"{unread} variable (tokens.*.env)", key=True)
            for var in secrets.env
            if var not in used_env
        ]
    return sorted(set(problems))


def _build_problems(
    matrix: LoadedMatrix,
    build: MatrixBuild,
    where: Layered,
    used_files: set[str],
    used_env: set[str],
) -> list[Problem]:
    loaded = build.loaded
    layered = loaded.layered
    root = matrix.root
    files = matrix.model.secrets.files

    def at(path: Path_, message: str) -> Problem:
        return Problem(layered.location(path), format_path(path), message)

    ref: Path_ = ("builds", build.index, "profile")
    problems: list[Problem] = []
    for number, file in enumerate(layered.chain):
        if repo_relative(root, file) is None:
            what = "this profile" if number == len(layered.chain) - 1 else "a file it extends"
            problems.append(
                Problem(
                    where.location(ref),
                    format_path(ref),
                    f"{what}, {display_path(file.resolve())}, is {OUTSIDE}: move it into "
                    "the repository",
                )
            )
    sources = loaded.sources
    named = [f for f in [sources.license, *sources.images.values()] if f is not None]
    for item in [*named, *sources.admin_files.values()]:
        if repo_relative(root, item.path) is None:
            problems.append(
                at(item.key, f"{display_path(item.path)} is {OUTSIDE}: move it into the repository")
            )
    for cert in sources.certificate_files:
        rel = lexical_relative(root, cert.path)
        if rel is not None and rel in files:
            used_files.add(rel)
        elif rel is None or repo_relative(root, cert.path) is None:
            problems.append(
                at(
                    cert.key,
                    f"{display_path(cert.path)} is {OUTSIDE}: commit the certificate in the "
                    "repository, or point this at a git-ignored path in it and name the CI "
                    "secret that holds it in build-matrix.yml `secrets: files:`",
                )
            )
    for name, rel in token_files(matrix, build):
        key: Path_ = ("tokens", name, "file")
        if rel is None:
            problems.append(
                at(
                    key,
                    f"this token file is {OUTSIDE}; CI writes secret files only into its "
                    f"checkout: point it at a git-ignored path in the repository (e.g. "
                    f"secrets/{name}.token) and map that path to a CI secret in "
                    "build-matrix.yml `secrets: files:`",
                )
            )
        elif rel in files:
            used_files.add(rel)
        elif "secrets" not in matrix.set_aside:  # else: its own problem says why
            problems.append(
                at(
                    key,
                    f"the build reads this token from {rel}, which no CI secret provides (a "
                    f"token is never committed): add `secrets: files: {{{rel}: <CI secret "
                    "NAME>}` to build-matrix.yml",
                )
            )
    for name, source in sorted(loaded.profile.tokens.items()):
        if source.env is None:
            continue
        used_env.add(source.env)
        named = source.env in matrix.model.secrets.env or "secrets" in matrix.set_aside
        if not named and not SECRET_NAME.fullmatch(source.env):
            problems.append(
                at(
                    ("tokens", name, "env"),
                    f"{source.env} is not a CI secret name (UPPER_CASE): map it to one in "
                    f"build-matrix.yml `secrets: env: {{{source.env}: <CI secret NAME>}}`",
                )
            )
    problems += [at(path, _FILE_CHANNEL.format(url=url)) for path, url in _file_channels(build)]
    return problems


_FILE_CHANNEL = (
    "{url} is a folder on this machine, which CI runners do not have: serve the channel "
    "over https (your package server), or build on this machine with `matrix run`"
)


def _file_channels(build: MatrixBuild) -> Iterator[tuple[Path_, str]]:
    """Build channels that are host-local file:// URLs, by the key that says each."""
    profile = build.loaded.profile
    sections: list[tuple[Path_, list[str] | None, list | None]] = [
        ((), profile.channels, profile.channels_remap)
    ]
    sections += [
        (("extra_envs", name), env.channels, env.channels_remap)
        for name, env in sorted(profile.extra_envs.items())
    ]
    for base, channels, remap in sections:
        for number, url in enumerate(channels or []):
            if url.lower().startswith("file:"):
                yield (*base, "channels", number), url
        for number, item in enumerate(remap or []):
            if item.src.lower().startswith("file:"):
                yield (*base, "channels_remap", number, "src"), item.src
