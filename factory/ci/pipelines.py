"""CI pipelines for GitHub Actions, GitLab CI and Azure Pipelines, from a build matrix.

One build job per (profile, platform) on a native runner, then one test job per built
platform on another image of the same OS that installs what was built silently, checks
it and uninstalls it. A profile that pins `conda_exe` has its Linux platforms built by
its linux-64 job (jobs.py folds them): that job fetches the pinned standalone for each
platform it builds (`micromamba create --platform P` of the conda-forge package, whose
sha256 the channel's repodata pins) and passes each to `build --conda-exe P=PATH`; each
folded platform keeps its own test job, on its own OS and architecture.

The shell steps live in templates/ci/_scripts.j2, shared by the engines; each engine's
template wraps them in its own job syntax.

Every value in a script is quoted for its shell (sh or PowerShell) and comes from a
restricted alphabet (matrix.py); profile text that is free-form (channel URLs) reaches
scripts only base64-encoded, so no engine's own expression syntax (`${{ }}`, `$(...)`)
can ever be formed from it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from factory.ci.ci_needs import secret_envs, secret_files
from factory.ci.engines import TARGET_FILES, Engine
from factory.ci.jobs import BuildUnit, Job, build_units
from factory.ci.matrix import DEFAULT_RUNNERS, LoadedMatrix, MatrixBuild, job_slug
from factory.ci.repository import repo_relative
from factory.platforms import OS, Platform
from factory.profiles.channels import installed_channels
from factory.profiles.standalones import CHANNEL, exe_relpath, package_spec
from factory.profiles.token_carriers import token_carriers
from factory.quoting.shells import ps_quote, sh_quote
from factory.quoting.yamltext import yaml_str
from factory.templating import template_environment
from factory.version import __version__

TEMPLATES_DIR = Path(__file__).parent / "templates"
TEMPLATES: dict[Engine, str] = {
    "github": "github.yml.j2",
    "gitlab": "gitlab-ci.yml.j2",
    "azure": "azure-pipelines.yml.j2",
}

PYTHON = "3.12"  # for installer-factory itself, beside constructor in the CI environment
TIMESTAMP_URL = "http://timestamp.digicert.com"
MICROMAMBA_URL = "https://github.com/mamba-org/micromamba-releases/releases/latest/download/"
TESTED_TYPES = ("sh", "pkg", "exe", "msi")  # msi: msiexec /i, then /x by ProductCode
STANDALONE_DIR = ".installer-factory/standalone"  # in the checkout: <platform>/ prefixes

# Tests run on another image of the same OS than the build where one exists.
GITHUB_TEST_RUNNERS = {
    "ubuntu-latest": "ubuntu-22.04",
    "ubuntu-24.04-arm": "ubuntu-22.04-arm",
    "macos-15-intel": "macos-26-intel",
    "macos-14": "macos-15",
    "windows-latest": "windows-2022",
}


@dataclass(frozen=True)
class Runner:
    """Where one job runs, in the engine's terms."""

    label: str  # GitHub runs-on; GitLab tag; Azure vmImage or pool name
    image: str | None = None  # GitLab docker image (Linux) or macOS image
    pool_name: bool = False  # Azure: a self-hosted agent pool rather than a hosted image
    demands: tuple[str, ...] = ()


