"""What a token looks like, and where one is hiding in text.

Shared by profile validation (a literal token in a profile is an error) and `scan`
(rendered projects, logs, reports and installers must carry none). Matches are reported
by position and kind only; the matched text itself is never returned for printing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

REDACTED = "***"
MIN_TOKEN_LENGTH = 8  # shorter values would redact ordinary words out of every message
SECRET_NAME = re.compile(r"(?i)(TOKEN|SECRET|PASSW|API_?KEY|PRIVATE_?KEY|CREDENTIAL)")

# Each pattern's group 1 (or the whole match) is the secret part.
TOKEN_SHAPES: dict[str, re.Pattern[bytes]] = {
    # conda's token-in-URL form: https://host/t/<token>/channel
    "conda URL token": re.compile(rb"/t/([A-Za-z0-9][A-Za-z0-9_.~-]{7,})/"),
    "URL password": re.compile(rb"[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:([^/\s@'\"]{3,})@"),
    "JSON web token": re.compile(
        rb"\b(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"
    ),
    "bearer token": re.compile(rb"(?i)\bbearer\s+([A-Za-z0-9._~+/-]{16,}=*)"),
    "GitHub token": re.compile(rb"\b((?:gh[pousr]|github_pat)_[A-Za-z0-9_]{30,})\b"),
    "AWS access key": re.compile(rb"\b((?:AKIA|ASIA)[0-9A-Z]{16})\b"),
    "assigned secret": re.compile(
        rb"(?i)\b(?:token|api[_-]?key|password|passwd|secret)[\"']?\s*[:=]\s*[\"']?"
        rb"([A-Za-z0-9_/+=.~-]{16,})"
    ),
}


def secret_environment() -> list[str]:
    """Values of environment variables whose names say they hold secrets (as CI systems
    mask them), known before any profile is read."""
    import os

    return [
        v for k, v in os.environ.items() if SECRET_NAME.search(k) and len(v) >= MIN_TOKEN_LENGTH
    ]


@dataclass(frozen=True)
class Match:
    kind: str
    start: int  # byte offset of the secret part
    length: int


def find_token_shapes(data: bytes) -> Iterator[Match]:
    """Every token-shaped run in `data`, by kind and byte offset."""
    for kind, pattern in TOKEN_SHAPES.items():
        for found in pattern.finditer(data):
            group = 1 if pattern.groups else 0
            yield Match(kind, found.start(group), found.end(group) - found.start(group))


def looks_like_token(text: str) -> str | None:
    """The kind of token `text` contains, if any."""
    return next((m.kind for m in find_token_shapes(text.encode("utf-8", "replace"))), None)


def find_values(data: bytes, secrets: dict[str, bytes]) -> Iterator[Match]:
    """Every occurrence of a known secret value (by its name), including common encodings."""
    for name, value in secrets.items():
        if len(value) < 4:  # too short to search for without drowning in noise
            continue
        for form in _encodings(value):
            start = data.find(form)
            while start != -1:
                yield Match(f"token {name}", start, len(form))
                start = data.find(form, start + 1)


def _encodings(value: bytes) -> list[bytes]:
    import base64
    from urllib.parse import quote

    forms = [
        value,
        quote(value, safe="").encode(),
        base64.b64encode(value),
        value.decode("utf-8", "replace").encode("utf-16-le"),
    ]
    return list(dict.fromkeys(form for form in forms if form))


def redact_data(data: Any, secrets: list[str]) -> Any:
    """`data` (JSON-like) with every string redacted."""
    if isinstance(data, dict):
        return {redact(str(k), secrets): redact_data(v, secrets) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [redact_data(v, secrets) for v in data]
    return redact(data, secrets) if isinstance(data, str) else data


def redact(text: str, secrets: list[str]) -> str:
    """`text` with every known secret value (and its URL-encoded and JSON-escaped forms),
    and every token shape, shown as ***."""
    import json
    from urllib.parse import quote

    forms = {f for s in secrets if s for f in (s, quote(s, safe=""), json.dumps(s)[1:-1])}
    for value in sorted(forms, key=len, reverse=True):
        text = text.replace(value, REDACTED)
    raw = text.encode("utf-8", "surrogateescape")
    spans = sorted({(m.start, m.start + m.length) for m in find_token_shapes(raw)})
    if not spans:
        return text
    out, last = [], 0
    for start, end in spans:
        if start < last:
            continue
        out += [raw[last:start], REDACTED.encode()]
        last = end
    out.append(raw[last:])
    return b"".join(out).decode("utf-8", "surrogateescape")
