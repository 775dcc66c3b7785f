from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.sms.harness import Running, running


@pytest.fixture
async def bot(tmp_path, monkeypatch) -> AsyncIterator[Running]:
    async with running(tmp_path, monkeypatch) as started:
        yield started
