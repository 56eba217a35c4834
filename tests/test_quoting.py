"""ps_quote: PowerShell single-quoted strings, which the Azure pipelines' PowerShell steps
hold profile values in. sh_quote and cmd_arg are run for real by the post-install tests.

Inside single quotes PowerShell expands nothing; a quote character is written doubled.
PowerShell takes four typographic quotes as single quotes too (‘ ’ ‚ ‛), so those are
doubled as well. Where pwsh is installed the strings go through it; the rule itself is
checked everywhere, against the tokenizer restated below.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import examples
from hypothesis import given, settings
from hypothesis import strategies as st
from scripts_support import hostile_text

from factory.quoting.shells import ps_quote

# The PowerShell language specification's single-quote-character (section 2.3.5.2).
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"


def read_single_quoted(text: str) -> tuple[str, str]:
    """PowerShell's reading of a single-quoted string at the start of `text` (the
    specification's verbatim-string-literal; its tokenizer keeps the second quote of a
    doubled pair): any single quote opens and closes it, and two in a row stand for one.
    Returns the value and the text after the closing quote."""
    if not text or text[0] not in SINGLE_QUOTES:
        raise ValueError("not a single-quoted string")
    value: list[str] = []
    i = 1
    while i < len(text):
        ch = text[i]
        if ch in SINGLE_QUOTES:
            if i + 1 < len(text) and text[i + 1] in SINGLE_QUOTES:
                value.append(text[i + 1])
                i += 2
                continue
            return "".join(value), text[i + 1 :]
        value.append(ch)
        i += 1
    raise ValueError("unterminated single-quoted string")


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("", "''"),
        ("plain", "'plain'"),
        ("it's", "'it''s'"),
        ("‘curly’", "'‘‘curly’’'"),
        ("‚low‛", "'‚‚low‛‛'"),
        ("$env:PATH $(Remove-Item x) `n @(1) ${a}", "'$env:PATH $(Remove-Item x) `n @(1) ${a}'"),
        ('say "hi"; exit 1', "'say \"hi\"; exit 1'"),
    ],
    ids=["empty", "plain", "apostrophe", "curly", "low-and-reversed", "expansions", "dq"],
)
def test_ps_quote(value: str, quoted: str) -> None:
    assert ps_quote(value) == quoted


def test_the_tokenizer_reads_what_powershell_reads() -> None:
    """The restatement above, on hand-worked strings."""
    assert read_single_quoted("'it''s' rest") == ("it's", " rest")
    assert read_single_quoted("'a‘’b'") == ("a’b", "")  # a typographic pair is one quote
    assert read_single_quoted("‘mixed'") == ("mixed", "")  # any single quote closes
    with pytest.raises(ValueError):
        read_single_quoted("'open")


VALUES = st.one_of(
    hostile_text(ascii_only=False, printable=False),
    st.text(st.sampled_from(SINGLE_QUOTES + 'a$`"')),
)


@settings(max_examples=examples(300))
@given(value=VALUES)
def test_ps_quote_is_one_literal_string(value: str) -> None:
    assert read_single_quoted(ps_quote(value)) == (value, "")


def _pwsh_echo(quoted: str) -> bytes:
    pwsh = shutil.which("pwsh")
    assert pwsh is not None
    script = f"[Console]::Out.Write({quoted})"
    done = subprocess.run(
        [pwsh, "-NoProfile", "-NonInteractive", "-Command", "-"],
        input=script.encode("utf-8"),
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(shutil.which("pwsh") is None, reason="pwsh is not installed")
@pytest.mark.parametrize(
    "value", ["it's", "‘curly’ ‚low‛", "$env:PATH $(Write-Output pwned) `n", "", "a''b"]
)
def test_pwsh_reads_the_value_back(value: str) -> None:
    assert _pwsh_echo(ps_quote(value)) == value.encode("utf-8")
