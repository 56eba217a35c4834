"""Redaction: every line the tool prints, logs or reports passes through here.

A `Redactor` holds the secret values known to one run (secret-named environment variables
from the start, each profile's token values once read) and hides them, in every encoding
scan looks for (values.py: one list for both), and every token shape, before anything
reaches a screen or a file.
"""

from __future__ import annotations

import functools
from typing import Any

from factory.leaks.shapes import MIN_TOKEN_LENGTH, SECRET_NAME, find_token_shapes
from factory.leaks.values import encodings

REDACTED = "***"


class Redactor:
    """The secrets one run knows; grows as profiles are read, never shrinks."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self.secrets: list[str] = list(secrets or [])

    @classmethod
    def from_environment(cls) -> Redactor:
        return cls(list(secret_environment().values()))

    def add(self, values: Any) -> None:
        self.secrets.extend(values)

    def text(self, text: str) -> str:
        return redact(text, self.secrets)

    def data(self, data: Any) -> Any:
        return redact_data(data, self.secrets)


def secret_environment() -> dict[str, str]:
    """Environment variables whose names say they hold secrets (as CI systems mask them),
    by name: known before any profile is read."""
    import os

    return {
        k: v
        for k, v in sorted(os.environ.items())
        if SECRET_NAME.search(k) and len(v) >= MIN_TOKEN_LENGTH
    }


def redact_data(data: Any, secrets: list[str]) -> Any:
    """`data` (JSON-like) with every string redacted."""
    if isinstance(data, dict):
        return {redact(str(k), secrets): redact_data(v, secrets) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [redact_data(v, secrets) for v in data]
    return redact(data, secrets) if isinstance(data, str) else data


@functools.lru_cache(maxsize=64)
def _forms(secrets: tuple[str, ...]) -> list[str]:
    """Every form of every value, longest first; worked on as text, never cutting a
    character in two (forms that are not UTF-8 can only meet text decoded the same way)."""
    forms = {
        form.decode("utf-8", "surrogateescape")
        for secret in secrets
        if secret
        for form in encodings(secret.encode("utf-8", "surrogateescape"))
    }
    return sorted(forms, key=lambda f: (-len(f), f))


def redact(text: str, secrets: list[str]) -> str:
    """`text` with every known secret value, in every encoding scan looks for, and every
    token shape, shown as ***."""
    for form in _forms(tuple(secrets)):
        text = text.replace(form, REDACTED)
        # again while it shortens the text: a replacement can join two halves of a form
        while len(form) > len(REDACTED) and form in text:
            text = text.replace(form, REDACTED)
    raw = text.encode("utf-8", "surrogateescape")
    spans = sorted((m.start, m.start + m.length) for m in find_token_shapes(raw))
    if not spans:
        return text
    merged: list[list[int]] = []
    for start, end in spans:  # overlapping matches hide the union of what they cover
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, last = [], 0
    for start, end in merged:
        out += [raw[last:start], REDACTED.encode()]
        last = end
    out.append(raw[last:])
    return b"".join(out).decode("utf-8", "surrogateescape")
