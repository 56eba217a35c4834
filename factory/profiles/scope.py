"""Install scope: whether an installation serves one account or every user of the machine.

`install.scope` says it per OS; when left out it follows the installer options that decide
it. One function answers for rules.py (what validate says) and render/plan.py (where the
post-install puts repository settings and how readable the token store is).
"""

from __future__ import annotations

from typing import Literal

from factory.platforms import OS
from factory.profiles.model import Profile

Scope = Literal["user", "all_users"]


def install_scope(profile: Profile, os_: OS) -> Scope:
    """The effective scope on one OS: the profile's `install.scope.<os>` when given, else

    - win: `deploy.windows.install_type` (AllUsers -> all_users, JustMe -> user); without
      it, user (constructor's silent install defaults to JustMe);
    - osx: all_users when `install.pkg_domains` allow only the local system
      (enable_localSystem true, enable_currentUserHome false), else user;
    - linux: all_users when `deploy.unix` is given (the Linux kit installs as root), else
      user.
    """
    given = getattr(profile.install.scope, os_.value)
    if given is not None:
        return given
    deploy = profile.deploy
    if os_ is OS.win:
        windows = deploy.windows if deploy is not None else None
        return "all_users" if windows is not None and windows.install_type == "AllUsers" else "user"
    if os_ is OS.osx:
        domains = profile.install.pkg_domains
        system_only = (
            domains is not None
            and domains.enable_localSystem
            and not domains.enable_currentUserHome
        )
        return "all_users" if system_only else "user"
    return "all_users" if deploy is not None and deploy.unix is not None else "user"
