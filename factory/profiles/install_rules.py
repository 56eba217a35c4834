"""Cross-key rules about the installed machine: tokens the post-install puts in place,
who can read them (install scope), and what the deployment kits need.

Each rule is a small function yielding `Finding`s; rules.py lists them in RULES.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from factory.platforms import OS, Platform
from factory.profiles import channels as ch
from factory.profiles.auth_methods import secret_tokens
from factory.profiles.finding import Finding
from factory.profiles.model import Profile
from factory.profiles.scope import install_scope
from factory.profiles.sources import ProfileSources
from factory.profiles.token_carriers import carrier_findings


def installed_tokens(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """A deploy-time token has a source on every OS (URLs apart: token_urls_apart)."""
    for name, token in profile.tokens.items():
        if token.install == "none":
            continue
        deploy = token.deploy
        systems = {p.os for p in profile.platforms}
        pkg = OS.osx in systems and "pkg" in profile.installer_types.for_os(OS.osx)
        if deploy is not None and pkg and deploy.unix_file is None:
            yield Finding(
                ("tokens", name, "deploy"),
                "a .pkg is built for macOS, and macOS's installer does not pass the caller's "
                "environment to package scripts, so only a token file reaches them: give "
                "`unix_file` (the Jamf kit writes the token there)",
                "warning",
            )
        if deploy is None or deploy.env is not None:
            continue
        if OS.win in systems and deploy.win_file is None:
            yield Finding(
                ("tokens", name, "deploy"),
                "no source on Windows: give `env` or `win_file`",
            )
        if systems - {OS.win} and deploy.unix_file is None:
            yield Finding(
                ("tokens", name, "deploy"),
                "no source on Linux/macOS: give `env` or `unix_file`",
            )


_API = re.compile(r"([./])api([./]|$)")


def _token_keys(url: str) -> set[str]:
    """The URLs conda files a token under: as written, and with its first `api` path part
    as `conda` (read_binstar_tokens in conda/gateways/anaconda_client.py)."""
    return {url, _API.sub(r"\1conda\2", url, count=1)}


def token_urls_apart(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """No token's URL may be a prefix of another's. conda sends a channel the first token
    whose URL is a prefix of the channel's (CondaHttpAuth.add_binstar_token in
    conda/gateways/connection/session.py), trying them in os.scandir order, which no one
    controls: with `.../api/repo/` and `.../api/repo/baked/` either token can go to the
    channels under the longer one. Every token shares the build's store (builds/job.py);
    installed ones ride in .condarc, where overlapping URLs would also mean two tokens for
    one channel (token_carriers.py)."""
    seen: list[tuple[str, str]] = []
    secrets = secret_tokens(profile.auth)  # never in the store nor a URL (auth_methods.py)
    for name, token in profile.tokens.items():
        if name in secrets:
            continue
        keys = _token_keys(token.url)
        for first, first_url in seen:
            first_keys = _token_keys(first_url)
            same = ch.normalize(first_url) == ch.normalize(token.url)
            both_installed = "none" not in (profile.tokens[first].install, token.install)
            if same and both_installed:
                yield Finding(
                    ("tokens", name, "url"),
                    f"tokens `{first}` and `{name}` are both installed for "
                    f"{ch.normalize(token.url)}; conda can use only one",
                )
                break
            if any(a.startswith(b) or b.startswith(a) for a in keys for b in first_keys):
                yield Finding(
                    ("tokens", name, "url"),
                    f"overlaps token `{first}` ({first_url}): conda sends a channel the "
                    "first token whose URL starts the channel's, in no fixed order, so "
                    "either token could reach the other's repository; give URLs where "
                    "neither starts the other",
                )
                break
        seen.append((name, token.url))


def tokens_carried(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """Each installed token rides on a .condarc value every user's conda reads
    (factory/profiles/token_carriers.py)."""
    yield from carrier_findings(profile)


def _all_users(profile: Profile) -> list[Platform]:
    return [p for p in profile.platforms if install_scope(profile, p.os) == "all_users"]


def shared_tokens(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """An installed token in an all-users install is readable by every user of the
    machine (README: What an installed machine gets): only a site token may go there, and
    the profile says so with `shared: true`."""
    shared_on = ", ".join(p.value for p in _all_users(profile))
    if not shared_on:
        return
    for name, token in profile.tokens.items():
        if token.install == "none":
            continue
        said = (
            f"an all-users install ({shared_on}) gives this token to every local user of "
            "the machine"
        )
        if token.shared:
            yield Finding(
                ("tokens", name, "shared"),
                f"{said}: every account there can read it and use the repository with it",
                "warning",
            )
        else:
            yield Finding(
                ("tokens", name),
                f"{said}; set `shared: true` if it is a site token, else install for one "
                "user (install.scope) or give each user their own token",
            )


def scope_consistent(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """An explicit install.scope must match the installer options that decide it, and an
    all-users install should not configure what only the installing account sees."""
    scope = profile.install.scope
    deploy = profile.deploy
    systems = {p.os for p in profile.platforms}
    win = deploy.windows if deploy is not None else None
    if OS.win in systems and scope.win is not None and win is not None:
        wanted = "AllUsers" if scope.win == "all_users" else "JustMe"
        if win.install_type != wanted:
            yield Finding(
                ("install", "scope", "win"),
                f"{scope.win} contradicts deploy.windows.install_type {win.install_type}, "
                f"which the installer follows; set install_type: {wanted} or change the scope",
            )
    domains = profile.install.pkg_domains
    if (
        OS.osx in systems
        and scope.osx == "all_users"
        and (domains is None or not domains.enable_localSystem)
    ):
        yield Finding(
            ("install", "scope", "osx"),
            "all_users needs install.pkg_domains.enable_localSystem: without it the .pkg "
            "installs only into a user's home",
        )
    if (
        OS.linux in systems
        and scope.linux == "user"
        and deploy is not None
        and deploy.unix is not None
    ):
        yield Finding(
            ("install", "scope", "linux"),
            "user, but the Linux deployment kit (deploy.unix) installs as root: its settings "
            "would go to root's account; use all_users",
            "warning",
        )
    shared = _all_users(profile)
    if shared and profile.install.initialize_conda:
        yield Finding(
            ("install", "initialize_conda"),
            f"an all-users install ({', '.join(p.value for p in shared)}) runs conda init "
            "as the installing account: it edits root's or SYSTEM's shell start-up files, "
            "not the users'; set it to false and have each user run `conda init`, or "
            "put the prefix's condabin on the machine's PATH with your management tool",
            "warning",
        )


def deploy_kit(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    """What the deployment wrappers need to know, and what the installers would refuse."""
    deploy = profile.deploy
    if deploy is None or profile.abstract:  # a base leaves prefixes to the use cases
        return
    install = profile.install
    types = {t for p in profile.platforms for t in profile.installer_types.for_os(p.os)}
    if Platform.win_64 in profile.platforms:
        win = deploy.windows
        if win is None:
            yield Finding(("deploy",), "needs `windows` (prefix, install_type) for win-64")
        else:
            if install.checks_path_spaces(OS.win) and " " in win.prefix:
                yield Finding(
                    ("deploy", "windows", "prefix"),
                    "contains a space, which the installer refuses while "
                    "install.check_path_spaces is true",
                )
            if win.add_to_path and win.install_type == "AllUsers":
                yield Finding(
                    ("deploy", "windows", "add_to_path"),
                    "the installer ignores /AddToPath=1 for AllUsers installs",
                )
            if win.add_to_path and not install.initialize_conda:
                yield Finding(
                    ("deploy", "windows", "add_to_path"),
                    "needs install.initialize_conda: without it the installer has no /AddToPath",
                )
        exe = "exe" in profile.installer_types.for_os(OS.win)
        if exe and install.uninstall_name is None:  # an .msi registers under its own name
            yield Finding(
                ("deploy",),
                "needs install.uninstall_name on win-64: it names the registry key the "
                "Intune/SCCM detection rule reads",
            )
        removes = deploy.uninstall
        wanted = removes.remove_caches or removes.remove_user_data
        # an .msi always uninstalls with conda-standalone; an .exe only when asked to
        asked = wanted or removes.remove_config_files != "none"
        if exe and asked and not install.uninstall_with_conda_exe:
            yield Finding(
                ("deploy", "uninstall"),
                "needs install.uninstall_with_conda_exe on win-64: only constructor's "
                "conda-standalone uninstaller takes /RemoveCaches, /RemoveConfigFiles and "
                "/RemoveUserData",
            )
    if "sh" in types and any(p.os is not OS.win for p in profile.platforms):
        if deploy.unix is None:
            yield Finding(("deploy",), "needs `unix` (prefix) for the .sh installers")
        elif " " in deploy.unix.prefix and any(
            install.checks_path_spaces(p.os)
            for p in profile.platforms
            if p.os is not OS.win and "sh" in profile.installer_types.for_os(p.os)
        ):
            yield Finding(
                ("deploy", "unix", "prefix"),
                "contains a space, which the installer refuses while "
                "install.check_path_spaces is true",
            )
    if deploy.unix is not None and "$" in deploy.unix.prefix:
        yield Finding(
            ("deploy", "unix", "prefix"),
            "holds `$`: the shell wrappers take it literally, but Ansible expands it in "
            "every path, so the Ansible task file refuses this prefix",
            "warning",
        )
    if "pkg" in types and deploy.upgrade == "side_by_side":
        yield Finding(
            ("deploy", "upgrade"),
            "side_by_side does not apply to .pkg installers: they always install into "
            "<default_location_pkg>/<pkg_name>, so each release replaces the last",
            "warning",
        )
    if "pkg" in types:
        domains = install.pkg_domains
        if not install.default_location_pkg or not (domains and domains.enable_localSystem):
            yield Finding(
                ("install", "pkg_domains"),
                "a system-wide .pkg deployment (installer -target /) needs "
                "pkg_domains.enable_localSystem and install.default_location_pkg",
            )
