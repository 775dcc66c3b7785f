from __future__ import annotations

import pytest

from tests.helpers import FakeClock, make_context


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ctx(clock):
    context = make_context(clock)
    yield context
    context.db.close()


@pytest.fixture(autouse=True)
def no_proxies(monkeypatch):
    """HTTP clients honour proxy variables even for 127.0.0.1; tests talk to local fakes only."""
    for name in (
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
    ):
        monkeypatch.delenv(name, raising=False)


def pytest_terminal_summary(terminalreporter, config) -> None:  # noqa: ANN001 - pytest's hook
    """The random order's seed, also under -q (which hides pytest-randomly's header line)."""
    seed = getattr(config.option, "randomly_seed", None)
    if config.pluginmanager.hasplugin("randomly") and isinstance(seed, int):
        terminalreporter.write_line(
            f"Tests ran in random order: repeat it with --randomly-seed={seed}"
        )
