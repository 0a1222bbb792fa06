"""A queue's inbound call pops with the script of the campaign working that queue."""

from __future__ import annotations

from typing import Any

from callcenter.calls.screenpop import build_pop
from tests.dialer.support import make_campaign


async def _script(session: Any, queue: str) -> str:
    pop = await build_pop(
        session, linkedid="q.1", number="+79161112233", direction="inbound", queue=queue
    )
    assert pop.campaign is None
    return pop.script


async def test_the_running_campaign_of_the_queue_gives_its_script(db_session: Any) -> None:
    assert await _script(db_session, "sales") == ""  # no campaign works it: no script
    await make_campaign(db_session, name="Old", queue="sales", state="stopped", script="Старый")
    assert await _script(db_session, "sales") == "Старый"  # the only one there is
    await make_campaign(db_session, name="Now", queue="sales", state="running", script="Новый")
    await make_campaign(db_session, name="Later", queue="sales", state="draft", script="Черновик")
    await make_campaign(db_session, name="Blank", queue="sales", state="running", script="")
    await make_campaign(db_session, name="Else", queue="support", script="Поддержка")
    assert await _script(db_session, "sales") == "Новый"  # running first, a blank one never
    assert await _script(db_session, "support") == "Поддержка"
    assert await _script(db_session, "") == ""  # not a queue's call
    assert await _script(db_session, "x' OR '1'='1") == ""  # a parameter, never SQL
