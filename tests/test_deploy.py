"""deploy/: the systemd unit, the Dockerfile and the compose file name real settings, real
commands and absolute paths. The image is built only where a container engine runs."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
PATH_SETTINGS = ("BACKSTORY_DATA_DIR", "BACKSTORY_CORPUS_DIR")


def setting_names() -> set[str]:
    """Every environment variable Settings reads."""
    from retrieval.settings import Settings

    prefix = Settings.model_config["env_prefix"]
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.update(alias.choices if alias is not None else [f"{prefix}{name.upper()}"])
    return names


def cli_commands() -> set[str]:
    import typer

    from bot.cli import app

    return set(typer.main.get_command(app).commands)


def unit_entries(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) for each line of a systemd unit; keys may repeat."""
    entries, section = [], ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        entries.append((section, key.strip(), value.strip()))
    return entries


def backstory_command(argv: list[str]) -> str:
    """The subcommand of a `backstory …` command line, checked to be one the CLI has."""
    assert Path(argv[0]).name == "backstory", argv
    assert argv[1] in cli_commands(), f"`backstory {argv[1]}` is not a command"
    return argv[1]


# --- systemd ---------------------------------------------------------------------------------
def test_the_unit_runs_real_commands_with_real_settings_and_absolute_paths():
    from retrieval.settings import Settings

    entries = unit_entries(DEPLOY / "backstory-discord.service")
    service = {}
    for section, key, value in entries:
        if section == "Service":
            service.setdefault(key, []).append(value)

    environment = dict(v.split("=", 1) for v in service["Environment"])
    backstory_vars = {k for k in environment if k.startswith("BACKSTORY_")}
    assert backstory_vars and backstory_vars <= setting_names()
    for name in PATH_SETTINGS:
        assert Path(environment[name]).is_absolute(), name

    [start] = service["ExecStart"]
    assert backstory_command(shlex.split(start)) == "discord"
    assert Path(shlex.split(start)[0]).is_absolute()
    [pre] = service["ExecStartPre"]
    assert backstory_command(shlex.split(pre.lstrip("-"))) == "ingest"

    # The data folder is where systemd lets the service write.
    assert service["StateDirectory"] == ["backstory"]
    assert environment["BACKSTORY_DATA_DIR"] == "/var/lib/backstory"
    assert service["ReadWritePaths"] == [environment["BACKSTORY_DATA_DIR"]]
    # Stopping leaves the bot its grace period to finish answers and close the gateway.
    assert service["KillSignal"] == ["SIGINT"]
    grace = Settings.model_fields["discord_shutdown_grace_s"].default
    assert float(service["TimeoutStopSec"][0]) > grace
    assert ("Install", "WantedBy", "multi-user.target") in entries


# --- containers ------------------------------------------------------------------------------
def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]


def test_the_dockerfile_copies_real_files_and_runs_a_real_command():
    import json

    instructions = dockerfile_instructions()
    env = {}
    for op, arg in instructions:
        if op == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(arg))
        if op == "COPY":
            *sources, _ = shlex.split(arg)
            for source in sources:
                assert (REPO / source).exists(), f"COPY {source}: not in the repository"
    assert {k for k in env if k.startswith("BACKSTORY_")} <= setting_names()
    for name in PATH_SETTINGS:
        assert Path(env[name]).is_absolute()
    ops = dict(instructions)
    assert json.loads(ops["VOLUME"]) == [env["BACKSTORY_DATA_DIR"]]
    argv = json.loads(ops["ENTRYPOINT"]) + json.loads(ops["CMD"])
    assert backstory_command(argv) == "discord"
    assert ops["STOPSIGNAL"] == "SIGINT"


def test_compose_has_the_bot_a_chroma_server_and_a_data_volume():
    from retrieval.settings import Settings

    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    bot, chroma = compose["services"]["bot"], compose["services"]["chroma"]

    assert backstory_command(["backstory", *bot["command"]]) == "discord"
    env = bot["environment"]
    assert set(env) <= setting_names()
    for name in PATH_SETTINGS:
        assert Path(env[name]).is_absolute()
    # The data folder is a named volume, so the index, records and feedback outlive the
    # container; the corpus is mounted read-only at the corpus setting.
    mounts = dict(reversed(v.split(":")[:2]) for v in bot["volumes"])
    assert mounts[env["BACKSTORY_DATA_DIR"]] in compose["volumes"]
    assert (DEPLOY / mounts[env["BACKSTORY_CORPUS_DIR"]]).resolve() == REPO / "corpus"

    # The bot's Chroma URL reaches the chroma service on the port it listens on.
    url = urlsplit(env["BACKSTORY_CHROMA_URL"])
    command = chroma["command"]
    assert chroma["entrypoint"] == ["chroma"] and command[0] == "run"
    assert url.hostname == "chroma" and str(url.port) == command[command.index("--port") + 1]
    chroma_mounts = dict(reversed(v.split(":")[:2]) for v in chroma["volumes"])
    assert chroma_mounts[command[command.index("--path") + 1]] in compose["volumes"]
    assert f":{url.port}/api/v2/heartbeat" in " ".join(chroma["healthcheck"]["test"])
    assert bot["depends_on"]["chroma"]["condition"] == "service_healthy"

    assert bot["stop_signal"] == "SIGINT"
    grace = Settings.model_fields["discord_shutdown_grace_s"].default
    assert float(bot["stop_grace_period"].rstrip("s")) > grace
    assert (DEPLOY / chroma["build"]["context"] / chroma["build"]["dockerfile"]).resolve() == \
        DEPLOY / "Dockerfile"


def container_engine() -> str | None:
    """docker or podman, when one is installed and its daemon answers."""
    for engine in ("docker", "podman"):
        if shutil.which(engine) and subprocess.run(
                [engine, "info"], capture_output=True, timeout=30, check=False).returncode == 0:
            return engine
    return None


@pytest.mark.slow
def test_the_image_builds_and_its_cli_answers_help():
    engine = container_engine()
    if engine is None:
        pytest.skip("no container engine (docker or podman) runs on this machine")
    tag = "backstory-test:local"
    subprocess.run([engine, "build", "-f", str(DEPLOY / "Dockerfile"), "-t", tag, str(REPO)],
                   check=True, timeout=1800)
    result = subprocess.run([engine, "run", "--rm", "--network", "none", tag, "--help"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and "discord" in result.stdout
