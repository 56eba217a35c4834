"""Tokens: never literal in a profile, and never printed by any command."""

from __future__ import annotations

import json
import secrets
import string
from pathlib import Path

import pytest
from conftest import MINIMAL, REPO, examples, github_token, mixed_secret
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factory.leaks.redact import REDACTED, redact, redact_data
from factory.leaks.shapes import looks_like_token
from factory.profiles.tokens import installable


def _tok(n: int = 32) -> str:
    return secrets.token_urlsafe(n)  # made at run time: nothing secret is committed


# Each made in the shape real ones have (tests/conftest.py), not by a lucky random draw.
LITERALS = {
    "conda-url-token": (
        "condarc",
        lambda: {"channel_alias": f"https://repo.corp/t/{mixed_secret()}/"},
    ),
    "url-password": (
        "condarc",
        lambda: {"channel_alias": f"https://bob:{mixed_secret()}@repo.corp/"},
    ),
    "jwt": ("company", lambda: f"eyJ{_tok(12)}.eyJ{_tok(12)}.{_tok(12)}"),
    "github": ("company", github_token),
    "aws": (
        "company",
        lambda: "AKIA" + "".join(secrets.choice(string.ascii_uppercase) for _ in range(16)),
    ),
    "assigned": ("condarc", lambda: {"settings": {"note": f"password={mixed_secret()}"}}),
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
        ("{url: 'https://r.example/'}", "give `env` or `file`: where the build machine holds"),
        ("{env: A_TOKEN, file: t.txt, url: 'https://r.example/'}", "give only one of `env`"),
        ("{env: 'not valid', url: 'https://r.example/'}", "has characters that are not allowed"),
        ("{env: A_TOKEN}", "url: required"),
        ("{url: 'https://r.example/', install: deploy}", "`deploy` is given exactly when"),
        (
            "{env: A, url: 'https://r.example/', deploy: {env: B}}",
            "`deploy` is given exactly when",
        ),
        ("{url: 'https://r.example/', install: deploy, deploy: {}}", "give `env`, `unix_file`"),
        (
            "{url: 'https://r.example/', install: deploy, deploy: {unix_file: rel/t}}",
            "must be an absolute path",
        ),
        (
            "{url: 'https://r.example/', install: deploy, deploy: {win_file: 'C:\\a%b'}}",
            "must be ASCII without",
        ),
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
        f"{json.dumps(token)} chan https://h/t/{mixed_secret()}/main"
    )
    shown = redact(text, [token])
    assert token not in shown and "s3cr3t%2Fvalu%2Be%26x" not in shown
    assert "/t/***/" in shown and shown.count(REDACTED) == 4
    assert redact_data({"k": [token, {token: 1}]}, [token]) == {"k": [REDACTED, {REDACTED: 1}]}


TOKENS = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=8, max_size=40
).filter(lambda s: s.strip() == s)


@pytest.mark.slow
@given(token=TOKENS)
@settings(max_examples=examples(40), suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_token_values_are_never_printed(token: str, cli, tmp_path: Path, monkeypatch):
    """Whatever path the value takes into a message: a key, a file name, an extends target,
    plain text and JSON, success and failure."""
    monkeypatch.setenv("ACME_REPO_TOKEN", token)
    root = tmp_path / secrets.token_hex(4)
    root.mkdir()
    monkeypatch.chdir(root)
    declared = (
        MINIMAL.lstrip("\n")
        + "tokens:\n  repo: {env: ACME_REPO_TOKEN, url: 'https://repo.acme.example/'}\n"
    )
    cases = {
        "key.yaml": declared + f"{json.dumps(token)}: 1\n",
        "licence.yaml": declared + f"license_file: {json.dumps(token + '.txt')}\n",
        "extends.yaml": f"extends: {json.dumps(token)}\n" + declared,
        "ok.yaml": declared,
        # an installed token needs a channel conda would send it to (the .condarc's alias)
        "bake.yaml": declared.replace("'}", "', install: bake}")
        + "condarc:\n  channel_alias: https://repo.acme.example/\n",
    }
    # builds run the recording constructor stand-in, which prints every token it is given
    monkeypatch.setenv("PATH", f"{REPO / 'tests' / 'standins'}:/usr/bin:/bin")
    monkeypatch.setenv("RECORDER_DIR", str(root / "records"))
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
        cli("build", "ok.yaml", "-o", "built", "--platform", "linux-64"),
        cli("build", "--json", "bake.yaml", "-o", "baked", "--platform", "linux-64"),
    ]
    for result in runs:
        assert token not in result.out + result.err, result
    assert runs[0].code == 1 and runs[5].code == 0
    # 5: a short random value can turn up by chance in the installer's bytes (tar headers
    # are full of "0000000"), and the scan then stops the build, as it should
    assert runs[8].code in (0, 5), runs[8].err
    # a baked token is built in when conda can use it, else refused with exit 1
    assert runs[9].code in ((0, 5) if installable(token) else (1,)), runs[9].err
    logs = list(root.glob("built/T/linux-64*/build.log"))
    assert len(logs) == 1 and "with token ***" in logs[0].read_text(encoding="utf-8")
    for log in root.glob("*/T/linux-64*/build*"):
        assert token not in log.read_text(encoding="utf-8", errors="replace"), log
