"""docker-compose.yml agrees with the code: commands exist, every variable is read."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from infrastructure.settings import KafkaSettings, Settings
from kopir.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def cli_commands() -> set[str]:
    parser = build_parser()
    [sub] = [a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction"]
    return set(sub.choices)


def variables_read_by_the_code() -> set[str]:
    names = {f"KOPIR_{name.upper()}" for name in Settings.model_fields}
    names |= {f"KOPIR_KAFKA_{name.upper()}" for name in KafkaSettings.model_fields}
    return names


def test_the_topology_is_complete():
    services = compose()["services"]
    assert {"postgres", "kafka", "relay", "engine", "checkpointer", "consumer", "ui"} \
        <= set(services)
    assert services["kafka"]["image"].startswith("apache/kafka:4")
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["consumer"]["deploy"]["replicas"] == 2
    assert services["checkpointer"]["deploy"]["replicas"] == 2  # one signs, one stands by
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no healthcheck"


def test_every_application_command_exists_in_the_cli():
    services = compose()["services"]
    commands = cli_commands()
    for name in ("relay", "engine", "checkpointer", "consumer", "ui"):
        command = services[name]["command"]
        assert command[0] == "kopir" and command[1] in commands, name
        check = services[name]["healthcheck"]["test"]
        if check[1] == "kopir":
            assert check[2] in commands


def test_every_kopir_variable_is_read_by_the_code():
    services = compose()["services"]
    known = variables_read_by_the_code()
    seen = set()
    for name in ("relay", "consumer", "ui"):
        for variable in services[name]["environment"]:
            if variable.startswith("KOPIR_"):
                seen.add(variable)
                assert variable in known, f"{variable} in docker-compose.yml is read by nothing"
    assert {"KOPIR_DATABASE_URL", "KOPIR_CIPHER_KEY", "KOPIR_KAFKA_BOOTSTRAP"} <= seen


def test_no_secret_is_written_into_the_file():
    text = (ROOT / "docker-compose.yml").read_text()
    assert re.search(r"KOPIR_CIPHER_KEY: \$\{KOPIR_CIPHER_KEY:\?", text)


def test_the_image_holds_every_package_the_project_installs():
    # The image installs from what its Dockerfile copies: a package left out breaks every
    # service at its first import.
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {p.rstrip("*") for p in config["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = set(re.findall(r"^COPY (\w+) \./\1$", (ROOT / "Dockerfile").read_text(), re.M))
    assert packages and packages == copied
