"""The running app sends the outbox by itself when an SMTP server is set."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from callcenter.mail.service import queue_message
from tests.orders.smtp_support import Mailbox, smtp_server
from web.app import create_app


async def test_the_app_delivers_queued_mail_within_seconds(
    aiohttp_client: Any, settings: Any, sessionmaker: Any
) -> None:
    mailbox = Mailbox()
    with smtp_server(mailbox) as port:
        smtp = replace(
            settings,
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_from="crm@example.ru",
            smtp_starttls=False,
        )
        await aiohttp_client(create_app(smtp))
        async with sessionmaker.begin() as session:
            await queue_message(session, to="a@example.ru", subject="Заказ", body="Текст")
        for _ in range(120):
            if mailbox.received:
                break
            await asyncio.sleep(0.1)
    assert [m["Subject"] for m in mailbox.received] == ["Заказ"]
