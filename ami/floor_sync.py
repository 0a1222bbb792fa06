"""The listener's floor side: the board fed in event order, its results stored and announced.

Beside the call tracker, the listener feeds every event to a ``FloorBoard``; this module turns
the board's updates into rows (agents, agent stretches, queue visits), live notifications
(an agent changed; a queue's figures moved) and the PBX actions the board asks for (the CRM's
wrap-up pause). After each login it rebuilds the board from ``QueueStatus`` and, when Asterisk
itself restarted (CoreStatus says so) and forgot its dynamic members, logs agents back in.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ami.events import QueueMember, to_event
from ami.floor import FloorBoard, FloorUpdate, WrapupPause
from ami.link import PbxLink
from ami.protocol import Message
from ami.tracker.updates import CallAnswered, CallEnded, OriginateResult, TrackerUpdate
from callcenter.calls.models import PbxStatus
from callcenter.calls.records import Call
from callcenter.dialer.agent import PREVIEW_PREFIX
from callcenter.floor.figures import queue_figures
from callcenter.floor.models import AgentLogin, PbxCommand
from callcenter.floor.records import WRAPUP_REASON, AgentChange, QueueSeen, Stint
from callcenter.floor.service import C2C_PREFIX
from callcenter.floor.store import save_agents, save_queues_seen, save_stints, wrapup_settings
from callcenter.live import LiveKind, Note, notify_many

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FloorResync:
    """A QueueStatus answer (and the PBX's start time), applied in order with the events."""

    items: list[Any]
    at: datetime
    pbx_started: str = ""
    lost_at: datetime | None = None  # when the link last heard the PBX before it was lost


@dataclass
class FloorBatch:
    changes: list[AgentChange] = field(default_factory=list)
    stints: list[Stint] = field(default_factory=list)
    seen: list[QueueSeen] = field(default_factory=list)
    pauses: list[WrapupPause] = field(default_factory=list)

    def add(self, updates: list[FloorUpdate]) -> None:
        for u in updates:
            if isinstance(u, AgentChange):
                self.changes.append(u)
            elif isinstance(u, Stint):
                self.stints.append(u)
            elif isinstance(u, QueueSeen):
                self.seen.append(u)
            else:
                self.pauses.append(u)

    def extend(self, other: FloorBatch) -> None:
        self.changes += other.changes
        self.stints += other.stints
        self.seen += other.seen
        self.pauses += other.pauses

    def __bool__(self) -> bool:
        return bool(self.changes or self.stints or self.seen or self.pauses)


class FloorSync:
    def __init__(self, pbx: str, *, timezone: str = "Europe/Moscow") -> None:
        self.pbx = pbx
        self.timezone = timezone
        self.board = FloorBoard()
        self.link: PbxLink | None = None
        # whether a call is still up, from the call tracker (after its resync, which comes
        # first): a connected visit goes on while its call does
        self.call_is_live: Callable[[str], bool] | None = None
        self.heard_at: datetime | None = None  # what a previous leader last heard (adopt)

    def adopt(self, visits: list[Stint], heard_at: datetime | None) -> None:
        """A new term: take over the visits a previous leader stored open; the first rebuild
        continues those still waiting or talking and ends the rest, bounded by ``heard_at``."""
        self.board.adopt(visits)
        self.heard_at = heard_at

    # -- login --------------------------------------------------------------------------

    async def fetch(
        self, link: PbxLink, sessionmaker: Any, place: Callable[[FloorResync], None]
    ) -> None:
        """After a login: the PBX's start time, the CRM's wrap-ups, then the queue status,
        handed to ``place`` the moment it is read, before any later event (see
        ``PbxLink.send``)."""
        self.link = link
        started = ""
        try:
            core = await link.send({"Action": "CoreStatus"}, wait_s=10)
            started = f"{core.get('CoreStartupDate', '')} {core.get('CoreStartupTime', '')}"
        except Exception as exc:
            log.warning("PBX %s: CoreStatus unanswered: %s", self.pbx, exc)
        await self.reload_settings(sessionmaker)
        lost = link.lost_at
        lost_at = datetime.fromtimestamp(lost, UTC) if lost is not None else None
        placed: list[FloorResync] = []

        def listed(answer: Any, received: float) -> None:
            items = [to_event(Message(dict(m))) for m in answer]
            at = datetime.fromtimestamp(received, UTC)
            placed.append(FloorResync(items, at, started.strip(), lost_at))
            place(placed[-1])

        await link.send({"Action": "QueueStatus"}, as_list=True, wait_s=30, in_order=listed)
        if not placed:
            raise ConnectionError("the queue status could not be applied")

    async def reload_settings(self, sessionmaker: Any) -> None:
        async with sessionmaker() as session:
            self.board.wrapup_seconds = await wrapup_settings(session, pbx=self.pbx)

    async def restore_members(self, session: AsyncSession, resync: FloorResync) -> list[dict]:
        """Agents the CRM logged in but the PBX lacks: re-added if Asterisk restarted since,
        else forgotten (someone removed them on the PBX). Returns the QueueAdd actions."""
        present = {(m.queue, m.location) for m in resync.items if isinstance(m, QueueMember)}
        status = await session.scalar(select(PbxStatus).where(PbxStatus.pbx == self.pbx))
        known = status.pbx_started if status else ""
        restarted = bool(known and resync.pbx_started and known != resync.pbx_started)
        if status is not None and resync.pbx_started:
            status.pbx_started = resync.pbx_started
        missing = [
            login
            for login in await session.scalars(select(AgentLogin).where(AgentLogin.pbx == self.pbx))
            if (login.queue, login.interface) not in present
        ]
        if not restarted:
            for login in missing:
                await session.execute(
                    delete(AgentLogin).where(
                        AgentLogin.pbx == self.pbx,
                        AgentLogin.queue == login.queue,
                        AgentLogin.interface == login.interface,
                    )
                )
            return []
        log.info(
            "PBX %s restarted at %s: logging %d members back in",
            self.pbx,
            resync.pbx_started,
            len(missing),
        )
        actions = []
        for login in missing:
            action = {
                "Action": "QueueAdd",
                "Queue": login.queue,
                "Interface": login.interface,
                "MemberName": login.member_name,
                "StateInterface": login.state_interface,
                "Paused": "true" if login.paused else "false",
            }
            if login.paused and login.reason:
                action["Reason"] = login.reason
            actions.append(action)
        return actions

    # -- events -------------------------------------------------------------------------

    def track(self, event: object, at: datetime, batch: FloorBatch) -> None:
        batch.add(self.board.handle(event, at))

    def tick(self, at: datetime, batch: FloorBatch) -> None:
        batch.add(self.board.tick(at))

    def rebuild(self, resync: FloorResync, batch: FloorBatch) -> None:
        heard = max((t for t in (resync.lost_at, self.heard_at) if t is not None), default=None)
        self.heard_at = None  # the previous leader's bound serves its own visits, once
        batch.add(
            self.board.rebuild(
                resync.items, resync.at, heard_at=heard, call_is_live=self.call_is_live
            )
        )

    # -- storing ------------------------------------------------------------------------

    async def store(self, session: AsyncSession, batch: FloorBatch) -> None:
        await save_queues_seen(session, pbx=self.pbx, seen=batch.seen, at=datetime.now(UTC))
        await save_agents(session, pbx=self.pbx, changes=batch.changes)
        await save_stints(session, pbx=self.pbx, stints=batch.stints)
        notes: list[Note] = []
        for change in {c.agent.interface: c for c in batch.changes}.values():
            a = change.agent
            notes.append(
                (
                    LiveKind.AGENT,
                    {
                        "pbx": self.pbx,
                        "interface": a.interface,
                        "extension": a.extension,
                        "name": a.name,
                        "status": a.status.value,
                        "reason": a.reason,
                        "since": a.since.isoformat(),
                        "queues": list(a.queues),
                        "paused_queues": list(a.paused_queues),
                        "linkedid": a.linkedid,
                        "queue": a.queue,
                        "event_at": change.at.timestamp(),  # the PBX's time of the change
                    },
                )
            )
        touched = sorted({s.queue for s in batch.stints} | {q.name for q in batch.seen})
        if touched:
            figures = await queue_figures(
                session, now=datetime.now(UTC), timezone=self.timezone, queues=touched
            )
            latest: dict[str, float] = {}  # per queue, the PBX time of its newest event
            for stint in batch.stints:
                moment = (stint.ended_at or stint.connected_at or stint.entered_at).timestamp()
                latest[stint.queue] = max(latest.get(stint.queue, 0.0), moment)
            notes += [
                (LiveKind.QUEUE, {"pbx": self.pbx, **f.as_dict(), "event_at": latest.get(f.queue)})
                for f in figures
            ]
        await notify_many(session, notes)

    def after_commit(self, batch: FloorBatch) -> None:
        """Send the wrap-up pauses the board asked for (the PBX's answer comes as events)."""
        for pause in batch.pauses:
            action = {
                "Action": "QueuePause",
                "Interface": pause.interface,
                "Paused": "true" if pause.paused else "false",
            }
            if pause.paused:
                action["Reason"] = WRAPUP_REASON
            self.send_later(action)

    def send_later(self, action: dict[str, Any]) -> None:
        link = self.link
        if link is None or not link.connected:
            return

        async def send() -> None:
            try:
                await link.send(action, wait_s=10)
            except Exception as exc:
                log.warning(
                    "PBX %s: %s for %s failed: %s",
                    self.pbx,
                    action["Action"],
                    action.get("Interface"),
                    exc,
                )

        asyncio.get_running_loop().create_task(send())


# a click-to-call's stages in the order they come; a command only ever moves forward
STAGE_ORDER = {
    "": 0,
    "ringing_you": 1,
    "calling_customer": 2,
    "connected": 3,
    "ended": 4,
    "failed": 4,
}


# a failed call ended with one of these (or none, or a normal clearing: nothing rang) could
# not be routed: no such number (1), no route (3), number changed (22), invalid format (28)
UNROUTABLE_CAUSES = frozenset({0, 1, 3, 16, 22, 28})


def failure_of(call: Call) -> str:
    """Why a click-to-call ended unconnected, in ``dial_json``'s words: the outcome, or
    ``unroutable`` when the PBX could not route the number (05b) rather than it failing on
    the way (congestion 34/38/41/42, a rejection 21)."""
    outcome = call.outcome.value if call.outcome else ""
    if outcome == "failed" and (call.hangup_cause or 0) in UNROUTABLE_CAUSES:
        return "unroutable"
    return outcome


async def click_to_call_progress(session: AsyncSession, updates: list[TrackerUpdate]) -> None:
    """Move click-to-call commands (a campaign's preview dial is one) along as their calls go
    (ringing you, calling the customer, connected, then ended or failed with the reason) and
    tell their users' pages."""
    steps: dict[str, list[tuple[str, str]]] = {}
    for u in updates:
        if isinstance(u, OriginateResult):
            if u.action_id.startswith((C2C_PREFIX, PREVIEW_PREFIX)) and not u.success:
                steps.setdefault(u.action_id, []).append(("failed", "agent_no_answer"))
            continue
        linkedid = u.call.linkedid
        if not linkedid.startswith((C2C_PREFIX, PREVIEW_PREFIX)):
            continue
        if isinstance(u, CallAnswered):
            stage = "calling_customer" if u.agent else "connected"
            steps.setdefault(linkedid, []).append((stage, ""))
        elif isinstance(u, CallEnded):
            steps.setdefault(linkedid, []).append(("end", failure_of(u.call)))
    notes: list[Note] = []
    for linkedid, moves in steps.items():
        command = await session.scalar(select(PbxCommand).where(PbxCommand.linkedid == linkedid))
        if command is None:
            continue
        stage, reason = command.progress, ""
        for move, why in moves:
            if stage in ("failed", "ended"):
                break
            if move == "end":
                move = "ended" if stage == "connected" else "failed"
            if STAGE_ORDER[move] < STAGE_ORDER.get(stage, 0):
                continue  # a replayed answer: never back (out of placing, into it again)
            stage, reason = move, why
        if stage == command.progress:
            continue
        command.progress = stage
        if stage == "failed" and reason:
            command.message = reason  # busy, no_answer, failed, unroutable, agent_no_answer
        notes.append(
            (
                LiveKind.COMMAND,
                {
                    "id": command.id,
                    "user_id": command.user_id,
                    "command": "originate",
                    "state": command.state,
                    "progress": stage,
                    "message": reason,
                    "linkedid": linkedid,
                },
            )
        )
    await notify_many(session, notes)
