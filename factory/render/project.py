"""Render a checked profile into one constructor project per platform, in memory.

`render_project` plans the project (plan.py) and renders the plan: `{relative path: bytes}`;
writing to disk is factory.output.staged's job. The Jinja environment is built once, with
StrictUndefined and only explicit context: the plan's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from factory.formats.lock_file import LockData
from factory.formats.project_stamp import ProjectStamp, StampToken
from factory.output.layout import (
    CA_BUNDLE_FILE,
    ENVIRONMENT_FILE,
    FACTS_FILE,
    MARKER_FILE,
    STAMP_FILE,
    platform_relpath,
)
from factory.platforms import CA_BUNDLE_RELPATH, MARKER_RELPATH, Platform
from factory.profiles.enforce import ENFORCED_FILE, ENFORCED_RELPATH
from factory.profiles.load import LoadedProfile
from factory.quoting import yamltext
from factory.quoting.shells import cmd_arg, sh_quote
from factory.render.plan import ProjectPlan, plan_project
from factory.templating import template_environment
from factory.version import __version__

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class RenderedProject:
    plan: ProjectPlan
    files: dict[str, bytes]

    @property
    def name(self) -> str:
        return self.plan.name

    @property
    def platform(self) -> Platform:
        return self.plan.platform

    @property
    def input_hash(self) -> str:
        return self.plan.input_hash

    @property
    def relpath(self) -> PurePosixPath:
        return platform_relpath(self.name, self.platform)


@cache
def environment() -> Any:
    return template_environment(
        TEMPLATES,
        {
            "yaml_scalar": yamltext.scalar,
            "yaml_block": lambda value, indent=0: yamltext.dump(value, indent).rstrip("\n"),
            "sh": sh_quote,
            "cmd": cmd_arg,
        },
    )


def render_project(
    loaded: LoadedProfile, platform: Platform, lock: LockData | None = None
) -> RenderedProject:
    """With a lock, constructor builds from the explicit list of every locked record
    (`environment_file`) instead of solving the specs."""
    return render_plan(plan_project(loaded, platform, lock))


def render_plan(plan: ProjectPlan) -> RenderedProject:
    context = plan.context()
    env = environment()
    files = plan.static_files()
    if plan.post_install:
        name = plan.post_install
        text = env.get_template(f"{name}.j2").render(context)
        if name.endswith(".bat"):
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")  # cmd wants CRLF
        files[name] = text.encode("ascii" if name.endswith(".bat") else "utf-8")
    files["construct.yaml"] = env.get_template("construct.yaml.j2").render(context).encode()
    readme = dict(context, contents=_contents(files), os_name=plan.platform.os.display_name)
    files["README.md"] = env.get_template("README.md.j2").render(readme).encode()
    stamp = ProjectStamp(
        version=__version__,
        profile=plan.name,
        platform=plan.platform.value,
        input_sha256=plan.input_hash,
        files={k: hashlib.sha256(v).hexdigest() for k, v in sorted(files.items())},
        tokens=[StampToken(name=n, install=i, url=u) for n, i, u in plan.installed_tokens],
        auth=list(plan.auth_names),
    )
    files[STAMP_FILE] = stamp.text().encode()
    return RenderedProject(plan, dict(sorted(files.items())))


def _contents(files: dict[str, bytes]) -> list[tuple[str, str]]:
    about = {
        "construct.yaml": "constructor's input, plain YAML for this platform only",
        "post_install.sh": "post-install step: CA bundle and repository configuration",
        "post_install.bat": "post-install step: CA bundle and repository configuration",
        CA_BUNDLE_FILE: "the organization's root certificates, installed under "
        + "/".join(CA_BUNDLE_RELPATH),
        STAMP_FILE: "what rendered this project, and the sha256 of every file",
        MARKER_FILE: "name, version and platform, installed as "
        + "/".join(MARKER_RELPATH)
        + " for the deployment wrappers",
        ENVIRONMENT_FILE: "the locked packages as conda's explicit list (URL and sha256 "
        "per line): constructor installs exactly these, without a solve",
        FACTS_FILE: "facts for the deployment kit (prefixes, silent options, "
        "detection rule); not shipped in the installer",
        ENFORCED_FILE: "condarc.enforce: settings users cannot override, each #!final, "
        "moved into " + "/".join(ENFORCED_RELPATH) + " by the post-install step",
    }
    rows = [(name, about.get(name, _asset_about(name))) for name in sorted(files)]
    rows.append((STAMP_FILE, about[STAMP_FILE]))
    return rows


def _asset_about(name: str) -> str:
    if name.startswith("license/"):
        return "licence shown by the installer"
    if name.startswith("images/"):
        return "installer artwork"
    if name.startswith("scripts/"):
        return "the organization's own script (profile `scripts`)"
    if name.startswith("files/"):
        return "the organization's file, installed under the path after files/"
    if name.startswith("temp/"):
        return "the organization's file for the .exe's temporary folder ($PLUGINSDIR)"
    if name.startswith("envs/"):  # render/extra_envs.py
        return (
            "an extra environment's locked packages (explicit list)"
            if name.endswith(".txt")
            else "an extra environment's .condarc, installed as envs/<name>/.condarc"
        )
    return "file"
