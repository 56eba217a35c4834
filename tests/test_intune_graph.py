"""intune.json against Microsoft Graph's own model of a v1.0 win32LobApp.

intune.json is meant to be the body of `POST /deviceAppManagement/mobileApps` as it is.
The check reads it with the Graph v1.0 SDK (msgraph-sdk, generated from Graph's v1.0
metadata) the way a Graph client reads a response: every property must be one the model
has (the SDK keeps any other in `additional_data`), of its type, and every enum value one
the model lists (the SDK reads another as nothing); writing the model back out must give
the same JSON. The kits are made the product's way (tests/test_deploy_windows.py).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from test_deploy_windows import KIT_VARIANTS, static_kit

pytest.importorskip("msgraph", reason="msgraph-sdk (test extra) is not installed")

from kiota_abstractions.serialization import Parsable
from kiota_serialization_json.json_parse_node import JsonParseNode
from kiota_serialization_json.json_serialization_writer import (
    JsonSerializationWriter,
)
from msgraph.generated.models.mobile_app import MobileApp
from msgraph.generated.models.win32_lob_app import Win32LobApp
from msgraph.generated.models.win32_lob_app_registry_rule import (
    Win32LobAppRegistryRule,
)
from msgraph.generated.models.windows_architecture import WindowsArchitecture

from factory.deploy.kit import EXIT_CODES

TOKEN_FILE_COMMAND = 'install.cmd /TokenFile:repo "%ProgramData%\\Acme\\deploy-tokens\\repo.token"'


def unknown_properties(model: Any, where: str = "$") -> list[str]:
    """Every property the Graph model did not know, anywhere in the body."""
    found = []
    if isinstance(model, Parsable):
        found += [f"{where}.{key}" for key in getattr(model, "additional_data", None) or {}]
        for name, value in vars(model).items():
            if name not in ("additional_data", "backing_store"):
                found += unknown_properties(value, f"{where}.{name}")
    elif isinstance(model, list):
        for i, item in enumerate(model):
            found += unknown_properties(item, f"{where}[{i}]")
    return found


def graph_problems(body: dict[str, Any]) -> list[str]:
    """Why Graph's v1.0 model does not take `body` as a win32LobApp ([] when it does)."""
    app = JsonParseNode(copy.deepcopy(body)).get_object_value(MobileApp)
    if not isinstance(app, Win32LobApp):
        return [f"not a win32LobApp: {type(app).__name__}"]
    problems = unknown_properties(app)
    writer = JsonSerializationWriter()
    writer.write_object_value(None, app)
    again = json.loads(writer.get_serialized_content())
    # applicableArchitectures is a flags enum, "x64" on the wire; the SDK reads it into a
    # list and does not write that back, so it is compared as read
    given = {k: v for k, v in body.items() if k != "applicableArchitectures"}
    if again != given:
        problems.append(f"not the same once read and written back by the model: {again}")
    if "applicableArchitectures" in body and not app.applicable_architectures:
        problems.append("applicableArchitectures: not a windowsArchitecture value")
    return problems


@pytest.mark.parametrize("variant", KIT_VARIANTS)
def test_intune_json_is_a_graph_win32_lob_app(variant: str, tmp_path: Path, cert: bytes) -> None:
    opts = KIT_VARIANTS[variant]
    kit = static_kit(tmp_path, opts, cert)
    body = json.loads(kit.files["intune.json"])
    assert graph_problems(body) == []

    app = JsonParseNode(body).get_object_value(MobileApp)
    assert isinstance(app, Win32LobApp)
    assert app.setup_file_path == "install.cmd"
    assert app.file_name == "install.intunewin"  # IntuneWinAppUtil names it after -s
    # the profile's token has only a variable, which Intune cannot set: a file it is given
    assert app.install_command_line == TOKEN_FILE_COMMAND
    assert app.uninstall_command_line == "uninstall.cmd"
    assert app.applicable_architectures == [WindowsArchitecture.X64]
    assert app.minimum_supported_windows_release
    system = opts.install_type == "AllUsers"
    assert app.install_experience.run_as_account.value == ("system" if system else "user")
    assert [(c.return_code, c.type.value) for c in app.return_codes] == [
        (code, "success" if code == 0 else "failed") for code in sorted(EXIT_CODES)
    ]
    # detection: what constructor's installer registers (DisplayVersion = version)
    (rule,) = app.rules
    assert isinstance(rule, Win32LobAppRegistryRule)
    hive = "HKEY_LOCAL_MACHINE" if system else "HKEY_CURRENT_USER"
    key = (
        "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\"
        + kit.construct["uninstall_name"]
    )
    assert (rule.rule_type.value, rule.key_path, rule.value_name) == (
        "detection",
        f"{hive}\\{key}",
        "DisplayVersion",
    )
    assert (rule.operation_type.value, rule.operator.value, rule.comparison_value) == (
        "string",
        "equal",
        kit.construct["version"],
    )
    assert rule.check32_bit_on64_system is False
    assert app.display_name == kit.construct["uninstall_name"]


def test_a_token_without_a_file_goes_on_the_command_line(tmp_path: Path, cert: bytes) -> None:
    """A token the installer reads only from a variable cannot come from Intune's SYSTEM
    environment: the command line names a file a prior step drops."""
    kit = static_kit(tmp_path, KIT_VARIANTS["all-users"], cert)
    facts = json.loads(json.dumps(kit.facts))
    assert [t["win_file"] for t in facts["tokens"]] == [None]
    kit.write(facts)
    body = json.loads(kit.files["intune.json"])
    assert graph_problems(body) == []
    assert body["installCommandLine"] == TOKEN_FILE_COMMAND
    sccm = json.loads(kit.files["sccm.json"])["deploymentType"]
    assert sccm["installationProgram"] == TOKEN_FILE_COMMAND

    facts["tokens"][0]["win_file"] = "C:\\ProgramData\\Acme\\repo.token"
    kit.write(facts)
    assert json.loads(kit.files["intune.json"])["installCommandLine"] == "install.cmd"


BROKEN = {
    "unknown property": lambda b: b.update(detectionRule={"type": "registry"}),
    "unknown enum value": lambda b: b["rules"][0].update(operator="equals"),
    "beta-only property": lambda b: b.update(allowAvailableUninstall=True),
    "wrong type": lambda b: b["returnCodes"][0].update(returnCode="0"),
    "unknown return code type": lambda b: b["returnCodes"][1].update(type="failure"),
    "unknown rule type": lambda b: b["rules"][0].update(
        {"@odata.type": "#microsoft.graph.win32LobAppRegistryDetection"}
    ),
    "nested unknown property": lambda b: b["installExperience"].update(maxRunTimeInMinutes=60),
}


@pytest.mark.parametrize("case", BROKEN)
def test_the_check_catches_what_graph_refuses(case: str, tmp_path: Path, cert: bytes) -> None:
    kit = static_kit(tmp_path, KIT_VARIANTS["all-users"], cert)
    body = json.loads(kit.files["intune.json"])
    BROKEN[case](body)
    assert graph_problems(body) != []
