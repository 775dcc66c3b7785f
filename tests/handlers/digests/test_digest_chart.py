"""The council digest's chart renders to a real PNG, and plots nothing a small group gave."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

from PIL import Image

from handlers.digests import chart as charts
from handlers.digests import council as digest_council
from handlers.digests import scheduled as digests
from handlers.digests.chart import Bar, ChartData, Trend
from tests.handlers.digests.test_digest_council import DUE, FORTNIGHT_START, busy_fortnight
from tests.helpers import FakeClock, make_context


def colours(path) -> int:
    with Image.open(path) as image:
        assert image.format == "PNG"
        found = image.convert("RGB").getcolors(maxcolors=1 << 20)
    return len(found)


def test_the_digest_chart_renders_a_real_picture(tmp_path):
    clock = FakeClock(FORTNIGHT_START)
    ctx = make_context(clock)
    busy_fortnight(ctx, clock)
    built = digests.council(ctx, DUE, tmp_path)
    with Image.open(built.image) as image:
        assert image.size == (1000, 420)
    assert colours(built.image) > 10  # lines, bars, text: not a blank page
    data = digest_council.build(ctx, built.since, built.until).chart
    [trend] = data.trends  # the staff pulse, rounds 1 and 2
    assert trend.rounds == (1, 2) and trend.means == (4.0, 5.0)
    assert trend.label == "Staff pulse: Voice heard and acted on"
    assert [(bar.label, bar.rate) for bar in data.bars] == [
        ("Staff pulse: staff", 58.3),
        ("Tenant pulse: tenant", 0.0),
    ]


def test_the_chart_is_titled_with_the_digest_not_the_last_survey(tmp_path):
    clock = FakeClock(FORTNIGHT_START)
    ctx = make_context(clock)
    busy_fortnight(ctx, clock)
    built = digests.council(ctx, DUE, tmp_path)
    digest = digest_council.build(ctx, built.since, built.until)
    assert digest.chart.title == digest.title
    assert digest.chart.title.startswith("Council digest:")


def test_the_legend_leaves_the_gaps_note_readable():
    data = ChartData(
        "Hidden bits",
        (
            Trend(
                "Staff pulse, a long survey name: Voice heard and acted on",
                (1, 2, 3),
                (3.5, None, 4.1),
            ),
            Trend(
                "Tenant pulse, another long name: Repairs done well", (1, 2, 3), (2.0, 2.5, None)
            ),
        ),
        (Bar("Staff pulse: staff", 80.0),),
        5,
    )
    figure = charts.draw(data)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    trend_axes = figure.axes[0]
    legend = trend_axes.get_legend().get_window_extent(renderer)
    [note] = [
        t
        for t in figure.findobj(lambda a: hasattr(a, "get_text"))
        if "fewer than 5 answered" in a_text(t)
    ]
    box = note.get_window_extent(renderer)
    assert not legend.overlaps(box), (legend, box)


def a_text(artist) -> str:
    try:
        return str(artist.get_text())
    except TypeError:
        return ""


def test_an_empty_chart_still_says_something(tmp_path):
    path = charts.render(ChartData("Nothing yet", (), (), 5), tmp_path / "sub" / "c.png")
    assert path.exists() and colours(path) > 1


def test_hidden_figures_are_gaps_and_grey_notes(tmp_path):
    data = ChartData(
        "Hidden bits",
        (Trend("Staff pulse: Voice", (1, 2, 3), (3.5, None, 4.1)),),
        (Bar("Staff pulse: staff", 80.0), Bar("Staff pulse: tenant", None, "hidden: fewer than 5")),
        5,
    )
    path = charts.render(data, tmp_path / "c.png")
    assert colours(path) > 10


def test_charts_live_next_to_the_database(tmp_path):
    (tmp_path / "db").mkdir()
    ctx = make_context(FakeClock(datetime(2026, 11, 23, tzinfo=UTC)), tmp_path / "db" / "mv.db")
    assert charts.chart_dir(ctx) == tmp_path / "db" / "charts"
    assert charts.chart_dir(make_context()).name == "mutual-voice-charts"


def test_charts_older_than_kept_days_go_when_a_new_one_is_drawn(tmp_path):
    folder = tmp_path / "charts"
    folder.mkdir()
    (folder / "probe").write_bytes(b"")
    now = (folder / "probe").stat().st_mtime  # the file system's clock, as charts are aged by
    (folder / "probe").unlink()
    ages = {"council-old.png": charts.KEEP_DAYS + 1, "council-recent.png": charts.KEEP_DAYS - 1}
    for name, days in {**ages, "notes-old.png": charts.KEEP_DAYS + 1}.items():
        (folder / name).write_bytes(b"x")
        os.utime(folder / name, (now - days * 86400, now - days * 86400))
    charts.render(ChartData("Now", (), (), 5), folder / "council-new.png")
    left = sorted(p.name for p in folder.iterdir())
    assert left == ["council-new.png", "council-recent.png", "notes-old.png"]


def test_the_chart_just_drawn_stays_when_the_clock_is_far_ahead(tmp_path, monkeypatch):
    """Ages are measured against the new chart's time on the file system: a process clock
    ahead of it (a faked or moved one) once removed the chart it had just drawn."""
    ahead = time.time() + 400 * 86400
    monkeypatch.setattr(time, "time", lambda: ahead)
    drawn = charts.render(ChartData("Now", (), (), 5), tmp_path / "charts" / "council-new.png")
    assert drawn.exists()
