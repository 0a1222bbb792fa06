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

    def change(self, **fields: object) -> Stint:
        self.stint = replace(self.stint, **fields)  # type: ignore[arg-type]
        return self.stint


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
