"""The listener never stops hearing the PBX: garbage on the wire is logged and skipped, a task
that fails is started again, and /health says 503 whenever nobody is hearing the PBX."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ami.listener import PbxListener
from ami.simulator import PbxSimulator
from callcenter.calls.status import write_status
from callcenter.leadership import Leadership
from tests.calls.test_listener import listener_for, stored

# Each is sent on the live link between real calls. Every one of them once stopped call
# tracking for good, dropped the connection, or could have.
GARBAGE: list[bytes] = [
    # Asterisk's own time as nonsense: 1e20, inf, nan, negative, far past, not a number
    *(
        b"Event: Newchannel\r\nChannel: PJSIP/x-1\r\nUniqueid: g.%d\r\nLinkedid: g.%d\r\n"
        b"Context: from-pstn\r\nTimestamp: %s\r\n\r\n" % (n, n, stamp)
        for n, stamp in enumerate([b"1e20", b"inf", b"nan", b"-1", b"0.5", b"abc", b"1e308"])
    ),
    # a key sent twice where one value is expected: the event name, the action id, the channel
    b"Event: Newchannel\r\nEvent: Hangup\r\nUniqueid: r.1\r\nLinkedid: r.1\r\n\r\n",
    b"Response: Success\r\nActionID: a\r\nActionID: b\r\n\r\n",
    b"Event: Hangup\r\nChannel: A\r\nChannel: B\r\nUniqueid: r.2\r\nUniqueid: r.3\r\n"
    b"Linkedid: r.2\r\nCause: 16\r\nCause: 17\r\n\r\n",
    b"Event: VarSet\r\nVariable: A\r\nVariable: B\r\nValue: 1\r\n\r\n",
    # numbers no column holds, durations of centuries
    b"Event: Hangup\r\nUniqueid: n.1\r\nLinkedid: n.1\r\nCause: " + b"9" * 5000 + b"\r\n\r\n",
    b"Event: QueueCallerJoin\r\nQueue: sales\r\nPosition: 99999999999999999999\r\n"
    b"Count: -99999999999\r\nUniqueid: n.2\r\nLinkedid: n.2\r\n\r\n",
    b"Event: CoreShowChannel\r\nUniqueid: n.3\r\nLinkedid: n.3\r\nDuration: 99999999:00:00\r\n\r\n",
    # not AMI at all: binary, bad UTF-8, lines without a colon, NUL bytes, a lone colon
    bytes(range(256)) + b"\r\n\r\n",
    b"Event: Newchannel\r\nCallerIDName: \xff\xfe\xc3\x28\r\nUniqueid: u.1\r\n\r\n",
    b"this is not a key value line\r\n\r\n",
    b":\r\n\r\n",
    b"Event: Hangup\x00\r\nUniqueid: \x00\r\n\r\n",
    b"\r\n\r\n\r\n\r\n",
    # events of calls nobody has seen, in an order Asterisk never sends
    b"Event: BridgeEnter\r\nUniqueid: o.1\r\nLinkedid: o.1\r\nBridgeUniqueid: \r\n\r\n",
    b"Event: AgentConnect\r\nQueue: sales\r\nUniqueid: o.2\r\nDestUniqueid: \r\n\r\n",
    b"Event: Hangup\r\nUniqueid: o.3\r\nLinkedid: o.3\r\n\r\n",
    # a huge value
    b"Event: Newchannel\r\nCallerIDName: " + b"x" * 200_000 + b"\r\nUniqueid: h.1\r\n\r\n",
]


@pytest.fixture
async def pbx() -> AsyncIterator[PbxSimulator]:
    simulator = PbxSimulator(speed=0.01, auth_failure_delay_s=0.0, timestamp_events=True)
    await simulator.start()
    yield simulator
    await simulator.stop()


@pytest.fixture
async def sessionmaker(database_url: str, clean_db: None) -> AsyncIterator[Any]:
    from callcenter.db import make_engine, make_sessionmaker

    engine = make_engine(database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def _running(listener: PbxListener) -> asyncio.Task[None]:
    task = asyncio.create_task(listener.run())
    async with asyncio.timeout(5):
        while not listener.link.connected:  # noqa: ASYNC110
            await asyncio.sleep(0.02)
    return task


async def test_no_garbage_on_the_wire_stops_call_tracking_or_drops_the_link(
    pbx: PbxSimulator, sessionmaker: Any
) -> None:
    listener = listener_for(pbx.port, sessionmaker)
    task = await _running(listener)
    try:
        for number, garbage in enumerate(GARBAGE):
            pbx.server.broadcast(garbage, "call")
            if number % 6 == 0:  # real calls in between still are recorded, in full
                linkedid = await pbx.inbound_call(caller="+79161234567", agent_answers=True)
                row = await stored(sessionmaker, linkedid)
                assert row.outcome == "answered", garbage[:60]
        linkedid = await pbx.inbound_call(caller="+79035550000", agent_answers=True)
        assert (await stored(sessionmaker, linkedid)).outcome == "answered"
        assert listener.link.reconnects == 0, "garbage dropped the connection"
        assert listener.restarts == {}, "a task died on garbage"
        assert not task.done()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_task_that_fails_anyway_is_started_again(
    pbx: PbxSimulator, sessionmaker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    listener = listener_for(pbx.port, sessionmaker)
    failures = {"floor": 1, "consume": 1}
    forever, consume = listener.floor_writer.forever, listener._consume

    async def floor_fails_once() -> None:  # a bug found by some event, once
        if failures["floor"]:
            failures["floor"] -= 1
            raise RuntimeError("injected: the floor writer hit a bug")
        await forever()

    async def consumer_fails_once() -> None:
        if failures["consume"]:
            failures["consume"] -= 1
            raise RuntimeError("injected: the consumer hit a bug")
        await consume()

    monkeypatch.setattr(listener.floor_writer, "forever", floor_fails_once)
    monkeypatch.setattr(listener, "_consume", consumer_fails_once)
    task = await _running(listener)
    try:
        linkedid = await pbx.inbound_call(caller="+79161234567", agent_answers=True)
        assert (await stored(sessionmaker, linkedid)).outcome == "answered"
        assert listener.restarts == {"floor": 1, "consume": 1}
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_leadership_leads_again_after_the_led_task_fails(database_url: str) -> None:
    runs: list[int] = []

    async def lead() -> None:
        runs.append(len(runs))
        if len(runs) < 3:
            raise ValueError("an unexpected error, not a database one")
        await asyncio.Event().wait()

    leadership = Leadership(database_url, "pbx:fails", retry_s=0.05, check_s=0.05)
    task = asyncio.create_task(leadership.run(lead))
    try:
        async with asyncio.timeout(10):
            while len(runs) < 3:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
        assert leadership.terms == 3 and not task.done()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _beat(db_session: Any, *, age_s: float = 0.0, state: str = "connected") -> None:
    from sqlalchemy import text

    await write_status(
        db_session,
        pbx="default",
        state=state,
        leader="pbx-host:42",
        last_event_at=time.time(),
        backlog=0,
        events_handled=1,
        reconnects=0,
    )
    await db_session.execute(
        text("UPDATE pbx_status SET updated_at = now() - make_interval(secs => :age)"),
        {"age": age_s},
    )
    await db_session.commit()


async def test_health_is_503_without_a_fresh_listener_heartbeat(
    client: Any, db_session: Any
) -> None:
    response = await client.get("/health")  # no PBX and no listener anywhere: fine
    assert response.status == 200, await response.text()
    await _beat(db_session)
    assert (await client.get("/health")).status == 200
    await _beat(db_session, age_s=60)  # the listener stopped beating
    response = await client.get("/health")
    body = await response.json()
    assert response.status == 503 and body["status"] == "degraded"
    assert body["pbx"]["state"] == "no leader"
    assert "no PBX listener is hearing the PBX" in body["problems"]
    await _beat(db_session, state="disconnected")
    response = await client.get("/health")
    assert response.status == 503
    assert "the PBX link is disconnected" in (await response.json())["problems"]


async def test_health_says_stalled_when_the_leaders_consumer_stops_taking_events(
    pbx: PbxSimulator, sessionmaker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from web.pbx import PbxGateway

    listener = listener_for(pbx.port, sessionmaker)
    leadership = Leadership("postgresql://unused", "pbx:x")
    leadership.leading = True
    gateway = PbxGateway(mode="ami", listener=listener, leadership=leadership)
    monkeypatch.setattr("ami.listener.STALL_S", 0.3)
    task = await _running(listener)
    try:
        assert gateway.local_status()["state"] == "connected"
        hung = asyncio.Event()

        async def store_hangs(*_: Any) -> None:  # a statement that never comes back
            await hung.wait()

        monkeypatch.setattr(listener.writer, "store", store_hangs)
        monkeypatch.setattr(listener.writer, "commit", store_hangs)
        for _ in range(3):
            await pbx.inbound_call(caller="+79161234567", agent_answers=True)
        async with asyncio.timeout(10):
            while gateway.local_status()["state"] != "stalled":  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        hung.set()
        async with asyncio.timeout(10):
            while gateway.local_status()["state"] != "connected":  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_the_heartbeat_says_a_change_of_the_link_at_once(
    pbx: PbxSimulator, sessionmaker: Any
) -> None:
    """A web process goes by the heartbeat to let an operator dial: the beat after the link
    comes up (or goes down) is written then, not a whole beat later."""
    from ami.link import LinkState
    from callcenter.calls.status import read_status

    listener = listener_for(pbx.port, sessionmaker)
    beating = asyncio.create_task(listener.beat_forever(every_s=3600))

    async def said() -> str | None:
        async with sessionmaker() as session:
            beat = await read_status(session, listener.pbx)
        return beat["state"] if beat else None

    try:
        async with asyncio.timeout(5):
            while await said() != "stopped":  # the first beat, before the link starts
                await asyncio.sleep(0.02)
        listener.link.state = LinkState.CONNECTED
        async with asyncio.timeout(2):
            while await said() != "connected":
                await asyncio.sleep(0.02)
        listener.link.state = LinkState.DISCONNECTED
        async with asyncio.timeout(2):
            while await said() != "disconnected":
                await asyncio.sleep(0.02)
    finally:
        beating.cancel()
        await asyncio.gather(beating, return_exceptions=True)
