"""Token values, read from where a profile says they live (environment or file).

Values are read only to be used at build time and to be redacted from every output;
reading one never fails validation, because a profile is often checked on a machine
that does not hold the secrets.
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote_plus

from factory.leaks.shapes import MIN_TOKEN_LENGTH
from factory.profiles.load import LoadedProfile
from factory.profiles.model import INSTALLED_TOKEN_PATTERN

_INSTALLABLE = re.compile(INSTALLED_TOKEN_PATTERN)


def token_file_name(url: str) -> str:
    """The file name conda looks for under $BINSTAR_CONFIG_DIR/data for this URL."""
    return quote_plus(url) + ".token"


def staged_name(name: str) -> str:
    """Where a baked token sits in the project (and, under etc/installer-factory, in the
    installation until the post-install step moves it)."""
    return f"{name}.token"


def installable(value: str) -> bool:
    """Whether conda can put this token into a URL path as it is."""
    return bool(_INSTALLABLE.fullmatch(value))


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
