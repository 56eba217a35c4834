"""installer-factory: organization profiles rendered into conda constructor projects,
built into installers, locked, scanned and shipped with deployment kits.

The public API, for scripts and other tools (the `installer-factory` command is a thin
layer over the same functions):

    import factory
    loaded = factory.load_profile(Path("profiles/acme-datasci-prod.yaml"))
    lock = factory.usable_lock(loaded.file, loaded.profile, loaded.profile.platforms)
    projects = [factory.render_project(loaded, p, lock) for p in loaded.profile.platforms]
    factory.write_projects(projects, Path("build"))

Names are imported on first use, so `import factory` stays cheap for the command line.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from factory.version import __version__

# public name -> the module that defines it
_API: dict[str, str] = {
    # profiles: load, merge, check; where each value came from
    "load_profile": "factory.profiles.load",
    "LoadedProfile": "factory.profiles.load",
    "find_profile": "factory.profiles.layering",
    "Profile": "factory.profiles.model",
    "token_values": "factory.profiles.tokens",
    "stamp": "factory.profiles.release",
    "load_settings": "factory.profiles.user_config",
    # rendering: one constructor project per (profile, platform), and writing it
    "plan_project": "factory.render.plan",
    "render_project": "factory.render.project",
    "RenderedProject": "factory.render.project",
    "write_projects": "factory.output.staged",
    # locks, diagnosis, SBOMs
    "lock_profile": "factory.lock.solve",
    "usable_lock": "factory.lock.lockfile",
    "read_lock": "factory.lock.lockfile",
    "diagnose": "factory.lock.doctor",
    "sbom_text": "factory.lock.sbom",
    "Fetcher": "factory.lock.repodata",
    # builds
    "run_builds": "factory.builds.run",
    "report_builds": "factory.builds.run",
    "rehash": "factory.builds.rehash",
    # deployment kits
    "write_kit": "factory.deploy.kit",
    "write_manifest": "factory.deploy.manifest",
    # build matrix and CI pipelines
    "load_matrix": "factory.ci.matrix",
    "plan_jobs": "factory.ci.jobs",
    "render_pipeline": "factory.ci.pipelines",
    # an organization's repository of profiles (`init`)
    "init_repository": "factory.scaffolds.org_repo",
    # secrets
    "scan_paths": "factory.leaks.scan",
    "Redactor": "factory.leaks.redact",
    # errors and platforms
    "FactoryError": "factory.errors",
    "InputError": "factory.errors",
    "OutputError": "factory.errors",
    "ProfileInvalid": "factory.errors",
    "Problem": "factory.errors",
    "Location": "factory.errors",
    "Platform": "factory.platforms",
    "OS": "factory.platforms",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'factory' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
