"""Deployment kits: what Intune, SCCM, Jamf and Ansible need to roll an installer out and
know it worked.

Render writes `deploy.json` (the facts: prefixes, silent options, registry key, receipts,
what a good install holds) into the project, and `etc/installer-factory/installer.json`
(name, version, platform) into the installation, so a wrapper can check the version it
finds. After a build, `write_kit` renders `templates/deploy/<os>/` for each installer into
`<build dir>/deploy/<installer type>/`; `write_manifest` lists every installer of an output
folder in `manifest.json` (schema: `manifest.schema.json`).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from factory.output.layout import REPORT_FILE, facts_file, kit_dir
from factory.platforms import BINSTAR_RELPATH, CA_BUNDLE_RELPATH, OS, Platform
from factory.profile.model import Profile
from factory.quoting.shells import cmd_arg, sh_quote
from factory.templating import template_environment
from factory.version import __version__

TEMPLATES = Path(__file__).parent / "templates"
MARKER_RELPATH = ("etc", "installer-factory", "installer.json")
# Exit codes every wrapper uses (Intune/SCCM return-code tables are built from these).
EXIT_CODES = {
    0: "installed and verified",
    1: "the installer failed (its own exit status was not 0)",
    2: "the installer reported success but the installation is incomplete or wrong",
    3: "the wrapper could not start (installer missing or its checksum wrong, no admin "
    "rights, log not writable)",
}


def marker(profile: Profile, platform: Platform) -> bytes:
    data = {"name": profile.name, "version": profile.installer_version, "platform": platform.value}
    return (json.dumps(data, indent=2, sort_keys=True) + "\n").encode()


def uninstall_name(profile: Profile) -> str | None:
    """The Windows registry key name; side-by-side releases need one each."""
    name = profile.install.uninstall_name
    deploy = profile.deploy
    if name and deploy is not None and deploy.upgrade == "side_by_side":
        return f"{name} {profile.installer_version}"
    return name


def facts(profile: Profile, platform: Platform, ca_bundle: bool) -> dict[str, Any]:
    """Everything a kit needs besides the built installer itself: plain JSON."""
    deploy = profile.deploy
    assert deploy is not None
    version = profile.installer_version
    os_ = platform.os
    sep = platform.facts.sep
    expected = [".condarc", sep.join(MARKER_RELPATH)]
    if ca_bundle:
        expected.append(sep.join(CA_BUNDLE_RELPATH))
    if any(t.install != "none" for t in profile.tokens.values()):
        expected.append(sep.join((*BINSTAR_RELPATH, "data")))
    out: dict[str, Any] = {
        "generator": "installer-factory",
        "name": profile.name,
        "version": version,
        "platform": platform.value,
        "os": os_.value,
        "company": profile.company,
        "org": deploy.org,
        "upgrade": deploy.upgrade,
        "conda": platform.facts.conda_relpath,
        "marker": sep.join(MARKER_RELPATH),
        "expected": expected,
    }
    suffix = f"-{version}" if deploy.upgrade == "side_by_side" else ""
    if os_ is OS.win and deploy.windows is not None:
        win = deploy.windows
        options = [f"/InstallationType={win.install_type}"]
        if profile.install.register_python:
            options.append(f"/RegisterPython={int(win.register_python)}")
        if profile.install.initialize_conda:
            options.append(f"/AddToPath={int(win.add_to_path)}")
        hive = "HKLM" if win.install_type == "AllUsers" else "HKCU"
        key_name = uninstall_name(profile)
        out["windows"] = {
            "prefix": win.prefix + suffix,
            "install_type": win.install_type,
            "options": options,  # /D= is added last, unquoted, by the wrapper
            "uninstaller": f"Uninstall-{profile.name}.exe",
            "hive": hive,
            "registry_key": f"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\{key_name}",
            "log_dir": f"%ProgramData%\\{deploy.org}\\installer-logs",
        }
    if os_ is not OS.win and deploy.unix is not None:
        out["unix"] = {
            "prefix": deploy.unix.prefix + suffix,
            "log_dir": (
                f"/Library/Logs/{deploy.org}/installer-logs"
                if os_ is OS.osx
                else f"/var/log/{deploy.org}/installer-logs"
            ),
        }
    if os_ is OS.osx:
        install = profile.install
        identifier = install.reverse_domain_identifier or "io.continuum"
        pkg_dir = (install.pkg_name or profile.name).lower()
        location = (install.default_location_pkg or "").strip("/")
        out["pkg"] = {
            "prefix": "/" + "/".join(p for p in (location, pkg_dir) if p),
            "receipt": f"{identifier}.pkg.prepare_installation",
            "receipts_prefix": f"{identifier}.pkg.",
            "log_dir": f"/Library/Logs/{deploy.org}/installer-logs",
        }
    return out


# --- the kit ----------------------------------------------------------------------------

KIT_FILES: dict[str, tuple[str, ...]] = {
    "exe": ("install.cmd", "uninstall.cmd", "intune.json", "sccm.json", "DEPLOY.md"),
    "sh": ("install.sh", "uninstall.sh", "ansible-install.yml", "DEPLOY.md"),
    "pkg": ("install.sh", "uninstall.sh", "jamf.json", "DEPLOY.md"),
}


@cache
def environment() -> Any:
    return template_environment(
        TEMPLATES,
        {"sh": sh_quote, "cmd": cmd_arg, "json": json.dumps},
    )


def kit_context(project_facts: dict[str, Any], installer: dict[str, Any]) -> dict[str, Any]:
    """The facts plus the installer this kit is for (file name, type, size, sha256)."""
    return {
        **project_facts,
        "installer": installer,
        "exit_codes": EXIT_CODES,
        "tool_version": __version__,
    }


def render_kit(context: dict[str, Any]) -> dict[str, bytes]:
    """{file name: bytes} for one installer; .cmd files get CRLF and must be ASCII."""
    kind = context["installer"]["installer_type"]
    env = environment()
    out = {}
    for name in KIT_FILES.get(kind, ()):
        template = f"{kind}/{name}.j2"
        text = env.get_template(template).render(context)
        if name.endswith(".cmd"):
            out[name] = text.replace("\r\n", "\n").replace("\n", "\r\n").encode("ascii")
        else:
            out[name] = text.encode("utf-8")
    return out


def write_kit(build_dir: Path) -> list[Path]:
    """Write `deploy/<type>/` for every installer in a build folder that has kit facts."""
    project_facts = read_facts(build_dir)
    if project_facts is None:
        return []
    report = json.loads((build_dir / REPORT_FILE).read_text(encoding="utf-8"))
    written = []
    for installer in report.get("installers", []):
        files = render_kit(kit_context(project_facts, installer))
        target = kit_dir(build_dir, installer["installer_type"])
        target.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (target / name).write_bytes(data)
            if name.endswith(".sh"):
                (target / name).chmod(0o755)
            written.append(target / name)
    return written


def read_facts(build_dir: Path) -> dict[str, Any] | None:
    file = facts_file(build_dir)
    if not file.is_file():
        return None
    return json.loads(file.read_text(encoding="utf-8"))
