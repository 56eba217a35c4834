"""Bad profiles: every mistake an admin is likely to make, with its exact message and place.

`installer-factory validate` must report each problem as `file:line:column: key.path: message`
(all of them at once), exit 1 and write nothing. Input that cannot be read at all (missing
file, broken YAML, alias bombs, extends cycles...) gets one line and no traceback.

Every test runs in its own tmp_path as the working directory, so files display relative
(`p.yaml:3:11: ...`). MINIMAL (from conftest) is ten lines long and valid; rows built with
`plus()` add their mistake from line 11 on.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import MINIMAL, CliResult, make_certificate, read_tree, write_tree

from factory.profiles.model import Install, Profile

Cli = Callable[..., CliResult]
Write = Callable[[str, str], Path]

PROFILE_KEYS = ", ".join(sorted(Profile.model_fields))
INSTALL_KEYS = ", ".join(sorted(Install.model_fields))
NAME_RULE = (
    "must be letters, digits, `.`, `_` or `-`, starting and ending with a letter, digit or `_`"
)


BASE = MINIMAL.lstrip("\n")  # ten lines; text added after it starts on line 11


def plus(extra: str) -> str:
    """MINIMAL (lines 1-10) followed by top-level keys `extra` (from line 11)."""
    return BASE + textwrap.dedent(extra).lstrip("\n")


def _expiry(pem: bytes) -> str:
    from cryptography import x509

    return f"{x509.load_pem_x509_certificate(pem).not_valid_after_utc:%Y-%m-%d}"


# made at run time, once per session; nothing secret is committed
NOT_CA_PEM = make_certificate(ca=False)
EXPIRED_PEM = make_certificate(days_valid=-1, not_before_days=-10)
EXPIRED_ON = _expiry(EXPIRED_PEM)
GOOD_CA_PEM = make_certificate()

SPEC_HOW = "write NAME, NAME VERSION or NAME VERSION BUILD, e.g. `python >=3.12` or `numpy 1.26.*`"
URL_TOKEN = (
    "looks like a secret (conda reads what follows `/t/` in a URL as a token); give the "
    "URL without it, and the token through `tokens:` (from the environment or a file)"
)
ENV_TOKEN = (
    "looks like a token, not the name of an environment variable: give the variable's "
    "name (e.g. ACME_REPO_TOKEN) and put the token in that variable"
)
SETTING_HOW = "give tokens through `tokens:` (from the environment or a file), never here"
PLAIN_HTTP = (
    "http:// would send tokens and logins in plain text; use https://, or set "
    "`allow_insecure_http: true` to accept it (validate then warns)"
)

WITH_REPO_CLI = (
    MINIMAL
    + """      - conda-repo-cli
