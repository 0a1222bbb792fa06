"""Storing calls from the PBX link, linking them to clients, and the calls API."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from callcenter.calls.records import Call, CallEvent, Direction, Leg, Outcome
from callcenter.calls.service import save_call
from callcenter.calls.store import extension_of

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def inbound_answered(linkedid: str = "1795715043.26", caller: str = "+79161234567") -> Call:
    call = Call(
        linkedid=linkedid,
        direction=Direction.INBOUND,
        started_at=T0,
        caller=caller,
        callee="+74951234567",
        queue="sales",
        queued_at=T0 + timedelta(seconds=1),
    )
    customer = Leg(
        uniqueid=linkedid, channel="Local/74951234567@from-pstn-0000000d;2", started_at=T0
    )
    agent = Leg(
        uniqueid=linkedid + "1",
        channel="Local/101@agents-0000000e;1",
        agent="101",
        started_at=T0 + timedelta(seconds=1),
    )
    call.legs = {customer.uniqueid: customer, agent.uniqueid: agent}
    call.timeline = [
        CallEvent(T0, "started", linkedid),
        CallEvent(T0 + timedelta(seconds=1), "queued", linkedid, {"queue": "sales"}),
    ]
    return call


def finish(call: Call) -> Call:
    agent = next(leg for leg in call.legs.values() if leg.agent)
    call.answered_at = agent.answered_at = T0 + timedelta(seconds=3)
    call.ended_at = T0 + timedelta(seconds=14)
    for leg in call.legs.values():
        leg.ended_at = call.ended_at
    agent.talk_seconds = call.talk_seconds = 11.0
    call.wait_seconds, call.outcome, call.hangup_cause = 2.0, Outcome.ANSWERED, 16
    call.agents = ["101"]
    call.timeline += [
        CallEvent(call.answered_at, "answered", agent.uniqueid, {"agent": "101"}),
        CallEvent(call.ended_at, "ended", call.linkedid),
    ]
    return call


@pytest.mark.parametrize(
    "agent,ext", [("101", "101"), ("PJSIP/101", "101"), ("Local/101@agents/n", "101"), ("", "")]
)
def test_extension_of_agent_identities(agent: str, ext: str) -> None:
    assert extension_of(agent) == ext


async def test_saving_twice_stores_once_and_updates(db_session: Any, make_user: Any) -> None:
    from sqlalchemy import func, select

    from callcenter.calls.models import CallEventRow, CallLegRow, CallRow

    operator = await make_user("operator", extension="101")
    call = inbound_answered()
    first_id = await save_call(db_session, call)
    assert await save_call(db_session, call) == first_id
    await save_call(db_session, finish(call))
    await db_session.commit()
    row = await db_session.scalar(select(CallRow))
    assert (row.outcome, row.talk_seconds, row.ended_at) == ("answered", 11.0, call.ended_at)
    assert await db_session.scalar(select(func.count(CallLegRow.id))) == 2
    assert await db_session.scalar(select(func.count(CallEventRow.id))) == 4
    agent_leg = await db_session.scalar(select(CallLegRow).where(CallLegRow.agent == "101"))
    assert agent_leg.user_id == operator.id


async def test_a_stored_end_is_final_no_later_state_reopens_or_moves_it(db_session: Any) -> None:
    """A late or repeated change of a call already stored as ended (a state from before its
    end, the call tracked again, another end) leaves the row, its legs and timeline as they
    are; the same end again is a harmless replay."""
    from dataclasses import replace

    from sqlalchemy import func, select

    from callcenter.calls.models import CallEventRow, CallLegRow, CallRow
    from callcenter.calls.store import save_calls

    ended = finish(inbound_answered("f.1"))
    await save_call(db_session, ended)
    reopened = inbound_answered("f.1")  # tracked again from the start: open, fresh timeline
    reopened.timeline += [CallEvent(T0 + timedelta(seconds=20), "recovered", "f.1")]
    later = replace(finish(inbound_answered("f.1")), ended_at=T0 + timedelta(seconds=99))
    for state in (reopened, later, inbound_answered("f.1")):
        assert await save_calls(db_session, [state, inbound_answered("other.1")]) == {
            "other.1": await db_session.scalar(
                select(CallRow.id).where(CallRow.linkedid == "other.1")
            )
        }
    assert (await save_calls(db_session, [ended])).keys() == {"f.1"}  # the same end: a replay
    await db_session.commit()

    row = await db_session.scalar(select(CallRow).where(CallRow.linkedid == "f.1"))
    assert (row.ended_at, row.outcome, row.talk_seconds) == (ended.ended_at, "answered", 11.0)
    open_legs = select(func.count(CallLegRow.id)).where(CallLegRow.ended_at.is_(None),
                                                         CallLegRow.call_id == row.id)  # fmt: skip
    assert await db_session.scalar(open_legs) == 0
    kinds = await db_session.scalars(select(CallEventRow.kind)
                                     .where(CallEventRow.call_id == row.id)
                                     .order_by(CallEventRow.seq))  # fmt: skip
    assert list(kinds) == ["started", "queued", "answered", "ended"]


async def test_a_long_lived_writer_rewrites_only_the_legs_that_changed(db_session: Any) -> None:
    """The listener's memory of stored legs: a call's next change leaves its other legs'
    rows as they are (no new row version), and a forgotten call is stored whole again."""
    from sqlalchemy import text

    from callcenter.calls.store import StoreMemory, remember, save_calls

    async def versions() -> dict[str, str]:
        rows = await db_session.execute(text("SELECT uniqueid, xmin::text FROM call_legs"))
        return dict(rows.all())

    memory = StoreMemory()
    call = inbound_answered()
    remember(memory, [call], await save_calls(db_session, [call], memory=memory))
    before = await versions()
    agent = call.legs[call.linkedid + "1"]
    agent.answered_at = T0 + timedelta(seconds=3)
    await db_session.commit()  # the next statement gets a transaction id of its own
    remember(memory, [call], await save_calls(db_session, [call], memory=memory))
    after = await versions()
    assert after[call.linkedid] == before[call.linkedid]  # the caller's leg: untouched
    assert after[agent.uniqueid] != before[agent.uniqueid]
    memory.forget(call.linkedid)
    await db_session.commit()
    await save_calls(db_session, [call], memory=memory)
    assert (await versions())[call.linkedid] != before[call.linkedid]


async def test_call_is_linked_to_the_one_client_with_that_number(db_session: Any) -> None:
    from sqlalchemy import select

    from callcenter.calls.models import CallRow
    from callcenter.clients.models import Client, ClientPhone

    known = Client(
        kind="person", name="Иван", phones=[ClientPhone(number="89161234567", e164="+79161234567")]
    )
    twin_a = Client(kind="person", name="А", phones=[ClientPhone(number="1", e164="+79035550000")])
    twin_b = Client(kind="person", name="Б", phones=[ClientPhone(number="2", e164="+79035550000")])
    db_session.add_all([known, twin_a, twin_b])
    await db_session.flush()
    await save_call(db_session, inbound_answered("a.1"))
    await save_call(db_session, inbound_answered("b.1", caller="+79035550000"))
    await save_call(db_session, inbound_answered("c.1", caller="+79990000000"))
    await db_session.commit()
    linked = dict((await db_session.execute(select(CallRow.linkedid, CallRow.client_id))).all())
    assert linked == {"a.1": known.id, "b.1": None, "c.1": None}


async def test_calls_api_filters_and_names(api_as: Any, db_session: Any) -> None:
    client, user = await api_as("supervisor")
    await save_call(db_session, finish(inbound_answered("done.1")))
    await save_call(db_session, inbound_answered("live.1", caller="+79031112233"))
    await db_session.commit()
    body = await (await client.get("/api/v1/calls", params={"phone": "8 916 123-45-67"})).json()
    [call] = body["items"]
    assert call["linkedid"] == "done.1" and call["direction"] == "inbound"
    assert (call["caller"], call["callee"], call["queue"]) == (
        "+79161234567",
        "+74951234567",
        "sales",
    )
    assert (call["outcome"], call["hangup_cause"], call["talk_seconds"]) == ("answered", 16, 11.0)
    assert call["wait_seconds"] == 2.0 and call["recording"] is None
    agent_leg = next(leg for leg in call["legs"] if leg["agent"])
    assert agent_leg["agent"] == "101" and agent_leg["talk_seconds"] == 11.0
    live = await (await client.get("/api/v1/calls/live")).json()
    assert [c["linkedid"] for c in live["items"]] == ["live.1"]
    for params, expected in (
        ({"agent": "101"}, 2),
        ({"outcome": "answered"}, 1),
        ({"queue": "sales", "direction": "outbound"}, 0),
        ({"since": "2026-11-26T10:00:00+00:00"}, 0),
    ):
        found = await (await client.get("/api/v1/calls", params=params)).json()
        assert len(found["items"]) == expected, params
    bad = await client.get("/api/v1/calls", params={"since": "yesterday"})
    assert bad.status == 400


async def test_restricted_manager_sees_only_calls_of_own_clients(
    api_as: Any, db_session: Any
) -> None:
    from callcenter.clients.models import Client, ClientPhone

    client, manager = await api_as("manager")
    db_session.add(
        Client(
            kind="person",
            name="Мой",
            owner_id=manager.id,
            phones=[ClientPhone(number="x", e164="+79161234567")],
        )
    )
    await db_session.flush()
    await save_call(db_session, inbound_answered("mine.1"))
    await save_call(db_session, inbound_answered("other.1", caller="+79030000000"))
    await db_session.commit()
    body = await (await client.get("/api/v1/calls")).json()
    assert [c["linkedid"] for c in body["items"]] == ["mine.1"]


async def test_linked_call_and_open_tasks_show_on_the_client_card(
    signed_in: Any, db_session: Any
) -> None:
    from callcenter.clients.models import Client, ClientPhone
    from callcenter.tasks.callbacks import callback_for_missed_call

    client, _user, _csrf = await signed_in("operator", language="en")
    known = Client(
        kind="person", name="Иван", phones=[ClientPhone(number="x", e164="+79161234567")]
    )
    db_session.add(known)
    await db_session.flush()
    call = finish(inbound_answered("card.1"))
    call.outcome = Outcome.ABANDONED
    await save_call(db_session, call)
    from sqlalchemy import select

    from callcenter.calls.models import CallRow

    row = await db_session.scalar(select(CallRow).where(CallRow.linkedid == "card.1"))
    await callback_for_missed_call(db_session, row)
    await db_session.commit()
    page = await (await client.get(f"/clients/{known.id}")).text()
    assert 'data-kind="call"' in page and "abandoned" in page and "sales" in page
    assert "Call back 8 (916) 123-45-67" in page  # in the reader's language, as people read it


async def test_a_batch_and_its_notifications_are_one_statement_delivered_at_commit(
    database_url: str,
) -> None:
    """The listener stores a batch and sends its live notifications in one statement: the
    NOTIFYs leave only when the calls are committed, in order, stamped with that moment."""
    import asyncio
    import json
    import time

    import asyncpg
    from sqlalchemy import event

    from callcenter.calls.store import save_calls
    from callcenter.db import make_engine, make_sessionmaker
    from callcenter.live import CHANNEL

    heard: list[dict[str, Any]] = []
    listening = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    await listening.add_listener(CHANNEL, lambda *args: heard.append(json.loads(args[3])))
    engine = make_engine(database_url)
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    notes = [("ringing", {"linkedid": "n.1", "n": n}) for n in range(3)]
    try:
        async with make_sessionmaker(engine)() as session:
            before = time.time()
            ids = await save_calls(session, [inbound_answered("n.1")], notes=notes)
            await asyncio.sleep(0.2)
            assert heard == []  # not before the calls are committed
            await session.commit()
        async with asyncio.timeout(5):
            while len(heard) < 3:  # noqa: ASYNC110 - asyncpg calls back into a list
                await asyncio.sleep(0.01)
    finally:
        await listening.close()
        await engine.dispose()
    assert list(ids) == ["n.1"] and [h["n"] for h in heard] == [0, 1, 2]
    assert all(before <= h["sent_at"] <= time.time() for h in heard)
    # the extensions of the legs are looked up once; the rest is one statement
    assert len([s for s in statements if "INSERT INTO calls" in s]) == 1
    assert not [s for s in statements if "pg_notify" in s and "INSERT INTO calls" not in s]
