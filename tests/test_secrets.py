"""Tokens: never literal in a profile, and never printed by any command."""

from __future__ import annotations

import json
import secrets
import string
from pathlib import Path

import pytest
from conftest import MINIMAL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factory.secrets import REDACTED, looks_like_token, redact, redact_data


def _tok(n: int = 32) -> str:
    return secrets.token_urlsafe(n)  # made at run time: nothing secret is committed


LITERALS = {
    "conda-url-token": ("condarc", lambda: {"channel_alias": f"https://repo.corp/t/{_tok()}/"}),
    "url-password": ("condarc", lambda: {"channel_alias": f"https://bob:{_tok()}@repo.corp/"}),
    "jwt": ("company", lambda: f"eyJ{_tok(12)}.eyJ{_tok(12)}.{_tok(12)}"),
    "github": (
        "company",
        lambda: (
            "ghp_"
            + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(35))
            + "7"
        ),  # base62, as GitHub's are
    ),
    "aws": (
        "company",
        lambda: "AKIA" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(16)),
    ),
    "assigned": ("condarc", lambda: {"settings": {"note": f"password={_tok()}"}}),
}


@pytest.mark.parametrize("kind", sorted(LITERALS))
def test_a_literal_token_in_a_profile_is_a_located_error(
    kind: str, cli, write, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    key, make = LITERALS[kind]
    value = make()
    profile = write("p.yaml", MINIMAL.lstrip("\n") + f"{key}: {json.dumps(value)}\n")
    result = cli("validate", profile)
    assert result.code == 1
    secret = json.dumps(value)
    assert "looks like a secret" in result.err
    assert "p.yaml:11:" in result.err  # the line the value is on
    for part in value if isinstance(value, list) else [value]:
        if isinstance(part, str):
            assert part not in result.err + result.out
    assert secret not in result.err


def test_ordinary_profiles_are_not_mistaken_for_secrets():
    for text in (
        "https://repo.anaconda.com/pkgs/main",
        "https://conda.anaconda.org/t",
        "numpy[version='>=1.26']",
        "%USERPROFILE%\\acme",
        "a" * 64,
        "sha256 3f2a9c" + "0" * 58,
    ):
        assert looks_like_token(text) is None, text


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{}", "give exactly one of `env` or `file`"),
        ("{env: A_TOKEN, file: t.txt}", "give exactly one of `env` or `file`"),
        ("{env: 'not valid'}", "has characters that are not allowed here"),
    ],
)
def test_token_sources_are_checked(source: str, message: str, cli, write, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    profile = write("p.yaml", MINIMAL.lstrip("\n") + f"tokens:\n  repo: {source}\n")
    result = cli("validate", profile)
    assert result.code == 1
    assert "p.yaml:12:" in result.err and message in result.err


def test_redact_hides_values_their_encodings_and_token_shapes():
    token = "s3cr3t/valu+e&x"
    text = (
        f"raw {token} url https%3A {'s3cr3t%2Fvalu%2Be%26x'} json "
        f"{json.dumps(token)} chan https://h/t/{_tok()}/main"
    )
    shown = redact(text, [token])
    assert token not in shown and "s3cr3t%2Fvalu%2Be%26x" not in shown
    assert "/t/***/" in shown and shown.count(REDACTED) == 4
    assert redact_data({"k": [token, {token: 1}]}, [token]) == {"k": [REDACTED, {REDACTED: 1}]}


TOKENS = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=8, max_size=40
).filter(lambda s: s.strip() == s)


@given(token=TOKENS)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_token_values_are_never_printed(token: str, cli, tmp_path: Path, monkeypatch):
    """Whatever path the value takes into a message: a key, a file name, an extends target,
    plain text and JSON, success and failure."""
    monkeypatch.setenv("ACME_REPO_TOKEN", token)
    root = tmp_path / secrets.token_hex(4)
    root.mkdir()
    monkeypatch.chdir(root)
    declared = MINIMAL.lstrip("\n") + "tokens:\n  repo: {env: ACME_REPO_TOKEN}\n"
    cases = {
        "key.yaml": declared + f"{json.dumps(token)}: 1\n",
        "licence.yaml": declared + f"license_file: {json.dumps(token + '.txt')}\n",
        "extends.yaml": f"extends: {json.dumps(token)}\n" + declared,
        "ok.yaml": declared,
    }
    for name, text in cases.items():
        (root / name).write_text(text, encoding="utf-8")
    runs = [
        cli("validate", "key.yaml"),
        cli("validate", "--json", "key.yaml"),
        cli("validate", "licence.yaml"),
        cli("validate", "extends.yaml"),
        cli("validate", "--json", "extends.yaml"),
        cli("render", "--json", "ok.yaml", "-o", "out"),
        cli("validate", token),
        cli("config", "--json"),
    ]
    for result in runs:
        assert token not in result.out + result.err, result
    assert runs[0].code == 1 and runs[5].code == 0
