"""Free-form settings (`auth.psm.settings`, `condarc.settings`) never carry secrets.

Both are written as they are into the post-install scripts or the shipped .condarc, which
anyone who has the installer can read; a token goes through `tokens:`, which reads it at
build or install time and stores it where only its user can read it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from factory.profiles.finding import Finding
from factory.profiles.model import Profile
from factory.profiles.sources import ProfileSources

# the names leaks/shapes.py redacts by, also with the `-` and `.` settings keys may hold
SECRET_NAME = re.compile(r"(?i)(token|secret|passw|api[_.-]?key|private[_.-]?key|credential)")
# conda's own switch for sending anaconda.org tokens: a flag, not a secret
_FLAGS = frozenset({"add_anaconda_token"})


def _secret_named(key: str, value: Any) -> bool:
    return key not in _FLAGS and not isinstance(value, bool) and bool(SECRET_NAME.search(key))


def secret_settings(profile: Profile, sources: ProfileSources) -> Iterator[Finding]:
    places: list[tuple[tuple[str, ...], dict[str, Any], str]] = [
        (("condarc", "settings"), profile.condarc.settings, "the shipped .condarc"),
    ]
    if profile.auth.psm is not None:
        places.append(
            (("auth", "psm", "settings"), profile.auth.psm.settings, "the post-install scripts")
        )
    for prefix, settings, where in places:
        for key, value in settings.items():
            if _secret_named(key, value):
                yield Finding(
                    (*prefix, key),
                    f"`{key}` is named like a secret, and settings are written as they are "
                    f"into {where}; give tokens through `tokens:` (from the environment or "
                    "a file), never here",
                )
