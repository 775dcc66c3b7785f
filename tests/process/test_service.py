"""The bot started the way deploy/mutual-voice.service and the Dockerfile start it (paths
substituted, no systemd or docker needed), far enough to answer `mutual-voice status`;
and the Dockerfile installs with the README's own install command."""

from __future__ import annotations

import asyncio
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from storage.db import open_database
from tests.helpers import ROOT
from tests.process.live import environment, live_bot

pytestmark = pytest.mark.slow

UNIT = ROOT / "deploy" / "mutual-voice.service"
DOCKERFILE = ROOT / "Dockerfile"
MV = [sys.executable, "-m", "bot"]  # the installed `mutual-voice`, running this checkout


def unit_service() -> dict[str, list[str]]:
    """The unit's [Service] settings (a key may repeat)."""
    settings: dict[str, list[str]] = {}
    section = ""
    for line in UNIT.read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            settings.setdefault(key, []).append(value)
    return settings


def dockerfile() -> list[tuple[str, str]]:
    return [
        (line.split(None, 1)[0], line.split(None, 1)[1] if " " in line else "")
        for line in DOCKERFILE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


async def run_until_status(folder: Path, command: list[str], cwd: Path, env: dict[str, str]):
    """Start `command` as the service would, wait until `status` says it runs; stop it."""
    log = (folder / "service.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        *command, cwd=cwd, env=environment(env), stdout=log, stderr=log
    )
    try:
        async with asyncio.timeout(90):
            while True:
                assert process.returncode is None, (folder / "service.log").read_text()
                check = await asyncio.create_subprocess_exec(
                    *MV, "status", "--json", cwd=cwd, env=environment(env),
                    stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
                )  # fmt: skip
                out, _ = await check.communicate()
                if check.returncode == 0:
                    found = json.loads(out)
                    assert found["alive"] and found["pid"] == process.pid
                    return found
                await asyncio.sleep(0.2)
    finally:
        if process.returncode is None:
            process.terminate()
        code = await asyncio.wait_for(process.wait(), 60)
        log.close()
        assert code == 0, (folder / "service.log").read_text()


async def test_the_systemd_unit_starts_the_bot_far_enough_to_answer_status(tmp_path):
    service = unit_service()
    etc, var = tmp_path / "etc", tmp_path / "var"
    etc.mkdir()
    var.mkdir()

    def here(text: str) -> str:
        return text.replace("/etc/mutual-voice", str(etc)).replace(
            "/var/lib/mutual-voice", str(var)
        )

    (exec_start,) = service["ExecStart"]
    program, *args = shlex.split(exec_start)
    assert program == "/opt/mutual-voice/venv/bin/mutual-voice"
    env = dict(here(e).split("=", 1) for e in service.get("Environment", []))
    assert "MUTUAL_VOICE_CONFIG" in env
    assert service["RestartPreventExitStatus"] == ["2 4"]
    assert service["KillSignal"] == ["SIGTERM"]
    async with live_bot(tmp_path) as bot:
        config = (tmp_path / "mutual-voice.toml").read_text()
        database = var / "mutual-voice.db"
        Path(env["MUTUAL_VOICE_CONFIG"]).write_text(
            config.replace('database = "mv.db"', f'database = "{database}"')
        )
        open_database(database).close()
        found = await run_until_status(
            tmp_path, [*MV, *args], Path(here(service["WorkingDirectory"][0])), env
        )
        assert set(found["platforms"]) >= {"telegram", "slack"}
        assert found["database"]["path"] == str(database)
        assert bot.process is None


def test_the_dockerfile_installs_with_the_readmes_install_command():
    readme = (ROOT / "README.md").read_text()
    install = re.search(r"```sh\n(python3 -m pip install [^\n]*)\n```", readme)
    assert install, "the README's install command"
    readme_commands = [c.strip() for c in install.group(1).split("&&")]
    runs = [arg for kind, arg in dockerfile() if kind == "RUN" and "pip install" in arg]
    assert runs == [readme_commands[0]]
    (cmd,) = [arg for kind, arg in dockerfile() if kind == "CMD"]
    assert " ".join(json.loads(cmd)) == readme_commands[1]


async def test_the_dockerfiles_command_starts_the_bot_far_enough_to_answer_status(tmp_path):
    steps = dockerfile()
    env = dict(arg.split("=", 1) for kind, arg in steps if kind == "ENV")
    workdir = [arg for kind, arg in steps if kind == "WORKDIR"][-1]
    (cmd,) = [json.loads(arg) for kind, arg in steps if kind == "CMD"]
    assert cmd[0] == "mutual-voice"
    data = tmp_path / "data"
    data.mkdir()

    def here(text: str) -> str:
        return text.replace(workdir, str(data))

    env = {k: here(v) for k, v in env.items()}
    async with live_bot(tmp_path):
        config = (tmp_path / "mutual-voice.toml").read_text()
        Path(env["MUTUAL_VOICE_CONFIG"]).write_text(config)
        open_database(data / "mv.db").close()
        found = await run_until_status(tmp_path, [*MV, *cmd[1:]], data, env)
        assert found["database"]["path"] == str(data / "mv.db")


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze here")
def test_systemd_accepts_the_unit(tmp_path):
    unit = tmp_path / "mutual-voice.service"
    unit.write_text(
        UNIT.read_text().replace("/opt/mutual-voice/venv/bin/mutual-voice", sys.executable)
    )
    verified = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert verified.returncode == 0, verified.stderr
    assert "mutual-voice.service" not in verified.stderr, verified.stderr
