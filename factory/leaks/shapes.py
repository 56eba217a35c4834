"""What a token looks like, and where one is hiding in text.

Shared by profile validation (a literal token in a profile is an error) and `scan`
(rendered projects, logs, reports and installers must carry none). Matches are reported
by position and kind only; the matched text itself is never returned for printing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

MIN_TOKEN_LENGTH = 8  # shorter values would redact ordinary words out of every message
SECRET_NAME = re.compile(r"(?i)(TOKEN|SECRET|PASSW|API_?KEY|PRIVATE_?KEY|CREDENTIAL)")

# Each pattern's group 1 is the secret part. Patterns start with a literal where they can
# (fast to search) and ask for what real secrets have and code and prose lack: length, and
# digits mixed with letters, so `passwd = getpass(prompt)` or a forum link's `/t/<slug>/`
# is not taken for a token.
_MIXED = rb"(?=[A-Za-z0-9_/+=~.-]*[0-9])(?=[A-Za-z0-9_/+=~.-]*[A-Za-z])"
TOKEN_SHAPES: dict[str, re.Pattern[bytes]] = {
    # conda's token-in-URL form, https://host/t/<token>/channel: anaconda.org style
    # (xx-uuid), long hex, or mixed-case base64url; forum links' /t/<slug>/ are lowercase
    "conda URL token": re.compile(
        rb"/t/([a-z]{2}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        rb"|[0-9a-f]{32,}"
        rb"|(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{20,})/"
    ),
    "URL password": re.compile(
        rb"(?i)(?:https?|ftps?|s3|git\+https?)://[^/\s:@'\"\[\]<>{}$%]+:"
        rb"(" + _MIXED + rb"[^/\s@'\"\[\]<>{}$%]{6,})@"
    ),
    "JSON web token": re.compile(
        rb"(eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"
    ),
    "bearer token": re.compile(rb"(?i)bearer\s+(" + _MIXED + rb"[A-Za-z0-9._~+/-]{16,}=*)"),
    # fixed lengths, standing alone: C++ symbols such as highs_setCallback... are not tokens.
    # Asking for a digit misses no real gh?_ token: its last six characters are the CRC32
    # of the other 30 in base62 (0-9, A-Z, a-z), zero-padded, and 2**32 < 5 * 62**5 puts
    # 0-4 first (github.blog, "Behind GitHub's new authentication token formats", 2021).
    "GitHub token": re.compile(
        rb"(?<![A-Za-z0-9_])(gh[pousr]_(?=[A-Za-z]*[0-9])[A-Za-z0-9]{36}"
        rb"|github_pat_[A-Za-z0-9_]{82})(?![A-Za-z0-9_])"
    ),
    # AWS documents AKIAIOSFODNN7EXAMPLE; SDKs and their mocks ship it
    "AWS access key": re.compile(
        rb"((?:AKIA|ASIA)(?![0-9A-Z]{0,12}EXAMPLE)[0-9A-Z]{16})(?![0-9A-Z])"
    ),
}

# Looser: right for profiles, messages, logs, reports and rendered projects, too noisy for
# third-party package contents (SDK examples are full of `"NextToken": "..."`).
LOOSE_SHAPES: dict[str, re.Pattern[bytes]] = {
    # `password = X`, `api_token: X`, `ACCESS_TOKEN=X`, `"auth_token": "X"`; not a call
    "assigned secret": re.compile(
        rb"(?i)(?:token|api[_-]?key|password|passwd|secret)[\"']?\s*[:=]\s*[\"']?"
        rb"(?![0-9a-f]{20,31}(?![A-Za-z0-9_/+=~-]))"  # a short hex digest, not a secret
        # the whole run or nothing: a shorter run would let a path such as our own
        # `etc/installer-factory/tokens/name2.token` match up to its last `/`, counting
        # the digit after it
        rb"(" + _MIXED + rb"[A-Za-z0-9_/+=~-]{20,})(?![A-Za-z0-9_/+=~(.-])"
    ),
}


@dataclass(frozen=True)
class Match:
    kind: str
    start: int  # byte offset of the secret part
    length: int


def find_token_shapes(data: bytes, *, loose: bool = True) -> Iterator[Match]:
    """Every token-shaped run in `data`, by kind and byte offset; `loose=False` keeps to
    the shapes that do not turn up in ordinary package contents."""
    shapes = {**TOKEN_SHAPES, **LOOSE_SHAPES} if loose else TOKEN_SHAPES
    for kind, pattern in shapes.items():
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
    """The value as it may appear on disk: raw, percent-encoded (either case), UTF-16 (either
    byte order), and base64 at each of the three alignments it can start at inside a
    longer encoded run (e.g. HTTP basic auth `user:token`)."""
    import base64
    from urllib.parse import quote

    text = value.decode("utf-8", "replace")
    quoted = quote(value, safe="")
    forms = [
        value,
        quoted.encode(),
        re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quoted).encode(),
        text.encode("utf-16-le"),
        text.encode("utf-16-be"),
    ]
    for pad in range(3):
        encoded = base64.b64encode(b"\0" * pad + value)
        first = -(-pad // 3) * 4  # characters that still depend on the padding
        last = (len(value) + pad) // 3 * 4  # characters that depend on what follows
        if last - first >= 8:
            forms.append(encoded[first:last])
    return list(dict.fromkeys(form for form in forms if form))
