"""Quote profile values for the shells they reach: POSIX sh, cmd.exe and PowerShell.

Every value from a profile goes through one of these before it lands in a generated file,
so no value can run a command or change the meaning of the file around it.
"""

from __future__ import annotations

from factory.errors import UnsafeValue

# Characters Python's str.splitlines() breaks on. constructor splits construct.yaml with it
# before parsing, so none of them may appear raw in a generated line.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def has_control_chars(value: str) -> bool:
    """True when the value holds a character that is not printable text (tab excepted)."""
    return any((not ch.isprintable() and ch != "\t") or ch in LINE_BREAKS for ch in value)


# --- POSIX sh ---------------------------------------------------------------------------


def sh_quote(value: str) -> str:
    """Quote for POSIX sh so the value is one literal word.

    Single quotes make everything literal; a single quote itself is written as '"'"'.
    `{` is also written in double quotes on its own, because constructor runs macOS .pkg
    scripts through Jinja at build time: `{{`, `{%` and `{#` must never appear in a script.
    """
    if "\x00" in value:
        raise UnsafeValue("a NUL character cannot be passed to a shell")
    if value == "":
        return "''"
    quoted = "'" + value.replace("'", "'\"'\"'") + "'"
    return quoted.replace("{", "'\"{\"'")


# --- cmd.exe ----------------------------------------------------------------------------

_CMD_SPECIAL = frozenset("&|<>^")


def cmd_arg(value: str) -> str:
    """Quote one argument of an external program called from a .bat file.

    Two parsers read the text in turn: cmd.exe (percent expansion, then `& | < > ^`
    outside its quote state) and the program's C runtime (argv splitting, `\\"` for a
    literal quote). The argument is wrapped in quotes and quotes inside it are written
    as `\\"`. Each such quote flips cmd's quote state but not the C runtime's, so a run
    of cmd specials that would fall outside cmd's quotes gets its own pair of C-runtime
    quotes (closing and reopening the argv quote), which puts cmd back inside. No
    caret escapes are needed, which keeps real cmd.exe and wine's cmd in agreement.
    Delayed expansion is off in every generated script, so `!` is literal; `%` is
    doubled for the batch-file percent pass.

    Each literal quote flips cmd's quote state, so a value with an odd number of them
    leaves cmd inside quotes after it: such an argument must be the last thing on its
    line (cmd's state ends with the line). The .bat template keeps every value last, and
    tests/test_post_install_bat.py checks that it does.
    """
    if has_control_chars(value):
        raise UnsafeValue("line breaks and control characters cannot be passed to cmd.exe")
    if not value.isascii():
        raise UnsafeValue("cmd.exe reads .bat files in the OEM code page; use ASCII only")
    out: list[str] = ['"']
    cmd_quoted = True  # cmd's view: the opening quote put it inside quotes
    backslashes = 0
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            backslashes += 1
            i += 1
            continue
        if ch == '"':
            # backslashes before a quote are doubled, plus one to escape the quote
            out.append("\\" * (2 * backslashes + 1) + '"')
            backslashes = 0
            cmd_quoted = not cmd_quoted
            i += 1
            continue
        if ch in _CMD_SPECIAL and not cmd_quoted:
            run_end = i
            while run_end < len(value) and value[run_end] in _CMD_SPECIAL:
                run_end += 1
            # argv quote closes (cmd enters its quotes), specials, argv quote reopens;
            # backslashes before a delimiting quote are doubled to stay literal
            out.append("\\" * (2 * backslashes) + '"' + value[i:run_end] + '"')
            backslashes = 0
            i = run_end
            continue
        out.append("\\" * backslashes)
        backslashes = 0
        out.append("%%" if ch == "%" else ch)
        i += 1
    out.append("\\" * (2 * backslashes) + '"')
    return "".join(out)


def ps_quote(value: str) -> str:
    """A PowerShell single-quoted string: nothing inside is expanded. PowerShell also
    takes the typographic single quotes as quotes, so those are doubled as well."""
    out = "".join(ch * 2 if ch in "'\u2018\u2019\u201a\u201b" else ch for ch in value)
    return f"'{out}'"
