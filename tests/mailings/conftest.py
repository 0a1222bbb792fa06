"""Mailing fixtures: a sessionmaker over the test database and sending settings pointed at a
real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from callcenter.db import make_engine, make_sessionmaker
from callcenter.settings import Settings


@pytest.fixture
async def sessionmaker(database_url: str, clean_db: None) -> AsyncIterator[Any]:
    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


def sending(settings: Settings, port: int, **more: Any) -> Settings:
    values: dict[str, Any] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_from": "shop@example.ru",
        "smtp_starttls": False,
        "mailing_email_per_minute": 60_000,
        "public_url": "https://crm.example.ru",
    }
    return replace(settings, **(values | more))
