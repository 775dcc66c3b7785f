"""The council digest's chart: one PNG with the pulse trend and participation by group.

Drawn with matplotlib's Agg renderer on a `Figure` of its own (no pyplot, no display,
nothing shared between threads). What is plotted follows the minimum reporting group
just as the text does: a round's score is left out (a gap in the line) when fewer than
`privacy.anonymity_threshold` answered, and a group's turnout bar is not drawn when
the group, or the subtraction of the others from the total, would show fewer people.
"""

from __future__ import annotations

import logging
import math
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from handlers.context import Context
from handlers.pulses.results import results_of
from storage.db import file_of
from storage.digests import queries as store
from surveys.anonymity import groups_to_hide
from surveys.pulses.results import RoundResults

log = logging.getLogger(__name__)

KEEP_DAYS = 90  # charts older than this are removed when a new one is drawn
TREND_ROUNDS = 8
TREND_SURVEYS = 3
COLOURS = ("#1b6ca8", "#e07a1f", "#3a9a5b", "#8e44ad")


@dataclass(frozen=True)
class Trend:
    """One survey's headline scale question, round by round; None where it is hidden."""

    label: str
    rounds: tuple[int, ...]
    means: tuple[float | None, ...]


@dataclass(frozen=True)
class Bar:
    """A group's response rate in one round; `rate` is None when it may not be shown."""

    label: str
    rate: float | None
    note: str = ""


@dataclass(frozen=True)
class ChartData:
    title: str
    trends: tuple[Trend, ...]
    bars: tuple[Bar, ...]
    threshold: int

    @property
    def empty(self) -> bool:
        return not self.trends and not self.bars


def turnout_shown(results: RoundResults, threshold: int) -> list[tuple[str, int | None, int]]:
    """(constituency, respondents or None when hidden, eligible) for groups that were asked.

    A group is hidden below the threshold, and so is the next smallest while the hidden
    ones add up to fewer than the threshold (see `anonymity.groups_to_hide`).
    """
    asked = [t for t in results.turnout if t.eligible]
    sizes = {t.constituency: t.respondents for t in asked if t.respondents}
    hidden = groups_to_hide(sizes, threshold) if sizes else {}
    return [
        (t.constituency, None if t.constituency in hidden else t.respondents, t.eligible)
        for t in asked
    ]


def chart_data(
    ctx: Context, rounds: list[dict[str, Any]], until: datetime, title: str
) -> ChartData:
    """What the chart shows: trends of closed rounds before `until`, turnout of `rounds`."""
    threshold = ctx.policy.privacy.anonymity_threshold
    trends = []
    for survey_id in store.surveys_with_closed_rounds(ctx.db, until)[:TREND_SURVEYS]:
        rows = store.closed_rounds(ctx.db, survey_id, until, TREND_ROUNDS)
        found = [(row["number"], results_of(ctx, row, detail=False)) for row in rows]
        scale = [q for q in found[-1][1].questions if q.kind == "scale"]
        if not scale:
            continue
        headline = scale[0].id
        means = tuple(_mean(results, headline) for _, results in found)
        label = f"{found[-1][1].title}: {scale[0].topic}"
        trends.append(Trend(label, tuple(number for number, _ in found), means))
    bars = []
    surveys = Counter(row["survey_id"] for row in rounds)
    for row in rounds:
        results = results_of(ctx, row, detail=False)
        # Two rounds of one survey in a period (one closed, the next open) need telling apart.
        name = results.title
        if surveys[row["survey_id"]] > 1:
            name += f", round {row['number']}"
        for group, answered, eligible in turnout_shown(results, threshold):
            label = f"{name}: {group}"
            if answered is None:
                bars.append(Bar(label, None, f"hidden: fewer than {threshold} answered"))
            else:
                bars.append(Bar(label, round(100 * answered / eligible, 1)))
    return ChartData(title, tuple(trends), tuple(bars), threshold)


def _mean(results: RoundResults, question_id: str) -> float | None:
    try:
        return results.question(question_id).mean
    except KeyError:
        return None


def chart_dir(ctx: Context) -> Path:
    """A `charts` folder next to the database file, or a temporary one for a database in memory."""
    path = file_of(ctx.db)
    return path.parent / "charts" if path else Path(tempfile.gettempdir()) / "mutual-voice-charts"


def render(data: ChartData, path: Path) -> Path:
    """Draw `data` into a PNG at `path` (its folder is created); returns the path."""
    figure = draw(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", facecolor="white")
    _forget_old(path)
    return path


def draw(data: ChartData) -> Any:
    """The chart as a matplotlib `Figure` on an Agg canvas, not yet saved."""
    # Imported here: matplotlib takes a second to load, and only a chart needs it.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 4.2), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(data.title, fontsize=13, fontweight="bold")
    trend_axes, bar_axes = figure.subplots(1, 2, width_ratios=(1.1, 1))
    _draw_trends(trend_axes, data)
    _draw_bars(bar_axes, data)
    return figure


def _draw_trends(axes: Any, data: ChartData) -> None:
    axes.set_title("Headline score by round (1 to 5)", fontsize=10)
    if not data.trends:
        _nothing(axes, "No closed check-ins yet")
        return
    for colour, trend in zip(COLOURS, data.trends, strict=False):
        values = [math.nan if m is None else m for m in trend.means]
        axes.plot(trend.rounds, values, marker="o", color=colour, label=trend.label)
    axes.set_ylim(0.8, 5.2)
    axes.set_yticks([1, 2, 3, 4, 5])
    rounds = sorted({n for trend in data.trends for n in trend.rounds})
    axes.set_xticks(rounds)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=8, loc="lower left")
    # The note sits under the axis, beside its label, where the legend (inside) cannot cover it.
    if any(m is None for trend in data.trends for m in trend.means):
        axes.set_xlabel(f"round   (gaps: fewer than {data.threshold} answered)")
    else:
        axes.set_xlabel("round")


def _draw_bars(axes: Any, data: ChartData) -> None:
    axes.set_title("Who answered this period (% of those asked)", fontsize=10)
    if not data.bars:
        _nothing(axes, "No check-ins this period")
        return
    labels = [bar.label for bar in data.bars][::-1]
    rates = [bar.rate or 0 for bar in data.bars][::-1]
    colours = [COLOURS[0] if bar.rate is not None else "#dddddd" for bar in data.bars][::-1]
    axes.barh(labels, rates, color=colours, height=0.6)
    axes.set_xlim(0, 100)
    axes.tick_params(axis="y", labelsize=8)
    for position, bar in enumerate(data.bars[::-1]):
        text = f"{bar.rate:g}%" if bar.rate is not None else bar.note
        axes.text((bar.rate or 0) + 1, position, text, va="center", fontsize=8)


def _nothing(axes: Any, text: str) -> None:
    axes.text(0.5, 0.5, text, ha="center", va="center", color="#555555")
    axes.set_xticks([])
    axes.set_yticks([])


def _forget_old(newest: Path) -> None:
    """Remove charts drawn more than KEEP_DAYS before `newest`: both times come from the
    file system, so a process clock that differs from it (or a moved one) never removes
    the chart just drawn."""
    cutoff = newest.stat().st_mtime - KEEP_DAYS * 86400
    for old in newest.parent.glob("council-*.png"):
        try:
            if old != newest and old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError as error:  # another process got there first
            log.debug("could not remove %s: %s", old, error)
