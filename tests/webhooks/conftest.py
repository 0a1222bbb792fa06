"""Webhook fixtures: a sessionmaker over the test database, a receiver on loopback and the
app's real HTTP transport pointed at it. The receiver is a private address: the settings
here allow those (CALLCENTER_WEBHOOK_ALLOW_PRIVATE=true), as the admin would for a receiver
on the LAN; tests/webhooks/test_addresses.py checks the default that refuses them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from callcenter.db import make_engine, make_sessionmaker
from callcenter.settings import Settings
from tests.webhooks.support import Receiver
from web.webhook_client import HttpTransport


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, webhook_allow_private=True)


@pytest.fixture
async def sessionmaker(database_url: str, clean_db: None) -> AsyncIterator[Any]:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    receiver = await Receiver().start()
    yield receiver
    await receiver.stop()


@pytest.fixture
async def transport(settings: Any) -> AsyncIterator[HttpTransport]:
    transport = HttpTransport(settings)
    yield transport
    await transport.close()
