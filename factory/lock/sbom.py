"""CycloneDX 1.5 JSON software bills of materials from a lock, one per platform.

Deterministic like everything else: no timestamp, and the serial number is a UUID5 of
the content, so the same lock gives the same bytes. The SBOM describes what installed
machines have: channels are the installed ones (`channels_remap` dest, never the build
machine's own path or mirror), and a licence that is an SPDX identifier is written as one
(`license.id`, which scanners match), anything else by name.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from factory.formats.jsontext import json_text
from factory.formats.lock_file import Locked
from factory.profiles.channels import normalize
from factory.profiles.model import Profile
from factory.version import __version__

SPEC_VERSION = "1.5"
_NAMESPACE = uuid.UUID("6f1c3c1e-3a56-5c59-9a8e-1e7a7f0c9b21")  # installer-factory SBOMs


def installed_channels(profile: Profile, env: str | None = None) -> dict[str, str]:
    """Build channel URL (normalized) -> the URL installed machines use for it, in base
    or in extra environment `env` (its own channels_remap, else the profile's)."""
    remaps = profile.channels_remap
    config = profile.extra_envs.get(env) if env is not None else None
    if config is not None and config.channels_remap is not None:  # (a stale lock's env: none)
        remaps = config.channels_remap
    return {normalize(r.src): r.dest.rstrip("/") for r in remaps}


@dataclass(frozen=True)
class EnvRecords:
    """An extra environment's locked records and its installed channels."""

    name: str
    records: Sequence[Locked]
    channels: Mapping[str, str]


def env_records(profile: Profile, envs: Mapping[str, Any]) -> list[EnvRecords]:
    """The lock's extra environments of one platform (name -> EnvLock) for `cyclonedx`:
    those the profile still has, which are those an installer built from it holds."""
    return [
        EnvRecords(name, envs[name].packages, installed_channels(profile, name))
        for name in sorted(envs)
        if name in profile.extra_envs
    ]


@functools.cache
def spdx_ids() -> dict[str, str]:
    """SPDX identifiers by their lower case (SPDX matches case-insensitively)."""
    text = (Path(__file__).with_name("spdx_ids.txt")).read_text(encoding="utf-8")
    ids = [line for line in text.splitlines() if line and not line.startswith("#")]
    return {i.lower(): i for i in ids}


def license_entry(value: str) -> dict[str, Any]:
    spdx = spdx_ids().get(value.strip().lower())
    return {"license": {"id": spdx}} if spdx else {"license": {"name": value}}


def _channel(record: Locked, channels: Mapping[str, str]) -> str | None:
    """The channel installed machines know this record by; None for a build-local
    channel (file://) with no remap: its path means nothing off the build machine."""
    channel = channels.get(normalize(record.channel), record.channel)
    return None if channel.startswith("file:") else channel


def purl(record: Locked, channels: Mapping[str, str] | None = None) -> str:
    """Package URL for a conda package (purl-spec `conda` type)."""
    channel = _channel(record, channels or {})
    qualifiers = [
        ("build", record.build),
        *([("channel", channel)] if channel else []),
        ("subdir", record.subdir),
        ("type", "conda" if record.file.endswith(".conda") else "tar.bz2"),
    ]
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in qualifiers)
    return f"pkg:conda/{quote(record.name)}@{quote(record.version)}?{query}"


def _components(
    records: Sequence[Locked], mapping: Mapping[str, str], env: str | None = None
) -> list[dict[str, Any]]:
    components = []
    for record in sorted(records):
        ref = purl(record, mapping)
        component: dict[str, Any] = {
            "type": "library",
            # a package in base and in an environment is two components: refs are unique
            "bom-ref": ref if env is None else f"envs/{env}:{ref}",
            "name": record.name,
            "version": record.version,
            "purl": ref,
            "hashes": [h for h in _hashes(record) if h["content"]],
        }
        channel = _channel(record, mapping)
        if channel:
            url = f"{channel}/{record.subdir}/{record.file}"
            component["externalReferences"] = [{"type": "distribution", "url": url}]
        if record.license:
            component["licenses"] = [license_entry(record.license)]
        if env is not None:
            component["properties"] = [{"name": "conda:environment", "value": env}]
        components.append(component)
    return components


def cyclonedx(
    name: str,
    version: str,
    platform: str,
    records: Sequence[Locked],
    channels: Mapping[str, str] | None = None,
    envs: Sequence[EnvRecords] = (),
) -> dict[str, Any]:
    """The SBOM of one platform. `channels`: installed_channels(profile), so that purls and
    download URLs name the channels installed machines use. Base packages are top-level
    components; each extra environment is a component (envs/<name>) holding its own."""
    components = _components(records, channels or {})
    dependencies = []
    top = f"installer:{name}@{version}:{platform}"
    env_refs = []
    for env in envs:
        inner = _components(env.records, env.channels, env.name)
        ref = f"{top}:envs/{env.name}"
        env_refs.append(ref)
        components.append(
            {
                "type": "application",
                "bom-ref": ref,
                "name": f"envs/{env.name}",
                "version": version,
                "properties": [{"name": "conda:environment", "value": env.name}],
                "components": inner,
            }
        )
        dependencies.append({"ref": ref, "dependsOn": [c["bom-ref"] for c in inner]})
    bom: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": {
            "tools": {
                "components": [
                    {"type": "application", "name": "installer-factory", "version": __version__}
                ]
            },
            "component": {
                "type": "application",
                "bom-ref": f"installer:{name}@{version}:{platform}",
                "name": name,
                "version": version,
                "properties": [{"name": "conda:platform", "value": platform}],
            },
        },
        "components": components,
        "dependencies": [
            {"ref": top, "dependsOn": [c["bom-ref"] for c in components]},
            *dependencies,
        ],
    }
    body = json.dumps(bom, sort_keys=True)
    bom["serialNumber"] = f"urn:uuid:{uuid.uuid5(_NAMESPACE, body)}"
    return bom


def _hashes(record: Locked) -> list[dict[str, str]]:
    return [{"alg": "SHA-256", "content": record.sha256}, {"alg": "MD5", "content": record.md5}]


def sbom_text(
    name: str,
    version: str,
    platform: str,
    records: Sequence[Locked],
    channels: Mapping[str, str] | None = None,
    envs: Sequence[EnvRecords] = (),
) -> str:
    return json_text(cyclonedx(name, version, platform, records, channels, envs))
