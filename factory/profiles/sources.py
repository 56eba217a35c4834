"""The files a profile names (licence, images, CA certificates, admin files), resolved
against the file that named them and read once, by `load_profile`.

The rules check what was read here; render ships it and the lock command trusts the CA
bundle, without reading the files again. Token files are not among them: they are read
only where a build or lock needs the secret (factory.profiles.tokens).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from factory.errors import display_path
from factory.profiles.admin_files import admin_file_keys
from factory.profiles.certificates import CertCheck, Certificate, bundle, read_certificate_file
from factory.profiles.model import Profile

KeyPath = tuple[str | int, ...]
Resolve = Callable[[KeyPath, str], Path]
IMAGE_KEYS = ("welcome", "header", "icon")


@dataclass(frozen=True)
class NamedFile:
    """A file the profile names at `key`: its bytes, or why there are none."""

    key: KeyPath
    path: Path
    data: bytes | None
    problem: str = ""  # set exactly when data is None


@dataclass(frozen=True)
class CertificateFile:
    name: str  # the profile's name for it (the ca_certs key)
    key: KeyPath
    path: Path
    check: CertCheck | None  # None when there is no such file


@dataclass(frozen=True)
class ProfileSources:
    resolve: Resolve
    license: NamedFile | None
    images: Mapping[str, NamedFile]  # by image key, those the profile sets
    certificate_files: tuple[CertificateFile, ...]  # by name
    # the admin's scripts and extra files, by the key that names each (admin_files.py)
    admin_files: Mapping[KeyPath, NamedFile] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def certificates(self) -> list[Certificate]:
        """Every certificate read, file by file in name order."""
        return [c for f in self.certificate_files if f.check for c in f.check.certificates]

    @property
    def ca_bundle(self) -> bytes | None:
        """The PEM bundle shipped and trusted, None when the profile has no ca_certs."""
        return bundle(self.certificates)[0] if self.certificate_files else None


def read_sources(profile: Profile, resolve: Resolve) -> ProfileSources:
    license_file = None
    if profile.license_file:
        license_file = _read(("license_file",), profile.license_file, resolve)
    images = {
        key: _read(("images", key), value, resolve)
        for key in IMAGE_KEYS
        if (value := getattr(profile.images, key))
    }
    certificates = []
    for name in sorted(profile.ca_certs):
        key = ("ca_certs", name)
        path = resolve(key, profile.ca_certs[name])
        check = read_certificate_file(name, path) if path.is_file() else None
        certificates.append(CertificateFile(name, key, path, check))
    admin = {key: _read(key, value, resolve) for key, value in admin_file_keys(profile)}
    return ProfileSources(
        resolve,
        license_file,
        MappingProxyType(images),
        tuple(certificates),
        MappingProxyType(admin),
    )


def _read(key: KeyPath, value: str, resolve: Resolve) -> NamedFile:
    path = resolve(key, value)
    if not path.is_file():
        return NamedFile(key, path, None, f"file not found: {display_path(path)}")
    try:
        return NamedFile(key, path, path.read_bytes())
    except OSError as exc:
        return NamedFile(key, path, None, f"cannot read {path.name}: {exc.strerror or exc}")
