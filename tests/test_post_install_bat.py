"""Generated post_install.bat scripts, run for real by cmd.exe under wine.

Each project is installed by tests/fake_install.py as its .exe would install it. conda.exe
is tests/recorder/conda_recorder.c built with MinGW: it logs the argv the C runtime hands
it, so a value checked here went through both of cmd.exe's parsers and the argv splitting
a real conda.exe would do. Values with line breaks never reach a .bat: validation refuses
them (tested below without wine).
"""

from __future__ import annotations

import random
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from conftest import examples, needs_wine, write_tree
from fake_install import Install, lay_out
from hypothesis import HealthCheck, given, settings
from scripts_support import (
    BUNDLE_PARTS,
    HOSTILE_PIECES,
    VARIANTS,
    Psm,
    Spec,
    Wine,
    expected_calls,
    expected_files,
    fixed_hostile_spec,
    hostile_spec,
    read_log,
    render,
    wine_path,
    write_profile,
    yaml_text,
)

from factory.errors import ProfileInvalid
from factory.platforms import Platform
from factory.profiles.load import load_profile
from factory.quoting.shells import cmd_arg

WIN = Platform.win_64


def prepare(
    root: Path,
    spec: Spec,
    cert: bytes,
    recorder: Path,
    wine: Wine,
    conda: bool = True,
    **layout: Any,
) -> Install:
    """Render the spec's profile and lay out its .exe installation."""
    project = render(write_profile(root / "profile", spec, cert), WIN)
    exe = recorder.read_bytes() if conda else None
    install = lay_out(root, project, conda=exe, wine=wine, **layout)
    assert install.laid_out == expected_files(spec, "EXE", conda)
    return install


def assert_success(
    result: subprocess.CompletedProcess[bytes], install: Install, spec: Spec
) -> None:
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert result.stderr == b""
    assert install.calls("ascii") == expected_calls(spec, install.prefix_text, "\\")
    assert result.stdout.endswith(b"installer-factory post-install: done\r\n"), result.stdout
    assert install.created() == []  # a stray `>` would have left a file here


def assert_failed(result: subprocess.CompletedProcess[bytes], message: bytes) -> None:
    assert result.returncode != 0, result.stdout
    assert message in result.stderr, result.stderr
    assert b"done" not in result.stdout


# --- running: success ---------------------------------------------------------------------


@needs_wine
def test_hostile_values_reach_conda_literally(
    wine: Wine, recorder: Path, tmp_path: Path, cert: bytes
) -> None:
    spec = fixed_hostile_spec()
    install = prepare(tmp_path, spec, cert, recorder, wine)
    assert_success(install.post_install(), install, spec)


@needs_wine
@pytest.mark.parametrize("variant", VARIANTS)
def test_profile_variants_make_the_expected_calls(
    variant: str, wine: Wine, recorder: Path, tmp_path: Path, cert: bytes
) -> None:
    spec = VARIANTS[variant]
    install = prepare(tmp_path, spec, cert, recorder, wine)
    assert_success(install.post_install(), install, spec)


@needs_wine
@pytest.mark.parametrize(
    "prefix_name",
    ["Program Files (x86)", "a & b ^ c !PATH! 'q' ; , = @ # $ ` {{x}} [y] ~1"],
    ids=["spaces-parens", "cmd-specials"],
)
def test_hostile_prefix_path(
    prefix_name: str, wine: Wine, recorder: Path, tmp_path: Path, cert: bytes
) -> None:
    # What Windows allows in a folder name that cmd.exe treats specially, except `%`:
    # wine's cmd expands `%VAR%` again inside an expanded value (real cmd.exe does one
    # pass), so a `%` in PREFIX cannot be judged faithfully here.
    spec = fixed_hostile_spec()
    install = prepare(tmp_path, spec, cert, recorder, wine, prefix_name=prefix_name)
    assert_success(install.post_install(), install, spec)


# --- running: failures ------------------------------------------------------------------

FAIL_SPEC = Spec(psm=Psm(settings={"a": "1", "b": "2"}))
FAIL_STEPS = len(expected_calls(FAIL_SPEC, "C:\\p", "\\"))


@needs_wine
def test_conda_missing(wine: Wine, recorder: Path, tmp_path: Path, cert: bytes) -> None:
    install = prepare(tmp_path, FAIL_SPEC, cert, recorder, wine, conda=False)
    assert_failed(install.post_install(), b"conda not found at ")
    assert install.calls() == []


