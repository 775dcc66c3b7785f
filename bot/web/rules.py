"""The society's rules in the console: the rules in force (the organisation's
`organisation.rules` file) in plain words, and a form to check an uploaded rules file,
as `mutual-voice rules check FILE` does, every problem listed at once.

Checking changes nothing: the file in force is the operator's config.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.web.pages import app_of, render
from handlers.votes.rules import NOT_SET, rules_text
from surveys.rules import RulesError, parse_rules, problems

routes = web.RouteTableDef()


def in_force(request: web.Request) -> dict:
    """The rules in force as the page shows them: their lines, or why there are none."""
    ctx = app_of(request).ctx
    path = ctx.policy.organisation.rules
    try:
        text = rules_text(ctx)
        if text is None:
            return {"source": "", "lines": [], "problem": NOT_SET[0].upper() + NOT_SET[1:] + "."}
        rules = parse_rules(text, path)
    except RulesError as error:
        return {"source": Path(path).name, "lines": [], "problem": str(error)}
    return {"source": Path(path).name, "name": rules.name, "lines": rules.summary(), "problem": ""}


@routes.get("/rules")
async def show(request: web.Request) -> web.Response:
    return render(request, "rules.html", force=in_force(request), checked=None)


@routes.post("/rules/check")
async def check(request: web.Request) -> web.Response:
    """An uploaded rules file checked, as `rules check FILE`: the rules in plain words, or
    every problem. Nothing is stored."""
    form = await request.post()
    file = form.get("file")
    if not isinstance(file, web.FileField) or not file.filename:
        found = ["choose the rules file (TOML) to check"]
        checked = {"source": "", "problems": found, "lines": [], "name": ""}
    else:
        source = file.filename
        try:
            text = file.file.read().decode("utf-8-sig")
            found = problems(text, source)
        except UnicodeDecodeError:
            found = [f"{source}: not UTF-8 text: save it as UTF-8"]
        rules = None if found else parse_rules(text, source)
        checked = {
            "source": source,
            "problems": found,
            "lines": rules.summary() if rules else [],
            "name": rules.name if rules else "",
        }
    return render(request, "rules.html", force=in_force(request), checked=checked)
