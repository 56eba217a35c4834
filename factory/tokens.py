"""Token values, read from where a profile says they live (environment or file).

Values are read only to be used at build time and to be redacted from every output;
reading one never fails validation, because a profile is often checked on a machine
that does not hold the secrets.
"""

from __future__ import annotations

import os

from factory.secrets import MIN_TOKEN_LENGTH
from factory.validate import LoadedProfile


def token_values(loaded: LoadedProfile) -> dict[str, str]:
    """Each token that is available here, by name."""
    out: dict[str, str] = {}
    for name, source in loaded.profile.tokens.items():
        value: str | None = None
        if source.env is not None:
            value = os.environ.get(source.env)
        elif source.file is not None:
            path = loaded.sources.resolve(("tokens", name, "file"), source.file)
            try:
                value = path.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError):
                value = None
        if value and len(value) >= MIN_TOKEN_LENGTH:
            out[name] = value
    return out
