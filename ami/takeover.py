"""A term of leading a PBX: take over what the previous leader left, then listen.

A leader that dies (a restart, ``kill -9``, a takeover by a standby) leaves calls stored as
live and queue visits stored open. Before the new leader first connects it keeps what the
previous one last heard of the PBX (the heartbeat), adopts those calls into its tracker and
those visits into its floor board, and lets the floor ask the tracker whether a call is still
up. The first resync then continues what is still on the PBX, with its answer time, queue and
agents, and ends the rest bounded by that moment, marked uncertain.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from ami.floor.callers import OPEN
from ami.floor.stints import visits_of_call
from ami.listener import PbxListener
from callcenter.calls.ghosts import live_calls
from callcenter.calls.status import keep_previous_heard
from callcenter.floor.store import open_stints, save_stints, stored_stint_keys

log = logging.getLogger(__name__)


async def take_over(listener: PbxListener) -> None:
    """Load the previous leader's open calls and visits into ``listener`` (not connected yet)."""
    pbx = listener.pbx
    async with listener.sessionmaker.begin() as session:
        heard_at = await keep_previous_heard(session, pbx=pbx)
        calls = await live_calls(session, pbx=pbx)
        visits = await open_stints(session, pbx=pbx)
        # visits heard but not stored yet when the previous leader died: from their calls
        told = [visit for call in calls for visit in visits_of_call(call)]
        stored = await stored_stint_keys(session, keys=[visit.key for visit in told])
        unstored = [visit for visit in told if visit.key not in stored]
        await save_stints(session, pbx=pbx, stints=unstored)
        visits += [visit for visit in unstored if visit.outcome in OPEN]
    adopted = listener.tracker.adopt(calls, heard_at=heard_at, at=datetime.now(UTC))
    listener.floor.adopt(visits, heard_at)
    listener.floor.call_is_live = listener.tracker.is_live
    log.info("PBX %s: taking over %d live calls and %d open queue visits (last heard %s)",
             pbx, adopted, len(visits), heard_at)  # fmt: skip


async def lead(listener: PbxListener) -> None:
    """One term of leadership: take over, then listen until cancelled."""
    await take_over(listener)
    await listener.run()
