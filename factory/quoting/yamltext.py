"""Emit plain block-style YAML that constructor reads back exactly.

No flow-style lists (a line ending in `]` is a constructor selector), every string
double-quoted, keys quoted unless they are plain names. Output order is the input order.
"""

from __future__ import annotations

import re
from typing import Any

from factory.quoting.shells import LINE_BREAKS

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# words YAML 1.2 (or 1.1, which some readers still use) would not read as strings
_RESERVED = frozenset(["true", "false", "null", "yes", "no", "on", "off", "y", "n"])


def yaml_str(value: str) -> str:
    """A YAML double-quoted scalar that constructor reads back as exactly `value`.

    Beyond YAML's own escapes: `#` is written `\\x23` so no line can look like a
    `# [selector]`; `{` before `{`, `%` or `#` is written `\\x7b` so no Jinja syntax
    appears; anything not printable, and every line separator Python knows, is escaped.
    """
    out: list[str] = ['"']
    for index, ch in enumerate(value):
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "#":
            out.append("\\x23")
        elif ch == "{" and value[index + 1 : index + 2] in ("{", "%", "#"):
            out.append("\\x7b")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\n":
            out.append("\\n")
        elif not ch.isprintable() or ch in LINE_BREAKS:
            code = ord(ch)
            out.append(
                f"\\x{code:02x}"
                if code < 0x100
                else f"\\u{code:04x}"
                if code < 0x10000
                else f"\\U{code:08x}"
            )
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return yaml_str(str(value))


def key(name: Any) -> str:
    text = str(name)
    # fullmatch: `$` alone would also accept a key ending in a line break
    plain = _PLAIN_KEY.fullmatch(text) and text.lower() not in _RESERVED
    return text if plain else yaml_str(text)


def dump(value: Any, indent: int = 0) -> str:
    """A mapping or list as block YAML lines, each ending in a newline."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for k, v in value.items():
            lines.append(_entry(f"{pad}{key(k)}:", v, indent))
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                body = dump(item, indent + 2)
                lines.append(f"{pad}- {body[indent + 2 :]}")
            else:
                lines.append(_entry(f"{pad}-", item, indent))
    else:
        return f"{pad}{scalar(value)}\n"
    return "".join(lines)


def _entry(head: str, value: Any, indent: int) -> str:
    if isinstance(value, dict):
        return f"{head} {{}}\n" if not value else f"{head}\n{dump(value, indent + 2)}"
    if isinstance(value, list):
        return f"{head} []\n" if not value else f"{head}\n{dump(value, indent + 2)}"
    return f"{head} {scalar(value)}\n"
