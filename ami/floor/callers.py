"""The callers in queues and their visits ("stints"): opened at QueueCallerJoin, connected at
AgentConnect, ended at AgentComplete, QueueCallerAbandon or the caller's Hangup, and matched
to a QueueStatus answer on ``rebuild``. How a visit is counted is in ``stints.py``;
``FloorBoard`` (``board.py``) holds the agents and hands each caller event here.

Visits a previous leader stored open are ``adopt``-ed by a new one. At a rebuild a visit goes
on while its caller is still waiting (a QueueEntry) or, connected, while its call is live;
any other open visit ended unheard: ``lost``, when it was last known open (``heard_at``, never
before its own last moment nor after the rebuild), ``ended_by`` saying how it was lost.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from ami import events as ev
from ami.floor.stints import OpenStint, OpenStints, new_stint
from ami.floor.updates import FloorUpdate
from callcenter.floor.records import Stint, StintOutcome

OPEN = (StintOutcome.WAITING, StintOutcome.CONNECTED)


def lost(open_: OpenStint, heard_at: datetime | None, at: datetime) -> Stint:
    """An open visit found gone at ``at``: it ended when last known open, as it was."""
    stint = open_.stint
    seen = stint.connected_at or stint.entered_at
    end = min(at, max(seen, heard_at or seen))
    how = "crm_restart" if open_.adopted else "link_lost"
    if stint.outcome == StintOutcome.CONNECTED:
        talk = round((end - seen).total_seconds())
        return open_.change(outcome=StintOutcome.LOST, ended_at=end, talk_seconds=talk,
                            ended_by=how)  # fmt: skip
    wait = round((end - stint.entered_at).total_seconds())
    return open_.change(outcome=StintOutcome.LOST, ended_at=end, wait_seconds=wait, ended_by=how)


class QueueCallers:
    """The open visits, by (caller uniqueid, queue); each event's visit changes out."""

    def __init__(self) -> None:
        self.open = OpenStints()

    def join(self, event: Any, at: datetime) -> list[FloorUpdate]:
        channel = event.channel
        stint = new_stint(
            queue=event.queue,
            linkedid=channel.linkedid,
            uniqueid=channel.uniqueid,
            caller=channel.caller_id_num,
            at=at,
            position=event.position,
        )
        self.open[(channel.uniqueid, event.queue)] = OpenStint(stint)
        return [stint]

    def leave(self, event: Any, at: datetime) -> list[FloorUpdate]:
        open_ = self.open.get((event.channel.uniqueid, event.queue))
        if open_ is not None:
            open_.left = True
        return []

    def abandon(self, event: Any, at: datetime) -> list[FloorUpdate]:
        open_ = self.open.pop((event.channel.uniqueid, event.queue))
        if open_ is None:
            return []
        return [
            open_.change(
                outcome=StintOutcome.ABANDONED, ended_at=at, wait_seconds=event.hold_time_s
            )
        ]

    def connected(self, event: Any, at: datetime) -> list[FloorUpdate]:
        """An agent took the caller (AgentConnect, with Asterisk's own wait)."""
        open_ = self.open.get((event.channel.uniqueid, event.queue))
        if open_ is None:
            return []
        return [
            open_.change(
                outcome=StintOutcome.CONNECTED,
                connected_at=at,
                wait_seconds=event.hold_time_s,
                agent=event.interface,
            )
        ]

    def completed(self, event: Any, at: datetime) -> list[FloorUpdate]:
        """The talk is over (AgentComplete, with Asterisk's talk time)."""
        open_ = self.open.pop((event.channel.uniqueid, event.queue))
        if open_ is None:
            return []
        stint = open_.stint  # connected unheard (a restart): Asterisk's figures say when
        connected = stint.connected_at or at - timedelta(seconds=event.talk_time_s)
        return [
            open_.change(
                outcome=StintOutcome.COMPLETED,
                connected_at=connected,
                wait_seconds=event.hold_time_s
                if stint.wait_seconds is None
                else stint.wait_seconds,
                agent=stint.agent or event.interface,
                ended_at=at,
                talk_seconds=event.talk_time_s,
                ended_by=event.reason,
            )
        ]

    def hangup(self, event: Any, at: datetime) -> list[FloorUpdate]:
        uniqueid = event.channel.uniqueid
        out: list[FloorUpdate] = []
        for key in self.open.of_channel(uniqueid):
            open_ = self.open.pop(key)
            if open_ is None:
                continue
            connected_at = open_.stint.connected_at
            if open_.stint.outcome == StintOutcome.CONNECTED and connected_at is None:
                # taken for answered at a rebuild, but no AgentComplete: it left otherwise
                wait = round((at - open_.stint.entered_at).total_seconds())
                out.append(
                    open_.change(outcome=StintOutcome.EXITED, ended_at=at, wait_seconds=wait)
                )
            elif open_.stint.outcome == StintOutcome.CONNECTED:
                talk = round((at - (connected_at or at)).total_seconds())
                out.append(
                    open_.change(outcome=StintOutcome.COMPLETED, ended_at=at, talk_seconds=talk)
                )
            else:
                outcome = StintOutcome.EXITED if open_.left else StintOutcome.ABANDONED
                wait = round((at - open_.stint.entered_at).total_seconds())
                out.append(open_.change(outcome=outcome, ended_at=at, wait_seconds=wait))
        return out

    def adopt(self, stints: list[Stint]) -> None:
        """Take over the visits a previous leader stored open (a new process, a takeover);
        the next rebuild continues or ends them."""
        for stint in stints:
            key = (stint.uniqueid, stint.queue)
            if key not in self.open and stint.outcome in OPEN:
                self.open[key] = OpenStint(stint, adopted=True)

    def rebuild(
        self,
        waiting: dict[tuple[str, str], ev.QueueEntry],
        at: datetime,
        heard_at: datetime | None,
        live: Callable[[str], bool],
    ) -> list[FloorUpdate]:
        """Match the open visits to the callers a QueueStatus answer shows waiting;
        ``live``: whether a call is still up."""
        out: list[FloorUpdate] = []
        for key, open_ in self.open.items():
            stint = open_.stint
            if key in waiting or live(stint.linkedid):
                open_.adopted = False
                if key not in waiting and stint.outcome == StintOutcome.WAITING:
                    # out of the queue, its call up: answered unheard (AgentComplete will
                    # say when and how long); a Hangup with no AgentComplete: it exited
                    open_.left = True
                    out.append(open_.change(outcome=StintOutcome.CONNECTED))
                continue
            self.open.pop(key)
            out.append(lost(open_, heard_at, at))
        for key, entry in waiting.items():
            if key in self.open:
                continue
            entered = at - timedelta(seconds=entry.wait_s)
            stint = new_stint(
                queue=entry.queue,
                linkedid=entry.uniqueid,
                uniqueid=entry.uniqueid,
                caller=entry.caller_id_num,
                at=entered,
                position=entry.position,
            )
            self.open[key] = OpenStint(stint)
            out.append(stint)
        return out
