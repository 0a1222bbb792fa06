"""A floor to look at: a queue with thresholds, agents in several states, callers waiting
(one with a withheld number, as Asterisk gives it: ``<unknown>``), and today's lost callers,
some called back, for the wallboard's page and browser tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import CallRow
from callcenter.floor.figures import day_start
from callcenter.floor.models import AgentRow, QueueRow, StintRow

QUEUE = "sales"


def stint(key: str, caller: str, entered: datetime, outcome: str, **extra: Any) -> StintRow:
    return StintRow(pbx="default", key=key, queue=QUEUE, linkedid=extra.pop("linkedid", key),
                    uniqueid=key, caller=caller, entered_at=entered, outcome=outcome,
                    **extra)  # fmt: skip


def agent(extension: str, status: str, since: datetime, reason: str = "") -> AgentRow:
    return AgentRow(pbx="default", interface=f"Local/{extension}@agents/n", extension=extension,
                    name=f"Agent {extension}", status=status, reason=reason, since=since,
                    queues=[QUEUE], paused_queues=[])  # fmt: skip


def outbound(linkedid: str, agent_ext: str, callee: str, at: datetime, outcome: str) -> CallRow:
    return CallRow(pbx="default", linkedid=linkedid, direction="outbound", caller=agent_ext,
                   callee=callee, started_at=at, ended_at=at + timedelta(seconds=30),
                   outcome=outcome, agents=[agent_ext])  # fmt: skip


async def seed_floor(
    session: AsyncSession,
    now: datetime | None = None,
    *,
    alerts: dict[str, int | None] | None = None,
    waits: tuple[int, int] = (75, 12),
) -> datetime:
    """The floor at ``now`` (default: now); returns it. ``waits``: the two callers' waits."""
    now = now or datetime.now(UTC)
    thresholds = {"alert_waiting_amber": 2, "alert_waiting_red": 5, "alert_wait_amber": 60,
                  "alert_wait_red": 120, "alert_service_level_amber": 80,
                  "alert_service_level_red": 60} | (alerts or {})  # fmt: skip
    session.add(QueueRow(pbx="default", name=QUEUE, title="Sales", service_level_seconds=20,
                         on_pbx=True, allowed_user_ids=[], **thresholds))  # fmt: skip
    session.add_all([
        agent("101", "on_call", now - timedelta(minutes=3, seconds=5)),
        agent("102", "paused", now - timedelta(seconds=42), reason="Lunch"),
        agent("103", "available", now - timedelta(hours=1, minutes=2, seconds=3)),
    ])  # fmt: skip
    # waiting now: the longest wait first, a withheld number
    session.add_all([
        stint("w1", "<unknown>", now - timedelta(seconds=waits[0]), "waiting"),
        stint("w2", "+79161234567", now - timedelta(seconds=waits[1]), "waiting"),
    ])  # fmt: skip
    ago = max(now - timedelta(minutes=50), day_start(now, "Europe/Moscow"))  # today, always
    session.add_all([
        # lost today: called back and answered; tried twice, no answer; not called back; hidden
        stint("l1", "+79031112233", ago, "abandoned", ended_at=ago + timedelta(seconds=40),
              wait_seconds=40),
        stint("l2", "+79165550101", ago, "abandoned", ended_at=ago + timedelta(seconds=20),
              wait_seconds=20),
        stint("l3", "+79267778899", ago, "exited", ended_at=ago + timedelta(seconds=9),
              wait_seconds=9),
        stint("l4", "anonymous", ago, "abandoned", ended_at=ago + timedelta(seconds=5),
              wait_seconds=5),
        # answered after leaving another queue: not lost
        stint("a1", "+79990001122", ago, "abandoned", linkedid="call-a", ended_at=ago,
              wait_seconds=3),
        stint("a2", "+79990001122", ago, "completed", linkedid="call-a",
              connected_at=ago + timedelta(seconds=5), ended_at=ago + timedelta(minutes=2),
              wait_seconds=5, talk_seconds=100),
    ])  # fmt: skip
    session.add_all([
        outbound("cb1", "103", "+79031112233", ago + timedelta(minutes=5), "no_answer"),
        outbound("cb2", "101", "+79031112233", ago + timedelta(minutes=9), "answered"),
        outbound("cb3", "102", "+79165550101", ago + timedelta(minutes=6), "no_answer"),
        outbound("cb4", "102", "+79165550101", ago + timedelta(minutes=7), "busy"),
        # before the caller hung up: not a callback
        outbound("cb5", "101", "+79267778899", ago - timedelta(minutes=1), "answered"),
    ])  # fmt: skip
    await session.commit()
    return now
