"""Quick restarts for the kill tests: one process imports the bot once, then forks a fresh
process for each run (`mutual-voice run`, a CLI command, a scheduler firing).

The kill tests start the bot or the command line dozens of times, and Python's imports
are most of a start (about 3 s on a busy two-core machine, against well under a second
for the rest). A forked child is a new process, with its own pid, SQLite connections and
event loop; it runs the same code from `bot.cli`'s `main` on, with the environment of the
request (the `MUTUAL_VOICE_KILL_AT` hook is armed afresh), and its exit status (-9 when
killed) is what the test sees.

Run as `python -m tests.process.zygote`; one JSON request a line on standard input:
{"folder", "code", "argv", "env", "stdout", "stderr"}; it answers {"pid"} at once and
{"status"} when that child has exited (one child at a time).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import ROOT


def kill_rng() -> random.Random:
    """The kill points' random draw, seeded by `KILL_SEED` (else at random) and printed,
    so a failing run can be repeated."""
    seed = int(os.environ.get("KILL_SEED") or random.SystemRandom().randrange(10**6))
    print(f"KILL_SEED={seed}")
    return random.Random(seed)


def seeded_folder(tmp_path: Path, build: Callable[[Path], object]) -> Path:
    """A folder set up once by `build`, to copy for every run."""
    folder = tmp_path / "pristine"
    folder.mkdir()
    build(folder)
    return folder


# What `mutual-voice run` and the command line import anyway, imported before any fork.
WARM = (
    "bot.cli",
    "bot.app",
    "bot.runner",
    "bot.scheduler",
    "bot.adapters.telegram.adapter",
    "bot.adapters.slack.adapter",
    "bot.web.server",
)


def _child(request: dict) -> None:
    """In the forked process: become the requested run; never returns."""
    code = 1
    try:
        os.chdir(request["folder"])
        os.environ.update(request["env"])
        from storage import faults

        faults.arm()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, path in ((1, request["stdout"]), (2, request["stderr"])):
            target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(target, fd)
        sys.argv = ["mutual-voice", *request["argv"]]
        exec(compile(request["code"], "<run>", "exec"), {"__name__": "__main__"})
        code = 0
    except SystemExit as end:
        code = end.code if isinstance(end.code, int) else (0 if end.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        # Exit as a process does (at-exit hooks: the kill hook's count), never back into
        # the parent's loop.
        try:
            import atexit

            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve() -> None:
    import importlib

    for name in WARM:
        importlib.import_module(name)
    from surveys.pulses import sentiment

    sentiment.polarity("warming up")  # the lexicon a start loads (a stop waits for it)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            _child(request)
        print(json.dumps({"pid": pid}), flush=True)
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"status": os.waitstatus_to_exitcode(status)}), flush=True)


@dataclass
class Run:
    pid: int
    zygote: Zygote

    async def wait(self, timeout: float = 120) -> int:
        """The run's exit status (negative: the signal that ended it)."""
        answer = await asyncio.wait_for(self.zygote.answer(), timeout)
        return int(answer["status"])


@dataclass
class Completed:
    """As subprocess.CompletedProcess: a run's exit status and output."""

    returncode: int
    stdout: str
    stderr: str


class Zygote:
    """The test's end: start runs, await their end. Use as `async with Zygote() as z`."""

    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None

    async def __aenter__(self) -> Zygote:
        env = {
            k: v
            for k, v in os.environ.items()
            if "proxy" not in k.lower() and not k.startswith("MUTUAL_VOICE")
        }
        env.update(PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.process.zygote",
            cwd=ROOT, env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert (await asyncio.wait_for(self.answer(), 120))["ready"]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.close()
        await self.process.wait()

    async def answer(self) -> dict:
        assert self.process is not None and self.process.stdout is not None
        line = await self.process.stdout.readline()
        assert line, "the zygote died"
        return json.loads(line)

    async def start(
        self,
        folder: Path,
        argv: list[str],
        code: str = "from bot.cli import main; main()",
        env: dict[str, str] | None = None,
        stdout: Path | None = None,
        stderr: Path | None = None,
    ) -> Run:
        """Fork a run of `code` (with `sys.argv[1:] = argv`) in `folder`; its output goes
        to `stdout` and `stderr` (appended; default `folder/out.log` and `err.log`)."""
        assert self.process is not None and self.process.stdin is not None
        request = {
            "folder": str(folder),
            "code": code,
            "argv": argv,
            "env": env or {},
            "stdout": str(stdout or folder / "out.log"),
            "stderr": str(stderr or folder / "err.log"),
        }
        self.process.stdin.write((json.dumps(request) + "\n").encode())
        await self.process.stdin.drain()
        return Run(int((await asyncio.wait_for(self.answer(), 60))["pid"]), self)

    async def run(
        self, folder: Path, argv: list[str], code: str, env: dict[str, str] | None = None
    ) -> Completed:
        """A run to its end, with what it printed (as subprocess.run would)."""
        out, err = folder / ".zygote-out", folder / ".zygote-err"
        for path in (out, err):
            path.unlink(missing_ok=True)
        status = await (await self.start(folder, argv, code, env, out, err)).wait()
        read = lambda path: path.read_text() if path.exists() else ""  # noqa: E731
        return Completed(status, read(out), read(err))


if __name__ == "__main__":
    serve()