"""
)


@dataclass(frozen=True)
class Bad:
    """One mistake: the profile (p.yaml), side files, and every stderr problem line."""

    id: str
    profile: str
    expected: tuple[str, ...]
    files: Mapping[str, str | bytes] = field(default_factory=dict)


BAD: list[Bad] = [
    # --- keys and types -----------------------------------------------------------------
    Bad(
        "unknown-top-level-key",
        plus("platfroms: [linux-64]\n"),
        (
            "p.yaml:11:1: platfroms: unknown key; did you mean `platforms`? "
            f"(allowed here: {PROFILE_KEYS})",
        ),
    ),
    Bad(
        "unknown-nested-key",
        plus("""
            install:
              batchmode: true
        """),
        (
            "p.yaml:12:3: install.batchmode: unknown key; did you mean `batch_mode`? "
            f"(allowed here: {INSTALL_KEYS})",
        ),
    ),
    Bad(
        "string-instead-of-list",
        """
        name: T
        version: "1"
        channels: conda-forge
        packages:
          specs:
            base: [python, conda]
        """,
        ("p.yaml:3:11: channels: must be a list (one `- item` per line)",),
    ),
    Bad(
        "word-instead-of-bool",
        plus("""
            condarc:
              report_errors: maybe
        """),
        ("p.yaml:12:18: condarc.report_errors: must be true or false",),
    ),
    Bad(
        "unquoted-numeric-version",
        """
        name: T
        version: 1.10
        channels: [conda-forge]
        packages:
          specs:
            base: [python, conda]
        """,
        ("p.yaml:2:10: version: must be a string (put it in quotes)",),
    ),
    Bad(
        "installer-name-with-space",
        """
        name: My Installer
        version: "1"
        channels: [conda-forge]
        packages:
          specs:
            base: [python, conda]
        """,
        (f"p.yaml:1:7: name: {NAME_RULE} (constructor's rule for installer names)",),
    ),
    Bad(
        "version-with-plus",
        """
        name: T
        version: 1.0+local
        channels: [conda-forge]
        packages:
          specs:
            base: [python, conda]
        """,
        (f"p.yaml:2:10: version: {NAME_RULE} (constructor's rule; no `+` or spaces)",),
    ),
    Bad(
        "unknown-platform",
        """
        name: T
        version: "1"
        platforms: [linux-64, win-32]
        channels: [conda-forge]
        packages:
          specs:
            base: [python, conda]
        """,
        (
            "p.yaml:3:23: platforms[1]: Input should be 'linux-64', 'linux-aarch64', "
            "'osx-64', 'osx-arm64' or 'win-64'",
        ),
    ),
    Bad(
        "duplicate-platform",
        """
        name: T
        version: "1"
        platforms:
          - linux-64
          - linux-64
        channels: [conda-forge]
        packages:
          specs:
            base: [python, conda]
        """,
        ("p.yaml:5:5: platforms[1]: linux-64 is listed twice",),
    ),
    Bad(
        "exe-for-macos",
        plus("""
            installer_types:
              osx: [exe]
        """),
        (
            "p.yaml:12:9: installer_types.osx[0]: `exe` installers cannot be built for osx; "
            "osx builds pkg or sh",
        ),
    ),
    Bad(
        "sh-for-windows-and-pkg-for-linux",
        plus("""
            installer_types:
              win: [sh]
              linux: [pkg]
        """),
        (
            "p.yaml:12:9: installer_types.win[0]: `sh` installers cannot be built for win; "
            "win builds exe or msi",
            "p.yaml:13:11: installer_types.linux[0]: `pkg` installers cannot be built for "
            "linux; linux builds sh",
        ),
    ),
    Bad(
        "missing-name",
        """
        version: "1"
        channels: [conda-forge]
        packages:
          specs:
            base: [python, conda]
        """,
        ("p.yaml:1:1: name: required key is missing",),
    ),
    Bad(
        "name-without-value",
        """
        version: "1"
        channels: [conda-forge]
        name:
        packages:
          specs:
            base: [python, conda]
        """,
        ("p.yaml:3:1: name: has no value; it is required",),
    ),
    Bad(
        "missing-version-and-release",
        """
        name: T
        channels: [conda-forge]
        packages:
          specs:
            base: [python, conda]
        """,
        ("p.yaml:1:1: version: set `version`, or `release` to derive it",),
    ),
    Bad(
        "release-month-13",
        """
        name: T
        channels: [conda-forge]
        release:
          series: data_science
          month: "2026-13"
        packages:
          specs:
            base: [python, conda]
        """,
        ("p.yaml:5:10: release.month: must be a month as YYYY-MM, e.g. 2026-11",),
    ),
    Bad(
        "control-character",
        plus("""
            company: "Acme\\u0007 Corp"
        """),
        ("p.yaml:11:10: company: must be printable text: no line breaks or control characters",),
    ),
    # --- channels ------------------------------------------------------------------------
    Bad(
        "channel-url-with-space",
        """
        name: T
        version: "1"
        channels:
          - https://repo example.com/main
        packages:
          specs:
            base: [python, conda]
        """,
        ("p.yaml:4:5: channels[0]: must be an http://, https:// or file:// URL with no spaces",),
    ),
    Bad(
        "channel-url-ftp",
        """
        name: T
        version: "1"
        channels:
          - conda-forge
          - ftp://repo.example.com/main
        packages:
          specs:
            base: [python, conda]
        """,
        ("p.yaml:5:5: channels[1]: must be an http://, https:// or file:// URL with no spaces",),
    ),
    Bad(
        "remap-without-dest",
        plus("""
            channels_remap:
              - src: https://repo.example.com/main
        """),
        ("p.yaml:12:5: channels_remap[0].dest: required key is missing",),
    ),
    Bad(
        "remap-extra-key",
        plus("""
            channels_remap:
              - src: https://repo.example.com/main
                dest: https://mirror.corp/main
                dst: https://mirror.corp/other
        """),
        (
            "p.yaml:14:5: channels_remap[0].dst: unknown key; did you mean `dest`? "
            "(allowed here: dest, src)",
        ),
    ),
    Bad(
        "remap-same-source-twice",
        plus("""
            channels_remap:
              - src: https://repo.example.com/main
                dest: https://mirror.corp/main
              - src: http://repo.example.com/main/
                dest: https://mirror.corp/other
        """),
        (
            "p.yaml:14:10: channels_remap[1].src: same source as channels_remap[0]; "
            "each source maps once",
        ),
    ),
    Bad(
        "channel-priority-typo",
        plus("""
            condarc:
              channel_priority: strcit
        """),
        (
            "p.yaml:12:21: condarc.channel_priority: Input should be 'strict', "
            "'flexible' or 'disabled'",
        ),
    ),
    Bad(
        "condarc-settings-resets-managed-key",
        plus("""
            condarc:
              settings:
                auto_update_conda: false
                ssl_verify: false
        """),
        (
            "p.yaml:14:5: condarc.settings.ssl_verify: `ssl_verify` has its own place: set "
            "condarc.ssl_verify instead",
        ),
    ),
    Bad(
        "condarc-channels-lists-build-source",
        plus("""
            channels_remap:
              - src: https://repo.anaconda.com/pkgs/main
                dest: https://mirror.corp/main
            condarc:
              channels:
                - https://repo.anaconda.com/pkgs/main/
        """),
        (
            "p.yaml:16:7: condarc.channels[0]: is a build-time source URL; installed "
            "machines should use its remapped URL https://mirror.corp/main",
        ),
    ),
    Bad(
        "ssl-verify-ca-bundle-without-ca-certs",
        plus("""
            condarc:
              ssl_verify: ca_bundle
        """),
        ("p.yaml:12:15: condarc.ssl_verify: ca_bundle needs at least one entry in ca_certs",),
    ),
    Bad(
        # condarc.enforce: keys the .condarc sets, once each (factory/profiles/enforce_rules.py)
        "condarc-enforce-keys-not-set",
        plus("""
            condarc:
              settings: {auto_update_conda: false}
              enforce: [channels, changeps1, ssl_verify, pkgs_dirs, auto_update_conda, channels]
        """),
        (
            "p.yaml:13:13: condarc.enforce[0]: warning: users can still pick other channels "
            "with `conda install --override-channels -c URL`, which does not read `channels`: "
            "also set condarc.settings.override_channels_enabled: false and enforce it, or "
            "set condarc.allowlist_channels",
            "p.yaml:13:23: condarc.enforce[1]: the .condarc does not set changeps1, so there "
            "is nothing to enforce: set condarc.settings.changeps1, or remove it from "
            "condarc.enforce",
            "p.yaml:13:34: condarc.enforce[2]: the .condarc does not set ssl_verify: set "
            "condarc.ssl_verify (or give ca_certs, which point it at the installed CA bundle), "
            "or remove it from condarc.enforce",
            "p.yaml:13:46: condarc.enforce[3]: the .condarc does not set pkgs_dirs, so there "
            "is nothing to enforce: set condarc.pkgs_dirs, or remove it from condarc.enforce",
            "p.yaml:13:76: condarc.enforce[5]: channels is listed twice",
        ),
    ),
    Bad(
        "condarc-enforce-alias-that-carries-a-token",
        plus("""
            tokens:
              repo: {env: A_TOKEN, url: "https://repo.example/", install: bake}
            condarc:
              channel_alias: "https://repo.example/"
              enforce: [channel_alias, channel_priority]
        """),
        (
            "p.yaml:15:13: condarc.enforce[0]: the installed token `repo` rides on "
            "channel_alias, which the post-install step appends to the .condarc with the "
            "token; a final channel_alias without it would keep conda from sending the "
            "token: remove channel_alias from condarc.enforce",
        ),
    ),
    Bad(
        "condarc-enforce-key-not-a-condarc-key",
        plus("""
            condarc:
              enforce: [Channels]
        """),
        (
            "p.yaml:12:13: condarc.enforce[0]: has characters that are not allowed here "
            "(pattern ^[a-z_][a-z0-9_]*$)",
        ),
    ),
    # --- packages ------------------------------------------------------------------------
    Bad(
        "empty-spec",
        BASE + '      - ""\n',  # a third item in group base
        (
            "p.yaml:11:9: packages.specs.base[2]: a package spec must not be empty or "
            "start/end with spaces",
        ),
    ),
    Bad(
        "space-padded-spec",
        """
        name: T
        version: "1"
        channels: [conda-forge]
        packages:
          specs:
            base:
              - python
              - "conda "
        """,
        (
            "p.yaml:8:9: packages.specs.base[1]: a package spec must not be empty or "
            "start/end with spaces",
        ),
    ),
    Bad(
        "bad-group-name",
        BASE + '    "my group!":\n      - numpy\n',  # a second group
        (
            "p.yaml:11:5: packages.specs['my group!']: invalid key name: has characters that "
            "are not allowed here (pattern ^[A-Za-z0-9_][A-Za-z0-9_.-]*$)",
        ),
    ),
    Bad(
        "exclude-with-version",
        BASE + "  exclude:\n    - numpy=1.26\n",
        (
            "p.yaml:12:7: packages.exclude[0]: has characters that are not allowed here "
            "(pattern ^[^ =<>*]+$)",
        ),
    ),
    Bad(
        "package-in-two-groups",
        BASE + "    extra:\n      - numpy\n      - Python >=3.11\n",
        (
            "p.yaml:13:9: packages.specs.extra[1]: `python` is already requested by group "
            "base; list each package once",
        ),
    ),
    Bad(
        "package-requested-and-excluded",
        BASE + "  exclude:\n    - python\n",
        ("p.yaml:12:7: packages.exclude[0]: `python` is both requested (group base) and excluded",),
    ),
    Bad(
        "initialize-conda-without-conda",
        """
        name: T
        version: "1"
        platforms: [linux-64]
        channels: [conda-forge]
        packages:
          specs:
            base: [python]
        install:
          initialize_conda: true
        """,
        ("p.yaml:9:21: install.initialize_conda: needs `conda` in packages for linux-64",),
    ),
    Bad(
        "condabin-with-old-conda",
        """
        name: T
        version: "1"
        platforms: [linux-64]
        channels: [conda-forge]
        packages:
          specs:
            base: [python, "conda <25"]
        install:
          initialize_conda: condabin
        """,
        (
            "p.yaml:9:21: install.initialize_conda: condabin needs conda >=25.5.0 on "
            "linux-64; packages ask for `conda <25`",
        ),
    ),
    Bad(
        "truststore-with-old-conda",
        """
        name: T
        version: "1"
        platforms: [linux-64]
        channels: [conda-forge]
        packages:
          specs:
            base: [python, "conda 23.5.*"]
        condarc:
          ssl_verify: truststore
        """,
        (
            "p.yaml:9:15: condarc.ssl_verify: truststore needs conda >=23.9 on linux-64; "
            "packages ask for `conda 23.5.*`",
        ),
    ),
    Bad(
        "two-installed-tokens-for-one-url",
        plus("""
            tokens:
              a: {env: A_TOKEN, url: "https://repo.example/", install: bake}
              b: {env: B_TOKEN, url: "https://repo.example", install: bake}
            condarc: {channel_alias: "https://repo.example/"}
        """),
        (
            "p.yaml:13:26: tokens.b.url: tokens `a` and `b` are both installed for "
            "https://repo.example; conda can use only one",
        ),
    ),
    Bad(
        "token-urls-that-overlap",
        plus("""
            tokens:
              site: {env: A_TOKEN, url: "https://repo.example/api/repo/", install: bake}
              baked: {env: B_TOKEN, url: "https://repo.example/api/repo/baked/", install: bake}
            condarc: {channel_alias: "https://repo.example/api/repo/baked/"}
        """),
        (
            "p.yaml:13:30: tokens.baked.url: overlaps token `site` "
            "(https://repo.example/api/repo/): conda sends a channel the first token whose "
            "URL starts the channel's, in no fixed order, so either token could reach the "
            "other's repository; give URLs where neither starts the other",
        ),
    ),
    Bad(
        # conda also files a token under its URL with the first `api` part as `conda`
        "token-urls-that-overlap-through-conda-form",
        plus("""
            tokens:
              site: {env: A_TOKEN, url: "https://repo.example/api/repo/"}
              other: {env: B_TOKEN, url: "https://repo.example/conda/repo/x/", install: bake}
            condarc: {channel_alias: "https://repo.example/conda/repo/x/"}
        """),
        (
            "p.yaml:13:30: tokens.other.url: overlaps token `site` "
            "(https://repo.example/api/repo/): conda sends a channel the first token whose "
            "URL starts the channel's, in no fixed order, so either token could reach the "
            "other's repository; give URLs where neither starts the other",
        ),
    ),
    Bad(
        # install.scope: an installed token in an all-users install is every user's
        "unshared-token-in-an-all-users-install",
        plus("""
            install: {scope: {linux: all_users}}
            tokens:
              repo: {env: A_TOKEN, url: "https://repo.example/", install: bake}
            condarc: {channel_alias: "https://repo.example/"}
        """),
        (
            "p.yaml:13:9: tokens.repo: an all-users install (linux-64) "
            "gives this token to every local user of the machine; set `shared: true` if it is a "
            "site token, else install for one user (install.scope) or give each user their "
            "own token",
        ),
    ),
    Bad(
        "shared-token-warns-in-an-all-users-install",
        plus("""
            install: {scope: {win: all_users}}
            tokens:
              repo: {env: A_TOKEN, url: "https://repo.example/", install: bake, shared: true}
              other: {env: B_TOKEN, url: "https://other.example/", install: bake}
            condarc: {channels: [https://repo.example/a, https://other.example/b]}
        """),
        (
            "p.yaml:13:77: tokens.repo.shared: warning: an all-users install (win-64) gives "
            "this token to every local user of the machine: every account there can read it "
            "and use the repository with it",
            "p.yaml:14:10: tokens.other: an all-users install (win-64) gives this token to "
            "every local user of the machine; set `shared: true` if it is a site token, else "
            "install for one user (install.scope) or give each user their own token",
        ),
    ),
    Bad(
        "scope-contradicts-windows-install-type",
        plus("""
            install: {uninstall_name: T, scope: {win: user}}
            deploy:
              org: Acme
              windows: {prefix: 'C:\\Acme', install_type: AllUsers}
              unix: {prefix: /opt/acme}
        """),
        (
            "p.yaml:11:43: install.scope.win: user contradicts deploy.windows.install_type "
            "AllUsers, which the installer follows; set install_type: JustMe or change the scope",
        ),
    ),
    Bad(
        "all-users-pkg-without-local-system",
        """
        name: T
        version: "1"
        platforms: [osx-arm64]
        channels: [conda-forge]
        packages:
          specs:
            base: [python, conda]
        install: {scope: {osx: all_users}}
        """,
        (
            "p.yaml:8:24: install.scope.osx: all_users needs "
            "install.pkg_domains.enable_localSystem: without it the .pkg installs only into a "
            "user's home",
        ),
    ),
    Bad(
        "deploy-token-without-a-windows-source",
        plus("""
            tokens:
              repo:
                url: "https://repo.example/"
                install: deploy
                deploy: {unix_file: /etc/acme/token}
            condarc: {channel_alias: "https://repo.example/"}
        """),
        ("p.yaml:15:13: tokens.repo.deploy: no source on Windows: give `env` or `win_file`",),
    ),
    Bad(
        "installed-token-without-conda",
        """
        name: T
        version: "1"
        platforms: [linux-64]
        channels: [conda-forge]
        packages:
          specs:
            base: [python]
        tokens:
          repo: {env: A_TOKEN, url: "https://repo.example/", install: bake}
        condarc: {channel_alias: "https://repo.example/"}
        """,
        (
            "p.yaml:9:63: tokens.repo.install: needs `conda` in packages for linux-64: the "
            "post-install step points conda at the installed token",
        ),
    ),
    Bad(
        "deploy-windows-prefix-with-caret",
        plus("""
            install: {uninstall_name: T}
            deploy:
              org: Acme
              windows: {prefix: 'C:\\Acme^DS'}
              unix: {prefix: /opt/acme}
        """),
        (
            "p.yaml:14:21: deploy.windows.prefix: contains ^, which the Windows "
            "installer refuses in its folder",
        ),
    ),
    Bad(
        "deploy-windows-prefix-with-percent",
        plus("""
            install: {uninstall_name: T}
            deploy:
              org: Acme
              windows: {prefix: 'C:\\Acme%DS'}
              unix: {prefix: /opt/acme}
        """),
        (
            "p.yaml:14:21: deploy.windows.prefix: contains %, which the Windows "
            "installer refuses in its folder",
        ),
    ),
    Bad(
        "deploy-windows-prefix-with-bang",
        plus("""
            install: {uninstall_name: T}
            deploy:
              org: Acme
              windows: {prefix: 'C:\\Acme!DS'}
              unix: {prefix: /opt/acme}
        """),
        (
            "p.yaml:14:21: deploy.windows.prefix: contains !, which the Windows "
            "installer refuses in its folder",
        ),
    ),
    Bad(
        "deploy-windows-prefix-with-equals",
        plus("""
            install: {uninstall_name: T}
            deploy:
              org: Acme
              windows: {prefix: 'C:\\Acme=DS'}
              unix: {prefix: /opt/acme}
        """),
        (
            "p.yaml:14:21: deploy.windows.prefix: contains =, which the Windows "
            "installer refuses in its folder",
        ),
    ),
    Bad(
        "deploy-windows-prefix-with-comma",
        plus("""
            install: {uninstall_name: T}
            deploy:
              org: Acme
              windows: {prefix: 'C:\\Acme,DS'}
              unix: {prefix: /opt/acme}
        """),
        (
            "p.yaml:14:21: deploy.windows.prefix: contains ,, which the Windows "
            "installer refuses in its folder",
        ),
    ),
    Bad(
        "deploy-windows-prefix-with-paren",
        plus("""
            install: {uninstall_name: T}
            deploy:
              org: Acme
              windows: {prefix: 'C:\\Acme(DS'}
              unix: {prefix: /opt/acme}
        """),
        (
            "p.yaml:14:21: deploy.windows.prefix: contains (, which the Windows "
            "installer refuses in its folder",
        ),
    ),
    Bad(
        "deploy-windows-prefix-is-a-drive-root",
        plus("""
            install: {uninstall_name: T}
            deploy:
              org: Acme
              windows: {prefix: 'C:\\'}
              unix: {prefix: /opt/acme}
        """),
        (
            "p.yaml:14:21: deploy.windows.prefix: must be a folder, not the root of a drive "
            "or share",
        ),
    ),
    Bad(
        "deploy-windows-prefix-not-ascii",
        plus("""
            install: {uninstall_name: T}
            deploy:
              org: Acme
              windows: {prefix: 'C:\\Acmé'}
              unix: {prefix: /opt/acme}
        """),
        (
            "p.yaml:14:21: deploy.windows.prefix: must be ASCII: the Windows "
            "installer refuses other folders when Python is in it",
        ),
    ),
    Bad(
        "deploy-prefix-with-space-while-spaces-are-checked",
        plus("""
            install: {uninstall_name: T}
            deploy:
              org: Acme
              windows: {prefix: 'C:\\Acme DS'}
              unix: {prefix: /opt/acme ds}
        """),
        (
            "p.yaml:14:21: deploy.windows.prefix: contains a space, which the installer refuses "
            "while install.check_path_spaces is true",
            "p.yaml:15:18: deploy.unix.prefix: contains a space, which the installer refuses "
            "while install.check_path_spaces is true",
        ),
    ),
    Bad(
        "deploy-without-what-windows-needs",
        plus("""
            deploy:
              org: Acme
              unix: {prefix: /opt/acme}
        """),
        (
            "p.yaml:12:3: deploy: needs `windows` (prefix, install_type) for win-64",
            "p.yaml:12:3: deploy: needs install.uninstall_name on win-64: it names the registry "
            "key the Intune/SCCM detection rule reads",
        ),
    ),
    Bad(
        "deploy-uninstall-options-without-the-conda-standalone-uninstaller",
        plus("""
            install: {uninstall_name: T}
            deploy:
              org: Acme
              windows: {prefix: 'C:\\Acme'}
              unix: {prefix: /opt/acme}
              uninstall: {remove_caches: true}
        """),
        (
            "p.yaml:16:14: deploy.uninstall: needs install.uninstall_with_conda_exe on win-64: "
            "only constructor's conda-standalone uninstaller takes /RemoveCaches, "
            "/RemoveConfigFiles and /RemoveUserData",
        ),
    ),
    Bad(
        "deploy-add-to-path-for-all-users",
        plus("""
            install: {uninstall_name: T, initialize_conda: true}
            deploy:
              org: Acme
              windows: {prefix: 'C:\\Acme', install_type: AllUsers, add_to_path: true}
              unix: {prefix: /opt/acme}
        """),
        (
            "p.yaml:11:48: install.initialize_conda: warning: an all-users install (linux-64, "
            "win-64) runs conda init as the installing account: it edits root's or SYSTEM's "
            "shell start-up files, not the users'; set it to false and have each user run "
            "`conda init`, or put the prefix's condabin on the machine's PATH with your "
            "management tool",
            "p.yaml:14:69: deploy.windows.add_to_path: the installer ignores /AddToPath=1 for "
            "AllUsers installs",
        ),
    ),
    Bad(
        "channel-name-ending-in-a-line-break",
        """
        name: T
        version: "1"
        platforms: [linux-64]
        channels: ["conda-forge\\n"]
        packages:
          specs:
            base: [python]
        """,
        (
            "p.yaml:4:12: channels[0]: must be a channel name (like `defaults` or "
            "`conda-forge`) or a URL",
        ),
    ),
    Bad(
        "script-env-variable-with-quote",
        plus("""
            install:
              script_env_variables:
                FIRST: fine
                SECOND: "it's"
        """),
        (
            "p.yaml:14:13: install.script_env_variables.SECOND: quotes and # cannot be "
            "passed through constructor",
        ),
    ),
    # --- authentication ------------------------------------------------------------------
    Bad(
        "psm-site-with-space",
        WITH_REPO_CLI
        + """auth:
  psm:
    site: prod site
    url: https://repo.corp/api
""",
        ("p.yaml:14:11: auth.psm.site: must be letters, digits, _ and -",),
    ),
    Bad(
        "auth-without-conda-repo-cli",
        plus("""
            auth:
              psm:
                site: prod
                url: https://repo.corp/api
        """),
        (
            "p.yaml:13:5: auth.psm: needs `conda-repo-cli` in packages for linux-64: the "
            "post-install step runs its `conda-repo` executable",
        ),
    ),
    Bad(
        "non-ascii-auth-url-for-windows",
        WITH_REPO_CLI
        + """auth:
  psm:
    site: prod
    url: https://dépôt.corp/api
""",
        (
            "p.yaml:15:10: auth.psm.url: cannot be passed safely to the Windows post-install:"
            " cmd.exe reads .bat files in the OEM code page; use ASCII only",
        ),
    ),
    # --- files and certificates ------------------------------------------------------------
    Bad(
        "licence-file-missing",
        plus("license_file: eula.txt\n"),
        ("p.yaml:11:15: license_file: file not found: eula.txt",),
    ),
    Bad(
        "licence-not-ascii-for-sh",
        plus("license_file: eula.txt\n"),
        (
            "p.yaml:11:15: license_file: a .sh installer shows the licence as plain ASCII "
            "text; this file has other characters",
        ),
        {"eula.txt": "Licence café\n"},
    ),
    Bad(
        "batch-mode-with-licence",
        plus("""
            license_file: eula.txt
            install:
              batch_mode: true
        """),
        (
            "p.yaml:13:15: install.batch_mode: a .sh installer cannot combine batch_mode "
            "with license_file",
        ),
        {"eula.txt": "Licence\n"},
    ),
    Bad(
        "signtool-without-certificate",
        plus("""
            signing:
              windows:
                tool: signtool
        """),
        (
            "p.yaml:13:5: signing.windows.certificate: signtool needs the path of a .pfx "
            "certificate",
        ),
    ),
    Bad(
        "ca-cert-file-missing",
        plus("""
            ca_certs:
              corp: corp.pem
        """),
        ("p.yaml:12:9: ca_certs.corp: file not found: corp.pem",),
    ),
    Bad(
        "ca-cert-not-a-ca",
        plus("""
            ca_certs:
              corp: corp.pem
        """),
        (
            "p.yaml:12:9: ca_certs.corp: CN=Test Root CA: not a CA certificate "
            "(basicConstraints CA is not set)",
        ),
        {"corp.pem": NOT_CA_PEM},
    ),
    Bad(
        "ca-cert-expired",
        plus("""
            ca_certs:
              corp: corp.pem
        """),
        (f"p.yaml:12:9: ca_certs.corp: CN=Test Root CA: expired on {EXPIRED_ON}",),
        {"corp.pem": EXPIRED_PEM},
    ),
    Bad(
        "ca-cert-not-pem",
        plus("""
            ca_certs:
              corp: corp.cer
        """),
        (
            "p.yaml:12:9: ca_certs.corp: no PEM certificate in this file (no BEGIN "
            "CERTIFICATE line)",
        ),
        {"corp.cer": b"\x30\x82\x01\x0a garbage, DER or anything but PEM\n"},
    ),
    # --- layering provenance -----------------------------------------------------------------
    Bad(
        "error-in-base-profile",
        """
        extends: org/base.yaml
        name: T
        version: "1"
        """,
        (
            "org/base.yaml:6:21: condarc.channel_priority: Input should be 'strict', "
            "'flexible' or 'disabled'",
        ),
        {
            "org/base.yaml": """\
abstract: true
channels: [conda-forge]
packages:
  specs: {base: [python, conda]}
condarc:
  channel_priority: strcit
""",
        },
    ),
    Bad(
        "missing-licence-in-base-profile",
        """
        extends: org/base.yaml
        name: T
        version: "1"
        """,
        ("org/base.yaml:3:15: license_file: file not found: org/eula.txt",),
        {
            "org/base.yaml": """\
abstract: true
channels: [conda-forge]
license_file: eula.txt
packages:
  specs: {base: [python, conda]}
""",
            "eula.txt": "beside the leaf, not the base: must not be picked up\n",
        },
    ),
    # --- several at once -------------------------------------------------------------------
    Bad(
        "several-key-mistakes",
        """
        name: My App
        version: 1.0
        platforms: [linux-64, win-64, win-64]
        channels: [conda-forge]
        packages:
          specs:
            base: [python, conda, " numpy"]
        install:
          batchmode: true
        condarc:
          channel_priority: strcit
        """,
        (
            f"p.yaml:1:7: name: {NAME_RULE} (constructor's rule for installer names)",
            "p.yaml:2:10: version: must be a string (put it in quotes)",
            "p.yaml:3:31: platforms[2]: win-64 is listed twice",
            "p.yaml:7:27: packages.specs.base[2]: a package spec must not be empty or "
            "start/end with spaces",
            "p.yaml:9:3: install.batchmode: unknown key; did you mean `batch_mode`? "
            f"(allowed here: {INSTALL_KEYS})",
            "p.yaml:11:21: condarc.channel_priority: Input should be 'strict', "
            "'flexible' or 'disabled'",
        ),
    ),
    Bad(
        "several-rule-mistakes",
        plus("""
            license_file: eula.txt
            install:
              batch_mode: true
            condarc:
              ssl_verify: ca_bundle
            signing:
              windows:
                tool: signtool
        """),
        (
            "p.yaml:11:15: license_file: file not found: eula.txt",
            "p.yaml:13:15: install.batch_mode: a .sh installer cannot combine batch_mode "
            "with license_file",
            "p.yaml:15:15: condarc.ssl_verify: ca_bundle needs at least one entry in ca_certs",
            "p.yaml:18:5: signing.windows.certificate: signtool needs the path of a .pfx "
            "certificate",
        ),
    ),
    Bad(
        "key-and-rule-mistakes-together",
        plus("""
            install:
              batchmode: true
            condarc:
              ssl_verify: ca_bundle
        """),
        (
            "p.yaml:12:3: install.batchmode: unknown key; did you mean `batch_mode`? "
            f"(allowed here: {INSTALL_KEYS})",
            "p.yaml:14:15: condarc.ssl_verify: ca_bundle needs at least one entry in ca_certs",
        ),
    ),
    # --- issue 12: what rattler cannot read, secrets in values, plain http, prefixes ------
    Bad(
        "package-spec-rattler-cannot-read",
        BASE + "      - numpy =>1.26\n      - scipy 1.2 py_0\n",
        (
            "p.yaml:11:9: packages.specs.base[2]: not a package spec the solver can read "
            f"(unable to parse version spec: =>1.26); {SPEC_HOW}",
            # conda would read it leniently as scipy ==1.2; rattler's solver refuses it
            "p.yaml:12:9: packages.specs.base[3]: not a package spec the solver can read "
            "(missing range specifier for '1.2'. Did you mean '==1.2' or '1.2.*'?); " + SPEC_HOW,
        ),
    ),
    Bad(
        "package-spec-rattler-cannot-read-in-an-os-group",
        plus("""
            packages:
              specs:
                base: [python, conda]
              os:
                win: {extra: ["menuinst >=2.0,,"]}
        """).replace("packages:\n  specs:\n    base:\n      - python\n      - conda\n", "", 1),
        (
            "p.yaml:10:19: packages.os.win.extra[0]: not a package spec the solver can read "
            f"(unable to parse version spec: >=2.0,,); {SPEC_HOW}",
        ),
    ),
    Bad(
        "token-in-url-paths",
        plus("""
            channels_remap:
              - src: https://repo.example.com/main
                dest: https://mirror.example.org/t/abc123/conda-forge
            condarc:
              channels: [t/abc123/conda-forge, "https://m.example.org/t/Ab3dE5fG7hJ9kL1mN2pQ/main"]
              channel_alias: https://mirror.example.org/t/
              settings: {custom_url: "https://mirror.example.org/t/x1/y"}
        """),
        (
            f"p.yaml:13:11: channels_remap[0].dest: {URL_TOKEN}",
            f"p.yaml:15:14: condarc.channels[0]: {URL_TOKEN}",
            f"p.yaml:15:36: condarc.channels[1]: {URL_TOKEN}",
            f"p.yaml:16:18: condarc.channel_alias: {URL_TOKEN}",
            f"p.yaml:17:26: condarc.settings.custom_url: {URL_TOKEN}",
        ),
    ),
    Bad(
        "token-in-the-url-of-a-token-and-of-psm",
        WITH_REPO_CLI
        + textwrap.dedent("""
            auth:
              psm: {site: prod, url: "https://repo.example/t/abc/api"}
            tokens:
              repo: {env: REPO_TOKEN, url: "https://repo.example/t/abc/"}
        """).lstrip("\n"),
        (
            f"p.yaml:13:26: auth.psm.url: {URL_TOKEN}",
            f"p.yaml:15:32: tokens.repo.url: {URL_TOKEN}",
        ),
    ),
    Bad(
        "secret-named-settings",
        WITH_REPO_CLI
        + textwrap.dedent("""
            auth:
              psm:
                site: prod
                url: https://repo.example/api
                settings: {token: abc, sites.prod.api-key: def, ssl_verify: "false"}
            condarc:
              settings: {add_anaconda_token: true, proxy_password: hunter2}
        """).lstrip("\n"),
        (
            "p.yaml:16:23: auth.psm.settings.token: `token` is named like a secret, and "
            f"settings are written as they are into the post-install scripts; {SETTING_HOW}",
            "p.yaml:16:48: auth.psm.settings['sites.prod.api-key']: `sites.prod.api-key` is "
            "named like a secret, and settings are written as they are into the post-install "
            f"scripts; {SETTING_HOW}",
            "p.yaml:18:56: condarc.settings.proxy_password: `proxy_password` is named like a "
            "secret, and settings are written as they are into the shipped .condarc; "
            + SETTING_HOW,
        ),
    ),
    Bad(
        "token-where-the-variable-name-belongs",
        """
        name: T
        version: "1"
        platforms: [linux-64, win-64]
        channels: [https://repo.example/main, https://user.example/main, https://x.example/main]
        condarc: {channels: [https://repo.example/main, https://user.example/main]}
        packages:
          specs:
            base: [python, conda]
        tokens:
          repo: {env: a3f2a9b7c1d4e5f60718293a4b5c6d7e8f9, url: "https://repo.example/"}
          user:
            url: "https://user.example/"
            install: deploy
            deploy: {env: AbCdEf1234567890GhIjKl}
          dashed: {env: ab-12345678-1234-1234-1234-123456789abc, url: "https://x.example/"}
        """,
        (
            f"p.yaml:10:15: tokens.repo.env: {ENV_TOKEN}",
            f"p.yaml:14:19: tokens.user.deploy.env: {ENV_TOKEN}",
            "p.yaml:15:17: tokens.dashed.env: has characters that are not allowed in the name "
            "of an environment variable (letters, digits and _, not starting with a digit), "
            "e.g. ACME_REPO_TOKEN; the token itself goes in that variable",
        ),
    ),
    Bad(
        "plain-http-where-installed-machines-go",
        plus("""
            channels_remap:
              - src: https://repo.example.com/main
                dest: http://mirror.example.org/main
            condarc:
              channels: [http://mirror.example.org/main]
              channel_alias: http://mirror.example.org/
              proxy_servers: {http: http://proxy.example:8080}
        """),
        (
            f"p.yaml:13:11: channels_remap[0].dest: {PLAIN_HTTP}",
            f"p.yaml:15:14: condarc.channels[0]: {PLAIN_HTTP}",
            f"p.yaml:16:18: condarc.channel_alias: {PLAIN_HTTP}",
        ),
    ),
    Bad(
        "plain-http-for-psm-and-tokens",
        WITH_REPO_CLI
        + textwrap.dedent("""
            auth:
              psm: {site: prod, url: http://repo.example/api}
            tokens:
              repo: {env: REPO_TOKEN, url: "http://repo.example/"}
        """).lstrip("\n"),
        (
            f"p.yaml:13:26: auth.psm.url: {PLAIN_HTTP}",
            f"p.yaml:15:32: tokens.repo.url: {PLAIN_HTTP}",
        ),
    ),
    Bad(
        "plain-http-allowed-still-warns",
        plus("""
            allow_insecure_http: true
            channels_remap:
              - src: https://repo.example.com/main
                dest: http://mirror.example.org/main
            condarc: {channel_alias: "http://mirror.example.org/t/x/"}
        """),
        (
            "p.yaml:14:11: channels_remap[0].dest: warning: http:// sends tokens and logins in "
            "plain text; accepted because allow_insecure_http is true",
            "p.yaml:15:26: condarc.channel_alias: warning: http:// sends tokens and logins in "
            "plain text; accepted because allow_insecure_http is true",
            f"p.yaml:15:26: condarc.channel_alias: {URL_TOKEN}",
        ),
    ),
    Bad(
        "check-path-spaces-neither-bool-nor-per-os",
        plus("""
            install:
              check_path_spaces: maybe
        """),
        (
            "p.yaml:12:22: install.check_path_spaces: must be true or false; or must be a "
            "mapping of keys to values",
        ),
    ),
    Bad(
        "check-path-spaces-false-everywhere-with-conda",
        plus("""
            install:
              check_path_spaces: false
        """),
        (
            "p.yaml:12:22: install.check_path_spaces: false is refused by constructor on Linux "
            "and macOS when conda is installed; set it false for win only ({win: false})",
        ),
    ),
    Bad(
        "check-path-spaces-false-for-linux-with-conda",
        plus("""
            install:
              check_path_spaces: {linux: false, win: false}
        """),
        (
            "p.yaml:12:30: install.check_path_spaces.linux: false is refused by constructor on "
            "Linux and macOS when conda is installed",
        ),
    ),
    Bad(
        "windows-default-prefixes-the-installer-refuses",
        plus("""
            install:
              default_prefix:
                win: '%ProgramFiles%\\Acme'
                win_all_users: '%ProgramFiles(x86)%\\Acme'
                win_domain_user: 'C:\\R&D\\acme'
        """),
        (
            "p.yaml:13:10: install.default_prefix.win: contains a space (from %ProgramFiles% = "
            "C:\\Program Files), which the Windows installer refuses while "
            "install.check_path_spaces is true for win; choose a folder without spaces, or "
            "set install.check_path_spaces: {win: false}",
            "p.yaml:14:20: install.default_prefix.win_all_users: contains ( ) (from "
            "%ProgramFiles(x86)% = C:\\Program Files (x86)), which the Windows installer "
            "refuses in its folder; choose a folder without them",
            "p.yaml:15:22: install.default_prefix.win_domain_user: contains &, which cmd.exe "
            "takes for the end of a command: the post-install .bat would break in this "
            "folder; choose a folder without it",
        ),
    ),
    Bad(
        "windows-default-prefix-with-refused-characters",
        plus("""
            install:
              default_prefix:
                win: '%USERPROFILE%\\acme=ds'
                win_all_users: 'C:\\Acme DS'
        """),
        (
            "p.yaml:13:10: install.default_prefix.win: contains =, which the Windows installer "
            "refuses in its folder; choose a folder without them",
            "p.yaml:14:20: install.default_prefix.win_all_users: contains a space, which the "
            "Windows installer refuses while install.check_path_spaces is true for win; "
            "choose a folder without spaces, or set install.check_path_spaces: {win: false}",
        ),
    ),
    Bad(
        "pem-pasted-where-a-path-belongs",
        plus("""
            ca_certs:
              corp: |
                -----BEGIN CERTIFICATE-----
                MIIBszCCAVmgAwIBAgIUabc
                -----END CERTIFICATE-----
        """),
        (
            "p.yaml:12:9: ca_certs.corp: holds PEM text, not a file name: save it to a file "
            "and give the path of that .pem file (relative to this profile, or absolute)",
        ),
    ),
    # --- the admin's scripts, files, installer names and build outputs (admin_rules.py) --
    Bad(
        "admin-script-suffix-per-os",
        plus("""
            scripts:
              post_install:
                linux: setup.bat
                win: setup.sh
              pre_uninstall:
                linux: un.sh
        """),
        (
            "p.yaml:13:12: scripts.post_install.linux: must be a .sh script",
            "p.yaml:14:10: scripts.post_install.win: must be a .bat script",
            "p.yaml:16:5: scripts.pre_uninstall.linux: unknown key (allowed here: win)",
        ),
    ),
    Bad(
        "admin-script-missing-or-with-crlf",
        plus("""
            scripts:
              pre_install: {linux: crlf.sh}
              post_install: {linux: missing.sh, win: here.bat}
        """),
        (
            "p.yaml:12:24: scripts.pre_install.linux: has Windows (CRLF) line endings: sh "
            "would fail on them",
            "p.yaml:13:25: scripts.post_install.linux: file not found: missing.sh",
        ),
        files={"crlf.sh": "echo\r\n", "here.bat": "@echo off\r\n"},
    ),
    Bad(
        "admin-pre-install-with-jinja-marks-for-a-pkg",
        """
        name: T
        version: "1"
        platforms: [osx-arm64]
        channels: [conda-forge]
        packages:
          specs:
            base: [python, conda]
        scripts:
          pre_install: {osx: pre.sh}
        """,
        (
            "p.yaml:9:22: scripts.pre_install.osx: holds {{, which constructor's .pkg build "
            "reads as Jinja: write it another way (e.g. '{''{')",
        ),
        files={"pre.sh": "echo '{{ not jinja }}'\n"},
    ),
    Bad(
        "extra-file-destinations-outside-the-prefix-or-taken",
        plus("""
            extra_files:
              /etc/pip.conf: f.txt
              ../pip.conf: f.txt
              etc\\pip.conf: f.txt
              .condarc: f.txt
              condarc.d/corp.yml: f.txt
              conda-meta/history: f.txt
              envs/work/conda-meta/frozen: f.txt
              etc/installer-factory/x.json: f.txt
              pkgs/urls.txt: f.txt
        """),
        (
            "p.yaml:12:3: extra_files['/etc/pip.conf']: must be relative to the install "
            "folder, not absolute",
            "p.yaml:13:3: extra_files['../pip.conf']: must not hold empty, . or .. parts: it "
            "stays inside the prefix",
            "p.yaml:14:3: extra_files['etc\\\\pip.conf']: separate folders with / (it is / on "
            "every OS)",
            "p.yaml:15:13: extra_files['.condarc']: .condarc is written by the installer "
            "itself: choose another destination",
            "p.yaml:16:23: extra_files['condarc.d/corp.yml']: condarc.d/ belongs to conda, "
            "constructor or this factory: choose another destination",
            "p.yaml:17:23: extra_files['conda-meta/history']: conda-meta/ belongs to conda, "
            "constructor or this factory: choose another destination",
            "p.yaml:18:32: extra_files['envs/work/conda-meta/frozen']: an environment's "
            "conda-meta belongs to conda or this factory: choose another destination",
            "p.yaml:19:33: extra_files['etc/installer-factory/x.json']: etc/installer-factory/ "
            "belongs to conda, constructor or this factory: choose another destination",
            "p.yaml:20:18: extra_files['pkgs/urls.txt']: pkgs/ belongs to conda, constructor "
            "or this factory: choose another destination",
        ),
        files={"f.txt": "x\n"},
    ),
    Bad(
        "extra-file-destinations-that-clash",
        plus("""
            extra_files:
              etc/Pip.conf: f.txt
              etc/pip.conf: f.txt
              share/corp: f.txt
              share/corp/readme.txt: {source: missing.txt, os: [win]}
            temp_extra_files:
              page$1.txt: f.txt
        """),
        (
            "p.yaml:13:17: extra_files['etc/pip.conf']: same file as extra_files.etc/Pip.conf "
            "on Windows and macOS",
            "p.yaml:14:15: extra_files['share/corp']: is a file, but "
            "extra_files.share/corp/readme.txt needs it as a folder",
            "p.yaml:15:35: extra_files['share/corp/readme.txt'].source: file not found: "
            "missing.txt",
            "p.yaml:17:3: temp_extra_files['page$1.txt']: cannot hold / or any of "
            '<>:"|?*\\$ (not allowed on Windows)',
        ),
        files={"f.txt": "x\n"},
    ),
    Bad(
        "installer-filename-per-os",
        plus("""
            installer_types: {win: [exe, msi]}
            install:
              reverse_domain_identifier: com.example.t
              installer_filename:
                linux: T.pkg
                win: T-{version}.exe
                osx: dist/T.pkg
        """),
        (
            "p.yaml:15:12: install.installer_filename.linux: must end in .sh",
            "p.yaml:16:10: install.installer_filename.win: Windows builds exe and msi, which "
            "would get this one name: build one type, or leave the name to constructor",
            "p.yaml:17:10: install.installer_filename.osx: use letters, digits and . _ + - "
            "(starting with a letter, digit or _), and the placeholders {name}, {version}, "
            "{platform}",
        ),
    ),
    Bad(
        "installer-filename-of-another-type-and-shared-by-platforms",
        """
        name: T
        version: "1"
        platforms: [linux-64, linux-aarch64, win-64]
        channels: [conda-forge]
        packages:
          specs:
            base: [python, conda]
        install:
          installer_filename: {linux: T.sh, win: T.msi}
        """,
        (
            "p.yaml:9:31: install.installer_filename.linux: warning: linux-64 and "
            "linux-aarch64 would get the same file name: add {platform}",
            "p.yaml:9:42: install.installer_filename.win: Windows builds a .exe: end the name "
            "in .exe",
        ),
    ),
    Bad(
        "build-outputs-options-constructor-refuses",
        plus("""
            install:
              build_outputs:
                - info.json
                - hash: {algorithm: shake_128}
                - info.json: {}
        """),
        (
            "p.yaml:14:25: install.build_outputs[1].hash.algorithm: Input should be 'blake2b', "
            "'blake2s', 'md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha3_224', 'sha3_256', "
            "'sha3_384', 'sha3_512' or 'sha512'; or must be a list (one `- item` per line)",
            "p.yaml:15:7: install.build_outputs[2]: must be hash, info.json, licenses, "
            "lockfile or pkgs_list, or one {name: options} of hash, licenses, lockfile, "
            "pkgs_list",
        ),
    ),
    Bad(
        "build-outputs-of-an-environment-not-built",
        plus("""
            install:
              build_outputs:
                - lockfile: {env: work}
                - hash
                - hash: {algorithm: sha256}
        """),
        (
            "p.yaml:13:23: install.build_outputs[0].lockfile.env: work is not base or a name "
            "of extra_envs (base)",
            "p.yaml:15:7: install.build_outputs[2]: warning: same output as build_outputs[1]",
        ),
    ),
    Bad(
        "conclusion-text-that-ends-a-sh-installer-early",
        plus("""
            images: {color: red}
            install:
              conclusion_text: EOF
            scripts:
              pre_install_desc: Clean up first
        """),
        (
            "p.yaml:13:20: install.conclusion_text: EOF ends the text early in a .sh installer",
            "p.yaml:15:21: scripts.pre_install_desc: warning: no pre_install script for a built OS",
        ),
    ),
    # --- auth methods (factory/profiles/auth_rules.py, auth_methods.py) -----------------
    Bad(
        "auth-method-names-no-token-and-lacks-its-package",
        plus("""
            auth:
              anaconda_auth: {org: acme, api_key: nope}
        """),
        (
            "p.yaml:12:18: auth.anaconda_auth: needs `anaconda-auth` in packages for linux-64: "
            "its conda plugin sends the API key (auth: anaconda-auth)",
            "p.yaml:12:39: auth.anaconda_auth.api_key: names no `tokens:` entry (known: none)",
        ),
    ),
    Bad(
        "auth-method-given-a-pasted-secret",
        plus("""
            auth:
              anaconda_auth: {org: acme, api_key: aB3dE5fG7hJ9kL1mN3pQ5rT}
        """),
        (
            "p.yaml:12:18: auth.anaconda_auth: needs `anaconda-auth` in packages for linux-64: "
            "its conda plugin sends the API key (auth: anaconda-auth)",
            "p.yaml:12:39: auth.anaconda_auth.api_key: looks like a secret, not the name of a "
            "`tokens:` entry: name the entry (e.g. acme_api_key) and give the secret through "
            "it (from the environment or a file)",
            "p.yaml:12:39: auth.anaconda_auth.api_key: names no `tokens:` entry (known: none)",
        ),
    ),
    Bad(
        "conda-token-for-another-repository-with-its-own-default-channels",
        """
        name: T
        version: "1"
        platforms: [linux-64]
        channels: [conda-forge]
        packages:
          specs:
            base: [python, conda]
        tokens:
          ce:
            url: https://repo.example.test/
            install: deploy
            deploy: {env: CE_TOKEN}
        condarc:
          channels: [conda-forge, defaults]
          default_channels: [https://repo.example.test/main]
        auth:
          conda_token: {token: ce}
        """,
        (
            "p.yaml:10:10: tokens.ce.url: auth.conda_token's token is for "
            "https://repo.anaconda.cloud/repo/ (conda-token's repository): give that url",
            "p.yaml:15:21: condarc.default_channels: auth.conda_token sets default_channels "
            "as `conda token set` does (https://repo.anaconda.cloud/repo/main, r, msys2 and "
            "archive_channels); remove this key",
        ),
    ),
    Bad(
        "auth-secret-not-installed-and-used-twice",
        """
        name: T
        version: "1"
        platforms: [linux-64]
        channels: [conda-forge]
        packages:
          specs:
            base: [python, conda, anaconda-anon-usage, anaconda-auth]
        tokens:
          org:
            url: https://anaconda.com/
            env: ORG_TOKEN
        auth:
          anon_usage: {org_token: org}
          anaconda_auth: {org: acme, api_key: org}
        """,
        (
            "p.yaml:10:5: tokens.org.install: auth.anaconda_auth.api_key uses it on the "
            "installed machine: give `install: bake` or `install: deploy`",
            "p.yaml:13:27: auth.anon_usage.org_token: token `org` is already used by "
            "auth.anaconda_auth.api_key; each method needs its own secret",
        ),
    ),
    Bad(
        "channel-settings-over-plain-http",
        plus("""
            auth:
              channel_settings:
                - {channel: "http://art.corp.example/*", username: svc, password: art}
        """),
        (
            "p.yaml:13:17: auth.channel_settings[0].channel: must start with https:// "
            "(conda-auth sends no credentials over plain http)",
        ),
    ),
    # --- extra_envs (constructor fcp.py `_main`, main.py `main_build`) ------------------
    Bad(
        "extra-envs-without-conda-in-base",
        BASE.replace("      - conda\n", "")
        + textwrap.dedent("""
            extra_envs:
              work:
                specs: {ds: [numpy]}
        """).lstrip("\n"),
        (
            "p.yaml:11:3: extra_envs: needs `conda` in packages for linux-64: constructor "
            "installs extra environments with base's conda and refuses them without it",
        ),
    ),
    Bad(
        "extra-env-named-root-and-one-empty-on-linux",
        plus("""
            extra_envs:
              root:
                specs: {ds: [numpy]}
              work:
                os: {win: {w: [pywin32]}}
        """),
        (
            "p.yaml:12:3: extra_envs.root: `base` and `root` name the base environment; "
            "choose another name",
            "p.yaml:15:5: extra_envs.work.specs: no packages for linux-64: give the "
            "environment at least one spec there (or a group under os/platform for it)",
        ),
    ),
]


def _place(tmp_path: Path, files: Mapping[str, str | bytes]) -> None:
    """The case's files; text dedented, as the `write` fixture does."""
    dedented = {
        k: v if isinstance(v, bytes) else textwrap.dedent(v).lstrip("\n") for k, v in files.items()
    }
    write_tree(tmp_path, dedented)


def test_the_table_is_big_and_distinct() -> None:
    assert len(BAD) >= 30
    assert len({case.id for case in BAD}) == len(BAD)
    assert len({(case.profile, tuple(case.files.items())) for case in BAD}) == len(BAD)


@pytest.mark.parametrize("case", BAD, ids=[case.id for case in BAD])
def test_bad_profile_is_reported_where_it_is(
    case: Bad,
    cli: Cli,
    write: Write,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    _place(tmp_path, case.files)
    write("p.yaml", case.profile)
    before = read_tree(tmp_path)

    result = cli("validate", "p.yaml")

    tmp = str(tmp_path.resolve())
    expected = [line.replace("{tmp}", tmp) for line in case.expected]
    errors = [line for line in expected if ": warning: " not in line]
    summary = f"installer-factory: {len(errors)} error(s); nothing written"
    assert result.err.splitlines() == [*expected, summary]
    assert result.code == 1
    assert result.out == ""
    assert read_tree(tmp_path) == before  # validate never writes


# --- input that cannot be read: one line, no traceback -----------------------------------


def _alias_bomb(levels: int = 9, width: int = 9) -> str:
    """Billion laughs: each level lists the previous one `width` times (9**9 leaves)."""
    lines = ["l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels):
        items = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"l{level}: &l{level} [{items}]")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Unreadable:
    id: str
    files: Mapping[str, str | bytes | None]  # None: a directory
    arg: str
    line: str


UNREADABLE: list[Unreadable] = [
    Unreadable("missing-file", {}, "nope.yaml", "nope.yaml: no such file"),
    Unreadable(
        "missing-by-name",
        {},
        "nope",
        "profile 'nope' not found (looked in: no search paths configured)",
    ),
    Unreadable("directory", {"d.yaml": None}, "d.yaml", "d.yaml: is a directory, not a YAML file"),
    Unreadable(
        "malformed-yaml",
        {"p.yaml": "name: T\n  version: 1\n"},
        "p.yaml",
        "p.yaml:2:10: invalid YAML: mapping values are not allowed here",
    ),
    Unreadable(
        "tab-indent",
        {"p.yaml": "name: T\n\tversion: 1\n"},
        "p.yaml",
        "p.yaml:2:1: invalid YAML: a tab character here; indent with spaces (YAML does not "
        "allow tabs for indentation)",
    ),
    Unreadable(
        "duplicate-key",
        {"p.yaml": plus("name: U\n")},
        "p.yaml",
        'p.yaml:11:1: invalid YAML: found duplicate key "name" with value "U" '
        '(original value: "T")',
    ),
    Unreadable(
        "alias-bomb",
        {"p.yaml": _alias_bomb()},
        "p.yaml",
        "p.yaml: more than 100000 values once YAML aliases are expanded (an alias bomb?); "
        "profiles do not need that many",
    ),
    Unreadable(
        "top-level-list",
        {"p.yaml": "- name: T\n  version: '1'\n"},
        "p.yaml",
        "p.yaml:1:1: a profile must be a mapping of keys to values",
    ),
    Unreadable(
        "top-level-scalar",
        {"p.yaml": "just some text\n"},
        "p.yaml",
        "p.yaml:1:1: a profile must be a mapping of keys to values",
    ),
    Unreadable(
        "extends-missing-name",
        {"p.yaml": "extends: nothere\n" + BASE},
        "p.yaml",
        "p.yaml:1:10: extends: profile 'nothere' not found (looked in: .)",
    ),
    Unreadable(
        "extends-missing-path",
        {"p.yaml": "extends: org/nothere.yaml\n" + BASE},
        "p.yaml",
        "p.yaml:1:10: extends: org/nothere.yaml: no such file",
    ),
    Unreadable(
        "extends-a-directory-by-path",
        {"org/base.yaml": "abstract: true\n", "p.yaml": "extends: org/\n" + BASE},
        "p.yaml",
        "p.yaml:1:10: extends: org/: is a directory; name one profile file in it, e.g. "
        "org/base.yaml (it holds base.yaml)",
    ),
    Unreadable(
        "extends-a-directory-by-name",
        {"org/base.yaml": "abstract: true\n", "p.yaml": "extends: org\n" + BASE},
        "p.yaml",
        "p.yaml:1:10: extends: org: is a directory; name one profile file in it, e.g. "
        "org/base.yaml (it holds base.yaml)",
    ),
    Unreadable(
        "extends-cycle",
        {"a.yaml": "extends: b\n" + BASE, "b.yaml": "abstract: true\nextends: a.yaml\n"},
        "a.yaml",
        "b.yaml:2:10: extends: cycle between profiles: a.yaml -> b.yaml -> a.yaml",
    ),
    Unreadable(
        "extends-itself",
        {"a.yaml": "extends: a\n" + BASE},
        "a.yaml",
        "a.yaml:1:10: extends: cycle between profiles: a.yaml -> a.yaml",
    ),
    Unreadable(
        "not-utf8",
        {"p.yaml": BASE.encode() + b"company: Caf\xe9\n"},
        "p.yaml",
        "p.yaml: not UTF-8 text (byte 147)",
    ),
]


@pytest.mark.parametrize("case", UNREADABLE, ids=[case.id for case in UNREADABLE])
def test_unreadable_input_is_one_line(
    case: Unreadable, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_tree(tmp_path, case.files)

    result = cli("validate", case.arg)

    assert result.err == f"installer-factory: error: {case.line}\n"
    assert result.code == 1
    assert result.out == ""


def test_unterminated_quote_points_at_the_quote(
    cli: Cli, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ruamel notices at the end of the file; the user needs the line the quote opens on."""
    monkeypatch.chdir(tmp_path)
    write("p.yaml", 'name: T\nversion: "1\nchannels: [conda-forge]\n')

    result = cli("validate", "p.yaml")

    assert result.code == 1
    assert result.out == ""
    lines = result.err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("installer-factory: error: p.yaml:")
    assert "2:10" in lines[0], lines[0]
    assert "quoted scalar" in lines[0], lines[0]


def test_alias_bomb_is_refused_quickly(
    cli: Cli, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.chdir(tmp_path)
    write("p.yaml", _alias_bomb(levels=12, width=10))
    start = time.perf_counter()
    result = cli("validate", "p.yaml")
    assert time.perf_counter() - start < 5
    assert result.code == 1
    assert "alias bomb" in result.err
    assert "Traceback" not in result.err


def test_good_and_unreadable_together_report_both(
    cli: Cli, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several PROFILE arguments: problems of one and the read error of another, all shown."""
    monkeypatch.chdir(tmp_path)
    write("bad.yaml", plus("platfroms: [linux-64]\n"))
    result = cli("validate", "bad.yaml", "missing.yaml")
    assert result.code == 1
    assert result.err.splitlines() == [
        "bad.yaml:11:1: platfroms: unknown key; did you mean `platforms`? "
        f"(allowed here: {PROFILE_KEYS})",
        "installer-factory: error: missing.yaml: no such file",
    ]


# --- render refuses bad input and leaves earlier output alone -----------------------------


def test_render_of_a_bad_profile_writes_nothing(
    cli: Cli, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write("p.yaml", plus("condarc:\n  channel_priority: strcit\n"))

    result = cli("render", "p.yaml", "--output", "out")

    assert result.code == 1
    assert result.out == ""
    assert result.err.splitlines() == [
        "p.yaml:12:21: condarc.channel_priority: Input should be 'strict', "
        "'flexible' or 'disabled'",
        "installer-factory: 1 error(s); nothing written",
    ]
    assert not (tmp_path / "out").exists()


def test_render_of_a_broken_profile_keeps_earlier_output(
    cli: Cli, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    profile = write("p.yaml", MINIMAL)
    first = cli("render", "p.yaml", "--output", "out")
    assert first.code == 0, first.err
    before = read_tree(tmp_path / "out")
    assert any(name.endswith("construct.yaml") for name in before)

    profile.write_text(profile.read_text(encoding="utf-8") + "      - ' numpy'\n", "utf-8")
    second = cli("render", "p.yaml", "--output", "out")

    assert second.code == 1
    assert second.err.splitlines() == [
        "p.yaml:11:9: packages.specs.base[2]: a package spec must not be empty or "
        "start/end with spaces",
        "installer-factory: 1 error(s); nothing written",
    ]
    assert read_tree(tmp_path / "out") == before


def test_render_of_an_abstract_profile_is_refused(
    cli: Cli, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write("p.yaml", "abstract: true\n" + BASE)

    result = cli("render", "p.yaml", "--output", "out")

    assert result.code == 1
    assert result.err.splitlines() == [
        "p.yaml:1:11: abstract: this profile is a base meant to be extended; render a "
        "profile that extends it",
        "installer-factory: 1 error(s); nothing written",
    ]
    assert not (tmp_path / "out").exists()
    assert cli("validate", "p.yaml").code == 0  # a base is still valid on its own


def test_abstract_yes_is_not_silently_rendered(
    cli: Cli, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`abstract: yes` (a string in YAML 1.2) passes the model as true, as every other bool
    key does; it must then be a base (refused by render), or else be an error at the key.
    Rendering it as an ordinary profile is wrong either way."""
    monkeypatch.chdir(tmp_path)
    write("p.yaml", "abstract: yes\n" + BASE)

    result = cli("render", "p.yaml", "--output", "out")

    assert result.code == 1
    assert result.err.startswith("p.yaml:1:11: abstract: "), result.err
    assert not (tmp_path / "out").exists()


# --- --json --------------------------------------------------------------------------------


def test_validate_json_lists_every_problem(
    cli: Cli, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write("p.yaml", plus("platfroms: []\ncondarc:\n  channel_priority: strcit\n"))

    result = cli("validate", "--json", "p.yaml")

    assert result.code == 1
    assert json.loads(result.out) == {
        "ok": False,
        "problems": [
            {
                "file": "p.yaml",
                "line": 11,
                "column": 1,
                "path": "platfroms",
                "message": f"unknown key; did you mean `platforms`? (allowed here: {PROFILE_KEYS})",
                "severity": "error",
            },
            {
                "file": "p.yaml",
                "line": 13,
                "column": 21,
                "path": "condarc.channel_priority",
                "message": "Input should be 'strict', 'flexible' or 'disabled'",
                "severity": "error",
            },
        ],
    }


def test_validate_json_of_unreadable_input(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("validate", "--json", "nope.yaml")
    assert result.code == 1
    # every failure has the same shape: the error, and the problems (none located here)
    assert json.loads(result.out) == {
        "ok": False,
        "error": "nope.yaml: no such file",
        "problems": [],
    }
    assert result.err == "installer-factory: error: nope.yaml: no such file\n"


def test_good_profile_gives_no_problems(
    cli: Cli, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The base every row starts from is itself clean, so each row shows only its mistake."""
    monkeypatch.chdir(tmp_path)
    write("p.yaml", MINIMAL)
    write("cert.yaml", plus("ca_certs:\n  corp: corp.pem\n"))
    (tmp_path / "corp.pem").write_bytes(GOOD_CA_PEM)
    write(
        "auth.yaml", WITH_REPO_CLI + "auth:\n  psm:\n    site: prod\n    url: https://r.corp/api\n"
    )
    result = cli("validate", "p.yaml", "cert.yaml", "auth.yaml")
    assert result.code == 0, result.err
    assert result.err == ""


def test_a_pkg_deploy_token_only_in_a_variable_is_warned_about(cli, write) -> None:
    """macOS's installer does not pass the caller's environment to package scripts: only
    the token file reaches the .pkg's post-install."""
    written = write(
        "p.yaml",
        """
        name: T
        version: "1"
        platforms: [osx-arm64]
        channels: [conda-forge]
        condarc: {channel_alias: "https://repo.corp/conda"}
        packages:
          specs:
            base: [python, conda]
        tokens:
          repo:
            url: https://repo.corp/
            install: deploy
            deploy: {env: REPO_TOKEN}
        """,
    )
    result = cli("validate", written)
    assert result.code == 0
    assert (
        "p.yaml:13:13: tokens.repo.deploy: warning: a .pkg is built for macOS, and macOS's "
        "installer does not pass the caller's environment to package scripts, so only a "
        "token file reaches them: give `unix_file` (the Jamf kit writes the token there)"
    ) in result.err
    with_file = written.read_text().replace(
        "{env: REPO_TOKEN}", "{env: REPO_TOKEN, unix_file: /etc/t}"
    )
    written.write_text(with_file)
    assert "unix_file" not in cli("validate", written).err
