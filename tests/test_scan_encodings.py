"""Redaction hides a known value in every encoding `scan` looks for (issue 12, item 6): a
token that reaches a log percent-encoded beyond what URLs need (`%5F` for `_`), encoded
twice, `+` for spaces, JSON-escaped, UTF-16 or base64 is found by scan and redacted by
the Redactor, from one shared list (factory/leaks/values.py)."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from factory.leaks.redact import REDACTED, Redactor, redact
from factory.leaks.scan import scan_paths
from factory.leaks.values import find_values


def _every(value: str) -> str:
    """Every character but letters and digits percent-encoded: `_` as %5F."""
    return "".join(
        c if c.isascii() and c.isalnum() else "".join(f"%{b:02X}" for b in c.encode())
        for c in value
    )


def _lower_hex(encoded: str) -> str:
    out, i = [], 0
    while i < len(encoded):
        if encoded[i] == "%":
            out.append(encoded[i : i + 3].lower())
            i += 3
        else:
            out.append(encoded[i])
            i += 1
    return "".join(out)


# Each restated here from the standard library, apart from the product's own list.
ENCODERS: dict[str, Callable[[str], str]] = {
    "raw": lambda v: v,
    "quote": lambda v: quote(v, safe=""),
    "quote, lower-case hex": lambda v: _lower_hex(quote(v, safe="")),
    "every character": _every,
    "every character, lower-case hex": lambda v: _lower_hex(_every(v)),
    "quote twice": lambda v: quote(quote(v, safe=""), safe=""),
    "every character twice": lambda v: quote(_every(v), safe=""),
    "quote_plus": lambda v: quote_plus(v, safe=""),
    "JSON": lambda v: json.dumps(v)[1:-1],
    "JSON, not ASCII": lambda v: json.dumps(v, ensure_ascii=False)[1:-1],
    "base64": lambda v: base64.b64encode(v.encode()).decode(),
    "base64 after user:": lambda v: base64.b64encode(b"user:" + v.encode()).decode(),
    "base64 after u:": lambda v: base64.b64encode(b"u:" + v.encode()).decode(),
}

VALUES = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x2FF, exclude_categories=("Cs", "Cc")),
    min_size=8,
    max_size=40,
)


def _token() -> str:
    return secrets.token_urlsafe(18) + "_" + secrets.token_urlsafe(6)  # `_` at least once


def test_a_token_percent_encoded_past_what_urls_need_is_redacted() -> None:
    token = _token()
    line = f"GET /x?t={_every(token)} and {quote(_every(token), safe='')}"
    shown = redact(line, [token])
    assert "%5F" in _every(token) and _every(token) not in shown
    assert quote(_every(token), safe="") not in shown
    assert shown.count(REDACTED) == 2


@pytest.mark.parametrize("encoder", sorted(ENCODERS))
def test_scan_finds_and_redaction_hides_each_encoding(encoder: str, tmp_path: Path) -> None:
    token = _token() + " /+&é"  # characters every encoding changes
    form = ENCODERS[encoder](token)
    text = f"log line: [{form}] done\n"
    log = tmp_path / "build.log"
    log.write_text(text, encoding="utf-8")
    assert [f.kind for f in scan_paths([log], {"t": token.encode()}).findings] == ["token t"]
    shown = Redactor([token]).text(text)
    assert list(find_values(shown.encode(), {"t": token.encode()})) == []


@settings(max_examples=examples(100))
@given(
    value=VALUES,
    encoder=st.sampled_from(sorted(ENCODERS)),
    before=st.text(max_size=30),
    after=st.text(max_size=30),
)
def test_nothing_scan_would_find_survives_redaction(
    value: str, encoder: str, before: str, after: str
) -> None:
    text = before + ENCODERS[encoder](value) + after
    assert list(find_values(text.encode(), {"v": value.encode()})), "scan finds the form"
    shown = redact(text, [value])
    leaked = list(find_values(shown.encode("utf-8", "surrogateescape"), {"v": value.encode()}))
    assert leaked == []
