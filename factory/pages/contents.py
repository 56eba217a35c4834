"""What one build folder holds, read from its own files for the release page: the packages
per environment (the SBOM when the build was locked, else the project's specs), the
channels (construct.yaml's build channels, remap and shipped .condarc), the signing state
of each installer and the CA bundle it ships.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from factory.errors import InputError, display_path
from factory.formats.base import read_json
from factory.formats.build_report import InstallerFile
from factory.formats.release_page import (
    PageChannels,
    PageEnvironment,
    PageInstaller,
    PagePackage,
    PageRemap,
    SigningState,
)
from factory.output.layout import CA_BUNDLE_FILE, PROJECT_DIR, SBOM_FILE
from factory.pages.signatures import signed
from factory.profiles.certificates import Certificate, check_certificate_file

_CONSTRUCT = "construct.yaml"
# the name the bundle's header gives each certificate (profiles/certificates.py `bundle`)
_BUNDLE_HEADER = re.compile(r"^# (?P<name>[^:\n]+): .*\n# sha256 (?P<sha>[0-9a-f]{64})", re.M)


def construct_data(build_dir: Path) -> dict[str, Any]:
    """The built project's construct.yaml as data; {} when the folder has none."""
    from ruamel.yaml import YAML, YAMLError

    path = build_dir / PROJECT_DIR / _CONSTRUCT
    if not path.is_file():
        return {}
    try:
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as exc:
        raise InputError(f"{display_path(path)}: cannot read: {exc}") from None
    return data if isinstance(data, dict) else {}


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def channels(construct: dict[str, Any]) -> PageChannels | None:
    if not construct:
        return None
    from ruamel.yaml import YAML, YAMLError

    condarc: Any = {}
    text = construct.get("condarc")
    if isinstance(text, str):
        try:
            condarc = YAML(typ="safe", pure=True).load(text) or {}
        except YAMLError:
            condarc = {}
    elif isinstance(text, dict):
        condarc = text
    if not isinstance(condarc, dict):
        condarc = {}
    remap = [
        PageRemap(src=str(r.get("src", "")), dest=str(r.get("dest", "")))
        for r in construct.get("channels_remap") or []
        if isinstance(r, dict)
    ]
    return PageChannels(
        build=_strings(construct.get("channels")),
        remap=remap,
        installed=_strings(condarc.get("channels")),
        default_channels=_strings(condarc.get("default_channels")),
        channel_alias=str(condarc.get("channel_alias") or ""),
    )


def _package(component: dict[str, Any]) -> PagePackage:
    query = parse_qs(urlsplit(str(component.get("purl", ""))).query)
    return PagePackage(
        name=str(component.get("name", "")),
        version=str(component.get("version", "")),
        build=query.get("build", [""])[0],
        channel=query.get("channel", [""])[0],
    )


def _sbom_environments(path: Path) -> list[PageEnvironment]:
    """Base and each extra environment from the build's CycloneDX SBOM (lock/sbom.py)."""
    data = read_json(path)
    components = data.get("components", []) if isinstance(data, dict) else []
    base: list[PagePackage] = []
    envs: list[PageEnvironment] = []
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, dict):
            continue
        if component.get("type") == "application":  # envs/<name>, holding its own
            inner = component.get("components") or []
            name = str(component.get("name", "")).removeprefix("envs/")
            packages = [_package(c) for c in inner if isinstance(c, dict)]
            envs.append(PageEnvironment(name=name, locked=True, packages=_sorted(packages)))
        else:
            base.append(_package(component))
    return [PageEnvironment(name="base", locked=True, packages=_sorted(base)), *envs]


def _sorted(packages: list[PagePackage]) -> list[PagePackage]:
    return sorted(packages, key=lambda p: (p.name, p.version, p.build, p.channel))


def environments(build_dir: Path, construct: dict[str, Any]) -> list[PageEnvironment]:
    sbom = build_dir / SBOM_FILE
    if sbom.is_file():
        return _sbom_environments(sbom)
    if not construct:
        return []
    out = [PageEnvironment(name="base", locked=False, specs=_strings(construct.get("specs")))]
    extra = construct.get("extra_envs")
    for name, env in sorted(extra.items()) if isinstance(extra, dict) else []:
        specs = _strings(env.get("specs")) if isinstance(env, dict) else []
        out.append(PageEnvironment(name=str(name), locked=False, specs=specs))
    return out


_SIGNERS = {
    # construct.yaml keys constructor signs with, per installer type (constructor's
    # winexe.py signtool/azuresigntool, osxpkg.py productsign with signing_identity_name)
    "exe": ("windows_signing_tool", "signing_certificate"),
    "pkg": ("signing_identity_name", "notarization_identity_name"),
}


def installer_entry(
    build_dir: Path, directory: str, item: InstallerFile, construct: dict[str, Any]
) -> PageInstaller:
    found = signed(build_dir / item.file, item.installer_type)
    state, detail = signing_state(item, construct, found)
    return PageInstaller(
        file=f"{directory}/{item.file}",
        installer_type=item.installer_type,
        size=item.size,
        sha256=item.sha256,
        signing=state,
        signing_detail=detail,
        built_sha256=item.built_sha256,
    )


_KINDS = {"exe": "Authenticode", "msi": "Authenticode", "pkg": "productsign"}


def signing_state(
    item: InstallerFile, construct: dict[str, Any], found: bool | None
) -> tuple[SigningState, str]:
    """What the installer's bytes say (`found`: pages/signatures.py), with what the build
    report and the project add; from those two alone when the file says nothing."""
    changed = item.built_sha256 is not None and item.built_sha256 != item.sha256
    keys = _SIGNERS.get(item.installer_type, ())
    given = "; ".join(f"{key}: {construct[key]}" for key in keys if construct.get(key))
    if found is True:
        how = (
            "signed after the build, then `rehash`"
            if changed
            else f"constructor signed it ({given})"
            if given
            else "signed"
        )
        return "signed", f"{_KINDS[item.installer_type]} signature in the file; {how}"
    if found is False:
        why = (
            " though its bytes changed after the build"
            if changed
            else f" though the project asked constructor to sign it ({given})"
            if given
            else ""
        )
        return "unsigned", f"no signature in the file{why}"
    if changed:
        return "changed-after-build", "its bytes changed after the build (signed, then `rehash`)"
    if given:
        return "signed-at-build", f"constructor signed it ({given})"
    if item.installer_type == "sh":
        return "not-signable", "a shell installer carries no signature: check its sha256"
    return "unsigned", "not signed by the build, nor changed since"


def certificates(build_dir: Path) -> list[tuple[str, Certificate]]:
    """The CA bundle the build ships (project/ca-bundle.pem), as (profile name, cert)."""
    path = build_dir / PROJECT_DIR / CA_BUNDLE_FILE
    if not path.is_file():
        return []
    data = path.read_bytes()
    names = {
        m.group("sha"): m.group("name")
        for m in _BUNDLE_HEADER.finditer(data.decode("utf-8", "replace"))
    }
    parsed = check_certificate_file(CA_BUNDLE_FILE, data).certificates
    return [(names.get(cert.sha256, ""), cert) for cert in parsed]
