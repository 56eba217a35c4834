"""One release read back from what installer-factory wrote: a lock file or a build output
folder. Only facts, never a secret: tokens by name and URL, certificates by subject and
fingerprint.

A lock (`<profile>.lock.yaml`, factory/formats/lock_file.py) holds per platform the
records of base and of each extra environment, and the build channels; it knows nothing of
remaps, certificates, tokens or installers, which stay None (n/a).

A build folder is an OUTPUT folder of `build` or `matrix run` (or one of its
`<name>/<platform>/` folders). Per build (factory/output/layout.py):
- build-report.json: installer name, version, platform, installers with size and sha256;
- project/environment.txt, project/envs/<name>.txt: the locked records as explicit lists
  (absent when the build had no lock: packages are then n/a);
- project/construct.yaml: build channels and `channels_remap` (base and extra_envs);
- project/ca-bundle.pem: the CA certificates, each after a `# <name>: <subject>` line;
- project/.installer-factory.json (factory/formats/project_stamp.py): the tokens the
  installation gets (name, bake or deploy, URL) and the authentication methods its
  post-install step sets up, recorded when the project was rendered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from factory.errors import InputError, display_path
from factory.formats.build_report import BuildReport, InstallerFile
from factory.formats.lock_file import LOCK_SUFFIX, Locked, read_lock
from factory.formats.project_stamp import ProjectStamp
from factory.output.layout import (
    CA_BUNDLE_FILE,
    ENVIRONMENT_FILE,
    FAILED_SUFFIX,
    PROJECT_DIR,
    REPORT_FILE,
    STAMP_FILE,
)

Kind = Literal["lock", "build"]
BASE = "base"  # the scope name of the base environment's channels

_CERT_NAME = re.compile(r"^# (?P<name>[^:\n]+): ", re.MULTILINE)


@dataclass(frozen=True)
class Certificate:
    name: str  # the profile's name for it (ca_certs key)
    subject: str
    sha256: str
    not_after: str  # ISO 8601, UTC

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "subject": self.subject,
            "sha256": self.sha256,
            "not_after": self.not_after,
        }


@dataclass
class Target:
    """One platform of one installer: what it installs and what was built."""

    platform: str
    name: str | None = None  # installer name (build folders)
    version: str | None = None
    packages: list[Locked] | None = None  # None: not known (built without a lock)
    envs: dict[str, list[Locked]] = field(default_factory=dict)
    installers: list[InstallerFile] | None = None  # None: a lock


@dataclass
class Release:
    """A release: its targets by label (`platform`, or `name/platform` when the folder
    holds several installers) and the facts shared by its targets (None: n/a)."""

    kind: Kind
    path: Path
    targets: dict[str, Target] = field(default_factory=dict)
    channels: dict[str, list[str]] = field(default_factory=dict)  # base, envs/<name>
    remaps: list[str] | None = None  # "src -> dest"
    certificates: list[Certificate] | None = None
    tokens: list[str] | None = None  # "name (how)" or a token URL: never a value
    auth: list[str] | None = None  # method names


def read_release(path: Path) -> Release:
    """A lock file or a build folder; InputError naming the file for anything unreadable."""
    if path.is_file():
        return _from_lock(path)
    if path.is_dir():
        return _from_folder(path)
    raise InputError(f"{display_path(path)}: no such file or folder")


def _from_lock(path: Path) -> Release:
    if not path.name.endswith(LOCK_SUFFIX):
        raise InputError(
            f"{display_path(path)}: not a lock file (*{LOCK_SUFFIX}) or a build folder"
        )
    lock = read_lock(path)
    assert lock is not None  # the file exists
    release = Release("lock", path, channels={BASE: list(lock.channels)})
    for platform, entry in sorted(lock.platforms.items()):
        envs = {name: list(env.packages) for name, env in sorted(entry.envs.items())}
        release.targets[platform] = Target(platform, packages=list(entry.packages), envs=envs)
        for name, env in entry.envs.items():
            scope = f"envs/{name}"
            known = release.channels.setdefault(scope, [])
            known += [c for c in env.channels if c not in known]
    return release


def _from_folder(path: Path) -> Release:
    reports = [path / REPORT_FILE] if (path / REPORT_FILE).is_file() else []
    # a failed job's folder beside a platform's is no part of the release: its last good
    # build is (build keeps it)
    found = sorted(path.glob(f"*/*/{REPORT_FILE}"))
    reports = reports or [r for r in found if not r.parent.name.endswith(FAILED_SUFFIX)]
    if not reports:
        raise InputError(
            f"{display_path(path)}: no {REPORT_FILE} in it or in its <name>/<platform>/ "
            "folders; give a build output folder or a lock file"
        )
    release = Release("build", path, remaps=[], certificates=[], tokens=[], auth=[])
    builds = [(BuildReport.read(r), r.parent) for r in reports]
    several = len({b.name for b, _ in builds}) > 1
    for report, folder in builds:
        label = f"{report.name}/{report.platform}" if several else report.platform
        target = Target(report.platform, report.name, report.version)
        target.installers = sorted(report.installers, key=lambda i: i.installer_type)
        _read_project(release, target, folder / PROJECT_DIR)
        release.targets[label] = target
    for facts in ("remaps", "tokens", "auth"):
        setattr(release, facts, sorted(set(getattr(release, facts))))
    unique = {c.sha256: c for c in release.certificates or []}
    release.certificates = sorted(unique.values(), key=lambda c: (c.name, c.sha256))
    return release


def _read_project(release: Release, target: Target, project: Path) -> None:

    construct = _yaml(project / "construct.yaml")
    _add_channels(release, BASE, construct)
    for name, env in sorted((construct.get("extra_envs") or {}).items()):
        _add_channels(release, f"envs/{name}", env if isinstance(env, dict) else {})
    explicit = project / ENVIRONMENT_FILE
    if explicit.is_file():
        target.packages = explicit_records(explicit)
        envs_dir = project / "envs"
        for file in sorted(envs_dir.glob("*.txt")) if envs_dir.is_dir() else []:
            target.envs[file.stem] = explicit_records(file)
    bundle = project / CA_BUNDLE_FILE
    if bundle.is_file():
        assert release.certificates is not None
        release.certificates += bundle_certificates(bundle)
    stamp = ProjectStamp.read(project / STAMP_FILE)
    assert release.tokens is not None and release.auth is not None
    for token in stamp.tokens:
        how = "baked" if token.install == "bake" else "deploy"
        release.tokens.append(f"{token.name} ({how}) {token.url}")
    release.auth += stamp.auth


def _add_channels(release: Release, scope: str, section: dict[str, Any]) -> None:
    known = release.channels.setdefault(scope, [])
    known += [str(c) for c in section.get("channels") or [] if str(c) not in known]
    assert release.remaps is not None
    for remap in section.get("channels_remap") or []:
        if isinstance(remap, dict):
            where = "" if scope == BASE else f"{scope}: "
            release.remaps.append(f"{where}{remap.get('src')} -> {remap.get('dest')}")


def _yaml(path: Path) -> dict[str, Any]:
    from ruamel.yaml import YAML

    try:
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{display_path(path)}: missing from the build folder") from None
    except Exception as exc:  # not YAML: one line, never a traceback
        raise InputError(f"{display_path(path)}: unreadable ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{display_path(path)}: not a constructor project file")
    return data


def explicit_records(path: Path) -> list[Locked]:
    """The records of an explicit environment file (lock/lockfile.py `explicit_text`):
    `<channel>/<subdir>/<name>-<version>-<build>.<ext>#sha256:<hex>` (or `#<md5>`)."""
    records = []
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith(("#", "@")):
            continue
        url, _, digest = line.partition("#")
        channel_subdir, _, file = url.rpartition("/")
        channel, _, subdir = channel_subdir.rpartition("/")
        stem = unquote(urlsplit(file).path)
        stem = stem.removesuffix(".conda").removesuffix(".tar.bz2")
        parts = stem.rsplit("-", 2)
        if len(parts) != 3 or not channel:
            raise InputError(f"{display_path(path)}:{number}: not a package URL: {line}")
        sha256 = digest.removeprefix("sha256:") if digest.startswith("sha256:") else ""
        md5 = "" if sha256 else digest
        records.append(Locked(*parts, channel, subdir, file, sha256, md5, 0))
    return records


def bundle_certificates(path: Path) -> list[Certificate]:
    """Each certificate of a CA bundle we wrote, with the name its comment gives it."""
    from factory.profiles.certificates import check_certificate_file

    text = path.read_text(encoding="utf-8", errors="replace")
    blocks = text.split("-----END CERTIFICATE-----")
    out = []
    for block in blocks:
        if "-----BEGIN CERTIFICATE-----" not in block:
            continue
        names = _CERT_NAME.findall(block.split("-----BEGIN CERTIFICATE-----")[0])
        pem = (block + "-----END CERTIFICATE-----\n").encode()
        for cert in check_certificate_file("", pem).certificates:
            out.append(
                Certificate(
                    name=names[0] if names else "",
                    subject=cert.subject,
                    sha256=cert.sha256,
                    not_after=cert.not_after.isoformat(),
                )
            )
    return out
