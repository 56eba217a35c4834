"""build-matrix.yml `secrets:`: which CI secret provides each file and environment
variable the profiles read at build time. NAMES of secrets only, never their values.

- `files`: a token file (`tokens.<name>.file`) or a CA certificate (`ca_certs`) by its
  path relative to build-matrix.yml. The build job writes the secret there, readable by
  its own account only, before the build, and removes it after, also when the build fails.
- `env`: a token's environment variable (`tokens.<name>.env`), when its secret has another
  name. Without an entry the secret of the same name is used.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from factory.ci.matrix_fields import RepoPath, SecretName
from factory.formats.base import StrictModel

EnvName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class CiSecrets(StrictModel):
    """CI secrets by what they provide."""

    files: dict[RepoPath, SecretName] = Field(
        default_factory=dict,
        description="File (relative to build-matrix.yml) -> CI secret written there, mode "
        "600, for the build only: token files and CA certificates.",
    )
    env: dict[EnvName, SecretName] = Field(
        default_factory=dict,
        description="Token environment variable -> CI secret that sets it. Default: the "
        "secret of the same name.",
    )

    def secret_for_env(self, var: str) -> str:
        return self.env.get(var, var)
