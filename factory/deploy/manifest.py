"""manifest.json and its readable twin DEPLOY.md, for every installer of an output folder:
filled in from each build's report and deploy facts. The shape is
factory.formats.manifest (`Manifest`), which `manifest.schema.json` is generated from.
"""

from __future__ import annotations

from pathlib import Path
from shlex import quote

from factory.deploy.kit import EXIT_CODES, environment, read_facts
from factory.formats.base import read_json
from factory.formats.build_report import BuildReport, InstallerFile
from factory.formats.deploy_facts import DeployFacts
from factory.formats.manifest import (
    Command,
    Detection,
    Entry,
    FileDetection,
    Manifest,
    MsiDetection,
    ReceiptDetection,
    RegistryDetection,
    schema_text,
)
from factory.output.atomic import write_bytes_atomic
from factory.output.layout import (
    INDEX_FILE,
    KITS_DIR,
    MANIFEST_FILE,
    REPORT_FILE,
    SBOM_FILE,
    report_files,
)
from factory.version import __version__

# schema_text too: `installer-factory schema --manifest` imports it from here
__all__ = ["build_manifest", "schema_text", "write_manifest"]

Commands = tuple[Command | None, Command | None, Detection | None]


def _entry(root: Path, build_dir: Path, report: BuildReport, item: InstallerFile) -> Entry:
    facts = read_facts(build_dir)
    rel = build_dir.relative_to(root).as_posix()
    kind = item.installer_type
    install = uninstall = detection = None
    page = None
    if facts is not None:
        install, uninstall, detection = _commands(facts, item.file, kind, rel)
        page = f"{rel}/{KITS_DIR}/{kind}/{INDEX_FILE}"
    sbom = build_dir / SBOM_FILE
    return Entry(
        name=report.name,
        version=report.version,
        platform=report.platform,
        installer_type=kind,
        file=f"{rel}/{item.file}",
        size=item.size,
        sha256=item.sha256,
        report=f"{rel}/{REPORT_FILE}",
        sbom=f"{rel}/{SBOM_FILE}" if sbom.is_file() else None,
        install=install,
        uninstall=uninstall,
        detection=detection,
        deploy_page=page,
    )


def _commands(facts: DeployFacts, file: str, kind: str, rel: str) -> Commands:
    version = facts.version
    wrapper = f"{rel}/{KITS_DIR}/{kind}"
    if kind == "exe" and facts.windows is not None:
        win = facts.windows
        prefix = win.prefix
        options = " ".join(win.options)
        install = Command(
            command=f'start "" /wait "{file}" /S {options} /D={prefix}',
            wrapper=f"{wrapper}/install.cmd",
        )
        uninstall = Command(
            command=f'"{prefix}\\{win.uninstaller}" /S _?={prefix}',
            wrapper=f"{wrapper}/uninstall.cmd",
        )
        registry = RegistryDetection(hive=win.hive, key=win.registry_key, equals=version)
        return install, uninstall, registry
    if kind == "msi" and facts.msi is not None:
        msi = facts.msi
        options = " ".join([*msi.properties, f'TARGETDIR="{msi.prefix}"'])
        install = Command(
            command=f'msiexec /i "{file}" /qn /norestart {options}',
            wrapper=f"{wrapper}/install.cmd",
        )
        removal = " ".join([f'msiexec /x "{file}" /qn /norestart', *msi.uninstall_properties])
        uninstall = Command(command=removal, wrapper=f"{wrapper}/uninstall.cmd")
        detection = MsiDetection(upgrade_code=msi.upgrade_code, version=msi.product_version)
        return install, uninstall, detection
    if kind == "pkg" and facts.pkg is not None:
        pkg = facts.pkg
        install = Command(
            command=f"installer -pkg {file} -target /", wrapper=f"{wrapper}/install.sh"
        )
        uninstall = Command(
            command=f"sudo {quote(wrapper + '/uninstall.sh')}", wrapper=f"{wrapper}/uninstall.sh"
        )
        receipt = ReceiptDetection(
            receipt=pkg.receipt, version=version, marker=f"{pkg.prefix}/{facts.marker}"
        )
        return install, uninstall, receipt
    if kind == "sh" and facts.unix is not None:
        prefix = facts.unix.prefix
        command = f"bash {quote(file)} -b -p {quote(prefix)}"
        install = Command(command=command, wrapper=f"{wrapper}/install.sh")
        uninstall = Command(command=f"rm -rf {quote(prefix)}", wrapper=f"{wrapper}/uninstall.sh")
        marker = FileDetection(path=f"{prefix}/{facts.marker}", version=version)
        return install, uninstall, marker
    return None, None, None


def build_manifest(root: Path) -> Manifest:
    entries = []
    for report_file in report_files(root):
        data = read_json(report_file)
        if not isinstance(data, dict) or data.get("status") != "ok":
            continue  # a failed or skipped build lists no installers to deploy
        report = BuildReport.from_data(data, report_file)
        for item in report.installers:
            entries.append(_entry(root, report_file.parent, report, item))
    return Manifest(generator_version=__version__, installers=entries)


def write_manifest(root: Path) -> Path:
    """manifest.json and its readable twin DEPLOY.md for every built installer under root."""
    manifest = build_manifest(root)
    target = root / MANIFEST_FILE
    write_bytes_atomic(target, manifest.text().encode())
    page = environment().get_template("index.md.j2").render(manifest.data(), exit_codes=EXIT_CODES)
    write_bytes_atomic(root / INDEX_FILE, page.encode())
    return target
