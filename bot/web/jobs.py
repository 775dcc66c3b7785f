"""Long work started from a form (thousands of letters, a big roster): a page that shows its
progress and then its summary, with the file to download.

The work runs as a task on the bot's event loop (the heavy parts in a thread or in parts,
as before), so the officer may leave the page and come back: a job belongs to the session
that started it and is kept until that session could no longer be alive (a day). The
progress page works without JavaScript: it refreshes itself, and says how far the work has
got in words ("1,200 of 4,000 letters") as well as with a bar.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web

from bot.web.pages import app_of, render
from bot.web.security import OFFICER, SESSION
from storage.console.queries import digest

routes = web.RouteTableDef()
log = logging.getLogger(__name__)
KEPT = timedelta(hours=24)  # no session lives longer (handlers/console/signin.py MAX_AGE)
FAILED = (
    "Something went wrong, so it was not finished. Nothing half-done was kept. Try again "
    "from the page you started on; if it fails again, tell whoever runs the bot."
)


class JobFailed(Exception):
    """The work cannot be done; the message says what to change, in the console's words."""


@dataclass(frozen=True)
class Download:
    name: str
    kind: str
    body: bytes


@dataclass
class Job:
    """One long piece of work: how far it has got, and what came of it."""

    id: str
    owner: str  # digest of the session that started it
    officer: str
    title: str
    unit: str  # what is counted: "letters", "members"
    total: int
    back: tuple[str, str]  # (href, label) of the page to go on from
    started: datetime
    done: int = 0
    stage: str = ""  # what it is doing now, when not counting
    summary: str = ""
    error: str = ""
    download: Download | None = None
    task: asyncio.Task | None = field(default=None, repr=False)

    @property
    def finished(self) -> bool:
        return bool(self.summary or self.error)

    def advance(self, count: int = 1) -> None:
        """`count` more done: safe to call from the worker thread (a plain int add)."""
        self.done = min(self.total, self.done + count)


JOBS = web.AppKey("jobs", dict)  # job id -> Job
Work = Callable[[Job], Awaitable[None]]


def start(
    request: web.Request,
    title: str,
    unit: str,
    total: int,
    back: tuple[str, str],
    work: Work,
) -> web.HTTPSeeOther:
    """Start `work` as a job of this session; the redirect to its progress page.

    `work` fills in the job's summary (and download), or raises JobFailed."""
    jobs = request.app[JOBS]
    now, owner = app_of(request).clock(), digest(request[SESSION])
    # A finished job's file can be large (a PDF of 67,000 letters): one per session is kept.
    for old in [j for j in jobs.values() if j.finished]:
        if old.started < now - KEPT or old.owner == owner:
            del jobs[old.id]
    job = Job(secrets.token_urlsafe(16), owner, request[OFFICER], title, unit, total, back, now)
    jobs[job.id] = job
    job.task = asyncio.get_running_loop().create_task(_run(job, work))
    return web.HTTPSeeOther(f"/jobs/{job.id}")


async def _run(job: Job, work: Work) -> None:
    try:
        await work(job)
    except JobFailed as failure:
        job.error = str(failure)
    except Exception:
        log.exception("console: job %s failed", job.title)
        job.error = FAILED
    else:
        job.done = job.total
        job.summary = job.summary or "Done."
    if not job.owner:  # its session was signed out meanwhile: nothing to keep
        job.download = None


def _job(request: web.Request) -> Job:
    job = request.app[JOBS].get(request.match_info["job_id"])
    if job is None or not job.owner or job.owner != digest(request[SESSION]):
        raise web.HTTPNotFound(
            text="That piece of work is not known in this session (it is kept until you sign "
            "out or your session ends). Start it again from its page."
        )
    return job


@routes.get("/jobs/{job_id}")
async def progress(request: web.Request) -> web.Response:
    return render(request, "job.html", job=_job(request))


@routes.get("/jobs/{job_id}/download")
async def download(request: web.Request) -> web.Response:
    job = _job(request)
    if job.download is None:
        raise web.HTTPNotFound(text="Nothing to download yet: go back to the progress page.")
    return web.Response(
        body=job.download.body,
        content_type=job.download.kind,
        headers={"Content-Disposition": f'attachment; filename="{job.download.name}"'},
    )


def forget(server: web.Application, session: str = "", officer: str = "") -> None:
    """At sign-out: the jobs of that session (or of every session of `officer`) and their
    files go; work still running finishes, and its result is not kept."""
    jobs = server[JOBS]
    for job in list(jobs.values()):
        if job.owner == digest(session) or (officer and job.officer == officer):
            job.owner = job.officer = ""  # nobody's: its page is not found any more
            job.download = None
            if job.finished:
                del jobs[job.id]


async def stop_all(server: web.Application) -> None:
    """On shutdown: work still running stops (nothing is recorded before it is complete)."""
    for job in server[JOBS].values():
        if job.task is not None and not job.task.done():
            job.task.cancel()
