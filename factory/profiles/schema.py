"""The profile JSON Schema editors use. A profile file may be one layer of a chain, so the
published schema requires nothing; unknown keys stay errors. The merged profile is checked
against the full model by `validate`."""

from __future__ import annotations

from typing import Any

from factory.formats.jsontext import json_text

SCHEMA_URL = "https://json-schema.org/draft/2020-12/schema"


def layer_schema() -> dict[str, Any]:
    from factory.profiles.model import Profile

    schema = Profile.model_json_schema(mode="validation")
    _relax(schema)
    return {"$schema": SCHEMA_URL, **schema}


def _relax(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("required", None)
        for value in node.values():
            _relax(value)
    elif isinstance(node, list):
        for value in node:
            _relax(value)


def schema_text() -> str:
    return json_text(layer_schema())
