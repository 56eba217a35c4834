"""Values that are, or carry, a secret: a token in a URL path, a token pasted where the
name of its environment variable belongs, anything else token-shaped.

load.py walks every value of a profile (and of build-matrix.yml) through `secret_problem`,
so each is refused at its own file:line:column. No message repeats the value.
"""

from __future__ import annotations

import re

from factory.leaks.shapes import looks_like_token
from factory.profiles.yamlfile import Path_

# conda takes whatever follows `/t/` in a channel URL for a token and sends it with every
# request (split_anaconda_token in conda/common/url.py: re.search(r"/t/([a-zA-Z0-9-]*)"))
URL_TOKEN = re.compile(r"/t/([a-zA-Z0-9-]*)")
_CHANNEL_LISTS = ("channels", "default_channels", "allowlist_channels")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_WHOLE_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S+")
# installer texts may link a forum thread (`/t/<slug>/`); conda never reads them
_PROSE = frozenset(
    {"welcome_text", "readme_text", "conclusion_text", "install_path_exists_error_text"}
)

URL_TOKEN_MESSAGE = (
    "looks like a secret (conda reads what follows `/t/` in a URL as a token); give the "
    "URL without it, and the token through `tokens:` (from the environment or a file)"
)
ENV_TOKEN_MESSAGE = (
    "looks like a token, not the name of an environment variable: give the variable's "
    "name (e.g. ACME_REPO_TOKEN) and put the token in that variable"
)


def _token_in_url(path: Path_, value: str) -> bool:
    if _WHOLE_URL.fullmatch(value) and not (path and path[-1] in _PROSE):
        return bool(URL_TOKEN.search(value))
    # a channel name goes after channel_alias, so `t/<token>/name` ends up in the URL too
    in_list = len(path) >= 2 and path[-2] in _CHANNEL_LISTS and isinstance(path[-1], int)
    return in_list and (value.startswith("t/") or "/t/" in value)


def _is_token_env(path: Path_) -> bool:
    """tokens.<name>.env and tokens.<name>.deploy.env name a variable."""
    if not path or path[0] != "tokens" or path[-1] != "env":
        return False
    return len(path) == 3 or (len(path) == 4 and path[2] == "deploy")


# auth.<method>.<key> values that name a `tokens:` entry (factory/profiles/auth_methods.py)
_SECRET_REFS = {
    "anaconda_auth": "api_key",
    "conda_token": "token",
    "anon_usage": "org_token",
    "channel_settings": "password",
}
REF_TOKEN_MESSAGE = (
    "looks like a secret, not the name of a `tokens:` entry: name the entry (e.g. "
    "acme_api_key) and give the secret through it (from the environment or a file)"
)


def _is_secret_ref(path: Path_) -> bool:
    return (
        len(path) >= 3
        and path[0] == "auth"
        and isinstance(path[1], str)
        and _SECRET_REFS.get(path[1]) == path[-1]
    )


def token_shaped_name(value: str) -> bool:
    """A variable name a token would pass for: long, with digits, and without the
    underscores or the single case variable names are written in (ACME_REPO_TOKEN_2)."""
    if not _ENV_NAME.fullmatch(value):
        return False  # the model's own pattern refuses it, without repeating it
    if looks_like_token(value):
        return True
    mixed_case = any(c.isupper() for c in value) and any(c.islower() for c in value)
    has_digit = any(c.isdigit() for c in value)
    return len(value) >= 20 and has_digit and ("_" not in value or mixed_case)


def secret_problem(path: Path_, value: str, what: str, keep: str) -> str | None:
    """Why `value` at `path` must not be in the file, or None. `what` names the file
    ("a profile"), `keep` says where secrets belong instead."""
    if _token_in_url(path, value):
        return URL_TOKEN_MESSAGE
    if _is_token_env(path) and token_shaped_name(value):
        return ENV_TOKEN_MESSAGE
    if _is_secret_ref(path) and (
        token_shaped_name(value.replace("-", "_").replace(".", "_")) or looks_like_token(value)
    ):
        return REF_TOKEN_MESSAGE
    if kind := looks_like_token(value):
        return (
            f"looks like a secret ({kind}); {what} must not contain tokens or "
            f"passwords: keep them {keep}"
        )
    return None
