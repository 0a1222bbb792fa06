"""The reports' thread: work there keeps the request's context, its errors reach the caller,
and a caller that goes away (a closed tab) stops the work there, not only its wait."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy import text

from web import i18n
from web.report_thread import ReportThread


async def test_work_runs_there_with_the_callers_context_and_errors_come_back(
    database_url: str,
) -> None:
    reports = ReportThread(database_url, niceness=0)
    reports.start()
    try:
        i18n.LANGUAGE.set("ru")

        async def read(sessions: Any) -> tuple[str, str, int]:
            async with sessions() as session:
                one = await session.scalar(text("SELECT 1"))
            return threading.current_thread().name, i18n.LANGUAGE.get(), one

        assert await reports.read(read) == ("reports", "ru", 1)
        assert await reports.call(lambda: threading.current_thread().name) == "reports"
        with pytest.raises(ZeroDivisionError):
            await reports.call(lambda: 1 / 0)

        started, stopped = threading.Event(), threading.Event()

        async def slow(_sessions: Any) -> None:
            started.set()
            try:
                await asyncio.sleep(30)
            finally:
                stopped.set()

        caller = asyncio.create_task(reports.read(slow))
        await asyncio.to_thread(started.wait, 5)
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
        assert await asyncio.to_thread(stopped.wait, 5), "the work went on after its caller left"
    finally:
        await asyncio.to_thread(reports.stop)
    assert not reports._thread.is_alive()
