"""The value types a profile's keys are made of: text, paths, URLs, channels, specs.

Each carries its own check (pydantic AfterValidator or pattern), so a bad value is reported
at its own key, with what would be right.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from factory.quoting.shells import has_control_chars

# constructor's own pattern for `name` and `version`
NAME_PATTERN = r"^[a-zA-Z0-9_]([a-zA-Z0-9._-]*[a-zA-Z0-9_])?$"
URL_PATTERN = re.compile(r"^(https?|file)://[^\s/?#]*(/[^\s]*)?$")
CHANNEL_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*(/[A-Za-z0-9_.+-]+)*$")
SITE_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_-]*$"
ENV_NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


def _any_text(value: str) -> str:
    if has_control_chars(value):
        raise ValueError("must be printable text: no line breaks or control characters")
    return value


def _text(value: str) -> str:
    if not value:
        raise ValueError("must not be empty")
    return _any_text(value)


def _spec(value: str) -> str:
    if value != value.strip() or not value:
        raise ValueError("a package spec must not be empty or start/end with spaces")
    return _text(value)


def _url(value: str) -> str:
    if not URL_PATTERN.fullmatch(value):
        raise ValueError("must be an http://, https:// or file:// URL with no spaces")
    return _text(value)


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise ValueError("must be an http:// or https:// URL")
    return _url(value)


def _env_value(value: str) -> str:
    if any(ch in value for ch in "'\"#"):
        # constructor quotes these itself: no quotes for EXE, and # is never safe
        raise ValueError("quotes and # cannot be passed through constructor")
    return _any_text(value)


def _channel(value: str) -> str:
    if "://" in value:
        return _url(value)
    if not CHANNEL_NAME_PATTERN.fullmatch(value):
        raise ValueError("must be a channel name (like `defaults` or `conda-forge`) or a URL")
    return value


def _relpath(value: str) -> str:
    if not value.strip():
        raise ValueError("must be a file path")
    if "-----BEGIN " in value:
        # the file's content pasted in place of its name
        raise ValueError(
            "holds PEM text, not a file name: save it to a file and give the path of "
            "that .pem file (relative to this profile, or absolute)"
        )
    if "\n" in value.strip():
        raise ValueError("must be one file path, not the file's content")
    return _text(value)


def _unix_abs_path(value: str) -> str:
    if not value.startswith("/"):
        raise ValueError("must be an absolute path (starting with /)")
    return _text(value)


WIN_ABS = re.compile(r"^(?:[A-Za-z]:\\|\\\\)")


def _win_abs_path(value: str) -> str:
    if not WIN_ABS.match(value):
        raise ValueError(r"must be an absolute Windows path (C:\... or \\server\...)")
    if not value.isascii() or any(c in value for c in '"%!*?<>|'):
        # cmd.exe would expand % and !, and the others cannot be in a Windows path
        raise ValueError('must be ASCII without " % ! * ? < > |')
    return _text(value)


Text = Annotated[str, AfterValidator(_text)]
UnixAbsPath = Annotated[str, AfterValidator(_unix_abs_path)]
WinAbsPath = Annotated[str, AfterValidator(_win_abs_path)]
AnyText = Annotated[str, AfterValidator(_any_text)]
EnvValue = Annotated[str, AfterValidator(_env_value)]  # "" is meaningful (e.g. disables a page)
Spec = Annotated[str, AfterValidator(_spec)]
Url = Annotated[str, AfterValidator(_url)]
HttpUrl = Annotated[str, AfterValidator(_http_url)]
Channel = Annotated[str, AfterValidator(_channel)]
FilePath = Annotated[str, AfterValidator(_relpath)]
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN, max_length=128)]
GroupName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")]
VirtualSpec = Annotated[str, StringConstraints(pattern=r"^__\S+.*$"), AfterValidator(_spec)]
SpecGroups = dict[GroupName, list[Spec]]


def _env_name(value: str) -> str:
    # constructor/main.py main_build refuses these two names for an extra environment
    if value in ("base", "root"):
        raise ValueError("`base` and `root` name the base environment; choose another name")
    return value


# an extra environment's folder name (envs/<name>); constructor's own pattern is
# ^[^/:# ]+$, this one is also safe unquoted in sh and cmd.exe and in file names
EnvName = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64),
    AfterValidator(_env_name),
]

# a release month, YYYY-MM (also what `stamp --month` takes)
MONTH_PATTERN = r"^20\d\d-(0[1-9]|1[0-2])$"
