"""Cross-key rules: what constructor only finds out 30 minutes into a build, checked up front.

Each rule is a small function yielding `Finding`s with the key path to blame; load.py
turns paths into file:line:column. Rules that need files (licence, images, certificates)
check them as `load_profile` read them (`ProfileSources`); they read nothing themselves.

The rules about the installed machine (tokens, install scope, deployment) are in
install_rules.py, and smaller families in spec_rules.py, url_rules.py, settings_rules.py
and prefix_rules.py; RULES at the end lists every rule, in the order they run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from factory.errors import UnsafeValue, display_path
from factory.platforms import OS, Platform
from factory.profiles import channels as ch
from factory.profiles.admin_rules import ADMIN_RULES
from factory.profiles.auth_rules import AUTH_RULES
from factory.profiles.certificates import duplicates
from factory.profiles.conda_exe_rules import conda_exe_rules
from factory.profiles.enforce_rules import enforced_keys
from factory.profiles.env_rules import ENV_RULES
from factory.profiles.finding import Finding
from factory.profiles.install_rules import (
    deploy_kit,
    installed_tokens,
    scope_consistent,
    shared_tokens,
    token_urls_apart,
    tokens_carried,
)
from factory.profiles.model import Profile
from factory.profiles.msi_rules import msi_installers
from factory.profiles.prefix_rules import windows_default_prefix
from factory.profiles.settings_rules import secret_settings
from factory.profiles.sources import ProfileSources
from factory.profiles.spec_rules import package_specs, spec_name
from factory.profiles.url_rules import plain_http
from factory.quoting.shells import cmd_arg

_VERSION = re.compile(r"(\d+(?:\.\d+)*)")


def _version_tuple(text: str) -> tuple[int, ...]:
    match = _VERSION.search(text)
    return tuple(int(p) for p in match.group(1).split(".")) if match else ()


def _conda_specs(profile: Profile, platform: Platform) -> list[str]:
    return [s for s in profile.packages.specs_for(platform) if spec_name(s) == "conda"]


def _conda_capped_below(profile: Profile, platform: Platform, minimum: tuple[int, ...]) -> str:
    """The conda spec when it pins or caps conda below `minimum`, else ''."""
    specs = _conda_specs(profile, platform)
    if not specs:
        return ""
    constraint = specs[0][len(spec_name(specs[0])) :]
    version = _version_tuple(constraint)
    capped = version and ("<" in constraint or ">" not in constraint) and version < minimum
    return specs[0] if capped else ""


def _has_package(profile: Profile, platform: Platform, name: str) -> bool:
    return any(spec_name(s) == name for s in profile.packages.specs_for(platform))


def _sh_platforms(profile: Profile) -> list[Platform]:
    return [p for p in profile.platforms if "sh" in profile.installer_types.for_os(p.os)]


def _unix(profile: Profile) -> list[Platform]:
    return [p for p in profile.platforms if p.os is not OS.win]


# --- the rules --------------------------------------------------------------------------


def version_present(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    if profile.version is None and profile.release is None:
        yield Finding(("version",), "set `version`, or `release` to derive it")


def lists_unique(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    lists: list[tuple[tuple[str | int, ...], list[str]]] = [
        (("platforms",), [p.value for p in profile.platforms])
    ]
    lists += [(("installer_types", os_.value), profile.installer_types.for_os(os_)) for os_ in OS]
    for path, items in lists:
        for index, item in enumerate(items):
            if item in items[:index]:
                yield Finding((*path, index), f"{item} is listed twice")


def channels_present(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    if not profile.channels and not profile.channels_remap:
        yield Finding(
            ("channels",),
            "no channels: set `channels` or `channels_remap` so the "
            "build has somewhere to get packages from",
        )


def remap_unique(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    seen: dict[str, int] = {}
    for index, entry in enumerate(profile.channels_remap):
        key = ch.normalize(entry.src)
        if key in seen:
            yield Finding(
                ("channels_remap", index, "src"),
                f"same source as channels_remap[{seen[key]}]; each source maps once",
            )
        seen.setdefault(key, index)


def condarc_uses_dest(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    sources_ = {ch.normalize(r.src): r.dest for r in profile.channels_remap}
    rc = profile.condarc
    for key in ("channels", "default_channels", "allowlist_channels"):
        for index, url in enumerate(getattr(rc, key) or []):
            if ch.normalize(url) in sources_:
                yield Finding(
                    ("condarc", key, index),
                    f"is a build-time source URL; installed machines should use its "
                    f"remapped URL {sources_[ch.normalize(url)]}",
                )
    for url in ch.unmapped_urls(profile):
        index = profile.channels.index(url) if url in profile.channels else 0
        yield Finding(
            ("channels", index),
            f"{url} has no channels_remap entry, so installed machines will use this "
            "build-time URL; add a remap or set condarc.channels",
            "warning",
        )
    if not ch.installed_channels(profile):
        yield Finding(("condarc", "channels"), "installed conda would have no channels", "warning")


def ssl_settings(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    if profile.condarc.ssl_verify == "ca_bundle" and not profile.ca_certs:
        yield Finding(("condarc", "ssl_verify"), "ca_bundle needs at least one entry in ca_certs")
    psm = profile.auth.psm
    if psm is not None and psm.ssl_verify == "ca_bundle" and not profile.ca_certs:
        yield Finding(
            ("auth", "psm", "ssl_verify"), "ca_bundle needs at least one entry in ca_certs"
        )
    if profile.ca_certs and profile.condarc.ssl_verify is False:
        yield Finding(
            ("condarc", "ssl_verify"),
            "TLS verification is off although ca_certs are shipped; the bundle will not be used",
            "warning",
        )


def truststore(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    if profile.condarc.ssl_verify != "truststore":
        return
    for platform in profile.platforms:
        if spec := _conda_capped_below(profile, platform, (23, 9)):
            yield Finding(
                ("condarc", "ssl_verify"),
                f"truststore needs conda >=23.9 on {platform.value}; packages ask for `{spec}`",
            )
            return


def conda_for_post_install(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """The post-install script calls the installed conda; the PSM step runs conda-repo-cli's
    own `conda-repo` executable (conda 26.3 and later no longer run `conda-*` executables
    as subcommands: conda pull request 15840), so its package must be installed."""
    why = {
        "conda": "the installation's conda reads the site conda-repo-cli configures",
        "conda-repo-cli": "the post-install step runs its `conda-repo` executable",
    }
    for platform in profile.platforms:
        if profile.auth.psm is not None:
            for needed in ("conda", "conda-repo-cli"):
                if not _has_package(profile, platform, needed):
                    yield Finding(
                        ("auth", "psm"),
                        f"needs `{needed}` in packages for {platform.value}: {why[needed]}",
                    )
                    return
        installed = [n for n, t in profile.tokens.items() if t.install != "none"]
        if installed and not _has_package(profile, platform, "conda"):
            yield Finding(
                ("tokens", installed[0], "install"),
                f"needs `conda` in packages for {platform.value}: the post-install step "
                "points conda at the installed token",
            )
            return
        if ch.scripts_use_bundle(profile) and not _has_package(profile, platform, "conda"):
            yield Finding(
                ("ca_certs",),
                f"needs `conda` in packages for {platform.value}: the "
                "post-install step points conda at the bundle",
            )
            return


def initialize_conda(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    mode = profile.install.initialize_conda
    if not mode:
        return
    for platform in profile.platforms:
        if not _conda_specs(profile, platform):
            yield Finding(
                ("install", "initialize_conda"), f"needs `conda` in packages for {platform.value}"
            )
            return
        spec = _conda_capped_below(profile, platform, (25, 5))
        if mode == "condabin" and platform.os is not OS.win and spec:
            yield Finding(
                ("install", "initialize_conda"),
                f"condabin needs conda >=25.5.0 on {platform.value}; packages ask for `{spec}`",
            )
            return


def path_spaces(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    install = profile.install
    per_os = not isinstance(install.check_path_spaces, bool)
    for platform in _unix(profile):
        if not install.checks_path_spaces(platform.os) and _has_package(profile, platform, "conda"):
            where = ("install", "check_path_spaces", *((platform.os.value,) if per_os else ()))
            yield Finding(
                where,
                "false is refused by constructor on Linux and macOS when conda is installed"
                + ("; set it false for win only ({win: false})" if not per_os else ""),
            )
            break
    if install.checks_path_spaces(OS.osx) and any(
        "pkg" in profile.installer_types.for_os(p.os) for p in profile.platforms
    ):
        for key in ("default_location_pkg", "pkg_name"):
            value = getattr(install, key)
            if value and " " in value:
                yield Finding(
                    ("install", key),
                    "contains a space, which a .pkg refuses while check_path_spaces is true",
                )


def pkg_domains(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    domains = profile.install.pkg_domains
    if domains and domains.enable_localSystem and not profile.install.default_location_pkg:
        yield Finding(
            ("install", "pkg_domains", "enable_localSystem"),
            "a system-wide .pkg install needs install.default_location_pkg (macOS "
            "does not allow new top-level folders)",
        )


def batch_mode_license(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    if profile.install.batch_mode and profile.license_file and _sh_platforms(profile):
        yield Finding(
            ("install", "batch_mode"), "a .sh installer cannot combine batch_mode with license_file"
        )


def packages_consistent(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    found: dict[tuple[str | int, ...], Finding] = {}  # common groups repeat per platform
    for platform in profile.platforms:
        first: dict[str, str] = {}
        for group, specs in profile.packages.groups_for(platform):
            for index, spec in enumerate(specs):
                name = spec_name(spec)
                if name in first:
                    path = (*_group_path(group), index)
                    found.setdefault(
                        path,
                        Finding(
                            path,
                            f"`{name}` is already requested by "
                            f"group {first[name]}; list each package once",
                        ),
                    )
                    continue
                first[name] = group
        for index, name in enumerate(profile.packages.exclude):
            if name.lower() in first:
                path = ("packages", "exclude", index)
                found.setdefault(
                    path,
                    Finding(
                        path,
                        f"`{name}` is both requested (group {first[name.lower()]}) and excluded",
                    ),
                )
    yield from found.values()
    if not any(profile.packages.specs_for(p) for p in profile.platforms):
        yield Finding(("packages", "specs"), "no packages: add at least one group of specs")


def _group_path(label: str) -> tuple[str, ...]:
    parts = label.split(".", 2)
    if parts[0] in ("os", "platform") and len(parts) == 3:
        return ("packages", parts[0], parts[1], parts[2])
    return ("packages", "specs", label)


def signing(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    win = profile.signing.windows
    if win and win.tool == "signtool" and not win.certificate:
        yield Finding(
            ("signing", "windows", "certificate"), "signtool needs the path of a .pfx certificate"
        )


def files_exist(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    for named in (sources.license, *sources.images.values()):
        if named is not None and named.problem:
            yield Finding(named.key, named.problem)
    text = sources.license.data if sources.license is not None else None
    if text is not None and _sh_platforms(profile) and not text.isascii():
        yield Finding(
            ("license_file",),
            "a .sh installer shows the licence as plain ASCII text; this file has other characters",
        )


def ca_certificates(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    for file in sources.certificate_files:
        if file.check is None:
            yield Finding(file.key, f"file not found: {display_path(file.path)}")
            continue
        for message in file.check.errors:
            yield Finding(file.key, message)
        for message in file.check.warnings:
            yield Finding(file.key, message, "warning")
    for cert, first in duplicates(sources.certificates):
        where = "twice in this file" if first == cert.name else f"also in ca_certs.{first}"
        yield Finding(
            ("ca_certs", cert.name),
            f"{cert.subject} is {where}; it is bundled once, so one copy can go",
            "warning",
        )


def cmd_safe_values(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """Values that reach post_install.bat must be sayable in cmd.exe."""
    if Platform.win_64 not in profile.platforms or profile.auth.psm is None:
        return
    psm = profile.auth.psm
    values: list[tuple[tuple[str | int, ...], str]] = [(("auth", "psm", "url"), psm.url)]
    values += [(("auth", "psm", "settings", k), v) for k, v in psm.settings.items()]
    for path, value in values:
        try:
            cmd_arg(value)
        except UnsafeValue as exc:
            yield Finding(path, f"cannot be passed safely to the Windows post-install: {exc}")


RULES = (
    version_present,
    lists_unique,
    channels_present,
    remap_unique,
    condarc_uses_dest,
    ssl_settings,
    truststore,
    conda_for_post_install,
    initialize_conda,
    path_spaces,
    pkg_domains,
    batch_mode_license,
    packages_consistent,
    signing,
    files_exist,
    ca_certificates,
    cmd_safe_values,
    package_specs,
    plain_http,
    secret_settings,
    enforced_keys,
    windows_default_prefix,
    installed_tokens,
    token_urls_apart,
    tokens_carried,
    shared_tokens,
    scope_consistent,
    deploy_kit,
    msi_installers,
    *ADMIN_RULES,
    conda_exe_rules,
    *ENV_RULES,
    *AUTH_RULES,
)


def check(profile: Profile, sources: ProfileSources) -> list[Finding]:
    return [finding for rule in RULES for finding in rule(profile, sources)]
