"""One immutable plan per (profile, platform, lock): everything a constructor project holds,
decided before any template runs.

`plan_project` is the only place rendering looks at the profile: channels, the shipped
.condarc, specs or the lock's explicit environment file, the files to ship and where they
are installed, the post-install steps (CA bundle, PSM login, tokens, bundle variables),
installer options and the deployment facts. The templates get `ProjectPlan.context()` and
nothing else (README.md also gets the list of files rendered from it). This module is
long because it is that one place: every decision about a project's content is made here.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from factory.deploy.facts import deploy_facts, installer_marker, uninstall_name
from factory.errors import ProfileInvalid
from factory.formats.deploy_facts import DeployFacts
from factory.formats.installer_marker import InstallerMarker
from factory.formats.lock_file import LockData, PlatformLock
from factory.lock.lockfile import explicit_text
from factory.lock.path_length import path_length_problems
from factory.output.layout import (
    CA_BUNDLE_FILE,
    ENVIRONMENT_FILE,
    FACTS_FILE,
    MARKER_FILE,
    TOKENS_DIR,
)
from factory.platforms import (
    CA_BUNDLE_RELPATH,
    MARKER_RELPATH,
    MARKER_STAGED_RELPATH,
    OS,
    STAGED_TOKENS_RELPATH,
    Platform,
)
from factory.profiles import channels as ch
from factory.profiles.auth_methods import secret_tokens
from factory.profiles.load import LoadedProfile
from factory.profiles.model import Profile
from factory.profiles.scope import Scope, install_scope
from factory.profiles.token_carriers import token_carriers
from factory.profiles.tokens import staged_name
from factory.render.admin_plan import AdminStep, admin_options, admin_plan
from factory.render.auth_steps import AuthSteps, auth_condarc, plan_auth
from factory.render.enforce_step import EnforceStep, enforce_step
from factory.render.extra_envs import EnvPlan, env_extra_files, env_files, frozen, plan_envs
from factory.version import __version__

# Which constructor keys matter on which OS (constructor's own documentation of each key).
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
    "batch_mode": frozenset({OS.linux, OS.osx}),
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


@dataclass(frozen=True)
class TokenStep:
    """What the post-install step needs to put one installed token in place."""

    name: str
    var: str  # the script variable that holds it: a name of letters, digits and _
    url: str
    mode: str  # bake | deploy
    source: str | None  # bake: relative to the prefix; deploy: absolute or None
    env: str | None
    remove: bool


@dataclass(frozen=True)
class CondarcToken:
    """One .condarc value the post-install step appends, ending in a token when it has one:
    `channel_alias: '<location>/t/<token>'` or `<key>: ...` under custom_channels
    (factory/profiles/token_carriers.py says why these two keys)."""

    key: str  # "channel_alias" or a custom channel's name
    location: str
    var: str  # TokenStep.var of the token it carries
    on_alias: bool

    @property
    def yaml_location(self) -> str:
        """The location as it goes inside a YAML single-quoted value (`''` is a quote)."""
        return self.location.replace("'", "''")


@dataclass(frozen=True)
class PsmStep:
    """The `conda-repo config` calls (conda-repo-cli's executable) that point the
    installation at its PSM site."""

    site: str
    url: str
    url_key: str
    oauth2: str
    ssl_verify: str  # "ca_bundle", "true" or "false"
    settings: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ProjectPlan:
    name: str
    version: str
    company: str | None
    platform: Platform
    installer_types: tuple[str, ...]
    scope: Scope  # user or all_users: where settings go, who may read installed tokens
    # what the build solves
    build_channels: tuple[str, ...]
    channels_remap: tuple[tuple[str, str], ...]  # (src, dest)
    spec_groups: tuple[tuple[str, tuple[str, ...]], ...]  # solved; with a lock, only recorded
    spec_count: int
    locked: PlatformLock | None
    environment_file: str | None  # with a lock: the explicit list, a file of the project
    exclude: tuple[str, ...]
    virtual_specs: tuple[str, ...]
    menu_packages: tuple[str, ...] | None
    freeze_base: Mapping[str, Any] | None  # constructor's freeze_base value
    extra_envs: tuple[EnvPlan, ...]  # render/extra_envs.py
    # what the installation holds
    installed_channels: tuple[str, ...]
    condarc: Mapping[str, Any]
    assets: Mapping[str, bytes]  # copied into the project as they are
    marker: InstallerMarker | None
    deploy: DeployFacts | None
    extra_files: tuple[tuple[str, str], ...]  # (path in the project, path under the prefix)
    license_file: str | None
    options: Mapping[str, Any]  # constructor keys for this OS
    # the post-install step
    post_install: str | None  # its file name, None when nothing needs one
    conda_relpath: str
    conda_repo_relpath: str  # conda-repo-cli's executable, which the PSM step runs
    # the marker as the installer places it, and where the post-install's last step moves it
    marker_staged: str | None
    marker_final: str | None
    ca_bundle: str | None  # the installed bundle, when the step refers to it
    condarc_ssl_verify: bool
    uses_conda: bool  # whether a post-install step runs the installed conda
    bundle_env: tuple[str, ...]
    psm: PsmStep | None
    tokens: tuple[TokenStep, ...]
    condarc_tokens: tuple[CondarcToken, ...]  # alias first, then custom channels by name
    auth_methods: AuthSteps | None  # anaconda_auth, anon_usage, channel_settings files
    # for the project's stamp: installed tokens (name, bake|deploy, url), `auth:` methods
    installed_tokens: tuple[tuple[str, str, str], ...]
    auth_names: tuple[str, ...]
    condarc_enforce: EnforceStep | None  # condarc.enforce: the final settings file
    admin_post_install: AdminStep | None  # the admin's own step, after ours (admin_plan.py)
    input_hash: str  # sha256 of everything above's inputs

    def static_files(self) -> dict[str, bytes]:
        """The project's files that no template makes."""
        files = _static_files(self.assets, self.marker, self.deploy)
        files.update(env_files(self.extra_envs))
        if self.environment_file is not None and self.locked is not None:
            files[self.environment_file] = explicit_text(
                self.platform, self.locked.packages
            ).encode()
        return files

    def context(self) -> dict[str, Any]:
        """The templates' context: the plan as plain lists and mappings."""
        types = list(self.installer_types)
        return {
            "tool_version": __version__,
            "profile_name": self.name,
            "platform": self.platform.value,
            "name": self.name,
            "version": self.version,
            "company": self.company,
            "installer_type": types[0] if len(types) == 1 else types,
            "installer_types": types,
            "scope": self.scope,
            "channels": list(self.build_channels),
            "channels_remap": [{"src": src, "dest": dest} for src, dest in self.channels_remap],
            "installed_channels": list(self.installed_channels),
            "spec_groups": [(group, list(specs)) for group, specs in self.spec_groups],
            "spec_count": self.spec_count,
            "locked": self.locked is not None,
            "environment_file": self.environment_file,
            "locked_count": len(self.locked.packages) if self.locked is not None else 0,
            "exclude": list(self.exclude),
            "virtual_specs": list(self.virtual_specs),
            "menu_packages": None if self.menu_packages is None else list(self.menu_packages),
            "freeze_base": None if self.freeze_base is None else dict(self.freeze_base),
            "extra_envs": [env.context() for env in self.extra_envs],
            "condarc": dict(self.condarc),
            "extra_files": [{src: dest} for src, dest in self.extra_files],
            "post_install": self.post_install,
            "license_file": self.license_file,
            "options": dict(self.options),
            "conda_relpath": self.conda_relpath,
            "conda_repo_relpath": self.conda_repo_relpath,
            "marker_staged": self.marker_staged,
            "marker_final": self.marker_final,
            "ca_bundle": self.ca_bundle,
            "condarc_ssl_verify": self.condarc_ssl_verify,
            "uses_conda": self.uses_conda,
            "bundle_env": list(self.bundle_env),
            "psm": self.psm,
            "tokens": list(self.tokens),
            "condarc_tokens": list(self.condarc_tokens),
            "auth_methods": self.auth_methods,
            "condarc_enforce": self.condarc_enforce,
            "custom_channel_tokens": [c for c in self.condarc_tokens if not c.on_alias],
            "admin_post_install": self.admin_post_install,
            "input_hash": self.input_hash,
        }


def plan_project(
    loaded: LoadedProfile, platform: Platform, lock: LockData | None = None
) -> ProjectPlan:
    """With a lock, constructor builds from an explicit list of the locked records for
    this platform (no solve) and the profile's specs are only recorded as requested."""
    profile = loaded.profile
    facts = platform.facts
    locked = lock.platforms.get(platform.value) if lock is not None else None
    # a Windows prefix the locked installer would refuse (MAX_PATH) is refused here
    too_long = [p for p in path_length_problems(loaded, platform, locked) if p.severity == "error"]
    if too_long:
        raise ProfileInvalid(too_long)
    build_channels = ch.build_channels(profile)
    groups = profile.packages.groups_for(platform)
    spec_count = len(profile.packages.specs_for(platform))

    assets = _assets(loaded, platform)
    admin = admin_plan(loaded, platform)
    assets.update(admin.assets)
    marker = deploy = None
    if profile.deploy is not None:
        marker = installer_marker(profile, platform)
        deploy = deploy_facts(profile, platform, bool(profile.ca_certs))
    tokens = _installed_tokens(profile, platform)
    carried = _condarc_tokens(profile, tokens)
    condarc = ch.condarc_content(profile)
    auth_condarc(profile, condarc)
    if any(c.on_alias for c in carried):  # the post-install step appends it, token and all
        condarc.pop("channel_alias", None)
    extra_files = []
    if CA_BUNDLE_FILE in assets:
        extra_files.append((CA_BUNDLE_FILE, "/".join(CA_BUNDLE_RELPATH)))
    if marker is not None:  # never at its final path: the post-install moves it there last
        extra_files.append((MARKER_FILE, "/".join(MARKER_STAGED_RELPATH)))
    for token in tokens:
        if token.mode == "bake":
            staged = "/".join((*STAGED_TOKENS_RELPATH, staged_name(token.name)))
            extra_files.append((f"{TOKENS_DIR}/{staged_name(token.name)}", staged))
    envs = plan_envs(profile, platform, locked)
    extra_files += env_extra_files(envs)
    extra_files += admin.extra_files
    auth = plan_auth(profile, platform)
    if auth is not None:
        assets.update(auth.assets)
        extra_files += auth.extra_files
    enforce = enforce_step(profile, platform)
    if enforce is not None:
        assets[enforce.project_file] = enforce.data
        extra_files.append((enforce.project_file, enforce.staged_posix))
    needs_script = (
        admin.post_install is not None
        or enforce is not None
        or ch.scripts_use_bundle(profile)
        or profile.auth.psm is not None
        or bool(tokens)
        or auth is not None
        or marker is not None
    )
    menu = profile.packages.menu_packages
    static = _static_files(assets, marker, deploy)
    return ProjectPlan(
        name=profile.name,
        version=profile.installer_version,
        company=profile.company,
        platform=platform,
        installer_types=tuple(profile.installer_types.for_os(platform.os)),
        scope=install_scope(profile, platform.os),
        build_channels=tuple(build_channels),
        channels_remap=tuple((r.src, r.dest) for r in profile.channels_remap),
        spec_groups=tuple((group, tuple(specs)) for group, specs in groups),
        spec_count=spec_count,
        locked=locked,
        environment_file=ENVIRONMENT_FILE if locked is not None else None,
        exclude=tuple(profile.packages.exclude),
        virtual_specs=tuple(profile.packages.virtual_specs.get(platform.os, [])),
        menu_packages=None if menu is None else tuple(menu),
        freeze_base=frozen(profile.freeze_base),
        extra_envs=envs,
        installed_channels=tuple(ch.installed_channels(profile)),
        condarc=MappingProxyType(_finite(condarc)),
        assets=MappingProxyType(assets),
        marker=marker,
        deploy=deploy,
        extra_files=tuple(extra_files),
        license_file=next((k for k in assets if k.startswith("license/")), None),
        options=MappingProxyType(
            _options(profile, platform, list(assets))
            | admin_options(profile, platform, admin, needs_script)
        ),
        post_install=f"post_install{facts.script_suffix}" if needs_script else None,
        conda_relpath=facts.conda_relpath,
        conda_repo_relpath=facts.conda_repo_relpath,
        marker_staged=None if marker is None else facts.sep.join(MARKER_STAGED_RELPATH),
        marker_final=None if marker is None else facts.sep.join(MARKER_RELPATH),
        ca_bundle=facts.sep.join(CA_BUNDLE_RELPATH) if ch.scripts_use_bundle(profile) else None,
        condarc_ssl_verify=ch.ca_bundle_in_use(profile),
        # conda edits the condarc and sets variables; a marker alone needs no conda
        uses_conda=bool(ch.ca_bundle_in_use(profile) or ch.bundle_env_vars(profile)),
        bundle_env=tuple(ch.bundle_env_vars(profile)),
        psm=_psm(profile),
        tokens=tokens,
        installed_tokens=tuple(
            (name, t.install, t.url)
            for name, t in sorted(profile.tokens.items())
            if t.install != "none"
        ),
        auth_names=tuple(m for m in type(profile.auth).model_fields if getattr(profile.auth, m)),
        condarc_tokens=carried,
        auth_methods=auth,
        condarc_enforce=enforce,
        admin_post_install=admin.post_install,
        input_hash=_input_hash(profile, platform, static, locked),
    )


def _assets(loaded: LoadedProfile, platform: Platform) -> dict[str, bytes]:
    """Files copied into the project: licence, images for this OS, CA bundle."""
    sources = loaded.sources
    out: dict[str, bytes] = {}
    if sources.license is not None and sources.license.data is not None:
        out[f"license/{sources.license.path.name}"] = sources.license.data
    for key, systems in _IMAGE_OS.items():
        image = sources.images.get(key)
        if image is not None and image.data is not None and platform.os in systems:
            out[f"images/{key}{image.path.suffix.lower()}"] = image.data
    bundle = sources.ca_bundle
    if bundle is not None:
        out[CA_BUNDLE_FILE] = bundle
    return out


def _static_files(
    assets: Mapping[str, bytes], marker: InstallerMarker | None, deploy: DeployFacts | None
) -> dict[str, bytes]:
    out = dict(assets)
    if marker is not None:
        out[MARKER_FILE] = marker.text().encode()
    if deploy is not None:
        out[FACTS_FILE] = deploy.text().encode()
    return out


def _input_hash(
    profile: Profile, platform: Platform, files: dict[str, bytes], locked: PlatformLock | None
) -> str:
    payload: dict[str, Any] = {
        "tool": __version__,
        "platform": platform.value,
        "profile": profile.model_dump(mode="json"),
        "assets": {k: hashlib.sha256(v).hexdigest() for k, v in sorted(files.items())},
    }
    if locked is not None:
        payload["lock"] = [record.row() for record in locked.packages]
        if locked.envs:
            envs = locked.envs.items()
            payload["env_locks"] = {n: [r.row() for r in e.packages] for n, e in envs}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _installed_tokens(profile: Profile, platform: Platform) -> tuple[TokenStep, ...]:
    out = []
    sep = platform.facts.sep
    secrets = secret_tokens(profile.auth)  # written by the auth methods' step instead
    for name, token in sorted(profile.tokens.items()):
        if token.install == "none" or name in secrets:
            continue
        deploy = token.deploy
        source: str | None = None
        if token.install == "bake":
            source = sep.join((*STAGED_TOKENS_RELPATH, staged_name(name)))
        elif deploy is not None:
            source = deploy.win_file if platform.os is OS.win else deploy.unix_file
        out.append(
            TokenStep(
                name=name,
                var=f"token_{len(out) + 1}",
                url=token.url,
                mode=token.install,
                source=source,
                env=deploy.env if deploy is not None else None,
                remove=token.install == "bake" or (deploy is not None and deploy.remove_file),
            )
        )
    return tuple(out)


def _condarc_tokens(profile: Profile, tokens: tuple[TokenStep, ...]) -> tuple[CondarcToken, ...]:
    var = {t.name: t.var for t in tokens}
    return tuple(
        CondarcToken(key=c.key, location=c.location, var=var[c.token], on_alias=c.on_alias)
        for c in token_carriers(profile)
    )


def _psm(profile: Profile) -> PsmStep | None:
    psm = profile.auth.psm
    if psm is None:
        return None
    verify = ch.psm_ssl_verify(profile)
    return PsmStep(
        site=psm.site,
        url=psm.url,
        url_key=f"sites.{psm.site}.url",
        oauth2="true" if psm.oauth2 else "false",
        ssl_verify=verify if verify == "ca_bundle" else ("true" if verify else "false"),
        settings=tuple(sorted(psm.settings.items())),
    )


def _options(profile: Profile, platform: Platform, assets: list[str]) -> dict[str, Any]:
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
    # admin_plan.py renders conclusion_text, build_outputs and installer_filename
    admin_keys = {"conclusion_text", "build_outputs", "installer_filename"}
    dumped = install.model_dump(exclude={"default_prefix", "scope", *admin_keys}, exclude_none=True)
    dumped["check_path_spaces"] = install.checks_path_spaces(os_)  # may be given per OS
    if install.uninstall_name:
        dumped["uninstall_name"] = uninstall_name(profile)
    for key in sorted(dumped):
        if os_ in _OPTION_OS.get(key, frozenset()):
            value = dumped[key]
            if value == {} or value == []:
                continue
            out[key] = value
    if os_ is OS.win and "msi" in profile.installer_types.win and install.reverse_domain_identifier:
        # MSI: constructor derives the UpgradeCode from it (factory/deploy/msi_facts.py)
        out["reverse_domain_identifier"] = install.reverse_domain_identifier
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


def _finite(value: Any) -> Any:
    """Non-finite floats are not YAML numbers; keep them as text."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
