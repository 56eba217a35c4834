"""Render a checked profile into one constructor project per platform, in memory.

`render_project` returns `{relative path: bytes}`; writing to disk is writer.py's job.
The Jinja environment is built once, with StrictUndefined and only explicit context.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from factory.deploy import kit as deploy_kit
from factory.lock.lockfile import LockData, PlatformLock, channel_labels, pins
from factory.output.layout import (
    CA_BUNDLE_FILE,
    FACTS_FILE,
    MARKER_FILE,
    STAMP_FILE,
    TOKENS_DIR,
    platform_relpath,
)
from factory.platforms import (
    BINSTAR_RELPATH,
    CA_BUNDLE_RELPATH,
    OS,
    STAGED_TOKENS_RELPATH,
    Platform,
)
from factory.profile import channels as ch
from factory.profile.certificates import bundle
from factory.profile.load import LoadedProfile
from factory.profile.model import Profile
from factory.profile.tokens import staged_name, token_file_name
from factory.quoting import yamltext
from factory.quoting.shells import cmd_arg, sh_quote
from factory.templating import template_environment
from factory.version import __version__

TEMPLATES = Path(__file__).parent / "templates"

# Which constructor keys matter on which OS (constructor-notes.md, "applies" column).
_ALL = frozenset(OS)
_OPTION_OS: dict[str, frozenset[OS]] = {
    "keep_pkgs": _ALL,
    "ignore_duplicate_files": _ALL,
    "register_envs": _ALL,
    "check_path_spaces": _ALL,
    "transmute_file_type": _ALL,
    "initialize_conda": _ALL,
    "initialize_by_default": _ALL,
    "script_env_variables": _ALL,
    "build_outputs": _ALL,
    "batch_mode": frozenset({OS.linux, OS.osx}),
    "conclusion_text": frozenset({OS.linux, OS.osx}),
    "default_location_pkg": frozenset({OS.osx}),
    "pkg_name": frozenset({OS.osx}),
    "pkg_domains": frozenset({OS.osx}),
    "progress_notifications": frozenset({OS.osx}),
    "install_path_exists_error_text": frozenset({OS.osx}),
    "reverse_domain_identifier": frozenset({OS.osx}),
    "welcome_text": frozenset({OS.osx}),
    "readme_text": frozenset({OS.osx}),
    "uninstall_name": frozenset({OS.win}),
    "register_python": frozenset({OS.win}),
    "register_python_default": frozenset({OS.win}),
    "uninstall_with_conda_exe": frozenset({OS.win}),
}
_IMAGE_OS = {
    "welcome": frozenset({OS.win, OS.osx}),
    "header": frozenset({OS.win}),
    "icon": frozenset({OS.win}),
}


@dataclass
class RenderedProject:
    name: str
    platform: Platform
    files: dict[str, bytes] = field(default_factory=dict)
    input_hash: str = ""

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
    """With a lock, construct.yaml pins every locked record exactly instead of the specs."""
    profile = loaded.profile
    project = RenderedProject(name=profile.name, platform=platform)
    assets = _assets(loaded, platform)
    locked = lock.platforms.get(platform.value) if lock is not None else None
    base = _context(profile, platform, assets)
    if locked is not None:
        labels = channel_labels(ch.build_channels(profile), platform)
        base["spec_groups"] = [("locked", pins(locked.packages, labels))]
        base["spec_count"] = len(locked.packages)
    base["locked"] = locked is not None
    project.input_hash = _input_hash(profile, platform, assets, locked)
    base["input_hash"] = project.input_hash
    env = environment()
    files: dict[str, bytes] = dict(assets)
    if base["post_install"]:
        name = base["post_install"]
        text = env.get_template(f"{name}.j2").render(base)
        if name.endswith(".bat"):
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")  # cmd wants CRLF
        files[name] = text.encode("ascii" if name.endswith(".bat") else "utf-8")
    files["construct.yaml"] = env.get_template("construct.yaml.j2").render(base).encode()
    readme = dict(base, contents=_contents(files), os_name=_OS_NAMES[platform.os])
    files["README.md"] = env.get_template("README.md.j2").render(readme).encode()
    stamp = {
        "generator": "installer-factory",
        "version": __version__,
        "profile": profile.name,
        "platform": platform.value,
        "input_sha256": project.input_hash,
        "files": {k: hashlib.sha256(v).hexdigest() for k, v in sorted(files.items())},
    }
    files[STAMP_FILE] = (json.dumps(stamp, indent=2, sort_keys=True) + "\n").encode()
    project.files = dict(sorted(files.items()))
    return project


_OS_NAMES = {OS.linux: "Linux", OS.osx: "macOS", OS.win: "Windows"}


def _assets(loaded: LoadedProfile, platform: Platform) -> dict[str, bytes]:
    """Files copied into the project: licence, images, CA bundle."""
    profile = loaded.profile
    resolve = loaded.sources.resolve
    out: dict[str, bytes] = {}
    if profile.license_file:
        file = resolve(("license_file",), profile.license_file)
        out[f"license/{file.name}"] = file.read_bytes()
    for key, systems in _IMAGE_OS.items():
        value = getattr(profile.images, key)
        if value and platform.os in systems:
            file = resolve(("images", key), value)
            out[f"images/{key}{file.suffix.lower()}"] = file.read_bytes()
    if profile.ca_certs:
        data, _ = bundle(loaded.sources.certificates)
        out[CA_BUNDLE_FILE] = data
    if profile.deploy is not None:
        out[MARKER_FILE] = deploy_kit.marker(profile, platform)
        facts = deploy_kit.facts(profile, platform, bool(profile.ca_certs))
        out[FACTS_FILE] = (json.dumps(facts, indent=2, sort_keys=True) + "\n").encode()
    return out


def _input_hash(
    profile: Profile, platform: Platform, assets: dict[str, bytes], locked: PlatformLock | None
) -> str:
    payload: dict[str, Any] = {
        "tool": __version__,
        "platform": platform.value,
        "profile": profile.model_dump(mode="json"),
        "assets": {k: hashlib.sha256(v).hexdigest() for k, v in sorted(assets.items())},
    }
    if locked is not None:
        payload["lock"] = [dataclasses.astuple(r) for r in locked.packages]
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _context(profile: Profile, platform: Platform, assets: dict[str, bytes]) -> dict[str, Any]:
    os_ = platform.os
    facts = platform.facts
    types = profile.installer_types.for_os(os_)
    tokens = _installed_tokens(profile, platform)
    needs_script = ch.scripts_use_bundle(profile) or profile.auth.psm is not None or tokens
    extra_files = []
    if CA_BUNDLE_FILE in assets:
        extra_files.append({CA_BUNDLE_FILE: "/".join(CA_BUNDLE_RELPATH)})
    if MARKER_FILE in assets:
        extra_files.append({MARKER_FILE: "/".join(deploy_kit.MARKER_RELPATH)})
    for token in tokens:
        if token["mode"] == "bake":
            staged = "/".join((*STAGED_TOKENS_RELPATH, staged_name(token["name"])))
            extra_files.append({f"{TOKENS_DIR}/{staged_name(token['name'])}": staged})
    license_file = next((k for k in assets if k.startswith("license/")), None)
    return {
        "tool_version": __version__,
        "profile_name": profile.name,
        "platform": platform.value,
        "name": profile.name,
        "version": profile.installer_version,
        "company": profile.company,
        "installer_type": types[0] if len(types) == 1 else types,
        "installer_types": types,
        "channels": ch.build_channels(profile),
        "channels_remap": [r.model_dump() for r in profile.channels_remap],
        "installed_channels": ch.installed_channels(profile),
        "spec_groups": profile.packages.groups_for(platform),
        "spec_count": len(profile.packages.specs_for(platform)),
        "exclude": list(profile.packages.exclude),
        "virtual_specs": list(profile.packages.virtual_specs.get(os_, [])),
        "menu_packages": profile.packages.menu_packages,
        "condarc": _finite(ch.condarc_content(profile)),
        "extra_files": extra_files,
        "post_install": f"post_install{facts.script_suffix}" if needs_script else None,
        "license_file": license_file,
        "options": _options(profile, platform, assets),
        "conda_relpath": facts.conda_relpath,
        "ca_bundle": facts.sep.join(CA_BUNDLE_RELPATH) if ch.scripts_use_bundle(profile) else None,
        "condarc_ssl_verify": ch.ca_bundle_in_use(profile),
        "bundle_env": ch.bundle_env_vars(profile),
        "psm": _psm(profile),
        "tokens": tokens,
        "binstar_dir": facts.sep.join(BINSTAR_RELPATH),
    }


def _installed_tokens(profile: Profile, platform: Platform) -> list[dict[str, Any]]:
    """What the post-install step needs to put each installed token in place."""
    out = []
    sep = platform.facts.sep
    for name, token in sorted(profile.tokens.items()):
        if token.install == "none":
            continue
        deploy = token.deploy
        source: str | None = None
        if token.install == "bake":
            source = sep.join((*STAGED_TOKENS_RELPATH, staged_name(name)))
        elif deploy is not None:
            source = deploy.win_file if platform.os is OS.win else deploy.unix_file
        file_name = token_file_name(token.url)
        out.append(
            {
                "name": name,
                "url": token.url,
                "mode": token.install,
                "file_name": file_name,
                "file_name_bat": file_name.replace("%", "%%"),  # batch files halve %%
                "source": source,  # bake: relative to the prefix; deploy: absolute or None
                "env": deploy.env if deploy is not None else None,
                "remove": token.install == "bake" or (deploy is not None and deploy.remove_file),
            }
        )
    return out


def _psm(profile: Profile) -> dict[str, Any] | None:
    psm = profile.auth.psm
    if psm is None:
        return None
    verify = ch.psm_ssl_verify(profile)
    return {
        "site": psm.site,
        "url": psm.url,
        "url_key": f"sites.{psm.site}.url",
        "oauth2": "true" if psm.oauth2 else "false",
        "ssl_verify": verify if verify == "ca_bundle" else ("true" if verify else "false"),
        "settings": sorted(psm.settings.items()),
    }


def _options(profile: Profile, platform: Platform, assets: dict[str, bytes]) -> dict[str, Any]:
    os_ = platform.os
    install = profile.install
    out: dict[str, Any] = {}
    prefix = install.default_prefix
    if os_ is OS.win:
        for key, value in (
            ("default_prefix", prefix.win),
            ("default_prefix_all_users", prefix.win_all_users),
            ("default_prefix_domain_user", prefix.win_domain_user),
        ):
            if value is not None:
                out[key] = value
    elif getattr(prefix, os_.value) is not None:
        out["default_prefix"] = getattr(prefix, os_.value)
    dumped = install.model_dump(exclude={"default_prefix"}, exclude_none=True)
    if install.uninstall_name:
        dumped["uninstall_name"] = deploy_kit.uninstall_name(profile)
    for key in sorted(dumped):
        if os_ in _OPTION_OS.get(key, frozenset()):
            value = dumped[key]
            if value == {} or value == []:
                continue
            out[key] = value
    for key in ("welcome", "header", "icon"):
        asset = next((a for a in assets if a.startswith(f"images/{key}.")), None)
        if asset:
            out[f"{key}_image"] = asset
    signing = profile.signing
    if os_ is OS.win and signing.windows:
        out["windows_signing_tool"] = signing.windows.tool
        if signing.windows.certificate:
            out["signing_certificate"] = signing.windows.certificate
    if os_ is OS.osx and signing.macos:
        if signing.macos.identity:
            out["signing_identity_name"] = signing.macos.identity
        if signing.macos.notarization_identity:
            out["notarization_identity_name"] = signing.macos.notarization_identity
    return out


def _contents(files: dict[str, bytes]) -> list[tuple[str, str]]:
    about = {
        "construct.yaml": "constructor's input, plain YAML for this platform only",
        "post_install.sh": "post-install step: CA bundle and repository configuration",
        "post_install.bat": "post-install step: CA bundle and repository configuration",
        CA_BUNDLE_FILE: "the organization's root certificates, installed under "
        + "/".join(CA_BUNDLE_RELPATH),
        STAMP_FILE: "what rendered this project, and the sha256 of every file",
        MARKER_FILE: "name, version and platform, installed as "
        + "/".join(deploy_kit.MARKER_RELPATH)
        + " for the deployment wrappers",
        FACTS_FILE: "facts for the deployment kit (prefixes, silent options, "
        "detection rule); not shipped in the installer",
    }
    rows = [(name, about.get(name, _asset_about(name))) for name in sorted(files)]
    rows.append((STAMP_FILE, about[STAMP_FILE]))
    return rows


def _asset_about(name: str) -> str:
    if name.startswith("license/"):
        return "licence shown by the installer"
    if name.startswith("images/"):
        return "installer artwork"
    return "file"


def _finite(value: Any) -> Any:
    """Non-finite floats are not YAML numbers; keep them as text."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