@needs_wine
@pytest.mark.parametrize("step", range(FAIL_STEPS))
def test_failing_conda_call_stops_the_script(
    step: int, wine: Wine, recorder: Path, tmp_path: Path, cert: bytes
) -> None:
    install = prepare(tmp_path, FAIL_SPEC, cert, recorder, wine)
    result = install.post_install(RECORDER_EXIT="3", RECORDER_FAIL_AT=str(step))
    assert_failed(result, b"a configuration step failed")
    expected = expected_calls(FAIL_SPEC, install.prefix_text, "\\")
    assert install.calls() == expected[: step + 1]  # nothing after the failing call runs


# Negative codes are how Windows reports crashes (0xC0000005 is an access violation);
# `if errorlevel 1` alone means "errorlevel >= 1": negative codes need their own check.
@needs_wine
@pytest.mark.parametrize("code", ["1", "255", "-1", "0xC0000005"])
def test_any_conda_exit_code_fails_the_script(
    code: str, wine: Wine, recorder: Path, tmp_path: Path, cert: bytes
) -> None:
    install = prepare(tmp_path, FAIL_SPEC, cert, recorder, wine)
    result = install.post_install(RECORDER_EXIT=code)
    assert_failed(result, b"a configuration step failed")
    assert len(install.calls()) == 1


@needs_wine
def test_prefix_unset(wine: Wine, recorder: Path, tmp_path: Path, cert: bytes) -> None:
    install = prepare(tmp_path, FAIL_SPEC, cert, recorder, wine)
    assert_failed(install.post_install(PREFIX=None), b"PREFIX is not set")
    assert install.calls() == []


@needs_wine
def test_bundle_missing(wine: Wine, recorder: Path, tmp_path: Path, cert: bytes) -> None:
    install = prepare(tmp_path, FAIL_SPEC, cert, recorder, wine)
    install.prefix.joinpath(*BUNDLE_PARTS).unlink()  # laid out by extra_files: taken away
    assert_failed(install.post_install(), b"CA bundle not found at ")
    assert install.calls() == []  # nothing is half-configured


# --- hypothesis: hostile values, executed -------------------------------------------------


@pytest.mark.slow
@needs_wine
@settings(max_examples=examples(30), suppress_health_check=[HealthCheck.too_slow])
@given(spec=hostile_spec(ascii_only=True))
def test_hostile_profile_values_run_literally(
    spec: Spec, wine: Wine, recorder: Path, scratch: Path, cert: bytes
) -> None:
    with tempfile.TemporaryDirectory(dir=scratch) as tmp:
        install = prepare(Path(tmp), spec, cert, recorder, wine)
        assert_success(install.post_install(), install, spec)


# --- cmd_arg directly: many values through one cmd.exe ------------------------------------


def random_hostile_values(count: int, seed: int) -> list[str]:
    """Every hostile piece alone, then random mixes of pieces and printable ASCII."""
    rng = random.Random(seed)
    ascii_chars = [chr(c) for c in range(0x20, 0x7F)] + ["\t"]
    values = [*HOSTILE_PIECES, "", '"', '"&"', '\\"&', 'a\\\\"|"\\', "%", "%%%", "100%"]
    while len(values) < count:
        parts = rng.choices([*HOSTILE_PIECES, *ascii_chars], k=rng.randint(1, 16))
        values.append("".join(parts))
    return values


def run_lines(
    wine: Wine, root: Path, recorder: Path, lines: list[str]
) -> tuple[list[list[str]], list[str]]:
    """A .bat of recorder calls, one per line, run with delayed expansion off as the
    generated scripts do. Returns the calls and any file left in the working folder."""
    log, cwd = root / "calls.log", root / "cwd"
    cwd.mkdir()
    exe = f'"{wine_path(recorder)}"'
    body = ["@echo off", "setlocal EnableExtensions DisableDelayedExpansion"]
    body += [f"{exe} {line}" for line in lines]
    script = root / "quote.bat"
    script.write_bytes(("\r\n".join(body) + "\r\n").encode("ascii"))
    result = wine.run_bat(script, {"RECORDER_LOG": wine_path(log)}, cwd)
    assert result.returncode == 0, result
    assert (result.stdout, result.stderr) == (b"", b"")
    return read_log(log, "ascii"), sorted(p.name for p in cwd.iterdir())


@needs_wine
@pytest.mark.slow
def test_cmd_arg_300_hostile_values_in_one_script(
    wine: Wine, recorder: Path, tmp_path: Path
) -> None:
    values = random_hostile_values(300, seed=20261123)
    calls, stray = run_lines(wine, tmp_path, recorder, [cmd_arg(v) for v in values])
    assert len(calls) == len(values)
    for value, call in zip(values, calls, strict=True):
        assert call == [value]  # exactly one argument, byte for byte
    assert stray == []


