"""Deployment kits: what Intune, SCCM, Jamf and Ansible need to roll an installer out and
know it worked.

After a build, `write_kit` renders `templates/<installer type>/` for each installer into
`<build dir>/deploy/<installer type>/`, from the project's `deploy.json` (facts.py) and the
installers its build report lists; `write_manifest` (manifest.py) lists every installer of
an output folder in `manifest.json`.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from factory.formats.build_report import listed_installers
from factory.formats.deploy_facts import DeployFacts
from factory.output.layout import REPORT_FILE, facts_file, kit_dir
from factory.profiles.msi_rules import PACKED_ORDER
from factory.quoting.shells import cmd_arg, sh_quote
from factory.templating import template_environment
from factory.version import __version__

TEMPLATES = Path(__file__).parent / "templates"
# Exit codes every wrapper uses (Intune/SCCM return-code tables are built from these).
EXIT_CODES = {
    0: "installed and verified",
    1: "the installer failed (its own exit status was not 0)",
    2: "the installer reported success but the installation is incomplete or wrong",
    3: "the wrapper could not start (installer missing or its checksum wrong or unknown, no "
    "deploy-time token, no admin rights, not enough free space, log not writable, a release "
    "in the way)",
}

KIT_FILES: dict[str, tuple[str, ...]] = {
    "exe": ("install.cmd", "uninstall.cmd", "intune.json", "sccm.json", "DEPLOY.md"),
    "sh": ("install.sh", "uninstall.sh", "ansible-install.yml", "DEPLOY.md"),
    "pkg": ("install.sh", "uninstall.sh", "jamf.json", "DEPLOY.md"),
    "msi": ("install.cmd", "uninstall.cmd", "intune.json", "sccm.json", "DEPLOY.md"),
}


@cache
def environment() -> Any:
    return template_environment(
        TEMPLATES,
        {"sh": sh_quote, "cmd": cmd_arg, "json": json.dumps},
    )


def kit_context(project_facts: dict[str, Any], installer: dict[str, Any]) -> dict[str, Any]:
    """The template context: deploy.json's data plus the installer this kit is for (its
    build report entry: file name, type, size, sha256)."""
    return {
        **project_facts,
        "installer": installer,
        "exit_codes": EXIT_CODES,
        "tool_version": __version__,
        # msi: a packed GUID's digits in GUID order (the wrappers unpack ProductCodes)
        "guid_order": [PACKED_ORDER.index(i) for i in range(32)],
    }


def render_kit(context: dict[str, Any]) -> dict[str, bytes]:
    """{file name: bytes} for one installer; .cmd files get CRLF and must be ASCII."""
    kind = context["installer"]["installer_type"]
    if kind == "msi" and "msi" not in context:  # the profile does not list msi for win
        return {}
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
    facts = project_facts.data()
    written = []
    for installer in listed_installers(build_dir / REPORT_FILE):
        files = render_kit(kit_context(facts, installer.model_dump(mode="json")))
        target = kit_dir(build_dir, installer.installer_type)
        target.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (target / name).write_bytes(data)
            if name.endswith(".sh"):
                (target / name).chmod(0o755)
            written.append(target / name)
    return written


def read_facts(build_dir: Path) -> DeployFacts | None:
    """The project's deploy facts, None when its profile has no `deploy` section."""
    file = facts_file(build_dir)
    if not file.is_file():
        return None
    return DeployFacts.read(file)
