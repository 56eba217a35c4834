"""`.installer-factory.json` in a rendered project: what rendered it, the sha256 of every
file, and the facts a later reader (`diff`, the release page) needs without reading the
scripts back: which tokens are installed and how, and which authentication methods the
post-install step configures. Names and URLs only: never a token's value."""

from __future__ import annotations

from typing import Literal

from factory.formats.base import JsonFile, StrictModel


class StampToken(StrictModel):
    name: str
    install: Literal["bake", "deploy"]
    url: str


class ProjectStamp(JsonFile):
    generator: Literal["installer-factory"] = "installer-factory"
    version: str
    profile: str
    platform: str
    input_sha256: str
    files: dict[str, str]  # path in the project -> sha256
    tokens: list[StampToken]  # installed on the machine (bake or deploy), by name
    auth: list[str]  # the `auth:` methods the profile configures (psm, anaconda_auth, ...)
