"""A token in a URL path, as conda reads it (`/t/<token>/`, issue 12, item 3): `scan` and
the Redactor find it wherever a profile's URL lands (construct.yaml's channels_remap dest,
the condarc, the README), with or without a `/` after it; a forum link's `/t/<slug>/`,
a file name or our own post-install's `/t/$VAR` is not one."""

from __future__ import annotations

import secrets
import string
from pathlib import Path

import pytest
from conftest import examples
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from factory.leaks.redact import REDACTED, redact
from factory.leaks.scan import Finding, scan_paths
from factory.leaks.shapes import find_token_shapes

KIND = "conda URL token"


def lower_token(groups: int = 6) -> str:
    """A lower-case token whose letters and digits change places at every step: the
    shape the rule promises to find however the rest is drawn (e.g. k3x9m2p7...)."""
    letters, digits = string.ascii_lowercase, string.digits
    return "".join(
        "".join(secrets.choice(letters) for _ in range(2))
        + "".join(secrets.choice(digits) for _ in range(2))
        for _ in range(groups)
    )


def _kinds(text: str) -> list[tuple[str, int, int]]:
    return [(m.kind, m.start, m.length) for m in find_token_shapes(text.encode())]


@pytest.mark.parametrize(
    ("name", "template"),
    [
        (
            "construct.yaml",
            "channels_remap:\n  - src: x\n    dest: https://mirror.example.org/t/{}/conda-forge\n",
        ),
        (".condarc", "channel_alias: https://mirror.example.org/t/{}\nchannels: [main]\n"),
        (".condarc", "channels:\n  - 'https://mirror.example.org/t/{}'\n"),
        ("README.md", "Channel: <https://mirror.example.org/t/{}/conda-forge>.\n"),
        ("README.md", "[mirror](https://mirror.example.org/t/{}) and more\n"),
        ("condarc.json", '{{"channels": ["https://mirror.example.org/t/{}"]}}\n'),
    ],
)
def test_a_lower_case_token_in_a_url_path_is_found(
    name: str, template: str, tmp_path: Path
) -> None:
    token = lower_token()
    text = template.format(token)
    path = tmp_path / name
    path.write_text(text)
    result = scan_paths([path])
    assert result.findings == [Finding(str(path), None, text.index(token), KIND)]
    assert token not in redact(text, [])
    assert f"/t/{REDACTED}" in redact(text, [])


@pytest.mark.parametrize(
    "make",
    [
        lambda: secrets.token_hex(16),  # 32 hex digits
        lambda: secrets.token_hex(24).upper(),
        lambda: "ab-" + "-".join(secrets.token_hex(n) for n in (4, 2, 2, 2, 6)),  # anaconda.org
    ],
)
def test_known_token_forms_at_the_end_of_a_url_are_found(make) -> None:
    token = make()
    text = f"channel_alias: https://repo.example.com/t/{token}\n"
    assert _kinds(text) == [(KIND, text.index(token), len(token))]


@settings(max_examples=examples(100))
@given(
    groups=st.lists(
        st.tuples(
            st.text(st.sampled_from(string.ascii_letters), min_size=1, max_size=4),
            st.text(st.sampled_from(string.digits), min_size=1, max_size=4),
        ),
        min_size=2,
        max_size=8,
    ),
    end=st.sampled_from(["/conda-forge", "", "'", '"', " ", "\n", "?x=1", "#top", ")"]),
)
def test_letters_and_digits_changing_places_are_always_a_token(groups, end) -> None:
    token = "".join(a + b for a, b in groups)
    assume(len(token) >= 8)  # shorter runs are never taken (MIN_TOKEN_LENGTH)
    text = f"https://mirror.example.org/t/{token}{end}"
    assert (KIND, text.index(token), len(token)) in _kinds(text)


WORDS = [
    "how",
    "to",
    "install",
    "numpy",
    "release",
    "notes",
    "python",
    "conda",
    "forge",
    "update",
    "windows",
    "macos",
    "linux",
    "help",
    "error",
    "ssl",
    "proxy",
    "faq",
]


@settings(max_examples=examples(100))
@given(
    parts=st.lists(
        st.one_of(st.sampled_from(WORDS), st.integers(0, 2030).map(str)), min_size=1, max_size=8
    ),
    after=st.sampled_from(["/1234", "/", "", "/5678?page=2"]),
)
def test_a_forum_slug_is_not_a_token(parts: list[str], after: str) -> None:
    text = f"see https://discourse.example.org/t/{'-'.join(parts)}{after} for more\n"
    assert _kinds(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "https://discourse.example.org/t/python311-support/1234",
        "https://discourse.example.org/t/numpy-2-0-released/99",
        "https://files.example.org/pkgs/t/tests/test_x1.py",
        "https://h.example.org/t/a1b2c3d4.json",  # a file name, not a path part
        "https://h.example.org/t/a1b2c3d4.tar.bz2",
        "printf '%s' \"${ACME_REPO:+/t/$ACME_REPO}\"",  # our own post-install
        'if defined IF_ACME set "IF_T=/t/!IF_ACME!"',
        "/t/%TOKEN%/main",
        "usr/share/zoneinfo/t/x86_64",
        "https://conda.anaconda.org/t",
    ],
)
def test_ordinary_paths_are_not_tokens(text: str) -> None:
    assert _kinds(text) == []


def test_short_words_after_t_in_binary_data_are_not_tokens(tmp_path: Path) -> None:
    blob = bytearray(secrets.token_bytes(200_000))
    for at, word in ((1000, b"/t/x1/"), (5000, b"/t/ab12/"), (9000, b"/t/sha256sum\x00")):
        blob[at : at + len(word)] = word
    path = tmp_path / "lib.so"
    path.write_bytes(bytes(blob))
    assert [f for f in scan_paths([path]).findings if f.kind == KIND] == []
