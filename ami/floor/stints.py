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
