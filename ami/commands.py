"""Sends the CRM's queued PBX commands, once each, while this process leads the PBX.

Any web process queues a ``PbxCommand`` row; the leading listener claims queued rows
(``FOR UPDATE SKIP LOCKED``), sends each as one AMI action and records the answer. A command
lost with the link, or one that waited too long for a link, is failed, never resent: an
``Originate`` sent twice would ring a customer twice.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from ami.link import PbxLink
from callcenter.db import database_unreachable
from callcenter.floor.models import PbxCommand
from callcenter.live import LiveKind, notify

log = logging.getLogger(__name__)

TOO_LATE = timedelta(seconds=20)  # a click this old is not acted on any more
ORIGINATE_TIMEOUT_MS = 30_000


def action_for(command: PbxCommand) -> dict[str, Any]:
    """The AMI action of a command (field names as Asterisk documents them)."""
    p = command.payload
    if command.kind == "queue_add":
        return {
            "Action": "QueueAdd",
            "Queue": p["queue"],
            "Interface": p["interface"],
            "MemberName": p.get("member_name", ""),
            "StateInterface": p.get("state_interface", ""),
            "Paused": "true" if p.get("paused") else "false",
        }
    if command.kind == "queue_remove":
        return {"Action": "QueueRemove", "Queue": p["queue"], "Interface": p["interface"]}
    if command.kind == "pause":
        action = {
            "Action": "QueuePause",
            "Interface": p["interface"],
            "Paused": "true" if p["paused"] else "false",
        }
        if p.get("queue"):
            action["Queue"] = p["queue"]
        if p["paused"] and p.get("reason"):
            action["Reason"] = p["reason"]
        return action
    if command.kind == "originate":
        action = {
            "Action": "Originate",
            "ActionID": command.linkedid,
            "Channel": p["channel"],
            "Context": p["context"],
            "Exten": p["exten"],
            "Priority": "1",
            "CallerID": f'"{p["number"]}" <{p["number"]}>',
            "Timeout": str(ORIGINATE_TIMEOUT_MS),
            "Async": "true",
            "ChannelId": command.linkedid,
            "Variable": [f"CRM_CALL_ID={command.linkedid}"],
        }
        if p.get("caller_id"):
            action["Variable"].append(f"CRM_CALLERID={p['caller_id']}")
        # a campaign's preview dial names its campaign, contact and attempt to the dialplan
        action["Variable"] += [f"{name}={value}" for name, value in p.get("variables", {}).items()]
        return action
    if command.kind in CALL_CONTROL:
        return CALL_CONTROL[command.kind](p)
    raise ValueError(f"unknown PBX command {command.kind!r}")


def _hangup(p: dict[str, Any]) -> dict[str, Any]:
    return {"Action": "Hangup", "Channel": p["channel"], "Cause": "16"}


def _transfer(action: str) -> Any:
    def build(p: dict[str, Any]) -> dict[str, Any]:
        return {"Action": action, "Channel": p["channel"], "Context": p["context"],
                "Exten": p["exten"]}  # fmt: skip

    return build


def _park(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "Action": "Park",
        "Channel": p["channel"],
        "TimeoutChannel": p["timeout_channel"],
        "Timeout": str(p["timeout_ms"]),
    }


def _spy(p: dict[str, Any]) -> dict[str, Any]:
    """The supervisor's phone rung into ``crm-spy``; ChannelId keeps it out of the calls."""
    return {
        "Action": "Originate",
        "Channel": p["channel"],
        "Context": p["context"],
        "Exten": p["exten"],
        "Priority": "1",
        "CallerID": f'"{p["exten"]} {p["agent"]}" <{p["extension"]}>',
        "Timeout": str(ORIGINATE_TIMEOUT_MS),
        "Async": "true",
        "ChannelId": p["channel_id"],
        "Variable": [f"CRM_SPY_ON={p['spy_on']}"],
    }


# call control from the screen (callcenter.floor.call_control), as 06a, 06b, 06d, 08a-c
CALL_CONTROL = {
    "hangup": _hangup,
    "blind_transfer": _transfer("BlindTransfer"),
    "attended_transfer": _transfer("Atxfer"),
    "park": _park,
    "spy": _spy,
}


class CommandRunner:
    def __init__(self, link: PbxLink, sessionmaker: async_sessionmaker[Any], pbx: str) -> None:
        self.link = link
        self.sessionmaker = sessionmaker
        self.pbx = pbx
        self.sent = 0

    async def run_forever(self, every_s: float = 0.2) -> None:
        while True:
            try:
                if self.link.connected:
                    await self.run_once()
            except Exception as exc:
                if not database_unreachable(exc):
                    log.exception("PBX %s: sending queued commands failed", self.pbx)
            await asyncio.sleep(every_s)

    async def run_once(self) -> int:
        claimed = await self._claim()
        for command in claimed:
            await self._send(command)
        return len(claimed)

    async def _claim(self) -> list[PbxCommand]:
        async with self.sessionmaker.begin() as session:
            ids = (
                select(PbxCommand.id)
                .where(PbxCommand.pbx == self.pbx, PbxCommand.state == "queued")
                .order_by(PbxCommand.id)
                .limit(50)
                .with_for_update(skip_locked=True)
            )
            rows = await session.scalars(
                update(PbxCommand)
                .where(PbxCommand.id.in_(ids.scalar_subquery()))
                .values(state="sending", sent_at=datetime.now(UTC))
                .returning(PbxCommand)
            )
            return sorted(rows, key=lambda c: c.id)

    async def _send(self, command: PbxCommand) -> None:
        now = datetime.now(UTC)
        if command.created_at.tzinfo is None or now - command.created_at > TOO_LATE:
            await self._finish(command, "failed", "not sent: the PBX link was down too long")
            return
        try:
            answer = await self.link.send(action_for(command), wait_s=10)
        except Exception as exc:  # link lost (never resent), timeout, a bad command
            log.warning("PBX %s: command %s %s failed: %s", self.pbx, command.id, command.kind, exc)
            await self._finish(command, "failed", f"not sent: {str(exc) or type(exc).__name__}")
            return
        self.sent += 1
        ok = getattr(answer, "success", None)
        if ok is None:
            ok = str(answer.get("Response", "")).lower() == "success"
        message = str(answer.get("Message", ""))
        progress = "ringing_you" if ok and command.kind == "originate" else ""
        await self._finish(command, "done" if ok else "failed", message, progress)

    async def _finish(
        self, command: PbxCommand, state: str, message: str, progress: str = ""
    ) -> None:
        if command.kind == "originate" and state == "failed":
            progress = "failed"
        async with self.sessionmaker.begin() as session:
            await session.execute(
                update(PbxCommand)
                .where(PbxCommand.id == command.id)
                .values(
                    state=state,
                    message=case(
                        (PbxCommand.progress == "", message[:500]), else_=PbxCommand.message
                    ),
                    done_at=datetime.now(UTC),
                    # the call's own events may have moved it on already: keep theirs
                    progress=case((PbxCommand.progress == "", progress), else_=PbxCommand.progress),
                )
            )
            await notify(
                session,
                LiveKind.COMMAND,
                id=command.id,
                user_id=command.user_id,
                command=command.kind,
                state=state,
                message=message[:300],
                progress=progress,
                linkedid=command.linkedid,
            )