_GITLAB = {
    Platform.linux_64: (("saas-linux-small-amd64", "ubuntu:24.04"), ("", "ubuntu:22.04")),
    Platform.linux_aarch64: (("saas-linux-small-arm64", "ubuntu:24.04"), ("", "ubuntu:22.04")),
    # GitLab has no hosted Intel Macs: osx-64 builds on Apple silicon (Rosetta runs it)
    Platform.osx_64: (("saas-macos-medium-m1", "macos-14-xcode-15"), ("", "macos-15-xcode-16")),
    Platform.osx_arm64: (
        ("saas-macos-medium-m1", "macos-14-xcode-15"),
        ("", "macos-15-xcode-16"),
    ),
    Platform.win_64: (("saas-windows-medium-amd64", None), ("", None)),
}
_AZURE_IMAGES = {
    Platform.linux_64: ("ubuntu-latest", "ubuntu-22.04"),
    Platform.osx_64: ("macOS-14", "macOS-15"),
    Platform.win_64: ("windows-latest", "windows-2022"),
}
# Azure has no hosted ARM agents: those platforms need a self-hosted pool with the demands
_AZURE_SELF_HOSTED = {
    Platform.linux_aarch64: ("Agent.OS -equals Linux", "Agent.OSArchitecture -equals ARM64"),
    Platform.osx_arm64: ("Agent.OS -equals Darwin", "Agent.OSArchitecture -equals ARM64"),
}
AZURE_DEFAULT_POOL = "Default"


def runners(matrix: LoadedMatrix, engine: Engine, platform: Platform) -> tuple[Runner, Runner]:
    """(build runner, test runner). A runner named in build-matrix.yml is self-hosted and
    runs both; otherwise the engine's hosted runners, a different image for the test."""
    override = matrix.model.runners.get(platform)
    if engine == "github":
        label = override or DEFAULT_RUNNERS[platform]
        test = label if override else GITHUB_TEST_RUNNERS.get(label, label)
        return Runner(label), Runner(test)
    if engine == "gitlab":
        (tag, image), (_, test_image) = _GITLAB[platform]
        if platform.os is OS.linux:  # docker executors need an image; shell ones ignore it
            return Runner(override or tag, image), Runner(override or tag, test_image)
        if override:
            return Runner(override), Runner(override)
        return Runner(tag, image), Runner(tag, test_image)
    if override:
        return Runner(override, pool_name=True), Runner(override, pool_name=True)
    if platform in _AZURE_SELF_HOSTED:
        pool = Runner(AZURE_DEFAULT_POOL, pool_name=True, demands=_AZURE_SELF_HOSTED[platform])
        return pool, pool
    build, test = _AZURE_IMAGES[platform]
    return Runner(build), Runner(test)


def _b64_lines(lines: list[str]) -> str:
    return base64.b64encode("\n".join(lines).encode("utf-8")).decode("ascii")


def _unit_context(matrix: LoadedMatrix, unit: BuildUnit, engine: Engine) -> dict[str, Any]:
    """The build job's values, with `tests` (one per platform it builds) and the pinned
    standalones it fetches."""
    host = unit.platform
    ctx = _platform_context(matrix, unit.build, host, unit.jobs_for(host), engine)
    targets = unit.targets
    if targets != [host]:
        ctx["installer_type"] = None  # folded: Linux builds make .sh only
    ctx["platforms"] = [p.value for p in targets]
    own = dict(ctx)
    ctx["tests"] = [
        own if p is host else _platform_context(matrix, unit.build, p, unit.jobs_for(p), engine)
        for p in targets
    ]
    pin = unit.build.loaded.profile.conda_exe
    ctx["standalones"] = [
        {
            "platform": p.value,
            "prefix": f"{STANDALONE_DIR}/{p.value}",
            "exe": f"{STANDALONE_DIR}/{p.value}/{exe_relpath(pin.kind, p.value)}",
            "spec": package_spec(pin.kind, pin.version),
            "channel": CHANNEL,
        }
        for p in (targets if pin is not None else [])
    ]
    return ctx


