"""A parked call picked up (06d, recorded from Asterisk 22) is one call record: the phone
that picked it up (Originated into the lot by the CRM, or dialing the space itself) made a
call of its own until it was bridged, and that call joins the parked one instead of being
recorded beside it (an internal "call from 102" with no other party). In the tracker, in
the database whether its row was stored before the pickup or not, and through an outage."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import select

from ami.call_writer import CallWriter, notifications
from ami.events import Hangup, Newchannel, UnParkedCall
from ami.outage import Heard
from ami.tracker import CallAnswered, CallEnded, CallMerged, CallTracker, TrackerUpdate
from callcenter.calls.models import CallEventRow, CallLegRow, CallRow
from tests.ami.ami_support import received_at, timed_events
from tests.calls.test_listener import sessionmaker  # noqa: F401

PARKED, PICKUP = "1796616479.32", "1796616489.36"  # the caller's call, 102's pickup call
PICKUP_LEGS = {"1796616489.36", "1796616489.37"}  # Local/102@agents ;1 and ;2


def replayed(events: list[tuple[float, Any]] | None = None) -> list[tuple[TrackerUpdate, float]]:
    tracker = CallTracker()
    timed = events if events is not None else timed_events("06d_park")
    return [
        (u, received_at(t).timestamp()) for t, e in timed for u in tracker.handle(e, received_at(t))
    ]


def test_the_pickup_joins_the_parked_call_which_ends_once_with_both_agents() -> None:
    updates = [u for u, _ in replayed()]
    ended = [u.call for u in updates if isinstance(u, CallEnded)]
    assert [c.linkedid for c in ended] == [PARKED]  # no call of 102's own
    [call] = ended
    assert call.caller == "+79161234567" and call.queue == "support"
    assert call.agents == ["101", "102"] and str(call.outcome) == "answered"
    assert set(call.legs) >= PICKUP_LEGS and all(leg.ended_at for leg in call.legs.values())
    kinds = [(e.kind, e.detail.get("agent", "")) for e in call.timeline]
    assert kinds.index(("unparked", "")) < kinds.index(("answered", "102"))
    assert [(u.call.linkedid, u.into) for u in updates if isinstance(u, CallMerged)] == [
        (PICKUP, PARKED)
    ]


def test_the_pickers_pop_becomes_the_parked_callers_card() -> None:
    """102's screen showed its own call to the parking space (no number: an internal call);
    once it joins, 102 is answered on the parked call, which replaces that pop, and its end
    ends the caller's card, never the vanished internal call's."""
    notes = [(k, p) for u, at in replayed() for k, p in notifications(u, at)]
    at_102 = [(str(k), p["linkedid"], p["number"], p.get("replaces")) for k, p in notes
              if p["extension"] == "102"]  # fmt: skip
    assert at_102 == [
        ("ringing", PICKUP, "", None),
        ("answered", PICKUP, "", None),
        ("answered", PARKED, "+79161234567", PICKUP),
        ("ended", PARKED, "+79161234567", None),
    ]
    joined = [u for u, _ in replayed() if isinstance(u, CallAnswered) and u.replaces]
    assert [(u.call.linkedid, u.agent, u.leg.uniqueid in PICKUP_LEGS) for u in joined] == [
        (PARKED, "102", True)
    ]


def test_a_late_channel_of_the_pickup_call_joins_the_parked_call_too() -> None:
    """A channel Asterisk still creates under the pickup's old Linkedid (its ;2 half dialing
    the agent's phone) belongs to the parked call, not to a call revived from nothing."""
    events = timed_events("06d_park")
    at = next(i for i, (_t, e) in enumerate(events) if isinstance(e, UnParkedCall))
    moment, unparked = events[at]
    half = unparked.retriever
    assert half is not None
    phone = dataclasses.replace(half, channel="PJSIP/102-00000001", uniqueid="1796616491.40",
                                linkedid=PICKUP, channel_state=0)  # fmt: skip
    events[at + 1 : at + 1] = [(moment, Newchannel(channel=phone)), (moment, Hangup(channel=phone))]
    ended = [u.call for u, _ in replayed(events) if isinstance(u, CallEnded)]
    assert [c.linkedid for c in ended] == [PARKED]
    assert "1796616491.40" in ended[0].legs


@pytest.mark.parametrize(
    "retriever",
    ["none", "unknown", "the caller's own channel"],
)
def test_an_unparked_call_with_no_separate_picker_merges_nothing(retriever: str) -> None:
    events = timed_events("06d_park")
    at = next(i for i, (_t, e) in enumerate(events) if isinstance(e, UnParkedCall))
    moment, unparked = events[at]
    assert unparked.retriever is not None
    picker = {
        "none": None,
        "unknown": dataclasses.replace(unparked.retriever, uniqueid="9.9", linkedid="9.9"),
        "the caller's own channel": unparked.parkee,
    }[retriever]
    events[at] = (moment, dataclasses.replace(unparked, retriever=picker))
    updates = [u for u, _ in replayed(events)]
    assert not any(isinstance(u, CallMerged) for u in updates)
    assert PARKED in {u.call.linkedid for u in updates if isinstance(u, CallEnded)}


async def stored_calls(maker: Any) -> dict[str, tuple[CallRow, set[str], list[str]]]:
    async with maker() as session:
        rows = list(await session.scalars(select(CallRow)))
        found = {}
        for row in rows:
            legs = set(await session.scalars(select(CallLegRow.uniqueid)
                                             .where(CallLegRow.call_id == row.id)))  # fmt: skip
            kinds = list(await session.scalars(select(CallEventRow.kind)
                                               .where(CallEventRow.call_id == row.id)
                                               .order_by(CallEventRow.seq)))  # fmt: skip
            found[row.linkedid] = (row, legs, kinds)
    return found


@pytest.mark.parametrize("batches", ["one per event", "all at once"])
async def test_the_database_keeps_one_call_for_a_parked_call_picked_up(
    sessionmaker: Any,  # noqa: F811
    batches: str,
) -> None:
    """One batch per event stores the pickup's own call (it rang 102) before it joins the
    parked one: its row is deleted then, and its legs are the parked call's."""
    writer = CallWriter(sessionmaker, "default", CallTracker())
    updates = replayed()
    if batches == "one per event":
        for update in updates:
            await writer.store([update], [])
    else:
        await writer.store(updates, [])
    found = await stored_calls(sessionmaker)
    assert list(found) == [PARKED]
    row, legs, kinds = found[PARKED]
    assert row.ended_at is not None and row.agents == ["101", "102"]
    assert legs >= PICKUP_LEGS and "unparked" in kinds


async def test_an_outage_stores_the_parked_call_alone_when_the_database_is_back(
    sessionmaker: Any,  # noqa: F811
) -> None:
    writer = CallWriter(sessionmaker, "default", CallTracker())
    updates = replayed()
    at = next(i for i, (u, _t) in enumerate(updates) if isinstance(u, CallMerged))
    await writer.store(updates[:at], [])  # the pickup call is stored, then the link is lost
    heard = Heard()
    heard.add(updates[at:], [])
    assert PICKUP not in heard.calls and heard.merged == {PICKUP}
    merged = sorted(heard.merged)
    await writer.commit(list(heard.calls.values()), [], sorted(heard.ended), [], merged)
    assert list(await stored_calls(sessionmaker)) == [PARKED]
