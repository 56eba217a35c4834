"""The commands an admin runs to deploy each installer, per system, for the release page.

Taken from what the build folder holds: the manifest entry (factory.deploy.manifest: the
plain silent command and the kit's wrapper) and the kit's own files under
deploy/<installer type>/ (intune.json, sccm.json, jamf.json, ansible-install.yml), so the
page shows exactly what the kit says. A build without a `deploy` section has no kit:
only the plain command constructor's installer takes.
"""

from __future__ import annotations

import json
from pathlib import Path
from shlex import quote
from typing import Any

from factory.formats.manifest import Entry
from factory.formats.release_page import PageCommand
from factory.output.layout import KITS_DIR


def _kit_json(kit: Path, name: str) -> dict[str, Any]:
    try:
        data = json.loads((kit / name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _at(data: dict[str, Any], *keys: str) -> str:
    value: Any = data
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) else ""


def _plain(entry: Entry, directory: str) -> list[PageCommand]:
    out = []
    where = f"from {directory}/"
    for action, command in (("install", entry.install), ("uninstall", entry.uninstall)):
        if command is None:
            continue
        if command.wrapper:
            run = _wrapper_command(command.wrapper.removeprefix(f"{directory}/"), action)
            note = f"{where}; verifies and logs (exit codes in DEPLOY.md)"
            out.append(PageCommand(system="Plain", action=action, command=run, note=note))
        if command.wrapper and command.wrapper in command.command:
            continue  # the manifest's command is the wrapper itself (a .pkg's uninstall)
        out.append(
            PageCommand(
                system="Plain",
                action=action,
                command=command.command,
                note=f"{where}; the silent command alone, without checks",
            )
        )
    return out


def _wrapper_command(wrapper: str, action: str) -> str:
    """As each kit's DEPLOY.md has it: cmd.exe wants backslashes; the Linux uninstall runs
    with root's own HOME (-H), whose shell files it cleans."""
    if wrapper.endswith(".cmd"):
        return wrapper.replace("/", "\\")
    sudo = "sudo -H" if action == "uninstall" and wrapper.startswith(f"{KITS_DIR}/sh/") else "sudo"
    return f"{sudo} sh {quote(wrapper)}"


def _windows(kit: Path) -> list[PageCommand]:
    out = []
    if (kit / "install.cmd").is_file():
        command = "IntuneWinAppUtil.exe -c <content folder> -s install.cmd -o <output folder>"
        note = "content folder: install.cmd, uninstall.cmd and the installer"
        out.append(PageCommand(system="Intune", action="package", command=command, note=note))
    intune = _kit_json(kit, "intune.json")
    if intune:
        note = "Win32 app command line (intune.json: the Graph body)"
        for action, key in (
            ("install", "installCommandLine"),
            ("uninstall", "uninstallCommandLine"),
        ):
            if _at(intune, key):
                out.append(
                    PageCommand(system="Intune", action=action, command=_at(intune, key), note=note)
                )
    sccm = _kit_json(kit, "sccm.json")
    if sccm:
        note = "Script Installer deployment type (sccm.json)"
        for action, key in (
            ("install", "installationProgram"),
            ("uninstall", "uninstallationProgram"),
        ):
            command = _at(sccm, "deploymentType", key)
            if command:
                out.append(PageCommand(system="SCCM", action=action, command=command, note=note))
    return out


def _jamf(kit: Path) -> list[PageCommand]:
    jamf = _kit_json(kit, "jamf.json")
    if not jamf:
        return []
    out = []
    script = _at(jamf, "policy", "script")
    if script:
        note = "policy script, run as root after the package is cached (parameters in jamf.json)"
        out.append(PageCommand(system="Jamf", action="install", command=script, note=note))
    install = _at(jamf, "package", "install_command")
    if install:
        out.append(
            PageCommand(system="Jamf", action="install", command=install, note="what it runs")
        )
    uninstall = _at(jamf, "uninstall", "script")
    if uninstall:
        out.append(
            PageCommand(system="Jamf", action="uninstall", command=uninstall, note="run as root")
        )
    receipt = _at(jamf, "detection", "receipt_command")
    if receipt:
        out.append(
            PageCommand(system="Jamf", action="detect", command=receipt, note="installed version")
        )
    return out


def _ansible(kit: Path, directory: str, kind: str) -> list[PageCommand]:
    if not (kit / "ansible-install.yml").is_file():
        return []
    tasks = f"{directory}/{KITS_DIR}/{kind}/ansible-install.yml"
    command = (
        f"ansible.builtin.include_tasks: {tasks}  "
        f"(vars: installer_factory_src_dir: <where {directory}/ is on the controller>)"
    )
    note = "a task in a play on the Linux hosts, become: true (see the kit's DEPLOY.md)"
    return [PageCommand(system="Ansible", action="install", command=command, note=note)]


def deploy_commands(root: Path, entry: Entry, directory: str) -> list[PageCommand]:
    """Every command for one installer: plain first, then each system its kit serves."""
    kind = entry.installer_type
    kit = root / directory / KITS_DIR / kind
    out = _plain(entry, directory)
    if kind in ("exe", "msi"):
        out += _windows(kit)
    elif kind == "pkg":
        out += _jamf(kit)
    else:
        out += _ansible(kit, directory, kind)
    return out
