"""A profile's deployment facts for one platform: deploy.json and installer.json.

Render writes both into the project (factory.render.plan asks for them). `deploy.json`
holds what a kit needs besides the installer (prefixes, silent options, registry key,
receipts, what a good install holds); `installer.json` (name, version, platform) is
installed so a wrapper can check the version it finds. The shapes are declared in
factory.formats; here they are filled in from the profile.
"""

from __future__ import annotations

from factory.formats.deploy_facts import (
    DeployFacts,
    MsiFacts,
    PkgFacts,
    TokenFacts,
    UninstallFacts,
    UnixFacts,
    WindowsFacts,
)
from factory.formats.installer_marker import InstallerMarker
from factory.platforms import (
    CA_BUNDLE_RELPATH,
    ENV_STATE_RELPATH,
    MARKER_RELPATH,
    MARKER_STAGED_RELPATH,
    OS,
    Platform,
)
from factory.profiles import channels as ch
from factory.profiles.model import Profile
from factory.profiles.msi_rules import builds_msi, msi_identity
from factory.profiles.token_carriers import token_carriers


def installer_marker(profile: Profile, platform: Platform) -> InstallerMarker:
    return InstallerMarker(name=profile.name, version=profile.installer_version, platform=platform)


def uninstall_name(profile: Profile) -> str | None:
    """The Windows registry key name; side-by-side releases need one each."""
    name = profile.install.uninstall_name
    deploy = profile.deploy
    if name and deploy is not None and deploy.upgrade == "side_by_side":
        return f"{name} {profile.installer_version}"
    return name


def deploy_facts(profile: Profile, platform: Platform, ca_bundle: bool) -> DeployFacts:
    """Everything a kit needs besides the built installer itself."""
    deploy = profile.deploy
    assert deploy is not None
    version = profile.installer_version
    os_ = platform.os
    sep = platform.facts.sep
    # Everything the installation is configured with, checked before a wrapper calls a
    # release "already installed": the post-install writes the marker last, but a prefix
    # can still lose a piece later, and a retry must then repair it.
    expected = [".condarc", sep.join(MARKER_RELPATH)]
    if ca_bundle:
        expected.append(sep.join(CA_BUNDLE_RELPATH))
    # the base environment's variables (conda env config vars set)
    variables = list(ch.bundle_env_vars(profile))
    suffix = f"-{version}" if deploy.upgrade == "side_by_side" else ""
    windows = unix = pkg = None
    if os_ is OS.win and deploy.windows is not None:
        win = deploy.windows
        options = [f"/InstallationType={win.install_type}"]
        if profile.install.register_python:
            options.append(f"/RegisterPython={int(win.register_python)}")
        if profile.install.initialize_conda:
            options.append(f"/AddToPath={int(win.add_to_path)}")
        key_name = uninstall_name(profile)
        windows = WindowsFacts(
            prefix=win.prefix + suffix,
            install_type=win.install_type,
            options=options,
            uninstaller=f"Uninstall-{profile.name}.exe",
            hive="HKLM" if win.install_type == "AllUsers" else "HKCU",
            registry_key=f"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{key_name}",
            log_dir=f"%ProgramData%\\{deploy.org}\\installer-logs",
        )
    if os_ is not OS.win and deploy.unix is not None:
        unix = UnixFacts(
            prefix=deploy.unix.prefix + suffix,
            log_dir=(
                f"/Library/Logs/{deploy.org}/installer-logs"
                if os_ is OS.osx
                else f"/var/log/{deploy.org}/installer-logs"
            ),
        )
    if os_ is OS.osx:
        install = profile.install
        identifier = install.reverse_domain_identifier or "io.continuum"
        pkg_dir = (install.pkg_name or profile.name).lower()
        location = (install.default_location_pkg or "").strip("/")
        pkg = PkgFacts(
            prefix="/" + "/".join(p for p in (location, pkg_dir) if p),
            receipt=f"{identifier}.pkg.prepare_installation",
            receipts_prefix=f"{identifier}.pkg.",
            log_dir=f"/Library/Logs/{deploy.org}/installer-logs",
        )
    msi = _msi_facts(profile, suffix) if os_ is OS.win and builds_msi(profile) else None
    return DeployFacts(
        name=profile.name,
        version=version,
        platform=platform,
        os=os_,
        company=profile.company,
        org=deploy.org,
        upgrade=deploy.upgrade,
        conda=platform.facts.conda_relpath,
        marker=sep.join(MARKER_RELPATH),
        marker_staged=sep.join(MARKER_STAGED_RELPATH),
        expected=expected,
        variables=variables,
        variables_file=sep.join(ENV_STATE_RELPATH),
        condarc_tokens=sorted({c.marker for c in token_carriers(profile)}),
        tokens=_deploy_tokens(profile),
        uninstall=UninstallFacts(**deploy.uninstall.model_dump()),
        initialize_conda=bool(profile.install.initialize_conda),
        register_envs=profile.install.register_envs is not False,
        windows=windows,
        unix=unix,
        pkg=pkg,
        msi=msi,
    )


def _msi_facts(profile: Profile, suffix: str) -> MsiFacts | None:
    """msiexec's properties (constructor docs/source/cli-options.md, "MSI installers")."""
    deploy = profile.deploy
    if deploy is None or deploy.windows is None:
        return None
    win = deploy.windows
    all_users = win.install_type == "AllUsers"
    # constructor's tests pass MSIINSTALLPERUSER=1 for a per-user install, ALLUSERS=1 else
    properties = ["ALLUSERS=1" if all_users else "MSIINSTALLPERUSER=1"]
    if profile.install.register_python:
        properties.append(f"OPTION_REGISTER_PYTHON={int(win.register_python)}")
    if profile.install.initialize_conda:
        properties.append(f"OPTION_INITIALIZE_CONDA={int(win.add_to_path)}")
    gone = deploy.uninstall
    uninstall = [
        f"OPTION_REMOVE_USER_DATA={int(gone.remove_user_data)}",
        f"OPTION_REMOVE_CACHES={int(gone.remove_caches)}",
        f"OPTION_REMOVE_CONFIG_FILES={int(gone.remove_config_files != 'none')}",
    ]
    identity = msi_identity(profile)
    packed = identity.upgrade_code_packed
    hive = "HKLM" if all_users else "HKCU"
    return MsiFacts(
        prefix=win.prefix + suffix,
        all_users=all_users,
        properties=properties,
        uninstall_properties=uninstall,
        product_name=identity.product_name,
        product_version=identity.product_version,
        bundle_identifier=identity.bundle_identifier,
        upgrade_code=identity.upgrade_code,
        upgrade_code_packed=packed,
        upgrade_key=(
            f"HKLM\\SOFTWARE\\Classes\\Installer\\UpgradeCodes\\{packed}"
            if all_users
            else f"HKCU\\Software\\Microsoft\\Installer\\UpgradeCodes\\{packed}"
        ),
        uninstall_key=f"{hive}\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\",
        log_dir=f"%ProgramData%\\{deploy.org}\\installer-logs",
    )


def _deploy_tokens(profile: Profile) -> list[TokenFacts]:
    out = []
    for name, token in sorted(profile.tokens.items()):
        if token.install != "deploy" or token.deploy is None:
            continue
        d = token.deploy
        out.append(
            TokenFacts(
                name=name,
                env=d.env,
                unix_file=d.unix_file,
                win_file=d.win_file,
                remove_file=d.remove_file,
            )
        )
    return out
