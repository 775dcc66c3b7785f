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
