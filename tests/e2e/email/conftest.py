from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers.members import page_links
from tests.e2e.email.harness import Running, page_link, running
from tests.fakes.smtp_server import TestTLS


@pytest.fixture(scope="module")
def tls() -> TestTLS:
    """One throwaway certificate authority for the module's relays."""
    return TestTLS()


@pytest.fixture(autouse=True)
def member_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(page_links, "page_link", page_link)


@pytest.fixture
async def bot(tmp_path, tls) -> AsyncIterator[Running]:
    async with running(tmp_path, tls) as started:
        yield started
