"""A call being placed from a user's phone: at most one at a time, and that by the database.

An ``originate`` command is *placing* (``models.PLACING``) from when it is queued until the
user's phone is answered and the customer's has stopped ringing. The partial unique index
``uq_pbx_commands_one_dial_per_user`` holds one such row per user, so requests racing each
other (two tabs, a double click, a retried request) place one call: the later insert waits
for the first request's transaction, then fails on the index and is answered 409, or, when
it carries the same ``Idempotency-Key``, is answered with the first request's command (its
insert fails on the key instead, or on the index before it: the key is looked up either way).
A duplicate that waits longer than ``WAIT_FOR_FIRST`` is told to retry (409 with Retry-After).

A row leaves placing for good (its progress only moves forward, see
``ami.floor_sync.click_to_call_progress``). One the PBX has said nothing more of for
``BUSY_FOR`` is given up (failed, ``given_up``) by its user's next dial, so a lost event
never blocks a phone. A user whose phone is up in a live call (an answered leg of theirs
not yet hung up) is refused at once (``OnACall``), whichever way the call came.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import case, func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.calls.models import CallLegRow, CallRow
from callcenter.db import LOCK_NOT_AVAILABLE, sqlstate, utcnow, violated_constraint
from callcenter.errors import Conflict
from callcenter.floor.models import PLACING, PbxCommand
from callcenter.i18n import N_

T = TypeVar("T")

BUSY_FOR = timedelta(seconds=90)  # a call with no news from the PBX this long is given up
ONE_DIAL_INDEX = "uq_pbx_commands_one_dial_per_user"
GIVEN_UP = "given_up"  # the message of a call given up (dial_json words it)
WAIT_FOR_FIRST = "3s"  # how long a duplicate request waits for the first one to commit


class CallBeingPlaced(Conflict):
    id = "call_in_progress"


class OnACall(Conflict):
    """The user's phone is in a live call: the PBX would ring it again over the talk."""

    id = "on_a_call"


class RequestInProgress(Conflict):
    """The same request (or another dial of the user) is still being handled: retry soon."""

    id = "request_in_progress"
    retry_after_seconds = 1


async def give_up_stale(session: AsyncSession, user_id: int) -> None:
    """Fail the user's calls still placing after ``BUSY_FOR`` (a queued or sending one was
    failed by the PBX listener long before, as too late to send, had it been running)."""
    now = utcnow()
    await session.execute(
        update(PbxCommand)
        .where(PbxCommand.user_id == user_id, text(PLACING), PbxCommand.created_at < now - BUSY_FOR)
        .values(
            state=case(
                (PbxCommand.state.in_(("queued", "sending")), "failed"), else_=PbxCommand.state
            ),
            progress="failed",
            message=GIVEN_UP,
            done_at=func.coalesce(PbxCommand.done_at, now),
        )
        .execution_options(synchronize_session=False)
    )


async def refuse_while_on_call(session: AsyncSession, user_id: int) -> None:
    """Refuse a dial while a leg of the user's is up in a live call (ringing legs do not
    count: the phone is free until it is answered, and the PBX ends that ring itself)."""
    talking = await session.scalar(
        select(CallLegRow.id)
        .join(CallRow, CallRow.id == CallLegRow.call_id)
        .where(
            CallLegRow.user_id == user_id,
            CallLegRow.answered_at.is_not(None),
            CallLegRow.ended_at.is_(None),
            CallRow.ended_at.is_(None),
        )
        .limit(1)
    )
    if talking is not None:
        raise OnACall(N_("You are on a call: finish it before dialing another number"))


async def place_once(
    session: AsyncSession,
    *,
    user_id: int,
    place: Callable[[], Awaitable[T]],
    replay: Callable[[], Awaitable[T | None]],
) -> T:
    """Run ``place`` (which inserts the user's originate command) in a savepoint; when it
    collides with a concurrent request, answer with ``replay`` (the command of the same
    request key, once committed), else refuse: one call per user is being placed."""
    await give_up_stale(session, user_id)
    await refuse_while_on_call(session, user_id)
    try:
        async with session.begin_nested():
            await session.execute(text(f"SET LOCAL lock_timeout = '{WAIT_FOR_FIRST}'"))
            placed = await place()
            await session.execute(text("SET LOCAL lock_timeout = DEFAULT"))
        return placed
    except IntegrityError as exc:
        found = await replay()
        if found is not None:
            return found
        if violated_constraint(exc) == ONE_DIAL_INDEX:
            raise CallBeingPlaced(N_("A call is already being placed from your phone")) from None
        raise
    except DBAPIError as exc:
        if sqlstate(exc) != LOCK_NOT_AVAILABLE:
            raise
        raise RequestInProgress(
            N_("Your previous call request is still being handled: try again in a moment")
        ) from None
