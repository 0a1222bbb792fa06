"""Callers' visits to queues ("stints"), counted the way app_queue's queue_log counts them.

A stint opens at QueueCallerJoin (ENTERQUEUE) and ends connected at AgentConnect (CONNECT,
with Asterisk's own wait), then completed at AgentComplete (COMPLETE*/TRANSFER, with its
talk time), or abandoned at QueueCallerAbandon (ABANDON; timeouts and empty-queue exits
raise it too). QueueCallerLeave comes on every exit, before AgentConnect for answered
calls, so it decides nothing alone: a caller who left and then hung up unconnected and
unabandoned exited another way (a key, a redirect).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from callcenter.calls.records import Call
from callcenter.floor.records import Stint, StintOutcome


@dataclass
class OpenStint:
    stint: Stint
    left: bool = False
    adopted: bool = False  # stored by a previous leader, not yet matched to the PBX

    def change(self, **fields: object) -> Stint:
        self.stint = replace(self.stint, **fields)  # type: ignore[arg-type]
        return self.stint


class OpenStints:
    """The callers in queues now, by (caller uniqueid, queue), and by channel: a Hangup comes
    for every channel, and finding its stints must not scan every caller waiting."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], OpenStint] = {}
        self._queues: dict[str, dict[str, None]] = {}  # uniqueid -> its queues, in order

    def get(self, key: tuple[str, str]) -> OpenStint | None:
        return self._by_key.get(key)

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self._by_key

    def __setitem__(self, key: tuple[str, str], open_: OpenStint) -> None:
        self._by_key[key] = open_
        self._queues.setdefault(key[0], {})[key[1]] = None

    def pop(self, key: tuple[str, str]) -> OpenStint | None:
        open_ = self._by_key.pop(key, None)
        if open_ is not None:
            queues = self._queues[key[0]]
            del queues[key[1]]
            if not queues:
                del self._queues[key[0]]
        return open_

    def of_channel(self, uniqueid: str) -> list[tuple[str, str]]:
        return [(uniqueid, queue) for queue in self._queues.get(uniqueid, ())]

    def items(self) -> list[tuple[tuple[str, str], OpenStint]]:
        return list(self._by_key.items())


def new_stint(
    *, queue: str, linkedid: str, uniqueid: str, caller: str, at: datetime, position: int
) -> Stint:
    return Stint(
        key=f"{uniqueid}/{queue}/{at.timestamp():.3f}",
        queue=queue,
        linkedid=linkedid,
        uniqueid=uniqueid,
        caller=caller,
        entered_at=at,
        outcome=StintOutcome.WAITING,
        position=position,
    )


FINISHED = {StintOutcome.COMPLETED, StintOutcome.ABANDONED, StintOutcome.LOST, StintOutcome.EXITED}


def visits_of_call(call: Call) -> list[Stint]:
    """The queue visits a call's timeline tells of (``queued`` .. ``abandoned`` or an agent's
    ``answered``), keyed as the board keys them: a new leader recovers visits the previous
    one heard but died before storing (the floor is stored a little after the calls)."""
    visits: list[Stint] = []
    timeline = call.timeline
    for i, joined in enumerate(timeline):
        if joined.kind != "queued" or not joined.detail.get("queue"):
            continue
        queue = joined.detail["queue"]
        position = joined.detail.get("position", "0")
        stint = new_stint(queue=queue, linkedid=call.linkedid, uniqueid=joined.uniqueid,
                          caller=call.caller, at=joined.at,
                          position=int(position) if position.isdigit() else 0)  # fmt: skip
        for later in timeline[i + 1 :]:
            if later.kind == "queued":
                break
            if later.kind == "abandoned" and later.detail.get("queue") == queue:
                held = later.detail.get("hold_time", "")
                waited = round((later.at - joined.at).total_seconds())
                wait = int(held) if held.isdigit() else waited
                stint = replace(stint, outcome=StintOutcome.ABANDONED, ended_at=later.at,
                                wait_seconds=wait)  # fmt: skip
                break
            if later.kind == "answered" and later.detail.get("agent"):
                wait = round((later.at - joined.at).total_seconds())
                stint = replace(stint, outcome=StintOutcome.CONNECTED, connected_at=later.at,
                                wait_seconds=wait)  # fmt: skip
                break
        visits.append(stint)
    return visits