# A value with an odd number of `"` leaves cmd.exe inside its quotes for the rest of the
# line (see factory.quoting.cmd_arg), so values are only ever placed last on a line; the
# template test below holds the template to that.
@needs_wine
@pytest.mark.parametrize(
    ("first", "second"),
    [("plain", "& echo pwned>pwned"), ("sites.prod.url", 'a"b & echo pwned>pwned'), ("key", '"')],
    ids=["plain-then-hostile", "key-then-odd-quotes", "key-then-one-quote"],
)
def test_cmd_arg_value_last_on_a_line_after_other_arguments(
    first: str, second: str, wine: Wine, recorder: Path, tmp_path: Path
) -> None:
    calls, stray = run_lines(wine, tmp_path, recorder, [f"{cmd_arg(first)} {cmd_arg(second)}"])
    assert calls == [[first, second]]
    assert stray == []


def test_bat_template_puts_every_quoted_value_last_on_its_line() -> None:
    from factory.render.project import TEMPLATES

    template = (TEMPLATES / "post_install.bat.j2").read_text()
    uses = [line for line in template.splitlines() if "| cmd" in line]
    assert uses, "the template quotes values with the cmd filter"
    for line in uses:
        tail = line[line.rindex("| cmd") :]
        # after the last quoted value only the closing of Jinja tags may follow
        assert re.fullmatch(r"\| cmd \}\}(\{% endif %\})?", tail), line


# --- values that must never reach a .bat ----------------------------------------------------

LINE_BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028"]
CONTROLS = ["\x00", "\x07", "\x1b", "\x7f", "\u2029"]


@pytest.mark.parametrize("field", ["url", "setting"])
@pytest.mark.parametrize("bad", LINE_BREAKS + CONTROLS, ids=repr)
@pytest.mark.parametrize("platforms", [("win-64",), ("linux-64", "osx-arm64")])
def test_line_breaks_and_controls_are_rejected(
    field: str, bad: str, platforms: tuple[str, ...], tmp_path: Path, cert: bytes
) -> None:
    text = f"a{bad}echo pwned"
    if field == "url":
        psm = Psm(url=f"https://repo.example.test/{text}")
    else:
        psm = Psm(settings={"key": text})
    with pytest.raises(ProfileInvalid) as caught:
        load_profile(write_profile(tmp_path, Spec(platforms=platforms, psm=psm), cert))
    assert any(p.path.startswith("auth.psm") for p in caught.value.errors), caught.value.errors


def test_non_ascii_is_rejected_only_for_windows(tmp_path: Path, cert: bytes) -> None:
    psm = Psm(settings={"key": "héllo"})
    with pytest.raises(ProfileInvalid) as caught:
        load_profile(write_profile(tmp_path / "win", Spec(psm=psm), cert))
    assert any("Windows" in p.message for p in caught.value.errors), caught.value.errors
    unix = Spec(platforms=("linux-64", "osx-arm64"), psm=psm)
    load_profile(write_profile(tmp_path / "unix", unix, cert))  # no error: sh takes UTF-8


def test_read_log_keeps_empty_arguments_and_calls(tmp_path: Path) -> None:
    """The log parser the other tests rely on: empty calls and arguments survive."""
    log = tmp_path / "log"
    log.write_text("\n" + b"a\0\0b c\0".hex() + "\n")
    assert read_log(log) == [[], ["a", "", "b c"]]


@needs_wine
def test_a_marker_alone_needs_no_conda(wine: Wine, tmp_path: Path) -> None:
    """With a `deploy` section and nothing else to configure, post_install.bat only moves
    the version marker into place, last; it calls no conda, so it needs none."""
    data = {
        "name": "Bare",
        "version": "3",
        "platforms": ["win-64"],
        "channels": ["conda-forge"],
        "packages": {"specs": {"base": ["python"]}},
        "install": {"uninstall_name": "Bare"},
        "deploy": {"org": "Acme", "windows": {"prefix": "C:\\bare", "install_type": "JustMe"}},
    }
    write_tree(tmp_path / "profile", {"profile.yaml": yaml_text(data) + "\n"})
    project = render(tmp_path / "profile" / "profile.yaml", WIN)
    install = lay_out(tmp_path, project, conda=None, wine=wine)
    assert "etc/installer-factory/installer.json.pending" in install.laid_out
    result = install.post_install()
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert install.created() == ["etc/installer-factory/installer.json"]
    assert install.calls() == []
