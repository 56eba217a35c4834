"""URLs a profile holds: `/t/` (conda's token-in-URL form) is refused in every one of them
without repeating what follows it, and plain http:// only passes when the profile says
`allow_insecure_http: true`, with a warning (table rows in test_bad_profiles.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MINIMAL

BASE = MINIMAL.lstrip("\n")
TOKEN = "Ab3dE5fG7hJ9kL1mN2pQ"


@pytest.mark.parametrize(
    "extra",
    [
        f"channels_remap:\n  - src: https://repo.example/main\n    dest: https://m.example/t/{TOKEN}/main\n",
        f"condarc:\n  settings: {{mirror_url: 'https://m.example/t/{TOKEN}/x'}}\n",
        f"condarc:\n  proxy_servers: {{https: 'https://p.example/t/{TOKEN}/'}}\n",
        f"tokens:\n  repo: {{env: REPO_TOKEN, url: 'https://m.example/t/{TOKEN}/'}}\n",
        f"tokens:\n  repo: {{env: {TOKEN}x1, url: 'https://m.example/'}}\n",
    ],
    ids=["remap-dest", "condarc-setting", "proxy", "token-url", "token-env"],
)
def test_a_token_is_refused_and_never_repeated(
    extra: str, cli, write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write("p.yaml", BASE + extra)
    for args in (("validate",), ("validate", "--json"), ("render", "--output", "out")):
        result = cli(*args, "p.yaml")
        assert result.code == 1, result.err
        assert "p.yaml:1" in result.err  # located, from line 11 on
        assert TOKEN not in result.out + result.err


def test_a_forum_link_in_an_installer_text_is_not_a_token(
    cli, write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write("p.yaml", BASE + "install: {welcome_text: 'https://forum.example/t/setup/12'}\n")
    result = cli("validate", "p.yaml")
    assert result.code == 0, result.err


def test_allowed_http_warns_and_strict_refuses(
    cli, write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        "p.yaml",
        BASE
        + "allow_insecure_http: true\n"
        + "channels_remap:\n  - src: https://repo.example/main\n    dest: http://m.example/main\n",
    )
    result = cli("validate", "p.yaml")
    assert result.code == 0, result.err
    assert result.err.splitlines() == [
        "p.yaml:14:11: channels_remap[0].dest: warning: http:// sends tokens and logins in "
        "plain text; accepted because allow_insecure_http is true"
    ]
    assert cli("validate", "--strict", "p.yaml").code == 1
