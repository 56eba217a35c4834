"""What a token looks like, and where one is hiding in text.

Shared by profile validation (a literal token in a profile is an error) and `scan`
(rendered projects, logs, reports and installers must carry none). Matches are reported
by position and kind only; the matched text itself is never returned for printing.

Speed: `scan` runs every strict shape over every byte of an installer, so each pattern
starts with a literal (Python's re then skips to it in a tight loop instead of trying
every byte), and one whose first byte is rare in text and code (`J`, not the `e` of
`eyJ`); what must come before the literal is checked by a lookbehind after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

MIN_TOKEN_LENGTH = 8  # shorter values would redact ordinary words out of every message
SECRET_NAME = re.compile(r"(?i)(TOKEN|SECRET|PASSW|API_?KEY|PRIVATE_?KEY|CREDENTIAL)")


@dataclass(frozen=True)
class Shape:
    """One kind of token: its pattern, and what its group must also pass."""

    kind: str
    pattern: re.Pattern[bytes]  # shapes sharing one pattern share one search
    check: Callable[[bytes], bool] | None = None  # on the secret part: what regex says badly
    lead: int = 0  # the secret starts this many bytes before its group (a lookbehind's)
    group: int = 1  # the group holding the secret part; a shape is found when it matched


# Patterns ask for what real secrets have and code and prose lack: length, and digits mixed
# with letters, so `passwd = getpass(prompt)` or a forum link's `/t/<slug>/` is no token.
_MIXED = rb"(?=[A-Za-z0-9_/+=~.-]*[0-9])(?=[A-Za-z0-9_/+=~.-]*[A-Za-z])"
_ANACONDA_ORG = re.compile(rb"[a-z]{2}-[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}")
_HEX = re.compile(rb"[0-9a-fA-F]{32,}")
_UPPER_DIGIT = re.compile(rb"(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{20,}")
# three changes between letters and digits inside one run: random, not a word like python311
_RANDOM_RUN = re.compile(rb"[A-Za-z]+[0-9]+[A-Za-z]+[0-9]|[0-9]+[A-Za-z]+[0-9]+[A-Za-z]")


def _conda_url_token(part: bytes) -> bool:
    """conda takes all of `/t/([a-zA-Z0-9-]*)` for a token (split_anaconda_token in
    conda/common/url.py); a forum link's `/t/some-topic/` or a package path's
    `/t/tests/` is not one. A token: anaconda.org's xx-<uuid>, 32+ hex digits, 20+
    characters with capitals and digits, or a run where letters and digits change places
    at least three times."""
    return bool(
        _ANACONDA_ORG.fullmatch(part)
        or _HEX.fullmatch(part)
        or _UPPER_DIGIT.fullmatch(part)
        or _RANDOM_RUN.search(part)
    )


_SLASH = re.compile(
    rb"/(?:t/([A-Za-z0-9_-]{8,})(?![A-Za-z0-9_.~%+-])"
    rb"|/(?:(?<=(?i:http)://)|(?<=(?i:https)://)|(?<=(?i:ftp)://)|(?<=(?i:ftps)://)"
    rb"|(?<=(?i:s3)://)|(?<=(?i:git\+http)://)|(?<=(?i:git\+https)://))"
    rb"[^/\s:@'\"\[\]<>{}$%]+:(" + _MIXED + rb"[^/\s@'\"\[\]<>{}$%]{6,})@)"
)


# Strict: found in any bytes, third-party package contents included.
TOKEN_SHAPES: list[Shape] = [
    # https://host/t/<token>/channel, or the URL's end: a token is the whole run up to a
    # `/`, a quote, a space, the end; never the start of a file name (`/t/x1y2z3a4.json`).
    # A password in a URL, user:password@, in the same search: both start at a `/`.
    Shape("conda URL token", _SLASH, _conda_url_token, group=1),
    Shape("URL password", _SLASH, group=2),
    Shape(
        "JSON web token",
        re.compile(rb"J(?<=eyJ)([A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})"),
        lead=3,
    ),
    # HTTP's scheme names are case-insensitive; what is written is Bearer, bearer or BEARER
    # (two literal searches; a mixed-case bEaReR is not looked for)
    Shape("bearer token", re.compile(rb"bearer\s+(" + _MIXED + rb"[A-Za-z0-9._~+/-]{16,}=*)")),
    Shape(
        "bearer token",
        re.compile(rb"B(?:earer|EARER)\s+(" + _MIXED + rb"[A-Za-z0-9._~+/-]{16,}=*)"),
    ),
    # fixed lengths, standing alone: C++ symbols such as highs_setCallback... are not tokens.
    # Asking for a digit misses no real gh?_ token: its last six characters are the CRC32
    # of the other 30 in base62 (0-9, A-Z, a-z), zero-padded, and 2**32 < 5 * 62**5 puts
    # 0-4 first (github.blog, "Behind GitHub's new authentication token formats", 2021).
    Shape(
        "GitHub token",
        re.compile(
            rb"(gh(?<![A-Za-z0-9_]gh)(?:[pousr]_(?=[A-Za-z]*[0-9])[A-Za-z0-9]{36}"
            rb"|ithub_pat_[A-Za-z0-9_]{82}))(?![A-Za-z0-9_])"
        ),
    ),
    # AWS documents AKIAIOSFODNN7EXAMPLE; SDKs and their mocks ship it
    Shape(
        "AWS access key",
        re.compile(rb"(A(?:KI|SI)A(?![0-9A-Z]{0,12}EXAMPLE)[0-9A-Z]{16})(?![0-9A-Z])"),
    ),
]

# Looser: right for profiles, messages, logs, reports and rendered projects, too noisy for
# third-party package contents (SDK examples are full of `"NextToken": "..."`).
LOOSE_SHAPES: list[Shape] = [
    # `password = X`, `api_token: X`, `ACCESS_TOKEN=X`, `"auth_token": "X"`; not a call
    Shape(
        "assigned secret",
        re.compile(
            rb"(?i)(?:token|api[_-]?key|password|passwd|secret)[\"']?\s*[:=]\s*[\"']?"
            rb"(?![0-9a-f]{20,31}(?![A-Za-z0-9_/+=~-]))"  # a short hex digest, not a secret
            # the whole run or nothing: a shorter run would let a path such as our own
            # `etc/installer-factory/tokens/name2.token` match up to its last `/`, counting
            # the digit after it
            rb"(" + _MIXED + rb"[A-Za-z0-9_/+=~-]{20,})(?![A-Za-z0-9_/+=~(.-])"
        ),
    ),
]


@dataclass(frozen=True)
class Match:
    kind: str
    start: int  # byte offset of the secret part
    length: int


def find_token_shapes(
    data: Any, *, loose: bool = True, start: int = 0, end: int | None = None
) -> Iterator[Match]:
    """Every token-shaped run in `data` (or in data[start:end]), by kind and byte offset;
    `loose=False` keeps to the shapes that do not turn up in ordinary package contents.
    `data` is bytes-like, or anything with `.data` and `.lo` (a region of a buffer)."""
    end = len(data) if end is None else end
    base, lo = (data.data, data.lo) if hasattr(data, "lo") else (data, 0)
    for pattern, shapes in _PASSES[loose]:
        for found in pattern.finditer(base, lo + start, lo + end):
            for shape in shapes:
                secret = found.group(shape.group)
                if secret is not None and (shape.check is None or shape.check(secret)):
                    at = found.start(shape.group) - shape.lead
                    yield Match(shape.kind, at - lo, found.end(shape.group) - at)


def _passes(shapes: list[Shape]) -> list[tuple[re.Pattern[bytes], list[Shape]]]:
    """One search per pattern, in order, with the shapes it finds."""
    out: dict[re.Pattern[bytes], list[Shape]] = {}
    for shape in shapes:
        out.setdefault(shape.pattern, []).append(shape)
    return list(out.items())


_PASSES = {False: _passes(TOKEN_SHAPES), True: _passes(TOKEN_SHAPES + LOOSE_SHAPES)}


def looks_like_token(text: str) -> str | None:
    """The kind of token `text` contains, if any."""
    return next((m.kind for m in find_token_shapes(text.encode("utf-8", "replace"))), None)
