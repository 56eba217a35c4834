"""CycloneDX 1.5 JSON software bills of materials from a lock, one per platform.

Deterministic like everything else: no timestamp, and the serial number is a UUID5 of
the content, so the same lock gives the same bytes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from factory.formats.jsontext import json_text
from factory.formats.lock_file import Locked
from factory.version import __version__

SPEC_VERSION = "1.5"
_NAMESPACE = uuid.UUID("6f1c3c1e-3a56-5c59-9a8e-1e7a7f0c9b21")  # installer-factory SBOMs


def purl(record: Locked) -> str:
    """Package URL for a conda package (purl-spec `conda` type)."""
    qualifiers = [
        ("build", record.build),
        ("channel", record.channel),
        ("subdir", record.subdir),
        ("type", "conda" if record.file.endswith(".conda") else "tar.bz2"),
    ]
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in qualifiers)
    return f"pkg:conda/{quote(record.name)}@{quote(record.version)}?{query}"


def cyclonedx(name: str, version: str, platform: str, records: Sequence[Locked]) -> dict[str, Any]:
    components = []
    for record in sorted(records):
        component: dict[str, Any] = {
            "type": "library",
            "bom-ref": purl(record),
            "name": record.name,
            "version": record.version,
            "purl": purl(record),
            "hashes": [h for h in _hashes(record) if h["content"]],
            "externalReferences": [{"type": "distribution", "url": record.url}],
        }
        if record.license:
            component["licenses"] = [{"license": {"name": record.license}}]
        components.append(component)
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
            {
                "ref": f"installer:{name}@{version}:{platform}",
                "dependsOn": [c["bom-ref"] for c in components],
            }
        ],
    }
    body = json.dumps(bom, sort_keys=True)
    bom["serialNumber"] = f"urn:uuid:{uuid.uuid5(_NAMESPACE, body)}"
    return bom


def _hashes(record: Locked) -> list[dict[str, str]]:
    return [{"alg": "SHA-256", "content": record.sha256}, {"alg": "MD5", "content": record.md5}]


def sbom_text(name: str, version: str, platform: str, records: Sequence[Locked]) -> str:
    return json_text(cyclonedx(name, version, platform, records))