def _platform_context(
    matrix: LoadedMatrix, build: MatrixBuild, platform: Platform, jobs: list[Job], engine: Engine
) -> dict[str, Any]:
    profile = build.loaded.profile
    ident = f"{job_slug(build.name)}_{job_slug(platform.value)}"
    types = [j.installer_type for j in jobs]
    own_types = profile.installer_types.for_os(platform.os)
    # hashed for the package-cache key: the profile, the files it extends, its lock file
    chain = [repo_relative(matrix.root, f) for f in build.loaded.layered.chain]
    hashed = sorted({c for c in chain if c})
    lock_ref = str(Path(build.profile_ref).with_name(Path(build.profile_ref).stem + ".lock.yaml"))
    lock_present = (matrix.root / lock_ref).is_file()
    build_runner, test_runner = runners(matrix, engine, platform)
    tokens = profile.tokens.values()
    deploy_envs = [
        t.deploy.env for t in tokens if getattr(t, "deploy", None) is not None and t.deploy.env
    ]
    return {
        "id": ident,
        "profile": build.profile_ref,
        "name": build.name,
        "platform": platform.value,
        "os": platform.os.value,
        "windows": platform.os is OS.win,
        "dir": f"{matrix.model.output}/{build.name}/{platform.value}",
        # the artifact is the profile's folder: the build's output, or on failure the
        # log and report `installer-factory build` leaves in <platform>-failed/
        "artifact_dir": f"{matrix.model.output}/{build.name}",
        # `build --installer-type` takes one type: used when the matrix picks one of several
        "installer_type": types[0] if len(types) == 1 and types != own_types else None,
        "artifact": f"installers-{build.name}-{platform.value}",
        "types": types,
        "test_types": [t for t in types if t in TESTED_TYPES],
        "sign_types": [t for t in types if matrix.signs(platform, t)],
        "sign_windows": platform.os is OS.win and any(matrix.signs(platform, t) for t in types),
        "sign_macos": platform.os is OS.osx and any(matrix.signs(platform, t) for t in types),
        # (variable, CI secret) of build-time tokens, and files the build job writes from
        # secrets (owner-only) before building and removes after
        "token_envs": [{"var": v, "secret": n} for v, n in secret_envs(matrix, build)],
        "secret_files": [{"path": p, "secret": n} for p, n in secret_files(matrix, build)],
        "deploy_envs": sorted(set(deploy_envs)),
        # (variable or "", file) of deploy-time tokens read from a file on Linux/macOS
        "deploy_files": sorted(
            {
                (t.deploy.env or "", t.deploy.unix_file)
                for t in tokens
                if t.deploy and t.deploy.unix_file
            }
        ),
        # what .condarc holds once each installed token rides on its URL (never the token)
        "condarc_tokens": sorted({c.marker for c in token_carriers(profile)}),
        "ca_bundle": bool(profile.ca_certs),
        "channels_b64": _b64_lines(installed_channels(profile)),
        "hashed": hashed,
        "lock": lock_ref,
        "lock_present": lock_present,
        "micromamba_url": MICROMAMBA_URL + f"micromamba-{platform.value}",
        "build_runner": build_runner,
        "test_runner": test_runner,
    }


def pipeline_context(matrix: LoadedMatrix, engine: Engine) -> dict[str, Any]:
    signing = matrix.model.signing
    units = [_unit_context(matrix, u, engine) for u in build_units(matrix)]
    return {
        "engine": engine,
        "version": __version__,
        "target": TARGET_FILES[engine],
        "constructor": matrix.model.constructor,
        # what every job's `pip install` is given: the matrix's `factory:` pin, never "."
        # unless it says `checkout: .`
        "factory": matrix.pin.requirement(),
        "python": PYTHON,
        "output": matrix.model.output,
        "windows_secrets": signing.windows,
        "macos_secrets": signing.macos,
        "timestamp_url": TIMESTAMP_URL,
        "units": units,
    }


@cache
def _environment() -> Any:
    return template_environment(
        TEMPLATES_DIR,
        {"yaml": yaml_str, "sh": sh_quote, "ps": ps_quote},
    )


def render_pipeline(matrix: LoadedMatrix, engine: Engine) -> str:
    """The pipeline file's text; the same matrix and profiles give the same bytes."""
    template = _environment().get_template(TEMPLATES[engine])
    context = pipeline_context(matrix, engine)
    context["ctx"] = dict(context)  # the shared script macros take it as an argument
    return template.render(context)
