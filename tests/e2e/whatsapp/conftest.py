from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.whatsapp.harness import Running, running


@pytest.fixture
async def bot(tmp_path) -> AsyncIterator[Running]:
    async with running(tmp_path) as started:
        yield started
